import type { GithubRequest, Repo } from './pr-status.js';

/**
 * The deploy's progress, for the "deploying" comment while it runs. The deploy job runs the
 * branch's own code with AWS credentials, so it holds no token that writes to the pull request;
 * the announce job (no AWS) reads the run's jobs instead (`actions: read`) and reports the deploy
 * job's current step. Pure: the request, and the progress read from GitHub's answer.
 */

/** The jobs of this attempt of the run (`GET /repos/{o}/{r}/actions/runs/{id}/attempts/{n}/jobs`). */
export function runJobsRequest(repo: Repo, runId: number, attempt: number): GithubRequest {
  return {
    method: 'GET',
    path: `/repos/${repo.owner}/${repo.repo}/actions/runs/${runId}/attempts/${attempt}/jobs?per_page=100`,
  };
}

/** Where the deploy job is. */
export type DeployProgress =
  | { readonly state: 'absent' }
  | { readonly state: 'queued' | 'waiting' | 'completed' }
  | {
      readonly state: 'in_progress';
      /** The step running now (or the last finished one), 1-based, of `count`. */
      readonly step: { readonly name: string; readonly number: number; readonly count: number };
      readonly startedAt: Date | undefined;
    };

interface JobStep {
  readonly name?: unknown;
  readonly status?: unknown;
  readonly number?: unknown;
}
interface Job {
  readonly name?: unknown;
  readonly status?: unknown;
  readonly started_at?: unknown;
  readonly steps?: readonly JobStep[];
}

/** GitHub's own bookkeeping steps, never shown as progress. */
const HOUSEKEEPING = /^(Set up job|Complete job|Post .*)$/;

/**
 * The deploy job of the run (the first job named `deploy <environment>`, the reviewed one too)
 * and its current step. Anything GitHub answers that is not a jobs list reads as `absent`.
 */
export function deployProgress(answer: unknown, environment: string): DeployProgress {
  const jobs = (answer as { jobs?: unknown } | undefined)?.jobs;
  if (!Array.isArray(jobs)) return { state: 'absent' };
  const job = (jobs as Job[]).find(
    (j) =>
      typeof j.name === 'string' &&
      (j.name === `deploy ${environment}` || j.name === `deploy ${environment} (reviewed)`),
  );
  if (!job) return { state: 'absent' };
  if (job.status === 'completed') return { state: 'completed' };
  if (job.status === 'waiting') return { state: 'waiting' };
  if (job.status !== 'in_progress') return { state: 'queued' };
  const steps = (job.steps ?? []).filter(
    (s) => typeof s.name === 'string' && !HOUSEKEEPING.test(s.name),
  );
  const current =
    steps.find((s) => s.status === 'in_progress') ??
    [...steps].reverse().find((s) => s.status === 'completed') ??
    steps[0];
  const started = typeof job.started_at === 'string' ? new Date(job.started_at) : undefined;
  return {
    state: 'in_progress',
    step: {
      name: current ? String(current.name) : 'starting',
      number: current ? steps.indexOf(current) + 1 : 0,
      count: steps.length,
    },
    startedAt: started && !Number.isNaN(started.getTime()) ? started : undefined,
  };
}

/** One line for the comment (and the deployment's description): `step 6 of 14: deploy (4 min in)`. */
export function progressText(progress: DeployProgress, now: Date): string | undefined {
  if (progress.state !== 'in_progress') return undefined;
  const { name, number, count } = progress.step;
  const elapsed =
    progress.startedAt === undefined
      ? ''
      : ` (${Math.max(0, Math.round((now.getTime() - progress.startedAt.getTime()) / 60_000))} min in)`;
  return `step ${number} of ${count}: ${name}${elapsed}`;
}
