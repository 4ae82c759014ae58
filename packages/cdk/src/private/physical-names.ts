import { LIMITS, serviceUrlKey, ssmPrefix, type ResolvedEnvironment } from '@branch-env/core';

/**
 * Every physical name the environment stack sets, derived in one place from the resolved
 * environment. Everything else is named by CloudFormation (no length limits to respect, no
 * collisions between environments). A name over its AWS limit is a bug: `resolveEnvironment()`
 * already fitted the environment name into the budget of `nameBudget()`.
 */
export interface PhysicalNames {
  /** CloudWatch dashboard `<app>-<env>`. */
  readonly dashboard: string;
  /** Log group of the service task's containers: `/<app>/<env>/service/api`. */
  readonly serviceLogGroup: string;
  /** Log group of the VPC flow logs: `/<app>/<env>/vpc/flow`. */
  readonly flowLogGroup: string;
  /** Public DNS name `<env>.<domain>`, when the environment has a custom domain. */
  readonly dnsName: string | undefined;
  /**
   * DNS name CloudFront reaches the load balancer on, `origin.<env>.<domain>` (a SAN of the
   * regional certificate, so the ACM first-name limit still only applies to `<env>.<domain>`).
   */
  readonly originDnsName: string | undefined;
  /**
   * SSM parameter (in us-east-1) with the CloudFront certificate's ARN, for environment stacks in
   * other regions: `/<app>/<env>/domain/cloudfront-certificate-arn`.
   */
  readonly certificateArnParameter: string;
}

const LIMIT_CHECKS: readonly (readonly [keyof PhysicalNames, number, RegExp])[] = [
  ['dashboard', LIMITS.dashboardName, /^[A-Za-z0-9_-]+$/],
  ['serviceLogGroup', LIMITS.logGroupName, /^[.\-_/#A-Za-z0-9]+$/],
  ['flowLogGroup', LIMITS.logGroupName, /^[.\-_/#A-Za-z0-9]+$/],
  ['dnsName', 253, /^[a-z0-9.-]+$/],
  ['originDnsName', 253, /^[a-z0-9.-]+$/],
  ['certificateArnParameter', LIMITS.ssmParameterName, /^\/[a-zA-Z0-9_.\-/]+$/],
];

/** The physical names of one environment; throws (a bug) when one breaks its AWS limit. */
export function physicalNames(env: ResolvedEnvironment): PhysicalNames {
  const names: PhysicalNames = {
    dashboard: `${env.app}-${env.name}`,
    serviceLogGroup: `/${env.app}/${env.name}/service/api`,
    flowLogGroup: `/${env.app}/${env.name}/vpc/flow`,
    dnsName: env.dnsName,
    originDnsName: env.dnsName === undefined ? undefined : `origin.${env.dnsName}`,
    certificateArnParameter: `${env.ssmPrefix}domain/cloudfront-certificate-arn`,
  };
  const problems: string[] = [];
  for (const [key, limit, pattern] of LIMIT_CHECKS) {
    const value = names[key];
    if (value === undefined) continue;
    if (value.length > limit) problems.push(`${key} '${value}' is longer than ${limit}`);
    if (!pattern.test(value)) problems.push(`${key} '${value}' does not match ${pattern}`);
  }
  if (problems.length > 0) {
    throw new Error(
      `bug: physical names of '${env.name}' break AWS limits: ${problems.join('; ')}`,
    );
  }
  return names;
}

/**
 * IAM pattern of the parameters service discovery's fallback reads, the baseline environment's
 * service URLs (`/<app>/<baseline>/` + `*` + `/service-url`); undefined without a baseline.
 */
export function baselineServiceUrls(env: ResolvedEnvironment): string | undefined {
  return env.baseline === undefined
    ? undefined
    : `${ssmPrefix(env.app, env.baseline)}${serviceUrlKey('*')}`;
}
