/**
 * The AWS and DNS limits an environment name feeds into (docs/reference/aws-name-limits.md).
 * Every physical name branch-env sets is derived from the environment name through
 * `physicalNames()`, so the budget below is the only place these limits are applied.
 */
export const LIMITS = {
  dnsLabel: 63,
  acmFirstName: 64,
  stackName: 128,
  dashboardName: 255,
  logGroupName: 512,
  ssmParameterName: 1011,
  ssmLevels: 15,
  tagValue: 256,
} as const;

/** Suffixes of stack names beyond the main `<app>-<env>` stack. The longest sets the budget. */
export const STACK_SUFFIXES = { main: '', certificate: '-certificate' } as const;

/** Longest key the config bus writes under `/<app>/<env>/`, e.g. `experiments/<id>/configuration`. */
export const LONGEST_SSM_KEY = 'experiments/0123456789abcdef0123456789abcdef/configuration';

/**
 * Longest log group suffix we create: `/<app>/<env>` + this (`/service/<name>` of a service with
 * the longest name a service or job may have, 24 characters).
 */
const LONGEST_LOG_GROUP_SUFFIX = `/service/${'s'.repeat(24)}`;

/** Below this the name budget is too small to keep names readable: the config is rejected. */
export const MIN_NAME_BUDGET = 20;

export interface BudgetTerm {
  /** What the limit is on, e.g. `ACM first name <env>.dev.example.com`. */
  readonly thing: string;
  readonly limit: number;
  /** Longest environment name this term allows. */
  readonly maxEnvironmentLength: number;
}

export interface NameBudget {
  /** Longest environment name that fits every term. */
  readonly maxLength: number;
  readonly terms: readonly BudgetTerm[];
}

/** The budget an environment name must fit, given the app name and every configured domain. */
export function nameBudget(app: string, domains: readonly string[]): NameBudget {
  const longestSuffix = Math.max(...Object.values(STACK_SUFFIXES).map((s) => s.length));
  const terms: BudgetTerm[] = [
    { thing: 'DNS label <env>', limit: LIMITS.dnsLabel, maxEnvironmentLength: LIMITS.dnsLabel },
    {
      thing: `CloudFormation stack name ${app}-<env>${STACK_SUFFIXES.certificate}`,
      limit: LIMITS.stackName,
      maxEnvironmentLength: LIMITS.stackName - app.length - 1 - longestSuffix,
    },
    {
      thing: `CloudWatch dashboard ${app}-<env>`,
      limit: LIMITS.dashboardName,
      maxEnvironmentLength: LIMITS.dashboardName - app.length - 1,
    },
    {
      thing: `CloudWatch log group /${app}/<env>${LONGEST_LOG_GROUP_SUFFIX}`,
      limit: LIMITS.logGroupName,
      maxEnvironmentLength: LIMITS.logGroupName - app.length - 2 - LONGEST_LOG_GROUP_SUFFIX.length,
    },
    {
      thing: `SSM parameter /${app}/<env>/${LONGEST_SSM_KEY}`,
      limit: LIMITS.ssmParameterName,
      maxEnvironmentLength: LIMITS.ssmParameterName - app.length - 3 - LONGEST_SSM_KEY.length,
    },
  ];
  for (const domain of [...new Set(domains)].sort()) {
    terms.push({
      thing: `ACM certificate first name <env>.${domain}`,
      limit: LIMITS.acmFirstName,
      maxEnvironmentLength: LIMITS.acmFirstName - 1 - domain.length,
    });
  }
  return { maxLength: Math.min(...terms.map((t) => t.maxEnvironmentLength)), terms };
}
