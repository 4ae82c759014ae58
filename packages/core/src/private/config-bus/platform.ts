/**
 * The account platform's SSM contract: what `branch-env bootstrap`'s platform stack publishes and
 * shared (thin) branch stacks read with SSM dynamic references at deploy time, so that a branch
 * still synthesizes offline. docs/platform.md is the human copy of this table.
 *
 * Everything lives under `/<app>/_platform/`: environment names start with a letter, so no
 * environment's config-bus prefix (`/<app>/<env>/`) can be or contain it, and a deploy role
 * scoped to `/<app>/<env>/*` cannot write it.
 *
 * - `platform` keys are `AWS::SSM::Parameter` resources of the platform stack.
 * - `claim` keys are written by `branch-env deploy` (with `Overwrite: false`, so two concurrent
 *   deploys cannot take one) and deleted by `branch-env destroy`.
 */
export type PlatformWriter = 'platform' | 'claim';

export interface PlatformEntry {
  /** Key below `/<app>/_platform/` (`claim` entries: below `/<app>/_claims/`); `{n}` is a load balancer index, `{repository}` a repository's path below `<app>-platform/` (`unprotected/services/api`). */
  readonly key: string;
  readonly writer: PlatformWriter;
  readonly description: string;
}

/** The path segment of the platform below `/<app>/`: no environment name can take it. */
export const PLATFORM_SEGMENT = '_platform';

/** The most load balancers a platform runs (`accounts.<key>.platform.loadBalancers`). */
export const MAX_PLATFORM_LOAD_BALANCERS = 5;

function entry(key: string, writer: PlatformWriter, description: string): PlatformEntry {
  return { key, writer, description };
}

export const PLATFORM_PARAMETERS = {
  vpcId: entry('network/vpc-id', 'platform', 'ID of the platform VPC.'),
  taskSubnetIds: entry(
    'network/task-subnet-ids',
    'platform',
    'Comma-separated subnets tasks run in: private (with NAT) when the platform has NAT gateways, else public.',
  ),
  assignPublicIp: entry(
    'network/assign-public-ip',
    'platform',
    '"ENABLED" when tasks run in public subnets (no NAT), else "DISABLED".',
  ),
  clusterName: entry(
    'cluster/name',
    'platform',
    'Name of the ECS cluster (Fargate, Fargate Spot).',
  ),
  clusterArn: entry('cluster/arn', 'platform', 'ARN of the ECS cluster.'),
  listenerArn: entry(
    'load-balancer/{n}/listener-arn',
    'platform',
    'HTTPS listener of load balancer n (0-based) that environments add host-header rules to.',
  ),
  loadBalancerSecurityGroupId: entry(
    'load-balancer/{n}/security-group-id',
    'platform',
    'Security group of load balancer n: the only source a service security group admits.',
  ),
  loadBalancerArn: entry(
    'load-balancer/{n}/arn',
    'platform',
    'ARN of load balancer n: the LoadBalancer dimension of the metrics environments chart and alarm on.',
  ),
  loadBalancerDnsName: entry(
    'load-balancer/{n}/dns-name',
    'platform',
    'DNS name of load balancer n.',
  ),
  loadBalancerHostedZoneId: entry(
    'load-balancer/{n}/hosted-zone-id',
    'platform',
    'Canonical hosted zone of load balancer n (alias records of environments on n > 0).',
  ),
  repositoryUri: entry(
    'repositories/{repository}/uri',
    'platform',
    'ECR repository of a service or job (`<app>-platform/<class>/services/<name>`, `…/jobs/<name>`): images tagged by commit (immutable), built once by `branch-env image push` and run by every environment of the protection class.',
  ),
  documentdbEndpoint: entry(
    'databases/documentdb/endpoint',
    'platform',
    'host:port of the shared DocumentDB cluster (TLS required).',
  ),
  documentdbSecurityGroupId: entry(
    'databases/documentdb/security-group-id',
    'platform',
    'Security group of the shared DocumentDB cluster: a shared environment adds one ingress rule from its own service group on 27017.',
  ),
  auroraPostgresEndpoint: entry(
    'databases/aurora-postgres/endpoint',
    'platform',
    'host:port of the shared Aurora PostgreSQL cluster.',
  ),
  auroraPostgresSecurityGroupId: entry(
    'databases/aurora-postgres/security-group-id',
    'platform',
    'Security group of the shared Aurora PostgreSQL cluster: a shared environment adds one ingress rule from its own service group on 5432.',
  ),
  databaseProvisionerArn: entry(
    'databases/provisioner-arn',
    'platform',
    'ARN of the platform function behind `Custom::SharedDatabase`: creates and drops the database and user of the environment whose stack calls it (only CloudFormation execution roles may invoke it).',
  ),
  siteServerRoleArn: entry(
    'site-server/role-arn',
    'platform',
    "Role of the platform's site server (the HTTPS listeners' default action): a shared environment's site bucket policy lets it read the site's objects.",
  ),
  listenerRule: entry(
    'listener-rules/{priority}',
    'claim',
    'Claim of a listener-rule priority (unique across the platform; below `/<app>/_claims/`, outside the platform prefix): the value is the environment holding it.',
  ),
} as const satisfies Record<string, PlatformEntry>;

export type PlatformParameter = keyof typeof PLATFORM_PARAMETERS;

/** `/<app>/_platform/` */
export function platformPrefix(app: string): string {
  return `/${app}/${PLATFORM_SEGMENT}/`;
}

/**
 * The path segment below `/<app>/` of the claims deploy and destroy write (`claim` entries):
 * outside `/<app>/_platform/`, so the deploy roles' guards can deny every platform parameter with
 * one pattern while the claims stay writable.
 */
const CLAIMS_SEGMENT = '_claims';

/** `/<app>/_claims/` */
function claimsPrefix(app: string): string {
  return `/${app}/${CLAIMS_SEGMENT}/`;
}

/**
 * Full name of a platform parameter, its placeholders filled:
 * `platformParameterName('app', 'listenerArn', { n: 0 })` -> `/app/_platform/load-balancer/0/listener-arn`.
 */
export function platformParameterName(
  app: string,
  parameter: PlatformParameter,
  values: { readonly n?: number; readonly repository?: string; readonly priority?: number } = {},
): string {
  const key = PLATFORM_PARAMETERS[parameter].key.replace(/\{(n|repository|priority)\}/g, (_, k) => {
    const v = values[k as 'n' | 'repository' | 'priority'];
    if (v === undefined) throw new Error(`bug: platform parameter ${parameter} needs {${k}}`);
    return String(v);
  });
  const entry: PlatformEntry = PLATFORM_PARAMETERS[parameter];
  return `${entry.writer === 'claim' ? claimsPrefix(app) : platformPrefix(app)}${key}`;
}

/** `/<app>/_claims/listener-rules/`: the prefix the claims of listener-rule priorities live under. */
export function listenerRuleClaimsPrefix(app: string): string {
  return `${claimsPrefix(app)}listener-rules/`;
}

/** The platform stack of an app in an account and region: `<app>-platform`. */
export function platformStackName(app: string): string {
  return `${app}-platform`;
}

/** Log group of the platform VPC's flow logs: `/<app>/_platform/vpc/flow`. */
export function platformFlowLogGroupName(app: string): string {
  return `${platformPrefix(app)}vpc/flow`;
}
