import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STSServiceException } from '@aws-sdk/client-sts';
import { UserError } from '@branch-env/core';
import { describe, expect, it } from 'vitest';
import { awsFailure, environmentFailure } from '../src/private/aws-errors.js';
import { unconfiguredProfile } from '../src/private/aws/profile.js';
import { dropSdkNodeVersionWarning, isSdkNodeVersionWarning } from '../src/private/warnings.js';

/**
 * Exit 2 only for bugs: network, DNS, throttling, timeouts, file-system errors and a missing
 * AWS profile are user errors naming the fix; the SDK's Node-version warning never reaches stderr.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'branch-env.js');

/** A project folder with the sample config and empty AWS files: no credentials anywhere. */
function project() {
  const dir = mkdtempSync(join(tmpdir(), 'branch-env-errors-'));
  copyFileSync(join(ROOT, 'branch-env.config.json'), join(dir, 'branch-env.config.json'));
  writeFileSync(join(dir, 'aws-config'), '[profile other]\nregion = us-east-1\n');
  writeFileSync(join(dir, 'aws-credentials'), '');
  return dir;
}

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  const dir = project();
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: dir,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: dir,
        AWS_CONFIG_FILE: join(dir, 'aws-config'),
        AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
        AWS_EC2_METADATA_DISABLED: 'true',
        ...extraEnv,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

const FAKE_KEYS = {
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
};

describe('the CLI as a process', () => {
  it('no credentials: one error line and its fix, no SDK Node-version warning, exit 1', async () => {
    for (const args of [['list'], ['experiment', 'list', 'feature/x']]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).not.toContain('NodeVersionSupportWarning');
      expect(r.stderr).not.toContain('hit a bug');
      const lines = r.stderr.trimEnd().split('\n');
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: .*needs AWS credentials and none are usable$/);
      expect(lines[1]).toMatch(/^ {2}fix: /);
    }
  }, 60_000);

  it('AWS_PROFILE naming a profile neither AWS file has says so, with the fix', async () => {
    const r = await cli(['list'], { AWS_PROFILE: 'nope' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain("error: list: AWS profile 'nope' is not configured (AWS_PROFILE)");
    expect(r.stderr).toMatch(/fix: add a \[profile nope\] section to ~\/\.aws\/config/);
    expect(r.stderr).not.toContain('NodeVersionSupportWarning');
  }, 60_000);

  it('a refused connection is a user error (exit 1) naming the fix, not a bug', async () => {
    const r = await cli(['list'], { ...FAKE_KEYS, AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toContain('error: list: the connection was refused (ECONNREFUSED');
    expect(r.stderr).toContain('fix: check the network');
    expect(r.stderr).not.toContain('hit a bug');
  }, 60_000);

  it('a failed DNS lookup is a user error (exit 1) naming the fix', async () => {
    const r = await cli(['list'], { ...FAKE_KEYS, AWS_ENDPOINT_URL: 'http://branch-env.invalid' });
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr).toMatch(/error: list: DNS lookup failed.* \((ENOTFOUND|EAI_AGAIN): /);
    expect(r.stderr).toContain('fix: check the network connection');
  }, 60_000);
});

function systemError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: failure, ${syscall} '${path}'`), {
    code,
    errno: -1,
    syscall,
    path,
  });
}

describe('environmentFailure: the mapping as data', () => {
  it('reads real file-system errors on the user files as user errors naming the path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-fs-'));
    const caught = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return e;
      }
      throw new Error('expected a throw');
    };
    const missing = caught(() => readFileSync(join(dir, 'nope.json')));
    const folder = caught(() => readFileSync(dir));
    expect(environmentFailure('plan', missing)?.message).toBe(
      `plan: ${join(dir, 'nope.json')}: no such file or folder (ENOENT)`,
    );
    expect(environmentFailure('plan', folder)?.message).toBe(
      'plan: a folder was named where a file is expected (EISDIR)',
    );
    const denied = environmentFailure('deploy', systemError('EACCES', 'open', '/srv/app/out.json'));
    expect(denied).toBeInstanceOf(UserError);
    expect(denied?.message).toBe('deploy: /srv/app/out.json: permission denied (EACCES)');
    expect(denied?.fix).toMatch(/readable/);
  });

  it("leaves a file error inside branch-env's own installation a bug", () => {
    const internal = systemError('ENOENT', 'open', '/repo/node_modules/x/dist/index.js');
    expect(environmentFailure('plan', internal)).toBeUndefined();
    expect(
      environmentFailure('plan', Object.assign(new Error('no path'), { code: 'ENOENT' })),
    ).toBeUndefined();
  });

  it('maps network, DNS and timeout codes of Node system errors and the SDK', () => {
    for (const code of ['ENOTFOUND', 'EAI_AGAIN', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) {
      const e = Object.assign(new Error(`connect ${code} sts.amazonaws.com`), {
        code,
        syscall: 'connect',
        hostname: 'sts.amazonaws.com',
      });
      const mapped = environmentFailure('list', e);
      expect(mapped?.message, code).toContain(`(${code}: connect ${code} sts.amazonaws.com)`);
      expect(mapped?.fix, code).toMatch(/run the command again/);
    }
    // @smithy/node-http-handler's socket timeout
    const timeout = Object.assign(new Error('the request socket timed out after 5000 ms'), {
      name: 'TimeoutError',
    });
    expect(environmentFailure('deploy', timeout)?.message).toMatch(
      /^deploy: an AWS request timed out/,
    );
  });

  it('maps SDK throttling exceptions (name + $metadata) through awsFailure', () => {
    for (const name of [
      'ThrottlingException',
      'TooManyRequestsException',
      'RequestLimitExceeded',
    ]) {
      const e = new STSServiceException({
        name,
        $fault: 'client',
        $metadata: { httpStatusCode: 400, attempts: 3 },
        message: 'Rate exceeded',
      });
      const mapped = awsFailure('reap', e);
      expect(mapped, name).toBeInstanceOf(UserError);
      expect(mapped?.message).toBe(`reap: AWS throttled the requests (${name}: Rate exceeded)`);
      expect(mapped?.fix).toMatch(/wait a minute/);
    }
  });

  it('leaves everything else a bug', () => {
    expect(
      awsFailure('list', new TypeError("Cannot read properties of undefined (reading 'x')")),
    ).toBeUndefined();
    expect(
      environmentFailure('list', Object.assign(new Error('x'), { code: 'ERR_ASSERTION' })),
    ).toBeUndefined();
    expect(environmentFailure('list', 'a string')).toBeUndefined();
  });
});

describe('unconfiguredProfile', () => {
  it('names AWS_PROFILE when neither file has it, and nothing when one does', () => {
    const dir = project();
    const env = {
      HOME: dir,
      AWS_CONFIG_FILE: join(dir, 'aws-config'),
      AWS_SHARED_CREDENTIALS_FILE: join(dir, 'aws-credentials'),
    };
    expect(unconfiguredProfile({ ...env, AWS_PROFILE: 'nope' })).toBe('nope');
    expect(unconfiguredProfile({ ...env, AWS_PROFILE: 'other' })).toBeUndefined();
    writeFileSync(env.AWS_SHARED_CREDENTIALS_FILE, '[ci]\naws_access_key_id = x\n');
    expect(unconfiguredProfile({ ...env, AWS_PROFILE: 'ci' })).toBeUndefined();
    expect(unconfiguredProfile(env)).toBeUndefined();
  });
});

describe('dropSdkNodeVersionWarning', () => {
  it('drops only the SDK Node-version warning and passes every other warning through', () => {
    const seen: unknown[][] = [];
    const target = { emitWarning: (...args: unknown[]) => void seen.push(args) };
    dropSdkNodeVersionWarning(target as unknown as Pick<NodeJS.Process, 'emitWarning'>);
    // exactly how @aws-sdk/core emits it
    target.emitWarning('NodeVersionSupportWarning: The AWS SDK for JavaScript (v3)\nversions …');
    target.emitWarning('the stack is deprecated', 'DeprecationWarning', 'DEP0001');
    target.emitWarning('something else', { type: 'ExperimentalWarning' });
    const named = Object.assign(new Error('x'), { name: 'NodeVersionSupportWarning' });
    target.emitWarning(named);
    expect(seen).toEqual([
      ['the stack is deprecated', 'DeprecationWarning', 'DEP0001'],
      ['something else', { type: 'ExperimentalWarning' }],
    ]);
    expect(isSdkNodeVersionWarning('NodeVersionSupportWarning', 'Warning')).toBe(false);
    expect(isSdkNodeVersionWarning('x', 'NodeVersionSupportWarning')).toBe(true);
  });
});
