import {
  ApplicationAutoScalingClient,
  DescribeScalableTargetsCommand,
  RegisterScalableTargetCommand,
} from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  ECSClient,
  ListServicesCommand,
  TagResourceCommand,
  UpdateServiceCommand,
} from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { serviceFactsOf, sleeperAws } from '../src/platform/sleeper/aws.js';
import { forwardingTo, type RequestQuery } from '../src/platform/sleeper/decide.js';
import {
  forgetServices,
  settingsFrom,
  sweep,
  wake,
  wakeByName,
  wakeRequestOf,
  wakersOf,
  type Settings,
} from '../src/platform/sleeper/handler.js';
import { estimateInWords, isWakerEvent, wakingHtml } from '../src/platform/sleeper/page.js';
import type { WakerEvent } from '../src/platform/sleeper/page.js';
import {
  CLUSTER,
  FakeWorld,
  LB,
  LISTENER,
  LISTENER2,
  MIN,
  NOW,
  ownTg,
  rule,
  service,
  WAKER,
  WAKER2,
} from './sleeper-fixtures.js';

const elb = mockClient(ElasticLoadBalancingV2Client);
const ecs = mockClient(ECSClient);
const cloudwatch = mockClient(CloudWatchClient);
const scaling = mockClient(ApplicationAutoScalingClient);
afterEach(() => {
  for (const m of [elb, ecs, cloudwatch, scaling]) m.reset();
  vi.restoreAllMocks();
  forgetServices();
});

function adapter() {
  return sleeperAws({
    elb: new ElasticLoadBalancingV2Client({ region: 'us-east-1' }),
    ecs: new ECSClient({ region: 'us-east-1' }),
    cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
    scaling: new ApplicationAutoScalingClient({ region: 'us-east-1' }),
  });
}

describe('sleeperAws: rules', () => {
  it("pages DescribeRules per listener, reads tags 20 at a time, keeps this app's rules only", async () => {
    const ruleArn = (n: number) => `${LISTENER.replace(':listener/', ':listener-rule/')}/r${n}`;
    const rules = Array.from({ length: 25 }, (_, n) => ({
      RuleArn: ruleArn(n),
      Priority: String(n + 1),
      IsDefault: false,
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: [`E${n}.dev.example.net`] } },
      ],
      Actions: [{ Type: 'forward' as const, TargetGroupArn: ownTg(`e${n}`) }],
    }));
    // The paginator reuses its input object: record copies.
    const describes: object[] = [];
    elb
      .on(DescribeRulesCommand)
      .callsFake((input: { ListenerArn: string; Marker?: string }) => {
        describes.push({ ...input });
        if (input.ListenerArn === LISTENER2) return { Rules: [] };
        return input.Marker === undefined
          ? {
              Rules: [...rules.slice(0, 15), { RuleArn: ruleArn(99), IsDefault: true }],
              NextMarker: 'm1',
            }
          : { Rules: rules.slice(15) };
      })
      .on(DescribeTagsCommand)
      .callsFake((input: { ResourceArns: string[] }) => ({
        TagDescriptions: input.ResourceArns.map((arn) => ({
          ResourceArn: arn,
          Tags: [
            { Key: 'branch-env:app', Value: arn.endsWith('/r3') ? 'other' : 'shop' },
            { Key: 'branch-env:environment', Value: arn.slice(arn.lastIndexOf('/') + 1) },
          ],
        })),
      }));
    const found = await adapter().rules([LISTENER, LISTENER2], 'shop');
    expect(found).toHaveLength(24);
    expect(found.find((r) => r.arn.endsWith('/r3'))).toBeUndefined();
    expect(found[0]).toEqual({
      arn: ruleArn(0),
      listenerArn: LISTENER,
      hosts: ['e0.dev.example.net'],
      actions: [{ Type: 'forward', TargetGroupArn: ownTg('e0') }],
      tags: { 'branch-env:app': 'shop', 'branch-env:environment': 'r0' },
    });
    expect(describes).toEqual([
      { ListenerArn: LISTENER, PageSize: 100 },
      { ListenerArn: LISTENER, PageSize: 100, Marker: 'm1' },
      { ListenerArn: LISTENER2, PageSize: 100 },
    ]);
    const tagCalls = elb.commandCalls(DescribeTagsCommand).map((c) => c.args[0].input.ResourceArns);
    expect(tagCalls.map((a) => a?.length)).toEqual([20, 5]);
    expect(tagCalls.flat()).not.toContain(ruleArn(99));
  });
});

describe('sleeperAws: services', () => {
  it('lists, describes 10 at a time with tags, and reads the scalable targets of the kept ones', async () => {
    const arns = Array.from(
      { length: 12 },
      (_, n) => `arn:aws:ecs:us-east-1:111111111111:service/shop-platform-Cluster-Xyz/s${n}`,
    );
    ecs
      .on(ListServicesCommand, { cluster: CLUSTER, nextToken: undefined })
      .resolves({ serviceArns: arns.slice(0, 7), nextToken: 't1' })
      .on(ListServicesCommand, { cluster: CLUSTER, nextToken: 't1' })
      .resolves({ serviceArns: arns.slice(7) })
      .on(DescribeServicesCommand)
      .callsFake((input: { services: string[] }) => ({
        services: input.services.map((arn, i) => ({
          serviceArn: arn,
          serviceName: arn.slice(arn.lastIndexOf('/') + 1),
          clusterArn: CLUSTER,
          status: 'ACTIVE',
          desiredCount: 1,
          runningCount: 1,
          tags: [{ key: 'branch-env:app', value: i === 0 ? 'other' : 'shop' }],
          deployments: [{ status: 'PRIMARY', rolloutState: 'COMPLETED', createdAt: new Date(NOW) }],
        })),
      }));
    const described: object[] = [];
    const pages = [
      {
        ScalableTargets: [
          {
            ResourceId: 'service/shop-platform-Cluster-Xyz/s1',
            SuspendedState: { DynamicScalingInSuspended: true },
          },
        ],
        NextToken: 'n1',
      },
      {
        ScalableTargets: [
          { ResourceId: 'service/shop-platform-Cluster-Xyz/s2', SuspendedState: {} },
        ],
      },
    ];
    // Paginators reuse their input object: record copies.
    scaling.on(DescribeScalableTargetsCommand).callsFake((input: object) => {
      described.push({ ...input });
      return pages.shift();
    });
    const found = await adapter().services(CLUSTER, (s) => s.tags['branch-env:app'] === 'shop');
    expect(ecs.commandCalls(DescribeServicesCommand).map((c) => c.args[0].input)).toEqual([
      { cluster: CLUSTER, services: arns.slice(0, 10), include: ['TAGS'] },
      { cluster: CLUSTER, services: arns.slice(10), include: ['TAGS'] },
    ]);
    // s0 and s10 are another app's (first of each batch).
    expect(found.map((s) => s.name)).toEqual([
      's1',
      's2',
      's3',
      's4',
      's5',
      's6',
      's7',
      's8',
      's9',
      's11',
    ]);
    expect(described).toEqual([
      {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceIds: found.map((s) => `service/shop-platform-Cluster-Xyz/${s.name}`),
      },
      {
        ServiceNamespace: 'ecs',
        ScalableDimension: 'ecs:service:DesiredCount',
        ResourceIds: found.map((s) => `service/shop-platform-Cluster-Xyz/${s.name}`),
        NextToken: 'n1',
      },
    ]);
    expect(found[0]!.scaling).toEqual({
      resourceId: 'service/shop-platform-Cluster-Xyz/s1',
      suspended: true,
    });
    expect(found[1]!.scaling).toEqual({
      resourceId: 'service/shop-platform-Cluster-Xyz/s2',
      suspended: false,
    });
    expect(found[2]!.scaling).toBeUndefined();
  });

  it('describes only the services asked for, without listing the cluster', async () => {
    const arn = 'arn:aws:ecs:us-east-1:111111111111:service/shop-platform-Cluster-Xyz/s1';
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    expect(await adapter().services(CLUSTER, () => true, [arn])).toEqual([]);
    expect(ecs.commandCalls(ListServicesCommand)).toHaveLength(0);
    expect(ecs.commandCalls(DescribeServicesCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      services: [arn],
      include: ['TAGS'],
    });
  });

  it('reads deployments: in progress, more than one, and the latest time', () => {
    const base = {
      serviceArn: 'arn:x/s',
      serviceName: 's',
      clusterArn: CLUSTER,
      desiredCount: 2,
      runningCount: 1,
    };
    const created = new Date(NOW - 60 * MIN);
    const updated = new Date(NOW - 5 * MIN);
    expect(
      serviceFactsOf({
        ...base,
        loadBalancers: [{ targetGroupArn: 'tg', containerName: 'api', containerPort: 8080 }],
        deployments: [
          { status: 'PRIMARY', rolloutState: 'COMPLETED', createdAt: created, updatedAt: updated },
        ],
      }),
    ).toEqual({
      arn: 'arn:x/s',
      name: 's',
      clusterName: 'shop-platform-Cluster-Xyz',
      desired: 2,
      running: 1,
      deploying: false,
      deployedAt: updated.getTime(),
      targetGroupArns: ['tg'],
      tags: {},
      scaling: undefined,
    });
    expect(
      serviceFactsOf({ ...base, deployments: [{ status: 'PRIMARY', rolloutState: 'IN_PROGRESS' }] })
        ?.deploying,
    ).toBe(true);
    expect(
      serviceFactsOf({ ...base, deployments: [{ status: 'PRIMARY' }, { status: 'ACTIVE' }] })
        ?.deploying,
    ).toBe(true);
    expect(serviceFactsOf({ serviceName: 's' })).toBeUndefined();
  });
});

describe('sleeperAws: request counts and health', () => {
  const queries: RequestQuery[] = [
    {
      id: 'r0',
      environment: 'a',
      targetGroup: 'targetgroup/a/1',
      loadBalancer: LB,
      windowMinutes: 30,
    },
    {
      id: 'r1',
      environment: 'b',
      targetGroup: 'targetgroup/b/2',
      loadBalancer: LB,
      windowMinutes: 30,
    },
    {
      id: 'r2',
      environment: 'c',
      targetGroup: 'targetgroup/c/3',
      loadBalancer: LB,
      windowMinutes: 30,
    },
  ];

  it('asks GetMetricData for RequestCount sums per minute, pages, and drops incomplete series', async () => {
    const t = (m: number) => new Date(NOW - m * MIN);
    const inputs: Record<string, unknown>[] = [];
    const pages = [
      {
        MetricDataResults: [
          { Id: 'r0', Timestamps: [t(1)], Values: [4], StatusCode: 'PartialData' },
          { Id: 'r1', Timestamps: [], Values: [], StatusCode: 'PartialData' },
          { Id: 'r2', Timestamps: [t(2)], Values: [1], StatusCode: 'PartialData' },
        ],
        NextToken: 'p2',
      },
      {
        MetricDataResults: [
          { Id: 'r0', Timestamps: [t(3)], Values: [6], StatusCode: 'Complete' },
          { Id: 'r1', Timestamps: [], Values: [], StatusCode: 'Complete' },
          { Id: 'r2', Timestamps: [], Values: [], StatusCode: 'InternalError' },
        ],
      },
    ];
    cloudwatch.on(GetMetricDataCommand).callsFake((input: Record<string, unknown>) => {
      inputs.push({ ...input });
      return pages.shift();
    });
    const start = new Date(NOW - 30 * MIN);
    const series = await adapter().requestSeries(queries, start, new Date(NOW));
    expect([...series]).toEqual([
      [
        'r0',
        [
          { at: NOW - MIN, value: 4 },
          { at: NOW - 3 * MIN, value: 6 },
        ],
      ],
      ['r1', []],
    ]);
    expect(inputs).toHaveLength(2);
    expect((inputs[0]!.MetricDataQueries as unknown[])[0]).toEqual({
      Id: 'r0',
      MetricStat: {
        Metric: {
          Namespace: 'AWS/ApplicationELB',
          MetricName: 'RequestCount',
          Dimensions: [
            { Name: 'TargetGroup', Value: 'targetgroup/a/1' },
            { Name: 'LoadBalancer', Value: LB },
          ],
        },
        Period: 60,
        Stat: 'Sum',
      },
      ReturnData: true,
    });
    expect((inputs[0]!.MetricDataQueries as unknown[]).length).toBe(3);
    expect(inputs[0]!.StartTime).toEqual(start);
    expect(inputs[0]!.NextToken).toBeUndefined();
    expect(inputs[1]!.NextToken).toBe('p2');
  });

  it('treats a query CloudWatch did not answer as unknown', async () => {
    cloudwatch
      .on(GetMetricDataCommand)
      .resolves({ MetricDataResults: [{ Id: 'r0', StatusCode: 'Complete' }] });
    const series = await adapter().requestSeries(queries, new Date(0), new Date(NOW));
    expect([...series.keys()]).toEqual(['r0']);
  });

  it('reads no metric when nothing is a candidate', async () => {
    expect((await adapter().requestSeries([], new Date(0), new Date(NOW))).size).toBe(0);
    expect(cloudwatch.calls()).toEqual([]);
  });

  it('calls a target group healthy with at least one healthy target', async () => {
    elb
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-a' })
      .resolves({
        TargetHealthDescriptions: [
          { TargetHealth: { State: 'initial' } },
          { TargetHealth: { State: 'healthy' } },
        ],
      })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-b' })
      .resolves({ TargetHealthDescriptions: [{ TargetHealth: { State: 'unhealthy' } }] })
      .on(DescribeTargetHealthCommand, { TargetGroupArn: 'tg-c' })
      .resolves({});
    expect([...(await adapter().healthyTargetGroups(['tg-a', 'tg-b', 'tg-c']))]).toEqual(['tg-a']);
  });
});

describe('sleeperAws: current rule actions', () => {
  it('reads the rules by ARN, and nothing for none', async () => {
    const r = rule('a');
    elb.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: r.arn, Actions: [...r.actions] }] });
    expect([...(await adapter().ruleActions([r.arn]))]).toEqual([[r.arn, r.actions]]);
    expect(elb.commandCalls(DescribeRulesCommand)[0]!.args[0].input).toEqual({ RuleArns: [r.arn] });
    expect((await adapter().ruleActions([])).size).toBe(0);
    expect(elb.commandCalls(DescribeRulesCommand)).toHaveLength(1);
  });
});

describe('sleeperAws: steps', () => {
  it('runs each step as its one API call', async () => {
    elb.on(ModifyRuleCommand).resolves({});
    ecs.on(TagResourceCommand).resolves({}).on(UpdateServiceCommand).resolves({});
    scaling.on(RegisterScalableTargetCommand).resolves({});
    const aws = adapter();
    const r = rule('a', { oidc: true });
    const actions = forwardingTo(r.actions, WAKER);
    await aws.run({ kind: 'modify-rule', rule: r.arn, actions });
    await aws.run({
      kind: 'tag-service',
      service: 'arn:svc',
      tags: { 'branch-env:awake-count': '2' },
    });
    await aws.run({ kind: 'set-desired', cluster: 'c', service: 's', count: 0 });
    await aws.run({ kind: 'suspend-scaling', resourceId: 'service/c/s' });
    await aws.run({ kind: 'resume-scaling', resourceId: 'service/c/s' });
    expect(elb.commandCalls(ModifyRuleCommand)[0]!.args[0].input).toEqual({
      RuleArn: r.arn,
      Actions: actions,
    });
    expect(ecs.commandCalls(TagResourceCommand)[0]!.args[0].input).toEqual({
      resourceArn: 'arn:svc',
      tags: [{ key: 'branch-env:awake-count', value: '2' }],
    });
    expect(ecs.commandCalls(UpdateServiceCommand)[0]!.args[0].input).toEqual({
      cluster: 'c',
      service: 's',
      desiredCount: 0,
    });
    const state = (v: boolean) => ({
      DynamicScalingInSuspended: v,
      DynamicScalingOutSuspended: v,
      ScheduledScalingSuspended: v,
    });
    expect(scaling.commandCalls(RegisterScalableTargetCommand).map((c) => c.args[0].input)).toEqual(
      [
        {
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: 'service/c/s',
          SuspendedState: state(true),
        },
        {
          ServiceNamespace: 'ecs',
          ScalableDimension: 'ecs:service:DesiredCount',
          ResourceId: 'service/c/s',
          SuspendedState: state(false),
        },
      ],
    );
  });
});

const SETTINGS: Settings = { app: 'shop', cluster: CLUSTER, listenerArns: [LISTENER, LISTENER2] };
const WAKERS = { [LISTENER]: WAKER, [LISTENER2]: WAKER2 };

function albEvent(
  over: Partial<WakerEvent> = {},
  headers: Record<string, string> = {},
): WakerEvent {
  return {
    httpMethod: 'GET',
    path: '/orders?id=1',
    headers: {
      host: 'feature-a.dev.example.net',
      accept: 'text/html,application/xhtml+xml',
      cookie: 'session=SECRET-COOKIE',
      authorization: 'Bearer SECRET-TOKEN',
      'x-forwarded-for': '203.0.113.9',
      ...headers,
    },
    requestContext: { elb: { targetGroupArn: WAKER } },
    ...over,
  };
}

describe('settings and events', () => {
  it('reads the settings from the environment and refuses a missing one', () => {
    expect(
      settingsFrom({ APP: 'shop', CLUSTER, LISTENER_ARNS: `${LISTENER},${LISTENER2}` }),
    ).toEqual(SETTINGS);
    expect(() => settingsFrom({ APP: 'shop', CLUSTER })).toThrow(
      /needs APP, CLUSTER and LISTENER_ARNS/,
    );
  });

  it("takes the sweep's wakers for the platform's listeners only, and target group ARNs only", () => {
    expect(
      wakersOf(
        {
          kind: 'sweep',
          wakers: [
            { listenerArn: LISTENER, targetGroupArn: WAKER },
            {
              listenerArn: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/x/1/2',
              targetGroupArn: WAKER2,
            },
            {
              listenerArn: LISTENER2,
              targetGroupArn: 'arn:aws:lambda:us-east-1:111111111111:function:x',
            },
          ],
        },
        SETTINGS,
      ),
    ).toEqual({ [LISTENER]: WAKER });
    expect(wakersOf({ source: 'aws.events' }, SETTINGS)).toBeUndefined();
    expect(isWakerEvent(albEvent())).toBe(true);
    expect(isWakerEvent({ kind: 'sweep', wakers: [] })).toBe(false);
  });
});

describe('sweep (over a stateful fake)', () => {
  it('puts the idle environment to sleep, keeps the busy one and the never-sleeping one awake', async () => {
    const world = new FakeWorld(
      [rule('idle', { oidc: true }), rule('busy'), rule('never', { sleepAfter: null })],
      [
        service('idle', {
          desired: 2,
          scaling: { resourceId: 'service/c/idle', suspended: false },
        }),
        service('busy'),
        service('never'),
      ],
    );
    world.requestsPerMinute.set(ownTg('busy').slice(ownTg('busy').indexOf('targetgroup/')), 3);
    const logs: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => logs.push(line));
    const decisions = await sweep(SETTINGS, WAKERS, world, NOW);
    expect(decisions.map((d) => [d.environment, d.kind])).toEqual([
      ['busy', 'nothing'],
      ['idle', 'sleep'],
      ['never', 'nothing'],
    ]);
    const idle = world.servicesState.find((s) => s.name === 'shop-idle-api')!;
    expect(idle).toMatchObject({ desired: 0, scaling: { suspended: true } });
    expect(idle.tags['branch-env:awake-count']).toBe('2');
    expect(
      world.rulesState.map((r) => [
        r.tags['branch-env:environment'],
        r.actions.at(-1)?.TargetGroupArn,
      ]),
    ).toEqual([
      ['idle', WAKER],
      ['busy', ownTg('busy')],
      ['never', ownTg('never')],
    ]);
    expect(world.rulesState[0]!.actions[0]!.Type).toBe('authenticate-oidc');
    // One metric read for the two candidates, no health read.
    expect(world.calls.filter((c) => c.startsWith('requests') || c.startsWith('health'))).toEqual([
      'requests 2',
      'health 0',
    ]);
    expect(
      logs.map((l) => JSON.parse(l) as { environment: string; decision: string }),
    ).toContainEqual(
      expect.objectContaining({ message: 'sweep', environment: 'idle', decision: 'sleep' }),
    );
  });

  it('runs a sleep once, checking the rules once before scaling to 0', async () => {
    const world = new FakeWorld(
      [rule('a')],
      [service('a', { desired: 2 }), service('a', { name: 'w' })],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await sweep(SETTINGS, WAKERS, world, NOW);
    expect(world.calls.slice(world.calls.indexOf('requests 1'))).toEqual([
      'requests 1',
      'health 0',
      'tag-service',
      'tag-service',
      'modify-rule',
      'rule-actions',
      'set-desired',
      'set-desired',
    ]);
  });

  it('leaves the services running when a request woke the environment while its rules moved', async () => {
    const world = new FakeWorld([rule('feature-a')], [service('feature-a', { desired: 2 })]);
    const run = world.run.bind(world);
    world.run = async (step) => {
      await run(step);
      // A waker request lands right after the move and restores the (still healthy) rule.
      if (step.kind === 'modify-rule' && step.actions.at(-1)?.TargetGroupArn === WAKER) {
        world.healthy.add(ownTg('feature-a'));
        await wake(albEvent(), SETTINGS, world, NOW);
      }
    };
    const logs: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => logs.push(line));
    await sweep(SETTINGS, WAKERS, world, NOW);
    expect(world.servicesState[0]!.desired).toBe(2);
    expect(world.rulesState[0]!.actions.at(-1)?.TargetGroupArn).toBe(ownTg('feature-a'));
    expect(logs.map((l) => JSON.parse(l) as { why?: string })).toContainEqual(
      expect.objectContaining({
        message: 'sweep',
        environment: 'feature-a',
        why: 'woken during the sleep: services left running',
      }),
    );
  });

  it('two sweeps at once leave one consistent sleep, and the next one restores nothing while asleep', async () => {
    const world = new FakeWorld(
      [rule('a'), rule('a', { n: 1, listener: LISTENER2 })],
      [service('a', { desired: 3 })],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await Promise.all([sweep(SETTINGS, WAKERS, world, NOW), sweep(SETTINGS, WAKERS, world, NOW)]);
    expect(world.servicesState[0]).toMatchObject({
      desired: 0,
      tags: { 'branch-env:awake-count': '3' },
    });
    expect(world.rulesState.map((r) => r.actions.at(-1)?.TargetGroupArn)).toEqual([WAKER, WAKER2]);
    const third = await sweep(SETTINGS, WAKERS, world, NOW + 5 * MIN);
    expect(third.map((d) => d.kind)).toEqual(['nothing']);
  });

  it('a wake and a sweep at once converge: the next sweep restores the rules once healthy', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker' })],
      [service('feature-a', { desired: 0, awakeCount: '2' })],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await Promise.all([
      wake(albEvent(), SETTINGS, world, NOW),
      sweep(SETTINGS, WAKERS, world, NOW),
    ]);
    expect(world.servicesState[0]!.desired).toBe(2);
    expect(world.rulesState[0]!.actions.at(-1)?.TargetGroupArn).toBe(WAKER);
    world.healthy.add(ownTg('feature-a'));
    const [d] = await sweep(SETTINGS, WAKERS, world, NOW + 5 * MIN);
    expect(d!.kind).toBe('restore');
    expect(world.rulesState[0]!.actions.at(-1)?.TargetGroupArn).toBe(ownTg('feature-a'));
    // Woken 5 min ago: not idle long enough to sleep again.
    const [again] = await sweep(SETTINGS, WAKERS, world, NOW + 10 * MIN);
    expect(again).toMatchObject({ kind: 'nothing', why: 'deployed or woken less than 30 min ago' });
  });

  it('goes on with the other environments when one fails, and logs the failure', async () => {
    const world = new FakeWorld([rule('a'), rule('b')], [service('a'), service('b')]);
    const run = world.run.bind(world);
    world.run = async (step) => {
      if (step.kind === 'tag-service' && step.service.endsWith('shop-a-api'))
        throw new Error('ThrottlingException');
      await run(step);
    };
    const logs: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => logs.push(line));
    await sweep(SETTINGS, WAKERS, world, NOW);
    expect(world.servicesState.map((s) => s.desired)).toEqual([1, 0]);
    expect(logs.map((l) => JSON.parse(l) as object)).toContainEqual({
      message: 'sweep failed',
      environment: 'a',
      decision: 'sleep',
      error: 'ThrottlingException',
    });
  });
});

describe("the router's nudge after a deploy of a sleeping environment", () => {
  it('reads only a well-formed environment name', () => {
    expect(wakeRequestOf({ branchEnvWake: 'feature-a' })).toBe('feature-a');
    for (const bad of [
      { branchEnvWake: 'Feature A' },
      { branchEnvWake: 3 },
      { kind: 'sweep' },
      null,
    ]) {
      expect(wakeRequestOf(bad), JSON.stringify(bad)).toBeUndefined();
    }
  });

  it('wakes the services of that environment and no other, and leaves the rules to the next request', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker' }), rule('feature-b', { to: 'waker' })],
      [
        service('feature-a', { desired: 0, awakeCount: '2' }),
        service('feature-b', { desired: 0, awakeCount: '1' }),
      ],
    );
    const logs: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => logs.push(line));
    await wakeByName('feature-a', SETTINGS, world, NOW);
    expect(world.servicesState.map((s) => s.desired)).toEqual([2, 0]);
    expect(world.rulesState.map((r) => r.actions.at(-1)?.TargetGroupArn)).toEqual([WAKER, WAKER]);
    expect(JSON.parse(logs[0]!)).toMatchObject({
      message: 'wake',
      environment: 'feature-a',
      decision: 'wake',
    });
    await wakeByName('feature-z', SETTINGS, world, NOW);
    expect(JSON.parse(logs[1]!)).toEqual({
      message: 'wake: no such environment',
      environment: 'feature-z',
    });
    expect(world.servicesState.map((s) => s.desired)).toEqual([2, 0]);
  });
});

describe('wake (a request on a waker)', () => {
  it('wakes the environment its Host names and answers the waking page', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker' }), rule('feature-b', { to: 'waker' })],
      [
        service('feature-a', { desired: 0, awakeCount: '2' }),
        service('feature-b', { desired: 0, awakeCount: '1' }),
      ],
    );
    const logs: string[] = [];
    vi.spyOn(console, 'log').mockImplementation((line: string) => logs.push(line));
    const r = await wake(albEvent(), SETTINGS, world, NOW);
    expect(world.servicesState.map((s) => s.desired)).toEqual([2, 0]);
    expect(world.servicesState[0]!.tags['branch-env:woken-at']).toBe('2026-12-06T12:00:00.000Z');
    expect(r.statusCode).toBe(503);
    expect(r.headers).toEqual({
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'retry-after': '5',
      'content-type': 'text/html; charset=utf-8',
    });
    expect(r.body).toBe(wakingHtml('feature-a', 'waking'));
    expect(r.body).toContain('<meta http-equiv="refresh" content="5">');
    expect(r.body).toContain('role="status"');
    expect(r.body).toContain('about a minute and a half');
    // The log has the host and nothing else of the request.
    const line = logs.join('\n');
    expect(JSON.parse(logs[0]!)).toMatchObject({
      message: 'wake',
      host: 'feature-a.dev.example.net',
      environment: 'feature-a',
      outcome: 'waking',
    });
    for (const secret of ['SECRET-COOKIE', 'SECRET-TOKEN', '203.0.113.9', '/orders'])
      expect(line).not.toContain(secret);
  });

  it('remembers which services an environment has for a minute, not what they are', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker' })],
      [service('feature-a', { desired: 0, awakeCount: '2' }), service('other')],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    await wake(albEvent(), SETTINGS, world, NOW);
    const second = await wake(albEvent(), SETTINGS, world, NOW + 5_000);
    await wake(albEvent(), SETTINGS, world, NOW + 61_000);
    expect(world.calls.filter((c) => c.startsWith('services'))).toEqual([
      'services',
      'services 1',
      'services',
    ]);
    // Described afresh: the second request sees the service already waking, and does not scale again.
    expect(world.calls.filter((c) => c === 'set-desired')).toHaveLength(1);
    expect(second.statusCode).toBe(503);
  });

  it('restores the rules when the woken environment is healthy', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker', oidc: true })],
      [service('feature-a', { desired: 2, awakeCount: '2' })],
    );
    world.healthy.add(ownTg('feature-a'));
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const r = await wake(albEvent({}, { accept: 'application/json' }), SETTINGS, world, NOW);
    expect(world.rulesState[0]!.actions).toEqual(
      forwardingTo(rule('feature-a', { oidc: true }).actions, ownTg('feature-a')),
    );
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({
      environment: 'feature-a',
      status: 'awake',
      retryAfterSeconds: 5,
      estimatedSeconds: 0,
    });
  });

  it('answers other methods and non-HTML clients with JSON or text, HEAD without a body', async () => {
    const asleep = () =>
      new FakeWorld(
        [rule('feature-a', { to: 'waker' })],
        [service('feature-a', { desired: 0, awakeCount: '1' })],
      );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const post = await wake(
      albEvent({ httpMethod: 'POST' }, { accept: 'text/html' }),
      SETTINGS,
      asleep(),
      NOW,
    );
    expect(post.headers['content-type']).toBe('text/plain; charset=utf-8');
    expect(post.body).toBe(
      'feature-a is waking up (about a minute and a half); retry in 5 seconds.\n',
    );
    expect(post.headers['retry-after']).toBe('5');
    const api = await wake(
      albEvent({ httpMethod: 'PUT' }, { accept: 'application/vnd.api+json' }),
      SETTINGS,
      asleep(),
      NOW,
    );
    expect(JSON.parse(api.body)).toMatchObject({ status: 'waking', estimatedSeconds: 90 });
    const head = await wake(albEvent({ httpMethod: 'HEAD' }), SETTINGS, asleep(), NOW);
    expect([head.statusCode, head.body, head.headers['content-type']]).toEqual([
      503,
      '',
      'text/html; charset=utf-8',
    ]);
  });

  it('answers 404 for a host no rule of the app takes, or no Host at all, and changes nothing', async () => {
    const world = new FakeWorld(
      [rule('feature-a', { to: 'waker' })],
      [service('feature-a', { desired: 0, awakeCount: '1' })],
    );
    vi.spyOn(console, 'log').mockImplementation(() => {});
    const other = await wake(
      albEvent({}, { host: 'feature-z.dev.example.net' }),
      SETTINGS,
      world,
      NOW,
    );
    expect([other.statusCode, other.body]).toEqual([404, 'No environment answers at this name.\n']);
    const none = await wake(albEvent({ headers: {} }), SETTINGS, world, NOW);
    expect(none.statusCode).toBe(404);
    expect(world.calls).toEqual(['rules']);
    expect(world.servicesState[0]!.desired).toBe(0);
  });

  it('escapes the environment name in the page', () => {
    expect(wakingHtml('<script>', 'waking')).not.toContain('<script>');
    expect(estimateInWords(45)).toBe('about a minute');
    expect(estimateInWords(300)).toBe('about 5 minutes');
  });
});
