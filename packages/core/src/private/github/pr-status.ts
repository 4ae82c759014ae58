import {
  isBranchEnvComment,
  mayReplaceComment,
  renderPrComment,
  type PrCommentInput,
  type PrCommentStatus,
} from './pr-comment.js';

/**
 * The pull request's live status: the one sticky comment and a GitHub deployment per environment,
 * as GitHub REST requests built by pure functions, and {@link publishPrStatus} sending them
 * through an injected {@link GithubApi} (a thin fetch adapter in `github-api.ts`; tests pass a fake).
 */

export interface Repo {
  readonly owner: string;
  readonly repo: string;
}

export interface GithubRequest {
  readonly method: 'GET' | 'POST' | 'PATCH';
  /** Path and query, starting with `/`, every dynamic segment URI-encoded. */
  readonly path: string;
  readonly body?: Readonly<Record<string, unknown>>;
}

/** Sends one request; resolves to the parsed JSON answer, rejects on a non-2xx status. */
export type GithubApi = (request: GithubRequest) => Promise<unknown>;

/** GitHub's deployment status states. */
export type DeploymentState = 'in_progress' | 'success' | 'failure' | 'error' | 'inactive';

/** The login of the token the workflows use (GITHUB_TOKEN): only its own comment is edited. */
const ACTIONS_BOT_LOGIN = 'github-actions[bot]';

const e = encodeURIComponent;
const base = (r: Repo) => `/repos/${e(r.owner)}/${e(r.repo)}`;

/** `owner/repo` (GITHUB_REPOSITORY) as a {@link Repo}; undefined when it is not that shape. */
export function parseRepo(fullName: string | undefined): Repo | undefined {
  const m = /^([\w.-]+)\/([\w.-]+)$/.exec(fullName ?? '');
  return m ? { owner: m[1]!, repo: m[2]! } : undefined;
}

const PAGE_SIZE = 100;

function listCommentsRequest(repo: Repo, pr: number, page: number): GithubRequest {
  return {
    method: 'GET',
    path: `${base(repo)}/issues/${pr}/comments?per_page=${PAGE_SIZE}&page=${page}`,
  };
}

function createCommentRequest(repo: Repo, pr: number, body: string): GithubRequest {
  return { method: 'POST', path: `${base(repo)}/issues/${pr}/comments`, body: { body } };
}

function updateCommentRequest(repo: Repo, commentId: number, body: string): GithubRequest {
  return { method: 'PATCH', path: `${base(repo)}/issues/comments/${commentId}`, body: { body } };
}

/** Pull requests (open and closed, newest first) whose head is `branch` of this repository. */
export function pullRequestsForBranchRequest(repo: Repo, branch: string): GithubRequest {
  return {
    method: 'GET',
    path: `${base(repo)}/pulls?state=all&per_page=${PAGE_SIZE}&head=${e(`${repo.owner}:${branch}`)}`,
  };
}

export interface DeploymentSpec {
  /** The commit deployed (a SHA, so GitHub never merges anything: auto_merge is off). */
  readonly ref: string;
  /** The branch-env environment name: one GitHub environment per branch-env environment. */
  readonly environment: string;
  readonly production: boolean;
  /** Will go away (unprotected environments: TTL, branch delete). */
  readonly transient: boolean;
}

/**
 * POST /repos/{owner}/{repo}/deployments. `required_contexts: []`: the deploy already runs (the
 * default would refuse while the commit's checks are pending); `auto_merge: false`: never merge.
 */
export function createDeploymentRequest(repo: Repo, spec: DeploymentSpec): GithubRequest {
  return {
    method: 'POST',
    path: `${base(repo)}/deployments`,
    body: {
      ref: spec.ref,
      environment: spec.environment,
      auto_merge: false,
      required_contexts: [],
      transient_environment: spec.transient,
      production_environment: spec.production,
      description: `branch-env ${spec.environment}`.slice(0, 140),
    },
  };
}

export interface DeploymentStatusSpec {
  readonly state: DeploymentState;
  /** Only with `success`: the "View deployment" link. */
  readonly environmentUrl?: string | undefined;
  /** The workflow run. */
  readonly logUrl?: string | undefined;
  readonly description?: string | undefined;
}

/** POST /repos/{owner}/{repo}/deployments/{id}/statuses. */
export function deploymentStatusRequest(
  repo: Repo,
  deploymentId: number,
  spec: DeploymentStatusSpec,
): GithubRequest {
  return {
    method: 'POST',
    path: `${base(repo)}/deployments/${deploymentId}/statuses`,
    body: {
      state: spec.state,
      ...(spec.state === 'success' && spec.environmentUrl
        ? { environment_url: spec.environmentUrl }
        : {}),
      ...(spec.logUrl ? { log_url: spec.logUrl } : {}),
      // GitHub caps the description at 140 characters.
      ...(spec.description ? { description: spec.description.slice(0, 140) } : {}),
    },
  };
}

/** GET the environment's latest deployments (to mark them inactive when it is destroyed). */
export function listDeploymentsRequest(repo: Repo, environment: string): GithubRequest {
  return {
    method: 'GET',
    path: `${base(repo)}/deployments?environment=${e(environment)}&per_page=${PAGE_SIZE}`,
  };
}

/**
 * The deployment state of a comment status. `destroyed` marks every deployment of the environment
 * inactive; `destroy-failed` and `destroying` leave them (something may still run).
 */
export function deploymentState(status: PrCommentStatus): DeploymentState | undefined {
  switch (status) {
    case 'deploying':
      return 'in_progress';
    case 'deployed':
      return 'success';
    case 'failed':
      return 'failure';
    case 'superseded':
      return 'error';
    case 'destroyed':
      return 'inactive';
    default:
      return undefined;
  }
}

const DESCRIPTION: Partial<Record<PrCommentStatus, string>> = {
  deploying: 'branch-env is deploying the environment',
  deployed: 'deployed by branch-env',
  failed: 'the deploy failed; the pull request comment says which resource and why',
  superseded: 'cancelled: superseded by a newer run of this environment',
  destroyed: 'destroyed',
};

interface Comment {
  readonly id: number;
  readonly body?: string | null;
  readonly user?: { readonly login?: string } | null;
}

/** This workflow's own comment: the bot's, carrying the marker (never a person's or app's copy). */
function findOwnComment(comments: readonly Comment[]): Comment | undefined {
  return comments.find((c) => c.user?.login === ACTIONS_BOT_LOGIN && isBranchEnvComment(c.body));
}

interface PullRequest {
  readonly number: number;
  readonly head?: { readonly ref?: string; readonly repo?: { readonly full_name?: string } | null };
}

/** The newest pull request from `branch` of this repository (never a fork's same-named branch). */
export function pullRequestOfBranch(
  pulls: readonly PullRequest[],
  repo: Repo,
  branch: string,
): number | undefined {
  const full = `${repo.owner}/${repo.repo}`.toLowerCase();
  return pulls.find(
    (p) => p.head?.ref === branch && (p.head.repo?.full_name ?? '').toLowerCase() === full,
  )?.number;
}

export interface PublishOptions {
  readonly repo: Repo;
  /** The pull request to comment on; none: only the deployment is updated. */
  readonly pullRequest?: number | undefined;
  readonly comment: PrCommentInput;
  /** The GitHub deployment; none: no deployment is created or updated. */
  readonly deployment?:
    | (DeploymentSpec & {
        /** The deployment this run created at deploy start (`deployment-id`). */
        readonly id?: number | undefined;
        readonly logUrl?: string | undefined;
      })
    | undefined;
}

export interface PublishResult {
  readonly comment: 'created' | 'updated' | 'unchanged' | 'newer-run' | 'none';
  readonly deploymentId?: number;
  /** What could not be done (the other half still was): for the log, not fatal. */
  readonly warnings: readonly string[];
}

const idOf = (v: unknown): number | undefined => {
  const id = (v as { id?: unknown } | null)?.id;
  return typeof id === 'number' ? id : undefined;
};

async function publishDeployment(
  api: GithubApi,
  options: PublishOptions,
): Promise<number | undefined> {
  const d = options.deployment;
  const state = deploymentState(options.comment.status);
  if (!d || !state) return d?.id;
  const status = (id: number) =>
    deploymentStatusRequest(options.repo, id, {
      state,
      environmentUrl: options.comment.url ?? undefined,
      logUrl: d.logUrl,
      description: DESCRIPTION[options.comment.status],
    });
  if (state === 'inactive') {
    const list = await api(listDeploymentsRequest(options.repo, d.environment));
    for (const id of (Array.isArray(list) ? list : []).map(idOf)) {
      if (id !== undefined) await api(status(id));
    }
    return d.id;
  }
  const id = d.id ?? idOf(await api(createDeploymentRequest(options.repo, d)));
  if (id === undefined) throw new Error('GitHub answered the deployment request without an id');
  await api(status(id));
  return id;
}

async function publishComment(
  api: GithubApi,
  options: PublishOptions,
): Promise<PublishResult['comment']> {
  const pr = options.pullRequest;
  if (pr === undefined) return 'none';
  const body = renderPrComment(options.comment);
  const comments: Comment[] = [];
  for (let page = 1; page <= 50; page++) {
    const got = await api(listCommentsRequest(options.repo, pr, page));
    const list = Array.isArray(got) ? (got as Comment[]) : [];
    comments.push(...list);
    if (list.length < PAGE_SIZE) break;
  }
  const mine = findOwnComment(comments);
  if (!mine) {
    await api(createCommentRequest(options.repo, pr, body));
    return 'created';
  }
  if (!mayReplaceComment(mine.body, options.comment.runId)) return 'newer-run';
  if (mine.body === body) return 'unchanged';
  await api(updateCommentRequest(options.repo, mine.id, body));
  return 'updated';
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Bring the pull request comment and the GitHub deployment to `options.comment.status`. The two
 * are independent: a failure of one is a warning and the other is still done; it throws only when
 * both failed.
 */
export async function publishPrStatus(
  api: GithubApi,
  options: PublishOptions,
): Promise<PublishResult> {
  const warnings: string[] = [];
  let deploymentId: number | undefined;
  let deploymentFailed = false;
  try {
    deploymentId = await publishDeployment(api, options);
  } catch (error) {
    deploymentFailed = true;
    warnings.push(`the GitHub deployment was not updated: ${message(error)}`);
  }
  let comment: PublishResult['comment'] = 'none';
  try {
    comment = await publishComment(api, options);
  } catch (error) {
    if (deploymentFailed || !options.deployment) throw error;
    warnings.push(`the pull request comment was not updated: ${message(error)}`);
  }
  return { comment, ...(deploymentId !== undefined ? { deploymentId } : {}), warnings };
}
