import { dirname } from 'node:path';
import { App } from 'aws-cdk-lib';
import {
  ENVIRONMENT_CONTEXT,
  loadConfig,
  readEnvironmentContext,
  resolveEnvironment,
} from '@branch-env/core';
import { recordNagFindings } from '../compliance/nag-findings-file.js';
import {
  createEnvironmentApp,
  type EnvironmentApp,
  type EnvironmentAppProps,
} from './create-environment-app.js';

export interface EnvironmentAppFromContextProps extends Pick<EnvironmentAppProps, 'extend'> {
  /**
   * Context values (`ENVIRONMENT_CONTEXT` of `@branch-env/core` names them): `branch` (required),
   * `commit`, `config` (the config file), `nag` and `validate` (`false` turns them off), and what
   * `branch-env deploy` computes: `branch-env:image-tag`, `branch-env:first-create`, `branch-env:listener-rule`
   * (`{ loadBalancer, priority, priorities }`), `branch-env:secret-sources`.
   * @default - read from the CDK CLI's `-c key=value` and cdk.json's `context` (CDK_CONTEXT_JSON)
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Cloud assembly directory.
   * @default - CDK_OUTDIR when run by the CDK CLI
   */
  readonly outdir?: string;
}

/** The context the CDK CLI (or `branch-env deploy`) passes to the app. */
function cliContext(): Record<string, unknown> {
  // A throwaway App parses CDK_CONTEXT_JSON exactly the way the CLI wrote it.
  const probe = new App({ autoSynth: false });
  const out: Record<string, unknown> = {};
  for (const key of Object.values(ENVIRONMENT_CONTEXT)) {
    const value: unknown = probe.node.tryGetContext(key);
    if (value !== undefined) out[key] = value;
  }
  return out;
}

/**
 * The CDK app of one branch's environment, for your own `cdk.json` app (or the config's
 * `cdk.app`, which `branch-env deploy` runs): reads `-c branch=` (and `-c commit=`, `-c config=`,
 * and the values deploy computes), loads branch-env.config.json (the nearest one upwards, or
 * `config`), resolves the branch and builds its environment, with your constructs added by
 * `extend`.
 *
 *   // infra/app.mjs, cdk.json: { "app": "node infra/app.mjs" }
 *   environmentAppFromContext({ extend: (stack, env) => new MyQueue(stack, 'Queue') }).app.synth();
 */
export function environmentAppFromContext(
  props: EnvironmentAppFromContextProps = {},
): EnvironmentApp {
  const raw = props.context ?? cliContext();
  const context = readEnvironmentContext((key) => (Object.hasOwn(raw, key) ? raw[key] : undefined));
  const { config, file } = loadConfig(context.config, undefined, { checkFiles: true });
  const built = createEnvironmentApp({
    environment: resolveEnvironment(context.branch, config),
    commit: context.commit,
    imageTag: context.imageTag,
    configDirectory: dirname(file),
    outdir: props.outdir,
    // Findings written for `branch-env plan` replace the checks that fail synthesis on them.
    nag: context.nag && !context.nagFindings,
    validate: context.validate,
    firstCreate: context.firstCreate,
    listenerRule: context.listenerRule,
    secretSources: context.secretSources,
    extend: props.extend,
  });
  if (context.nagFindings) recordNagFindings(built.app);
  return built;
}
