import { environmentAppFromContext, type EnvironmentApp } from '@branch-env/cdk';

export interface BuildAppOptions {
  /**
   * Context values (`ENVIRONMENT_CONTEXT` of `@branch-env/core`: `branch`, `commit`, `config`,
   * `nag`, `validate`, and what `branch-env deploy` computes).
   * @default - read by the CDK CLI from `-c key=value` (CDK_CONTEXT_JSON)
   */
  readonly context?: Readonly<Record<string, unknown>>;
  /**
   * Cloud assembly directory.
   * @default - CDK_OUTDIR when run by the CDK CLI
   */
  readonly outdir?: string;
}

/**
 * This repository's environment app, built the way an adopting repository builds its own: through
 * the public API of `@branch-env/cdk` only (`-c branch=` resolved with the root config).
 */
export function buildApp(options: BuildAppOptions = {}): EnvironmentApp {
  return environmentAppFromContext(options);
}
