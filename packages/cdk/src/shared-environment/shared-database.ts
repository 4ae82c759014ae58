import { CustomResource, RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as docdb from 'aws-cdk-lib/aws-docdb';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as rds from 'aws-cdk-lib/aws-rds';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  platformParameterName,
  SHARED_DATABASE_PORTS,
  SHARED_DATABASE_RESOURCE_TYPE,
  sharedDatabaseName,
  type Database as DatabaseConfig,
  type PlatformParameter,
  type SharedDatabaseEngine,
  type SharedDatabaseProperties,
} from '@branch-env/core';
import { Construct } from 'constructs';
import type { DatabaseSidecar } from '../database/database.js';

export interface SharedDatabaseProps {
  /** The config's `app` (the platform's SSM prefix). */
  readonly app: string;
  /** The environment's name: its database and user are `sharedDatabaseName(environment)`. */
  readonly environment: string;
  readonly engine: SharedDatabaseEngine;
  /**
   * Protected environments keep their database and secret when the stack is deleted (the custom
   * resource and the secret are retained); others drop the database and user.
   */
  readonly protected: boolean;
}

/** The engine of a profile's database when it asks for one on the platform's shared cluster. */
export function sharedEngineOf(config: DatabaseConfig): SharedDatabaseEngine | undefined {
  return (config.engine === 'documentdb' || config.engine === 'aurora-postgres') &&
    config.shared === true
    ? config.engine
    : undefined;
}

/**
 * The environment's database and user on the account platform's shared cluster
 * (docs/platform.md, "Shared databases"). The environment's own secret (its user name and a
 * generated password) is the only place the credentials live; a `Custom::SharedDatabase` resource
 * served by the platform's provisioner (its ARN read from SSM at deploy) creates the database and
 * the user at deploy and drops them at destroy. Exposes what the environment's `Database` does
 * (engine, endpoint, database name, secret), so the service and the config bus take either.
 *
 * `connections` is the cluster's security group (its id read from SSM), on the cluster port:
 * admitting a group through it adds one ingress rule, a resource of this stack deleted with it;
 * the platform stack is not changed.
 */
export class SharedDatabase extends Construct {
  readonly engine: SharedDatabaseEngine;
  /** host:port of the shared cluster (an SSM dynamic reference). */
  readonly endpoint: string;
  readonly secret: secretsmanager.ISecret;
  readonly port: number;
  readonly databaseName: string;
  readonly resource: CustomResource;
  /** The shared cluster's security group, on the cluster port (ingress rules added here live in this stack). */
  readonly connections: ec2.Connections;
  /** The Database shape: a shared database has no cluster, sidecar or metrics of its own. */
  readonly sidecar: DatabaseSidecar | undefined = undefined;
  readonly metrics: readonly cloudwatch.IMetric[] = [];
  readonly cluster: docdb.DatabaseCluster | rds.DatabaseCluster | undefined = undefined;

  constructor(scope: Construct, id: string, props: SharedDatabaseProps) {
    super(scope, id);
    const { app, engine } = props;
    const docdb = engine === 'documentdb';
    const platform = (parameter: PlatformParameter): string =>
      ssm.StringParameter.valueForStringParameter(this, platformParameterName(app, parameter));
    this.engine = engine;
    this.port = SHARED_DATABASE_PORTS[engine];
    this.databaseName = sharedDatabaseName(props.environment);
    this.endpoint = platform(docdb ? 'documentdbEndpoint' : 'auroraPostgresEndpoint');
    this.connections = new ec2.Connections({
      securityGroups: [
        ec2.SecurityGroup.fromSecurityGroupId(
          this,
          'ClusterSecurityGroup',
          platform(docdb ? 'documentdbSecurityGroupId' : 'auroraPostgresSecurityGroupId'),
        ),
      ],
      defaultPort: ec2.Port.tcp(this.port),
    });
    const removal = props.protected
      ? RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE
      : RemovalPolicy.DESTROY;

    this.secret = new secretsmanager.Secret(this, 'Credentials', {
      description: `Credentials of ${props.environment}'s own user on the shared ${engine} cluster`,
      generateSecretString: {
        secretStringTemplate: JSON.stringify({ username: this.databaseName }),
        generateStringKey: 'password',
        // The provisioner accepts 16-128 letters and digits.
        excludePunctuation: true,
        passwordLength: 32,
      },
      removalPolicy: removal,
    });

    const properties: SharedDatabaseProperties = {
      Engine: engine,
      EnvironmentName: props.environment,
      SecretArn: this.secret.secretArn,
    };
    this.resource = new CustomResource(this, 'Resource', {
      serviceToken: platform('databaseProvisionerArn'),
      resourceType: SHARED_DATABASE_RESOURCE_TYPE,
      properties: { ...properties },
      removalPolicy: props.protected ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
  }
}
