import {
  branchOf,
  expiryOf,
  humanDuration,
  protectionOf,
  type Config,
  type DeployedEnvironment,
} from '@branch-env/core';
import { scanAccounts, type AccountScan } from '../../private/accounts.js';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';

/** One row of `list` (the `--json` shape of each environment; documented in docs/cli.md). */
export interface ListRow {
  readonly environment: string;
  readonly branch: string | null;
  readonly account: string;
  readonly region: string;
  readonly profile: string | null;
  readonly status: DeployedEnvironment['status'];
  readonly protected: boolean | null;
  readonly url: string | null;
  readonly createdAt: string | null;
  readonly deployedAt: string | null;
  /** ISO time, "never", or null when unknown. */
  readonly expiresAt: string | null;
  readonly expired: boolean;
  readonly costPerHour: number | null;
  readonly stacks: readonly { name: string; status: string; region: string }[];
}

export function listRow(env: DeployedEnvironment, config: Config, now: Date): ListRow {
  const protection = protectionOf(env, config);
  const expiry = expiryOf(env, protection.ttlHours);
  return {
    environment: env.environment,
    branch: branchOf(env) ?? null,
    account: env.account,
    region: env.region,
    profile: env.profile ?? null,
    status: env.status,
    protected: protection.protected ?? null,
    url: env.url ?? null,
    createdAt: env.createdAt ?? null,
    deployedAt: env.deployedAt ?? null,
    expiresAt: expiry === undefined ? null : expiry === null ? 'never' : expiry.toISOString(),
    expired: expiry instanceof Date && expiry.getTime() <= now.getTime(),
    costPerHour: env.costPerHour ?? null,
    stacks: env.stacks.map((s) => ({ name: s.name, status: s.status, region: s.region })),
  };
}

/** Fixed-width text table. */
export function listText(
  rows: readonly ListRow[],
  accounts: readonly AccountScan[],
  now: Date,
): string {
  const header = ['ENVIRONMENT', 'BRANCH', 'PROFILE', 'STATUS', 'URL', 'AGE', 'EXPIRES', 'COST/H'];
  const body = rows.map((r) => [
    `${r.environment}${r.protected ? ' (protected)' : ''}`,
    r.branch ?? '?',
    r.profile ?? '?',
    r.status,
    r.url ?? '-',
    r.createdAt ? humanDuration(now.getTime() - Date.parse(r.createdAt)) : '?',
    r.expiresAt === null
      ? '?'
      : r.expiresAt === 'never'
        ? 'never'
        : r.expired
          ? `EXPIRED ${humanDuration(Date.parse(r.expiresAt) - now.getTime())}`
          : `in ${humanDuration(Date.parse(r.expiresAt) - now.getTime())}`,
    r.costPerHour === null ? '?' : `$${r.costPerHour.toFixed(3)}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    `${cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd()}\n`;
  let out = rows.length === 0 ? 'no environments found\n' : line(header) + body.map(line).join('');
  const total = rows.reduce((s, r) => s + (r.costPerHour ?? 0), 0);
  if (rows.length > 0)
    out += `\n${rows.length} environment(s), about $${total.toFixed(2)}/h in all\n`;
  for (const a of accounts) if (!a.reachable) out += `skipped ${a.key} (${a.id}): ${a.note}\n`;
  return out;
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const now = new Date();
  const { caller, accounts } = await scanAccounts(config, io, 'list');
  const rows = accounts.flatMap((a) => a.environments.map((e) => listRow(e, config, now)));
  if (args.values.json) {
    printJson(io, {
      app: config.app,
      caller: caller.arn,
      accounts: accounts.map(({ environments: _e, ...a }) => a),
      environments: rows,
    });
  } else {
    io.out(listText(rows, accounts, now));
  }
  return EXIT.ok;
}
