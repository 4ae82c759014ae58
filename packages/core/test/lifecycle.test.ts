import { describe, expect, it } from 'vitest';
import {
  LEFTOVER_RULES,
  UserError,
  arnType,
  checkOwnership,
  checkLiveBranches,
  collectEnvironments,
  confirmReap,
  environmentApex,
  expiresAtRecord,
  expiryOf,
  humanDuration,
  inEnvironmentSubtree,
  isAcmValidationRecord,
  isExpired,
  leftoversAfterDestroy,
  ownershipConflict,
  planReap,
  protectionOf,
  statusOf,
  type DeployedEnvironment,
  type StackSummary,
} from '../src/index.js';
import { repoConfig } from './helpers.js';

const config = repoConfig();
const DEV = '111111111111';
const PROD = '222222222222';
const NOW = new Date('2026-11-22T12:00:00Z');

function env(over: Partial<DeployedEnvironment> & { environment: string }): DeployedEnvironment {
  return {
    app: 'branch-env-demo',
    account: DEV,
    region: 'us-east-1',
    status: 'deployed',
    stacks: [],
    ...over,
  };
}

describe('checkOwnership', () => {
  it.each([
    [undefined, 'feature/a', { kind: 'unclaimed' }],
    [null, 'feature/a', { kind: 'unclaimed' }],
    ['', 'feature/a', { kind: 'unclaimed' }],
    ['feature/a', 'feature/a', { kind: 'owned' }],
    ['feature/A', 'feature/a', { kind: 'conflict', owner: 'feature/A' }],
    ['feature/a.b', 'feature/a-b', { kind: 'conflict', owner: 'feature/a.b' }],
  ])('record %j, branch %s -> %j', (record, branch, expected) => {
    expect(checkOwnership(record, branch)).toEqual(expected);
  });

  it('the conflict error names both branches, the environment and the fix', () => {
    const e = ownershipConflict(
      'feature-a-b',
      '/app/feature-a-b/meta/owner-branch',
      'feature/a.b',
      'feature/a-b',
    );
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      "environment 'feature-a-b' belongs to branch 'feature/a.b', not 'feature/a-b'; refusing to deploy over it",
    );
    expect(e.fix).toContain("rename 'feature/a-b'");
    expect(e.fix).toContain('branch-env destroy feature-a-b');
  });
});

describe('expiry', () => {
  it('records last deploy + TTL, or never', () => {
    expect(expiresAtRecord(72, NOW)).toBe('2026-11-25T12:00:00.000Z');
    expect(expiresAtRecord(null, NOW)).toBe('never');
  });

  it.each([
    [{ expiresAt: 'never' }, 24, null],
    [{ expiresAt: '2026-11-23T00:00:00Z' }, 1, new Date('2026-11-23T00:00:00Z')],
    [{ deployedAt: '2026-11-22T00:00:00Z' }, 24, new Date('2026-11-23T00:00:00Z')],
    [{ createdAt: '2026-11-22T00:00:00Z' }, 2, new Date('2026-11-22T02:00:00Z')],
    [{ deployedAt: '2026-11-22T00:00:00Z' }, null, null],
    [{ deployedAt: '2026-11-22T00:00:00Z' }, undefined, undefined],
    [{ expiresAt: 'garbage' }, undefined, undefined],
    [{}, 24, undefined],
  ] as const)('%j with TTL %j -> %j', (record, ttl, expected) => {
    expect(expiryOf(record, ttl)).toEqual(expected);
  });

  it('is expired at and after the instant, never for null or unknown', () => {
    expect(isExpired(NOW, NOW)).toBe(true);
    expect(isExpired(new Date(NOW.getTime() + 1), NOW)).toBe(false);
    expect(isExpired(null, NOW)).toBe(false);
    expect(isExpired(undefined, NOW)).toBe(false);
  });

  it('prints short durations', () => {
    expect(humanDuration(5 * 60_000)).toBe('5 m');
    expect(humanDuration(125 * 60_000)).toBe('2 h 05 m');
    expect(humanDuration(-(3 * 1440 + 4 * 60) * 60_000)).toBe('3 d 4 h ago');
  });
});

describe('collectEnvironments', () => {
  const stack = (
    name: string,
    environment: string,
    status: string,
    extra: Record<string, string> = {},
  ): StackSummary => ({
    name,
    status,
    region: 'us-east-1',
    account: DEV,
    createdAt: '2026-11-20T10:00:00.000Z',
    tags: {
      'branch-env:app': 'branch-env-demo',
      'branch-env:environment': environment,
      'branch-env:branch': environment.replace('-', '/'),
      'branch-env:profile': 'preview',
      ...extra,
    },
  });

  it('joins stacks and meta records; keeps record-only claims; ignores other apps and stray keys', () => {
    const envs = collectEnvironments({
      app: 'branch-env-demo',
      account: DEV,
      region: 'us-east-1',
      stacks: [
        stack('branch-env-demo-feature-a', 'feature-a', 'UPDATE_COMPLETE'),
        stack('other-feature-a', 'feature-a', 'CREATE_COMPLETE', { 'branch-env:app': 'other' }),
        stack('branch-env-demo-gone', 'gone', 'DELETE_COMPLETE'),
      ],
      parameters: [
        { name: '/branch-env-demo/feature-a/meta/owner-branch', value: 'feature/a' },
        { name: '/branch-env-demo/feature-a/meta/deployed-at', value: '2026-11-21T00:00:00.000Z' },
        { name: '/branch-env-demo/feature-a/meta/expires-at', value: '2026-11-24T00:00:00.000Z' },
        { name: '/branch-env-demo/feature-a/meta/estimated-cost-per-hour', value: '0.0490' },
        {
          name: '/branch-env-demo/feature-a/api/service-url',
          value: 'https://feature-a.dev.example.com',
        },
        { name: '/branch-env-demo/half/meta/owner-branch', value: 'feature/half' },
        { name: '/branch-env-demo/stray/experiments/x/configuration', value: '{}' },
        { name: '/other-app/feature-a/meta/owner-branch', value: 'nope' },
      ],
    });
    expect(envs.map((e) => [e.environment, e.status])).toEqual([
      ['feature-a', 'deployed'],
      ['half', 'no-stack'],
    ]);
    expect(envs[0]).toMatchObject({
      ownerBranch: 'feature/a',
      taggedBranch: 'feature/a',
      profile: 'preview',
      createdAt: '2026-11-20T10:00:00.000Z',
      expiresAt: '2026-11-24T00:00:00.000Z',
      costPerHour: 0.049,
      url: 'https://feature-a.dev.example.com',
    });
    expect(envs[0]?.stacks.map((s) => s.name)).toEqual(['branch-env-demo-feature-a']);
  });

  it('an account outside us-east-1: from us-east-1 only the certificate stacks of its own environments', () => {
    const at = (region: string, s: StackSummary): StackSummary => ({ ...s, region });
    const envs = collectEnvironments({
      app: 'branch-env-demo',
      account: DEV,
      region: 'eu-west-1',
      stacks: [
        at('eu-west-1', stack('branch-env-demo-feature-a', 'feature-a', 'UPDATE_COMPLETE')),
        at(
          'us-east-1',
          stack('branch-env-demo-feature-a-certificate', 'feature-a', 'DELETE_IN_PROGRESS'),
        ),
        // record-only in eu-west-1 (a failed first deploy): its certificate stack joins it
        at('us-east-1', stack('branch-env-demo-half-certificate', 'half', 'CREATE_COMPLETE')),
        // environments of a us-east-1 entry of the same account: not this region's
        at('us-east-1', stack('branch-env-demo-east-only', 'east-only', 'CREATE_COMPLETE')),
        at(
          'us-east-1',
          stack('branch-env-demo-east-only-certificate', 'east-only', 'CREATE_COMPLETE'),
        ),
        // named like a certificate stack but not this environment's
        at('us-east-1', stack('branch-env-demo-feature-a', 'feature-a', 'CREATE_COMPLETE')),
      ],
      parameters: [
        { name: '/branch-env-demo/feature-a/meta/owner-branch', value: 'feature/a' },
        { name: '/branch-env-demo/half/meta/owner-branch', value: 'feature/half' },
      ],
    });
    expect(envs.map((e) => [e.environment, e.region, e.status])).toEqual([
      ['feature-a', 'eu-west-1', 'in-progress'],
      ['half', 'eu-west-1', 'deployed'],
    ]);
    expect(envs[0]?.stacks.map((s) => [s.name, s.region])).toEqual([
      ['branch-env-demo-feature-a', 'eu-west-1'],
      ['branch-env-demo-feature-a-certificate', 'us-east-1'],
    ]);
  });

  it("an account in us-east-1 sharing its id with an entry elsewhere: no environment of that entry's certificate stack alone", () => {
    const envs = collectEnvironments({
      app: 'branch-env-demo',
      account: DEV,
      region: 'us-east-1',
      stacks: [
        stack('branch-env-demo-feature-a', 'feature-a', 'UPDATE_COMPLETE'),
        stack('branch-env-demo-feature-a-certificate', 'feature-a', 'CREATE_COMPLETE'),
        // record-only here (a failed first deploy): its certificate stack joins it
        stack('branch-env-demo-half-certificate', 'half', 'CREATE_COMPLETE'),
        // the certificate stack of the eu-west-1 entry's environment: not one of this region's
        stack('branch-env-demo-west-only-certificate', 'west-only', 'CREATE_COMPLETE'),
      ],
      parameters: [{ name: '/branch-env-demo/half/meta/owner-branch', value: 'feature/half' }],
    });
    expect(envs.map((e) => [e.environment, e.status])).toEqual([
      ['feature-a', 'deployed'],
      ['half', 'deployed'],
    ]);
    expect(envs[0]?.stacks.map((s) => s.name)).toEqual([
      'branch-env-demo-feature-a',
      'branch-env-demo-feature-a-certificate',
    ]);
    expect(envs[1]?.stacks.map((s) => s.name)).toEqual(['branch-env-demo-half-certificate']);
  });

  it.each([
    [[], 'no-stack'],
    [['CREATE_COMPLETE', 'UPDATE_COMPLETE'], 'deployed'],
    [['UPDATE_COMPLETE', 'UPDATE_IN_PROGRESS'], 'in-progress'],
    [['ROLLBACK_COMPLETE'], 'failed'],
    [['DELETE_FAILED'], 'failed'],
    [['UPDATE_ROLLBACK_COMPLETE'], 'deployed'],
    [['REVIEW_IN_PROGRESS'], 'failed'],
  ])('status of %j is %s', (statuses, expected) => {
    expect(statusOf(statuses.map((status) => ({ status })))).toBe(expected);
  });
});

describe('protectionOf', () => {
  it('takes the rule of the owner branch when it still resolves to this environment', () => {
    expect(
      protectionOf(env({ environment: 'feature-a', ownerBranch: 'feature/a' }), config),
    ).toEqual({
      protected: false,
      ttlHours: 72,
    });
    expect(protectionOf(env({ environment: 'sandbox', ownerBranch: 'sandbox' }), config)).toEqual({
      protected: true,
      ttlHours: null,
    });
  });

  it('uses a fixed-environment rule, the production account, or says unknown', () => {
    expect(
      protectionOf(
        env({ environment: 'customer-facing', account: PROD, ownerBranch: 'gone-rule' }),
        config,
      ).protected,
    ).toBe(true);
    expect(
      protectionOf(env({ environment: 'x', account: PROD, ownerBranch: 'unrouted' }), config)
        .protected,
    ).toBe(true);
    expect(protectionOf(env({ environment: 'x', ownerBranch: 'unrouted' }), config)).toEqual({
      protected: undefined,
      ttlHours: undefined,
    });
    // routes, but to another environment name than the one found: not evidence
    expect(
      protectionOf(env({ environment: 'feature-b', ownerBranch: 'feature/a' }), config).protected,
    ).toBe(undefined);
    // the same name in another region of the account (not where the rule puts it): not evidence
    expect(
      protectionOf(
        env({ environment: 'feature-a', ownerBranch: 'feature/a', region: 'eu-west-1' }),
        config,
      ),
    ).toEqual({ protected: undefined, ttlHours: undefined });
    expect(
      protectionOf(
        env({ environment: 'customer-facing', account: PROD, region: 'eu-west-1' }),
        config,
      ).protected,
    ).toBe(true); // still a production account
    expect(
      protectionOf(env({ environment: 'customer-facing', account: DEV }), config).protected,
    ).toBe(undefined); // the fixed rule is the production account's
  });
});

describe('planReap', () => {
  const live = new Set(['main', 'sandbox', 'feature/live']);
  const decide = (
    e: DeployedEnvironment,
    prot: boolean | undefined,
    ttl?: number | null,
    branches: ReadonlySet<string> | null = live,
  ) => planReap([{ environment: e, protected: prot, ttlHours: ttl }], branches, NOW)[0];

  it('destroys an environment whose branch is gone, naming the branch', () => {
    const d = decide(
      env({
        environment: 'feature-gone',
        ownerBranch: 'feature/gone',
        expiresAt: '2026-12-01T00:00:00Z',
      }),
      false,
    );
    expect(d).toMatchObject({
      action: 'destroy',
      reasons: ["branch 'feature/gone' no longer exists"],
    });
  });

  it('destroys an expired environment whose branch is live, with both times', () => {
    const d = decide(
      env({
        environment: 'feature-live',
        ownerBranch: 'feature/live',
        expiresAt: '2026-11-22T10:00:00.000Z',
      }),
      false,
    );
    expect(d?.action).toBe('destroy');
    expect(d?.reasons).toEqual(['TTL expired 2 h 00 m ago (2026-11-22T10:00:00.000Z)']);
  });

  it('gives both reasons when both hold', () => {
    const d = decide(
      env({
        environment: 'feature-gone',
        ownerBranch: 'feature/gone',
        expiresAt: '2026-11-01T00:00:00Z',
      }),
      false,
    );
    expect(d?.reasons).toHaveLength(2);
  });

  it('computes expiry from the last deploy and TTL when no expires-at is recorded', () => {
    const d = decide(
      env({
        environment: 'feature-live',
        ownerBranch: 'feature/live',
        deployedAt: '2026-11-19T00:00:00Z',
      }),
      false,
      72,
    );
    expect(d).toMatchObject({ action: 'destroy', expiresAt: '2026-11-22T00:00:00.000Z' });
  });

  it('never destroys a protected environment, even with its branch gone and expired', () => {
    const d = decide(
      env({ environment: 'qa9', ownerBranch: 'qa9', expiresAt: '2020-01-01T00:00:00Z' }),
      true,
    );
    expect(d).toMatchObject({ action: 'keep', reasons: ['protected'] });
  });

  it('does not race a deploy: a stack operation in progress is left for the next run', () => {
    const d = decide(
      env({
        environment: 'feature-gone',
        ownerBranch: 'feature/gone',
        status: 'in-progress',
        expiresAt: '2020-01-01T00:00:00Z',
      }),
      false,
    );
    expect(d).toMatchObject({
      action: 'keep',
      reasons: ['a deploy or delete is in progress; next run'],
    });
  });

  it('keeps an environment whose protection is unknown and says how to remove it by hand', () => {
    const d = decide(
      env({ environment: 'old-rule', ownerBranch: 'old/rule', expiresAt: '2020-01-01T00:00:00Z' }),
      undefined,
    );
    expect(d?.action).toBe('keep');
    expect(d?.reasons[0]).toContain('branch-env destroy old-rule');
  });

  it('keeps live, unexpired environments and says when they expire', () => {
    const d = decide(
      env({
        environment: 'feature-live',
        ownerBranch: 'feature/live',
        expiresAt: '2026-11-22T15:30:00Z',
      }),
      false,
    );
    expect(d).toMatchObject({
      action: 'keep',
      reasons: ["branch 'feature/live' is live", 'expires in 3 h 30 m'],
    });
  });

  it('matches a tag-only branch by its sanitized tag value', () => {
    const tagged = env({
      environment: 'feature-x-y',
      taggedBranch: 'feature/x_y',
      expiresAt: '2026-12-01T00:00:00Z',
    });
    expect(decide(tagged, false, undefined, new Set(['feature/x#y']))?.action).toBe('keep');
    expect(decide(tagged, false, undefined, new Set(['main']))?.action).toBe('destroy');
  });

  it('with no branch list (TTL only) destroys only expired ones', () => {
    expect(
      decide(
        env({ environment: 'a', ownerBranch: 'feature/gone', expiresAt: '2026-12-01T00:00:00Z' }),
        false,
        undefined,
        null,
      )?.action,
    ).toBe('keep');
    expect(
      decide(
        env({ environment: 'a', ownerBranch: 'feature/gone', expiresAt: '2026-11-01T00:00:00Z' }),
        false,
        undefined,
        null,
      )?.action,
    ).toBe('destroy');
  });

  it('refuses an empty live-branch list (a failed listing would reap everything)', () => {
    expect(() => planReap([], new Set(), NOW)).toThrow(
      /list of live branches is empty; refusing to reap/,
    );
  });
});

describe("checkLiveBranches (is the list this repository's?)", () => {
  const candidates = [
    { environment: env({ environment: 'sandbox', ownerBranch: 'sandbox' }), protected: true },
    { environment: env({ environment: 'qa1', taggedBranch: 'qa1' }), protected: true },
    {
      environment: env({ environment: 'customer-facing', account: PROD, ownerBranch: 'main' }),
      protected: true,
    },
    { environment: env({ environment: 'feature-a', ownerBranch: 'feature/a' }), protected: false },
  ];

  it('accepts a list naming an owner of a protected environment', () => {
    // qa1 by its branch tag, sandbox by its exact owner record
    expect(checkLiveBranches(candidates, new Set(['main', 'qa1', 'feature/b']))).toEqual({
      checked: true,
    });
    expect(checkLiveBranches(candidates, new Set(['sandbox']))).toEqual({ checked: true });
  });

  it('refuses a list from another repository: only main (every repository has one)', () => {
    expect(() => checkLiveBranches(candidates, new Set(['main', 'feature/a']))).toThrow(
      "none of the 2 live branch(es) owns a protected environment (their owners: qa1, sandbox); the list looks like another repository's or a partial one, so refusing to reap",
    );
  });

  it('cannot check without a protected environment whose owner is known (a new setup)', () => {
    expect(checkLiveBranches(candidates.slice(2), new Set(['main']))).toEqual({ checked: false });
  });
});

describe('confirmReap (a fresh look right before each destroy)', () => {
  const live = new Set(['main', 'feature/live']);
  const scanned = env({
    environment: 'feature-live',
    ownerBranch: 'feature/live',
    expiresAt: '2026-11-22T10:00:00.000Z',
  });
  const [planned] = planReap([{ environment: scanned, protected: false }], live, NOW);
  const check = (fresh: DeployedEnvironment | undefined, prot: boolean | undefined = false) =>
    confirmReap(planned!, fresh && { environment: fresh, protected: prot }, live, NOW);

  it('destroys when the fresh look decides the same', () => {
    expect(planned?.action).toBe('destroy');
    expect(check(scanned)).toMatchObject({ destroy: true, decision: { action: 'destroy' } });
  });

  it('skips one redeployed since the scan (a later expires-at), saying so', () => {
    expect(check({ ...scanned, expiresAt: '2026-11-25T12:00:00.000Z' })).toEqual({
      destroy: false,
      reason:
        "redeployed since the scan (now expires 2026-11-25T12:00:00.000Z): branch 'feature/live' is live; expires in 3 d 0 h",
    });
  });

  it('skips one with a stack operation in progress, and one gone or now protected', () => {
    const busy = {
      ...scanned,
      status: 'in-progress' as const,
      stacks: [
        {
          name: 'branch-env-demo-feature-live',
          status: 'UPDATE_IN_PROGRESS',
          region: 'us-east-1',
          account: DEV,
          tags: {},
        },
      ],
    };
    expect(check(busy)).toEqual({
      destroy: false,
      reason:
        'operation in progress (branch-env-demo-feature-live is UPDATE_IN_PROGRESS); next run',
    });
    expect(check(undefined)).toEqual({ destroy: false, reason: 'gone since the scan' });
    expect(check(scanned, true)).toEqual({
      destroy: false,
      reason: 'no longer to destroy: protected',
    });
  });
});

describe('ACM validation records (which DNS records destroy removes)', () => {
  const cname = (Name: string, Value = '_0a1b.xyz.acm-validations.aws.') => ({
    Name,
    Type: 'CNAME',
    ResourceRecords: [{ Value }],
  });
  const domain = 'dev.example.com';

  it.each([
    ['feature-x.dev.example.com.', true],
    ['feature-x.dev.example.com', true],
    ['_a.origin.feature-x.dev.example.com.', true],
    ['FEATURE-X.dev.example.com.', true],
    ['feature-x-2.dev.example.com.', false],
    ['xfeature-x.dev.example.com.', false],
    ['feature-x.dev.example.com.evil.', false],
  ])('%s is in the subtree of feature-x: %s', (name, expected) => {
    expect(inEnvironmentSubtree(name, 'feature-x', domain)).toBe(expected);
  });

  it.each([
    [cname('_a1b2c3.feature-x.dev.example.com.'), true],
    [cname('_a1b2c3.origin.feature-x.dev.example.com.'), true],
    [cname('_a1b2c3.feature-x.dev.example.com.', '_x.acm-validations.aws'), true],
    [cname('_a1b2c3.api.feature-x.dev.example.com.'), false],
    [cname('_a1b2c3.feature-x-2.dev.example.com.'), false],
    [cname('a1b2c3.feature-x.dev.example.com.'), false],
    [cname('_a.b.feature-x.dev.example.com.'), false],
    [cname('_a1b2c3.feature-x.dev.example.com.', 'elsewhere.example.com.'), false],
    [cname('_a1b2c3.feature-x.dev.example.com.', 'acm-validations.aws.evil.com.'), false],
    [{ ...cname('_a1b2c3.feature-x.dev.example.com.'), Type: 'TXT' }, false],
    [{ ...cname('_a1b2c3.feature-x.dev.example.com.'), AliasTarget: {} }, false],
    [{ Name: '_a1b2c3.feature-x.dev.example.com.', Type: 'CNAME', ResourceRecords: [] }, false],
  ])('%j is a validation record of feature-x: %s', (record, expected) => {
    expect(isAcmValidationRecord(record, 'feature-x', domain)).toBe(expected);
  });

  it('the apex is lowercase with the trailing dot', () => {
    expect(environmentApex('feature-x', 'Dev.Example.com')).toBe('feature-x.dev.example.com.');
  });
});

describe('leftoversAfterDestroy', () => {
  const target = { app: 'branch-env-demo', environment: 'feature-a' };
  const tags = { 'branch-env:app': 'branch-env-demo', 'branch-env:environment': 'feature-a' };

  it('is clean with nothing found', () => {
    expect(leftoversAfterDestroy([], target)).toEqual({ leftovers: [], clean: true });
  });

  it('classifies each resource type by the rules table', () => {
    const { leftovers, clean } = leftoversAfterDestroy(
      [
        { arn: 'arn:aws:ecs:us-east-1:1:task-definition/api:3', tags },
        { arn: 'arn:aws:kms:us-east-1:1:key/1234', tags },
        { arn: 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', tags },
      ],
      target,
    );
    expect(leftovers.map((l) => [l.type, l.kind])).toEqual([
      ['ecs:task-definition', 'inactive'],
      ['kms:key', 'pending-deletion'],
      ['secretsmanager:secret', 'pending-deletion'],
    ]);
    expect(clean).toBe(true);
  });

  it('a secret known to be active is not "pending deletion": kept (protected) or billable', () => {
    const secret = { arn: 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', tags };
    const kinds = (state: 'active' | 'pending-deletion' | undefined, keepSnapshots: boolean) =>
      leftoversAfterDestroy([{ ...secret, state }], { ...target, keepSnapshots }).leftovers.map(
        (l) => l.kind,
      );
    expect(kinds('pending-deletion', false)).toEqual(['pending-deletion']);
    expect(kinds('pending-deletion', true)).toEqual(['pending-deletion']);
    expect(kinds('active', true)).toEqual(['kept']);
    expect(kinds(undefined, true)).toEqual(['kept']);
    expect(kinds('active', false)).toEqual(['billable']);
    expect(kinds(undefined, false)).toEqual(['pending-deletion']);
    const kept = leftoversAfterDestroy([{ ...secret, state: 'active' }], {
      ...target,
      keepSnapshots: true,
    });
    expect(kept.clean).toBe(true);
    expect(kept.leftovers[0]?.note).toContain('kept on purpose with the final snapshot');
  });

  it('is not clean with a billable leftover, and unknown types count as billable', () => {
    const r = leftoversAfterDestroy(
      [
        { arn: 'arn:aws:s3:::branch-env-demo-feature-a-data', tags },
        { arn: 'arn:aws:elasticloadbalancing:us-east-1:1:loadbalancer/app/x/1', tags },
        { arn: 'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/x', tags },
      ],
      target,
    );
    expect(r.clean).toBe(false);
    expect(r.leftovers.map((l) => [l.type, l.kind])).toEqual([
      ['elasticloadbalancing:loadbalancer', 'billable'],
      ['logs:log-group', 'billable'],
      ['s3:bucket', 'billable'],
    ]);
  });

  it('ignores resources of another environment; snapshots are kept on purpose only when asked', () => {
    const snap = { arn: 'arn:aws:rds:us-east-1:1:cluster-snapshot:final', tags };
    const other = {
      arn: 'arn:aws:s3:::x',
      tags: { ...tags, 'branch-env:environment': 'feature-ab' },
    };
    expect(leftoversAfterDestroy([snap, other], target).leftovers.map((l) => l.kind)).toEqual([
      'billable',
    ]);
    expect(leftoversAfterDestroy([snap], { ...target, keepSnapshots: true })).toMatchObject({
      clean: true,
      leftovers: [{ kind: 'kept' }],
    });
  });

  it('parses ARN types', () => {
    expect(arnType('arn:aws:s3:::bucket')).toBe('s3:bucket');
    expect(arnType('arn:aws:logs:us-east-1:1:log-group:/a/b')).toBe('logs:log-group');
    expect(arnType('arn:aws:ssm:us-east-1:1:parameter/a/b')).toBe('ssm:parameter');
    expect(new Set(LEFTOVER_RULES.map((r) => r.type)).size).toBe(LEFTOVER_RULES.length);
  });
});
