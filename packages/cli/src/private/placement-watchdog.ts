import { branchArgument, shellCommand, UserError } from '@branch-env/core';

/**
 * The placement watchdog's decision (pure): while a stack deploy runs, does one of the
 * environment's ECS services fail to start tasks in a way the deployment circuit breaker never
 * sees? A service whose tasks cannot be placed (Fargate Spot without capacity, no container
 * instance that fits) or die before they start (image pull, secrets fetch) never gets a task to
 * fail its health check, so the breaker does not trip and CloudFormation waits for hours. Read from
 * ECS DescribeServices (events, deployments) and DescribeTasks (stopped tasks).
 */

/** What keeps tasks from running, by the ECS message that says so. */
export type PlacementFailureKind =
  | 'spot-capacity'
  | 'fargate-capacity'
  | 'no-container-instance'
  | 'image-pull'
  | 'task-initialization';

/** One ECS service as the watchdog sees it (DescribeServices + DescribeTasks of stopped tasks). */
export interface ServiceObservation {
  readonly service: string;
  /** Capacity providers of the service's strategy (FARGATE, FARGATE_SPOT). */
  readonly capacityProviders: readonly string[];
  /** Newest first, as DescribeServices returns them. */
  readonly events: readonly { readonly createdAt: Date; readonly message: string }[];
  /** The PRIMARY deployment (the one being rolled out). */
  readonly primary?:
    | {
        readonly createdAt: Date;
        readonly desiredCount: number;
        readonly runningCount: number;
        readonly failedTasks: number;
        readonly rolloutState?: string | undefined;
      }
    | undefined;
  /** Recently stopped tasks of the service. */
  readonly stoppedTasks: readonly {
    readonly stoppedAt: Date;
    readonly stoppedReason?: string | undefined;
    readonly stopCode?: string | undefined;
    readonly capacityProvider?: string | undefined;
    readonly availabilityZone?: string | undefined;
    /** The containers' own reasons (CannotPullContainerError ... lives there). */
    readonly containerReasons: readonly string[];
  }[];
}

export interface WatchdogThresholds {
  /** Consecutive failures (events or stopped tasks, no task started in between) that fail the deploy. @default 3 */
  readonly consecutiveFailures: number;
  /** Minutes the rollout may run with no task running once a failure was seen. @default 5 */
  readonly zeroRunningMinutes: number;
}

export const DEFAULT_THRESHOLDS: WatchdogThresholds = {
  consecutiveFailures: 3,
  zeroRunningMinutes: 5,
};

export interface PlacementFailure {
  readonly service: string;
  readonly kind: PlacementFailureKind;
  /** The ECS message that says why (the newest). */
  readonly message: string;
  /** How many failures in a row were seen. */
  readonly failures: number;
  /** Minutes the rollout has run with no task running. */
  readonly zeroRunningMinutes: number;
  readonly availabilityZone?: string | undefined;
}

/**
 * The kind of failure an ECS service event or a stopped task's reason reports, or undefined when
 * it reports none the watchdog acts on (health checks, normal stops: the circuit breaker's).
 * Messages as ECS writes them (Amazon ECS Developer Guide, "service event messages" and
 * "stopped task errors").
 */
export function failureKind(message: string, stopCode?: string): PlacementFailureKind | undefined {
  if (stopCode === 'SpotInterruption') return 'spot-capacity';
  if (/CannotPullContainerError/i.test(message)) return 'image-pull';
  if (/ResourceInitializationError/i.test(message)) return 'task-initialization';
  if (/unable to place a task/i.test(message)) {
    if (/no container instance met all of its requirements/i.test(message))
      return 'no-container-instance';
    if (/capacity is unavailable/i.test(message)) return 'fargate-capacity';
    return 'no-container-instance';
  }
  if (/capacity is unavailable at this time/i.test(message)) return 'fargate-capacity';
  return undefined;
}

/** ECS service events that say a task did start or the service is fine: they end a run of failures. */
function isProgress(message: string): boolean {
  return /has started \d+ tasks?|has reached a steady state|deployment .* completed/i.test(message);
}

/**
 * The verdict for one service: a failure when, since `since` (the watch began; older events belong
 * to earlier deployments), either `consecutiveFailures` failures came with no task started in
 * between, or the rollout has run `zeroRunningMinutes` with no task running and at least one
 * failure says why. Undefined while the service may still come up.
 */
export function serviceVerdict(
  s: ServiceObservation,
  since: Date,
  now: Date,
  thresholds: WatchdogThresholds = DEFAULT_THRESHOLDS,
): PlacementFailure | undefined {
  const primary = s.primary;
  if (!primary || primary.desiredCount === 0) return undefined;
  if (primary.rolloutState === 'COMPLETED' || primary.rolloutState === 'FAILED') return undefined;
  const spot = s.capacityProviders.includes('FARGATE_SPOT');
  type Signal = { at: Date; kind?: PlacementFailureKind; message: string; az?: string };
  const signals: Signal[] = [
    ...s.events
      .filter((e) => e.createdAt >= since)
      .map((e): Signal => ({ at: e.createdAt, kind: failureKind(e.message), message: e.message }))
      .filter((x) => x.kind !== undefined || isProgress(x.message)),
    ...s.stoppedTasks
      .filter((t) => t.stoppedAt >= since)
      .flatMap((t): Signal[] => {
        const message = [t.stoppedReason, ...t.containerReasons].filter(Boolean).join(': ');
        const kind = [t.stoppedReason ?? '', ...t.containerReasons]
          .map((m) => failureKind(m, t.stopCode))
          .find((k) => k !== undefined);
        return kind ? [{ at: t.stoppedAt, kind, message, az: t.availabilityZone }] : [];
      }),
  ].sort((a, b) => a.at.getTime() - b.at.getTime());
  let run: Signal[] = [];
  for (const x of signals) run = x.kind ? [...run, x] : [];
  const last = run.at(-1);
  if (!last?.kind) return undefined;
  const start = primary.createdAt > since ? primary.createdAt : since;
  const zeroMinutes =
    primary.runningCount === 0 ? Math.max(0, (now.getTime() - start.getTime()) / 60_000) : 0;
  if (run.length < thresholds.consecutiveFailures && zeroMinutes < thresholds.zeroRunningMinutes)
    return undefined;
  // Fargate's "capacity is unavailable" for a Spot service is Spot's shortage.
  const kind = last.kind === 'fargate-capacity' && spot ? 'spot-capacity' : last.kind;
  return {
    service: s.service,
    kind,
    message: last.message,
    failures: run.length,
    zeroRunningMinutes: Math.floor(zeroMinutes),
    availabilityZone: [...run].reverse().find((x) => x.az)?.az,
  };
}

/** The first service that fails, in the order given. */
export function placementVerdict(
  services: readonly ServiceObservation[],
  since: Date,
  now: Date,
  thresholds: WatchdogThresholds = DEFAULT_THRESHOLDS,
): PlacementFailure | undefined {
  for (const s of services) {
    const v = serviceVerdict(s, since, now, thresholds);
    if (v) return v;
  }
  return undefined;
}

/** What the failure means and how to fix it, for the environment's profile and branch. */
export function placementError(
  f: PlacementFailure,
  env: { readonly name: string; readonly branch: string; readonly profileName: string },
  action: string,
): UserError {
  const retry = shellCommand(['branch-env', 'deploy', branchArgument(env.branch)]);
  const task = `profiles.${env.profileName}.task`;
  const where = f.availabilityZone ? ` in ${f.availabilityZone}` : '';
  const what: Record<PlacementFailureKind, { why: string; fix: string }> = {
    'spot-capacity': {
      why: `Fargate Spot has no capacity${where} for service ${f.service}`,
      fix: `deploy again later (${retry}), or keep an on-demand fallback: set ${task}.minTasks to 2 or more (one task stays on FARGATE) or ${task}.spot to false`,
    },
    'fargate-capacity': {
      why: `Fargate has no capacity${where} for service ${f.service}`,
      fix: `deploy again later (${retry}), or give the platform more availability zones so ECS can place the task elsewhere`,
    },
    'no-container-instance': {
      why: `no capacity in the cluster fits the tasks of service ${f.service}`,
      fix: `run the service on the Fargate capacity providers, or add container instances with enough CPU and memory (${task}.cpu / memoryMiB); then ${retry}`,
    },
    'image-pull': {
      why: `the tasks of service ${f.service} cannot pull their image`,
      fix: `check that the image was pushed for this commit, that the task execution role may pull it and that the subnets reach ECR (public IP, NAT gateway or VPC endpoints); then ${retry}`,
    },
    'task-initialization': {
      why: `the tasks of service ${f.service} cannot fetch their secrets or registry credentials before starting`,
      fix: `give the subnets a route to Secrets Manager, SSM and ECR (public IP, NAT gateway or VPC endpoints) and the execution role read access to the secrets; then ${retry}`,
    },
  };
  const { why, fix } = what[f.kind];
  const seen =
    f.zeroRunningMinutes > 0
      ? `${f.failures} failure(s) in a row, no task running for ${f.zeroRunningMinutes} min`
      : `${f.failures} failure(s) in a row`;
  return new UserError(
    `deploy of ${env.name} stopped: ${why} (${seen}; the deployment circuit breaker never trips on this); ${action}. ECS says: ${f.message}`,
    fix,
  );
}
