import {
  ENVIRONMENT_CHECKS as CONFIG_ENVIRONMENT_CHECKS,
  UserError,
  environmentProblems,
  type EnvironmentCheck,
  type ResolvedEnvironment,
} from '@branch-env/core';

/** An environment check over a resolved environment. */
export type ResolvedEnvironmentCheck = EnvironmentCheck<ResolvedEnvironment>;

/**
 * Guards of the construct API, not config rules: they fail only for a `ResolvedEnvironment` built
 * by hand, never for one `resolveEnvironment()` made from a config `config check` accepted.
 */
export const API_CHECKS: readonly ResolvedEnvironmentCheck[] = [
  {
    id: 'cloudfront-certificate-stack',
    problem: (env) =>
      env.profile.cloudfront && env.dnsName !== undefined && env.stacks.certificate === undefined
        ? `environment '${env.name}' serves ${env.dnsName} on CloudFront but names no certificate stack`
        : undefined,
    fix: 'resolve the environment with resolveEnvironment() from @branch-env/core',
    path: () => '',
  },
];

/**
 * What synthesis checks before it builds an environment: the config rules of `@branch-env/core`
 * (`config check` reports the same ones) and the API guards.
 */
export const ENVIRONMENT_CHECKS: readonly ResolvedEnvironmentCheck[] = [
  ...CONFIG_ENVIRONMENT_CHECKS,
  ...API_CHECKS,
];

/** Throws one UserError listing every check the environment fails. */
export function checkEnvironment(env: ResolvedEnvironment): void {
  const failures = environmentProblems(env, ENVIRONMENT_CHECKS);
  if (failures.length === 0) return;
  throw new UserError(
    `environment '${env.name}' cannot be built:\n${failures.map((f) => `  - ${f.problem}`).join('\n')}`,
    failures.map((f) => f.fix).join('; '),
  );
}
