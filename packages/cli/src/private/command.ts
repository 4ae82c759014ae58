import type { ParseArgsConfig } from 'node:util';
import type { Io } from './io.js';

export type OptionSpec = NonNullable<ParseArgsConfig['options']>;

/** What a command module exports: the handler the command table calls after parsing. */
interface CommandModule {
  run(args: ParsedArgs, io: Io): Promise<number> | number;
}

export interface ParsedArgs {
  readonly positionals: readonly string[];
  readonly values: Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;
}

/** One row of the command table: metadata is loaded eagerly, the implementation lazily. */
export interface CommandSpec {
  /** Words that select the command, e.g. `['config', 'check']`. */
  readonly words: readonly string[];
  readonly summary: string;
  /** Usage after `branch-env <words>`, e.g. `<branch> [--json]`. */
  readonly usage: string;
  readonly options: OptionSpec;
  readonly positionals: { readonly min: number; readonly max: number };
  readonly load: () => Promise<CommandModule>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpec = {
  config: { type: 'string', short: 'c' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};
