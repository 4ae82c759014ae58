import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  loadConfig,
  parseConfig,
  resolveEnvironment,
  resolveSecretSources,
  missingSecretsError,
  UserError,
} from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { listSecrets, listText, scopeOf, setSecret } from '../src/commands/secret/secret.js';
import { secretSourcesOf } from '../src/commands/deploy/deploy.js';
import {
  putSecret,
  removeSecret,
  secretNamesUnder,
  secretsPresent,
} from '../src/private/aws/app-secrets.js';
import { awsError, testClients } from './helpers/aws-clients.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');
const { config: repoConfig } = loadConfig(join(ROOT, 'branch-env.config.json'));

/**
 * The repository config with services and a job that read secrets (previews without the MongoDB
 * sidecar, which a job could not reach).
 */
const base = structuredClone(repoConfig);
base.profiles.preview = { ...base.profiles.preview!, database: { engine: 'none' } };
const config = parseConfig({
  ...base,
  services: {
    api: {
      ...repoConfig.services?.api,
      secrets: ['STRIPE_KEY', 'SESSION_SECRET'],
    },
  },
  jobs: { migrate: { service: 'api', command: ['migrate'], secrets: ['DB_ADMIN'] } },
});

const sm = mockClient(SecretsManagerClient);
beforeEach(() => sm.reset());

/** ListSecrets answering with `names` filtered by the request's name prefix, two per page. */
function secretsNamed(names: readonly string[]): void {
  sm.on(ListSecretsCommand).callsFake(
    (input: { Filters?: { Values?: string[] }[]; NextToken?: string }) => {
      const prefix = input.Filters?.[0]?.Values?.[0] ?? '';
      const all = names.filter((n) => n.startsWith(prefix)).map((Name) => ({ Name }));
      const start = Number(input.NextToken ?? 0);
      const next = start + 2 < all.length ? String(start + 2) : undefined;
      return { SecretList: all.slice(start, start + 2), NextToken: next };
    },
  );
}

describe('which secret value an environment reads (core, pure)', () => {
  const env = resolveEnvironment('feature/login', config);

  it('takes the environment’s own value first, then the app-wide one, and names what is missing', () => {
    const r = resolveSecretSources(env, {
      environment: new Set(['STRIPE_KEY']),
      app: new Set(['STRIPE_KEY', 'SESSION_SECRET']),
    });
    expect(r.sources).toEqual([
      {
        name: 'SESSION_SECRET',
        level: 'app',
        secretId: '/branch-env-demo/secrets/SESSION_SECRET',
      },
      {
        name: 'STRIPE_KEY',
        level: 'environment',
        secretId: '/branch-env-demo/feature-login/secrets/STRIPE_KEY',
      },
    ]);
    expect(r.missing).toEqual([
      { name: 'DB_ADMIN', usedBy: ['job:migrate'], paths: ['jobs.migrate.secrets'] },
    ]);
  });

  it('refuses with the exact command that sets each missing secret', () => {
    const { missing } = resolveSecretSources(env, { environment: new Set(), app: new Set() });
    const error = missingSecretsError(env, missing);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toBe(
      "environment 'feature-login' needs 3 secrets that have no value for it or for the whole app:\n" +
        '  - DB_ADMIN (read by job:migrate; jobs.migrate.secrets)\n' +
        '  - SESSION_SECRET (read by api, job:migrate; services.api.secrets[1])\n' +
        '  - STRIPE_KEY (read by api, job:migrate; services.api.secrets[0])',
    );
    expect(error.fix).toContain(
      'branch-env secret set STRIPE_KEY --environment feature-login --account development',
    );
    expect(error.fix).toMatch(/--all instead of --environment/);
  });
});

describe('Secrets Manager adapter (aws-sdk-client-mock)', () => {
  const aws = testClients();

  it('lists the direct children of a prefix over every page, names only', async () => {
    secretsNamed([
      '/branch-env-demo/secrets/A',
      '/branch-env-demo/secrets/B',
      '/branch-env-demo/secrets/nested/C',
      '/branch-env-demo/secrets/D',
      '/branch-env-demo/feature-x/secrets/E',
    ]);
    expect(await secretNamesUnder(aws, '/branch-env-demo/secrets/')).toEqual(['A', 'B', 'D']);
    expect(sm.commandCalls(ListSecretsCommand)).toHaveLength(2);
    expect(sm.commandCalls(ListSecretsCommand)[0]?.args[0].input).toMatchObject({
      Filters: [{ Key: 'name', Values: ['/branch-env-demo/secrets/'] }],
      IncludePlannedDeletion: false,
    });
  });

  it('creates a secret with its tags, and puts a new version when it exists', async () => {
    sm.on(CreateSecretCommand).resolves({});
    expect(
      await putSecret(aws, {
        id: '/a/e/secrets/K',
        value: 'v1',
        description: 'd',
        tags: { t: '1' },
      }),
    ).toBe('created');
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input).toEqual({
      Name: '/a/e/secrets/K',
      SecretString: 'v1',
      Description: 'd',
      Tags: [{ Key: 't', Value: '1' }],
    });
    sm.reset();
    sm.on(CreateSecretCommand).rejects(awsError('ResourceExistsException'));
    sm.on(PutSecretValueCommand).resolves({});
    expect(
      await putSecret(aws, { id: '/a/e/secrets/K', value: 'v2', description: 'd', tags: {} }),
    ).toBe('updated');
    expect(sm.commandCalls(PutSecretValueCommand)[0]?.args[0].input).toEqual({
      SecretId: '/a/e/secrets/K',
      SecretString: 'v2',
    });
    expect(sm.commandCalls(RestoreSecretCommand)).toHaveLength(0);
  });

  it('restores a secret in its recovery window before putting the value', async () => {
    sm.on(CreateSecretCommand).rejects(
      awsError(
        'InvalidRequestException',
        "You can't create this secret because a secret with this name is already scheduled for deletion.",
      ),
    );
    sm.on(RestoreSecretCommand).resolves({});
    sm.on(PutSecretValueCommand).resolves({});
    expect(
      await putSecret(aws, { id: '/a/secrets/K', value: 'v', description: 'd', tags: {} }),
    ).toBe('updated');
    expect(sm.commandCalls(RestoreSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: '/a/secrets/K',
    });
  });

  it('schedules a deletion with a recovery window; a missing secret is not an error', async () => {
    sm.on(DeleteSecretCommand, { SecretId: '/a/secrets/K' }).resolves({});
    sm.on(DeleteSecretCommand, { SecretId: '/a/secrets/GONE' }).rejects(
      awsError('ResourceNotFoundException'),
    );
    expect(await removeSecret(aws, '/a/secrets/K')).toBe(true);
    expect(await removeSecret(aws, '/a/secrets/GONE')).toBe(false);
    expect(sm.commandCalls(DeleteSecretCommand)[0]?.args[0].input).toEqual({
      SecretId: '/a/secrets/K',
      RecoveryWindowInDays: 7,
    });
  });

  it('says which names are set for an environment and app-wide', async () => {
    secretsNamed(['/app/secrets/A', '/app/env-1/secrets/B', '/app/env-2/secrets/C']);
    const present = await secretsPresent(aws, 'app', 'env-1');
    expect([...present.environment]).toEqual(['B']);
    expect([...present.app]).toEqual(['A']);
  });
});

describe('branch-env secret (commands over the adapter)', () => {
  const aws = testClients();
  const args = (values: Record<string, string | boolean>, positionals: string[] = []) => ({
    values,
    positionals,
  });

  it('scopes to one environment or the app, in an account', () => {
    expect(
      scopeOf(args({ environment: 'feature-x', account: 'development' }), config, true),
    ).toEqual({
      app: 'branch-env-demo',
      account: { key: 'development', id: '111111111111', region: 'us-east-1' },
      environment: 'feature-x',
    });
    // A fixed environment name knows its account.
    expect(scopeOf(args({ environment: 'customer-facing' }), config, true).account.key).toBe(
      'production',
    );
    expect(() => scopeOf(args({}), config, true)).toThrow(/say which environments/);
    expect(() => scopeOf(args({ environment: 'x', all: true }), config, true)).toThrow(
      /cannot be combined/,
    );
    expect(() => scopeOf(args({ all: true }), config, true)).toThrow(
      /which account\? the config has several/,
    );
    expect(() =>
      scopeOf(args({ environment: 'feature/x', account: 'development' }), config, true),
    ).toThrow(/not an environment name/);
  });

  it('set writes the environment-level secret, tagged with the app and environment', async () => {
    sm.on(CreateSecretCommand).resolves({});
    const scope = scopeOf(args({ environment: 'feature-x', account: 'development' }), config, true);
    expect(await setSecret(aws, scope, 'STRIPE_KEY', 'sk_live_1')).toEqual({
      secretId: '/branch-env-demo/feature-x/secrets/STRIPE_KEY',
      result: 'created',
    });
    expect(sm.commandCalls(CreateSecretCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: 'branch-env:app', Value: 'branch-env-demo' },
      { Key: 'branch-env:environment', Value: 'feature-x' },
    ]);
    const all = scopeOf(args({ all: true, account: 'development' }), config, true);
    await setSecret(aws, all, 'STRIPE_KEY', 'sk_live_2');
    expect(sm.commandCalls(CreateSecretCommand)[1]?.args[0].input).toMatchObject({
      Name: '/branch-env-demo/secrets/STRIPE_KEY',
      Tags: [{ Key: 'branch-env:app', Value: 'branch-env-demo' }],
    });
  });

  it('list shows names per level and who reads them, never values', async () => {
    secretsNamed([
      '/branch-env-demo/secrets/STRIPE_KEY',
      '/branch-env-demo/feature-x/secrets/STRIPE_KEY',
      '/branch-env-demo/feature-x/secrets/SESSION_SECRET',
      '/branch-env-demo/sandbox/secrets/EXTRA',
    ]);
    const rows = await listSecrets(aws, config, undefined);
    expect(rows).toEqual([
      { name: 'DB_ADMIN', app: false, environments: [], usedBy: ['job:migrate'] },
      { name: 'EXTRA', app: false, environments: ['sandbox'], usedBy: [] },
      { name: 'SESSION_SECRET', app: false, environments: ['feature-x'], usedBy: ['api'] },
      { name: 'STRIPE_KEY', app: true, environments: ['feature-x'], usedBy: ['api'] },
    ]);
    const one = await listSecrets(aws, config, 'feature-x');
    expect(listText(one, 'feature-x')).toBe(
      [
        'NAME            APP-WIDE  FEATURE-X  USED         USED BY',
        'DB_ADMIN        -         -          MISSING      job:migrate',
        'SESSION_SECRET  -         set        environment  api',
        'STRIPE_KEY      set       set        environment  api',
        '',
      ].join('\n'),
    );
    expect(sm.commandCalls(ListSecretsCommand).length).toBeGreaterThan(0);
  });

  it('deploy finds the sources of the secrets, or what is missing, before creating anything', async () => {
    secretsNamed([
      '/branch-env-demo/secrets/STRIPE_KEY',
      '/branch-env-demo/secrets/DB_ADMIN',
      '/branch-env-demo/feature-login/secrets/SESSION_SECRET',
    ]);
    const env = resolveEnvironment('feature/login', config);
    const r = await secretSourcesOf(aws, env);
    expect(r.missing).toEqual([]);
    expect(r.sources.map((s) => `${s.name}:${s.level}`)).toEqual([
      'DB_ADMIN:app',
      'SESSION_SECRET:environment',
      'STRIPE_KEY:app',
    ]);
    // No secrets read: no call at all.
    sm.reset();
    expect(await secretSourcesOf(aws, resolveEnvironment('feature/login', repoConfig))).toEqual({
      sources: [],
      missing: [],
    });
    expect(sm.calls()).toHaveLength(0);
  });
});

describe('branch-env secret as a process', () => {
  function cli(args: string[], input?: string) {
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    const none = join(mkdtempSync(join(tmpdir(), 'be-secret-')), 'none');
    const r = spawnSync(process.execPath, [BIN, 'secret', ...args], {
      cwd: ROOT,
      input,
      encoding: 'utf8',
      env: {
        ...env,
        BRANCH_ENV_CONFIG: '',
        AWS_CONFIG_FILE: none,
        AWS_SHARED_CREDENTIALS_FILE: none,
        AWS_EC2_METADATA_DISABLED: 'true',
      },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('takes no value on the command line and needs a scope', () => {
    const r = cli(['set', 'STRIPE_KEY', 'sk_live_123', '--all']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/takes 1 argument\(s\), got 2/);
    const s = cli(['set', 'STRIPE_KEY'], 'v\n');
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(
      /say which environments the secret is for\n\s+fix: pass --environment/,
    );
  });

  it('reads the value from stdin, then needs credentials for the account', () => {
    const r = cli(['set', 'STRIPE_KEY', '--all', '--account', 'development'], 'sk_live_123\n');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/secret set needs AWS credentials/);
    expect(r.stderr + r.stdout).not.toContain('sk_live_123');
    const empty = cli(['set', 'STRIPE_KEY', '--all', '--account', 'development'], '');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(/no value given for STRIPE_KEY/);
  });

  it('refuses a name a service could not read', () => {
    const r = cli(['remove', 'stripe-key', '--all', '--account', 'development']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/'stripe-key' is not a secret name/);
  });
});
