import { ALB_HEALTH_DEFAULTS, ECS_TASK_START_MINUTES } from './durations.js';
import {
  arrayOf,
  isRecord,
  literalNumber,
  prop,
  refTarget,
  resourcesOf,
  type CfnTemplate,
} from './template.js';

/**
 * Modelled wake of a sleeping shared environment (docs/platform.md, "Sleep and wake"): from the
 * first request after idle to the load balancer forwarding to the environment's own tasks. While
 * asleep its listener rules forward to the platform's waker, which answers a "waking up" page
 * that refreshes itself and asks ECS for the services' tasks back; once a task passes its target
 * group's health check the sleeper points the rules back at the environment, and the next refresh
 * of the page reaches the service. Services wake in parallel: the slowest decides.
 */
export interface WakeStep {
  readonly label: string;
  readonly minutes: number;
  readonly range?: readonly [low: number, high: number];
  readonly source: string;
}

export interface WakeModel {
  readonly totalMinutes: number;
  readonly rangeMinutes: { readonly low: number; readonly high: number };
  readonly steps: readonly WakeStep[];
}

/**
 * How often the "waking up" page reloads itself, in seconds: the page's refresh and the wake
 * model read this one value.
 */
export const WAKE_PAGE_REFRESH_SECONDS = 5;

const HEALTH_DOC =
  'https://docs.aws.amazon.com/elasticloadbalancing/latest/application/target-group-health-checks.html';

/** The target group health checks of the services behind a load balancer, slowest first. */
function healthChecks(
  templates: readonly CfnTemplate[],
): { intervalSeconds: number; healthyThreshold: number }[] {
  const out: { intervalSeconds: number; healthyThreshold: number }[] = [];
  for (const template of templates) {
    for (const [, service] of resourcesOf(template)) {
      if (service.Type !== 'AWS::ECS::Service') continue;
      for (const lb of arrayOf(prop(service, 'LoadBalancers'))) {
        const id = isRecord(lb) ? refTarget(lb['TargetGroupArn']) : undefined;
        const group = id === undefined ? undefined : template.Resources?.[id];
        if (group === undefined) continue;
        out.push({
          intervalSeconds:
            literalNumber(prop(group, 'HealthCheckIntervalSeconds')) ??
            ALB_HEALTH_DEFAULTS.intervalSeconds,
          healthyThreshold:
            literalNumber(prop(group, 'HealthyThresholdCount')) ??
            ALB_HEALTH_DEFAULTS.healthyThreshold,
        });
      }
    }
  }
  return out.sort(
    (a, b) => b.intervalSeconds * b.healthyThreshold - a.intervalSeconds * a.healthyThreshold,
  );
}

/** Modelled minutes from the first request to a sleeping environment until its service answers. */
export function modelWake(templates: readonly CfnTemplate[]): WakeModel {
  const checks = healthChecks(templates);
  const slowest = checks[0];
  const steps: WakeStep[] = [
    {
      label: 'waker answers the "waking up" page and sets the services back to their task count',
      minutes: 0.05,
      range: [0.02, 0.1],
      source:
        'one Lambda invocation behind the load balancer (a cold start varies from under 100 ms to over 1 s: https://aws.amazon.com/blogs/compute/operating-lambda-performance-optimization-part-1/) and an ECS UpdateService call per service: 1-6 s (estimate)',
    },
    {
      label: 'ECS task start on Fargate (placement, image pull, container start)',
      minutes: ECS_TASK_START_MINUTES,
      source: `${ECS_TASK_START_MINUTES} min, the ECS service model's task start (durations.ts ECS_TASK_START_MINUTES)`,
    },
    ...(slowest === undefined
      ? []
      : [
          {
            label: 'target group health check until the load balancer forwards',
            minutes: slowest.intervalSeconds / 60,
            range: [
              slowest.intervalSeconds / 60,
              (slowest.intervalSeconds * slowest.healthyThreshold) / 60,
            ] as const,
            source: `a newly registered target "must pass one health check to be considered healthy" (${HEALTH_DOC}): up to one HealthCheckIntervalSeconds (${slowest.intervalSeconds} s); high end HealthyThresholdCount × interval (${slowest.healthyThreshold} × ${slowest.intervalSeconds} s), what the ECS service model counts for a create`,
          },
        ]),
    {
      label: 'rule back to the environment, the waiting page reloads',
      minutes: (5 + WAKE_PAGE_REFRESH_SECONDS) / 60,
      range: [2 / 60, (10 + WAKE_PAGE_REFRESH_SECONDS) / 60],
      source: `the sleeper sees the healthy target and rewrites the listener rule's forward action (ModifyRule, 2-10 s with its polling, estimate), then the page's next reload (every ${WAKE_PAGE_REFRESH_SECONDS} s, WAKE_PAGE_REFRESH_SECONDS)`,
    },
  ];
  const sum = (pick: (s: WakeStep) => number) => steps.reduce((t, s) => t + pick(s), 0);
  return {
    totalMinutes: sum((s) => s.minutes),
    rangeMinutes: {
      low: sum((s) => s.range?.[0] ?? s.minutes),
      high: sum((s) => s.range?.[1] ?? s.minutes),
    },
    steps,
  };
}
