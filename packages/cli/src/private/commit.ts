import { UserError } from '@branch-env/core';
import type { ParsedArgs } from './command.js';
import type { Io } from './io.js';

/**
 * The commit being deployed or compared: `--commit`, else GITHUB_SHA, else 'unknown'. `deploy`
 * and `diff` read it the same way, so the diff synthesizes the templates the deploy will (commit
 * variable and image tag) and shows no change where there is none.
 */
export function commitOf(args: ParsedArgs, io: Io): string {
  if (typeof args.values.commit === 'string') {
    if (!/^[0-9a-f]{7,40}$/i.test(args.values.commit))
      throw new UserError(
        `--commit '${args.values.commit}' is not a commit SHA`,
        'pass --commit "$GITHUB_SHA"',
      );
    return args.values.commit;
  }
  return io.env.GITHUB_SHA ?? 'unknown';
}
