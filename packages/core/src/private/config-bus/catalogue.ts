/**
 * The config bus catalogue: every key branch-env writes under `/<app>/<env>/`, who writes it and
 * when. The CDK stack, the CLI and the runtime client (`@branch-env/config-bus`) all take keys from
 * here; docs/config-bus.md is the human copy of this table.
 *
 * - `stack` keys are `AWS::SSM::Parameter` resources of the environment stack: created and deleted
 *   with it.
 * - `deploy` keys are written by `branch-env deploy` around the CloudFormation deploy (the owner
 *   record is claimed before it, atomically) and deleted by `branch-env destroy`.
 * - `service` keys are written at run time by services and agents (experiments, discovery of
 *   services this stack does not define) and deleted by `branch-env destroy`.
 */
export type ConfigBusWriter = 'stack' | 'deploy' | 'service';

export interface ConfigBusEntry {
  /** Key below the environment prefix, e.g. `api/service-url`. */
  readonly key: string;
  readonly writer: ConfigBusWriter;
  readonly description: string;
  /** Stored as SecureString. Nothing in this catalogue is a secret: secrets live in Secrets Manager. */
  readonly secure?: boolean;
}

function entry(key: string, writer: ConfigBusWriter, description: string): ConfigBusEntry {
  return { key, writer, description };
}

/** The service every environment runs; its URL is discovered like any other service's. */
export const DEFAULT_SERVICE = 'api';

export const CONFIG_BUS = {
  serviceUrl: entry(
    `${DEFAULT_SERVICE}/service-url`,
    'stack',
    'Public URL of the environment (https://<env>.<domain>, CloudFront or load balancer).',
  ),
  ecrRepository: entry('ecr-repository', 'stack', 'ECR repository URI for the service image.'),
  databaseEngine: entry(
    'database/engine',
    'stack',
    'documentdb, aurora-postgres, mongodb-container or none.',
  ),
  databaseEndpoint: entry('database/endpoint', 'stack', 'Database host:port (never credentials).'),
  databaseSecretArn: entry(
    'database/secret-arn',
    'stack',
    'ARN of the Secrets Manager secret with the database credentials (never the password).',
  ),
  dataBucket: entry('storage/data-bucket', 'stack', "Name of the service's private bucket."),
  siteBucket: entry('storage/site-bucket', 'stack', 'Name of the static-site bucket.'),
  alarmTopicArn: entry(
    'observability/alarm-topic-arn',
    'stack',
    'SNS topic the environment alarms publish to.',
  ),
  dashboardName: entry('observability/dashboard', 'stack', 'CloudWatch dashboard name.'),
  profile: entry('meta/profile', 'stack', 'Profile the environment was built with.'),
  ownerBranch: entry(
    'meta/owner-branch',
    'deploy',
    'Exact branch that owns the environment; claimed before the first deploy, checked before every deploy.',
  ),
  commit: entry('meta/commit', 'deploy', 'Commit SHA of the last deploy.'),
  createdAt: entry('meta/created-at', 'deploy', 'ISO-8601 time of the first deploy.'),
  deployedAt: entry('meta/deployed-at', 'deploy', 'ISO-8601 time of the last deploy.'),
  expiresAt: entry('meta/expires-at', 'deploy', 'ISO-8601 expiry (last deploy + TTL), or "never".'),
  estimatedCostPerHour: entry(
    'meta/estimated-cost-per-hour',
    'deploy',
    'Modelled idle cost in USD per hour, from `branch-env plan`.',
  ),
} as const satisfies Record<string, ConfigBusEntry>;

export type ConfigBusKey = keyof typeof CONFIG_BUS;

/** `/<app>/<env>/` of an environment. */
export function ssmPrefix(app: string, environment: string): string {
  return `/${app}/${environment}/`;
}

/** Full parameter name of a key under a prefix (`/<app>/<env>/` + key). */
export function parameterName(prefix: string, key: string): string {
  if (!prefix.startsWith('/') || !prefix.endsWith('/'))
    throw new Error(`bug: SSM prefix '${prefix}' must start and end with /`);
  if (key.startsWith('/') || key.includes('//') || key.length === 0)
    throw new Error(`bug: config bus key '${key}' is malformed`);
  return `${prefix}${key}`;
}

/** Key of a service's URL: services publish and discover each other through it. */
export function serviceUrlKey(service: string): string {
  return `${service}/service-url`;
}

/**
 * Key prefix below which only branch-env writes (`meta/owner-branch`, `meta/expires-at`, ...):
 * destroy, deploy and the reaper decide from these, so the environment's own code (its task role)
 * may read but never write or delete anything below it.
 */
const RESERVED_KEY_PREFIX = 'meta/';

/**
 * Keys the environment's own code may read but never write: every key the stack or deploy
 * writes (destroy trusts `ecr-repository`, the PR comment shows `api/service-url`, previews
 * discover the baseline's `api/service-url`), as IAM resource patterns below the environment
 * prefix (`meta/*` covers the deploy keys and any added later).
 */
export function reservedKeyPatterns(): string[] {
  const exact = Object.values(CONFIG_BUS as Record<string, ConfigBusEntry>)
    .filter((e) => e.writer !== 'service' && !e.key.startsWith(RESERVED_KEY_PREFIX))
    .map((e) => e.key);
  return [`${RESERVED_KEY_PREFIX}*`, ...exact];
}
