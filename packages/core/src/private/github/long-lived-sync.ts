import type { Config } from '../config/schema.js';
import { printable } from '../naming/git-ref.js';
import { mdCode } from './markdown.js';
import { routeOf } from '../routing/resolve.js';
import { shellCommand } from '../shell/quote.js';

/**
 * One branch the long-lived sync (sync-long-lived.yml) merges the default branch into, with every
 * text the workflow prints about it made here, safe for its context: markdown code spans for issue
 * titles, bodies and summaries (no mention, link or formatting can come from a branch name), and
 * shell-quoted commands to paste.
 */
export interface SyncTarget {
  readonly branch: string;
  /** The branch as a markdown code span (invisible and bidirectional characters shown as `\uXXXX`). */
  readonly label: string;
  /** Title of the issue filed when the merge conflicts. */
  readonly conflictTitle: string;
  /** Title of the issue filed when the push is rejected. */
  readonly rejectedTitle: string;
  /** Merge by hand: fetch, switch to the branch, merge the default branch. */
  readonly mergeCommand: string;
  /** {@link mergeCommand} followed by the push. */
  readonly pushCommand: string;
}

/**
 * Whether the sync merges the default branch into `branch`: the matching rule's `sync`, or by
 * default protected rules without `**` (long-lived names such as `sandbox`, `qa*`) in non-production
 * accounts. Production branches are never pushed to unless their rule says `"sync": true`: a push
 * there needs an identity that may bypass the production ruleset, and any workflow can obtain the
 * sync's.
 */
export function syncsInto(branch: string, config: Config, defaultBranch: string): boolean {
  if (branch === defaultBranch) return false;
  const route = routeOf(branch, config);
  if (!route) return false;
  if (route.rule.allow !== undefined && !route.rule.allow.includes(branch)) return false;
  if (route.rule.sync !== undefined) return route.rule.sync;
  const production = config.accounts[route.rule.account]?.production !== false;
  return route.rule.protected && !route.rule.branch.includes('**') && !production;
}

/** The branches of `branches` the sync merges into, with their texts. */
export function syncTargets(
  branches: readonly string[],
  config: Config,
  defaultBranch: string,
): SyncTarget[] {
  return branches
    .filter((b) => syncsInto(b, config, defaultBranch))
    .map((branch) => {
      const label = mdCode(printable(branch));
      const mergeCommand = [
        shellCommand(['git', 'fetch', 'origin']),
        shellCommand(['git', 'switch', branch]),
        shellCommand(['git', 'merge', `origin/${defaultBranch}`]),
      ].join(' && ');
      return {
        branch,
        label,
        conflictTitle: `branch-env sync: merging into ${label} conflicts`,
        rejectedTitle: `branch-env sync: pushing the merge into ${label} was rejected`,
        mergeCommand,
        pushCommand: `${mergeCommand} && git push`,
      };
    });
}
