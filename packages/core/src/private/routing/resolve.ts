import type { Account, Config, Profile } from '../config/schema.js';
import { baselineRule, configDomains } from '../config/validate.js';
import { NoRouteError, NotAllowedError } from '../errors.js';
import { environmentName, type EnvironmentName } from '../naming/environment-name.js';
import { sourceBranch, type RefInput } from '../naming/git-ref.js';
import { nameBudget, STACK_SUFFIXES } from '../naming/limits.js';
import { compilePattern, matches } from './pattern.js';
import { ssmPrefix } from '../config-bus/catalogue.js';
import {
  resolveJobs,
  resolveServices,
  resolveSite,
  type ResolvedJob,
  type ResolvedService,
  type ResolvedSite,
} from '../services/resolve-services.js';
import { deployRoleArnOf } from '../github/deploy-access.js';

/** Everything the rest of branch-env needs to know about one branch's environment. */
export interface ResolvedEnvironment {
  /** The environment name: DNS label, stack name stem, SSM path segment. */
  readonly name: string;
  /** How the name was formed (docs/naming.md). */
  readonly naming: EnvironmentName | { readonly name: string; readonly form: 'fixed' };
  /** The exact source branch (never a merge ref). */
  readonly branch: string;
  readonly app: string;
  readonly rule: {
    readonly index: number;
    readonly branch: string;
    /** The rule's cap on environments at once (`maxEnvironments`): deploy enforces it. */
    readonly maxEnvironments?: number | undefined;
  };
  readonly account: { readonly key: string } & Account;
  readonly region: string;
  /** The OIDC role of the environment's protection class (`classRoles()`): CI assumes it. */
  readonly deployRoleArn: string;
  readonly profile: { readonly name: string } & Profile;
  readonly protected: boolean;
  /** Expiry policy: hours after the last deploy, or null for none. */
  readonly ttlHours: number | null;
  readonly stacks: {
    /** The environment stack, in `region`. */
    readonly main: string;
    /** The CloudFront certificate stack in us-east-1, when the profile has a custom domain on CloudFront. */
    readonly certificate?: string | undefined;
  };
  /** `<env>.<domain>` when the profile has a custom domain. */
  readonly dnsName?: string | undefined;
  readonly domain?: { readonly name: string; readonly hostedZoneId: string } | undefined;
  /** `/<app>/<env>/` */
  readonly ssmPrefix: string;
  /**
   * The environment service discovery falls back to when this one does not publish a service:
   * the config's `baseline`, when it is another environment in the same account (a service can
   * only read its own account's parameters). Undefined for the baseline itself and elsewhere.
   */
  readonly baseline?: string | undefined;
  /** Cost-allocation tags applied to every resource. */
  readonly tags: Readonly<Record<string, string>>;
  /** The application's services, sized for the profile (the sample API when the config has none). */
  readonly services: readonly ResolvedService[];
  /** The jobs run on each deploy before traffic moves. */
  readonly jobs: readonly ResolvedJob[];
  /** The static site, if any. */
  readonly site: ResolvedSite | undefined;
}

/** Tag keys on every resource of an environment; the tag scan after destroy looks for `environment`. */
export const TAG_KEYS = {
  app: 'branch-env:app',
  environment: 'branch-env:environment',
  branch: 'branch-env:branch',
  profile: 'branch-env:profile',
  sleepAfter: 'branch-env:sleep-after',
  targetGroup: 'branch-env:target-group',
  awakeCount: 'branch-env:awake-count',
} as const;

/** A tag value is at most 256 of `[\p{L}\p{Z}\p{N}_.:/=+\-@]`; other characters become `_`. */
export function tagValue(value: string): string {
  return [...value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '_')].slice(0, 256).join('');
}

export interface Route {
  readonly index: number;
  readonly rule: Config['rules'][number];
}

/** The first rule matching `branch`, or undefined. */
export function routeOf(branch: string, config: Config): Route | undefined {
  for (const [index, rule] of config.rules.entries()) {
    if (matches(compilePattern(rule.branch), branch)) return { index, rule };
  }
  return undefined;
}

/**
 * Resolve a branch or ref into its environment. Pure given the config: the one answer CI, the CDK
 * app, the action and the CLI all use. Throws `BranchError` for refs git would reject or that are
 * not branches, and `NoRouteError` when no rule matches (the branch gets no environment).
 */
export function resolveEnvironment(input: RefInput | string, config: Config): ResolvedEnvironment {
  const branch = sourceBranch(input);
  const route = routeOf(branch, config);
  if (!route)
    throw new NoRouteError(
      branch,
      config.rules.map((r) => r.branch),
    );
  const { rule, index } = route;
  if (rule.allow !== undefined && !rule.allow.includes(branch)) {
    throw new NotAllowedError(
      branch,
      `branch '${branch}' matches rules[${index}] ('${rule.branch}'), which gives environments only to ${rule.allow.map((b) => `'${b}'`).join(', ')}`,
      `use one of those branches, or add the branch to rules[${index}].allow in branch-env.config.json (a reviewed change: ${rule.protected ? 'protected environments never expire' : 'the rule limits its branches'})`,
    );
  }

  const account = config.accounts[rule.account];
  const profileName = rule.profile ?? config.defaults.profile;
  const profile = config.profiles[profileName];
  if (!account || !profile) {
    throw new Error(
      `bug: rules[${index}] references a missing account or profile; parseConfig should have rejected it`,
    );
  }
  // Routing safety, checked again here: a validated config cannot reach this.
  if (account.production && !rule.protected) {
    throw new Error(
      `bug: unprotected rules[${index}] resolved to production account '${rule.account}'`,
    );
  }

  const budget = nameBudget(config.app, configDomains(config)).maxLength;
  const naming =
    rule.environment !== undefined
      ? ({ name: rule.environment, form: 'fixed' } as const)
      : environmentName(branch, budget);
  const name = naming.name;

  const withDomain = profile.customDomain && account.domain !== undefined;
  const main = `${config.app}-${name}${STACK_SUFFIXES.main}`;
  const certificate =
    withDomain && profile.cloudfront
      ? `${config.app}-${name}${STACK_SUFFIXES.certificate}`
      : undefined;

  return {
    name,
    naming,
    branch,
    app: config.app,
    rule: { index, branch: rule.branch, maxEnvironments: rule.maxEnvironments },
    account: { key: rule.account, ...account },
    region: account.region,
    // The role of the environment's protection class (deploy-access.ts).
    deployRoleArn: deployRoleArnOf(account, rule.protected),
    profile: { name: profileName, ...profile },
    protected: rule.protected,
    ttlHours: rule.protected
      ? null
      : rule.ttlHours === undefined
        ? config.defaults.ttlHours
        : rule.ttlHours,
    stacks: { main, certificate },
    dnsName: withDomain ? `${name}.${account.domain?.name}` : undefined,
    domain: withDomain ? account.domain : undefined,
    ssmPrefix: ssmPrefix(config.app, name),
    baseline:
      config.baseline !== undefined &&
      config.baseline !== name &&
      baselineRule(config)?.account === rule.account
        ? config.baseline
        : undefined,
    tags: {
      [TAG_KEYS.app]: config.app,
      [TAG_KEYS.environment]: name,
      [TAG_KEYS.branch]: tagValue(branch),
      [TAG_KEYS.profile]: profileName,
    },
    services: resolveServices(config, profile),
    jobs: resolveJobs(config, profileName, profile),
    site: resolveSite(config),
  };
}

/** When an environment last deployed at `lastDeploy` expires; null when it never does. */
export function expiresAt(
  env: Pick<ResolvedEnvironment, 'ttlHours'>,
  lastDeploy: Date,
): Date | null {
  return env.ttlHours === null ? null : new Date(lastDeploy.getTime() + env.ttlHours * 3_600_000);
}

/** A group of different branches that would share one environment name in one account. */
export interface NameCollision {
  readonly environment: string;
  readonly account: string;
  readonly branches: readonly string[];
}

/**
 * Branches that would share an environment although the config does not map them there on purpose
 * (two branches matching one fixed-name rule do so on purpose). CI runs this over the live
 * branches before deploying; `branch-env name --against` shows it.
 */
export function findNameCollisions(branches: readonly string[], config: Config): NameCollision[] {
  const groups = new Map<
    string,
    { env: ResolvedEnvironment; branches: Set<string>; fixedRules: Set<number> }
  >();
  for (const branch of new Set(branches)) {
    let env: ResolvedEnvironment;
    try {
      env = resolveEnvironment(branch, config);
    } catch {
      continue; // unrouted or invalid branches get no environment, so they cannot collide
    }
    const key = `${env.account.key}\u0000${env.name}`;
    const group = groups.get(key) ?? {
      env,
      branches: new Set<string>(),
      fixedRules: new Set<number>(),
    };
    group.branches.add(branch);
    group.fixedRules.add(env.naming.form === 'fixed' ? env.rule.index : -1);
    groups.set(key, group);
  }
  const out: NameCollision[] = [];
  for (const { env, branches: members, fixedRules } of groups.values()) {
    const onPurpose = fixedRules.size === 1 && !fixedRules.has(-1);
    if (members.size > 1 && !onPurpose) {
      out.push({ environment: env.name, account: env.account.key, branches: [...members].sort() });
    }
  }
  return out.sort((a, b) => a.environment.localeCompare(b.environment));
}
