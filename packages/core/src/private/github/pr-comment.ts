import { destroyCommand } from '../shell/commands.js';
import { mdCell, mdCode, mdLink, mdUsd } from './markdown.js';

/**
 * The one pull-request comment branch-env keeps per pull request. The workflow finds it by the
 * hidden marker and edits it in place, so a pull request never collects a comment per push.
 * Every dynamic value goes through the GFM helpers of `markdown.ts`.
 */
export const PR_COMMENT_MARKER = '<!-- branch-env:pr-comment -->';

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
  /** Markdown of `branch-env plan --markdown` (resources, cost, what changed). @default undefined */
  readonly plan?: string | undefined;
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
    ['Status', STATUS[input.status]],
    ['Environment', mdCell(input.environment)],
    ['Branch', mdCell(input.branch)],
    ['Account', mdCell(input.account)],
  ];
  // This run does not know what a superseded run left running: no cost, no expiry.
  const known = input.status !== 'superseded';
  if (!gone) {
    rows.push(['URL', input.url ? mdLink(input.url) : 'known after the first deploy']);
  }
  if (!gone && known) {
    if (input.costPerHour !== undefined && input.costPerHour !== null) {
      const perDay = input.costPerHour * 24;
      rows.push([
        'Cost',
        `about ${mdUsd(input.costPerHour)}/h, ${mdUsd(perDay, 2)}/day while it runs (idle, list prices; data transfer and usage not counted)`,
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
    `### branch-env: ${mdCode(input.environment)}`,
    '',
    '| | |',
    '|---|---|',
    ...rows.map(([k, v]) => `| ${k} | ${v} |`),
    '',
  ];
  if (!gone) {
    lines.push(
      input.protected
        ? `**Destroy:** protected environments are not destroyed when the pull request closes. To destroy on purpose: ${mdCode(destroy)} (with the account's credentials).`
        : `**Destroy:** close this pull request or delete the branch; it also expires after its TTL. Now: ${mdCode(destroy)}.`,
      '',
    );
  }
  const footer = `<sub>Updated ${utc(now)} by branch-env. This comment is edited in place.</sub>`;
  let plan = (input.plan ?? '').split(PR_COMMENT_MARKER).join('').trim();
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
