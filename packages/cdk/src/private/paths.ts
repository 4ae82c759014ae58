import { existsSync, readFileSync } from 'node:fs';
import type { ServiceImage } from '../service/service.js';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Root of this repository, found from the location of the compiled package (dist/private/). */
export function repositoryRoot(): string {
  return fileURLToPath(new URL('../../../../', import.meta.url));
}

/**
 * The sample service image: `apps/api/Dockerfile` with the repository root as build context (it
 * needs the workspace packages), excluding what `apps/api/Dockerfile.dockerignore` excludes
 * (docs/sample-service.md).
 */
export function defaultServiceImage(): ServiceImage {
  const root = repositoryRoot();
  const ignoreFile = join(root, 'apps', 'api', 'Dockerfile.dockerignore');
  const exclude = existsSync(ignoreFile)
    ? readFileSync(ignoreFile, 'utf8')
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0 && !l.startsWith('#'))
    : undefined;
  // Always left out, whatever the ignore file says: dependencies, git, and cloud assemblies (a
  // cloud assembly inside the context would be copied into the next one, recursively).
  const always = ['**/node_modules', '.git', '**/cdk.out', '**/cdk.out*'];
  return {
    directory: root,
    file: 'apps/api/Dockerfile',
    exclude: [...new Set([...(exclude ?? []), ...always])],
  };
}

/** `apps/web/dist`: the static site build, when `npm run build` has produced it. */
export function defaultSiteDirectory(): string | undefined {
  const dir = join(repositoryRoot(), 'apps', 'web', 'dist');
  return existsSync(dir) ? dir : undefined;
}
