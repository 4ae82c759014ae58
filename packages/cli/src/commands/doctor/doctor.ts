import { Resolver } from 'node:dns/promises';
import {
  environmentQuotaUsage,
  isolationOf,
  longLivedEnvironments,
  type Config,
  type Occupant,
} from '@branch-env/core';
import { configuredAccounts } from '../../private/accounts.js';
import { awsClients, type AwsClients } from '../../private/aws/clients.js';
import { callerIdentity } from '../../private/aws/credentials.js';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { deployRoleStackName } from '../../private/deploy-role-stack.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { doctorChecks, type DoctorCheck } from './checks.js';
import { readAccount, type NsResolver } from './read-account.js';

export interface DoctorAccountReport {
  readonly key: string;
  readonly id: string;
  readonly region: string;
  readonly checked: boolean;
  readonly note?: string | undefined;
  readonly checks: readonly DoctorCheck[];
}

/** The long-lived environments the config implies in the account, synthesized to count their quota use. */
async function impliedOccupants(config: Config, key: string, io: Io): Promise<Occupant[]> {
  const account = config.accounts[key];
  if (!account) return [];
  const envs = longLivedEnvironments(config, {
    name: '',
    account: { ...account, key },
    region: account.region,
  });
  if (envs.length === 0) return [];
  io.err(
    `synthesizing the long-lived environments of ${key} to count their quota use: ${envs.map((e) => e.name).join(', ')}\n`,
  );
  const { synthesizeEnvironment } = await import('../../private/synth.js');
  const { rmSync } = await import('node:fs');
  const out: Occupant[] = [];
  for (const e of envs) {
    const s = await synthesizeEnvironment(e, { stageAssets: false, nag: false });
    rmSync(s.directory, { recursive: true, force: true });
    out.push({
      name: e.name,
      isolation: isolationOf(e.profile),
      usage: environmentQuotaUsage(s.stacks, e.region),
    });
  }
  return out;
}

export interface DoctorDeps {
  readonly clientsFor?: (region: string) => AwsClients;
  readonly resolver?: NsResolver;
  readonly occupants?: (key: string) => Promise<Occupant[]>;
}

/** Every configured account the credentials reach, checked; the others say which credentials they need. */
export async function doctor(
  config: Config,
  io: Io,
  deps: DoctorDeps = {},
): Promise<DoctorAccountReport[]> {
  const clientsFor = deps.clientsFor ?? awsClients;
  const resolver = deps.resolver ?? new Resolver({ timeout: 5000, tries: 2 });
  const accounts = configuredAccounts(config);
  const caller = await callerIdentity(clientsFor(accounts[0]?.region ?? 'us-east-1'), 'doctor');
  const reports: DoctorAccountReport[] = [];
  for (const a of accounts) {
    if (a.id !== caller.account) {
      reports.push({
        ...a,
        checked: false,
        note: `credentials are for account ${caller.account}; run again with credentials for ${a.id} to check it`,
        checks: [],
      });
      continue;
    }
    io.err(`checking ${a.key} (${a.id} ${a.region})...\n`);
    const account = config.accounts[a.key]!;
    const occupants = await (deps.occupants ?? ((k) => impliedOccupants(config, k, io)))(a.key);
    const facts = await readAccount(
      clientsFor(a.region),
      {
        key: a.key,
        id: a.id,
        region: a.region,
        domain: account.domain,
        platform: (account as { platform?: unknown }).platform,
      },
      { deployRoleStack: deployRoleStackName(config, a.key), resolver, occupants },
    );
    reports.push({ ...a, checked: true, checks: doctorChecks(facts) });
  }
  return reports;
}

function render(reports: readonly DoctorAccountReport[]): string {
  const lines: string[] = [];
  const mark = { ok: 'ok  ', gap: 'GAP ', warning: 'warn' } as const;
  for (const r of reports) {
    lines.push(`${r.key} (${r.id} ${r.region})${r.checked ? '' : `: not checked, ${r.note}`}`);
    for (const c of r.checks) {
      lines.push(`  ${mark[c.status]} ${c.message}`);
      if (c.fix) lines.push(`       fix: ${c.fix}`);
    }
  }
  const blocking = reports.flatMap((r) => r.checks).filter((c) => c.blocking).length;
  lines.push(
    blocking === 0
      ? 'no blocking gap: a first deploy has what it needs'
      : `${blocking} blocking gap(s): fix them before the first deploy`,
  );
  return `${lines.join('\n')}\n`;
}

export async function run(args: ParsedArgs, io: Io, deps: DoctorDeps = {}): Promise<number> {
  const { config } = configFrom(args, io);
  const reports = await doctor(config, io, deps);
  const blocking = reports.some((r) => r.checks.some((c) => c.blocking));
  if (args.values.json) printJson(io, { accounts: reports, blocking });
  else io.out(render(reports));
  return blocking ? EXIT.user : EXIT.ok;
}
