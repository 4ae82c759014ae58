import { describe, expect, it } from 'vitest';
import {
  decideSweep,
  decideWake,
  environmentOfHost,
  environmentsOf,
  forwardingTo,
  forwardTargetOf,
  hostMatches,
  hostOf,
  loadBalancerDimensionOf,
  requestsByEnvironment,
  ruleState,
  sleepWindowOf,
  sweepNeeds,
  targetGroupDimensionOf,
  wakeNeedsHealth,
  WOKEN_AT_TAG,
  wokenDuringSleep,
  type EnvironmentFacts,
  type RuleFacts,
  type ServiceFacts,
} from '../src/platform/sleeper/decide.js';
import {
  LB,
  LISTENER,
  LISTENER2,
  MIN,
  NOW,
  OIDC_CONFIG,
  ownTg,
  rule,
  service,
  settings,
  WAKER,
  WAKER2,
} from './sleeper-fixtures.js';

const env = (name: string, rules: RuleFacts[], services: ServiceFacts[]): EnvironmentFacts => ({
  name,
  rules,
  services,
});

const idle = { requests: 0, healthy: new Set<string>() };
const wakers = new Set([WAKER, WAKER2]);

describe('rules: where they forward', () => {
  it('reads the one forward target, from TargetGroupArn or a one-group ForwardConfig', () => {
    expect(forwardTargetOf([{ Type: 'forward', TargetGroupArn: 'a' }])).toBe('a');
    expect(
      forwardTargetOf([
        { Type: 'forward', ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'b' }] } },
      ]),
    ).toBe('b');
    expect(
      forwardTargetOf([
        {
          Type: 'forward',
          ForwardConfig: { TargetGroups: [{ TargetGroupArn: 'a' }, { TargetGroupArn: 'b' }] },
        },
      ]),
    ).toBeUndefined();
    expect(
      forwardTargetOf([
        { Type: 'forward', TargetGroupArn: 'a' },
        { Type: 'forward', TargetGroupArn: 'b' },
      ]),
    ).toBeUndefined();
    expect(forwardTargetOf([{ Type: 'fixed-response' }])).toBeUndefined();
  });

  it('forwards elsewhere keeping the authenticate-oidc action (existing secret) and the order', () => {
    const r = rule('feature-a', { oidc: true });
    const actions = forwardingTo(r.actions, WAKER);
    expect(actions).toEqual([
      {
        Type: 'authenticate-oidc',
        Order: 1,
        AuthenticateOidcConfig: { ...OIDC_CONFIG, UseExistingClientSecret: true },
      },
      { Type: 'forward', Order: 2, TargetGroupArn: WAKER },
    ]);
    // A secret DescribeRules would never return is not sent back either.
    const withSecret = forwardingTo(
      [
        {
          Type: 'authenticate-oidc',
          AuthenticateOidcConfig: { ...OIDC_CONFIG, ClientSecret: 's3cr3t' },
        },
      ],
      WAKER,
    );
    expect(JSON.stringify(withSecret)).not.toContain('s3cr3t');
  });

  it('is awake on its own target group, asleep on a waker, foreign otherwise', () => {
    expect(ruleState(rule('feature-a'), wakers)).toBe('awake');
    expect(ruleState(rule('feature-a', { to: 'waker' }), wakers)).toBe('asleep');
    expect(ruleState(rule('feature-a', { to: ownTg('other-env') }), wakers)).toBe('foreign');
    const untagged = rule('feature-a');
    const { 'branch-env:target-group': _, ...tags } = untagged.tags;
    expect(ruleState({ ...untagged, tags }, wakers)).toBe('foreign');
  });

  it('takes the idle window from sleep-after: the longest, none when a rule has none or a bad one', () => {
    expect(
      sleepWindowOf(
        env('a', [rule('a', { sleepAfter: '30' }), rule('a', { n: 1, sleepAfter: '45' })], []),
      ),
    ).toBe(45);
    expect(
      sleepWindowOf(env('a', [rule('a'), rule('a', { n: 1, sleepAfter: null })], [])),
    ).toBeUndefined();
    for (const bad of ['0', '-5', '1.5', 'thirty', '']) {
      expect(sleepWindowOf(env('a', [rule('a', { sleepAfter: bad })], [])), bad).toBeUndefined();
    }
    expect(sleepWindowOf(env('a', [], []))).toBeUndefined();
  });

  it('derives the CloudWatch dimensions from the ARNs', () => {
    expect(loadBalancerDimensionOf(rule('a').arn)).toBe(LB);
    expect(loadBalancerDimensionOf(LISTENER)).toBe(LB);
    expect(targetGroupDimensionOf(ownTg('feature-a'))).toMatch(
      /^targetgroup\/shop-feature-a\/[0-9a-f]+$/,
    );
    expect(targetGroupDimensionOf('not-an-arn')).toBeUndefined();
  });
});

describe('environmentsOf', () => {
  it("groups this app's rules and services by environment and leaves other apps out", () => {
    const envs = environmentsOf(
      'shop',
      [rule('b'), rule('a'), rule('a', { n: 1 }), rule('c', { app: 'other' })],
      [
        service('a'),
        service('b'),
        service('c'),
        service('a', { name: 'x', tags: { 'branch-env:app': 'other' } }),
      ],
    );
    expect(envs.map((e) => [e.name, e.rules.length, e.services.map((s) => s.name)])).toEqual([
      ['a', 2, ['shop-a-api']],
      ['b', 1, ['shop-b-api']],
    ]);
  });
});

describe('decideSweep: sleep', () => {
  const a = env(
    'feature-a',
    [rule('feature-a', { oidc: true }), rule('feature-a', { n: 1, listener: LISTENER2 })],
    [
      service('feature-a', {
        desired: 2,
        scaling: { resourceId: 'service/c/shop-feature-a-api', suspended: false },
      }),
      service('feature-a', { name: 'shop-feature-a-worker', targetGroupArns: [] }),
    ],
  );

  it('puts an idle environment to sleep: awake counts, scaling suspended, rules to their wakers, then 0', () => {
    const d = decideSweep(a, settings, idle, NOW);
    expect(d.kind).toBe('sleep');
    expect(d.why).toBe('no request in 30 min');
    expect(d.steps).toEqual([
      { kind: 'tag-service', service: a.services[0]!.arn, tags: { 'branch-env:awake-count': '2' } },
      { kind: 'tag-service', service: a.services[1]!.arn, tags: { 'branch-env:awake-count': '1' } },
      { kind: 'suspend-scaling', resourceId: 'service/c/shop-feature-a-api' },
      {
        kind: 'modify-rule',
        rule: a.rules[0]!.arn,
        actions: forwardingTo(a.rules[0]!.actions, WAKER),
      },
      {
        kind: 'modify-rule',
        rule: a.rules[1]!.arn,
        actions: forwardingTo(a.rules[1]!.actions, WAKER2),
      },
      {
        kind: 'set-desired',
        cluster: 'shop-platform-Cluster-Xyz',
        service: 'shop-feature-a-api',
        count: 0,
      },
      {
        kind: 'set-desired',
        cluster: 'shop-platform-Cluster-Xyz',
        service: 'shop-feature-a-worker',
        count: 0,
      },
    ]);
    // The OIDC action stays, conditions are not part of the change.
    const oidc = d.steps[3]!;
    expect(oidc.kind === 'modify-rule' && oidc.actions[0]!.Type).toBe('authenticate-oidc');
  });

  it('does not suspend scaling that is already suspended', () => {
    const s = env(
      'e',
      [rule('e')],
      [service('e', { scaling: { resourceId: 'r', suspended: true } })],
    );
    expect(decideSweep(s, settings, idle, NOW).steps.map((x) => x.kind)).toEqual([
      'tag-service',
      'modify-rule',
      'set-desired',
    ]);
  });

  it('never sleeps an environment that had requests in its window', () => {
    const d = decideSweep(a, settings, { ...idle, requests: 1 }, NOW);
    expect(d).toMatchObject({ kind: 'nothing', why: '1 requests in the last 30 min', steps: [] });
  });

  it('never sleeps when the request count is unknown', () => {
    expect(decideSweep(a, settings, { ...idle, requests: undefined }, NOW)).toMatchObject({
      kind: 'nothing',
      why: 'request count unknown',
    });
  });

  it('never sleeps an environment with a rule without sleep-after, and does not read its requests', () => {
    const never = env('b', [rule('b'), rule('b', { n: 1, sleepAfter: null })], [service('b')]);
    expect(decideSweep(never, settings, idle, NOW)).toMatchObject({
      kind: 'nothing',
      why: 'never sleeps (a rule has no sleep-after tag)',
    });
    expect(sweepNeeds([never], settings, NOW).requests).toEqual([]);
  });

  it('never sleeps while a service deploys', () => {
    const d = env('d', [rule('d')], [service('d'), service('d', { name: 'w', deploying: true })]);
    expect(decideSweep(d, settings, idle, NOW)).toMatchObject({
      kind: 'nothing',
      why: 'a service is deploying',
    });
  });

  it('waits a whole window after a deploy or a wake', () => {
    const recent = env('r', [rule('r')], [service('r', { deployedAt: NOW - 29 * MIN })]);
    expect(decideSweep(recent, settings, idle, NOW).kind).toBe('nothing');
    const old = env('r', [rule('r')], [service('r', { deployedAt: NOW - 31 * MIN })]);
    expect(decideSweep(old, settings, idle, NOW).kind).toBe('sleep');
    const woken = env(
      'r',
      [rule('r')],
      [
        service('r', {
          deployedAt: NOW - 300 * MIN,
          wokenAt: new Date(NOW - 10 * MIN).toISOString(),
        }),
      ],
    );
    expect(decideSweep(woken, settings, idle, NOW)).toMatchObject({
      kind: 'nothing',
      why: 'deployed or woken less than 30 min ago',
    });
    const unknown = env('r', [rule('r')], [service('r', { deployedAt: undefined })]);
    expect(decideSweep(unknown, settings, idle, NOW).kind).toBe('nothing');
  });

  it('leaves an environment alone when a rule forwards somewhere it does not know', () => {
    const f = env('f', [rule('f'), rule('f', { n: 1, to: ownTg('someone-else') })], [service('f')]);
    expect(decideSweep(f, settings, idle, NOW)).toMatchObject({ kind: 'nothing', steps: [] });
  });

  it('leaves an environment alone when a rule is on a listener without a waker', () => {
    const f = env('f', [rule('f')], [service('f')]);
    expect(
      decideSweep(f, { app: 'shop', wakers: { [LISTENER2]: WAKER2 } }, idle, NOW),
    ).toMatchObject({
      kind: 'nothing',
      why: 'a rule is on a listener without a waker',
    });
  });

  it('has nothing to sleep without a running service (a service kept at 0 is not one)', () => {
    const f = env('f', [rule('f')], [service('f', { desired: 0 })]);
    expect(decideSweep(f, settings, idle, NOW)).toMatchObject({
      kind: 'nothing',
      why: 'no running service',
    });
  });

  it('resumes scaling it left suspended on an awake environment that stays awake', () => {
    const s = env(
      's',
      [rule('s')],
      [
        service('s', {
          awakeCount: '2',
          desired: 2,
          scaling: { resourceId: 'rid', suspended: true },
        }),
      ],
    );
    expect(decideSweep(s, settings, { ...idle, requests: 3 }, NOW)).toMatchObject({
      kind: 'resume',
      steps: [{ kind: 'resume-scaling', resourceId: 'rid' }],
    });
    // Suspended by someone else (no awake count recorded): not the sleeper's to resume.
    const other = env(
      's',
      [rule('s')],
      [service('s', { scaling: { resourceId: 'rid', suspended: true } })],
    );
    expect(decideSweep(other, settings, { ...idle, requests: 3 }, NOW).steps).toEqual([]);
  });
});

describe('decideSweep: asleep, woken, half-way', () => {
  it('does nothing for an environment asleep', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker' })],
      [service('s', { desired: 0, awakeCount: '2' })],
    );
    expect(decideSweep(s, settings, idle, NOW)).toMatchObject({ kind: 'nothing', why: 'asleep' });
    expect(sweepNeeds([s], settings, NOW)).toEqual({ requests: [], health: [] });
  });

  it('wakes an asleep environment a rule forwards to again (a deploy rewrote it, or a request won a race)', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker' }), rule('s', { n: 1 })],
      [service('s', { desired: 0, awakeCount: '2' })],
    );
    const d = decideSweep(s, settings, idle, NOW);
    expect(d).toMatchObject({
      kind: 'wake',
      why: 'asleep, but a rule forwards to the environment: waking it',
    });
    expect(d.steps).toEqual([
      {
        kind: 'tag-service',
        service: s.services[0]!.arn,
        tags: { [WOKEN_AT_TAG]: '2026-12-06T12:00:00.000Z' },
      },
      {
        kind: 'set-desired',
        cluster: 'shop-platform-Cluster-Xyz',
        service: 'shop-s-api',
        count: 2,
      },
    ]);
  });

  it('wakes every service when some are asleep and others not', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker' })],
      [
        service('s', { desired: 0, awakeCount: '3' }),
        service('s', { name: 'w', desired: 1, awakeCount: '1' }),
      ],
    );
    const d = decideSweep(s, settings, idle, NOW);
    expect(d.kind).toBe('wake');
    expect(d.steps).toEqual([
      {
        kind: 'tag-service',
        service: s.services[0]!.arn,
        tags: { [WOKEN_AT_TAG]: '2026-12-06T12:00:00.000Z' },
      },
      {
        kind: 'set-desired',
        cluster: 'shop-platform-Cluster-Xyz',
        service: 'shop-s-api',
        count: 3,
      },
    ]);
  });

  it('restores the rules of a woken environment once every target group has a healthy target', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker', oidc: true })],
      [
        service('s', {
          desired: 2,
          awakeCount: '2',
          targetGroupArns: [ownTg('s'), 'tg-extra'],
          scaling: { resourceId: 'rid', suspended: true },
        }),
      ],
    );
    expect(sweepNeeds([s], settings, NOW)).toEqual({
      requests: [],
      health: [ownTg('s'), 'tg-extra'].sort(),
    });
    const waiting = decideSweep(
      s,
      settings,
      { requests: undefined, healthy: new Set([ownTg('s')]) },
      NOW,
    );
    expect(waiting).toMatchObject({
      kind: 'resume',
      why: 'waking: 1 target group(s) without a healthy target yet',
    });
    expect(waiting.steps.map((x) => x.kind)).toEqual(['resume-scaling']);
    const d = decideSweep(
      s,
      settings,
      { requests: undefined, healthy: new Set([ownTg('s'), 'tg-extra']) },
      NOW,
    );
    expect(d.kind).toBe('restore');
    expect(d.steps).toEqual([
      { kind: 'resume-scaling', resourceId: 'rid' },
      {
        kind: 'modify-rule',
        rule: s.rules[0]!.arn,
        actions: forwardingTo(s.rules[0]!.actions, ownTg('s')),
      },
    ]);
    const restored = d.steps[1]!;
    expect(
      restored.kind === 'modify-rule' &&
        restored.actions[0]!.AuthenticateOidcConfig?.UseExistingClientSecret,
    ).toBe(true);
  });

  it('asks for request counts of sleep candidates only, once per target group and load balancer', () => {
    const candidate = env('a', [rule('a'), rule('a', { n: 1 })], [service('a')]);
    const busy = env('b', [rule('b', { sleepAfter: '60' })], [service('b')]);
    const needs = sweepNeeds([candidate, busy], settings, NOW);
    expect(needs.requests).toEqual([
      {
        id: 'r0',
        environment: 'a',
        targetGroup: targetGroupDimensionOf(ownTg('a')),
        loadBalancer: LB,
        windowMinutes: 30,
      },
      {
        id: 'r1',
        environment: 'b',
        targetGroup: targetGroupDimensionOf(ownTg('b')),
        loadBalancer: LB,
        windowMinutes: 60,
      },
    ]);
    expect(needs.health).toEqual([]);
  });

  it('sums requests over each environment window; a missing series makes the count unknown', () => {
    const queries = [
      { id: 'r0', environment: 'a', targetGroup: 't0', loadBalancer: LB, windowMinutes: 30 },
      { id: 'r1', environment: 'a', targetGroup: 't1', loadBalancer: LB, windowMinutes: 30 },
      { id: 'r2', environment: 'b', targetGroup: 't2', loadBalancer: LB, windowMinutes: 10 },
      { id: 'r3', environment: 'c', targetGroup: 't3', loadBalancer: LB, windowMinutes: 10 },
    ];
    const values = new Map([
      [
        'r0',
        [
          { at: NOW - 31 * MIN, value: 100 },
          { at: NOW - 30 * MIN, value: 2 },
        ],
      ],
      ['r1', [{ at: NOW - MIN, value: 3 }]],
      ['r2', [{ at: NOW - 11 * MIN, value: 7 }]],
    ]);
    const counts = requestsByEnvironment(queries, values, NOW);
    expect([...counts]).toEqual([
      ['a', 5],
      ['b', 0],
      ['c', undefined],
    ]);
  });
});

describe('a wake during a sleep', () => {
  it('is seen when a rule forwards to its own target group again after the move', () => {
    const e = env('a', [rule('a'), rule('a', { n: 1 })], [service('a')]);
    const [r0, r1] = e.rules;
    const atWaker = forwardingTo(r0!.actions, WAKER);
    expect(
      wokenDuringSleep(
        e,
        new Map([
          [r0!.arn, atWaker],
          [r1!.arn, atWaker],
        ]),
      ),
    ).toBe(false);
    expect(
      wokenDuringSleep(
        e,
        new Map([
          [r0!.arn, atWaker],
          [r1!.arn, r1!.actions],
        ]),
      ),
    ).toBe(true);
    // A rule gone (the environment being destroyed) is no wake.
    expect(wokenDuringSleep(e, new Map([[r0!.arn, atWaker]]))).toBe(false);
  });
});

describe('concurrent sweeps decide alike', () => {
  it('two sweeps over the same facts take the same steps (each idempotent)', () => {
    const a = env('a', [rule('a')], [service('a', { desired: 2 })]);
    expect(decideSweep(a, settings, idle, NOW)).toEqual(decideSweep(a, settings, idle, NOW));
    // After the first ran, the second sees the environment asleep and does nothing.
    const after = env(
      'a',
      [rule('a', { to: 'waker' })],
      [service('a', { desired: 0, awakeCount: '2' })],
    );
    expect(decideSweep(after, settings, idle, NOW).steps).toEqual([]);
  });
});

describe('waking', () => {
  it('reads the Host header: no port, no trailing dot, lower case; refuses anything else', () => {
    expect(hostOf('Feature-A.Dev.Example.NET:443')).toBe('feature-a.dev.example.net');
    expect(hostOf('feature-a.dev.example.net.')).toBe('feature-a.dev.example.net');
    for (const bad of [
      undefined,
      '',
      'a b',
      'evil.com/path',
      '-a.example',
      'a..b',
      'x'.repeat(254),
    ]) {
      expect(hostOf(bad), String(bad)).toBeUndefined();
    }
  });

  it('matches host conditions with the load balancer wildcards', () => {
    expect(hostMatches('feature-a.dev.example.net', 'feature-a.dev.example.net')).toBe(true);
    expect(hostMatches('FEATURE-A.dev.example.net', 'feature-a.dev.example.net')).toBe(true);
    expect(hostMatches('*.a.example.net', 'x.a.example.net')).toBe(true);
    expect(hostMatches('feature-?.example.net', 'feature-b.example.net')).toBe(true);
    expect(hostMatches('feature-a.dev.example.net', 'feature-aXdev.example.net')).toBe(false);
    expect(hostMatches('a.example.net', 'a.example.net.evil.com')).toBe(false);
  });

  it('finds the environment whose rule takes the host', () => {
    const envs = [env('a', [rule('a')], []), env('b', [rule('b')], [])];
    expect(environmentOfHost(envs, 'b.dev.example.net')?.name).toBe('b');
    expect(environmentOfHost(envs, 'c.dev.example.net')).toBeUndefined();
  });

  it('wakes an asleep environment: time marked, awake counts back, scaling resumed', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker' })],
      [
        service('s', {
          desired: 0,
          awakeCount: '2',
          scaling: { resourceId: 'rid', suspended: true },
        }),
        service('s', { name: 'kept-at-zero', desired: 0 }),
      ],
    );
    expect(wakeNeedsHealth(s, settings)).toEqual([]);
    const d = decideWake(s, settings, new Set(), NOW);
    expect(d.outcome).toBe('waking');
    expect(d.steps).toEqual([
      {
        kind: 'tag-service',
        service: s.services[0]!.arn,
        tags: { [WOKEN_AT_TAG]: '2026-12-06T12:00:00.000Z' },
      },
      {
        kind: 'set-desired',
        cluster: 'shop-platform-Cluster-Xyz',
        service: 'shop-s-api',
        count: 2,
      },
      { kind: 'resume-scaling', resourceId: 'rid' },
    ]);
  });

  it('restores the rules when the woken environment is healthy, waits otherwise', () => {
    const s = env(
      's',
      [rule('s', { to: 'waker' })],
      [service('s', { desired: 2, awakeCount: '2' })],
    );
    expect(wakeNeedsHealth(s, settings)).toEqual([ownTg('s')]);
    expect(decideWake(s, settings, new Set(), NOW)).toMatchObject({ outcome: 'waking', steps: [] });
    const d = decideWake(s, settings, new Set([ownTg('s')]), NOW);
    expect(d.outcome).toBe('restored');
    expect(d.steps).toEqual([
      {
        kind: 'modify-rule',
        rule: s.rules[0]!.arn,
        actions: forwardingTo(s.rules[0]!.actions, ownTg('s')),
      },
    ]);
  });

  it('has nothing to do for an awake environment or one without services', () => {
    const awake = env('s', [rule('s')], [service('s')]);
    expect(wakeNeedsHealth(awake, settings)).toEqual([]);
    expect(decideWake(awake, settings, new Set(), NOW)).toMatchObject({
      outcome: 'awake',
      steps: [],
    });
    expect(
      decideWake(env('s', [rule('s', { to: 'waker' })], []), settings, new Set(), NOW),
    ).toMatchObject({
      outcome: 'waking',
      steps: [],
    });
  });
});
