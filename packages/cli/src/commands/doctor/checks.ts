import { raiseQuotaFix, QUOTAS_2026_12, type CapacityModel } from '@branch-env/core';

/** One finding of `doctor`: what was checked, whether it is in order, and the fix when not. */
export interface DoctorCheck {
  readonly id: string;
  readonly status: 'ok' | 'gap' | 'warning';
  /** A gap a first deploy fails on: `doctor` exits 1. */
  readonly blocking: boolean;
  readonly message: string;
  readonly fix?: string | undefined;
}

/** What `doctor` read from one account (read-only calls), as plain data. */
export interface AccountFacts {
  readonly account: string;
  readonly region: string;
  /** CDK bootstrap stack (`CDKToolkit`) status, undefined when missing. */
  readonly bootstrapStack: string | undefined;
  readonly deployRoleStack: { readonly name: string; readonly status: string | undefined };
  readonly oidcProvider: boolean;
  /** Service-linked roles by name: present or not. */
  readonly serviceLinkedRoles: Readonly<Record<string, boolean>>;
  /** The configured hosted zone: its name servers, or undefined when it does not exist. */
  readonly hostedZone?:
    | {
        readonly id: string;
        readonly name: string;
        readonly nameServers: readonly string[] | undefined;
        /** What public DNS answers for the zone's NS (undefined: no answer). */
        readonly publicNameServers: readonly string[] | undefined;
      }
    | undefined;
  /** The capacity model of the environments the config implies, with the applied quota values. */
  readonly capacity?: CapacityModel | undefined;
}

/** Service-linked roles a first deploy needs, the service that makes each, and whether a missing one fails it. */
export const SERVICE_LINKED_ROLES: readonly {
  readonly role: string;
  readonly service: string;
  readonly blocking: boolean;
  readonly why: string;
}[] = [
  {
    role: 'AWSServiceRoleForECS',
    service: 'ecs.amazonaws.com',
    blocking: true,
    why: 'ECS creates it inside the first CreateCluster and may not be able to assume it yet: "Unable to assume the service linked role" (cloudformation-coverage-roadmap#818)',
  },
  {
    role: 'AWSServiceRoleForElasticLoadBalancing',
    service: 'elasticloadbalancing.amazonaws.com',
    blocking: false,
    why: 'created with the first load balancer',
  },
  {
    role: 'AWSServiceRoleForRDS',
    service: 'rds.amazonaws.com',
    blocking: false,
    why: 'created with the first DocumentDB or RDS cluster',
  },
];

const normalize = (ns: readonly string[]) =>
  [...new Set(ns.map((n) => n.toLowerCase().replace(/\.$/, '')))].sort();

/** The checks of one account, from what was read. Pure. */
export function doctorChecks(facts: AccountFacts): DoctorCheck[] {
  const checks: DoctorCheck[] = [];
  const where = `account ${facts.account} ${facts.region}`;
  checks.push(
    facts.bootstrapStack && !/FAILED|ROLLBACK_COMPLETE|DELETE/.test(facts.bootstrapStack)
      ? {
          id: 'cdk-bootstrap',
          status: 'ok',
          blocking: false,
          message: `CDK bootstrap stack CDKToolkit is ${facts.bootstrapStack}`,
        }
      : {
          id: 'cdk-bootstrap',
          status: 'gap',
          blocking: true,
          message: `the CDK bootstrap stack CDKToolkit is ${facts.bootstrapStack ?? 'missing'} in ${where}: deploy cannot publish assets`,
          fix: `npx cdk bootstrap aws://${facts.account}/${facts.region} (and aws://${facts.account}/us-east-1 for the CloudFront certificate stacks)`,
        },
  );
  const role = facts.deployRoleStack;
  checks.push(
    role.status && /_COMPLETE$/.test(role.status) && !/ROLLBACK_COMPLETE$|^DELETE/.test(role.status)
      ? {
          id: 'deploy-role',
          status: 'ok',
          blocking: false,
          message: `deploy-role stack ${role.name} is ${role.status}`,
        }
      : {
          id: 'deploy-role',
          status: 'gap',
          blocking: true,
          message: `the deploy-role stack ${role.name} is ${role.status ?? 'missing'} in ${where}: CI cannot assume a role`,
          fix: 'branch-env bootstrap --repository <owner/repo> with credentials for this account',
        },
  );
  checks.push(
    facts.oidcProvider
      ? {
          id: 'github-oidc',
          status: 'ok',
          blocking: false,
          message: 'GitHub OIDC provider token.actions.githubusercontent.com exists',
        }
      : {
          id: 'github-oidc',
          status: 'gap',
          blocking: true,
          message: `no GitHub OIDC provider (token.actions.githubusercontent.com) in account ${facts.account}`,
          fix: 'branch-env bootstrap creates it (or --import-oidc-provider when another stack owns one)',
        },
  );
  for (const slr of SERVICE_LINKED_ROLES) {
    const present = facts.serviceLinkedRoles[slr.role] ?? false;
    checks.push(
      present
        ? {
            id: `service-linked-role:${slr.role}`,
            status: 'ok',
            blocking: false,
            message: `${slr.role} exists`,
          }
        : {
            id: `service-linked-role:${slr.role}`,
            status: slr.blocking ? 'gap' : 'warning',
            blocking: slr.blocking,
            message: `${slr.role} does not exist yet: ${slr.why}`,
            fix: `aws iam create-service-linked-role --aws-service-name ${slr.service}`,
          },
    );
  }
  const zone = facts.hostedZone;
  if (zone) {
    if (zone.nameServers === undefined) {
      checks.push({
        id: 'hosted-zone',
        status: 'gap',
        blocking: true,
        message: `hosted zone ${zone.id} (${zone.name}) does not exist in account ${facts.account}`,
        fix: `create the public hosted zone ${zone.name} and set accounts.<key>.domain.hostedZoneId to its id`,
      });
    } else {
      const want = normalize(zone.nameServers);
      const got = zone.publicNameServers ? normalize(zone.publicNameServers) : undefined;
      checks.push(
        got !== undefined && want.join(',') === got.join(',')
          ? {
              id: 'dns-delegation',
              status: 'ok',
              blocking: false,
              message: `${zone.name} is delegated to its hosted zone (${want.join(', ')})`,
            }
          : {
              id: 'dns-delegation',
              status: 'gap',
              blocking: true,
              message: `public DNS ${got ? `delegates ${zone.name} to ${got.join(', ')}` : `has no NS records for ${zone.name}`}, not to hosted zone ${zone.id} (${want.join(', ')}): ACM DNS validation of every certificate would wait forever`,
              fix: `in the parent zone of ${zone.name}, set its NS record to ${want.join(' ')}`,
            },
      );
    }
  }
  for (const row of facts.capacity?.rows ?? []) {
    const used = row.platform + row.occupied;
    const free = row.limit - used;
    const quota = QUOTAS_2026_12.quotas[row.quota];
    const needed = row.perEnvironment > 0 ? row.perEnvironment : 0;
    if (free < needed || free < 0) {
      checks.push({
        id: `quota:${row.quota}`,
        status: 'gap',
        blocking: true,
        message: `'${row.name}' is ${row.limit}${row.applied ? ' (applied)' : ' (AWS default)'}; the environments the config implies need ${used + needed} (platform ${row.platform}, long-lived ${row.occupied}${needed ? `, one more ${needed}` : ''})`,
        fix: raiseQuotaFix(quota, (used + needed) / row.pools, facts.region),
      });
    } else {
      checks.push({
        id: `quota:${row.quota}`,
        status: 'ok',
        blocking: false,
        message: `'${row.name}' ${row.limit}${row.applied ? '' : ' (AWS default)'}: ${used} implied, ${free} free`,
      });
    }
  }
  return checks;
}
