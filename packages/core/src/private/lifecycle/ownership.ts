import { UserError } from '../errors.js';
import { destroyCommand } from '../shell/commands.js';

/**
 * Who may deploy an environment, from its owner record (`meta/owner-branch`, claimed with
 * `PutParameter Overwrite=false` before the first deploy):
 * - `unclaimed`: no record; the deploy claims it.
 * - `owned`: the record names this exact branch.
 * - `conflict`: another branch owns the environment (two branches whose names shorten or route
 *   to the same environment); the deploy must refuse.
 */
export type Ownership =
  | { readonly kind: 'unclaimed' }
  | { readonly kind: 'owned' }
  | { readonly kind: 'conflict'; readonly owner: string };

export function checkOwnership(record: string | null | undefined, branch: string): Ownership {
  if (record === null || record === undefined || record === '') return { kind: 'unclaimed' };
  return record === branch ? { kind: 'owned' } : { kind: 'conflict', owner: record };
}

/** The error a deploy raises on a conflict: names both branches and the fixes. */
export function ownershipConflict(
  environment: string,
  ownerParameter: string,
  owner: string,
  branch: string,
): UserError {
  return new UserError(
    `environment '${environment}' belongs to branch '${owner}', not '${branch}'; refusing to deploy over it`,
    `rename '${branch}' (two branches must not share an environment), or, if '${owner}' is gone, run \`${destroyCommand({ environment })}\` first (it deletes ${ownerParameter})`,
  );
}
