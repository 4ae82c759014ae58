import {
  databaseIdentifier,
  physicalNameProblems,
  serviceUrlKey,
  ssmPrefix,
  type PhysicalNameKind,
  type ResolvedEnvironment,
} from '@branch-env/core';

/**
 * Every physical name the environment stack sets, derived in one place from the resolved
 * environment. Everything else is named by CloudFormation (no length limits to respect, no
 * collisions between environments). A name over its AWS limit is a bug: `resolveEnvironment()`
 * already fitted the environment name into the budget of `nameBudget()`.
 */
export interface PhysicalNames {
  /** CloudWatch dashboard `<app>-<env>`. */
  readonly dashboard: string;
  /** Log group of the sample service's containers: `/<app>/<env>/service/api`. */
  readonly serviceLogGroup: string;
  /** Log group of a service's containers: `/<app>/<env>/service/<name>`. */
  readonly serviceLogGroupOf: (service: string) => string;
  /** Log group of a job's container: `/<app>/<env>/job/<name>`. */
  readonly jobLogGroupOf: (job: string) => string;
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
  /**
   * DocumentDB / Aurora identifiers, set explicitly: CloudFormation would derive them from the
   * stack name, and a hashed environment's stack name contains `--`, which these refuse.
   */
  readonly database: {
    /** DB cluster identifier `<app>-<env>` (hyphen runs collapsed, at most 55 characters). */
    readonly cluster: string;
    /** DB instance identifiers: `<cluster>-<n>` (DocumentDB), `<cluster>-writer` / `-reader` (Aurora). */
    readonly instance: (member: string) => string;
    /** DocumentDB cluster parameter group `<cluster>-params`. */
    readonly parameterGroup: string;
  };
}

/** The naming rule (core's PHYSICAL_NAME_RULES) each name is checked against. */
const RULE_OF: Readonly<
  Record<
    Exclude<keyof PhysicalNames, 'database' | 'serviceLogGroupOf' | 'jobLogGroupOf'>,
    PhysicalNameKind
  >
> = {
  dashboard: 'dashboard',
  serviceLogGroup: 'logGroup',
  flowLogGroup: 'logGroup',
  dnsName: 'dnsName',
  originDnsName: 'dnsName',
  certificateArnParameter: 'ssmParameter',
};

/** Members whose instance identifiers are checked up front (DocumentDB up to 16 instances). */
const DATABASE_MEMBERS = ['writer', 'reader', '16'];

/** The physical names of one environment; throws (a bug) when one breaks its AWS limit. */
export function physicalNames(env: ResolvedEnvironment): PhysicalNames {
  const cluster = databaseIdentifier(env.app, env.name);
  const names: PhysicalNames = {
    dashboard: `${env.app}-${env.name}`,
    serviceLogGroup: `/${env.app}/${env.name}/service/api`,
    serviceLogGroupOf: (service) => `/${env.app}/${env.name}/service/${service}`,
    jobLogGroupOf: (job) => `/${env.app}/${env.name}/job/${job}`,
    flowLogGroup: `/${env.app}/${env.name}/vpc/flow`,
    dnsName: env.dnsName,
    originDnsName: env.dnsName === undefined ? undefined : `origin.${env.dnsName}`,
    certificateArnParameter: `${env.ssmPrefix}domain/cloudfront-certificate-arn`,
    database: {
      cluster,
      instance: (member) => `${cluster}-${member}`,
      parameterGroup: `${cluster}-params`,
    },
  };
  const problems: string[] = [];
  for (const [key, kind] of Object.entries(RULE_OF) as [keyof typeof RULE_OF, PhysicalNameKind][]) {
    const value = names[key];
    if (value !== undefined) problems.push(...physicalNameProblems(kind, value));
  }
  problems.push(
    ...physicalNameProblems('databaseIdentifier', cluster),
    ...DATABASE_MEMBERS.flatMap((m) =>
      physicalNameProblems('databaseIdentifier', names.database.instance(m)),
    ),
    ...physicalNameProblems('databaseParameterGroup', names.database.parameterGroup),
    ...env.services.flatMap((s) =>
      physicalNameProblems('logGroup', names.serviceLogGroupOf(s.name)),
    ),
    ...env.jobs.flatMap((j) => physicalNameProblems('logGroup', names.jobLogGroupOf(j.name))),
  );
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
