import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as docdb from 'aws-cdk-lib/aws-docdb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { Database as DatabaseConfig } from '@branch-env/core';
import { Construct } from 'constructs';

export interface DatabaseProps {
  /** The profile's database: engine and its knobs (`@branch-env/core` DatabaseSchema). */
  readonly config: DatabaseConfig;
  readonly vpc: ec2.IVpc;
  /** Private subnets the cluster lives in. */
  readonly subnets: ec2.SubnetSelection;
  /** Protected environments: deletion protection on, final snapshot on delete. */
  readonly protected: boolean;
  /**
   * Deletion protection of the cluster (off for the first create of a protected environment, so
   * a failed create can roll back).
   * @default - `protected`
   */
  readonly deletionProtection?: boolean;
  readonly backupRetentionDays: number;
  /** Spread the cluster over two AZs (Aurora adds a reader; DocumentDB uses `instances`). */
  readonly multiAz: boolean;
  /**
   * Explicit cluster, instance and parameter group identifiers (`physicalNames().database`).
   * @default - CloudFormation derives them from the stack name
   */
  readonly identifiers?: DatabaseIdentifiers;
  /**
   * Master user name.
   * @default branchenv
   */
  readonly username?: string;
}

/** Identifiers of the database's cluster and members (valid DocumentDB/RDS identifiers). */
export interface DatabaseIdentifiers {
  readonly cluster: string;
  /** The identifier of one member: `1`, `2`, … (DocumentDB), `writer`, `reader` (Aurora). */
  readonly instance: (member: string) => string;
  readonly parameterGroup: string;
}

/** A MongoDB sidecar the service task must run (`mongodb-container`). */
export interface DatabaseSidecar {
  readonly image: string;
  readonly port: number;
}

/**
 * The environment's database. Every engine exposes the same things to the rest of the stack:
 * `engine`, `endpoint` (host:port, never credentials), a generated `secret` with `username` and
 * `password` (injected into the service as ECS secrets), the `connections` to open to the service,
 * and the metrics the dashboard shows.
 *
 * - documentdb: a DocumentDB 5.0 cluster, TLS enforced by its parameter group, storage encrypted;
 *   protected environments export its audit log to CloudWatch Logs.
 * - aurora-postgres: Aurora PostgreSQL Serverless v2, 0 ACU minimum with auto-pause by default.
 * - mongodb-container: only the credentials secret; MongoDB runs as a sidecar of the service task
 *   on localhost (data lives and dies with the task; see docs/environment-stack.md).
 * - none: nothing.
 */
export class Database extends Construct {
  readonly engine: DatabaseConfig['engine'];
  readonly endpoint: string | undefined;
  readonly secret: secretsmanager.ISecret | undefined;
  readonly connections: ec2.Connections | undefined;
  /** Port the service connects to. */
  readonly port: number | undefined;
  /** Database the service uses, when the engine creates one (`DATABASE_NAME`). */
  readonly databaseName: string | undefined;
  readonly sidecar: DatabaseSidecar | undefined;
  /** Metrics to chart, CPU (`CPUUtilization`, which the observability alarms on) first. */
  readonly metrics: readonly cloudwatch.IMetric[];
  /** The DocumentDB or Aurora cluster, when there is one. */
  readonly cluster: docdb.DatabaseCluster | rds.DatabaseCluster | undefined;

  constructor(scope: Construct, id: string, props: DatabaseProps) {
    super(scope, id);
    const config = props.config;
    const username = props.username ?? 'branchenv';
    const removal = props.protected ? RemovalPolicy.SNAPSHOT : RemovalPolicy.DESTROY;
    this.engine = config.engine;
    this.sidecar = undefined;
    this.metrics = [];
    this.cluster = undefined;
    this.connections = undefined;
    this.secret = undefined;
    this.endpoint = undefined;
    this.port = undefined;
    this.databaseName = undefined;

    switch (config.engine) {
      case 'none':
        return;
      case 'mongodb-container': {
        this.secret = new secretsmanager.Secret(this, 'Credentials', {
          description: 'Credentials of the MongoDB sidecar of the service task',
          generateSecretString: {
            secretStringTemplate: JSON.stringify({ username }),
            generateStringKey: 'password',
            excludePunctuation: true,
            passwordLength: 32,
          },
          removalPolicy: props.protected
            ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
            : RemovalPolicy.DESTROY,
        });
        this.sidecar = { image: config.image, port: 27017 };
        this.port = 27017;
        this.endpoint = 'localhost:27017';
        return;
      }
      case 'documentdb': {
        // Protected environments keep an audit log (authentication, DDL such as createIndex and
        // dropCollection, user management). DocumentDB creates the exported log group
        // /aws/docdb/<cluster>/audit itself, outside CloudFormation: it would outlive the teardown
        // of an unprotected environment, so those export nothing.
        const auditLog = props.protected;
        const parameters = new docdb.ClusterParameterGroup(this, 'Parameters', {
          family: 'docdb5.0',
          dbClusterParameterGroupName: props.identifiers?.parameterGroup,
          description: 'branch-env DocumentDB: TLS required',
          parameters: {
            tls: 'enabled',
            ttl_monitor: 'enabled',
            ...(auditLog ? { audit_logs: 'enabled' } : {}),
          },
        });
        const cluster = new docdb.DatabaseCluster(this, 'Cluster', {
          engineVersion: '5.0.0',
          dbClusterName: props.identifiers?.cluster,
          // CDK appends the instance number (1, 2, …) to the base.
          instanceIdentifierBase: props.identifiers?.instance(''),
          port: 27017,
          masterUser: { username },
          instanceType: new ec2.InstanceType(config.instanceClass.replace(/^db\./, '')),
          instances: config.instances,
          vpc: props.vpc,
          vpcSubnets: props.subnets,
          parameterGroup: parameters,
          storageEncrypted: true,
          exportAuditLogsToCloudWatch: auditLog,
          backup: { retention: Duration.days(props.backupRetentionDays) },
          deletionProtection: props.deletionProtection ?? props.protected,
          removalPolicy: removal,
          instanceRemovalPolicy: RemovalPolicy.DESTROY,
          securityGroupRemovalPolicy: RemovalPolicy.DESTROY,
          copyTagsToSnapshot: true,
        });
        this.cluster = cluster;
        this.secret = cluster.secret;
        keepSecretWhenProtected(cluster, props.protected);
        this.connections = cluster.connections;
        this.port = 27017;
        this.endpoint = cluster.clusterEndpoint.socketAddress;
        const metric = (metricName: string, statistic: string): cloudwatch.Metric =>
          new cloudwatch.Metric({
            namespace: 'AWS/DocDB',
            metricName,
            dimensionsMap: { DBClusterIdentifier: cluster.clusterIdentifier },
            statistic,
            period: Duration.minutes(1),
          });
        this.metrics = [
          metric('CPUUtilization', 'Average'),
          metric('DatabaseConnections', 'Maximum'),
          metric('FreeableMemory', 'Minimum'),
        ];
        return;
      }
      case 'aurora-postgres': {
        const cluster = new rds.DatabaseCluster(this, 'Cluster', {
          engine: rds.DatabaseClusterEngine.auroraPostgres({
            version: rds.AuroraPostgresEngineVersion.VER_16_6,
          }),
          credentials: rds.Credentials.fromGeneratedSecret(username),
          defaultDatabaseName: 'app',
          port: 5432,
          clusterIdentifier: props.identifiers?.cluster,
          writer: rds.ClusterInstance.serverlessV2('Writer', {
            instanceIdentifier: props.identifiers?.instance('writer'),
          }),
          readers: props.multiAz
            ? [
                rds.ClusterInstance.serverlessV2('Reader', {
                  scaleWithWriter: true,
                  instanceIdentifier: props.identifiers?.instance('reader'),
                }),
              ]
            : [],
          serverlessV2MinCapacity: config.minCapacity,
          serverlessV2MaxCapacity: config.maxCapacity,
          serverlessV2AutoPauseDuration:
            config.minCapacity === 0 ? Duration.seconds(config.autoPauseSeconds) : undefined,
          vpc: props.vpc,
          vpcSubnets: props.subnets,
          storageEncrypted: true,
          backup: { retention: Duration.days(props.backupRetentionDays) },
          deletionProtection: props.deletionProtection ?? props.protected,
          removalPolicy: removal,
          copyTagsToSnapshot: true,
        });
        this.cluster = cluster;
        this.secret = cluster.secret;
        keepSecretWhenProtected(cluster, props.protected);
        this.connections = cluster.connections;
        this.port = 5432;
        this.databaseName = 'app';
        this.endpoint = cluster.clusterEndpoint.socketAddress;
        this.metrics = [
          cluster.metricCPUUtilization(),
          cluster.metricServerlessDatabaseCapacity(),
          cluster.metricDatabaseConnections({ statistic: 'Maximum' }),
        ];
        return;
      }
    }
  }
}

/**
 * A protected cluster leaves a final snapshot on delete; keep its credentials with it (the
 * generated secret is deleted with the stack otherwise).
 */
function keepSecretWhenProtected(cluster: Construct, isProtected: boolean): void {
  const secret = cluster.node.tryFindChild('Secret');
  if (isProtected && secret instanceof secretsmanager.Secret) {
    secret.applyRemovalPolicy(RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE);
  }
}
