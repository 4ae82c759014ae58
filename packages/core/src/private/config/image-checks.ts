import type { ConfigIssue } from '../errors.js';
import { imageRepositoryName, usesPlatformImages } from '../platform/image-repositories.js';
import type { ConfigCheck } from './validate.js';
import { known } from './view.js';

/**
 * Config checks of the platform's image repositories (docs/images.md): their names are made of the
 * app's and the services' and jobs' names, and ECR refuses a name with two separators in a row
 * (`my--app`), which the name rules of the app and the units allow.
 */

/** ECR's repository name pattern (CreateRepository `repositoryName`). */
const ECR_REPOSITORY_NAME = /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*\/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$/;

export const IMAGE_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'platform image repositories have names ECR accepts',
    check: (config) => {
      const app = config.app;
      if (app === undefined || !known(config, 'app')) return [];
      if (!Object.values(config.accounts).some((a) => usesPlatformImages(a))) return [];
      const fix =
        'ECR refuses two of "-", "_", "." in a row in a repository name (<app>-platform/<class>/services/<name>, docs/images.md): rename it';
      const issues: ConfigIssue[] = [];
      const bad = (name: string) => !ECR_REPOSITORY_NAME.test(name);
      if (bad(imageRepositoryName(app, 'protected', { kind: 'service', name: 'x' })))
        issues.push({ path: 'app', message: `'${app}': ${fix}` });
      for (const [kind, units] of [
        ['service', config.services ?? {}],
        ['job', config.jobs ?? {}],
      ] as const)
        for (const name of Object.keys(units))
          if (bad(imageRepositoryName('x', 'protected', { kind, name })))
            issues.push({ path: `${kind}s.${name}`, message: `'${name}': ${fix}` });
      return issues;
    },
  },
];
