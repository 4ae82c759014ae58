import { rmSync } from 'node:fs';
import {
  QUOTAS_2026_12,
  UserError,
  decideRoom,
  environmentQuotaUsage,
  isolationOf,
  modelCapacity,
  moreRoomFix,
  platformShapeOf,
  sleepAfterIdleMinutes,
  type Config,
  type RoomDecision,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { scanAccounts } from './accounts.js';
import { awsClients, type AwsClients } from './aws/clients.js';
import { appliedQuotaValues } from './aws/service-quotas.js';
import { accountOccupants } from './capacity.js';
import type { Io } from './io.js';

/**
 * Deploy's capacity check, before anything is claimed: does one more environment of `env`'s
 * profile fit in its account? Counts the environments live there (the `list` scan) and the
 * long-lived ones the config reserves, at the quotas' applied values where Service Quotas gives
 * them (AWS defaults otherwise), and refuses with the quota and how to raise it (or add a load
 * balancer) when it is full.
 */
export async function checkRoom(
  env: ResolvedEnvironment,
  config: Config,
  io: Io,
  clientsFor: (region: string) => AwsClients = awsClients,
): Promise<RoomDecision> {
  io.err(`checking that ${env.name} fits in ${env.account.key} ${env.region}...\n`);
  const { synthesizeEnvironment } = await import('./synth.js');
  const own = await synthesizeEnvironment(env, { stageAssets: false, nag: false });
  rmSync(own.directory, { recursive: true, force: true });
  const { accounts } = await scanAccounts(config, io, 'deploy', clientsFor);
  const live = accounts
    .filter((a) => a.reachable && a.id === env.account.id && a.region === env.region)
    .flatMap((a) => a.environments)
    .filter((e) => e.status !== 'no-stack');
  const context = await accountOccupants(env, config, live, own.stacks, io);
  const isolation = isolationOf(env.profile);
  const input = {
    region: env.region,
    usage: environmentQuotaUsage(own.stacks, env.region),
    isolation,
    sleeps: sleepAfterIdleMinutes(env) !== null,
    platform: platformShapeOf(env.account, isolation),
    occupants: (context.occupants ?? []).map((o) => ({
      name: o.name,
      isolation: o.isolation,
      sleeps: o.sleeps ?? false,
      usage: environmentQuotaUsage(o.stacks, env.region),
    })),
  };
  const used = modelCapacity(input).rows.filter((r) => r.perEnvironment > 0);
  const { values, unread } = await appliedQuotaValues(
    clientsFor(env.region),
    used.map((r) => QUOTAS_2026_12.quotas[r.quota]),
  );
  if (unread.length > 0)
    io.err(`counting at the AWS default (no applied value read): ${unread.join(', ')}\n`);
  const model = modelCapacity({ ...input, values });
  // The fit decides (a sleeping profile's Fargate vCPU bounds only how many are awake at once).
  const decision = decideRoom(model, env.region);
  if (decision.kind === 'full')
    throw new UserError(`${env.name} does not fit: ${decision.message}`, decision.fix);
  const awake = model.awakeAtOnce;
  io.err(
    `room for ${decision.environments ?? 'any number of'} more ${env.profile.name} environment(s) (${live.length} live)${awake === null ? '' : `; ${awake.environments ?? 'any number'} can be awake at once${awake.binding === null ? '' : ` (${QUOTAS_2026_12.quotas[awake.binding].name})`}`}\n`,
  );
  if (awake !== null && awake.environments !== null && awake.environments < 1) {
    const row = model.rows.find((r) => r.quota === awake.binding);
    io.err(
      `warning: no room to be awake: ${env.name} deploys, but its tasks cannot start until Fargate vCPU frees up (another environment sleeps)${row === undefined ? '' : `; ${moreRoomFix(row, env.region) ?? ''}`}\n`,
    );
  }
  return decision;
}
