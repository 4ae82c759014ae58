import type { ConfigIssue } from '../errors.js';
import type { Account, Profile } from './schema.js';
import type { ConfigCheck } from './validate.js';
import { entryOf, known, type ConfigView, type Salvaged } from './view.js';

/**
 * Config checks of the account platform and of shared isolation (docs/platform.md). Each reads
 * only fields that parsed ({@link known}), like the checks of `validate.ts`.
 */

interface Routed {
  readonly index: number;
  readonly accountKey: string;
  readonly account: Salvaged<Account>;
  readonly profileKey: string;
  readonly profile: Salvaged<Profile>;
}

/** Every rule whose account and profile are known, with both. */
function routes(config: ConfigView): Routed[] {
  return config.rules.flatMap((rule, index): Routed[] => {
    if (!known(rule, 'profile') || !known(rule, 'account')) return [];
    const profileKey = rule.profile ?? config.defaults.profile;
    const profile = entryOf(config.profiles, profileKey);
    const account = entryOf(config.accounts, rule.account);
    if (profileKey === undefined || profile === undefined || account === undefined) return [];
    return [{ index, accountKey: rule.account as string, account, profileKey, profile }];
  });
}

function shared(r: Routed): boolean {
  return r.profile.isolation === 'shared';
}

/** The first issue at each path (several rules route one profile to one account). */
function unique(issues: ConfigIssue[]): ConfigIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (seen.has(i.path)) return false;
    seen.add(i.path);
    return true;
  });
}

/** `documentdb` -> `documentdb`, `aurora-postgres` -> `auroraPostgres`: the platform's key. */
export function platformDatabaseKey(
  engine: 'documentdb' | 'aurora-postgres',
): 'documentdb' | 'auroraPostgres' {
  return engine === 'documentdb' ? 'documentdb' : 'auroraPostgres';
}

export const PLATFORM_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'shared profiles route to accounts with a platform',
    check: (config) =>
      unique(
        routes(config).flatMap((r) =>
          shared(r) &&
          known(r.account, 'platform') &&
          r.account.platform?.availabilityZones === undefined
            ? [
                {
                  path: `accounts.${r.accountKey}.platform.availabilityZones`,
                  message: `profile '${r.profileKey}' is shared (rules[${r.index}]) but account '${r.accountKey}' has no platform availability zones; list 2-6 zones of ${r.account.region ?? 'its region'} (aws ec2 describe-availability-zones --region ${r.account.region ?? '<region>'} --query 'AvailabilityZones[].ZoneName') in accounts.${r.accountKey}.platform.availabilityZones`,
                },
              ]
            : [],
        ),
      ),
  },
  {
    name: 'shared profiles route to accounts with a domain',
    check: (config) =>
      routes(config).flatMap((r) =>
        shared(r) && known(r.account, 'domain') && r.account.domain === undefined
          ? [
              {
                path: `rules[${r.index}]`,
                message: `profile '${r.profileKey}' is shared but account '${r.accountKey}' has no domain: the platform serves environments at <environment>.<domain> through a wildcard certificate and record in its hosted zone; add accounts.${r.accountKey}.domain or route the rule to a dedicated profile`,
              },
            ]
          : [],
      ),
  },
  {
    name: 'production stays dedicated',
    check: (config) =>
      unique(
        routes(config).flatMap((r) =>
          shared(r) && r.account.production === true
            ? [
                {
                  path: `profiles.${r.profileKey}.isolation`,
                  message: `profile '${r.profileKey}' is shared but rules[${r.index}] routes it to production account '${r.accountKey}'; production environments stay dedicated: set "isolation": "dedicated" or use another profile for that rule`,
                },
              ]
            : [],
        ),
      ),
  },
  {
    name: 'platform availability zones are in the account region',
    check: (config) =>
      Object.entries(config.accounts).flatMap(([key, account]) => {
        const zones = account.platform?.availabilityZones ?? [];
        const { region } = account;
        const out: ConfigIssue[] = [];
        zones.forEach((zone, i) => {
          if (region !== undefined && !new RegExp(`^${region}[a-z]$`).test(zone)) {
            out.push({
              path: `accounts.${key}.platform.availabilityZones[${i}]`,
              message: `'${zone}' is not an availability zone of ${region}; list them with aws ec2 describe-availability-zones --region ${region}`,
            });
          }
          if (zones.indexOf(zone) !== i) {
            out.push({
              path: `accounts.${key}.platform.availabilityZones[${i}]`,
              message: `'${zone}' is listed twice; each zone once`,
            });
          }
        });
        return out;
      }),
  },
  {
    name: 'shared databases are on a shared profile',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]) => {
        const db = p.database;
        if (db === undefined || !('shared' in db) || db.shared !== true) return [];
        return p.isolation === 'dedicated'
          ? [
              {
                path: `profiles.${key}.database.shared`,
                message: `a shared database lives in the account platform's VPC, which only a shared profile runs in; set profiles.${key}.isolation to "shared" or database.shared to false`,
              },
            ]
          : [];
      }),
  },
  {
    name: 'the platform has the shared databases profiles ask for',
    check: (config) =>
      unique(
        routes(config).flatMap((r) => {
          const db = r.profile.database;
          if (db === undefined || !('shared' in db) || db.shared !== true) return [];
          if (!known(r.account, 'platform')) return [];
          const want = platformDatabaseKey(db.engine);
          return r.account.platform?.databases?.[want] === undefined
            ? [
                {
                  path: `profiles.${r.profileKey}.database.shared`,
                  message: `profile '${r.profileKey}' asks for a shared ${db.engine} database but the platform of account '${r.accountKey}' (rules[${r.index}]) has none; add accounts.${r.accountKey}.platform.databases.${want} or set database.shared to false`,
                },
              ]
            : [];
        }),
      ),
  },
  {
    name: 'shared profiles serve from the shared load balancer',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]) =>
        p.isolation === 'shared' && p.cloudfront === true
          ? [
              {
                path: `profiles.${key}.cloudfront`,
                message:
                  'a shared profile is served by the platform load balancer at <environment>.<domain>; CloudFront in front of it is not supported yet: set cloudfront to false, or isolation to "dedicated"',
              },
            ]
          : [],
      ),
  },
  {
    name: 'access control is for shared profiles',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]) =>
        p.isolation === 'dedicated' && p.access !== undefined && p.access.mode !== 'public'
          ? [
              {
                path: `profiles.${key}.access`,
                message: `access mode '${p.access.mode}' is a rule on the shared load balancer; a dedicated profile has a load balancer of its own: set isolation to "shared" or access to { "mode": "public" }`,
              },
            ]
          : [],
      ),
  },
  {
    name: 'shared profiles run their database in the task or use none',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]) => {
        const db = p.database;
        if (p.isolation !== 'shared' || db === undefined) return [];
        if (db.engine === 'none' || db.engine === 'mongodb-container') return [];
        if ('shared' in db && db.shared === true) return []; // reported by the shared-database checks
        return [
          {
            path: `profiles.${key}.database.engine`,
            message: `a shared profile has no VPC of its own for a ${db.engine} cluster; use engine "mongodb-container" or "none", or isolation "dedicated"`,
          },
        ];
      }),
  },
];
