import {
  deployProgress,
  progressText,
  runJobsRequest,
  type DeployProgress,
} from './pr-progress.js';
import { randomUUID } from 'node:crypto';
import type { PrCommentInput, PrCommentStatus } from './pr-comment.js';
import { diffStacks, firstFailure, planFigures, type DeployFailure } from './pr-sections.js';
import {
  parseRepo,
  publishPrStatus,
  pullRequestOfBranch,
  pullRequestsForBranchRequest,
  type GithubApi,
  type Repo,
} from './pr-status.js';

/**
 * The workflows' reporting step (`.github/scripts/pr-status.mjs` calls {@link runPrStatusStep}):
 * every value arrives in an environment variable (never `${{ }}` in a script), files are read
 * through `deps`, outputs are written as GITHUB_OUTPUT heredocs. `BRANCH_ENV_REPORT` says what to
 * do:
 *
 * - `status`: bring the pull request comment and the GitHub deployment to STATUS (or the status
 *   DEPLOY_RESULT / DESTROY_RESULT imply); outputs `deployment-id`;
 * - `failure`: the first failed resource of `timeline --json` (TIMELINE_FILE) since SINCE; outputs
 *   `failure` (JSON, empty when none);
 * - `diff`: the compact `diff --json` (DIFF_FILE); outputs `diff` (JSON, empty when unreadable);
 * - `reaped`: for each environment `reap --json` (REAP_FILE) destroyed, the pull request of its
 *   branch gets "destroyed" with the reaper's reasons, and its deployments turn inactive.
 */

export type Env = Readonly<Record<string, string | undefined>>;

export interface StepDeps {
  readonly api: GithubApi;
  /** The file's text; undefined when it does not exist. */
  readonly readFile: (path: string) => string | undefined;
  readonly appendFile: (path: string, text: string) => void;
  readonly log: (line: string) => void;
  readonly now?: () => Date;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The status a finished run reports, from its jobs' results (`success`, `failure`, `cancelled`, `skipped`). */
export function statusFromResults(deploy: string, destroy: string): PrCommentStatus {
  // cancelled: replaced while pending by a newer run of the environment (the concurrency group
  // keeps one pending job), or stopped; not a failure of the environment.
  if (deploy === 'cancelled' || destroy === 'cancelled') return 'superseded';
  if (deploy !== '' && deploy !== 'skipped') return deploy === 'success' ? 'deployed' : 'failed';
  return destroy === 'success' ? 'destroyed' : 'destroy-failed';
}

const STATUSES = new Set<PrCommentStatus>([
  'deploying',
  'deployed',
  'failed',
  'destroying',
  'destroyed',
  'destroy-failed',
  'superseded',
]);

/** Text for a workflow command (`::warning::…`): the runner decodes %25, %0D and %0A. */
export function commandText(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A GITHUB_OUTPUT entry that holds any value (a heredoc with a delimiter the value lacks). */
export function outputEntry(name: string, value: string): string {
  let delimiter = `ghadelimiter_${randomUUID()}`;
  while (value.includes(delimiter)) delimiter = `ghadelimiter_${randomUUID()}`;
  return `${name}<<${delimiter}\n${value}\n${delimiter}\n`;
}

function json(text: string | undefined): unknown {
  if (!text || text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const positive = (v: string | undefined): number | undefined => {
  const n = Number(v);
  return v && Number.isInteger(n) && n > 0 ? n : undefined;
};
const date = (v: string | undefined): Date | undefined => {
  const t = Date.parse(v ?? '');
  return Number.isNaN(t) ? undefined : new Date(t);
};

function failureOf(text: string | undefined): DeployFailure | undefined {
  const f = json(text) as Partial<DeployFailure> | undefined;
  return f && typeof f.logicalId === 'string' && typeof f.reason === 'string'
    ? {
        stack: String(f.stack ?? ''),
        logicalId: f.logicalId,
        type: String(f.type ?? ''),
        reason: f.reason,
        ...(typeof f.at === 'string' ? { at: f.at } : {}),
      }
    : undefined;
}

interface Context {
  readonly repo: Repo;
  readonly runId: number | undefined;
  readonly runUrl: string | undefined;
  readonly now: Date;
}

function contextOf(env: Env, now: Date): Context {
  const repo = parseRepo(env.GITHUB_REPOSITORY);
  if (!repo)
    throw new Error(`GITHUB_REPOSITORY '${env.GITHUB_REPOSITORY ?? ''}' is not owner/repo`);
  const runId = positive(env.GITHUB_RUN_ID);
  const server = (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '');
  return {
    repo,
    runId,
    runUrl:
      runId === undefined
        ? undefined
        : `${server}/${repo.owner}/${repo.repo}/actions/runs/${runId}`,
    now,
  };
}

function output(env: Env, deps: StepDeps, name: string, value: string): void {
  if (env.GITHUB_OUTPUT) deps.appendFile(env.GITHUB_OUTPUT, outputEntry(name, value));
  else deps.log(`${name}=${value}`);
}

function warn(deps: StepDeps, warnings: readonly string[]): void {
  for (const w of warnings) deps.log(`::warning::${commandText(w)}`);
}

async function status(
  env: Env,
  deps: StepDeps,
  ctx: Context,
  follow?: { readonly progress: string },
): Promise<void> {
  // Following the deploy is only ever 'deploying'.
  const requested = follow ? 'deploying' : (env.STATUS as PrCommentStatus | undefined);
  const status =
    requested && STATUSES.has(requested)
      ? requested
      : statusFromResults(env.DEPLOY_RESULT ?? '', env.DESTROY_RESULT ?? '');
  const environment = env.ENVIRONMENT ?? '';
  const branch = env.BRANCH ?? '';
  if (!environment || !branch) throw new Error('ENVIRONMENT and BRANCH must be set');
  const planJson = env.PLAN_JSON_FILE ? json(deps.readFile(env.PLAN_JSON_FILE)) : undefined;
  const plan = env.PLAN_FILE ? deps.readFile(env.PLAN_FILE) : undefined;
  const diff = diffStacks(json(env.DIFF));
  const cost = env.COST_PER_HOUR ? Number(env.COST_PER_HOUR) : undefined;
  const protectedEnv = env.PROTECTED === 'true';
  const comment: PrCommentInput = {
    environment,
    branch,
    account: env.ACCOUNT ?? '',
    status,
    protected: protectedEnv,
    ttlHours: env.TTL_HOURS ? Number(env.TTL_HOURS) : null,
    url: env.URL || null,
    costPerHour: cost !== undefined && Number.isFinite(cost) ? cost : undefined,
    now: ctx.now,
    commit: env.COMMIT || undefined,
    runUrl: ctx.runUrl,
    runId: ctx.runId,
    plan,
    figures: planFigures(planJson),
    startedAt: date(env.STARTED_AT),
    // production deploys wait for the reviewed GitHub environment (deploy-reviewed)
    awaitingReview: status === 'deploying' && env.PRODUCTION === 'true',
    failure: failureOf(env.FAILURE),
    ended:
      status === 'destroyed' || status === 'destroy-failed'
        ? { at: ctx.now, reason: env.ENDED_REASON || 'destroyed' }
        : undefined,
    diff: diff && (diff.stacks.length > 0 || diff.omitted > 0) ? diff : undefined,
    progress: follow?.progress,
  };
  const result = await publishPrStatus(deps.api, {
    repo: ctx.repo,
    pullRequest: positive(env.PR_NUMBER),
    comment,
    // Progress moves the comment only: the deployment is already in progress.
    deployment:
      env.COMMIT && !follow
        ? {
            ref: env.COMMIT,
            environment,
            production: env.PRODUCTION === 'true',
            transient: !protectedEnv,
            id: positive(env.DEPLOYMENT_ID),
            logUrl: ctx.runUrl,
          }
        : undefined,
  });
  warn(deps, result.warnings);
  deps.log(
    `branch-env: ${status}: comment ${result.comment}${result.deploymentId ? `, deployment ${result.deploymentId}` : ''}`,
  );
  output(env, deps, 'deployment-id', result.deploymentId ? String(result.deploymentId) : '');
}

function failure(env: Env, deps: StepDeps): void {
  const timeline = env.TIMELINE_FILE ? json(deps.readFile(env.TIMELINE_FILE)) : undefined;
  const found = firstFailure(timeline, date(env.SINCE));
  deps.log(
    found
      ? `failed: ${found.logicalId} (${found.type}) in ${found.stack}`
      : 'no failed CloudFormation resource since the deploy started',
  );
  output(env, deps, 'failure', found ? JSON.stringify(found) : '');
}

function diff(env: Env, deps: StepDeps): void {
  const found = diffStacks(env.DIFF_FILE ? json(deps.readFile(env.DIFF_FILE)) : undefined);
  output(env, deps, 'diff', found ? JSON.stringify(found) : '');
}

interface ReapDocument {
  readonly decisions?: readonly {
    readonly environment?: string;
    readonly branch?: string;
    readonly action?: string;
    readonly reasons?: readonly string[];
  }[];
  readonly results?: readonly {
    readonly environment?: string;
    readonly report?: { readonly clean?: boolean };
    readonly error?: string;
  }[];
  readonly dryRun?: boolean;
}

/** What the reaper destroyed (or tried to), with the branch and the reasons (pure). */
export function reapedEnvironments(reap: unknown): {
  readonly environment: string;
  readonly branch: string;
  readonly status: 'destroyed' | 'destroy-failed';
  readonly reason: string;
}[] {
  const doc = (reap ?? {}) as ReapDocument;
  if (doc.dryRun === true) return [];
  const out = [];
  for (const r of doc.results ?? []) {
    if (!r.environment || (r.report === undefined && r.error === undefined)) continue;
    const d = (doc.decisions ?? []).find((x) => x.environment === r.environment);
    if (!d?.branch) continue;
    out.push({
      environment: r.environment,
      branch: d.branch,
      status: r.report?.clean === true ? ('destroyed' as const) : ('destroy-failed' as const),
      reason: `the reaper: ${(d.reasons ?? []).join('; ') || 'branch gone or TTL expired'}`,
    });
  }
  return out;
}

async function reaped(env: Env, deps: StepDeps, ctx: Context): Promise<void> {
  const gone = reapedEnvironments(env.REAP_FILE ? json(deps.readFile(env.REAP_FILE)) : undefined);
  for (const r of gone) {
    let pr: number | undefined;
    try {
      const pulls = await deps.api(pullRequestsForBranchRequest(ctx.repo, r.branch));
      pr = pullRequestOfBranch(Array.isArray(pulls) ? pulls : [], ctx.repo, r.branch);
      const result = await publishPrStatus(deps.api, {
        repo: ctx.repo,
        pullRequest: pr,
        comment: {
          environment: r.environment,
          branch: r.branch,
          account: env.ACCOUNT ?? '',
          status: r.status,
          protected: false,
          ttlHours: null,
          now: ctx.now,
          runUrl: ctx.runUrl,
          runId: ctx.runId,
          ended: { at: ctx.now, reason: r.reason },
        },
        // Destroyed: every deployment of the environment turns inactive (no ref needed).
        deployment:
          r.status === 'destroyed'
            ? { ref: '', environment: r.environment, production: false, transient: true }
            : undefined,
      });
      warn(deps, result.warnings);
      deps.log(
        `branch-env: ${r.environment}: ${r.status}; pull request ${pr ?? 'none'}: comment ${result.comment}`,
      );
    } catch (error) {
      // One environment's report does not stop the others'.
      deps.log(
        `::warning::${commandText(`reporting ${r.environment} on its pull request failed: ${error instanceof Error ? error.message : String(error)}`)}`,
      );
    }
  }
}

/**
 * `progress`: follow the run's deploy job and put its current step on the "deploying" comment
 * each time the step changes, until the job ends, waits for reviewers, or `PROGRESS_MINUTES`
 * (default 30) pass. Reading the run's jobs failing stops the following, never the step.
 */
async function followDeploy(env: Env, deps: StepDeps, ctx: Context): Promise<void> {
  const environment = env.ENVIRONMENT ?? '';
  if (ctx.runId === undefined || !environment) {
    deps.log('branch-env: no GITHUB_RUN_ID or ENVIRONMENT: no deploy to follow');
    return;
  }
  const attempt = positive(env.GITHUB_RUN_ATTEMPT) ?? 1;
  const interval = (positive(env.PROGRESS_INTERVAL_SECONDS) ?? 20) * 1000;
  const limit = (positive(env.PROGRESS_MINUTES) ?? 30) * 60_000;
  const clock = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const start = clock().getTime();
  let shown: string | undefined;
  for (;;) {
    let progress: DeployProgress;
    try {
      progress = deployProgress(
        await deps.api(runJobsRequest(ctx.repo, ctx.runId, attempt)),
        environment,
      );
    } catch (error) {
      warn(deps, [
        `following the deploy stopped: ${error instanceof Error ? error.message : String(error)}`,
      ]);
      return;
    }
    if (progress.state !== 'in_progress' && progress.state !== 'queued') {
      deps.log(`branch-env: the deploy job is ${progress.state}: following ends`);
      return;
    }
    const now = clock();
    const step = progress.state === 'in_progress' ? `${progress.step.number}` : undefined;
    if (step !== undefined && step !== shown) {
      const text = progressText(progress, now)!;
      await status(env, deps, { ...ctx, now }, { progress: text });
      shown = step;
    }
    if (now.getTime() - start >= limit) {
      deps.log('branch-env: following the deploy: time is up');
      return;
    }
    await sleep(interval);
  }
}

/** Run the step; resolves when done, rejects (the step fails) when the report could not be made. */
export async function runPrStatusStep(env: Env, deps: StepDeps): Promise<void> {
  const now = deps.now?.() ?? new Date();
  switch (env.BRANCH_ENV_REPORT) {
    case 'status':
      return status(env, deps, contextOf(env, now));
    case 'failure':
      return failure(env, deps);
    case 'diff':
      return diff(env, deps);
    case 'reaped':
      return reaped(env, deps, contextOf(env, now));
    case 'progress':
      return followDeploy(env, deps, contextOf(env, now));
    default:
      throw new Error(
        `BRANCH_ENV_REPORT must be status, progress, failure, diff or reaped (got '${env.BRANCH_ENV_REPORT ?? ''}')`,
      );
  }
}
