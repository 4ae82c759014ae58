import { branchArgument } from '../naming/git-ref.js';
import { shellCommand } from './quote.js';

/** What a printed `branch-env destroy` command names. */
export interface DestroyCommandInput {
  /** The branch, when known: the command resolves it offline. */
  readonly branch?: string | undefined;
  /** The environment name: used when no branch is known. */
  readonly environment: string;
  /** Add --force-protected. @default false */
  readonly forceProtected?: boolean | undefined;
  /** How the CLI is started. @default ['branch-env'] */
  readonly cli?: readonly string[] | undefined;
}

/**
 * The `branch-env destroy` command for an environment, ready to paste: every word shell-quoted,
 * the branch written so the CLI reads back exactly that branch (see {@link branchArgument}).
 */
export function destroyCommand(input: DestroyCommandInput): string {
  return shellCommand([
    ...(input.cli ?? ['branch-env']),
    'destroy',
    input.branch !== undefined ? branchArgument(input.branch) : input.environment,
    ...(input.forceProtected === true ? ['--force-protected'] : []),
  ]);
}
