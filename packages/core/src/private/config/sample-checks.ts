import { posix } from 'node:path';
import { SAMPLE_SERVICE } from '../services/resolve-services.js';
import type { ConfigCheck } from './validate.js';
import { known } from './view.js';

/**
 * A config without `services` runs branch-env's own sample (`apps/api/Dockerfile` next to the
 * config file, as in the branch-env repository). Anywhere else that Dockerfile does not exist:
 * say that the config must declare its services, not that a file is missing. Listed in
 * `CONFIG_CHECKS`.
 */
export const SAMPLE_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'a config without services is the branch-env repository',
    check: (config, context) => {
      const exists = context?.fileExists;
      if (exists === undefined || config.services !== undefined || !known(config, 'services'))
        return [];
      const { context: folder, dockerfile } = SAMPLE_SERVICE.config.build;
      if (exists(posix.join(folder, dockerfile))) return [];
      return [
        {
          path: 'services',
          message: `the config declares no services, and branch-env's sample service (${dockerfile}) is not in this repository; add "services", e.g. { "web": { "build": { "context": "." }, "port": 8080, "healthCheck": { "path": "/healthz" }, "expose": { "routes": ["/"] } } } (\`npx branch-env init\` writes them from your Dockerfiles)`,
        },
      ];
    },
  },
];
