import { z } from 'zod';
import type { ResolvedEnvironment } from '../routing/resolve.js';

/**
 * Sleep and wake of shared environments (docs/platform.md, "Sleep and wake"): an idle shared
 * environment's ECS services scale to 0 tasks and its listener rules forward to the platform's
 * waker until the next request wakes it. `profiles.<key>.sleep` says after how many idle minutes;
 * `false` never sleeps. Dedicated profiles never sleep (`sleep-checks.ts` refuses a sleep object).
 */

/** Idle minutes before a shared environment sleeps when its profile does not say. */
export const DEFAULT_SLEEP_AFTER_IDLE_MINUTES = 30;
const SLEEP_AFTER_IDLE_RANGE = { min: 10, max: 1440 } as const;

export const SleepSchema = z
  .union(
    [
      z.literal(false),
      z.strictObject({
        afterIdleMinutes: z
          .int()
          .min(SLEEP_AFTER_IDLE_RANGE.min)
          .max(SLEEP_AFTER_IDLE_RANGE.max)
          .meta({ description: 'Minutes without a request before the environment sleeps.' }),
      }),
    ],
    {
      error: `false, or { "afterIdleMinutes": <whole minutes ${SLEEP_AFTER_IDLE_RANGE.min}-${SLEEP_AFTER_IDLE_RANGE.max}> }`,
    },
  )
  .meta({
    description: `Shared profiles only: after this many idle minutes the environment's tasks stop (no Fargate cost, no Fargate vCPU held); the next request gets a "waking up" page and wakes it, a deploy wakes it too. false: never sleeps. @default { afterIdleMinutes: ${DEFAULT_SLEEP_AFTER_IDLE_MINUTES} } for isolation "shared"; dedicated profiles never sleep`,
  });

export type Sleep = z.output<typeof SleepSchema>;

/**
 * Minutes of idleness after which `env` sleeps; null when it never does (a dedicated profile, or
 * `sleep: false`). A shared profile without `sleep` sleeps after
 * {@link DEFAULT_SLEEP_AFTER_IDLE_MINUTES}.
 */
export function sleepAfterIdleMinutes(env: {
  readonly profile: Pick<ResolvedEnvironment['profile'], 'isolation' | 'sleep'>;
}): number | null {
  const { isolation, sleep } = env.profile;
  if (isolation !== 'shared' || sleep === false) return null;
  return sleep?.afterIdleMinutes ?? DEFAULT_SLEEP_AFTER_IDLE_MINUTES;
}
