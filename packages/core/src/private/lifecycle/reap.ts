import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { destroyCommand } from '../shell/commands.js';
import { resolveEnvironment, tagValue } from '../routing/resolve.js';
import { branchOf, busyStack, type DeployedEnvironment } from './environments.js';
import { expiryOf, humanDuration, isExpired } from './expiry.js';

/**
 * Whether an environment found in an account is protected, judged from the config as it is now:
 * - its owner branch still resolves to this environment name, account and region: that rule's
 *   `protected`;
 * - a rule with a fixed `environment` of this name, in this account and region: that rule's
 *   `protected`;
 * - the environment lives in a production account: protected;
 * - otherwise `undefined` (unknown): reap leaves it alone and says so.
 */
export function protectionOf(
  env: Pick<
    DeployedEnvironment,
    'environment' | 'account' | 'region' | 'ownerBranch' | 'taggedBranch'
  >,
  config: Config,
): { protected: boolean | undefined; ttlHours: number | null | undefined } {
  const branch = branchOf(env as DeployedEnvironment);
  if (branch !== undefined) {
    try {
      const resolved = resolveEnvironment(branch, config);
      if (
        resolved.name === env.environment &&
        resolved.account.id === env.account &&
        resolved.region === env.region
      )
        return { protected: resolved.protected, ttlHours: resolved.ttlHours };
    } catch {
      // the branch no longer routes: fall through to the other evidence
    }
  }
  const fixed = config.rules.find((r) => {
    const account = config.accounts[r.account];
    return (
      r.environment === env.environment &&
      account?.id === env.account &&
      account.region === env.region
    );
  });
  if (fixed) return { protected: fixed.protected, ttlHours: fixed.protected ? null : undefined };
  const production = Object.values(config.accounts).some(
    (a) => a.id === env.account && a.production,
  );
  if (production) return { protected: true, ttlHours: null };
  return { protected: undefined, ttlHours: undefined };
}

export interface ReapCandidate {
  readonly environment: DeployedEnvironment;
  /** From {@link protectionOf}; `undefined` means unknown and is never reaped. */
  readonly protected: boolean | undefined;
  /** The TTL the config gives the branch now, if known (used when no `expires-at` is recorded). */
  readonly ttlHours?: number | null | undefined;
}

/** Branch names every repository has: their presence says nothing about which repository it is. */
const DEFAULT_BRANCHES: ReadonlySet<string> = new Set(['main', 'master']);

/**
 * Sanity check of a non-empty live-branch list against what the accounts hold: it must contain at
 * least one branch that owns a protected environment found there (`sandbox`, `qa1`, ...). Those
 * branches live as long as the repository, so a list without any of them is not this
 * repository's branches (a wrong remote, another repository's token, a truncated file) and reaping
 * on it would destroy every unprotected environment. The default branch alone is no evidence:
 * every repository has one. When no protected environment with a known owner is found (a new
 * setup), there is nothing to check against: `checked: false`, and the caller says so.
 */
export function checkLiveBranches(
  candidates: readonly ReapCandidate[],
  liveBranches: ReadonlySet<string>,
): { readonly checked: boolean } {
  const liveTags = tagValues(liveBranches);
  const owners = candidates.flatMap((c) => {
    const branch = branchOf(c.environment);
    return c.protected === true && branch !== undefined && !DEFAULT_BRANCHES.has(branch)
      ? [{ environment: c.environment, branch }]
      : [];
  });
  if (owners.length === 0) return { checked: false };
  if (owners.some((o) => isLive(o.environment, liveBranches, liveTags))) return { checked: true };
  const names = [...new Set(owners.map((o) => o.branch))].sort();
  throw new UserError(
    `none of the ${liveBranches.size} live branch(es) owns a protected environment (their owners: ${names.slice(0, 5).join(', ')}${names.length > 5 ? ', ...' : ''}); the list looks like another repository's or a partial one, so refusing to reap (every unprotected environment would look orphaned)`,
    'make the branch source list this repository: run reap in a checkout of it (`git ls-remote --heads origin` there must show those branches), or use --branches-from github with its GITHUB_REPOSITORY; --ttl-only reaps on expiry alone',
  );
}

/** The `branch-env:branch` tag values of `branches` (tags hold a sanitized branch). */
function tagValues(branches: ReadonlySet<string>): ReadonlySet<string> {
  return new Set([...branches].map((b) => tagValue(b)));
}

/**
 * Whether the branch of `env` is live: its exact owner branch is in `live`, or, with only the
 * (sanitized) branch tag to go by, that tag is one of `liveTags` ({@link tagValues} of `live`).
 * Undefined when its branch is unknown.
 */
function isLive(
  env: Pick<DeployedEnvironment, 'ownerBranch' | 'taggedBranch'>,
  live: ReadonlySet<string>,
  liveTags: ReadonlySet<string>,
): boolean | undefined {
  if (env.ownerBranch !== undefined) return live.has(env.ownerBranch);
  if (env.taggedBranch !== undefined) return liveTags.has(env.taggedBranch);
  return undefined;
}

export interface ReapDecision {
  readonly environment: string;
  readonly branch: string | undefined;
  readonly account: string;
  readonly region: string;
  readonly action: 'destroy' | 'keep';
  /** Why, in words a person reads in the CI log. */
  readonly reasons: readonly string[];
  readonly expiresAt: string | null | undefined;
}

/**
 * What `reap` destroys and why. Never a protected environment, never one whose protection is
 * unknown, never one with a stack operation in progress (a deploy racing the reaper). Destroys when the branch is gone from `liveBranches` (when given) or the TTL expired.
 * An empty live-branch list is refused: it almost always means the list failed, and reaping on it
 * would destroy every environment.
 */
export function planReap(
  candidates: readonly ReapCandidate[],
  liveBranches: ReadonlySet<string> | null,
  now: Date,
): ReapDecision[] {
  if (liveBranches !== null && liveBranches.size === 0) {
    throw new UserError(
      'the list of live branches is empty; refusing to reap (every environment would look orphaned)',
      'check the branch source (`git ls-remote --heads origin`, GITHUB_TOKEN, or the file) returns the branches',
    );
  }
  const liveTags = liveBranches === null ? null : tagValues(liveBranches);
  return candidates.map(({ environment: env, protected: prot, ttlHours }) => {
    const branch = branchOf(env);
    const expiry = expiryOf(env, ttlHours);
    const base = {
      environment: env.environment,
      branch,
      account: env.account,
      region: env.region,
      expiresAt: expiry === undefined ? undefined : expiry === null ? null : expiry.toISOString(),
    };
    if (prot === true) return { ...base, action: 'keep', reasons: ['protected'] };
    // A stack mid-operation means someone is deploying (or destroying) it right now: never race it.
    if (env.status === 'in-progress') {
      return { ...base, action: 'keep', reasons: ['a deploy or delete is in progress; next run'] };
    }
    if (prot === undefined) {
      return {
        ...base,
        action: 'keep',
        reasons: [
          `cannot tell whether it is protected (${branch === undefined ? 'no owner record' : `branch '${branch}' no longer routes to it`}); destroy it by hand with \`${destroyCommand({ environment: env.environment })}\``,
        ],
      };
    }
    const reasons: string[] = [];
    if (branch !== undefined && liveBranches !== null && liveTags !== null) {
      if (!isLive(env, liveBranches, liveTags)) reasons.push(`branch '${branch}' no longer exists`);
    }
    if (isExpired(expiry, now)) {
      reasons.push(
        `TTL expired ${humanDuration((expiry as Date).getTime() - now.getTime())} (${(expiry as Date).toISOString()})`,
      );
    }
    if (reasons.length > 0) return { ...base, action: 'destroy', reasons };
    const keep: string[] = [];
    if (branch === undefined) keep.push('owner branch unknown and not expired');
    else if (liveBranches !== null) keep.push(`branch '${branch}' is live`);
    keep.push(
      expiry === null
        ? 'never expires'
        : expiry === undefined
          ? 'expiry unknown'
          : `expires in ${humanDuration(expiry.getTime() - now.getTime())}`,
    );
    return { ...base, action: 'keep', reasons: keep };
  });
}

/** What a fresh look at one environment, just before reap destroys it, says to do. */
export type ReapCheck =
  | { readonly destroy: true; readonly decision: ReapDecision }
  | { readonly destroy: false; readonly reason: string };

/**
 * Re-decide one environment from a fresh scan taken immediately before destroying it. Reap scans
 * every environment once and destroys them one after the other (each can take 30+ min), and the
 * reaper does not share the per-environment concurrency group of deploys: by the time an
 * environment's turn comes it may have been redeployed (a later `meta/expires-at`), be mid-deploy,
 * or have changed hands. Destroy only if the same pure decision ({@link planReap}) still says so.
 * `fresh` is `undefined` when the environment is no longer found at all.
 */
export function confirmReap(
  planned: ReapDecision,
  fresh: ReapCandidate | undefined,
  liveBranches: ReadonlySet<string> | null,
  now: Date,
): ReapCheck {
  if (fresh === undefined) return { destroy: false, reason: 'gone since the scan' };
  // planReap keeps it too, but this names the stack and what it is doing.
  const busy = busyStack(fresh.environment.stacks);
  if (busy) {
    return {
      destroy: false,
      reason: `operation in progress (${busy.name} is ${busy.status}); next run`,
    };
  }
  const [decision] = planReap([fresh], liveBranches, now);
  if (decision === undefined) throw new Error('bug: planReap returned no decision');
  if (decision.action === 'destroy') return { destroy: true, decision };
  const later =
    typeof decision.expiresAt === 'string' &&
    typeof planned.expiresAt === 'string' &&
    Date.parse(decision.expiresAt) > Date.parse(planned.expiresAt);
  if (later || (decision.expiresAt === null && planned.expiresAt !== null)) {
    return {
      destroy: false,
      reason: `redeployed since the scan (now expires ${decision.expiresAt ?? 'never'}): ${decision.reasons.join('; ')}`,
    };
  }
  return { destroy: false, reason: `no longer to destroy: ${decision.reasons.join('; ')}` };
}
