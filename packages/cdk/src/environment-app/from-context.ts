import { dirname } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadConfig, resolveEnvironment, UserError } from '@branch-env/core';
import {
  createEnvironmentApp,
  type EnvironmentApp,
  type EnvironmentAppProps,
} from './create-environment-app.js';

/** The CDK context keys {@link environmentAppFromContext} reads (`-c key=value`). */
const CONTEXT_KEYS = ['branch', 'commit', 'config', 'nag', 'validate'] as const;

export interface EnvironmentAppFromContextProps extends Pick<EnvironmentAppProps, 'extend'> {
  /**
   * Context values: `branch` (required), `commit`, `config` (the config file), `nag` and
   * `validate` (`false` turns them off).
   * @default - read from the CDK CLI's `-c key=value` and cdk.json's `context` (CDK_CONTEXT_JSON)
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Cloud assembly directory.
   * @default - CDK_OUTDIR when run by the CDK CLI
   */
  readonly outdir?: string;
}

/** The context the CDK CLI passes to the app (`-c key=value` and cdk.json's `context`). */
function cliContext(): Record<string, unknown> {
  // A throwaway App parses CDK_CONTEXT_JSON exactly the way the CLI wrote it.
  const probe = new App({ autoSynth: false });
  const out: Record<string, unknown> = {};
  for (const key of CONTEXT_KEYS) {
    const value: unknown = probe.node.tryGetContext(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The CDK app of one branch's environment, for your own `cdk.json` app: reads `-c branch=` (and
 * `-c commit=`, `-c config=`), loads branch-env.config.json (the nearest one upwards, or `config`),
 * resolves the branch and builds its environment, with your constructs added by `extend`.
 *
 *   // infra/app.mjs, cdk.json: { "app": "node infra/app.mjs" }
 *   environmentAppFromContext({ extend: (stack, env) => new MyQueue(stack, 'Queue') }).app.synth();
 */
export function environmentAppFromContext(
  props: EnvironmentAppFromContextProps = {},
): EnvironmentApp {
  const context = props.context ?? cliContext();
  const branch = context.branch;
  if (typeof branch !== 'string' || branch.length === 0) {
    throw new UserError(
      'no branch given: the app builds the environment of one branch',
      'run `npx cdk synth -c branch=<branch>` (e.g. -c branch=feature/new-login)',
    );
  }
  const commit = typeof context.commit === 'string' ? context.commit : undefined;
  const configFile = typeof context.config === 'string' ? context.config : undefined;
  const { config, file } = loadConfig(configFile, undefined, { checkFiles: true });
  return createEnvironmentApp({
    environment: resolveEnvironment(branch, config),
    commit,
    configDirectory: dirname(file),
    outdir: props.outdir,
    nag: context.nag !== 'false' && context.nag !== false,
    validate: context.validate !== 'false' && context.validate !== false,
    extend: props.extend,
  });
}
