import type { ResolvedEnvironment } from '@branch-env/core';
import type { ECSClient } from '@aws-sdk/client-ecs';
import type { AwsClients } from '../aws/clients.js';
import {
  ecsClient,
  observeServices,
  servicesInProgress,
  stopStackOperation,
} from '../aws/ecs-services.js';
import type { Io } from '../io.js';
import {
  DEFAULT_THRESHOLDS,
  placementError,
  placementVerdict,
  type WatchdogThresholds,
} from '../placement-watchdog.js';
import type { StackDeployer } from './prepare-stacks.js';

export interface PlacementWatchOptions {
  /** Between two looks at the services. @default the clients' `pollMs`, else 20000 */
  readonly intervalMs?: number;
  readonly thresholds?: WatchdogThresholds;
  /** @default a client for the environment's region */
  readonly ecs?: ECSClient;
  /** The clock. @default () => new Date() */
  readonly now?: () => Date;
  /** How long to wait for CloudFormation to settle after stopping it. @default 30 minutes */
  readonly settleMs?: number;
}

type Env = Pick<ResolvedEnvironment, 'stacks' | 'branch' | 'name'> & {
  readonly profile: { readonly name: string };
};

/** A timer that can be cut short (so a finished deploy does not wait for the next look). */
function pause(ms: number): { done: Promise<void>; cancel: () => void } {
  let cancel = () => {};
  const done = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    cancel = () => {
      clearTimeout(t);
      resolve();
    };
  });
  return { done, cancel };
}

/**
 * `deployStacks` with the placement watchdog beside it: while the deploy runs, the environment's
 * ECS services that CloudFormation is creating or updating are looked at every `intervalMs`;
 * when {@link placementVerdict} says tasks cannot be placed or started, the stack operation is
 * stopped (an update cancelled, a first create deleted), CloudFormation is waited for, and the
 * deploy fails with the reason and the fix instead of waiting for the job's timeout. The
 * watchdog's own AWS errors never fail a deploy: it says so and stops watching.
 */
export function withPlacementWatchdog<T>(
  aws: AwsClients,
  env: Env,
  io: Io,
  deployStacks: StackDeployer<T>,
  options: PlacementWatchOptions = {},
): StackDeployer<T> {
  return async (deployOptions) => {
    const now = options.now ?? (() => new Date());
    const since = now();
    const deploying = deployStacks(deployOptions);
    let finished = false;
    const settled = deploying.then(
      () => void (finished = true),
      () => void (finished = true),
    );
    let ecs: ECSClient | undefined = options.ecs;
    for (;;) {
      const wait = pause(options.intervalMs ?? aws.pollMs ?? 20_000);
      await Promise.race([settled, wait.done]);
      wait.cancel();
      if (finished) return deploying;
      let verdict;
      try {
        const arns = await servicesInProgress(aws, env.stacks.main);
        if (arns.length === 0) continue;
        ecs ??= ecsClient(aws);
        verdict = placementVerdict(
          await observeServices(aws, ecs, arns),
          since,
          now(),
          options.thresholds ?? DEFAULT_THRESHOLDS,
        );
      } catch (error) {
        io.err(
          `warning: placement watchdog stopped (${(error as Error).message}); the deploy goes on without it\n`,
        );
        return deploying;
      }
      if (!verdict) continue;
      io.err(
        `placement watchdog: service ${verdict.service} cannot run its tasks (${verdict.kind}): stopping the deploy\n`,
      );
      const action = await stopStackOperation(aws, env.stacks.main).catch(
        (e: unknown) => `could not stop ${env.stacks.main} (${(e as Error).message})`,
      );
      io.err(`${action}; waiting for CloudFormation to settle\n`);
      const limit = pause(options.settleMs ?? 30 * 60_000);
      await Promise.race([settled, limit.done]);
      limit.cancel();
      throw placementError(verdict, { ...env, profileName: env.profile.name }, action);
    }
  };
}
