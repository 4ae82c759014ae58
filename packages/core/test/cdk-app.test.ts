import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  ENVIRONMENT_CONTEXT,
  environmentContext,
  environmentStacks,
  parseConfig,
  readEnvironmentContext,
  resolveEnvironment,
  UserError,
  type EnvironmentContext,
} from '../src/index.js';
import { editedConfig } from './helpers.js';

const get = (context: Record<string, unknown>) => (key: string) => context[key];

describe('the environment app context', () => {
  const values: EnvironmentContext = {
    branch: 'feature/new-login',
    commit: '0123456789abcdef0123456789abcdef01234567',
    imageTag: 'local-20261206t073137z',
    config: '/repo/branch-env.config.json',
    nag: false,
    validate: true,
    firstCreate: true,
    listenerRule: { loadBalancer: 1, priority: 4321, priorities: [4321, 4322] },
    secretSources: { API_TOKEN: '/shop/secrets/API_TOKEN' },
    nagFindings: true,
  };

  it('reads back exactly what the writer wrote, under the keys of ENVIRONMENT_CONTEXT', () => {
    const written = environmentContext(values);
    expect(Object.keys(written).sort()).toEqual(Object.values(ENVIRONMENT_CONTEXT).sort());
    expect(written[ENVIRONMENT_CONTEXT.listenerRule]).toEqual(values.listenerRule);
    expect(readEnvironmentContext(get(JSON.parse(JSON.stringify(written))))).toEqual(values);
  });

  it('leaves unset values out and reads their defaults', () => {
    const written = environmentContext({ branch: 'main' });
    expect(written).toEqual({ branch: 'main' });
    expect(readEnvironmentContext(get(written))).toEqual({
      branch: 'main',
      commit: undefined,
      imageTag: undefined,
      config: undefined,
      nag: true,
      validate: true,
      firstCreate: false,
      listenerRule: undefined,
      secretSources: undefined,
      nagFindings: false,
    });
  });

  it('reads the strings of -c key=value', () => {
    const read = readEnvironmentContext(
      get({
        branch: 'main',
        nag: 'false',
        'branch-env:first-create': 'true',
        'branch-env:listener-rule': '{"loadBalancer":0,"priority":12}',
        'branch-env:secret-sources': '{"TOKEN":"/a/secrets/TOKEN"}',
      }),
    );
    expect(read).toMatchObject({
      nag: false,
      firstCreate: true,
      listenerRule: { loadBalancer: 0, priority: 12 },
      secretSources: { TOKEN: '/a/secrets/TOKEN' },
    });
  });

  it('fails without a branch, naming the -c that gives one', () => {
    expect(() => readEnvironmentContext(get({}))).toThrow(/no branch given/);
  });

  it.each([
    ['branch-env:first-create', 'yes', /branch-env:first-create: "yes" is not true or false/],
    ['validate', 0, /validate: 0 is not true or false/],
    ['branch-env:listener-rule', { loadBalancer: -1, priority: 3 }, /listener-rule: .* is not/],
    ['branch-env:listener-rule', { loadBalancer: 0, priority: 50_001 }, /listener-rule: .* is not/],
    [
      'branch-env:listener-rule',
      { loadBalancer: 0, priority: 3, priorities: [4] },
      /listener-rule: .* is not/,
    ],
    ['branch-env:listener-rule', 'not json', /listener-rule: "not json" is not/],
    ['branch-env:secret-sources', { A: '' }, /secret-sources: .* is not/],
    ['branch-env:secret-sources', ['A'], /secret-sources: .* is not/],
    ['commit', 42, /commit: 42 is not a non-empty string/],
  ])('fails on %s = %j', (key, value, message) => {
    const read = () => readEnvironmentContext(get({ branch: 'main', [key]: value }));
    expect(read).toThrow(UserError);
    expect(read).toThrow(message);
  });

  it('lists every bad key in one error', () => {
    expect(() =>
      readEnvironmentContext(get({ branch: 'main', nag: 'no', 'branch-env:nag-findings': 1 })),
    ).toThrow(/ {2}- nag: "no".*\n {2}- branch-env:nag-findings: 1/s);
  });
});

describe('environmentStacks', () => {
  const config = parseConfig(editedConfig(() => {}));
  it("is the environment's stack of a shared environment", () => {
    const env = resolveEnvironment('feature/new-login', config);
    expect(env.profile.isolation).toBe('shared');
    expect(environmentStacks(env)).toEqual([
      { name: env.stacks.main, account: env.account.id, region: env.region },
    ]);
  });
  it('puts the us-east-1 certificate stack first when a dedicated environment has one', () => {
    const env = resolveEnvironment('main', config);
    expect(env.stacks.certificate).toBeDefined();
    expect(environmentStacks(env).map((s) => [s.name, s.region])).toEqual([
      [env.stacks.certificate, 'us-east-1'],
      [env.stacks.main, env.region],
    ]);
  });
});

describe('config cdk.app', () => {
  const withApp = (app: unknown) => editedConfig((c) => void (c.cdk = { app }));
  const issuesOf = (raw: unknown, exists?: (p: string) => boolean) => {
    try {
      parseConfig(raw, undefined, exists ? { fileExists: exists } : undefined);
      return [];
    } catch (e) {
      if (e instanceof ConfigError) return e.issues.map((i) => `${i.path}: ${i.message}`);
      throw e;
    }
  };

  it('takes the command that runs the app', () => {
    expect(parseConfig(withApp('node infra/app.mjs')).cdk).toEqual({ app: 'node infra/app.mjs' });
    expect(parseConfig(editedConfig(() => {})).cdk).toBeUndefined();
  });

  it('fails on an empty command or an unknown key', () => {
    expect(issuesOf(withApp('  '))).toEqual([expect.stringMatching(/^cdk\.app: /)]);
    expect(
      issuesOf(editedConfig((c) => void (c.cdk = { app: 'node a.mjs', output: 'x' }))),
    ).toEqual([expect.stringMatching(/^cdk\.output: unknown key/)]);
  });

  it('fails on the CDK CLI in place of the app', () => {
    for (const cli of ['npx cdk deploy', 'cdk synth', 'npx aws-cdk synth'])
      expect(issuesOf(withApp(cli))).toEqual([
        expect.stringMatching(/^cdk\.app: '.*' runs the CDK CLI; cdk\.app is the command/),
      ]);
  });

  it('fails when the script it runs is not next to the config file', () => {
    // The repository's own files (services, site) exist; of the scripts only infra/app.mjs.
    const exists = (p: string) => !/^infra\//.test(p) || p === 'infra/app.mjs';
    expect(issuesOf(withApp('node infra/app.mjs'), exists)).toEqual([]);
    expect(issuesOf(withApp('npx tsx "infra/app.ts"'), exists)).toEqual([
      expect.stringMatching(/^cdk\.app: 'infra\/app\.ts' \(run by .*\) does not exist next to/),
    ]);
    // Not checked: absolute paths, variables, and when files cannot be read.
    expect(issuesOf(withApp('node /opt/app.mjs $HOME/x.js'), exists)).toEqual([]);
    expect(issuesOf(withApp('node infra/missing.mjs'))).toEqual([]);
  });
});
