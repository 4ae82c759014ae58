import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as docdb from 'aws-cdk-lib/aws-docdb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as rds from 'aws-cdk-lib/aws-rds';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  databaseProvisionerName,
  platformDatabaseIdentifier,
  platformStackName,
  SHARED_DATABASE_PORTS,
  TAG_KEYS,
  type Account,
  type SharedDatabaseEngine,
} from '@branch-env/core';
import { Construct } from 'constructs';
import { esbuildCode } from '../private/esbuild-code.js';

type PlatformDatabases = NonNullable<NonNullable<Account['platform']>['databases']>;

export interface SharedDatabasesProps {
  /** The config's `app`. */
  readonly app: string;
  /** `accounts.<key>.platform.databases`. */
  readonly databases: PlatformDatabases;
  readonly vpc: ec2.IVpc;
  /** Private subnets (isolated without NAT) the clusters and the executor live in. */
  readonly subnets: ec2.SubnetSelection;
  /**
   * Deletion protection of the clusters.
   * @default true
   */
  readonly deletionProtection?: boolean;
  /**
   * Retention of the provisioner's and executor's log groups (days).
   * @default 30
   */
  readonly logRetentionDays?: number;
}

/** One shared cluster, what branch stacks need of it. */
export interface SharedCluster {
  readonly engine: SharedDatabaseEngine;
  readonly cluster: docdb.DatabaseCluster | rds.DatabaseCluster;
  readonly securityGroup: ec2.SecurityGroup;
  /** host:port. */
  readonly endpoint: string;
  readonly port: number;
  readonly masterSecret: secretsmanager.ISecret;
}

const MASTER_USER = 'branchenvadmin';

/** dist/platform/provisioner: the compiled handlers esbuild bundles. */
const PROVISIONER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'provisioner');

/**
 * One entry of provisioner/ bundled at synth with its dependencies (core, pg, mongodb), the AWS
 * SDK left to the runtime.
 */
function bundled(entry: 'handler' | 'executor'): lambda.Code {
  return esbuildCode(PROVISIONER_DIR, entry, {
    external: [
      '@aws-sdk/*',
      // Optional native or cloud add-ons of pg and mongodb, not used here.
      'pg-native',
      'pg-cloudflare',
      'kerberos',
      'snappy',
      'socks',
      'aws4',
      'gcp-metadata',
      'mongodb-client-encryption',
      '@mongodb-js/zstd',
    ],
  });
}

/**
 * The account platform's shared database clusters (docs/platform.md, "Shared databases") and the
 * functions that give each environment a database and a user on them:
 *
 * - per configured engine, a cluster (DocumentDB 5.0 with TLS required, or Aurora PostgreSQL 16
 *   Serverless v2, 0 ACU = auto-pause), storage encrypted, in the private subnets, with explicit
 *   identifiers `<app>-platform-docdb` / `<app>-platform-aurora` (valid DocumentDB/RDS identifiers),
 *   master credentials in a platform secret `<app>-platform/databases/<engine>/master`, deletion
 *   protection on and `RetainExceptOnCreate`, and a security group of its own that admits the
 *   executor (and, per environment, a rule its branch stack adds for its own service group);
 * - the executor, a Lambda in the VPC that alone connects to the clusters (pg, mongodb), invoked
 *   only by the provisioner;
 * - the provisioner, the Lambda behind `Custom::SharedDatabase` (outside the VPC), which alone
 *   reads the master secrets; it derives the environment from the requesting stack's tags.
 */
export class SharedDatabases extends Construct {
  readonly clusters: readonly SharedCluster[];
  readonly provisioner: lambda.Function;
  readonly executor: lambda.Function;
  readonly executorSecurityGroup: ec2.SecurityGroup;
  private readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: SharedDatabasesProps) {
    super(scope, id);
    const { app, vpc, subnets } = props;
    const stack = Stack.of(this);
    const deletionProtection = props.deletionProtection ?? true;
    const retention = (props.logRetentionDays ?? 30) as logs.RetentionDays;
    const platform = platformStackName(app);
    this.vpc = vpc;

    this.executorSecurityGroup = new ec2.SecurityGroup(this, 'ExecutorSecurityGroup', {
      vpc,
      description: 'Shared database executor: to the shared clusters on their ports only',
      allowAllOutbound: false,
    });

    const clusters: SharedCluster[] = [];
    const docdbConfig = props.databases.documentdb;
    if (docdbConfig !== undefined) {
      const port = SHARED_DATABASE_PORTS.documentdb;
      const identifier = platformDatabaseIdentifier(app, 'documentdb');
      const securityGroup = this.clusterSecurityGroup('DocumentDb', 'DocumentDB', port);
      const parameters = new docdb.ClusterParameterGroup(this, 'DocumentDbParameters', {
        family: 'docdb5.0',
        dbClusterParameterGroupName: `${identifier}-params`,
        description: 'branch-env shared DocumentDB: TLS required, audit log',
        parameters: { tls: 'enabled', ttl_monitor: 'enabled', audit_logs: 'enabled' },
      });
      const cluster = new docdb.DatabaseCluster(this, 'DocumentDb', {
        engineVersion: '5.0.0',
        dbClusterName: identifier,
        instanceIdentifierBase: `${identifier}-`,
        port,
        masterUser: {
          username: MASTER_USER,
          secretName: `${platform}/databases/documentdb/master`,
        },
        instanceType: new ec2.InstanceType(docdbConfig.instanceClass.replace(/^db\./, '')),
        instances: docdbConfig.instances,
        vpc,
        vpcSubnets: subnets,
        securityGroup,
        parameterGroup: parameters,
        storageEncrypted: true,
        exportAuditLogsToCloudWatch: true,
        backup: { retention: Duration.days(7) },
        deletionProtection,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        instanceRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        securityGroupRemovalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        copyTagsToSnapshot: true,
      });
      this.exportedLogs(
        cluster,
        'DocumentDbAuditLogs',
        `/aws/docdb/${identifier}/audit`,
        retention,
      );
      const secret = cluster.secret;
      if (secret === undefined) throw new Error('bug: a DocumentDB cluster without its secret');
      clusters.push({
        engine: 'documentdb',
        cluster,
        securityGroup,
        endpoint: cluster.clusterEndpoint.socketAddress,
        port,
        masterSecret: secret,
      });
    }
    const auroraConfig = props.databases.auroraPostgres;
    if (auroraConfig !== undefined) {
      const port = SHARED_DATABASE_PORTS['aurora-postgres'];
      const identifier = platformDatabaseIdentifier(app, 'aurora-postgres');
      const securityGroup = this.clusterSecurityGroup('AuroraPostgres', 'Aurora PostgreSQL', port);
      const cluster = new rds.DatabaseCluster(this, 'AuroraPostgres', {
        engine: rds.DatabaseClusterEngine.auroraPostgres({
          version: rds.AuroraPostgresEngineVersion.VER_16_6,
        }),
        credentials: rds.Credentials.fromGeneratedSecret(MASTER_USER, {
          secretName: `${platform}/databases/aurora-postgres/master`,
        }),
        port,
        clusterIdentifier: identifier,
        writer: rds.ClusterInstance.serverlessV2('Writer', {
          instanceIdentifier: `${identifier}-writer`,
        }),
        serverlessV2MinCapacity: auroraConfig.minCapacity,
        serverlessV2MaxCapacity: auroraConfig.maxCapacity,
        serverlessV2AutoPauseDuration:
          auroraConfig.minCapacity === 0 ? Duration.seconds(300) : undefined,
        vpc,
        vpcSubnets: subnets,
        securityGroups: [securityGroup],
        storageEncrypted: true,
        iamAuthentication: false,
        cloudwatchLogsExports: ['postgresql'],
        backup: { retention: Duration.days(7) },
        deletionProtection,
        removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
        copyTagsToSnapshot: true,
      });
      this.exportedLogs(
        cluster,
        'AuroraPostgresLogs',
        `/aws/rds/cluster/${identifier}/postgresql`,
        retention,
      );
      const secret = cluster.secret;
      if (secret === undefined) throw new Error('bug: an Aurora cluster without its secret');
      clusters.push({
        engine: 'aurora-postgres',
        cluster,
        securityGroup,
        endpoint: cluster.clusterEndpoint.socketAddress,
        port,
        masterSecret: secret,
      });
    }
    this.clusters = clusters;

    const executorLogs = new logs.LogGroup(this, 'ExecutorLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.executor = new lambda.Function(this, 'Executor', {
      description: `branch-env ${app}: runs the statements that create and drop environment databases on the shared clusters (invoked by the provisioner only)`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundled('executor'),
      timeout: Duration.minutes(3),
      memorySize: 512,
      vpc,
      vpcSubnets: subnets,
      securityGroups: [this.executorSecurityGroup],
      allowPublicSubnet: false,
      logGroup: executorLogs,
      environment: {
        // The RDS certificate authorities the runtime ships (Node.js 20+ loads them only on request).
        NODE_EXTRA_CA_CERTS: '/var/runtime/ca-cert.pem',
      },
    });

    const provisionerLogs = new logs.LogGroup(this, 'ProvisionerLogs', {
      retention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const env: Record<string, string> = {
      APP: app,
      ENGINES: clusters.map((c) => c.engine).join(','),
      EXECUTOR: this.executor.functionArn,
    };
    for (const c of clusters) {
      const key = c.engine === 'documentdb' ? 'DOCUMENTDB' : 'AURORA_POSTGRES';
      env[`${key}_HOST`] = c.cluster.clusterEndpoint.hostname;
      env[`${key}_PORT`] = String(c.port);
      env[`${key}_MASTER_SECRET_ARN`] = c.masterSecret.secretArn;
    }
    const provisionerRole = new iam.Role(this, 'ProvisionerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `branch-env ${app}: the shared database provisioner (reads the master secrets, invokes the executor)`,
    });
    this.provisioner = new lambda.Function(this, 'Provisioner', {
      // Named: the deploy roles' execution roles may invoke this function and no other of the platform.
      functionName: databaseProvisionerName(app),
      description: `branch-env ${app}: Custom::SharedDatabase, a database and a user per environment on the shared clusters`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: bundled('handler'),
      // Waits for the executor, which waits for a paused Aurora cluster to resume.
      timeout: Duration.minutes(5),
      memorySize: 256,
      role: provisionerRole,
      logGroup: provisionerLogs,
      environment: env,
    });
    const { partition, account, region } = stack;
    provisionerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${provisionerLogs.logGroupArn}:*`],
      }),
    );
    provisionerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'RequestingStacks',
        actions: ['cloudformation:DescribeStacks'],
        resources: [`arn:${partition}:cloudformation:${region}:${account}:stack/${app}-*/*`],
      }),
    );
    provisionerRole.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EnvironmentSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:*`],
        conditions: {
          StringEquals: { [`secretsmanager:ResourceTag/${TAG_KEYS.app}`]: app },
          Null: { [`secretsmanager:ResourceTag/${TAG_KEYS.environment}`]: 'false' },
        },
      }),
    );
    for (const c of clusters) c.masterSecret.grantRead(provisionerRole);
    this.executor.grantInvoke(provisionerRole);
  }

  /**
   * The log group a cluster exports to, created by the stack before the cluster (which would
   * otherwise create it itself, outside CloudFormation, without retention).
   */
  private exportedLogs(
    cluster: Construct,
    id: string,
    logGroupName: string,
    retention: logs.RetentionDays,
  ): void {
    const group = new logs.LogGroup(this, id, {
      logGroupName,
      retention,
      removalPolicy: RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE,
    });
    cluster.node.addDependency(group);
  }

  private clusterSecurityGroup(id: string, what: string, port: number): ec2.SecurityGroup {
    const group = new ec2.SecurityGroup(this, `${id}SecurityGroup`, {
      vpc: this.vpc,
      description: `Shared ${what} cluster: the executor, and the service group of each shared environment (a rule per environment, added by its stack)`,
      allowAllOutbound: false,
    });
    group.addIngressRule(
      this.executorSecurityGroup,
      ec2.Port.tcp(port),
      'the database executor of the platform',
    );
    this.executorSecurityGroup.addEgressRule(
      group,
      ec2.Port.tcp(port),
      `to the shared ${what} cluster`,
    );
    return group;
  }
}
