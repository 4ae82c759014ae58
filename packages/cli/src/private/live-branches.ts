import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '@branch-env/core';
import type { Io } from './io.js';

/** Branch names from `git ls-remote --heads` output or a plain list (one per line). */
export function parseBranchList(text: string): string[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'))
    .map((line) => line.split(/\s+/).pop() ?? '')
    .map((b) => (b.startsWith('refs/heads/') ? b.slice('refs/heads/'.length) : b))
    .filter((b) => b.length > 0);
}

/** Follow GitHub's `Link: <...>; rel="next"` pagination header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const m = /<([^>]+)>\s*;\s*rel="next"/.exec(part);
    if (m) return m[1];
  }
  return undefined;
}

async function fromGitHub(io: Io, fetchImpl: typeof fetch): Promise<string[]> {
  const token = io.env.GITHUB_TOKEN;
  const repo = io.env.GITHUB_REPOSITORY;
  if (!token || !repo) {
    throw new UserError(
      '--branches-from github needs GITHUB_TOKEN and GITHUB_REPOSITORY',
      'run it in GitHub Actions (env: GITHUB_TOKEN: ${{ github.token }}) or use --branches-from git',
    );
  }
  const api = io.env.GITHUB_API_URL ?? 'https://api.github.com';
  const names: string[] = [];
  let url: string | undefined = `${api}/repos/${repo}/branches?per_page=100`;
  while (url) {
    const res = await fetchImpl(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/vnd.github+json',
        'x-github-api-version': '2022-11-28',
      },
    });
    if (!res.ok) {
      throw new UserError(
        `GitHub API ${res.status} listing branches of ${repo}`,
        'check GITHUB_TOKEN can read the repository (permissions: contents: read)',
      );
    }
    const page = (await res.json()) as { name?: string }[];
    for (const b of page) if (b.name) names.push(b.name);
    url = nextLink(res.headers.get('link'));
  }
  return names;
}

/** Why git failed: the first line git wrote to stderr, else the error's own first line. */
function gitCause(error: unknown): string {
  const e = (error ?? {}) as { stderr?: unknown; message?: unknown; code?: unknown };
  const stderr = typeof e.stderr === 'string' ? e.stderr : '';
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (line) return line;
  if (e.code === 'ENOENT') return 'git is not installed (or not on PATH)';
  return String(e.message ?? error).split('\n')[0] ?? '';
}

async function fromGit(io: Io): Promise<string[]> {
  try {
    const { stdout } = await promisify(execFile)('git', ['ls-remote', '--heads', 'origin'], {
      cwd: io.cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    return parseBranchList(stdout);
  } catch (error) {
    throw new UserError(
      `git ls-remote --heads origin failed: ${gitCause(error)}`,
      'run reap inside a clone whose origin is reachable, or pass --branches-from github|<file>',
    );
  }
}

/** The live branches: `git` (ls-remote origin), `github` (REST API), or a file (`-` = stdin). */
export async function liveBranches(
  source: string,
  io: Io,
  fetchImpl: typeof fetch = fetch,
): Promise<Set<string>> {
  if (source === 'git') return new Set(await fromGit(io));
  if (source === 'github') return new Set(await fromGitHub(io, fetchImpl));
  let text: string;
  try {
    text = readFileSync(source === '-' ? 0 : resolve(io.cwd, source), 'utf8');
  } catch (e) {
    throw new UserError(
      `cannot read the branch list ${source}: ${(e as Error).message}`,
      'pass git, github, or a file with one branch per line (`git ls-remote --heads` output works)',
    );
  }
  return new Set(parseBranchList(text));
}
