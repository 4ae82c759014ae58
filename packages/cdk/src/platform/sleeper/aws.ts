import {
  DescribeServicesCommand,
  paginateListServices,
  TagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ModifyRuleCommand,
  paginateDescribeRules,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG_KEYS } from '@branch-env/core';
import {
  ECS_DESIRED_COUNT,
  tagRecord,
  type RequestQuery,
  type RuleFacts,
  type ScalingFacts,
  type ServiceFacts,
  type Step,
} from './decide.js';

/**
 * The sleeper's AWS calls, thin (tested with aws-sdk-client-mock and fakes,
 * test/sleeper.test.ts): the platform listeners' rules with their tags (DescribeRules,
 * DescribeTags), the cluster's services with their tags and scalable targets (ListServices,
 * DescribeServices, DescribeScalableTargets), request counts (GetMetricData), target health
 * (DescribeTargetHealth), and the steps decide.ts returns (ModifyRule, TagResource, UpdateService,
 * RegisterScalableTarget).
 */
export interface SleeperAws {
  /** The rules of these listeners tagged `branch-env:app` = `app` (the default rules never are). */
  rules(listenerArns: readonly string[], app: string): Promise<RuleFacts[]>;
  /** The services of the cluster, with tags and scalable targets; `keep` filters before the latter. */
  services(cluster: string, keep?: (s: ServiceFacts) => boolean): Promise<ServiceFacts[]>;
  /** RequestCount per minute of each query since `start`; a series that is not complete is absent. */
  requestSeries(
    queries: readonly RequestQuery[],
    start: Date,
    end: Date,
  ): Promise<Map<string, { at: number; value: number }[]>>;
  /** The target groups among `arns` with at least one healthy target. */
  healthyTargetGroups(arns: readonly string[]): Promise<Set<string>>;
  run(step: Step): Promise<void>;
}

/** The part of CloudWatch's GetMetricData the sleeper uses (the runtime's @aws-sdk/client-cloudwatch). */
export interface MetricsApi {
  getMetricData(input: GetMetricDataInput): Promise<GetMetricDataOutput>;
}
export interface GetMetricDataInput {
  readonly MetricDataQueries: readonly {
    readonly Id: string;
    readonly MetricStat: {
      readonly Metric: {
        readonly Namespace: string;
        readonly MetricName: string;
        readonly Dimensions: readonly { readonly Name: string; readonly Value: string }[];
      };
      readonly Period: number;
      readonly Stat: string;
    };
    readonly ReturnData: boolean;
  }[];
  readonly StartTime: Date;
  readonly EndTime: Date;
  readonly NextToken?: string;
}
export interface GetMetricDataOutput {
  readonly MetricDataResults?: readonly {
    readonly Id?: string;
    readonly Timestamps?: readonly Date[];
    readonly Values?: readonly number[];
    readonly StatusCode?: string;
  }[];
  readonly NextToken?: string;
}

/** The part of Application Auto Scaling the sleeper uses (the runtime's client). */
export interface ScalingApi {
  describeScalableTargets(input: {
    readonly ServiceNamespace: 'ecs';
    readonly ScalableDimension: string;
    readonly ResourceIds: readonly string[];
    readonly NextToken?: string;
  }): Promise<{
    readonly ScalableTargets?: readonly {
      readonly ResourceId?: string;
      readonly SuspendedState?: {
        readonly DynamicScalingInSuspended?: boolean;
        readonly DynamicScalingOutSuspended?: boolean;
        readonly ScheduledScalingSuspended?: boolean;
      };
    }[];
    readonly NextToken?: string;
  }>;
  registerScalableTarget(input: {
    readonly ServiceNamespace: 'ecs';
    readonly ScalableDimension: string;
    readonly ResourceId: string;
    readonly SuspendedState: {
      readonly DynamicScalingInSuspended: boolean;
      readonly DynamicScalingOutSuspended: boolean;
      readonly ScheduledScalingSuspended: boolean;
    };
  }): Promise<unknown>;
}

export interface SleeperClients {
  readonly elb: ElasticLoadBalancingV2Client;
  readonly ecs: ECSClient;
  /** Called when first needed: the runtime's clients are loaded on demand. */
  readonly metrics: () => Promise<MetricsApi>;
  readonly scaling: () => Promise<ScalingApi>;
}

/** Limits of the APIs: DescribeTags 20 ARNs, DescribeServices 10, GetMetricData 500 queries. */
const TAGS_BATCH = 20;
const SERVICES_BATCH = 10;
const SCALING_BATCH = 50;
const METRICS_BATCH = 500;

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** The ECS facts of one described service (scaling filled in later). */
export function serviceFactsOf(s: Service): ServiceFacts | undefined {
  if (s.serviceArn === undefined || s.serviceName === undefined || s.clusterArn === undefined)
    return undefined;
  const deployments = s.deployments ?? [];
  const primary = deployments.find((d) => d.status === 'PRIMARY');
  const times = [primary?.createdAt, primary?.updatedAt]
    .filter((t): t is Date => t !== undefined)
    .map((t) => t.getTime());
  return {
    arn: s.serviceArn,
    name: s.serviceName,
    clusterName: s.clusterArn.slice(s.clusterArn.lastIndexOf('/') + 1),
    desired: s.desiredCount ?? 0,
    running: s.runningCount ?? 0,
    deploying: deployments.length > 1 || primary?.rolloutState === 'IN_PROGRESS',
    deployedAt: times.length > 0 ? Math.max(...times) : undefined,
    targetGroupArns: (s.loadBalancers ?? [])
      .map((l) => l.targetGroupArn)
      .filter((a): a is string => a !== undefined),
    tags: Object.fromEntries(
      (s.tags ?? []).filter((t) => t.key !== undefined).map((t) => [t.key!, t.value ?? '']),
    ),
    scaling: undefined,
  };
}

export function sleeperAws(clients: SleeperClients): SleeperAws {
  return {
    async rules(listenerArns, app) {
      const found: Omit<RuleFacts, 'tags'>[] = [];
      for (const listenerArn of listenerArns) {
        for await (const page of paginateDescribeRules(
          { client: clients.elb },
          { ListenerArn: listenerArn, PageSize: 100 },
        )) {
          for (const r of page.Rules ?? []) {
            if (r.RuleArn === undefined || r.IsDefault === true) continue;
            const hosts = (r.Conditions ?? [])
              .filter((c) => c.Field === 'host-header')
              .flatMap((c) => c.HostHeaderConfig?.Values ?? c.Values ?? [])
              .map((h) => h.toLowerCase());
            found.push({ arn: r.RuleArn, listenerArn, hosts, actions: r.Actions ?? [] });
          }
        }
      }
      const tags = new Map<string, Record<string, string>>();
      for (const batch of chunks(
        found.map((r) => r.arn),
        TAGS_BATCH,
      )) {
        const out = await clients.elb.send(new DescribeTagsCommand({ ResourceArns: batch }));
        for (const d of out.TagDescriptions ?? []) {
          if (d.ResourceArn !== undefined) tags.set(d.ResourceArn, tagRecord(d.Tags));
        }
      }
      return found
        .map((r) => ({ ...r, tags: tags.get(r.arn) ?? {} }))
        .filter((r) => r.tags[TAG_KEYS.app] === app);
    },

    async services(cluster, keep = () => true) {
      const arns: string[] = [];
      for await (const page of paginateListServices(
        { client: clients.ecs, pageSize: 100 },
        { cluster },
      )) {
        arns.push(...(page.serviceArns ?? []));
      }
      const services: ServiceFacts[] = [];
      for (const batch of chunks(arns, SERVICES_BATCH)) {
        const out = await clients.ecs.send(
          new DescribeServicesCommand({ cluster, services: batch, include: ['TAGS'] }),
        );
        for (const s of out.services ?? []) {
          const facts = serviceFactsOf(s);
          if (facts !== undefined && s.status === 'ACTIVE' && keep(facts)) services.push(facts);
        }
      }
      if (services.length === 0) return services;
      const resourceId = (s: ServiceFacts): string => `service/${s.clusterName}/${s.name}`;
      const scaling = new Map<string, ScalingFacts>();
      const api = await clients.scaling();
      for (const batch of chunks(services.map(resourceId), SCALING_BATCH)) {
        let token: string | undefined;
        do {
          const out = await api.describeScalableTargets({
            ServiceNamespace: 'ecs',
            ScalableDimension: ECS_DESIRED_COUNT,
            ResourceIds: batch,
            ...(token === undefined ? {} : { NextToken: token }),
          });
          for (const t of out.ScalableTargets ?? []) {
            if (t.ResourceId === undefined) continue;
            const s = t.SuspendedState ?? {};
            scaling.set(t.ResourceId, {
              resourceId: t.ResourceId,
              suspended:
                s.DynamicScalingInSuspended === true ||
                s.DynamicScalingOutSuspended === true ||
                s.ScheduledScalingSuspended === true,
            });
          }
          token = out.NextToken;
        } while (token !== undefined && token !== '');
      }
      return services.map((s) => ({ ...s, scaling: scaling.get(resourceId(s)) }));
    },

    async requestSeries(queries, start, end) {
      const series = new Map<string, { at: number; value: number }[]>();
      const status = new Map<string, string>();
      if (queries.length === 0) return series;
      const api = await clients.metrics();
      for (const batch of chunks(queries, METRICS_BATCH)) {
        let token: string | undefined;
        do {
          const out = await api.getMetricData({
            MetricDataQueries: batch.map((q) => ({
              Id: q.id,
              MetricStat: {
                Metric: {
                  Namespace: 'AWS/ApplicationELB',
                  MetricName: 'RequestCount',
                  Dimensions: [
                    { Name: 'TargetGroup', Value: q.targetGroup },
                    { Name: 'LoadBalancer', Value: q.loadBalancer },
                  ],
                },
                Period: 60,
                Stat: 'Sum',
              },
              ReturnData: true,
            })),
            StartTime: start,
            EndTime: end,
            ...(token === undefined ? {} : { NextToken: token }),
          });
          for (const r of out.MetricDataResults ?? []) {
            if (r.Id === undefined) continue;
            const points = series.get(r.Id) ?? [];
            const values = r.Values ?? [];
            (r.Timestamps ?? []).forEach((t, i) =>
              points.push({ at: t.getTime(), value: values[i] ?? 0 }),
            );
            series.set(r.Id, points);
            status.set(r.Id, r.StatusCode ?? '');
          }
          token = out.NextToken;
        } while (token !== undefined && token !== '');
      }
      // A series CloudWatch could not complete is unknown, not zero: no sleep on it.
      for (const [id, code] of status) if (code !== 'Complete') series.delete(id);
      for (const q of queries) if (!status.has(q.id)) series.delete(q.id);
      return series;
    },

    async healthyTargetGroups(arns) {
      const healthy = new Set<string>();
      for (const arn of arns) {
        const out = await clients.elb.send(
          new DescribeTargetHealthCommand({ TargetGroupArn: arn }),
        );
        if ((out.TargetHealthDescriptions ?? []).some((d) => d.TargetHealth?.State === 'healthy'))
          healthy.add(arn);
      }
      return healthy;
    },

    async run(step) {
      switch (step.kind) {
        case 'modify-rule':
          await clients.elb.send(
            new ModifyRuleCommand({ RuleArn: step.rule, Actions: [...step.actions] }),
          );
          return;
        case 'tag-service':
          await clients.ecs.send(
            new TagResourceCommand({
              resourceArn: step.service,
              tags: Object.entries(step.tags).map(([key, value]) => ({ key, value })),
            }),
          );
          return;
        case 'set-desired':
          await clients.ecs.send(
            new UpdateServiceCommand({
              cluster: step.cluster,
              service: step.service,
              desiredCount: step.count,
            }),
          );
          return;
        case 'suspend-scaling':
        case 'resume-scaling': {
          const suspended = step.kind === 'suspend-scaling';
          await (
            await clients.scaling()
          ).registerScalableTarget({
            ServiceNamespace: 'ecs',
            ScalableDimension: ECS_DESIRED_COUNT,
            ResourceId: step.resourceId,
            SuspendedState: {
              DynamicScalingInSuspended: suspended,
              DynamicScalingOutSuspended: suspended,
              ScheduledScalingSuspended: suspended,
            },
          });
          return;
        }
      }
    },
  };
}
