import type { ConfigIssue } from '../errors.js';
import type { ConfigCheck } from './validate.js';

/** Config checks of `profiles.<key>.sleep` (`sleep.ts`). Listed in `CONFIG_CHECKS`. */
export const SLEEP_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'only shared profiles sleep',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]): ConfigIssue[] =>
        p.isolation === 'dedicated' && typeof p.sleep === 'object'
          ? [
              {
                path: `profiles.${key}.sleep`,
                message: `a dedicated profile cannot sleep: its services sit behind a load balancer of its own, not the platform's waker; set isolation to "shared", or remove profiles.${key}.sleep (or set it to false)`,
              },
            ]
          : [],
      ),
  },
];
