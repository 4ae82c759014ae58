import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '@branch-env/core';
import { buildApp } from '@branch-env/infra';

const INFRA = join(import.meta.dirname, '..');

/** The environment of a user without AWS: no credentials, no profile, no instance metadata. */
function offlineEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
  }
  return {
    ...env,
    CDK_DISABLE_CLI_TELEMETRY: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_CONFIG_FILE: join(tmpdir(), 'branch-env-no-aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: join(tmpdir(), 'branch-env-no-aws-credentials'),
  };
}

describe('apps/infra as the CDK CLI runs it', () => {
  it('synthesizes feature/new-login offline: `npx cdk synth -c branch=feature/new-login`', () => {
    const out = mkdtempSync(join(tmpdir(), 'branch-env-infra-'));
    const result = spawnSync(
      'npx',
      ['cdk', 'synth', '-c', 'branch=feature/new-login', '--no-notices', '-q', '-o', out],
      { cwd: INFRA, env: offlineEnv(), encoding: 'utf8', timeout: 120_000 },
    );
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.status).toBe(0);
    expect(readdirSync(out)).toContain('branch-env-demo-feature-new-login.template.json');
    const template = JSON.parse(
      readFileSync(join(out, 'branch-env-demo-feature-new-login.template.json'), 'utf8'),
    ) as { Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }> };
    const url = Object.values(template.Resources).find(
      (r) => r.Properties?.Name === '/branch-env-demo/feature-new-login/api/service-url',
    );
    expect(url?.Properties?.Value).toBe('https://feature-new-login.branch-env-dev.example.net');
    const manifest = JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8')) as {
      artifacts: Record<string, { environment?: string }>;
    };
    expect(manifest.artifacts['branch-env-demo-feature-new-login']?.environment).toBe(
      'aws://111111111111/us-east-1',
    );
    rmSync(out, { recursive: true, force: true });
  }, 150_000); // the spawn's own timeout is 120 s; a loaded machine takes more than 60

  it('fails without a branch, saying how to pass one', () => {
    expect(() => buildApp({ context: {} })).toThrow(UserError);
    expect(() => buildApp({ context: {} })).toThrow(/no branch given/);
  });

  it('fails for a branch no rule routes, with the routing error of core', () => {
    expect(() => buildApp({ context: { branch: 'random-branch', nag: 'false' } })).toThrow(
      /matches no routing rule/,
    );
  });
});
