import type { Config } from '../config/schema.js';
import { resolveEnvironment, type ResolvedEnvironment } from '../routing/resolve.js';
import type { Isolation, PlatformShape } from './capacity.js';

/**
 * The capacity model's inputs read from the config: a profile's isolation, an account's platform
 * shape, and the long-lived environments the routing rules imply.
 */

/** `profiles.<key>.isolation` (`dedicated` when absent). */
export function isolationOf(profile: object): Isolation {
  return 'isolation' in profile && profile.isolation === 'shared' ? 'shared' : 'dedicated';
}

interface PlatformConfig {
  readonly availabilityZones?: readonly string[] | undefined;
  readonly natGateways?: number | undefined;
  readonly loadBalancers?: number | undefined;
  readonly databases?: PlatformShape['databases'] | undefined;
}

/**
 * `accounts.<key>.platform` as the capacity and cost models read it; undefined when the account
 * has no platform block and the environment is dedicated (nothing is shared, nothing to count).
 * A shared environment without a block counts the platform's defaults (2 zones, no NAT, 1 load
 * balancer): config check refuses that combination, plan still explains it.
 */
export function platformShapeOf(account: object, isolation: Isolation): PlatformShape | undefined {
  const platform =
    'platform' in account && typeof account.platform === 'object' && account.platform !== null
      ? (account.platform as PlatformConfig)
      : undefined;
  if (platform === undefined && isolation === 'dedicated') return undefined;
  return {
    availabilityZones: platform?.availabilityZones?.length ?? 2,
    natGateways: platform?.natGateways ?? 0,
    loadBalancers: platform?.loadBalancers ?? 1,
    ...(platform?.databases === undefined ? {} : { databases: platform.databases }),
  };
}

const isLiteral = (pattern: string) =>
  !(pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) &&
  !/[*?[]/.test(pattern);

/**
 * Long-lived environments the config implies in `env`'s account and region: protected rules whose
 * branch pattern is a literal name (`sandbox`, `main`), resolved as that branch (and kept only when
 * that branch does route to the rule). Patterns (`qa*`, `/dev-.../`) imply no particular branch and
 * are not counted. `env` itself is left out.
 */
export function longLivedEnvironments(
  config: Config,
  env: Pick<ResolvedEnvironment, 'name' | 'account' | 'region'>,
): ResolvedEnvironment[] {
  const found = new Map<string, ResolvedEnvironment>();
  config.rules.forEach((rule, index) => {
    if (!rule.protected || !isLiteral(rule.branch)) return;
    let resolved: ResolvedEnvironment;
    try {
      resolved = resolveEnvironment(rule.branch, config);
    } catch {
      return;
    }
    if (resolved.rule.index !== index) return;
    if (resolved.account.id !== env.account.id || resolved.region !== env.region) return;
    if (resolved.name === env.name) return;
    found.set(resolved.name, resolved);
  });
  return [...found.values()];
}
