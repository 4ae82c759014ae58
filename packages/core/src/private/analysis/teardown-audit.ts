import {
  arrayOf,
  isRecord,
  lambdaInVpc,
  literalBoolean,
  literalNumber,
  prop,
  refTarget,
  resourcesOf,
  type CfnResource,
  type CfnTemplate,
} from './template.js';

/**
 * Teardown audit: everything in a synthesized template that would survive, block or slow down
 * `cdk destroy` of an environment. Rules are data (`TEARDOWN_RULES`); every rule runs on every
 * resource and all findings are returned, never only the first. docs/teardown.md is the human copy.
 *
 * Unprotected environments must disappear completely, so the audit lists what would stop that.
 * Protected environments (production, long-lived) must keep their data, so the audit lists the
 * *missing* protections of their databases instead (kinds starting with `missing-`).
 */
export type BlockerKind =
  // unprotected environments: things that survive or block a complete destroy
  | 'retained'
  | 'deletion-protection'
  | 'final-snapshot'
  | 'bucket-not-emptied'
  | 'repository-not-emptied'
  | 'orphan-log-group'
  | 'lambda-at-edge'
  | 'lambda-in-vpc'
  | 'secret-retained'
  | 'backup-vault'
  | 'database-log-export'
  // protected environments: database protections that are missing
  | 'missing-deletion-protection'
  | 'missing-final-snapshot'
  | 'missing-backups';

export interface TeardownBlocker {
  readonly logicalId: string;
  readonly type: string;
  readonly kind: BlockerKind;
  readonly reason: string;
}

export interface TeardownAuditOptions {
  /** Protected environments are audited for missing database protections instead of blockers. */
  readonly protected: boolean;
}

/** What a blocker kind means and how to fix it in CDK terms (shown by `branch-env plan`). */
export interface BlockerKindInfo {
  readonly mode: 'unprotected' | 'protected';
  readonly fix: string;
}

export const BLOCKER_KINDS: Readonly<Record<BlockerKind, BlockerKindInfo>> = {
  retained: {
    mode: 'unprotected',
    fix: 'removalPolicy: RemovalPolicy.DESTROY on the construct (or applyRemovalPolicy on its CfnResource).',
  },
  'deletion-protection': {
    mode: 'unprotected',
    fix: 'deletionProtection: false for unprotected environments (keep it for protected ones).',
  },
  'final-snapshot': {
    mode: 'unprotected',
    fix: 'removalPolicy: RemovalPolicy.DESTROY (not SNAPSHOT) on the database for unprotected environments.',
  },
  'bucket-not-emptied': {
    mode: 'unprotected',
    fix: 'new Bucket(..., { removalPolicy: RemovalPolicy.DESTROY, autoDeleteObjects: true }).',
  },
  'repository-not-emptied': {
    mode: 'unprotected',
    fix: 'new Repository(..., { removalPolicy: RemovalPolicy.DESTROY, emptyOnDelete: true }).',
  },
  'orphan-log-group': {
    mode: 'unprotected',
    fix: 'Give every Lambda an explicit LogGroup (logGroup: new LogGroup(..., { removalPolicy: DESTROY })), own the log groups services write to, and no Retain on log groups.',
  },
  'lambda-at-edge': {
    mode: 'unprotected',
    fix: 'Use CloudFront Functions (cloudfront.Function) or response-headers policies instead of edgeLambdas.',
  },
  'lambda-in-vpc': {
    mode: 'unprotected',
    fix: 'Do not pass vpc to Lambda functions; reach private resources through the service or the config bus.',
  },
  'secret-retained': {
    mode: 'unprotected',
    fix: 'removalPolicy: RemovalPolicy.DESTROY on the secret (DatabaseCluster removalPolicy propagates to its generated secret).',
  },
  'backup-vault': {
    mode: 'unprotected',
    fix: "No AWS Backup plan/vault in unprotected environments (the database's own automated backups are deleted with it).",
  },
  'database-log-export': {
    mode: 'unprotected',
    fix: 'No log exports on the database of unprotected environments (docdb exportAuditLogsToCloudWatch / exportProfilerLogsToCloudWatch, rds cloudwatchLogsExports: only when protected), or own the exact log group in the stack (needs a literal cluster identifier).',
  },
  'missing-deletion-protection': {
    mode: 'protected',
    fix: 'deletionProtection: true on the database cluster of protected environments.',
  },
  'missing-final-snapshot': {
    mode: 'protected',
    fix: 'removalPolicy: RemovalPolicy.SNAPSHOT (or RETAIN) on the database of protected environments.',
  },
  'missing-backups': {
    mode: 'protected',
    fix: 'backup: { retention: Duration.days(n) } with n ≥ 1 on the database of protected environments.',
  },
};

/** Database resources that keep data (the protected-environment checks apply to these). */
const DATABASE_CLUSTERS = new Set([
  'AWS::DocDB::DBCluster',
  'AWS::RDS::DBCluster',
  'AWS::Neptune::DBCluster',
]);

/** Resource types with a `DeletionProtection` boolean property that fails a delete while true. */
const DELETION_PROTECTION_PROPERTY: Readonly<Record<string, string>> = {
  'AWS::DocDB::DBCluster': 'DeletionProtection',
  'AWS::RDS::DBCluster': 'DeletionProtection',
  'AWS::RDS::DBInstance': 'DeletionProtection',
  'AWS::Neptune::DBCluster': 'DeletionProtection',
  'AWS::DynamoDB::Table': 'DeletionProtectionEnabled',
  'AWS::EC2::Instance': 'DisableApiTermination',
};

const PROTECTED_DATABASE_TYPES = [...DATABASE_CLUSTERS, 'AWS::RDS::DBInstance'];

/**
 * Where each database service writes the log types listed in `EnableCloudwatchLogsExports`: a
 * log group it creates itself, outside CloudFormation, named after the cluster or instance
 * identifier. https://docs.aws.amazon.com/documentdb/latest/developerguide/cloud_watch.html,
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/AuroraPostgreSQL.CloudWatch.html,
 * https://docs.aws.amazon.com/neptune/latest/userguide/cloudwatch-logs.html
 */
const EXPORTED_LOG_GROUP: Readonly<
  Record<string, { readonly identifier: string; readonly prefix: string }>
> = {
  'AWS::DocDB::DBCluster': { identifier: 'DBClusterIdentifier', prefix: '/aws/docdb/' },
  'AWS::RDS::DBCluster': { identifier: 'DBClusterIdentifier', prefix: '/aws/rds/cluster/' },
  'AWS::RDS::DBInstance': { identifier: 'DBInstanceIdentifier', prefix: '/aws/rds/instance/' },
  'AWS::Neptune::DBCluster': { identifier: 'DBClusterIdentifier', prefix: '/aws/neptune/' },
};

/**
 * The prefix of the log groups a database's `EnableCloudwatchLogsExports` writes to, for a
 * resource type that exports (`/aws/docdb/<cluster>/`, …); undefined for other types.
 * `branch-env destroy` deletes them: they are not stack resources.
 */
export function exportedLogGroupPrefix(type: string, identifier: string): string | undefined {
  const target = EXPORTED_LOG_GROUP[type];
  return target === undefined ? undefined : `${target.prefix}${identifier}/`;
}

/** Database resource types whose log exports write log groups outside the stack. */
export const LOG_EXPORTING_TYPES: readonly string[] = Object.keys(EXPORTED_LOG_GROUP);

/** Clusters, and RDS instances outside a cluster (an Aurora instance's data belongs to its cluster). */
function holdsData(resource: CfnResource): boolean {
  return (
    DATABASE_CLUSTERS.has(resource.Type) ||
    (resource.Type === 'AWS::RDS::DBInstance' &&
      prop(resource, 'DBClusterIdentifier') === undefined)
  );
}

const KEEPS = new Set(['Retain', 'RetainExceptOnCreate']);

/**
 * The DeletionPolicy CloudFormation applies: the attribute, else `Snapshot` for
 * `AWS::RDS::DBCluster` and for `AWS::RDS::DBInstance` without `DBClusterIdentifier`, else `Delete`.
 * Source: https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-attribute-deletionpolicy.html
 * ("Exception: The default policy is Snapshot for AWS::RDS::DBCluster resources and for
 * AWS::RDS::DBInstance resources that don't specify the DBClusterIdentifier property.")
 */
export function effectiveDeletionPolicy(resource: CfnResource): string {
  if (resource.DeletionPolicy !== undefined) return resource.DeletionPolicy;
  if (resource.Type === 'AWS::RDS::DBCluster') return 'Snapshot';
  if (
    resource.Type === 'AWS::RDS::DBInstance' &&
    prop(resource, 'DBClusterIdentifier') === undefined
  ) {
    return 'Snapshot';
  }
  return 'Delete';
}

/** Pieces of a name built with `Fn::Join ['', [...]]`, `Fn::Sub` or a literal: strings and refs. */
type NamePart = string | { readonly ref: string };

function nameParts(value: unknown): NamePart[] | undefined {
  if (typeof value === 'string') return [value];
  const ref = refTarget(value);
  if (ref !== undefined) return [{ ref }];
  if (!isRecord(value)) return undefined;
  const join = value['Fn::Join'];
  if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) {
    const parts: NamePart[] = [];
    for (const item of join[1]) {
      const inner = nameParts(item);
      if (inner === undefined) return undefined;
      parts.push(...inner);
    }
    return merge(parts);
  }
  const sub = value['Fn::Sub'];
  if (typeof sub === 'string') {
    const parts: NamePart[] = [];
    let last = 0;
    for (const match of sub.matchAll(/\$\{([^!}][^}]*)\}/g)) {
      parts.push(sub.slice(last, match.index));
      const name = match[1] ?? '';
      if (name.includes('.') || name.startsWith('AWS::')) return undefined;
      parts.push({ ref: name });
      last = match.index + match[0].length;
    }
    parts.push(sub.slice(last));
    return merge(parts);
  }
  return undefined;
}

function merge(parts: NamePart[]): NamePart[] {
  const out: NamePart[] = [];
  for (const part of parts) {
    const previous = out[out.length - 1];
    if (typeof part === 'string' && typeof previous === 'string')
      out[out.length - 1] = previous + part;
    else if (part !== '') out.push(part);
  }
  return out;
}

function sameName(a: NamePart[] | undefined, b: NamePart[]): boolean {
  if (a === undefined || a.length !== b.length) return false;
  return a.every((part, i) => {
    const other = b[i];
    if (typeof part === 'string') return part === other;
    return typeof other === 'object' && other.ref === part.ref;
  });
}

/** Facts about the whole template the per-resource rules need. */
interface AuditContext {
  /** Logical ids of `AWS::Logs::LogGroup` resources. */
  readonly logGroupIds: ReadonlySet<string>;
  /** Parsed `LogGroupName` of each log group that sets one. */
  readonly logGroupNames: readonly NamePart[][];
  /** Buckets (logical ids) some `Custom::S3AutoDeleteObjects` empties. */
  readonly autoDeletedBuckets: ReadonlySet<string>;
  /** Repositories (logical ids) some `Custom::ECRAutoDeleteImages` empties (CDK < 2.127 style). */
  readonly autoDeletedRepositories: ReadonlySet<string>;
}

function contextOf(template: CfnTemplate): AuditContext {
  const logGroupIds = new Set<string>();
  const logGroupNames: NamePart[][] = [];
  const autoDeletedBuckets = new Set<string>();
  const autoDeletedRepositories = new Set<string>();
  for (const [id, resource] of resourcesOf(template)) {
    if (resource.Type === 'AWS::Logs::LogGroup') {
      logGroupIds.add(id);
      const parts = nameParts(prop(resource, 'LogGroupName'));
      if (parts !== undefined) logGroupNames.push(parts);
    } else if (resource.Type === 'Custom::S3AutoDeleteObjects') {
      const bucket = refTarget(prop(resource, 'BucketName'));
      if (bucket !== undefined) autoDeletedBuckets.add(bucket);
    } else if (resource.Type === 'Custom::ECRAutoDeleteImages') {
      const repository = refTarget(prop(resource, 'RepositoryName'));
      if (repository !== undefined) autoDeletedRepositories.add(repository);
    }
  }
  return { logGroupIds, logGroupNames, autoDeletedBuckets, autoDeletedRepositories };
}

/** True when `value` (a log group name or Ref) names a log group this template owns. */
function ownsLogGroup(ctx: AuditContext, value: unknown): boolean {
  const ref = refTarget(value);
  if (ref !== undefined) return ctx.logGroupIds.has(ref);
  const parts = nameParts(value);
  return parts !== undefined && ctx.logGroupNames.some((name) => sameName(parts, name));
}

function ownsLogGroupNamed(ctx: AuditContext, name: NamePart[]): boolean {
  return ctx.logGroupNames.some((candidate) => sameName(merge(name), candidate));
}

/**
 * The log group Container Insights writes a cluster's performance logs to,
 * `/aws/ecs/containerinsights/<cluster>/performance`: ECS creates it at run time, outside
 * CloudFormation
 * (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Container-Insights-reference-performance-logs-ECS.html).
 */
const CONTAINER_INSIGHTS_LOG_GROUP = {
  prefix: '/aws/ecs/containerinsights/',
  suffix: '/performance',
} as const;

/** The Container Insights log group of `cluster` (the audit flags it; `branch-env destroy` deletes it). */
export function containerInsightsLogGroup(cluster: string): string {
  return `${CONTAINER_INSIGHTS_LOG_GROUP.prefix}${cluster}${CONTAINER_INSIGHTS_LOG_GROUP.suffix}`;
}

interface TeardownRule {
  readonly kind: BlockerKind;
  /** Resource types the rule looks at; absent = every type. */
  readonly types?: readonly string[];
  /** Reasons this resource is a blocker of `kind` (empty when it is not). */
  readonly check: (resource: CfnResource, logicalId: string, ctx: AuditContext) => string[];
}

function keptBy(resource: CfnResource): string[] {
  const reasons: string[] = [];
  if (resource.DeletionPolicy !== undefined && KEEPS.has(resource.DeletionPolicy)) {
    reasons.push(
      `DeletionPolicy ${resource.DeletionPolicy}: the stack deletes without deleting it`,
    );
  }
  if (resource.UpdateReplacePolicy !== undefined && KEEPS.has(resource.UpdateReplacePolicy)) {
    reasons.push(
      `UpdateReplacePolicy ${resource.UpdateReplacePolicy}: every replacement leaves the old copy behind`,
    );
  }
  return reasons;
}

const SPECIFIC_RETENTION_TYPES = new Set(['AWS::SecretsManager::Secret', 'AWS::Logs::LogGroup']);

const LAMBDA = 'AWS::Lambda::Function';

export const TEARDOWN_RULES: readonly TeardownRule[] = [
  {
    kind: 'retained',
    check: (resource) => (SPECIFIC_RETENTION_TYPES.has(resource.Type) ? [] : keptBy(resource)),
  },
  {
    kind: 'secret-retained',
    types: ['AWS::SecretsManager::Secret'],
    check: (resource) => keptBy(resource),
  },
  {
    kind: 'final-snapshot',
    check: (resource) => {
      const reasons: string[] = [];
      const policy = effectiveDeletionPolicy(resource);
      if (policy === 'Snapshot') {
        reasons.push(
          resource.DeletionPolicy === undefined
            ? `no DeletionPolicy: CloudFormation's default for ${resource.Type} is Snapshot, which leaves a billed snapshot`
            : 'DeletionPolicy Snapshot leaves a billed final snapshot',
        );
      }
      if (resource.UpdateReplacePolicy === 'Snapshot') {
        reasons.push('UpdateReplacePolicy Snapshot leaves a snapshot on every replacement');
      }
      return reasons;
    },
  },
  {
    kind: 'deletion-protection',
    check: (resource) => {
      const property = DELETION_PROTECTION_PROPERTY[resource.Type];
      if (property !== undefined) {
        const value = prop(resource, property);
        if (value === undefined || literalBoolean(value) === false) return [];
        return literalBoolean(value) === true
          ? [`${property} is true: CloudFormation cannot delete it`]
          : [`${property} is set from an expression; the audit cannot prove it is false`];
      }
      if (resource.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') {
        const attribute = arrayOf(prop(resource, 'LoadBalancerAttributes')).find(
          (a) => isRecord(a) && a['Key'] === 'deletion_protection.enabled',
        );
        if (isRecord(attribute) && literalBoolean(attribute['Value']) !== false) {
          return ['load balancer attribute deletion_protection.enabled is not "false"'];
        }
      }
      if (
        resource.Type === 'AWS::Cognito::UserPool' &&
        prop(resource, 'DeletionProtection') === 'ACTIVE'
      ) {
        return ['DeletionProtection is ACTIVE: CloudFormation cannot delete it'];
      }
      return [];
    },
  },
  {
    kind: 'bucket-not-emptied',
    types: ['AWS::S3::Bucket'],
    check: (resource, id, ctx) =>
      keptBy(resource).length > 0 || ctx.autoDeletedBuckets.has(id)
        ? []
        : [
            'no Custom::S3AutoDeleteObjects empties it: deleting a bucket that holds objects fails (BucketNotEmpty) and the stack ends in DELETE_FAILED',
          ],
  },
  {
    kind: 'repository-not-emptied',
    types: ['AWS::ECR::Repository'],
    check: (resource, id, ctx) =>
      keptBy(resource).length > 0 ||
      literalBoolean(prop(resource, 'EmptyOnDelete')) === true ||
      ctx.autoDeletedRepositories.has(id)
        ? []
        : [
            'EmptyOnDelete is not true: deleting a repository that holds images fails and the stack ends in DELETE_FAILED',
          ],
  },
  {
    kind: 'orphan-log-group',
    types: ['AWS::Logs::LogGroup'],
    check: (resource) => keptBy(resource),
  },
  {
    kind: 'orphan-log-group',
    types: [LAMBDA],
    check: (resource, id, ctx) => {
      const target = prop(resource, 'LoggingConfig', 'LogGroup');
      if (target !== undefined && ownsLogGroup(ctx, target)) return [];
      // A log group named /aws/lambda/<function> in the template also owns its logs.
      const byRef = ownsLogGroupNamed(ctx, ['/aws/lambda/', { ref: id }]);
      const name = prop(resource, 'FunctionName');
      const byName = typeof name === 'string' && ownsLogGroupNamed(ctx, [`/aws/lambda/${name}`]);
      if (target === undefined && (byRef || byName)) return [];
      return target === undefined
        ? [
            'no LoggingConfig.LogGroup pointing at a log group of this template: Lambda creates /aws/lambda/<function> on first invocation and it outlives the stack',
          ]
        : [
            'LoggingConfig.LogGroup names a log group this template does not own, so it outlives the stack',
          ];
    },
  },
  {
    kind: 'orphan-log-group',
    types: ['AWS::ECS::TaskDefinition'],
    check: (resource, _id, ctx) =>
      arrayOf(prop(resource, 'ContainerDefinitions')).flatMap((container) => {
        if (!isRecord(container)) return [];
        const logging = container['LogConfiguration'];
        if (!isRecord(logging) || logging['LogDriver'] !== 'awslogs') return [];
        const options = isRecord(logging['Options']) ? logging['Options'] : {};
        if (literalBoolean(options['awslogs-create-group']) !== true) return [];
        if (ownsLogGroup(ctx, options['awslogs-group'])) return [];
        return [
          `container ${String(container['Name'])} sets awslogs-create-group: ECS creates its log group outside the stack`,
        ];
      }),
  },
  {
    kind: 'orphan-log-group',
    types: ['AWS::ECS::Cluster'],
    check: (resource, id, ctx) => {
      const insights = arrayOf(prop(resource, 'ClusterSettings')).find(
        (s) => isRecord(s) && s['Name'] === 'containerInsights',
      );
      if (!isRecord(insights) || !['enabled', 'enhanced'].includes(String(insights['Value'])))
        return [];
      const name = prop(resource, 'ClusterName');
      const { prefix, suffix } = CONTAINER_INSIGHTS_LOG_GROUP;
      const owned =
        ownsLogGroupNamed(ctx, [prefix, { ref: id }, suffix]) ||
        (typeof name === 'string' && ownsLogGroupNamed(ctx, [containerInsightsLogGroup(name)]));
      return owned
        ? []
        : [
            `Container Insights creates ${containerInsightsLogGroup('<cluster>')} outside the stack; \`branch-env destroy\` must delete it`,
          ];
    },
  },
  {
    kind: 'lambda-at-edge',
    types: ['AWS::CloudFront::Distribution'],
    check: (resource) => {
      const config = prop(resource, 'DistributionConfig');
      if (!isRecord(config)) return [];
      const behaviors = [config['DefaultCacheBehavior'], ...arrayOf(config['CacheBehaviors'])];
      const edge = behaviors.some(
        (b) => isRecord(b) && arrayOf(b['LambdaFunctionAssociations']).length > 0,
      );
      return edge
        ? [
            'Lambda@Edge associations: the replicas linger for hours after the distribution goes, so the function (and the stack) cannot be deleted until then',
          ]
        : [];
    },
  },
  {
    kind: 'lambda-in-vpc',
    types: [LAMBDA],
    check: (resource) =>
      lambdaInVpc(resource)
        ? [
            'VpcConfig: Lambda releases its hyperplane ENIs 20–45 min after the function is deleted, holding up the subnet, security group and VPC delete',
          ]
        : [],
  },
  {
    kind: 'backup-vault',
    types: ['AWS::Backup::BackupVault'],
    check: () => [
      'a backup vault that holds recovery points cannot be deleted; recovery points outlive the stack and bill',
    ],
  },
  {
    kind: 'database-log-export',
    types: Object.keys(EXPORTED_LOG_GROUP),
    check: (resource, _id, ctx) => {
      const exports = prop(resource, 'EnableCloudwatchLogsExports');
      if (exports === undefined) return [];
      const where = EXPORTED_LOG_GROUP[resource.Type]!;
      if (!Array.isArray(exports)) {
        return [
          `EnableCloudwatchLogsExports is set from an expression; the audit cannot prove it exports nothing, and the service would create ${where.prefix}<id>/<log> outside the stack`,
        ];
      }
      const name = prop(resource, where.identifier);
      return exports.flatMap((log) => {
        const type = typeof log === 'string' ? log : '<expression>';
        if (typeof name === 'string' && ownsLogGroupNamed(ctx, [`${where.prefix}${name}/${type}`]))
          return [];
        return [
          `exports its ${type} log to ${where.prefix}<${typeof name === 'string' ? name : 'generated id'}>/${type}, a log group the database service creates outside the stack: it outlives the destroy`,
        ];
      });
    },
  },
  // ---- protected environments -------------------------------------------------------------
  {
    kind: 'missing-deletion-protection',
    types: PROTECTED_DATABASE_TYPES,
    check: (resource) =>
      !holdsData(resource) || literalBoolean(prop(resource, 'DeletionProtection')) === true
        ? []
        : ['DeletionProtection is not true: a stray destroy or replacement deletes the database'],
  },
  {
    kind: 'missing-final-snapshot',
    types: PROTECTED_DATABASE_TYPES,
    check: (resource) => {
      if (!holdsData(resource)) return [];
      const policy = effectiveDeletionPolicy(resource);
      return policy === 'Snapshot' || KEEPS.has(policy)
        ? []
        : [`DeletionPolicy ${policy}: deleting the stack deletes the data with no final snapshot`];
    },
  },
  {
    kind: 'missing-backups',
    types: PROTECTED_DATABASE_TYPES,
    check: (resource) => {
      const days = literalNumber(prop(resource, 'BackupRetentionPeriod'));
      return holdsData(resource) && days === 0
        ? ['BackupRetentionPeriod is 0: no automated backups']
        : [];
    },
  },
];

/** Audits one template. Findings come in template order, then rule order. */
export function auditTeardown(
  template: CfnTemplate,
  options: TeardownAuditOptions,
): TeardownBlocker[] {
  const mode = options.protected ? 'protected' : 'unprotected';
  const ctx = contextOf(template);
  const rules = TEARDOWN_RULES.filter((rule) => BLOCKER_KINDS[rule.kind].mode === mode);
  const blockers: TeardownBlocker[] = [];
  for (const [logicalId, resource] of resourcesOf(template)) {
    for (const rule of rules) {
      if (rule.types !== undefined && !rule.types.includes(resource.Type)) continue;
      for (const reason of rule.check(resource, logicalId, ctx)) {
        blockers.push({ logicalId, type: resource.Type, kind: rule.kind, reason });
      }
    }
  }
  return blockers;
}
