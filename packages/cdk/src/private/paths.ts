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
  return dockerImage(repositoryRoot(), 'apps/api/Dockerfile');
}

/**
 * An image built from `dockerfile` (relative to `context`), excluding what `<dockerfile>.dockerignore`
 * next to it excludes (BuildKit's per-Dockerfile ignore file; CDK reads `<context>/.dockerignore`
 * itself), and always dependencies, git and cloud assemblies.
 */
export function dockerImage(
  context: string,
  dockerfile: string,
  extra: Pick<ServiceImage, 'target' | 'buildArgs'> = {},
): ServiceImage {
  const root = context;
  const ignoreFile = join(root, `${dockerfile}.dockerignore`);
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
    file: dockerfile,
    exclude: [...new Set([...(exclude ?? []), ...always])],
    ...(extra.target !== undefined ? { target: extra.target } : {}),
    ...(extra.buildArgs !== undefined ? { buildArgs: extra.buildArgs } : {}),
  };
}

/** `apps/web/dist`: the static site build, when `npm run build` has produced it. */
export function defaultSiteDirectory(): string | undefined {
  const dir = join(repositoryRoot(), 'apps', 'web', 'dist');
  return existsSync(dir) ? dir : undefined;
}
