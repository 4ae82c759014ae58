import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  compilePattern,
  expiresAt,
  findNameCollisions,
  gitBranchProblem,
  matches,
  NoRouteError,
  NotAllowedError,
  parseConfig,
  resolveEnvironment,
  tagValue,
  TAG_KEYS,
} from '../src/index.js';
import { editedConfig, repoConfig } from './helpers.js';

const config = repoConfig();

describe('resolveEnvironment with the repository config', () => {
  it.each([
    ['feature/new-login', 'feature-new-login', 'development', 'preview', false, 72],
    ['bugfix/crash', 'bugfix-crash', 'development', 'preview', false, 72],
    ['ai/agent-7/cache-ttl', 'ai-agent-7-cache-ttl', 'development', 'preview', false, 24],
    ['main', 'customer-facing', 'production', 'production', true, null],
    ['prod/2026-11', 'prod-2026-11', 'production', 'production', true, null],
    ['hotfix/login', 'hotfix-login', 'production', 'production', true, null],
    ['prod1', 'prod1', 'production', 'production', true, null],
    ['sandbox', 'sandbox', 'development', 'full', true, null],
    ['qa1', 'qa1', 'development', 'full', true, null],
    ['qa2', 'qa2', 'development', 'full', true, null],
    ['staging2', 'staging2', 'development', 'full', true, null],
    ['dev-gary-1', 'dev-gary-1', 'development', 'full', true, null],
  ] as const)('%s -> %s in %s with %s', (branch, name, account, profile, isProtected, ttl) => {
    const env = resolveEnvironment(branch, config);
    expect(env.name).toBe(name);
    expect(env.branch).toBe(branch);
    expect(env.account.key).toBe(account);
    expect(env.profile.name).toBe(profile);
    expect(env.protected).toBe(isProtected);
    expect(env.ttlHours).toBe(ttl);
  });

  it('returns everything the other parts need', () => {
    const env = resolveEnvironment('refs/heads/feature/new-login', config);
    expect(env).toMatchObject({
      name: 'feature-new-login',
      branch: 'feature/new-login',
      app: 'branch-env-demo',
      region: 'us-east-1',
      deployRoleArn: 'arn:aws:iam::111111111111:role/branch-env-deploy-unprotected',
      stacks: { main: 'branch-env-demo-feature-new-login', certificate: undefined },
      dnsName: 'feature-new-login.branch-env-dev.example.net',
      ssmPrefix: '/branch-env-demo/feature-new-login/',
      tags: {
        [TAG_KEYS.app]: 'branch-env-demo',
        [TAG_KEYS.environment]: 'feature-new-login',
        [TAG_KEYS.branch]: 'feature/new-login',
        [TAG_KEYS.profile]: 'preview',
      },
    });
    expect(env.account.id).toBe('111111111111');
  });

  it('gives CloudFront profiles a us-east-1 certificate stack', () => {
    expect(resolveEnvironment('main', config).stacks).toEqual({
      main: 'branch-env-demo-customer-facing',
      certificate: 'branch-env-demo-customer-facing-certificate',
    });
  });

  it('resolves a pull request to its head branch', () => {
    expect(
      resolveEnvironment({ ref: 'refs/pull/7/merge', headBranch: 'feature/x' }, config).name,
    ).toBe('feature-x');
  });

  it('fails for a branch no rule matches, naming the routed families', () => {
    expect(() => resolveEnvironment('experiment', config)).toThrow(NoRouteError);
    expect(() => resolveEnvironment('experiment', config)).toThrow(
      /matches no routing rule, so it gets no environment/,
    );
  });

  it('does not route by case: Main is not main', () => {
    expect(() => resolveEnvironment('Main', config)).toThrow(NoRouteError);
  });

  it('gives environments in the baseline account the baseline for service discovery', () => {
    expect(config.baseline).toBe('sandbox');
    expect(resolveEnvironment('feature/new-login', config).baseline).toBe('sandbox');
    expect(resolveEnvironment('qa1', config).baseline).toBe('sandbox');
    // Not itself, and not across accounts (a service reads only its own account's parameters).
    expect(resolveEnvironment('sandbox', config).baseline).toBeUndefined();
    expect(resolveEnvironment('main', config).baseline).toBeUndefined();
    expect(resolveEnvironment('hotfix/login', config).baseline).toBeUndefined();
  });

  it('finds a fixed-name baseline by its rule, and none when the config has no baseline', () => {
    const fixed = parseConfig(editedConfig((c) => (c.baseline = 'customer-facing')));
    expect(resolveEnvironment('prod/2026-11', fixed).baseline).toBe('customer-facing');
    expect(resolveEnvironment('feature/x', fixed).baseline).toBeUndefined();
    const none = parseConfig(editedConfig((c) => delete c.baseline));
    expect(resolveEnvironment('feature/x', none).baseline).toBeUndefined();
  });

  it('gives the baseline a rule for one concrete branch produces, however that branch is spelled', () => {
    // `config check` accepts this baseline (rule 0 produces it), so resolve must find it too.
    const slashed = parseConfig(
      editedConfig((c) => {
        c.rules = [
          { branch: 'dev/sandbox', account: 'development', profile: 'full', protected: true },
          { branch: 'feature/**', account: 'development', profile: 'preview' },
        ];
        c.baseline = 'dev-sandbox';
      }),
    );
    expect(resolveEnvironment('feature/x', slashed).baseline).toBe('dev-sandbox');
    expect(resolveEnvironment('dev/sandbox', slashed).baseline).toBeUndefined();
  });
});

describe('routing safety', () => {
  it('never resolves a branch of an unprotected rule to a production account', () => {
    const branch = fc
      .array(
        fc.constantFrom(
          'feature',
          'bugfix',
          'ai',
          'main',
          'prod',
          'hotfix',
          'qa',
          'x',
          'prod1',
          'dev-a-1',
          'sandbox',
        ),
        {
          minLength: 1,
          maxLength: 3,
        },
      )
      .map((parts) => parts.join('/'));
    fc.assert(
      fc.property(branch, (b) => {
        let env;
        try {
          env = resolveEnvironment(b, config);
        } catch (e) {
          // `qa` and `qa/x` match `qa*`, whose `allow` lists qa1-qa3 only.
          expect([NoRouteError, NotAllowedError].some((c) => e instanceof c)).toBe(true);
          return;
        }
        if (env.account.production) expect(env.protected).toBe(true);
        if (!config.rules[env.rule.index]?.protected) expect(env.account.production).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it('a feature branch never reaches production, whatever it is called', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 60 }), (rest) => {
        const b = `feature/${rest}`;
        fc.pre(gitBranchProblem(b) === undefined);
        expect(resolveEnvironment(b, config).account.production).toBe(false);
      }),
      { numRuns: 500 },
    );
  });
});

describe('patterns', () => {
  it.each([
    ['feature/*', 'feature/x', true],
    ['feature/*', 'feature/x/y', false],
    ['feature/**', 'feature/x/y', true],
    ['qa*', 'qa1', true],
    ['qa*', 'qa/1', false],
    ['prod[1-9]', 'prod1', true],
    ['prod[1-9]', 'prod0', false],
    ['prod[1-9]', 'prod10', false],
    ['v?', 'v1', true],
    ['a.b', 'axb', false],
    ['/dev-[a-z]+-[0-9]+/', 'dev-gary-12', true],
    ['/dev-[a-z]+-[0-9]+/', 'xdev-gary-12', false],
  ] as const)('%s matches %s: %s', (pattern, branch, expected) => {
    expect(matches(compilePattern(pattern), branch)).toBe(expected);
  });
});

describe('findNameCollisions', () => {
  it('finds branches that would share an environment by accident', () => {
    expect(findNameCollisions(['feature/a-b', 'feature/a/b', 'feature/c', 'main'], config)).toEqual(
      [
        {
          environment: 'feature-a-b',
          account: 'development',
          branches: ['feature/a-b', 'feature/a/b'],
        },
      ],
    );
  });

  it('ignores branches a fixed-name rule maps together on purpose', () => {
    const shared = parseConfig(
      editedConfig((c) =>
        c.rules.unshift({
          branch: 'release/**',
          account: 'development',
          profile: 'full',
          protected: true,
          environment: 'release',
        }),
      ),
    );
    expect(findNameCollisions(['release/1.0', 'release/1.1'], shared)).toEqual([]);
  });

  it('ignores unrouted and invalid branches', () => {
    expect(findNameCollisions(['nope', 'nope', 'a..b'], config)).toEqual([]);
  });
});

describe('expiry and tags', () => {
  it('expires TTL hours after the last deploy; protected never', () => {
    const deployed = new Date('2026-11-22T10:00:00Z');
    expect(expiresAt(resolveEnvironment('feature/x', config), deployed)?.toISOString()).toBe(
      '2026-11-25T10:00:00.000Z',
    );
    expect(expiresAt(resolveEnvironment('ai/x', config), deployed)?.toISOString()).toBe(
      '2026-11-23T10:00:00.000Z',
    );
    expect(expiresAt(resolveEnvironment('main', config), deployed)).toBeNull();
  });

  it('makes branch tag values safe for AWS tags', () => {
    expect(tagValue('feature/new-login')).toBe('feature/new-login');
    expect(tagValue("feat/it's#1!")).toBe('feat/it_s_1_');
    expect([...tagValue('ü'.repeat(300))]).toHaveLength(256);
  });
});
