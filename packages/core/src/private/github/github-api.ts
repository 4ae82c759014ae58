import type { GithubApi, GithubRequest } from './pr-status.js';

export interface GithubFetchOptions {
  /** GITHUB_TOKEN (never logged). */
  readonly token: string;
  /** GITHUB_API_URL. @default 'https://api.github.com' */
  readonly apiUrl?: string | undefined;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

/**
 * The thin adapter: one GitHub REST request per call with the token, JSON in and out; a non-2xx
 * answer rejects with the method, path, status and the start of GitHub's message.
 */
export function githubFetchApi(options: GithubFetchOptions): GithubApi {
  const send = options.fetch ?? globalThis.fetch;
  const root = (options.apiUrl || 'https://api.github.com').replace(/\/+$/, '');
  return async (request: GithubRequest) => {
    const response = await send(`${root}${request.path}`, {
      method: request.method,
      headers: {
        accept: 'application/vnd.github+json',
        authorization: `Bearer ${options.token}`,
        'x-github-api-version': '2022-11-28',
        'user-agent': 'branch-env',
        ...(request.body ? { 'content-type': 'application/json' } : {}),
      },
      ...(request.body ? { body: JSON.stringify(request.body) } : {}),
    });
    const text = await response.text();
    if (!response.ok) {
      throw new Error(
        `${request.method} ${request.path.split('?')[0]}: HTTP ${response.status} ${text.slice(0, 300)}`,
      );
    }
    return text === '' ? undefined : (JSON.parse(text) as unknown);
  };
}
