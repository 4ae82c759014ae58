import type { Action } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG_KEYS, WAKE_PAGE_REFRESH_SECONDS } from '@branch-env/core';

/**
 * The decisions of the platform's sleeper (docs/platform.md, "Sleep and wake"), pure: from what
 * the load balancers, ECS, Application Auto Scaling and CloudWatch say about the shared
 * environments, which ones to put to sleep, which to wake, which to restore, as ordered steps.
 * The Lambda (handler.ts) only fetches facts (aws.ts) and runs the steps.
 *
 * The contract (SLEEP-CONTRACT, issue 11): an environment's listener rules carry `branch-env:app`,
 * `branch-env:environment`, `branch-env:sleep-after` (idle minutes; absent = never sleeps) and
 * `branch-env:target-group` (its own target group). Asleep = the rule forwards to one of the
 * platform's waker target groups; awake = to its own. Its ECS services carry `branch-env:app` and
 * `branch-env:environment`; the sleeper keeps the desired count a service had as
 * `branch-env:awake-count`.
 *
 * Every step is idempotent and every state between two steps converges: sleeping tags the awake
 * count first, suspends scaling, moves the rules to the waker, and scales to 0 last; waking marks
 * the time, scales back, then resumes scaling; rules come back only once the environment's target
 * groups have a healthy target. Two runs at once take the same steps.
 */

/**
 * Set on a service when the sleeper wakes it (ISO time): a woken environment is not put back to
 * sleep before its idle window has passed since then. The sleeper's own tag (no other code reads
 * it), next to the contract's `branch-env:awake-count`.
 */
export const WOKEN_AT_TAG = 'branch-env:woken-at';

/** The scalable dimension of an ECS service's desired count. */
export const ECS_DESIRED_COUNT = 'ecs:service:DesiredCount';

/**
 * Roughly how long a wake takes (seconds), said on the waking page: a Fargate task start (1 min,
 * the time model's ECS_TASK_START_MINUTES: placement, image pull, container start), the target
 * group's healthy threshold (2 checks 15 s apart, service/workload.ts), and up to one refresh of
 * the page (5 s) before the waker brings the rules back.
 */
export const WAKE_ESTIMATE_SECONDS = 90;

/**
 * Seconds the waking page asks the browser to wait before asking again (`Retry-After`, refresh):
 * core's, which the wake model counts.
 */
export const RETRY_AFTER_SECONDS = WAKE_PAGE_REFRESH_SECONDS;

/** The function's environment variables (set by the construct, sleeper.ts). */
export const SLEEPER_ENV = {
  app: 'APP',
  cluster: 'CLUSTER',
  listenerArns: 'LISTENER_ARNS',
} as const;

/** The scheduled event's input (sleeper.ts): the waker target group of each platform listener. */
export interface SweepEvent {
  readonly kind: 'sweep';
  readonly wakers: readonly { readonly listenerArn: string; readonly targetGroupArn: string }[];
}

/** A listener rule of the platform's listeners, with its tags (DescribeRules + DescribeTags). */
export interface RuleFacts {
  readonly arn: string;
  readonly listenerArn: string;
  /** The values of its host-header conditions (lower case as the load balancer stores them). */
  readonly hosts: readonly string[];
  readonly actions: readonly Action[];
  readonly tags: Readonly<Record<string, string>>;
}

/** An ECS service of the platform's cluster (DescribeServices with its tags). */
export interface ServiceFacts {
  readonly arn: string;
  readonly name: string;
  readonly clusterName: string;
  readonly desired: number;
  readonly running: number;
  /** More than one deployment, or the primary deployment's rollout still in progress. */
  readonly deploying: boolean;
  /** When the primary deployment was created or last updated (ms since the epoch). */
  readonly deployedAt: number | undefined;
  /** The target groups it registers its tasks in. */
  readonly targetGroupArns: readonly string[];
  readonly tags: Readonly<Record<string, string>>;
  /** Its Application Auto Scaling target, if it has one. */
  readonly scaling: ScalingFacts | undefined;
}

export interface ScalingFacts {
  /** `service/<cluster>/<service>`. */
  readonly resourceId: string;
  /** Dynamic scaling in or out, or scheduled scaling, is suspended. */
  readonly suspended: boolean;
}

/** One shared environment: its rules (by the `branch-env:environment` tag) and its services. */
export interface EnvironmentFacts {
  readonly name: string;
  readonly rules: readonly RuleFacts[];
  readonly services: readonly ServiceFacts[];
}

export interface SleeperSettings {
  /** The config's `app`: only rules and services tagged with it are touched. */
  readonly app: string;
  /** The waker target group of each platform listener, by listener ARN. */
  readonly wakers: Readonly<Record<string, string>>;
}

/** One thing to do, in order. */
export type Step =
  | {
      readonly kind: 'tag-service';
      readonly service: string;
      readonly tags: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'suspend-scaling'; readonly resourceId: string }
  | { readonly kind: 'resume-scaling'; readonly resourceId: string }
  | { readonly kind: 'modify-rule'; readonly rule: string; readonly actions: readonly Action[] }
  | {
      readonly kind: 'set-desired';
      readonly cluster: string;
      readonly service: string;
      readonly count: number;
    };

type DecisionKind = 'sleep' | 'wake' | 'restore' | 'resume' | 'nothing';

export interface Decision {
  readonly environment: string;
  readonly kind: DecisionKind;
  readonly why: string;
  readonly steps: readonly Step[];
}

/** Tags as a record (SDK tag lists). */
export function tagRecord(
  tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** The target group a rule's forward action sends to; undefined without exactly one. */
export function forwardTargetOf(actions: readonly Action[]): string | undefined {
  const forwards = actions.filter((a) => a.Type === 'forward');
  if (forwards.length !== 1) return undefined;
  const forward = forwards[0]!;
  const groups = forward.ForwardConfig?.TargetGroups ?? [];
  if (groups.length > 1) return undefined;
  return forward.TargetGroupArn ?? groups[0]?.TargetGroupArn;
}

/**
 * The rule's actions forwarding to `targetGroupArn`, everything else kept: an `authenticate-oidc`
 * action (ModifyRule needs `UseExistingClientSecret`, DescribeRules never returns the secret),
 * the order of each action. Conditions are not part of ModifyRule's call here: they stay as they
 * are.
 */
export function forwardingTo(actions: readonly Action[], targetGroupArn: string): Action[] {
  return actions.map((a): Action => {
    if (a.Type === 'forward') {
      return { Type: 'forward', Order: a.Order, TargetGroupArn: targetGroupArn };
    }
    if (a.Type === 'authenticate-oidc' && a.AuthenticateOidcConfig !== undefined) {
      const { ClientSecret: _secret, ...config } = a.AuthenticateOidcConfig;
      return { ...a, AuthenticateOidcConfig: { ...config, UseExistingClientSecret: true } };
    }
    return a;
  });
}

export type RuleState = 'awake' | 'asleep' | 'foreign';

/**
 * Where a rule forwards: to its own target group (`branch-env:target-group`), to a waker, or to
 * something else (no target-group tag, no single forward action): a foreign rule is never changed.
 */
export function ruleState(rule: RuleFacts, wakers: ReadonlySet<string>): RuleState {
  const target = forwardTargetOf(rule.actions);
  const own = rule.tags[TAG_KEYS.targetGroup];
  if (target === undefined || own === undefined || own === '') return 'foreign';
  if (target === own) return 'awake';
  return wakers.has(target) ? 'asleep' : 'foreign';
}

/** The idle minutes of a rule's `branch-env:sleep-after` tag; undefined when absent or not a count. */
function sleepAfterOf(rule: RuleFacts): number | undefined {
  const value = rule.tags[TAG_KEYS.sleepAfter];
  if (value === undefined || !/^[1-9]\d{0,4}$/.test(value)) return undefined;
  return Number(value);
}

/**
 * The idle window of an environment (minutes): the longest of its rules' (they agree when the
 * router wrote them); undefined — never sleeps — when any rule has no `branch-env:sleep-after`.
 */
export function sleepWindowOf(env: EnvironmentFacts): number | undefined {
  if (env.rules.length === 0) return undefined;
  let window = 0;
  for (const rule of env.rules) {
    const minutes = sleepAfterOf(rule);
    if (minutes === undefined) return undefined;
    window = Math.max(window, minutes);
  }
  return window;
}

function awakeCountOf(service: ServiceFacts): number | undefined {
  const value = service.tags[TAG_KEYS.awakeCount];
  if (value === undefined || !/^[1-9]\d{0,3}$/.test(value)) return undefined;
  return Number(value);
}

/** Scaled to 0 by the sleeper: desired 0 with a recorded awake count. */
function isAsleep(service: ServiceFacts): boolean {
  return service.desired === 0 && awakeCountOf(service) !== undefined;
}

/** The services the sleeper manages: running ones, and the ones it put to sleep. */
function managed(env: EnvironmentFacts): ServiceFacts[] {
  return env.services.filter((s) => s.desired > 0 || isAsleep(s));
}

/** Group rules and services into environments, by the `branch-env:environment` tag, of `app` only. */
export function environmentsOf(
  app: string,
  rules: readonly RuleFacts[],
  services: readonly ServiceFacts[],
): EnvironmentFacts[] {
  const names = new Set<string>();
  const ours = (tags: Readonly<Record<string, string>>): string | undefined => {
    const name = tags[TAG_KEYS.environment];
    return tags[TAG_KEYS.app] === app && name !== undefined && name !== '' ? name : undefined;
  };
  for (const r of rules) {
    const name = ours(r.tags);
    if (name !== undefined) names.add(name);
  }
  return [...names].sort().map((name) => ({
    name,
    rules: rules.filter((r) => ours(r.tags) === name),
    services: services.filter((s) => ours(s.tags) === name),
  }));
}

/** The target groups that must each have a healthy target before the rules come back. */
function awakeTargetGroupsOf(env: EnvironmentFacts): string[] {
  const groups = new Set<string>();
  for (const r of env.rules) {
    const own = r.tags[TAG_KEYS.targetGroup];
    if (own !== undefined && own !== '') groups.add(own);
  }
  for (const s of managed(env)) for (const g of s.targetGroupArns) groups.add(g);
  return [...groups].sort();
}

/** `app/<name>/<id>` of the load balancer a listener or listener-rule ARN belongs to. */
export function loadBalancerDimensionOf(arn: string): string | undefined {
  const m = /:listener(?:-rule)?\/(app\/[^/]+\/[^/]+)\//.exec(arn);
  return m?.[1];
}

/** `targetgroup/<name>/<id>` of a target group ARN. */
export function targetGroupDimensionOf(arn: string): string | undefined {
  const m = /:(targetgroup\/[^/]+\/[^/]+)$/.exec(arn);
  return m?.[1];
}

/** One CloudWatch RequestCount series to read: a target group behind one load balancer. */
export interface RequestQuery {
  /** GetMetricData query id: `r<index>`. */
  readonly id: string;
  readonly environment: string;
  readonly targetGroup: string;
  readonly loadBalancer: string;
  /** The environment's idle window (minutes). */
  readonly windowMinutes: number;
}

/** What the sweep must know before it decides, per environment. */
export interface SweepNeeds {
  /** RequestCount series of environments that may go to sleep. */
  readonly requests: RequestQuery[];
  /** Target groups of environments whose rules may come back. */
  readonly health: string[];
}

/** Which facts the sweep needs: request counts for sleep candidates, health for restore ones. */
export function sweepNeeds(
  envs: readonly EnvironmentFacts[],
  settings: SleeperSettings,
  now: number,
): SweepNeeds {
  const requests: RequestQuery[] = [];
  const health = new Set<string>();
  for (const env of envs) {
    const phase = phaseOf(env, settings, now);
    if (phase.kind === 'may-sleep') {
      for (const rule of env.rules) {
        const targetGroup = targetGroupDimensionOf(rule.tags[TAG_KEYS.targetGroup] ?? '');
        const loadBalancer = loadBalancerDimensionOf(rule.arn);
        if (targetGroup === undefined || loadBalancer === undefined) continue;
        if (requests.some((q) => q.targetGroup === targetGroup && q.loadBalancer === loadBalancer))
          continue;
        requests.push({
          id: `r${requests.length}`,
          environment: env.name,
          targetGroup,
          loadBalancer,
          windowMinutes: phase.windowMinutes,
        });
      }
    } else if (phase.kind === 'may-restore') {
      for (const g of awakeTargetGroupsOf(env)) health.add(g);
    }
  }
  return { requests, health: [...health].sort() };
}

/** Requests per environment over its window, from the series values; undefined if any is unknown. */
export function requestsByEnvironment(
  queries: readonly RequestQuery[],
  values: ReadonlyMap<string, readonly { readonly at: number; readonly value: number }[]>,
  now: number,
): Map<string, number | undefined> {
  const out = new Map<string, number | undefined>();
  for (const q of queries) {
    const series = values.get(q.id);
    const before = out.has(q.environment) ? out.get(q.environment) : 0;
    if (series === undefined || before === undefined) {
      out.set(q.environment, undefined);
      continue;
    }
    const since = now - q.windowMinutes * 60_000;
    const sum = series.filter((p) => p.at >= since).reduce((n, p) => n + p.value, 0);
    out.set(q.environment, before + sum);
  }
  return out;
}

type Phase =
  | { readonly kind: 'final'; readonly decision: Decision }
  | { readonly kind: 'may-sleep'; readonly windowMinutes: number }
  | { readonly kind: 'may-restore' };

const nothing = (environment: string, why: string): Decision => ({
  environment,
  kind: 'nothing',
  why,
  steps: [],
});

function wakerSet(settings: SleeperSettings): Set<string> {
  return new Set(Object.values(settings.wakers));
}

/** Steps that bring asleep services back: mark the time, scale to the awake count, resume scaling. */
function wakeSteps(env: EnvironmentFacts, now: number): Step[] {
  const steps: Step[] = [];
  const sleeping = managed(env).filter(isAsleep);
  for (const s of sleeping) {
    steps.push({ kind: 'tag-service', service: s.arn, tags: { [WOKEN_AT_TAG]: iso(now) } });
  }
  for (const s of sleeping) {
    steps.push({
      kind: 'set-desired',
      cluster: s.clusterName,
      service: s.name,
      count: awakeCountOf(s) ?? 1,
    });
  }
  steps.push(...resumeSteps(env));
  return steps;
}

/** Resume scaling the sleeper suspended (services with an awake count) of an awake environment. */
function resumeSteps(env: EnvironmentFacts): Step[] {
  return managed(env)
    .filter((s) => s.scaling?.suspended === true && awakeCountOf(s) !== undefined)
    .map((s) => ({ kind: 'resume-scaling', resourceId: s.scaling!.resourceId }));
}

/** Rules forwarding to a waker brought back to their own target group. */
function restoreSteps(env: EnvironmentFacts, wakers: ReadonlySet<string>): Step[] {
  return env.rules
    .filter((r) => ruleState(r, wakers) === 'asleep')
    .map((r) => ({
      kind: 'modify-rule',
      rule: r.arn,
      actions: forwardingTo(r.actions, r.tags[TAG_KEYS.targetGroup]!),
    }));
}

/** Rules forwarding to their own target group moved to their listener's waker (a sleep). */
function toWakerSteps(env: EnvironmentFacts, settings: SleeperSettings): Step[] {
  const wakers = wakerSet(settings);
  return env.rules
    .filter((r) => ruleState(r, wakers) === 'awake')
    .map((r) => ({
      kind: 'modify-rule',
      rule: r.arn,
      actions: forwardingTo(r.actions, settings.wakers[r.listenerArn]!),
    }));
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The latest of the services' deployments and wakes (ms), or undefined. */
function lastActivityOf(services: readonly ServiceFacts[]): number | undefined {
  let last: number | undefined;
  for (const s of services) {
    const woken = Date.parse(s.tags[WOKEN_AT_TAG] ?? '');
    for (const t of [s.deployedAt, Number.isNaN(woken) ? undefined : woken]) {
      if (t !== undefined && (last === undefined || t > last)) last = t;
    }
  }
  return last;
}

/**
 * Where an environment stands before request counts and health are known: decided already, or a
 * candidate for sleep (then its request count decides) or for restore (then health decides).
 */
function phaseOf(env: EnvironmentFacts, settings: SleeperSettings, now: number): Phase {
  const final = (kind: DecisionKind, why: string, steps: Step[] = []): Phase => ({
    kind: 'final',
    decision: { environment: env.name, kind, why, steps },
  });
  const wakers = wakerSet(settings);
  const states = env.rules.map((r) => ruleState(r, wakers));
  if (states.includes('foreign')) {
    return final('nothing', 'a rule forwards to neither its own target group nor a waker');
  }
  const services = managed(env);
  if (services.some((s) => s.deploying)) return final('nothing', 'a service is deploying');
  const asleep = services.filter(isAsleep);
  if (asleep.length > 0 && asleep.length < services.length) {
    // Half asleep (a sleep or a wake stopped between services): waking is the safe way through.
    return final('wake', 'some services are asleep and others not: waking them all', [
      ...wakeSteps(env, now),
    ]);
  }
  if (asleep.length > 0) {
    // A rule forwarding to the environment while its services sleep: a deploy rewrote the rule
    // (the router writes rules awake; CloudFormation leaves out the desired count of a service that
    // scales), or a request woke it just before the sleep scaled it to 0. Either way it is wanted.
    return states.includes('awake')
      ? final(
          'wake',
          'asleep, but a rule forwards to the environment: waking it',
          wakeSteps(env, now),
        )
      : final('nothing', 'asleep');
  }
  if (states.includes('asleep')) {
    if (services.length === 0) return final('nothing', 'rules at the waker and no service');
    return { kind: 'may-restore' };
  }
  const window = sleepWindowOf(env);
  if (window === undefined) {
    return {
      kind: 'final',
      decision: resumeOrNothing(env, 'never sleeps (a rule has no sleep-after tag)'),
    };
  }
  if (services.length === 0) return final('nothing', 'no running service');
  if (env.rules.some((r) => settings.wakers[r.listenerArn] === undefined)) {
    return final('nothing', 'a rule is on a listener without a waker');
  }
  const last = lastActivityOf(services);
  if (last === undefined || now - last < window * 60_000) {
    return {
      kind: 'final',
      decision: resumeOrNothing(env, `deployed or woken less than ${window} min ago`),
    };
  }
  return { kind: 'may-sleep', windowMinutes: window };
}

/** What the sweep does with an environment, once the facts `sweepNeeds` asked for are known. */
export function decideSweep(
  env: EnvironmentFacts,
  settings: SleeperSettings,
  facts: {
    /** Requests to its target groups over its window; undefined when not measured. */
    readonly requests: number | undefined;
    /** Target groups with at least one healthy target. */
    readonly healthy: ReadonlySet<string>;
  },
  now: number,
): Decision {
  const phase = phaseOf(env, settings, now);
  if (phase.kind === 'final') return phase.decision;
  if (phase.kind === 'may-restore') return restoreIfHealthy(env, settings, facts.healthy);
  if (facts.requests === undefined) return resumeOrNothing(env, 'request count unknown');
  if (facts.requests > 0) {
    return resumeOrNothing(
      env,
      `${facts.requests} requests in the last ${phase.windowMinutes} min`,
    );
  }
  return {
    environment: env.name,
    kind: 'sleep',
    why: `no request in ${phase.windowMinutes} min`,
    steps: sleepSteps(env, settings),
  };
}

/** An awake environment that stays so: resume scaling the sleeper left suspended, if any. */
function resumeOrNothing(env: EnvironmentFacts, why: string): Decision {
  const steps = resumeSteps(env);
  return { environment: env.name, kind: steps.length > 0 ? 'resume' : 'nothing', why, steps };
}

/**
 * Sleep: record each running service's desired count, suspend its scaling (so that Application
 * Auto Scaling cannot bring it back), move the rules to the waker, then scale to 0.
 */
function sleepSteps(env: EnvironmentFacts, settings: SleeperSettings): Step[] {
  const services = managed(env);
  const steps: Step[] = [];
  for (const s of services) {
    steps.push({
      kind: 'tag-service',
      service: s.arn,
      tags: { [TAG_KEYS.awakeCount]: String(s.desired) },
    });
  }
  for (const s of services) {
    if (s.scaling !== undefined && !s.scaling.suspended) {
      steps.push({ kind: 'suspend-scaling', resourceId: s.scaling.resourceId });
    }
  }
  steps.push(...toWakerSteps(env, settings));
  for (const s of services) {
    steps.push({ kind: 'set-desired', cluster: s.clusterName, service: s.name, count: 0 });
  }
  return steps;
}

/**
 * Whether a rule of the environment forwards to its own target group again (`current`: its rules'
 * actions read after the sleep moved them to the waker): a request woke it meanwhile, and the
 * sleep must not scale it to 0.
 */
export function wokenDuringSleep(
  env: EnvironmentFacts,
  current: ReadonlyMap<string, readonly Action[]>,
): boolean {
  return env.rules.some((r) => {
    const actions = current.get(r.arn);
    return actions !== undefined && forwardTargetOf(actions) === r.tags[TAG_KEYS.targetGroup];
  });
}

/** Rules back to their own target groups once each has a healthy target; until then, wait. */
function restoreIfHealthy(
  env: EnvironmentFacts,
  settings: SleeperSettings,
  healthy: ReadonlySet<string>,
): Decision {
  const waiting = awakeTargetGroupsOf(env).filter((g) => !healthy.has(g));
  if (waiting.length > 0) {
    return resumeOrNothing(
      env,
      `waking: ${waiting.length} target group(s) without a healthy target yet`,
    );
  }
  return {
    environment: env.name,
    kind: 'restore',
    why: 'every target group has a healthy target',
    steps: [...resumeSteps(env), ...restoreSteps(env, wakerSet(settings))],
  };
}

/** Whether a host-header condition value (`*` and `?` wildcards, case-insensitive) matches a host. */
export function hostMatches(pattern: string, host: string): boolean {
  const re = new RegExp(
    `^${pattern
      .toLowerCase()
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  );
  return re.test(host);
}

/** The request's host: the Host header without port or trailing dot, lower case; undefined if bad. */
export function hostOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const host = header.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host) &&
    host.length <= 253
    ? host
    : undefined;
}

/** The environment a host reaches: the environment of the rules whose host condition matches. */
export function environmentOfHost(
  envs: readonly EnvironmentFacts[],
  host: string,
): EnvironmentFacts | undefined {
  return envs.find((e) => e.rules.some((r) => r.hosts.some((h) => hostMatches(h, host))));
}

/** The target groups whose health a wake must read: none unless its rules may come back now. */
export function wakeNeedsHealth(env: EnvironmentFacts, settings: SleeperSettings): string[] {
  const services = managed(env);
  const wakers = wakerSet(settings);
  if (services.length === 0 || services.some(isAsleep)) return [];
  if (!env.rules.some((r) => ruleState(r, wakers) === 'asleep')) return [];
  return awakeTargetGroupsOf(env);
}

/** Where a wake leaves the environment, for the answer to the request. */
export type WakeOutcome = 'waking' | 'restored' | 'awake';

/**
 * A request reached a waker: wake the environment's services (if asleep), and bring its rules back
 * when its target groups are healthy (`healthy`, read after the services were seen awake).
 */
export function decideWake(
  env: EnvironmentFacts,
  settings: SleeperSettings,
  healthy: ReadonlySet<string>,
  now: number,
): Decision & { readonly outcome: WakeOutcome } {
  const services = managed(env);
  const wakers = wakerSet(settings);
  if (services.some(isAsleep)) {
    return {
      environment: env.name,
      kind: 'wake',
      why: 'asleep: scaling the services back',
      steps: wakeSteps(env, now),
      outcome: 'waking',
    };
  }
  if (services.length === 0) {
    return { ...nothing(env.name, 'no service to wake'), outcome: 'waking' };
  }
  if (!env.rules.some((r) => ruleState(r, wakers) === 'asleep')) {
    return { ...nothing(env.name, 'awake'), outcome: 'awake' };
  }
  const d = restoreIfHealthy(env, settings, healthy);
  return { ...d, outcome: d.kind === 'restore' ? 'restored' : 'waking' };
}
