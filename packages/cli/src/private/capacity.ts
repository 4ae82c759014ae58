import { rmSync } from 'node:fs';
import {
  branchOf,
  isolationOf,
  longLivedEnvironments,
  resolveEnvironment,
  sleepAfterIdleMinutes,
  type Config,
  type DeployedEnvironment,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { CapacityContext } from '../commands/plan/capacity-section.js';
import type { Io } from './io.js';
import type { SynthesizedStack } from './synth.js';

type Occupants = NonNullable<CapacityContext['occupants']>;

/** The stacks of an environment, synthesized in this process with nothing staged and no cdk-nag. */
async function stacksOf(env: ResolvedEnvironment): Promise<readonly SynthesizedStack[]> {
  const { synthesizeEnvironment } = await import('./synth.js');
  const synthesis = await synthesizeEnvironment(env, { stageAssets: false, nag: false });
  rmSync(synthesis.directory, { recursive: true, force: true });
  return synthesis.stacks;
}

/**
 * The long-lived environments the config implies in `env`'s account (protected rules with a
 * literal branch, e.g. `sandbox`), each synthesized to count its quota use. Offline.
 */
export async function longLivedOccupants(
  env: ResolvedEnvironment,
  config: Config,
  io: Io,
): Promise<CapacityContext> {
  const envs = longLivedEnvironments(config, env);
  if (envs.length > 0)
    io.err(
      `counting the long-lived environments of ${env.account.key}: ${envs.map((e) => e.name).join(', ')}\n`,
    );
  const occupants: Occupants[number][] = [];
  for (const e of envs)
    occupants.push({
      name: e.name,
      isolation: isolationOf(e.profile),
      sleeps: sleepAfterIdleMinutes(e) !== null,
      stacks: await stacksOf(e),
    });
  return { occupants };
}

/**
 * What holds quota in the account when `env` deploys: every environment live there (from the
 * `list` scan) and every long-lived one the config implies, by name, `env` itself excluded. A live
 * environment counts with its own profile's templates (synthesized once per profile, from its
 * branch); one whose branch or profile cannot be resolved any more counts as `env`'s profile.
 */
export async function accountOccupants(
  env: ResolvedEnvironment,
  config: Config,
  live: readonly DeployedEnvironment[],
  ownStacks: readonly SynthesizedStack[],
  io: Io,
): Promise<CapacityContext> {
  const byName = new Map<string, ResolvedEnvironment | undefined>();
  for (const e of longLivedEnvironments(config, env)) byName.set(e.name, e);
  for (const d of live) {
    if (d.environment === env.name || byName.has(d.environment)) continue;
    const branch = branchOf(d);
    let resolved: ResolvedEnvironment | undefined;
    try {
      resolved = branch === undefined ? undefined : resolveEnvironment(branch, config);
    } catch {
      resolved = undefined;
    }
    byName.set(d.environment, resolved?.name === d.environment ? resolved : undefined);
  }
  const byProfile = new Map<string, readonly SynthesizedStack[]>([[env.profile.name, ownStacks]]);
  const occupants: Occupants[number][] = [];
  for (const [name, resolved] of byName) {
    const profile = resolved?.profile ?? env.profile;
    let stacks = byProfile.get(profile.name);
    if (stacks === undefined && resolved !== undefined) {
      io.err(`synthesizing a ${profile.name} environment to count its quota use...\n`);
      stacks = await stacksOf(resolved);
      byProfile.set(profile.name, stacks);
    }
    occupants.push({
      name,
      isolation: isolationOf(profile),
      sleeps: sleepAfterIdleMinutes({ profile }) !== null,
      stacks: stacks ?? ownStacks,
    });
  }
  return { occupants };
}
