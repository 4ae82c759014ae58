import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');

/** Run the built CLI as a real process, the way a user or CI does. */
function cli(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? ROOT,
    input: options.input,
    encoding: 'utf8',
    env: { ...process.env, BRANCH_ENV_CONFIG: '', ...options.env },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe('branch-env resolve', () => {
  it('explains the environment of a branch', () => {
    const r = cli(['resolve', 'feature/new-login']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('environment: feature-new-login\n');
    expect(r.stdout).toMatch(/account:\s+development 111111111111\n/);
    expect(r.stdout).toMatch(/url:\s+https:\/\/feature-new-login\.branch-env-dev\.example\.net\n/);
    expect(r.stderr).toBe('');
  });

  it('prints stable JSON for scripts', () => {
    const r = cli(['resolve', 'refs/heads/main', '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({
      environment: 'customer-facing',
      branch: 'main',
      account: { key: 'production', id: '222222222222', production: true },
      protected: true,
      ttlHours: null,
      stacks: {
        main: 'branch-env-demo-customer-facing',
        certificate: 'branch-env-demo-customer-facing-certificate',
      },
      url: 'https://customer-facing.branch-env.example.com',
      ssmPrefix: '/branch-env-demo/customer-facing/',
    });
    expect(json.naming).toEqual({ name: 'customer-facing', form: 'fixed' });
  });

  it('keeps every JSON key, null where the environment has none', () => {
    const keys = [
      'environment',
      'naming',
      'branch',
      'app',
      'rule',
      'account',
      'region',
      'deployRoleArn',
      'profile',
      'protected',
      'ttlHours',
      'stacks',
      'dnsName',
      'url',
      'ssmPrefix',
      'baseline',
      'tags',
    ];
    const preview = JSON.parse(cli(['resolve', 'feature/new-login', '--json']).stdout);
    const main = JSON.parse(cli(['resolve', 'main', '--json']).stdout);
    expect(Object.keys(preview)).toEqual(keys);
    expect(Object.keys(main)).toEqual(keys);
    expect(preview.stacks).toEqual({
      main: 'branch-env-demo-feature-new-login',
      certificate: null,
    });
    expect([preview.baseline, main.baseline]).toEqual(['sandbox', null]);
  });

  it('resolves a pull request ref with its head branch', () => {
    const r = cli(['resolve', 'refs/pull/12/merge', '--head-ref', 'feature/x', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).environment).toBe('feature-x');
  });

  it('fails for a pull request ref alone with one clear line and the fix, exit 1', () => {
    const r = cli(['resolve', '12/merge']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      "error: '12/merge' is pull request #12's merge ref, not a branch\n" +
        '  fix: pass the pull request head branch too: --head-ref "$GITHUB_HEAD_REF" (or name the branch as refs/heads/<branch>)\n',
    );
  });

  it('fails for an unrouted branch with exit 1 and a JSON error under --json', () => {
    const r = cli(['resolve', 'wip', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error).toMatchObject({
      kind: 'NoRouteError',
      message: "branch 'wip' matches no routing rule, so it gets no environment",
    });
    expect(r.stderr).not.toMatch(/at .*\.js/); // no stack trace for user errors
  });

  it('fails for a name git rejects', () => {
    const r = cli(['resolve', 'feature/a..b']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^error: 'feature\/a\.\.b' is not a valid git branch name: it contains \.\./,
    );
  });

  it('fails for a missing argument and unknown options with usage', () => {
    expect(cli(['resolve']).stderr).toMatch(
      /takes 1 argument\(s\), got 0\n {2}fix: usage: branch-env resolve <branch\|ref>/,
    );
    const r = cli(['resolve', 'main', '--bogus']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/Unknown option '--bogus'/);
  });

  it('fails for an unknown command', () => {
    const r = cli(['frobnicate']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it('fails for a bug (not a user error) with exit 2 and the stack trace on stderr', () => {
    // No hook in the CLI: the process is started with a preload that makes writing to stdout
    // throw, an internal failure no input explains, inside the command the way any bug would.
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-bug-'));
    const preload = join(dir, 'broken-stdout.mjs');
    writeFileSync(
      preload,
      "process.stdout.write = () => { throw new TypeError('stdout broke (test preload)'); };\n",
    );
    const r = spawnSync(
      process.execPath,
      ['--import', pathToFileURL(preload).href, BIN, 'resolve', 'feature/x'],
      { cwd: ROOT, encoding: 'utf8', env: { ...process.env, BRANCH_ENV_CONFIG: '' } },
    );
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(
      /^branch-env hit a bug; please report it with this output:\nTypeError: stdout broke \(test preload\)\n\s+at /,
    );
    expect(r.stderr).toMatch(/\n\s+at .*commands\/resolve\/resolve\.js/);
  });
});

describe('branch-env name', () => {
  it('prints only the name', () => {
    const r = cli(['name', 'feature/Login_Page']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^feature-login-page--[a-z2-7]{10}\n$/);
  });

  it('fails when another live branch would share the environment', () => {
    const r = cli(['name', 'feature/a-b', '--against', '-'], {
      input: 'abc123\trefs/heads/feature/a/b\ndef456\trefs/heads/main\n',
    });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('feature-a-b\n');
    expect(r.stderr).toMatch(/environment 'feature-a-b' would be shared with 'feature\/a\/b'/);
  });

  it('passes when the live branches do not collide', () => {
    const r = cli(['name', 'feature/a-b', '--against', '-', '--json'], {
      input: 'feature/c\nmain\n',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      environment: 'feature-a-b',
      branch: 'feature/a-b',
      form: 'plain',
      collision: null,
    });
  });
});

describe('branch-env config check', () => {
  it('accepts the repository config', () => {
    const r = cli(['config', 'check']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/is valid: 11 rules, 2 accounts, 3 profiles/);
  });

  it('reports every problem of a bad config with JSON paths', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-'));
    const file = join(dir, 'branch-env.config.json');
    writeFileSync(
      file,
      JSON.stringify(
        {
          app: 'demo',
          accounts: {
            dev: {
              id: '1',
              region: 'us-east-1',
              deployRoleArn: 'arn:aws:iam::111111111111:role/x',
            },
          },
          profiles: { p: {} },
          defaults: { profile: 'p' },
          rules: [{ branch: 'feature/**', account: 'prod' }],
          // Its own service: outside the branch-env repository a config without one is a problem.
          services: {
            web: {
              image: 'public.ecr.aws/nginx/nginx:1.27',
              port: 80,
              healthCheck: { path: '/' },
              expose: { routes: ['/'] },
            },
          },
        },
        null,
        2,
      ),
    );
    // The schema problem does not hide the cross-check one (the unknown account). The account
    // without a domain is no problem: no rule routes to it.
    const text = cli(['config', 'check'], { cwd: dir });
    expect(text.code).toBe(1);
    expect(text.stderr).toContain(
      `error: ${file} has 2 problems:\n  - accounts.dev.id (line 5:7): an AWS account id is 12 digits\n  - rules[0].account (line 19:7): unknown account 'prod'; known: dev\n`,
    );
    const json = cli(['config', 'check', '--json', '--config', file], { cwd: ROOT });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toEqual({
      ok: false,
      file,
      issues: [
        { path: 'accounts.dev.id', message: 'an AWS account id is 12 digits', line: 5, column: 7 },
        {
          path: 'rules[0].account',
          message: "unknown account 'prod'; known: dev",
          line: 19,
          column: 7,
        },
      ],
    });
  });

  it('fails when there is no config file, naming --config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-none-'));
    const r = cli(['config', 'check'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /no branch-env\.config\.json in .* or any folder above it\n {2}fix: .*--config/,
    );
  });
});
