import { existsSync, readFileSync } from 'node:fs';
import type { ServiceImage } from '../service/service.js';
import { join } from 'node:path';

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
  // Always left out, whatever the ignore file says: dependencies, git, cloud assemblies (a
  // cloud assembly inside the context would be copied into the next one, recursively) and the
  // workflows' checkout of branch-env's actions (docs/github.md).
  const always = ['**/node_modules', '.git', '**/cdk.out', '**/cdk.out*', '.branch-env'];
  return {
    directory: root,
    file: dockerfile,
    exclude: [...new Set([...(exclude ?? []), ...always])],
    ...(extra.target !== undefined ? { target: extra.target } : {}),
    ...(extra.buildArgs !== undefined ? { buildArgs: extra.buildArgs } : {}),
  };
}
