import { Duration, IgnoreMode, Stack } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { reservedKeyPatterns } from '@branch-env/core';
import type { Construct } from 'constructs';
import type { DatabaseSidecar } from '../database/database.js';
import type { ServiceImage, ServiceTaskProps } from './service.js';

/**
 * The parts every container workload of an environment is made of (the routed service, an
 * internal service, a worker, a job): its task definition with its roles and container, and its
 * ECS service. Each workload has its own task role (the data bucket's objects and the
 * environment's config bus, nothing else) and execution role (its image, its log group, its
 * own secrets).
 */

/** Port mapping name of a service's container, the one Service Connect publishes. */
const PORT_MAPPING_NAME = 'http';

export interface WorkloadTaskProps {
  readonly task: Pick<ServiceTaskProps, 'cpu' | 'memoryMiB' | 'architecture'>;
  readonly image: ServiceImage;
  /** @default - `image` is built */
  readonly prebuiltImage?: string;
  /** @default the image's CMD */
  readonly command?: readonly string[];
  /** @default none */
  readonly secrets?: Readonly<Record<string, secretsmanager.ISecret>>;
  readonly environment: Readonly<Record<string, string>>;
  /** @default - no database credentials */
  readonly databaseSecret?: secretsmanager.ISecret;
  /** @default - none */
  readonly sidecar?: DatabaseSidecar;
  readonly logGroup: logs.ILogGroup;
  /** Container name and log stream prefix. */
  readonly containerName: string;
  /** Container port (`PORT`); undefined for a worker or a job. */
  readonly port: number | undefined;
  /**
   * Name the port mapping (`PORT_MAPPING_NAME`) so Service Connect can publish it.
   * @default false
   */
  readonly namedPort?: boolean;
  readonly dataBucket: s3.IBucket;
  readonly ssmPrefix: string;
  /** @default - none */
  readonly ssmDiscoveryParameters?: readonly string[];
  /**
   * Task definition family (a job's: what `deploy` may run).
   * @default - derived by the CDK from the construct path
   */
  readonly family?: string;
  /**
   * IAM path of the task and execution roles (a job's: the roles `deploy` may pass).
   * @default /
   */
  readonly rolePath?: string;
}

/** The workload's Fargate task definition, its container (and sidecar) and its task role's grants. */
export function addWorkloadTask(
  scope: Construct,
  props: WorkloadTaskProps,
): { taskDefinition: ecs.FargateTaskDefinition; container: ecs.ContainerDefinition } {
  const arm = props.task.architecture === 'arm64';
  const role = (id: string): iam.Role | undefined =>
    props.rolePath === undefined
      ? undefined
      : new iam.Role(scope, id, {
          assumedBy: new iam.ServicePrincipal('ecs-tasks.amazonaws.com'),
          path: props.rolePath,
        });
  const taskDefinition = new ecs.FargateTaskDefinition(scope, 'Task', {
    family: props.family,
    taskRole: role('TaskRole'),
    executionRole: role('ExecutionRole'),
    cpu: props.task.cpu,
    memoryLimitMiB: props.task.memoryMiB,
    runtimePlatform: {
      operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
    },
  });

  const secrets: Record<string, ecs.Secret> = {};
  if (props.databaseSecret) {
    secrets.DATABASE_USERNAME = ecs.Secret.fromSecretsManager(props.databaseSecret, 'username');
    secrets.DATABASE_PASSWORD = ecs.Secret.fromSecretsManager(props.databaseSecret, 'password');
  }
  for (const [name, secret] of Object.entries(props.secrets ?? {})) {
    if (Object.hasOwn(secrets, name)) throw new Error(`bug: secret ${name} is set twice`);
    secrets[name] = ecs.Secret.fromSecretsManager(secret);
  }

  const port = props.port;
  const container = taskDefinition.addContainer(props.containerName, {
    image: containerImage(scope, props),
    command: props.command ? [...props.command] : undefined,
    essential: true,
    portMappings:
      port === undefined
        ? undefined
        : [
            {
              containerPort: port,
              protocol: ecs.Protocol.TCP,
              ...(props.namedPort
                ? { name: PORT_MAPPING_NAME, appProtocol: ecs.AppProtocol.http }
                : {}),
            },
          ],
    environment: {
      ...props.environment,
      ...(port === undefined ? {} : { PORT: String(port) }),
    },
    secrets,
    logging: ecs.LogDrivers.awsLogs({
      logGroup: props.logGroup,
      streamPrefix: props.containerName,
    }),
    readonlyRootFilesystem: false,
    stopTimeout: Duration.seconds(30),
  });

  if (props.sidecar) {
    if (!props.databaseSecret) throw new Error('bug: a database sidecar needs its credentials');
    const mongo = taskDefinition.addContainer('mongodb', {
      image: ecs.ContainerImage.fromRegistry(props.sidecar.image),
      essential: true,
      // Only the service container (same task, same network namespace) can reach it.
      command: ['--bind_ip', '127.0.0.1', '--port', String(props.sidecar.port)],
      secrets: {
        MONGO_INITDB_ROOT_USERNAME: ecs.Secret.fromSecretsManager(props.databaseSecret, 'username'),
        MONGO_INITDB_ROOT_PASSWORD: ecs.Secret.fromSecretsManager(props.databaseSecret, 'password'),
      },
      // A TCP connect from bash (the mongo images are Ubuntu based), not mongosh: mongosh is a
      // Node.js program that takes seconds of CPU to start inside a 0.25 vCPU task, and a timed
      // out check marks this essential container (and so the task) unhealthy. The service
      // retries its first connection for 60 s, which covers mongod's own start-up restart.
      healthCheck: {
        command: ['CMD', 'bash', '-c', `</dev/tcp/127.0.0.1/${props.sidecar.port}`],
        interval: Duration.seconds(5),
        timeout: Duration.seconds(2),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      logging: ecs.LogDrivers.awsLogs({ logGroup: props.logGroup, streamPrefix: 'mongodb' }),
      stopTimeout: Duration.seconds(30),
    });
    container.addContainerDependencies({
      container: mongo,
      condition: ecs.ContainerDependencyCondition.HEALTHY,
    });
  }

  grantEnvironmentAccess(taskDefinition.taskRole, props);
  return { taskDefinition, container };
}

/**
 * The container image: a prebuilt image, the commit's image in the platform's repository (its
 * execution role may pull from that repository only), or a CDK image asset for the architecture.
 */
function containerImage(scope: Construct, props: WorkloadTaskProps): ecs.ContainerImage {
  if (props.prebuiltImage !== undefined)
    return ecs.ContainerImage.fromRegistry(props.prebuiltImage);
  const { registry } = props.image;
  if (registry !== undefined)
    return ecs.ContainerImage.fromEcrRepository(
      ecr.Repository.fromRepositoryName(scope, 'ImageRepository', registry.repositoryName),
      registry.tag,
    );
  const arm = props.task.architecture === 'arm64';
  return ecs.ContainerImage.fromAsset(props.image.directory, {
    file: props.image.file,
    target: props.image.target,
    buildArgs: props.image.buildArgs ? { ...props.image.buildArgs } : undefined,
    platform: arm ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
    exclude: [...(props.image.exclude ?? ['**/node_modules', '**/cdk.out', '.git'])],
    ignoreMode: IgnoreMode.DOCKER,
  });
}

/** Task role: the data bucket's objects and the config bus, nothing else. */
function grantEnvironmentAccess(
  taskRole: iam.IRole,
  props: Pick<WorkloadTaskProps, 'dataBucket' | 'ssmPrefix' | 'ssmDiscoveryParameters'>,
): void {
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DataBucketObjects',
      actions: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
      resources: [props.dataBucket.arnForObjects('*')],
    }),
  );
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'DataBucketList',
      actions: ['s3:ListBucket'],
      resources: [props.dataBucket.bucketArn],
    }),
  );
  const stack = Stack.of(taskRole);
  const parameterArn = (name: string): string =>
    stack.formatArn({
      service: 'ssm',
      resource: 'parameter',
      resourceName: name.replace(/^\//, ''),
    });
  const own = parameterArn(`${props.ssmPrefix}*`);
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ConfigBusRead',
      actions: ['ssm:GetParameter', 'ssm:GetParameters', 'ssm:GetParametersByPath'],
      // The prefix without its slash too: GetParametersByPath of the whole environment
      // (`Path: /<app>/<env>`) is authorized on the path itself.
      resources: [parameterArn(props.ssmPrefix.replace(/\/$/, '')), own],
    }),
  );
  const discovery = props.ssmDiscoveryParameters ?? [];
  if (discovery.length > 0)
    taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ServiceDiscoveryRead',
        actions: ['ssm:GetParameter'],
        resources: discovery.map(parameterArn),
      }),
    );
  const writeActions = ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource'];
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({ sid: 'ConfigBusWrite', actions: writeActions, resources: [own] }),
  );
  // What destroy, deploy and the reaper decide from (meta/*: owner, expiry) and what the stack
  // publishes (its URL, repository, ...) are read-only to the environment's own code: a
  // compromised task cannot make its environment undestroyable or redirect discovery.
  taskRole.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'ConfigBusReservedKeys',
      effect: iam.Effect.DENY,
      actions: writeActions,
      resources: reservedKeyPatterns().map((key) => parameterArn(`${props.ssmPrefix}${key}`)),
    }),
  );
}

/** Service Connect of one ECS service: a client of the namespace, publishing its port if internal. */
export interface WorkloadServiceConnect {
  /** ARN of the environment's Cloud Map namespace. */
  readonly namespaceArn: string;
  /** Publish the container's port as `http://<dnsName>:<port>`. @default - a client only */
  readonly publish?: { readonly dnsName: string; readonly port: number };
}

export interface WorkloadServiceProps {
  readonly cluster: ecs.ICluster;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly task: ServiceTaskProps;
  /** @default false */
  readonly firstCreate?: boolean;
  readonly assignPublicIp: boolean;
  readonly subnets: ec2.SubnetSelection;
  readonly securityGroup: ec2.ISecurityGroup;
  /** Behind a load balancer: the grace period of its health checks. @default - no load balancer */
  readonly healthCheckGracePeriodSeconds?: number;
  /** @default - no Service Connect */
  readonly serviceConnect?: WorkloadServiceConnect;
}

/**
 * The workload's ECS service: the circuit breaker rolls a failed deployment back; tasks scale on
 * CPU between the profile's bounds.
 */
export function addWorkloadService(
  scope: Construct,
  props: WorkloadServiceProps,
): ecs.FargateService {
  const { task } = props;
  const connect = props.serviceConnect;
  const service = new ecs.FargateService(scope, 'Service', {
    cluster: props.cluster,
    taskDefinition: props.taskDefinition,
    // With autoscaling the task count is autoscaling's: a template count would reset it on every
    // deploy (aws-cdk#3919). Omitted, CloudFormation leaves it out of UpdateService.
    desiredCount: task.maxTasks > task.minTasks && !props.firstCreate ? undefined : task.minTasks,
    assignPublicIp: props.assignPublicIp,
    vpcSubnets: props.subnets,
    securityGroups: [props.securityGroup],
    circuitBreaker: { enable: true, rollback: true },
    minHealthyPercent: 100,
    maxHealthyPercent: 200,
    healthCheckGracePeriod:
      props.healthCheckGracePeriodSeconds === undefined
        ? undefined
        : Duration.seconds(props.healthCheckGracePeriodSeconds),
    capacityProviderStrategies: capacityProviders(task),
    propagateTags: ecs.PropagatedTagSource.SERVICE,
    enableECSManagedTags: true,
    serviceConnectConfiguration: connect && {
      namespace: connect.namespaceArn,
      services: connect.publish && [
        {
          portMappingName: PORT_MAPPING_NAME,
          dnsName: connect.publish.dnsName,
          port: connect.publish.port,
          discoveryName: connect.publish.dnsName,
        },
      ],
    },
  });
  if (task.maxTasks > task.minTasks) {
    const scaling = service.autoScaleTaskCount({
      minCapacity: task.minTasks,
      maxCapacity: task.maxTasks,
    });
    scaling.scaleOnCpuUtilization('Cpu', {
      targetUtilizationPercent: 60,
      scaleInCooldown: Duration.seconds(120),
      scaleOutCooldown: Duration.seconds(60),
    });
  }
  return service;
}

/** The target group of a routed service, health-checked on its path. */
export function addWorkloadTargetGroup(
  scope: Construct,
  props: {
    readonly vpc: ec2.IVpc;
    readonly port: number;
    readonly healthCheckPath: string;
    readonly service: ecs.FargateService;
  },
): elbv2.ApplicationTargetGroup {
  return new elbv2.ApplicationTargetGroup(scope, 'Targets', {
    vpc: props.vpc,
    port: props.port,
    protocol: elbv2.ApplicationProtocol.HTTP,
    targetType: elbv2.TargetType.IP,
    targets: [props.service],
    deregistrationDelay: Duration.seconds(10),
    healthCheck: {
      path: props.healthCheckPath,
      healthyHttpCodes: '200',
      interval: Duration.seconds(15),
      timeout: Duration.seconds(5),
      healthyThresholdCount: 2,
      unhealthyThresholdCount: 3,
    },
  });
}

/**
 * Spot with an on-demand floor: ECS does not move a task to FARGATE when Spot has no capacity, so
 * a service of two or more tasks keeps one on FARGATE (base 1) and runs the rest mostly on Spot.
 * A single-task Spot service cannot have both; it stays on Spot and the deployment circuit
 * breaker (rollback) plus `deploy`'s report of the service events say why when it cannot start.
 */
export function capacityProviders(
  task: Pick<ServiceTaskProps, 'spot' | 'minTasks'>,
): ecs.CapacityProviderStrategy[] {
  if (!task.spot) return [{ capacityProvider: 'FARGATE', weight: 1 }];
  if (task.minTasks < 2) return [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }];
  return [
    { capacityProvider: 'FARGATE', base: 1, weight: 1 },
    { capacityProvider: 'FARGATE_SPOT', weight: 3 },
  ];
}
