import {
  ALB_HEALTH_DEFAULTS,
  DEFAULT_DURATION,
  DEREGISTRATION_DELAY_DEFAULT_SECONDS,
  ECS_TASK_START_MINUTES,
  LAMBDA_IN_VPC_DELETE,
  RESOURCE_DURATIONS,
  type ResourceDuration,
  type TypeDurations,
} from './durations.js';
import {
  arrayOf,
  dependenciesOf,
  isRecord,
  lambdaInVpc,
  literalNumber,
  prop,
  refTarget,
  resourcesOf,
  type CfnResource,
  type CfnTemplate,
} from './template.js';

/**
 * Modelled time to ready (and to destroy): the longest path through the template's dependency
 * graph, weighting each resource with a per-type duration. CloudFormation creates a resource as
 * soon as everything it depends on exists, so with unlimited parallelism the stack is ready when
 * the longest dependency chain is. Edges: `DependsOn`, `Ref`, `Fn::GetAtt`, `Fn::Sub` `${X}`;
 * `Fn::ImportValue` points at another stack and is ignored.
 */
export interface PathStep {
  readonly logicalId: string;
  readonly type: string;
  readonly minutes: number;
}

export interface TimeModel {
  /** The chain that decides the total, in the order CloudFormation works through it. */
  readonly criticalPath: readonly PathStep[];
  readonly totalMinutes: number;
  /**
   * The same longest-path computation with every duration at the low / high end of its published
   * range (durations without a range count as their typical value in both).
   */
  readonly rangeMinutes: { readonly low: number; readonly high: number };
  /** Where each duration on the critical path comes from. */
  readonly sources: readonly string[];
}

export interface TimeModelOptions {
  /** Replaces entries of RESOURCE_DURATIONS by type. */
  readonly durations?: Readonly<Record<string, TypeDurations>>;
  /** @default DEFAULT_DURATION (0.25 min) */
  readonly defaultDuration?: ResourceDuration;
}

type Phase = 'create' | 'delete';

function targetGroupsOf(template: CfnTemplate, service: CfnResource): CfnResource[] {
  return arrayOf(prop(service, 'LoadBalancers')).flatMap((lb) => {
    const id = isRecord(lb) ? refTarget(lb['TargetGroupArn']) : undefined;
    const group = id === undefined ? undefined : template.Resources?.[id];
    return group === undefined ? [] : [group];
  });
}

function targetGroupAttribute(group: CfnResource, key: string): number | undefined {
  const attribute = arrayOf(prop(group, 'TargetGroupAttributes')).find(
    (a) => isRecord(a) && a['Key'] === key,
  );
  return isRecord(attribute) ? literalNumber(attribute['Value']) : undefined;
}

function ecsServiceDuration(
  template: CfnTemplate,
  service: CfnResource,
  phase: Phase,
): ResourceDuration {
  const groups = targetGroupsOf(template, service);
  if (phase === 'create') {
    const healthy = groups.map(
      (g) =>
        (literalNumber(prop(g, 'HealthCheckIntervalSeconds')) ??
          ALB_HEALTH_DEFAULTS.intervalSeconds) *
        (literalNumber(prop(g, 'HealthyThresholdCount')) ?? ALB_HEALTH_DEFAULTS.healthyThreshold),
    );
    const seconds = Math.max(0, ...healthy);
    return {
      minutes: ECS_TASK_START_MINUTES + seconds / 60,
      source: `ECS service: ${ECS_TASK_START_MINUTES} min task start + ${seconds} s to pass the target group health check (HealthyThresholdCount × HealthCheckIntervalSeconds, ALB defaults 5 × 30 s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html)`,
    };
  }
  const delays = groups.map(
    (g) =>
      targetGroupAttribute(g, 'deregistration_delay.timeout_seconds') ??
      DEREGISTRATION_DELAY_DEFAULT_SECONDS,
  );
  const seconds = Math.max(0, ...delays);
  return {
    minutes: 0.5 + seconds / 60,
    source: `ECS service delete: stop tasks (0.5 min) + ${seconds} s target deregistration delay (default 300 s: https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-target-groups.html#deregistration-delay)`,
  };
}

function durationOf(
  template: CfnTemplate,
  resource: CfnResource,
  phase: Phase,
  options: TimeModelOptions,
): ResourceDuration {
  const override = options.durations?.[resource.Type]?.[phase];
  if (override !== undefined) return override;
  if (resource.Type === 'AWS::ECS::Service') return ecsServiceDuration(template, resource, phase);
  if (phase === 'delete' && resource.Type === 'AWS::Lambda::Function' && lambdaInVpc(resource)) {
    return LAMBDA_IN_VPC_DELETE;
  }
  return RESOURCE_DURATIONS[resource.Type]?.[phase] ?? options.defaultDuration ?? DEFAULT_DURATION;
}

type Pick = (duration: ResourceDuration) => number;
const TYPICAL: Pick = (d) => d.minutes;
const LOW: Pick = (d) => d.range?.[0] ?? d.minutes;
const HIGH: Pick = (d) => d.range?.[1] ?? d.minutes;

function model(template: CfnTemplate, phase: Phase, options: TimeModelOptions): TimeModel {
  const typical = longestPath(template, phase, options, TYPICAL);
  return {
    ...typical,
    rangeMinutes: {
      low: longestPath(template, phase, options, LOW).totalMinutes,
      high: longestPath(template, phase, options, HIGH).totalMinutes,
    },
  };
}

function longestPath(
  template: CfnTemplate,
  phase: Phase,
  options: TimeModelOptions,
  pick: Pick,
): Omit<TimeModel, 'rangeMinutes'> {
  const resources = template.Resources ?? {};
  // Edges point from a resource to what must finish before it starts: its dependencies when
  // creating, its dependents when deleting (CloudFormation deletes in reverse dependency order).
  const before = new Map<string, string[]>();
  for (const [id] of resourcesOf(template)) before.set(id, []);
  for (const [id, resource] of resourcesOf(template)) {
    for (const dependency of dependenciesOf(template, resource)) {
      if (phase === 'create') before.get(id)?.push(dependency);
      else before.get(dependency)?.push(id);
    }
  }
  const finish = new Map<string, number>();
  const previous = new Map<string, string | undefined>();
  const durations = new Map<string, ResourceDuration>();
  const visiting = new Set<string>();
  const visit = (id: string): number => {
    const known = finish.get(id);
    if (known !== undefined) return known;
    const resource = resources[id];
    if (resource === undefined || visiting.has(id)) return 0; // CloudFormation rejects cycles; do not loop
    visiting.add(id);
    let start = 0;
    let from: string | undefined;
    for (const dependency of before.get(id) ?? []) {
      const end = visit(dependency);
      if (end > start) [start, from] = [end, dependency];
    }
    visiting.delete(id);
    const duration = durationOf(template, resource, phase, options);
    durations.set(id, duration);
    finish.set(id, start + pick(duration));
    previous.set(id, from);
    return start + pick(duration);
  };
  let last: string | undefined;
  let total = 0;
  for (const [id] of resourcesOf(template)) {
    const end = visit(id);
    if (end > total) [total, last] = [end, id];
  }
  const criticalPath: PathStep[] = [];
  for (let id = last; id !== undefined; id = previous.get(id)) {
    criticalPath.unshift({
      logicalId: id,
      type: resources[id]?.Type ?? '',
      minutes: pick(durations.get(id) ?? { minutes: 0, source: '' }),
    });
  }
  const sources = [
    ...new Set(criticalPath.map((step) => durations.get(step.logicalId)?.source ?? '')),
  ];
  return { criticalPath, totalMinutes: total, sources };
}

/** Modelled minutes from `CREATE_IN_PROGRESS` to `CREATE_COMPLETE` of a fresh stack. */
export function modelTimeToReady(template: CfnTemplate, options: TimeModelOptions = {}): TimeModel {
  return model(template, 'create', options);
}

/** Modelled minutes to delete the stack (reverse dependency order, delete durations). */
export function modelTimeToDestroy(
  template: CfnTemplate,
  options: TimeModelOptions = {},
): TimeModel {
  return model(template, 'delete', options);
}

/** One stack's modelled time and the stacks it waits for (`Stack.addDependency`). */
export interface StackTime {
  readonly stack: string;
  readonly model: TimeModel;
  readonly dependsOn?: readonly string[];
}

export interface CombineStackTimesOptions {
  /**
   * `sequential`: one stack at a time, the CDK toolkit's default (`--concurrency 1`), so the
   * total is the sum. `parallel`: independent stacks at once (`--concurrency N`), so the total is
   * the longest chain of dependent stacks.
   * @default 'sequential'
   */
  readonly deployment?: 'sequential' | 'parallel';
}

/**
 * Time to ready of an environment made of several stacks (e.g. the us-east-1 certificate stack,
 * then the environment stack). Critical-path steps are prefixed with their stack: `stack/logicalId`.
 */
export function combineStackTimes(
  stacks: readonly StackTime[],
  options: CombineStackTimesOptions = {},
): TimeModel {
  const byName = new Map(stacks.map((s) => [s.stack, s]));
  const prefixed = (s: StackTime): PathStep[] =>
    s.model.criticalPath.map((step) => ({ ...step, logicalId: `${s.stack}/${step.logicalId}` }));
  let chain: StackTime[];
  if ((options.deployment ?? 'sequential') === 'sequential') {
    chain = [...stacks];
  } else {
    const best = new Map<string, { total: number; chain: StackTime[] }>();
    const visiting = new Set<string>();
    const visit = (s: StackTime): { total: number; chain: StackTime[] } => {
      const known = best.get(s.stack);
      if (known !== undefined) return known;
      if (visiting.has(s.stack)) return { total: 0, chain: [] };
      visiting.add(s.stack);
      let before = { total: 0, chain: [] as StackTime[] };
      for (const name of s.dependsOn ?? []) {
        const dependency = byName.get(name);
        if (dependency === undefined) continue;
        const candidate = visit(dependency);
        if (candidate.total > before.total) before = candidate;
      }
      visiting.delete(s.stack);
      const result = { total: before.total + s.model.totalMinutes, chain: [...before.chain, s] };
      best.set(s.stack, result);
      return result;
    };
    chain = stacks
      .map(visit)
      .reduce((a, b) => (b.total > a.total ? b : a), { total: 0, chain: [] }).chain;
  }
  return {
    criticalPath: chain.flatMap(prefixed),
    totalMinutes: chain.reduce((sum, s) => sum + s.model.totalMinutes, 0),
    // The low/high chains are taken along the typical chain (an approximation when stacks run in parallel).
    rangeMinutes: {
      low: chain.reduce((sum, s) => sum + s.model.rangeMinutes.low, 0),
      high: chain.reduce((sum, s) => sum + s.model.rangeMinutes.high, 0),
    },
    sources: [...new Set(chain.flatMap((s) => s.model.sources))],
  };
}

/**
 * The modelled create minutes of every resource of a template, by logical id: the same per-type
 * durations `modelTimeToReady` weighs the graph with (`timeline` sets them beside measured ones).
 */
export function modelResourceMinutes(
  template: CfnTemplate,
  options: TimeModelOptions = {},
): Readonly<Record<string, number>> {
  return Object.fromEntries(
    resourcesOf(template).map(([id, r]) => [
      id,
      durationOf(template, r, 'create', options).minutes,
    ]),
  );
}
