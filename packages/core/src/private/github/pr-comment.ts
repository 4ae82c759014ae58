import { destroyCommand } from '../shell/commands.js';
import { jobRunFix, parseJobRunFailure, type ParsedJobRunFailure } from '../services/job-run.js';
import { mdCell, mdCode, mdCodeBlock, mdLink, mdText, mdUsd } from './markdown.js';
import { renderDiff, type DeployFailure, type DiffStack, type PlanFigures } from './pr-sections.js';

/**
 * The one pull-request comment branch-env keeps per pull request. The workflow finds it by the
 * hidden marker and edits it in place, so a pull request never collects a comment per push.
 * Every dynamic value goes through the GFM helpers of `markdown.ts`.
 */
export const PR_COMMENT_MARKER = '<!-- branch-env:pr-comment -->';

/**
 * Hidden line naming the workflow run that wrote the comment (`<!-- branch-env:run 123 -->`): a
 * run never overwrites what a newer run (a higher run id) wrote. See {@link commentRunId}.
 */
const RUN_MARKER = /<!-- branch-env:run (\d+) -->/;

/** GitHub rejects comment bodies over 65,536 characters. */
export const PR_COMMENT_MAX_CHARS = 65_536;

export type PrCommentStatus =
  | 'deploying'
  | 'deployed'
  | 'failed'
  | 'destroying'
  | 'destroyed'
  | 'destroy-failed'
  /**
   * The run's deploy or destroy job was cancelled: replaced while pending by a newer run of the
   * environment (its concurrency group keeps one pending job), or stopped (timeout, by hand). Not
   * a failure of the environment; what it runs now is unknown to this run.
   */
  | 'superseded';

export interface PrCommentInput {
  readonly environment: string;
  readonly branch: string;
  /** Account key (and id) the environment lives in. */
  readonly account: string;
  readonly status: PrCommentStatus;
  readonly protected: boolean;
  /** Hours after the last deploy; null for never. */
  readonly ttlHours: number | null;
  /** The environment's URL; known before deploy when it has a custom domain. @default undefined */
  readonly url?: string | null | undefined;
  /** Modelled cost in USD per hour. @default undefined (not shown) */
  readonly costPerHour?: number | null | undefined;
  /** When this comment is rendered (the deploy time for `deployed`). @default new Date() */
  readonly now?: Date | undefined;
  /** Commit the environment was built from. @default undefined */
  readonly commit?: string | undefined;
  /** Link to the workflow run. @default undefined */
  readonly runUrl?: string | undefined;
  /** Markdown of `branch-env plan --markdown` (resources, cost, time, compliance). @default undefined */
  readonly plan?: string | undefined;
  /**
   * The plan's figures (`planFigures(plan --json)`): the `deploying` comment shows the ETA, both
   * times labelled (push → URL, CloudFormation alone), resources and cost. @default undefined
   */
  readonly figures?: PlanFigures | undefined;
  /**
   * `deploying` to a production account: the deploy waits for a reviewer of the GitHub
   * environment, so the ETA cannot start yet. @default false
   */
  readonly awaitingReview?: boolean | undefined;
  /** When the deploy started (the ETA counts from it). @default `now` */
  readonly startedAt?: Date | undefined;
  /** `failed`: the resource that failed and CloudFormation's reason. @default undefined (unknown) */
  readonly failure?: DeployFailure | undefined;
  /** `destroyed` / `destroy-failed`: when and why (pull request closed, branch deleted, TTL). */
  readonly ended?: { readonly at: Date; readonly reason: string } | undefined;
  /** The infrastructure diff against what was deployed (`diffStacks(diff --json)`). @default undefined */
  readonly diff?: { readonly stacks: readonly DiffStack[]; readonly omitted: number } | undefined;
  /**
   * `deploying`: where the deploy job is now (`progressText()`: its step, minutes in), while the
   * announce job follows it. @default undefined (not shown)
   */
  readonly progress?: string | undefined;
  /** The workflow run writing the comment (GITHUB_RUN_ID), recorded in a hidden line. */
  readonly runId?: number | undefined;
}

const STATUS: Record<PrCommentStatus, string> = {
  deploying: '⏳ deploying',
  deployed: '✅ deployed',
  failed: '❌ deploy failed',
  destroying: '🧹 destroying',
  destroyed: '🗑️ destroyed',
  'destroy-failed': '❌ destroy failed (the reaper retries; see the run)',
  superseded:
    '⏭️ superseded: cancelled before it finished, by a newer run of this environment (or a timeout or a person; see the run)',
};

function utc(d: Date): string {
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

const minutes = (n: number) => `${Math.round(n * 10) / 10} min`;

/** The run id recorded in a comment {@link renderPrComment} wrote; undefined when none. */
export function commentRunId(body: string | null | undefined): number | undefined {
  const m = typeof body === 'string' ? RUN_MARKER.exec(body) : null;
  return m ? Number(m[1]) : undefined;
}

/**
 * Whether run `runId` may replace `body`: never over what a newer run wrote (a stale run that
 * finishes late must not turn a newer "deploying" back into its own result).
 */
export function mayReplaceComment(
  body: string | null | undefined,
  runId: number | undefined,
): boolean {
  const written = commentRunId(body);
  return written === undefined || runId === undefined || runId >= written;
}

/** True when `body` is the comment {@link renderPrComment} writes. */
export function isBranchEnvComment(body: string | null | undefined): boolean {
  return typeof body === 'string' && body.includes(PR_COMMENT_MARKER);
}

/**
 * Render the pull-request comment: status, URL, cost per hour, expiry, how to destroy, and the
 * plan. Pure; the marker appears exactly once (a plan that contains it has it removed).
 */
export function renderPrComment(input: PrCommentInput): string {
  const now = input.now ?? new Date();
  const gone =
    input.status === 'destroyed' ||
    input.status === 'destroying' ||
    input.status === 'destroy-failed';
  const rows: [string, string][] = [
    [
      'Status',
      input.status === 'deploying' && input.awaitingReview
        ? `${STATUS.deploying}: waiting for the production environment's reviewers to approve`
        : STATUS[input.status],
    ],
    ['Environment', mdCell(input.environment)],
    ['Branch', mdCell(input.branch)],
    ['Account', mdCell(input.account)],
  ];
  // This run does not know what a superseded run left running: no cost, no expiry. A failed
  // deploy has no URL to offer and no cost to promise.
  const known = input.status !== 'superseded' && input.status !== 'failed';
  const figures = input.figures ?? {};
  if (input.status === 'deploying') {
    if (input.progress) rows.push(['Progress', mdText(input.progress)]);
    const started = input.startedAt ?? now;
    if (figures.pushToUrlMinutes !== undefined) {
      const eta = new Date(started.getTime() + figures.pushToUrlMinutes * 60_000);
      const range = figures.pushToUrlRange
        ? ` (${minutes(figures.pushToUrlRange.low)} to ${minutes(figures.pushToUrlRange.high)})`
        : '';
      rows.push([
        'Ready (estimate)',
        `${input.awaitingReview ? 'after the approval,' : `about ${utc(eta)}:`} push → URL ${minutes(figures.pushToUrlMinutes)}${range}, modelled from the plan; it includes runner start, install, synth, change sets, CloudFormation, image build and push, and the health check`,
      ]);
    }
    if (figures.cloudFormationMinutes !== undefined) {
      rows.push([
        'CloudFormation',
        `${minutes(figures.cloudFormationMinutes)} of it (modelled critical path of a first create; an update is usually shorter)`,
      ]);
    }
    if (figures.resources !== undefined) {
      const stacks = figures.stacks ?? 1;
      rows.push(['Resources', `${figures.resources} in ${stacks} stack${stacks === 1 ? '' : 's'}`]);
    }
    rows.push(['Started', utc(started)]);
  }
  let jobLog: ParsedJobRunFailure | undefined;
  if (input.status === 'failed') {
    const f = input.failure;
    rows.push(
      f
        ? [
            'Failed resource',
            `${mdCell(f.logicalId)} (${mdText(f.type)}) in stack ${mdCell(f.stack)}${f.at ? ` at ${utc(new Date(f.at))}` : ''}`,
          ]
        : [
            'Failed resource',
            'none reported by CloudFormation (the deploy stopped before or outside it); see the workflow run',
          ],
    );
    const job = f ? parseJobRunFailure(f.reason) : undefined;
    if (job) {
      rows.push(
        [
          'Failed job',
          `${mdCell(job.job)} ${mdText(job.what)}; the stack rolled back and the previous release still serves`,
        ],
        ['Fix', mdText(jobRunFix(job))],
      );
      jobLog = job;
    } else if (f) rows.push(['Reason', mdText(f.reason)]);
  }
  if (gone && input.ended) {
    rows.push([
      input.status === 'destroyed' ? 'Destroyed' : 'When',
      `${utc(input.ended.at)}: ${mdText(input.ended.reason)}`,
    ]);
  }
  if (!gone && input.status !== 'failed') {
    rows.push([
      'URL',
      input.url
        ? `${mdLink(input.url)}${input.status === 'deploying' ? ' (answers when the deploy is done)' : ''}`
        : 'known after the first deploy',
    ]);
  }
  const cost = input.costPerHour ?? figures.costPerHour;
  if (!gone && known) {
    if (cost !== undefined && cost !== null) {
      const perDay = cost * 24;
      rows.push([
        'Cost',
        `about ${mdUsd(cost)}/h, ${mdUsd(perDay, 2)}/day while it runs (idle, list prices; data transfer and usage not counted)`,
      ]);
    }
    rows.push([
      'Expires',
      input.protected
        ? 'never (protected environment)'
        : input.ttlHours === null
          ? 'never'
          : `${utc(new Date(now.getTime() + input.ttlHours * 3_600_000))} (${input.ttlHours} h after the last deploy; push to extend)`,
    ]);
  }
  if (input.commit) rows.push(['Commit', mdCell(input.commit.slice(0, 12))]);
  if (input.runUrl) rows.push(['Run', mdLink(input.runUrl, 'workflow run')]);

  const destroy = destroyCommand({
    cli: ['npx', 'branch-env'],
    branch: input.branch,
    environment: input.environment,
    forceProtected: input.protected,
  });
  const lines = [
    PR_COMMENT_MARKER,
    ...(input.runId !== undefined ? [`<!-- branch-env:run ${input.runId} -->`] : []),
    `### branch-env: ${mdCode(input.environment)}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
  if (jobLog && jobLog.logLines.length > 0)
    lines.push(
      `Last log lines of job ${mdCode(jobLog.job)} (${mdText(jobLog.where)}):`,
      '',
      mdCodeBlock(jobLog.logLines),
      '',
    );
  if (!gone) {
    lines.push(
      input.protected
        ? `**Destroy:** protected environments are not destroyed when the pull request closes. To destroy on purpose: ${mdCode(destroy)} (with the account's credentials).`
        : `**Destroy:** delete the branch (merging with “delete branch” does it; closing this pull request alone keeps the environment until its TTL), or now: ${mdCode(destroy)}.`,
      '',
    );
  }
  const footer = `<sub>Updated ${utc(now)} by branch-env. This comment is edited in place.</sub>`;
  if (input.diff) {
    // The diff has room first (at most a third of the comment), the plan what is left.
    const room = Math.min(
      20_000,
      PR_COMMENT_MAX_CHARS - lines.join('\n').length - footer.length - 400,
    );
    const total = input.diff.stacks.reduce((n, s) => n + s.changes.length, 0) + input.diff.omitted;
    lines.push(
      `<details><summary>Infrastructure changes against what was deployed (${total})</summary>`,
      '',
      renderDiff(input.diff, Math.max(0, room)),
      '',
      '</details>',
      '',
    );
  }
  let plan = (input.plan ?? '')
    .split(PR_COMMENT_MARKER)
    .join('')
    .replace(/<!-- branch-env:run \d+ -->/g, '')
    .trim();
  if (plan) {
    const room = PR_COMMENT_MAX_CHARS - lines.join('\n').length - footer.length - 200;
    if (plan.length > room) {
      // Cut at a line end, and close what the cut left open, so the rest still renders.
      const cut = plan.slice(0, Math.max(0, room));
      const kept = cut.slice(0, Math.max(0, cut.lastIndexOf('\n')));
      const open =
        (kept.match(/<details/g) ?? []).length - (kept.match(/<\/details>/g) ?? []).length;
      plan = `${kept}\n\n… plan truncated; see the workflow run for all of it.${'\n\n</details>'.repeat(Math.max(0, open))}`;
    }
    lines.push('<details><summary>Plan</summary>', '', plan, '', '</details>', '');
  }
  lines.push(footer, '');
  return lines.join('\n');
}
