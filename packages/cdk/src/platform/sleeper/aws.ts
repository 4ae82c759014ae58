import {
  paginateDescribeScalableTargets,
  RegisterScalableTargetCommand,
  type ApplicationAutoScalingClient,
} from '@aws-sdk/client-application-auto-scaling';
import { paginateGetMetricData, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import {
  DescribeServicesCommand,
  paginateListServices,
  TagResourceCommand,
  UpdateServiceCommand,
  type ECSClient,
  type Service,
} from '@aws-sdk/client-ecs';
import {
  DescribeRulesCommand,
  DescribeTagsCommand,
  DescribeTargetHealthCommand,
  ModifyRuleCommand,
  paginateDescribeRules,
  type Action,
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
 * The sleeper's AWS calls, thin (tested with aws-sdk-client-mock, test/sleeper.test.ts): the platform listeners' rules with their tags (DescribeRules,
 * DescribeTags), the cluster's services with their tags and scalable targets (ListServices,
 * DescribeServices, DescribeScalableTargets), request counts (GetMetricData), target health
 * (DescribeTargetHealth), and the steps decide.ts returns (ModifyRule, TagResource, UpdateService,
 * RegisterScalableTarget).
 */
export interface SleeperAws {
  /** The rules of these listeners tagged `branch-env:app` = `app` (the default rules never are). */
  rules(listenerArns: readonly string[], app: string): Promise<RuleFacts[]>;
  /**
   * The services of the cluster (or only `arns`, when given), with tags and scalable targets;
   * `keep` filters before the latter.
   */
  services(
    cluster: string,
    keep?: (s: ServiceFacts) => boolean,
    arns?: readonly string[],
  ): Promise<ServiceFacts[]>;
  /** RequestCount per minute of each query since `start`; a series that is not complete is absent. */
  requestSeries(
    queries: readonly RequestQuery[],
    start: Date,
    end: Date,
  ): Promise<Map<string, { at: number; value: number }[]>>;
  /** The target groups among `arns` with at least one healthy target. */
  healthyTargetGroups(arns: readonly string[]): Promise<Set<string>>;
  /** The current actions of these rules (DescribeRules by ARN). */
  ruleActions(ruleArns: readonly string[]): Promise<Map<string, Action[]>>;
  run(step: Step): Promise<void>;
}

export interface SleeperClients {
  readonly elb: ElasticLoadBalancingV2Client;
  readonly ecs: ECSClient;
  readonly cloudwatch: CloudWatchClient;
  readonly scaling: ApplicationAutoScalingClient;
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

    async services(cluster, keep = () => true, only) {
      const arns: string[] = [...(only ?? [])];
      if (only === undefined) {
        for await (const page of paginateListServices(
          { client: clients.ecs, pageSize: 100 },
          { cluster },
        )) {
          arns.push(...(page.serviceArns ?? []));
        }
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
      for (const batch of chunks(services.map(resourceId), SCALING_BATCH)) {
        for await (const page of paginateDescribeScalableTargets(
          { client: clients.scaling },
          { ServiceNamespace: 'ecs', ScalableDimension: ECS_DESIRED_COUNT, ResourceIds: batch },
        )) {
          for (const t of page.ScalableTargets ?? []) {
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
        }
      }
      return services.map((s) => ({ ...s, scaling: scaling.get(resourceId(s)) }));
    },

    async requestSeries(queries, start, end) {
      const series = new Map<string, { at: number; value: number }[]>();
      const status = new Map<string, string>();
      if (queries.length === 0) return series;
      for (const batch of chunks(queries, METRICS_BATCH)) {
        for await (const page of paginateGetMetricData(
          { client: clients.cloudwatch },
          {
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
          },
        )) {
          for (const r of page.MetricDataResults ?? []) {
            if (r.Id === undefined) continue;
            const points = series.get(r.Id) ?? [];
            const values = r.Values ?? [];
            (r.Timestamps ?? []).forEach((t, i) =>
              points.push({ at: t.getTime(), value: values[i] ?? 0 }),
            );
            series.set(r.Id, points);
            status.set(r.Id, r.StatusCode ?? '');
          }
        }
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

    async ruleActions(ruleArns) {
      const actions = new Map<string, Action[]>();
      if (ruleArns.length === 0) return actions;
      const out = await clients.elb.send(new DescribeRulesCommand({ RuleArns: [...ruleArns] }));
      for (const r of out.Rules ?? []) {
        if (r.RuleArn !== undefined) actions.set(r.RuleArn, r.Actions ?? []);
      }
      return actions;
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
          await clients.scaling.send(
            new RegisterScalableTargetCommand({
              ServiceNamespace: 'ecs',
              ScalableDimension: ECS_DESIRED_COUNT,
              ResourceId: step.resourceId,
              SuspendedState: {
                DynamicScalingInSuspended: suspended,
                DynamicScalingOutSuspended: suspended,
                ScheduledScalingSuspended: suspended,
              },
            }),
          );
          return;
        }
      }
    },
  };
}
