import { dirname } from 'node:path';
import { App } from 'aws-cdk-lib';
import { createEnvironmentApp, type EnvironmentApp } from '@branch-env/cdk';
import { loadConfig, resolveEnvironment, UserError } from '@branch-env/core';

export interface BuildAppOptions {
  /**
   * Context values (`branch`, `commit`, `config`, `nag`, `validate`).
   * @default - read by the CDK CLI from `-c key=value` (CDK_CONTEXT_JSON)
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Cloud assembly directory.
   * @default - CDK_OUTDIR when run by the CDK CLI
   */
  readonly outdir?: string;
}

/** Read `-c branch=` (and `-c commit=`, `-c config=`), resolve the branch, build its environment. */
export function buildApp(options: BuildAppOptions = {}): EnvironmentApp {
  const context = options.context ?? contextOf();
  const branch = context.branch;
  if (typeof branch !== 'string' || branch.length === 0) {
    throw new UserError(
      'no branch given: the app builds the environment of one branch',
      'run `npx cdk synth -c branch=<branch>` (e.g. -c branch=feature/new-login)',
    );
  }
  const commit = typeof context.commit === 'string' ? context.commit : undefined;
  const configFile = typeof context.config === 'string' ? context.config : undefined;
  const { config, file } = loadConfig(configFile);
  const environment = resolveEnvironment(branch, config);
  return createEnvironmentApp({
    environment,
    commit,
    configDirectory: dirname(file),
    outdir: options.outdir,
    nag: context.nag !== 'false' && context.nag !== false,
    validate: context.validate !== 'false' && context.validate !== false,
  });
}

/** The context the CDK CLI passes to the app (`-c key=value` and cdk.json's `context`). */
function contextOf(): Record<string, unknown> {
  // A throwaway App parses CDK_CONTEXT_JSON exactly the way the CLI wrote it.
  const probe = new App({ autoSynth: false });
  const out: Record<string, unknown> = {};
  for (const key of ['branch', 'commit', 'config', 'nag', 'validate']) {
    const value: unknown = probe.node.tryGetContext(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}
