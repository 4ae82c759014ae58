import type { ConfigIssue } from '../errors.js';
import { environmentName, isValidEnvironmentName } from '../naming/environment-name.js';
import { gitBranchProblem } from '../naming/git-ref.js';
import { MIN_NAME_BUDGET, nameBudget } from '../naming/limits.js';
import { compilePattern, matches } from '../routing/pattern.js';
import type { Config } from './schema.js';
import { IMAGE_CHECKS } from './image-checks.js';
import { PLATFORM_CHECKS } from './platform-checks.js';
import { SECURITY_CHECKS } from './security-checks.js';
import { SERVICE_CHECKS } from './service-checks.js';
import { SAMPLE_CHECKS } from './sample-checks.js';
import { MULTI_SERVICE_CHECKS } from './multi-service-checks.js';
import { ENVIRONMENT_RULES_CHECK } from './environment-checks.js';
import { ROUTING_CHECKS } from './routing-checks.js';
import { CDK_APP_CHECKS } from './cdk-app-checks.js';
import { SLEEP_CHECKS } from './sleep-checks.js';
import { entryOf, known, type ConfigView } from './view.js';

/**
 * Checks across the config that the schema alone cannot express. Each rule is data: a name and a
 * function returning issues; `validateConfig` runs them all and returns every issue. They read a
 * {@link ConfigView}, so they also run over what parsed of a file the schema rejected: each draws
 * conclusions only from fields that are there and {@link known}.
 */
export interface ConfigCheck {
  readonly name: string;
  readonly check: (config: ConfigView, context?: CheckContext) => ConfigIssue[];
}

/** What a check may ask of the world outside the config; absent when only the config is known. */
export interface CheckContext {
  /** Whether a path relative to the config file's folder exists (a Dockerfile, a build context). */
  readonly fileExists?: (relativePath: string) => boolean;
}

export function configDomains(config: Pick<ConfigView, 'accounts'>): string[] {
  return Object.values(config.accounts).flatMap((a) => (a.domain ? [a.domain.name] : []));
}

function budgetOf(config: ConfigView): number {
  return nameBudget(config.app ?? '', configDomains(config)).maxLength;
}

/** What a domain leaves of the 64-octet certificate name for `<env>.`: never a negative count. */
function roomLeft(domain: string): string {
  const room = 64 - 1 - domain.length;
  return room <= 0 ? 'no room' : `only ${room} character${room === 1 ? '' : 's'}`;
}

export const CONFIG_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'rules name known accounts and profiles',
    check: (config) =>
      config.rules.flatMap((rule, i) => {
        const out: ConfigIssue[] = [];
        if (
          known(config, 'accounts') &&
          rule.account !== undefined &&
          entryOf(config.accounts, rule.account) === undefined
        ) {
          out.push({
            path: `rules[${i}].account`,
            message: `unknown account '${rule.account}'; known: ${Object.keys(config.accounts).join(', ') || 'none'}`,
          });
        }
        if (
          known(config, 'profiles') &&
          rule.profile !== undefined &&
          entryOf(config.profiles, rule.profile) === undefined
        ) {
          out.push({
            path: `rules[${i}].profile`,
            message: `unknown profile '${rule.profile}'; known: ${Object.keys(config.profiles).join(', ') || 'none'}`,
          });
        }
        return out;
      }),
  },
  {
    name: 'the default profile exists',
    check: (config) =>
      !known(config, 'profiles') ||
      config.defaults.profile === undefined ||
      entryOf(config.profiles, config.defaults.profile) !== undefined
        ? []
        : [
            {
              path: 'defaults.profile',
              message: `unknown profile '${config.defaults.profile}'; known: ${Object.keys(config.profiles).join(', ') || 'none'}`,
            },
          ],
  },
  {
    name: 'patterns compile',
    check: (config) =>
      config.rules.flatMap((rule, i) => {
        if (rule.branch === undefined) return [];
        try {
          compilePattern(rule.branch);
          return [];
        } catch (e) {
          return [
            {
              path: `rules[${i}].branch`,
              message: `invalid pattern '${rule.branch}': ${(e as Error).message}`,
            },
          ];
        }
      }),
  },
  {
    name: 'only protected rules reach production accounts',
    check: (config) =>
      config.rules.flatMap((rule, i) =>
        entryOf(config.accounts, rule.account)?.production === true && rule.protected === false
          ? [
              {
                path: `rules[${i}].protected`,
                message: `rule '${rule.branch}' routes to production account '${rule.account}' but is not protected; set "protected": true or route it to a non-production account`,
              },
            ]
          : [],
      ),
  },
  {
    name: 'protected rules have no TTL',
    check: (config) =>
      config.rules.flatMap((rule, i) =>
        rule.protected === true && rule.ttlHours != null
          ? [
              {
                path: `rules[${i}].ttlHours`,
                message: 'a protected environment never expires; remove ttlHours or set it to null',
              },
            ]
          : [],
      ),
  },
  {
    name: 'the name budget leaves room for readable names',
    check: (config) => {
      const budget = nameBudget(config.app ?? '', configDomains(config));
      if (budget.maxLength >= MIN_NAME_BUDGET) return [];
      const tight = budget.terms.filter((t) => t.maxEnvironmentLength < MIN_NAME_BUDGET);
      return Object.entries(config.accounts)
        .flatMap(([key, account]) =>
          // The term of this very domain (`<env>.<domain>`), not one that merely ends with it.
          account.domain &&
          tight.some((t) => t.thing === `ACM certificate first name <env>.${account.domain?.name}`)
            ? [
                {
                  path: `accounts.${key}.domain.name`,
                  message: `'${account.domain.name}' (${account.domain.name.length} characters) leaves ${roomLeft(account.domain.name)} for environment names in the 64-octet ACM certificate name; use a domain of at most ${64 - 1 - MIN_NAME_BUDGET} characters`,
                },
              ]
            : [],
        )
        .concat(
          config.app !== undefined && tight.some((t) => t.thing.startsWith('CloudFormation'))
            ? [
                {
                  path: 'app',
                  message: `app name '${config.app}' leaves too little of the stack name budget`,
                },
              ]
            : [],
        );
    },
  },
  {
    name: 'fixed environment names are valid and unique',
    check: (config) => {
      const budget = budgetOf(config);
      const seen = new Map<string, number>();
      const out: ConfigIssue[] = [];
      config.rules.forEach((rule, i) => {
        if (rule.environment === undefined) return;
        if (!isValidEnvironmentName(rule.environment, budget)) {
          out.push({
            path: `rules[${i}].environment`,
            message: `'${rule.environment}' is not a valid environment name: lowercase letters, digits and -, starting with a letter, no -- at positions 3-4, at most ${budget} characters`,
          });
        } else if (rule.environment.includes('--')) {
          out.push({
            path: `rules[${i}].environment`,
            message: `'${rule.environment}' contains --, the mark of hashed names (docs/naming.md): the hashed name of some branch could be it; use single - between words`,
          });
        }
        const first = seen.get(rule.environment);
        if (first !== undefined) {
          out.push({
            path: `rules[${i}].environment`,
            message: `rules[${first}] already fixes the name '${rule.environment}'; two rules may not share one environment`,
          });
        } else seen.set(rule.environment, i);
      });
      return out;
    },
  },
  {
    name: 'fixed names cannot be taken by another rule',
    check: (config) => {
      // Which rule a branch routes to depends on every rule: guess nothing when one did not parse.
      if (!known(config, 'rules')) return [];
      const budget = budgetOf(config);
      if (budget < MIN_NAME_BUDGET) return []; // reported by the name budget check
      const route = router(config.rules);
      const concrete = config.rules.flatMap((r) =>
        r.branch !== undefined && concreteBranch(r.branch) ? [r.branch] : [],
      );
      const out: ConfigIssue[] = [];
      config.rules.forEach((rule, i) => {
        const fixed = rule.environment;
        if (fixed === undefined || !isValidEnvironmentName(fixed, budget)) return;
        // A plain branch's name is its spelling with / -> -, so the branches that compute `fixed`
        // are its spellings with each - as - or /; past 12 dashes not all of them are tried, so the
        // concrete branches of the rules are compared too. Each goes to the first rule it matches.
        const takenBy = new Map<number, string>();
        for (const branch of [...dashSpellings(fixed), ...concrete]) {
          const j = route(branch);
          const other = j === undefined ? undefined : config.rules[j];
          if (j === undefined || j === i || other === undefined || takenBy.has(j)) continue;
          if (other.environment !== undefined || other.account !== rule.account) continue;
          if (environmentName(branch, budget).name === fixed) takenBy.set(j, branch);
        }
        for (const [j, branch] of takenBy) {
          out.push({
            path: `rules[${i}].environment`,
            message: `fixed name '${fixed}' is also what branch '${branch}' gets from rules[${j}] ('${config.rules[j]?.branch}') in the same account; choose another name`,
          });
        }
      });
      return out;
    },
  },
  {
    name: 'custom domains have a domain to use',
    check: (config) =>
      config.rules.flatMap((rule, i) => {
        if (!known(rule, 'profile')) return [];
        const profileKey = rule.profile ?? config.defaults.profile;
        const profile = entryOf(config.profiles, profileKey);
        const account = entryOf(config.accounts, rule.account);
        return profile?.customDomain === true &&
          account !== undefined &&
          known(account, 'domain') &&
          account.domain === undefined
          ? [
              {
                path: `rules[${i}]`,
                message: `profile '${profileKey}' wants a custom domain but account '${rule.account}' has no domain; add accounts.${rule.account}.domain or set customDomain: false`,
              },
            ]
          : [];
      }),
  },
  {
    name: 'profiles are consistent',
    check: (config) =>
      Object.entries(config.profiles).flatMap(([key, p]) => {
        const out: ConfigIssue[] = [];
        const { task, database } = p;
        if (task === undefined) return out;
        // minTasks <= maxTasks and one task for a sidecar database: environment-checks.ts.
        if (database?.engine === 'aurora-postgres' && database.minCapacity > database.maxCapacity) {
          out.push({
            path: `profiles.${key}.database.minCapacity`,
            message: 'minCapacity is above maxCapacity',
          });
        }
        const validMemory = fargateMemoryProblem(task.cpu, task.memoryMiB);
        if (validMemory) out.push({ path: `profiles.${key}.task.memoryMiB`, message: validMemory });
        return out;
      }),
  },
  {
    name: 'the baseline is an environment a rule produces',
    check: (config) => {
      const { baseline } = config;
      if (baseline === undefined) return [];
      const budget = budgetOf(config);
      if (!isValidEnvironmentName(baseline, budget))
        return [{ path: 'baseline', message: `'${baseline}' is not a valid environment name` }];
      if (!known(config, 'rules') || budget < MIN_NAME_BUDGET) return [];
      if (baselineRule(config) !== undefined) return [];
      const produced = producedNames(config.rules, budget);
      const j = router(config.rules)(baseline);
      const pattern = j === undefined ? undefined : config.rules[j];
      const fix =
        pattern !== undefined && pattern.environment === undefined
          ? `add a rule for the branch '${baseline}' before rules[${j}] ('${pattern.branch}'): that pattern matches such a branch, but nothing says one exists`
          : `add a rule for the branch '${baseline}' (or one with "environment": "${baseline}")`;
      const instead =
        produced.length === 0
          ? ''
          : `set "baseline" to ${produced.length === 1 ? `'${produced[0]}'` : `one of ${produced.map((n) => `'${n}'`).join(', ')}`}, or `;
      return [
        {
          path: 'baseline',
          message: `'${baseline}' is not an environment any rule is sure to produce, so service discovery and experiments would fall back to an environment that may never exist; ${instead}${fix}`,
        },
      ];
    },
  },
  ...PLATFORM_CHECKS,
  ...IMAGE_CHECKS,
  ...SECURITY_CHECKS,
  ...SERVICE_CHECKS,
  ...SAMPLE_CHECKS,
  ...MULTI_SERVICE_CHECKS,
  ENVIRONMENT_RULES_CHECK,
  ...ROUTING_CHECKS,
  ...CDK_APP_CHECKS,
  ...SLEEP_CHECKS,
];

/**
 * A branch pattern that matches one branch only, one git accepts: no glob characters, not a
 * /regex/, a valid branch name.
 */
function concreteBranch(pattern: string): boolean {
  return (
    !/[*?[]/.test(pattern) &&
    !(pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) &&
    gitBranchProblem(pattern) === undefined
  );
}

/** A rule that certainly produces an environment, and the environment's name. */
interface Producer {
  readonly index: number;
  readonly account: string | undefined;
  readonly name: string;
}

/**
 * The environments the rules certainly produce, in rule order: fixed names, and the names of
 * concrete branches (`sandbox`, `dev/sandbox`) that route to their own rule.
 */
function producers(rules: ConfigView['rules'], budget: number): Producer[] {
  const route = router(rules);
  return rules.flatMap((rule, index): Producer[] => {
    if (rule.environment !== undefined)
      return [{ index, account: rule.account, name: rule.environment }];
    if (rule.branch !== undefined && concreteBranch(rule.branch) && route(rule.branch) === index)
      return [{ index, account: rule.account, name: environmentName(rule.branch, budget).name }];
    return [];
  });
}

/** Sorted, without duplicates: the names of {@link producers}. */
function producedNames(rules: ConfigView['rules'], budget: number): string[] {
  return [...new Set(producers(rules, budget).map((p) => p.name))].sort();
}

/**
 * The rule that produces the config's `baseline` environment: the rule fixing that name, else the
 * first rule for one concrete branch whose name it is. Undefined when there is no baseline or no
 * rule is sure to produce it (`config check` reports that); what `resolveEnvironment` takes the
 * baseline's account from.
 */
export function baselineRule(
  config: ConfigView,
): { readonly index: number; readonly account: string | undefined } | undefined {
  const { baseline } = config;
  if (baseline === undefined || !known(config, 'rules')) return undefined;
  const budget = budgetOf(config);
  if (budget < MIN_NAME_BUDGET) return undefined;
  const named = producers(config.rules, budget).filter((p) => p.name === baseline);
  const found = named.find((p) => config.rules[p.index]?.environment !== undefined) ?? named[0];
  return found && { index: found.index, account: found.account };
}

/** Spellings beyond which {@link dashSpellings} stops trying every combination. */
const MAX_SPELLINGS = 4096;

/**
 * The branches whose plain name is `name`: each `-` spelled `-` or `/`, the name itself first.
 * With more than 12 dashes (4096 spellings) only those with at most two `/`, and the one with
 * every `-` as `/`, are tried.
 */
function* dashSpellings(name: string): Generator<string> {
  const parts = name.split('-');
  const dashes = parts.length - 1;
  const spell = (slashAt: (d: number) => boolean): string =>
    parts.reduce((acc, part, d) => `${acc}${slashAt(d - 1) ? '/' : '-'}${part}`);
  if (2 ** dashes <= MAX_SPELLINGS) {
    for (let mask = 0; mask < 2 ** dashes; mask++) yield spell((d) => ((mask >> d) & 1) === 1);
    return;
  }
  yield name;
  for (let a = 0; a < dashes; a++) {
    yield spell((d) => d === a);
    for (let b = a + 1; b < dashes; b++) yield spell((d) => d === a || d === b);
  }
  yield spell(() => true);
}

/** Index of the rule a branch routes to (the first whose pattern matches); broken patterns match nothing. */
function router(rules: ConfigView['rules']): (branch: string) => number | undefined {
  const patterns = rules.map((r) => {
    try {
      return r.branch === undefined ? undefined : compilePattern(r.branch);
    } catch {
      return undefined;
    }
  });
  return (branch) => {
    const index = patterns.findIndex((p) => p !== undefined && matches(p, branch));
    return index === -1 ? undefined : index;
  };
}

/** Fargate's valid CPU/memory combinations (AWS ECS task size table). */
export function fargateMemoryProblem(cpu: number, memoryMiB: number): string | undefined {
  const ranges: Record<number, [number, number, number]> = {
    256: [512, 2048, 512],
    512: [1024, 4096, 1024],
    1024: [2048, 8192, 1024],
    2048: [4096, 16_384, 1024],
    4096: [8192, 30_720, 1024],
  };
  const r = ranges[cpu];
  if (!r) return `cpu ${cpu} is not a Fargate size`;
  const [min, max, step] = r;
  if (
    memoryMiB < min ||
    memoryMiB > max ||
    (cpu !== 256 && memoryMiB % step !== 0) ||
    (cpu === 256 && ![512, 1024, 2048].includes(memoryMiB))
  ) {
    return `${memoryMiB} MiB is not valid with ${cpu} CPU units; Fargate allows ${min}-${max} MiB in steps of ${step}`;
  }
  return undefined;
}

/** Every problem the cross-checks find in a parsed config, or in what parsed of one (`salvageConfig`). */
export function validateConfig(
  config: Config | ConfigView,
  context: CheckContext = {},
): ConfigIssue[] {
  return CONFIG_CHECKS.flatMap((c) => c.check(config, context));
}
