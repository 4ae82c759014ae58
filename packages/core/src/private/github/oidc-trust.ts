import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { escapeStringLike } from './string-like.js';
import type { ProtectionClass } from './deploy-access.js';

/** GitHub's OIDC issuer and the audience `aws-actions/configure-aws-credentials` requests. */
export const GITHUB_OIDC = {
  host: 'token.actions.githubusercontent.com',
  url: 'https://token.actions.githubusercontent.com',
  audience: 'sts.amazonaws.com',
  subClaim: 'token.actions.githubusercontent.com:sub',
  audClaim: 'token.actions.githubusercontent.com:aud',
} as const;

/**
 * IAM limits a role trust policy to 2,048 characters by default (a quota increase allows 4,096);
 * counted without whitespace.
 */
export const TRUST_POLICY_MAX_CHARS = 2048;

export interface OidcTrustOptions {
  /** `owner/repo`, exactly as GitHub spells it (the `sub` claim is case-sensitive in IAM). */
  readonly repository: string;
  /** Key of the account in `config.accounts`. */
  readonly account: string;
  /**
   * The repository's default branch. `delete`, `schedule` and `workflow_dispatch` runs carry its
   * ref in their token, and those runs destroy and reap environments, so every account whose
   * environments they clean up trusts it: non-production accounts always, production accounts
   * only when the default branch itself routes there (it is then already trusted).
   * @default 'main'
   */
  readonly defaultBranch?: string;
  /**
   * Which of a non-production account's two roles this trust is for: the `unprotected` role
   * trusts the unprotected rules' branches, the `protected` role the protected rules' branches.
   * Both trust the default branch (its delete-event runs destroy unprotected environments, its
   * schedule runs reap). Production accounts have only the protected class.
   * @default 'protected'
   */
  readonly protectionClass?: ProtectionClass;
  /**
   * The GitHub environments (required reviewers, no admin bypass, deployment branches limited to
   * the production rules) through which a **production** account deploys: its role trusts only
   * `repo:<owner>/<repo>:environment:<name>`, no branch subject at all, so a job that skips the
   * reviewed environment (a pushed, edited workflow) cannot assume it. Ignored (with a note) for
   * non-production accounts, which never trust an environment.
   * @default ['production']
   */
  readonly githubEnvironments?: readonly string[];
  /**
   * UNSAFE opt-out for production accounts: trust the production rules' branch subjects
   * (`repo:o/r:ref:refs/heads/main`, ...) instead of a reviewed GitHub environment. Anyone who can
   * push such a branch (or obtain an identity a ruleset lets push it) then gets production
   * credentials without a reviewer. Only for repositories where GitHub environments are not
   * available; the trust carries a warning note.
   * @default false
   */
  readonly unsafeProductionBranchTrust?: boolean;
  /**
   * Most subject patterns one rule may expand into (character classes are listed one by one).
   * @default 64
   */
  readonly maxExpansions?: number;
}

/** Why one subject pattern is in the trust policy. */
export interface TrustSubject {
  /** IAM StringLike pattern for `token.actions.githubusercontent.com:sub`. */
  readonly subject: string;
  readonly reason: string;
  /** False when the pattern admits branches the rule does not (non-production accounts only). */
  readonly exact: boolean;
}

export interface OidcTrust {
  readonly account: string;
  readonly production: boolean;
  readonly audience: string;
  /** The StringLike values, deduplicated, in rule order. */
  readonly subjects: readonly string[];
  readonly explained: readonly TrustSubject[];
  /** Widenings accepted in non-production accounts, for the user to read. */
  readonly notes: readonly string[];
  /** Length of the trust policy IAM will count (JSON without whitespace). */
  readonly policyChars: number;
}

/** The GitHub environment a production account deploys through unless told otherwise. */
export const DEFAULT_GITHUB_ENVIRONMENT = 'production';

/** IAM's hard ceiling for a role trust policy, after a quota increase. */
export const TRUST_POLICY_QUOTA_MAX_CHARS = 4096;

/** The trust policy document as IAM stores it, for a provider in account `accountId`. */
export function trustPolicyDocument(
  trust: Pick<OidcTrust, 'audience' | 'subjects'>,
  accountId: string,
): Record<string, unknown> {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: `arn:aws:iam::${accountId}:oidc-provider/${GITHUB_OIDC.host}` },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: { [GITHUB_OIDC.audClaim]: trust.audience },
          StringLike: { [GITHUB_OIDC.subClaim]: [...trust.subjects] },
        },
      },
    ],
  };
}

/** A glob or regex routing pattern translated to IAM StringLike patterns over the branch name. */
export interface BranchLike {
  readonly patterns: readonly string[];
  /** True when the patterns admit exactly the branches the rule's pattern matches. */
  readonly exact: boolean;
  /** Why it is not exact. */
  readonly reason?: string;
}

function expandClass(body: string): string[] | undefined {
  if (body.startsWith('!')) return undefined;
  const chars: string[] = [];
  const cps = [...body];
  for (let i = 0; i < cps.length; i++) {
    const from = cps[i] as string;
    const to = cps[i + 2];
    if (cps[i + 1] === '-' && to !== undefined) {
      const a = from.codePointAt(0) as number;
      const b = to.codePointAt(0) as number;
      if (b < a) return undefined;
      for (let c = a; c <= b; c++) chars.push(String.fromCodePoint(c));
      i += 2;
    } else chars.push(from);
  }
  return [...new Set(chars)];
}

/** The longest literal prefix of a regex source, for a superset pattern. */
function regexLiteralPrefix(source: string): string {
  if (source.includes('|')) return '';
  let prefix = '';
  for (let i = 0; i < source.length; i++) {
    const c = source[i] as string;
    const next = source[i + 1];
    let lit: string | undefined;
    if (/[\p{L}\p{N}_/-]/u.test(c)) lit = c;
    else if (c === '\\' && next !== undefined && /[.\-/_]/.test(next)) {
      lit = next;
      i++;
    }
    if (lit === undefined) break;
    const after = source[i + 1];
    if (after === '?' || after === '*' || after === '{') break;
    prefix += lit;
  }
  return prefix;
}

/**
 * Translate a routing pattern (see `compilePattern`) into IAM StringLike patterns. IAM has only
 * `*` and `?`, and both cross `/`; so `**` is exact, `[1-9]` classes are listed, and `*`, `?`,
 * negated classes and regular expressions can only be approximated by a superset (`exact: false`).
 */
export function branchToStringLike(pattern: string, maxExpansions = 64): BranchLike {
  if (pattern.length >= 2 && pattern.startsWith('/') && pattern.endsWith('/')) {
    const prefix = regexLiteralPrefix(pattern.slice(1, -1));
    return {
      patterns: [`${escapeStringLike(prefix)}*`],
      exact: false,
      reason: `the regular expression ${pattern} has no IAM equivalent`,
    };
  }
  let alternatives: string[] = [''];
  let exact = true;
  const reasons: string[] = [];
  const append = (s: string) => {
    alternatives = alternatives.map((a) => a + s);
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
      } else {
        exact = false;
        reasons.push("'*' stays within one path segment but IAM's '*' also matches '/'");
      }
      append('*');
    } else if (c === '?') {
      exact = false;
      reasons.push("IAM's '?' also matches '/'");
      append('?');
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end === -1) throw new UserError(`pattern '${pattern}': unclosed [`);
      const chars = expandClass(pattern.slice(i + 1, end));
      if (!chars) {
        exact = false;
        reasons.push(`the class ${pattern.slice(i, end + 1)} cannot be listed`);
        append('?');
      } else {
        if (alternatives.length * chars.length > maxExpansions) {
          exact = false;
          reasons.push(`listing its classes needs more than ${maxExpansions} patterns`);
          append('?');
        } else {
          alternatives = alternatives.flatMap((a) => chars.map((ch) => a + escapeStringLike(ch)));
        }
      }
      i = end;
    } else {
      append(escapeStringLike(c));
    }
  }
  return exact
    ? { patterns: alternatives, exact }
    : { patterns: alternatives, exact, reason: [...new Set(reasons)].join('; ') };
}

/** `repo:<owner>/<repo>:ref:refs/heads/<branch-pattern>` */
export function branchSubject(repository: string, branchPattern: string): string {
  return `repo:${repository}:ref:refs/heads/${branchPattern}`;
}

const REPOSITORY = /^[A-Za-z0-9-]{1,39}\/[A-Za-z0-9._-]{1,100}$/;
const GITHUB_ENVIRONMENT = /^[^*?$,'"`<>:;\\/]{1,255}$/;

/**
 * The `sub` conditions of one deploy role, generated from the routing rules. A production account's
 * role trusts only `repo:<owner>/<repo>:environment:<name>` of its reviewed GitHub environments
 * (default `production`), no branch subject; only the explicit `unsafeProductionBranchTrust`
 * opt-out trusts the production branches instead, exact patterns only (a rule IAM cannot express
 * exactly is refused, one {@link UserError} listing every such rule). A non-production account has
 * one role per protection class: each trusts its class's branches and the default branch. No role
 * trusts pull-request runs (`repo:o/r:pull_request`).
 */
export function oidcTrust(config: Config, options: OidcTrustOptions): OidcTrust {
  const {
    repository,
    account: key,
    defaultBranch = 'main',
    protectionClass = 'protected',
    unsafeProductionBranchTrust = false,
    maxExpansions = 64,
  } = options;
  const githubEnvironments =
    options.githubEnvironments ?? (unsafeProductionBranchTrust ? [] : [DEFAULT_GITHUB_ENVIRONMENT]);
  const account = config.accounts[key];
  if (!account) {
    throw new UserError(
      `no account '${key}' in the config`,
      `pass one of: ${Object.keys(config.accounts).join(', ')}`,
    );
  }
  if (!REPOSITORY.test(repository)) {
    throw new UserError(
      `'${repository}' is not a GitHub repository of the form owner/repo`,
      'pass --repository <owner>/<repo> (or run inside a clone whose origin is on github.com)',
    );
  }
  for (const env of githubEnvironments) {
    if (!GITHUB_ENVIRONMENT.test(env))
      throw new UserError(`'${env}' is not a usable GitHub environment name`);
  }

  const production = account.production;
  const explained: TrustSubject[] = [];
  const notes: string[] = [];
  const problems: string[] = [];
  const add = (subject: string, reason: string, exact: boolean) => {
    if (!explained.some((e) => e.subject === subject)) explained.push({ subject, reason, exact });
  };

  // Environments gate production only. A production role that trusts them trusts nothing else:
  // a branch subject next to them would let any push to a production branch (with a workflow
  // edited to skip the reviewed job) assume the role without a reviewer.
  const environments = production && !unsafeProductionBranchTrust ? githubEnvironments : [];
  if (production && !unsafeProductionBranchTrust && environments.length === 0) {
    throw new UserError(
      `the production account ${key} deploys through a reviewed GitHub environment, and none was given`,
      'pass --github-environment <name> (default production), or, knowingly, --unsafe-production-branch-trust',
    );
  }
  if (production && unsafeProductionBranchTrust) {
    notes.push(
      `UNSAFE: the ${key} role trusts production branch names, not a reviewed GitHub environment: whoever can push one of these branches gets production credentials without a reviewer`,
    );
  }
  if (!production && options.githubEnvironments !== undefined && githubEnvironments.length > 0) {
    notes.push(
      `GitHub environments (${githubEnvironments.join(', ')}) gate production accounts only: the ${key} role does not trust them`,
    );
  }
  const viaEnvironments = environments.length > 0;
  const environmentBranches: string[] = [];

  const wanted: ProtectionClass = production ? 'protected' : protectionClass;
  for (const [index, rule] of config.rules.entries()) {
    if (rule.account !== key) continue;
    if (!production && (rule.protected ? 'protected' : 'unprotected') !== wanted) continue;
    if (production && !rule.protected) {
      problems.push(`rules[${index}] (${rule.branch}) routes to production but is not protected`);
      continue;
    }
    if (viaEnvironments) {
      environmentBranches.push(rule.branch);
      continue;
    }
    const like = branchToStringLike(rule.branch, maxExpansions);
    if (!like.exact && production) {
      problems.push(
        `rules[${index}] (${rule.branch}): ${like.reason ?? 'not expressible'}, so the production role cannot trust exactly these branches`,
      );
      continue;
    }
    if (!like.exact) {
      notes.push(
        `rules[${index}] (${rule.branch}) is trusted as ${like.patterns.join(', ')}, which admits more branches: ${like.reason ?? ''}`,
      );
    }
    for (const p of like.patterns) {
      add(branchSubject(repository, p), `rules[${index}] ${rule.branch}`, like.exact);
    }
  }
  if (problems.length > 0) {
    throw new UserError(
      `cannot generate the ${key} deploy role's trust policy:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      'rewrite the rule with literal text, ** and [..] classes (e.g. prod[1-9] instead of /prod[1-9]/), or protect the rule with a GitHub environment: --github-environment <name> (required reviewers, deployment branches limited to these rules)',
    );
  }

  const defaultSubject = branchSubject(repository, escapeStringLike(defaultBranch));
  // No pull_request subject: its token does not depend on the head branch (every same-repository
  // pull request, and fork pull requests in private repositories that send write tokens to forks,
  // would get it). Environments deploy from push runs.
  if (!production) {
    add(
      defaultSubject,
      `default branch ${defaultBranch}: delete, schedule and workflow_dispatch runs destroy and reap`,
      true,
    );
  }
  if (viaEnvironments) {
    notes.push(
      `the ${key} role trusts no branch, only jobs that run in the GitHub environment ${environments.join(', ')}: give it required reviewers and deployment-branch policies that admit exactly ${environmentBranches.join(', ')}`,
    );
  }
  for (const env of environments) {
    add(
      `repo:${repository}:environment:${env}`,
      `GitHub environment ${env}, for ${environmentBranches.join(', ')}`,
      true,
    );
  }
  if (explained.length === 0 || (viaEnvironments && environmentBranches.length === 0)) {
    throw new UserError(
      `no ${production ? '' : `${wanted} `}routing rule routes to account '${key}', so its ${production ? '' : `${wanted} `}deploy role would trust nobody`,
      'add a rule for it in branch-env.config.json, or do not bootstrap this account',
    );
  }
  const subjects = explained.map((e) => e.subject);
  const policyChars = JSON.stringify(
    trustPolicyDocument({ audience: GITHUB_OIDC.audience, subjects }, account.id),
  ).length;
  if (policyChars > TRUST_POLICY_QUOTA_MAX_CHARS) {
    throw new UserError(
      `the ${key} deploy role's trust policy would be ${policyChars} characters; IAM allows at most ${TRUST_POLICY_QUOTA_MAX_CHARS}`,
      'merge routing rules (e.g. one prod/** instead of many literal branches) or narrow character classes',
    );
  }
  if (policyChars > TRUST_POLICY_MAX_CHARS) {
    notes.push(
      `the trust policy is ${policyChars} characters, over IAM's default ${TRUST_POLICY_MAX_CHARS}: request the "Role trust policy length" quota increase (up to ${TRUST_POLICY_QUOTA_MAX_CHARS}) before bootstrapping`,
    );
  }
  return {
    account: key,
    production,
    audience: GITHUB_OIDC.audience,
    subjects,
    explained,
    notes,
    policyChars,
  };
}

/** The trust policy statement's Condition block, as IAM receives it. */
export function trustConditions(
  trust: OidcTrust,
): Record<string, Record<string, string | string[]>> {
  return {
    StringEquals: { [GITHUB_OIDC.audClaim]: trust.audience },
    StringLike: { [GITHUB_OIDC.subClaim]: [...trust.subjects] },
  };
}
