import {
  destroyCommand,
  UserError,
  checkLiveBranches,
  confirmReap,
  planReap,
  protectionOf,
  type ReapDecision,
} from '@branch-env/core';
import { scanAccounts, scanEnvironment, type AccountScan } from '../../private/accounts.js';
import { awsFailure } from '../../private/aws-errors.js';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { liveBranches } from '../../private/live-branches.js';
import { targetForName } from '../../private/target.js';
import { destroyEnvironment, type DestroyReport } from '../destroy/destroy.js';

export function parseNow(value: unknown): Date {
  if (value === undefined) return new Date();
  const t = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(t)) {
    throw new UserError(
      `--now '${String(value)}' is not a date`,
      'pass an ISO-8601 time, e.g. --now 2026-11-22T06:00:00Z',
    );
  }
  return new Date(t);
}

export function reapText(
  decisions: readonly ReapDecision[],
  dryRun: boolean,
  accounts: readonly Pick<AccountScan, 'key' | 'id' | 'reachable' | 'note'>[] = [],
): string {
  // Accounts these credentials do not reach were not looked at: say so, as `list` does.
  const skipped = accounts
    .filter((a) => !a.reachable)
    .map((a) => `skipped ${a.key} (${a.id}): ${a.note ?? 'not reachable'}\n`)
    .join('');
  if (decisions.length === 0) return `no environments found\n${skipped}`;
  const lines = decisions.map(
    (d) =>
      `${d.action === 'destroy' ? (dryRun ? 'would destroy' : 'destroy') : 'keep'}  ${d.environment} (${d.branch ?? 'owner unknown'}): ${d.reasons.join('; ')}`,
  );
  const n = decisions.filter((d) => d.action === 'destroy').length;
  return `${lines.join('\n')}\n\n${n} to destroy, ${decisions.length - n} kept${dryRun ? ' (dry run: nothing was destroyed)' : ''}\n${skipped}`;
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const now = parseNow(args.values.now);
  const dryRun = args.values['dry-run'] === true;
  const source =
    typeof args.values['branches-from'] === 'string' ? args.values['branches-from'] : 'git';
  // Branches first: a failing branch source must stop reap before anything is looked at.
  const live = args.values['ttl-only'] === true ? null : await liveBranches(source, io);
  if (live !== null) planReap([], live, now); // refuses an empty list before any AWS call
  const { accounts } = await scanAccounts(config, io, 'reap');
  const candidates = accounts.flatMap((a) =>
    a.environments.map((environment) => ({ environment, ...protectionOf(environment, config) })),
  );
  if (live !== null) {
    // A list from the wrong remote or repository must not reap everything: it has to name at
    // least one owner of a protected environment found (refuses otherwise, exit 1).
    const guard = checkLiveBranches(candidates, live);
    if (!guard.checked)
      io.err(
        'warning: no protected environment with a known owner branch was found, so the live-branch list could not be cross-checked\n',
      );
  }
  const decisions = planReap(candidates, live, now);
  if (!args.values.json) io.out(reapText(decisions, dryRun, accounts));
  const results: {
    environment: string;
    report?: DestroyReport;
    error?: string;
    skipped?: string;
  }[] = [];
  if (!dryRun) {
    for (const d of decisions.filter((x) => x.action === 'destroy')) {
      const account = accounts.find((a) => a.id === d.account && a.region === d.region);
      if (!account) continue;
      try {
        // The scan may be hours old by now (destroys run one after the other, and the reaper is
        // not in the per-environment concurrency group of deploys): look again at this one
        // environment and destroy it only if the same decision still says so.
        const target = targetForName(config, d.environment, account.key, false, 'environment-name');
        const fresh = await scanEnvironment(target);
        const check = confirmReap(
          d,
          fresh && { environment: fresh, ...protectionOf(fresh, config) },
          live,
          now,
        );
        if (!check.destroy) {
          results.push({ environment: d.environment, skipped: check.reason });
          if (!args.values.json) io.out(`${d.environment}: skipped: ${check.reason}\n`);
          continue;
        }
        const report = await destroyEnvironment({ ...target, branch: check.decision.branch }, io);
        results.push({ environment: d.environment, report });
        if (!args.values.json)
          io.out(
            `${d.environment}: ${report.clean ? 'destroyed' : `NOT completely destroyed (run \`${destroyCommand({ environment: d.environment })}\` for details)`}\n`,
          );
      } catch (error) {
        // One environment's failure does not stop the others; AWS refusals get their fix.
        const mapped = awsFailure('reap', error);
        const message = mapped
          ? `${mapped.message}${mapped.fix ? ` (fix: ${mapped.fix})` : ''}`
          : error instanceof Error
            ? error.message
            : String(error);
        results.push({ environment: d.environment, error: message });
        io.err(`error: reaping ${d.environment} failed: ${message}\n`);
      }
    }
  }
  if (args.values.json) {
    printJson(io, {
      now: now.toISOString(),
      dryRun,
      branchesFrom: live === null ? null : source,
      liveBranches: live === null ? null : live.size,
      skippedAccounts: accounts
        .filter((a) => !a.reachable)
        .map((a) => ({ key: a.key, id: a.id, note: a.note })),
      decisions,
      results,
    });
  }
  const failed = results.some((r) => r.error !== undefined || r.report?.clean === false);
  return failed ? EXIT.user : EXIT.ok;
}
