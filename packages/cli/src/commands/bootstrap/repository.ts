import { execFileSync } from 'node:child_process';
import { UserError } from '@branch-env/core';

/** `owner/repo` from a GitHub remote URL (https, ssh or scp-like), or undefined. */
export function githubRepositoryOf(remoteUrl: string): string | undefined {
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?github\.com\/|(?:ssh:\/\/)?git@github\.com[:/])([A-Za-z0-9-]+\/[A-Za-z0-9._-]+?)(?:\.git)?\/?$/.exec(
      remoteUrl.trim(),
    );
  return m?.[1];
}

/** The repository: --repository, else $GITHUB_REPOSITORY, else the `origin` remote of `cwd`. */
export function repositoryFrom(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  cwd: string,
): string {
  if (explicit) return explicit;
  if (env.GITHUB_REPOSITORY) return env.GITHUB_REPOSITORY;
  let remote = '';
  try {
    remote = execFileSync('git', ['remote', 'get-url', 'origin'], {
      cwd,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    // not a git clone, or no origin: fall through to the error below
  }
  const repository = githubRepositoryOf(remote);
  if (!repository) {
    throw new UserError(
      remote
        ? `the origin remote '${remote.trim()}' is not a github.com repository`
        : 'cannot tell which GitHub repository to trust: no --repository and no origin remote',
      'pass --repository <owner>/<repo>',
    );
  }
  return repository;
}
