import {
  loadConfig,
  resolveEnvironment,
  type Config,
  type LoadConfigOptions,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { Io } from './io.js';
import type { ParsedArgs } from './command.js';

/** The config named by --config (or found from the working directory). */
export function configFrom(
  args: ParsedArgs,
  io: Io,
  options: LoadConfigOptions = {},
): { config: Config; file: string } {
  const explicit = typeof args.values.config === 'string' ? args.values.config : undefined;
  return loadConfig(explicit ?? io.env.BRANCH_ENV_CONFIG, io.cwd, options);
}

/** Resolve the command's branch argument (with --head-ref for pull-request refs). */
export function environmentFrom(
  args: ParsedArgs,
  io: Io,
  options: LoadConfigOptions = {},
): { env: ResolvedEnvironment; config: Config; file: string } {
  const { config, file } = configFrom(args, io, options);
  const headRef = typeof args.values['head-ref'] === 'string' ? args.values['head-ref'] : undefined;
  const env = resolveEnvironment({ ref: args.positionals[0] ?? '', headBranch: headRef }, config);
  return { env, config, file };
}
