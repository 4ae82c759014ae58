import type { Account, Config } from '../config/schema.js';
import { UserError } from '../errors.js';

/**
 * Deploy access is split by protection class. A production account has one class (`protected`).
 * A non-production account has a role per class: the `unprotected` role (previews: `feature/**`,
 * `bugfix/**`, ...) can create, change and delete only unprotected environments; the `protected`
 * role (long-lived `sandbox`, `qa*`, `staging*`, and the default branch's destroy and reap runs)
 * everything of the app but the platform, the roles and the bootstrap stack.
 */
export type ProtectionClass = 'protected' | 'unprotected';

export const PROTECTION_CLASSES: readonly ProtectionClass[] = ['protected', 'unprotected'];

/**
 * Names branch-env's bootstrap gives each class's roles, derived from `accounts.<key>.deployRoleArn`
 * (the protected class's role) so the config keeps one role ARN per account.
 */
export const DEPLOY_ROLE_SUFFIXES = {
  /** The unprotected class's OIDC role: `<deploy role name>-unprotected`. */
  unprotected: '-unprotected',
  /** Each class's CloudFormation execution role: `<class role name>-cfn`. */
  execution: '-cfn',
  /** Each class's permissions boundary (managed policy): `<class role name>-boundary`. */
  boundary: '-boundary',
} as const;

/** IAM's role name limit. */
const ROLE_NAME_MAX = 64;

/**
 * Names reserved for the account platform and branch-env's own stacks: no environment name may
 * start with them, and no deploy role of an environment class may touch them.
 */
export const RESERVED = {
  /** The account platform's stacks: `<app>-platform*`. */
  platformStack: (app: string) => `${app}-platform`,
  /** The platform's config-bus prefix: `/<app>/_platform/`. */
  platformParameters: (app: string) => `/${app}/_platform/`,
  /** branch-env's bootstrap stack (`<app>-github-deploy-role[-<account>]`). */
  bootstrapStack: (app: string) => `${app}-github-deploy-role`,
  /** The CDK toolkit stack (asset bucket and repository). */
  cdkToolkitStack: 'CDKToolkit',
  /** Environment-name prefixes that would fall into the reserved stack names above. */
  environmentPrefixes: ['platform', 'github-deploy-role'] as readonly string[],
} as const;

/** The class an environment of `account` belongs to. */
export function protectionClassOf(
  account: Pick<Account, 'production'>,
  isProtected: boolean,
): ProtectionClass {
  return account.production || isProtected ? 'protected' : 'unprotected';
}

const ROLE_ARN = /^(arn:aws[a-z-]*:iam::\d{12}:role\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]+)$/;

function splitRoleArn(roleArn: string): { head: string; name: string } {
  const m = ROLE_ARN.exec(roleArn);
  if (!m) {
    throw new UserError(
      `deployRoleArn '${roleArn}' is not an IAM role ARN`,
      'set accounts.<key>.deployRoleArn to arn:aws:iam::<account-id>:role/branch-env-deploy',
    );
  }
  return { head: m[1] as string, name: m[2] as string };
}

/** The roles and boundary one class deploys with, all in the account of `deployRoleArn`. */
export interface ClassRoles {
  readonly protectionClass: ProtectionClass;
  /** The role GitHub's OIDC token assumes; the CDK toolkit deploys with its credentials. */
  readonly deployRoleArn: string;
  /** CloudFormation's service role for the class's stacks (scoped policy, no administrator). */
  readonly executionRoleArn: string;
  /** Managed policy every role of the class (and every role its stacks create) is bounded by. */
  readonly permissionsBoundaryArn: string;
  /** Key prefix of the class's file assets in the CDK asset bucket (`<class>/`). */
  readonly assetPrefix: string;
}

/** The roles of one class in `account`. */
export function classRoles(
  account: Pick<Account, 'deployRoleArn' | 'production'>,
  protectionClass: ProtectionClass,
): ClassRoles {
  const { head, name } = splitRoleArn(account.deployRoleArn);
  const cls: ProtectionClass = account.production ? 'protected' : protectionClass;
  const roleName = cls === 'unprotected' ? `${name}${DEPLOY_ROLE_SUFFIXES.unprotected}` : name;
  const longest = `${roleName}${DEPLOY_ROLE_SUFFIXES.boundary}`;
  if (longest.length > ROLE_NAME_MAX) {
    throw new UserError(
      `the deploy role name '${name}' is too long: branch-env derives '${longest}' (${longest.length} characters; IAM allows ${ROLE_NAME_MAX})`,
      `shorten accounts.<key>.deployRoleArn's role name to at most ${ROLE_NAME_MAX - DEPLOY_ROLE_SUFFIXES.unprotected.length - DEPLOY_ROLE_SUFFIXES.boundary.length} characters`,
    );
  }
  const policyHead = head.replace(/:role\//, ':policy/');
  return {
    protectionClass: cls,
    deployRoleArn: `${head}${roleName}`,
    executionRoleArn: `${head}${roleName}${DEPLOY_ROLE_SUFFIXES.execution}`,
    permissionsBoundaryArn: `${policyHead}${roleName}${DEPLOY_ROLE_SUFFIXES.boundary}`,
    assetPrefix: `${cls}/`,
  };
}

/** The OIDC role a job deploying or destroying an environment of this class assumes. */
export function deployRoleArnOf(
  account: Pick<Account, 'deployRoleArn' | 'production'>,
  isProtected: boolean,
): string {
  return classRoles(account, protectionClassOf(account, isProtected)).deployRoleArn;
}

/** The classes an account has roles for: the classes of the rules routed to it. */
export function classesOf(config: Config, accountKey: string): ProtectionClass[] {
  const account = config.accounts[accountKey];
  if (!account) return [];
  const rules = config.rules.filter((r) => r.account === accountKey);
  if (account.production) return rules.length > 0 ? ['protected'] : [];
  return PROTECTION_CLASSES.filter((c) => rules.some((r) => (c === 'protected') === r.protected));
}

/**
 * The environment-name prefix every environment of a rule has: the rule's literal prefix (up to
 * the first wildcard, class or regex metacharacter) in the form `environmentName()` gives it
 * (lower case, every run of other characters `-`), or the fixed `environment` name (`exact`).
 * Undefined when the rule has no usable literal prefix.
 */
export function environmentPrefixOf(rule: Config['rules'][number]): {
  readonly prefix: string;
  readonly exact: boolean;
} {
  if (rule.environment !== undefined) return { prefix: rule.environment, exact: true };
  let literal = '';
  let exact = true;
  const pattern = rule.branch;
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    exact = false;
    const source = pattern.slice(1, -1).replace(/^\^/, '');
    for (let i = 0; i < source.length; i++) {
      const c = source[i] as string;
      const next = source[i + 1];
      if (/[A-Za-z0-9_/-]/.test(c) && !['?', '*', '{', '+'].includes(next ?? '')) literal += c;
      else if (c === '\\' && next !== undefined && /[.\-/_]/.test(next)) {
        literal += next;
        i++;
      } else break;
    }
    if (source.includes('|')) literal = '';
  } else {
    const stop = pattern.search(/[*?[]/);
    if (stop !== -1) {
      exact = false;
      literal = pattern.slice(0, stop);
    } else literal = pattern;
  }
  // The readable form of environmentName(): lower case, other characters one '-'. A plain
  // exact branch keeps its name; a wildcard's prefix keeps a trailing separator as '-'.
  let prefix = literal
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+/, '');
  if (exact) prefix = prefix.replace(/-+$/, '');
  if (!/^[a-z]/.test(prefix)) prefix = '';
  return { prefix, exact: exact && prefix !== '' };
}

/** The environment-name scope of each class in one account. */
export interface ClassScopes {
  /** Environment-name prefixes of the unprotected rules (`feature-`, `bugfix-`, `ai-`). */
  readonly unprotected: readonly string[];
  /** Environment-name prefixes (or exact names) of the protected rules. */
  readonly protected: readonly string[];
}

/**
 * The environment-name prefixes of the account's unprotected and protected rules. Refuses (one
 * UserError listing every case) what would let the unprotected role reach a protected or reserved
 * environment by name: an unprotected rule without a literal prefix, and an unprotected prefix
 * that overlaps a protected rule's prefix or a reserved name. The prefixes scope the unprotected
 * role's and its CloudFormation role's resources (`<app>-<prefix>*` stacks, buckets, repositories,
 * log groups; `/<app>/<prefix>*` parameters; the environment tag).
 */
export function classScopes(config: Config, accountKey: string): ClassScopes {
  const unprotected: { index: number; prefix: string }[] = [];
  const protectedOnes: { index: number; prefix: string; exact: boolean }[] = [];
  const problems: string[] = [];
  const account = config.accounts[accountKey];
  for (const [index, rule] of config.rules.entries()) {
    if (rule.account !== accountKey) continue;
    const { prefix, exact } = environmentPrefixOf(rule);
    if (rule.protected || account?.production) {
      protectedOnes.push({ index, prefix, exact });
      continue;
    }
    if (prefix === '') {
      problems.push(
        `rules[${index}] (${rule.branch}) is unprotected but has no literal prefix, so the unprotected role could not be kept away from other environments`,
      );
      continue;
    }
    for (const reserved of RESERVED.environmentPrefixes) {
      if (prefix.startsWith(reserved) || reserved.startsWith(prefix))
        problems.push(
          `rules[${index}] (${rule.branch}): its environment names (${prefix}…) overlap the reserved name '${reserved}'`,
        );
    }
    unprotected.push({ index, prefix });
  }
  for (const u of unprotected) {
    for (const p of protectedOnes) {
      const overlap = p.exact
        ? p.prefix.startsWith(u.prefix) || u.prefix.startsWith(p.prefix)
        : p.prefix === '' || p.prefix.startsWith(u.prefix) || u.prefix.startsWith(p.prefix);
      if (overlap) {
        problems.push(
          `rules[${u.index}] (unprotected, ${u.prefix}…) and rules[${p.index}] (protected, ${p.prefix || 'no literal prefix'}${p.exact ? '' : '…'}) can name the same environments`,
        );
      }
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      `cannot separate ${accountKey}'s unprotected and protected environments by name:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'give every unprotected rule a literal prefix no protected rule shares (e.g. feature/** and qa*), or move the protected environments to another account',
    );
  }
  return {
    unprotected: [...new Set(unprotected.map((u) => u.prefix))],
    protected: [...new Set(protectedOnes.map((p) => p.prefix))],
  };
}
