import { Duration, IgnoreMode, SecretValue, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { reservedKeyPatterns } from '@branch-env/core';
import { Construct } from 'constructs';
import type { DatabaseSidecar } from '../database/database.js';
import { CloudFrontOnlyOrigin } from '../web/cloudfront-only-origin.js';

export interface ServiceTaskProps {
  /** Fargate CPU units. */
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  /** Run on Fargate Spot. */
  readonly spot: boolean;
  readonly minTasks: number;
  readonly maxTasks: number;
}

/** Where the service image is built from. */
export interface ServiceImage {
  /** Docker build context. */
  readonly directory: string;
  /**
   * Dockerfile, relative to `directory`.
   * @default Dockerfile
   */
  readonly file?: string;
  /**
   * Paths left out of the build context and of the asset fingerprint (.dockerignore syntax).
   * @default ['**\/node_modules', '**\/cdk.out', '.git']
   */
  readonly exclude?: readonly string[];
  /**
   * Build stage to stop at (`docker build --target`).
   * @default the last stage
   */
  readonly target?: string;
  /**
   * Build arguments (`--build-arg`); never secrets, they stay in the image.
   * @default none
   */
  readonly buildArgs?: Readonly<Record<string, string>>;
}

/**
 * Who may reach an environment on a shared load balancer (`profiles.<key>.access`): everyone, an
 * allow-list of source CIDRs (a `source-ip` condition of the listener rule), or people who sign in
 * with an OIDC identity provider (the rule's `authenticate-oidc` action; the client secret is a
 * Secrets Manager dynamic reference, never in the template).
 */
export type ListenerAccess =
  | { readonly mode: 'public' }
  | { readonly mode: 'cidr'; readonly cidrs: readonly string[] }
  | {
      readonly mode: 'oidc';
      readonly issuer: string;
      readonly authorizationEndpoint: string;
      readonly tokenEndpoint: string;
      readonly userInfoEndpoint: string;
      readonly clientId: string;
      /** Secrets Manager secret (ARN) holding the client secret. */
      readonly clientSecretArn: string;
      /** JSON key of the client secret in the secret, when it is a JSON object. */
      readonly clientSecretField?: string | undefined;
    };

/** The account platform's load balancer and cluster a shared service runs on. */
export interface SharedLoadBalancer {
  readonly cluster: ecs.ICluster;
  /** The platform load balancer's HTTPS listener the service's host rule goes on. */
  readonly listener: elbv2.IApplicationListener;
  /** The platform load balancer's security group: the only source the service admits. */
  readonly securityGroup: ec2.ISecurityGroup;
  /** `<env>.<domain>`: the host header of the service's listener rule. */
  readonly hostHeader: string;
  /** The rule's priority, claimed on the platform (unique per listener). */
  readonly priority: number;
  /** @default { mode: 'public' } */
  readonly access?: ListenerAccess;
}

export interface ServiceProps {
  /**
   * The service does not exist yet: its task count is set to `minTasks` (later deploys leave it
   * to autoscaling).
   * @default false
   */
  readonly firstCreate?: boolean;
  readonly vpc: ec2.IVpc;
  /** Subnets of the tasks. */
  readonly subnets: ec2.SubnetSelection;
  /** Give tasks a public IP (no NAT: they reach ECR, Secrets Manager, SSM and Logs directly). */
  readonly assignPublicIp: boolean;
  readonly task: ServiceTaskProps;
  readonly containerInsights: boolean;
  /** The service image, built as a CDK image asset for the task's architecture. */
  readonly image: ServiceImage;
  /**
   * A prebuilt image to pull instead of building `image` (e.g. `public.ecr.aws/nginx/nginx:1.27`).
   * @default - `image` is built
   */
  readonly prebuiltImage?: string;
  /**
   * Command of the service container (exec form), replacing the image's CMD.
   * @default the image's CMD
   */
  readonly command?: readonly string[];
  /**
   * Application secrets, injected as ECS secrets under these environment variable names: the
   * execution role reads them at task start, they never appear in the task definition.
   * @default none
   */
  readonly secrets?: Readonly<Record<string, secretsmanager.ISecret>>;
  /**
   * Time a new task has before failed load balancer health checks count.
   * @default 60
   */
  readonly healthCheckGracePeriodSeconds?: number;
  /** Plain, non-secret environment variables of the service container. */
  readonly environment: Readonly<Record<string, string>>;
  /**
   * Database credentials, injected as the ECS secrets `DATABASE_USERNAME` and `DATABASE_PASSWORD`
   * (the execution role reads them at task start; they never appear in the task definition).
   * @default - no database credentials
   */
  readonly databaseSecret?: secretsmanager.ISecret;
  /**
   * A MongoDB sidecar container to run next to the service, bound to localhost.
   * @default - none
   */
  readonly sidecar?: DatabaseSidecar;
  /** Log group name of the task's containers (`/<app>/<env>/service/api`). */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Certificate of the load balancer. With it: HTTPS on 443 and a redirect on 80.
   * @default - plain HTTP on 80 (environments without a domain)
   */
  readonly certificate?: acm.ICertificate;
  /**
   * CloudFront is the only way in: the load balancer admits HTTPS from CloudFront's origin-facing
   * prefix list only, answers 403 unless the secret origin header matches, and has no port 80
   * listener. Needs `certificate` (the origin leg is HTTPS).
   * @default - the load balancer is the public entry point (HTTPS, HTTP only as a redirect)
   */
  readonly cloudFrontOnly?: CloudFrontOnlyOrigin;
  /** Bucket the task role may read and write objects in. */
  readonly dataBucket: s3.IBucket;
  /** SSM prefix `/<app>/<env>/` the service may read and write (config bus). */
  readonly ssmPrefix: string;
  /**
   * SSM parameter names (IAM patterns, `*` matches across `/`) the service may read besides its
   * own prefix: service discovery's fallback, e.g. `/<app>/<baseline>/*` + `/service-url`.
   * @default - none: the service reads only its own prefix
   */
  readonly ssmDiscoveryParameters?: readonly string[];
  /**
   * Container port of the service.
   * @default 8080
   */
  readonly port?: number;
  /**
   * Path the load balancer's target group health check requests. Liveness, not readiness: ECS
   * replaces tasks the target group reports unhealthy, so a readiness check that pings the shared
   * database would have every task replaced at once on a database blip, and it keeps an Aurora
   * Serverless v2 cluster at 0 ACU from ever pausing (every load balancer node asks every 15 s).
   * Readiness (`/readyz`) stays for people and deploy checks.
   * @default /healthz
   */
  readonly healthCheckPath?: string;
  /**
   * Run on the account platform: its cluster, and a host-header rule on its load balancer's
   * HTTPS listener, instead of a cluster, load balancer and listener of the service's own.
   * @default - a dedicated cluster and load balancer
   */
  readonly sharedLoadBalancer?: SharedLoadBalancer;
}

/**
 * The environment's service: an ECS Fargate cluster and service behind an Application Load
 * Balancer. The image is built from the service directory as a CDK image asset for the task's
 * architecture. Deployments roll with the circuit breaker on and roll back by themselves; tasks
 * scale on CPU between the profile's bounds; the task role may only touch the data bucket's
 * objects and the environment's config bus parameters.
 */
export class Service extends Construct {
  readonly cluster: ecs.ICluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly targetGroup: elbv2.ApplicationTargetGroup;
  readonly logGroup: logs.LogGroup;
  readonly serviceSecurityGroup: ec2.SecurityGroup;
  /** The host rule on the platform listener, when the service runs on the account platform. */
  readonly listenerRule: elbv2.ApplicationListenerRule | undefined;
  private ownLoadBalancer?: elbv2.ApplicationLoadBalancer;
  private ownListener?: elbv2.ApplicationListener;
  private ownLoadBalancerSecurityGroup?: ec2.SecurityGroup;

  /** The service's own load balancer (a service on the account platform has none). */
  get loadBalancer(): elbv2.ApplicationLoadBalancer {
    return this.own(this.ownLoadBalancer);
  }

  get listener(): elbv2.ApplicationListener {
    return this.own(this.ownListener);
  }

  get loadBalancerSecurityGroup(): ec2.SecurityGroup {
    return this.own(this.ownLoadBalancerSecurityGroup);
  }

  private own<T>(value: T | undefined): T {
    if (value === undefined)
      throw new Error('bug: a service on the account platform has no load balancer of its own');
    return value;
  }

  constructor(scope: Construct, id: string, props: ServiceProps) {
    super(scope, id);
    const port = props.port ?? 8080;
    const arm = props.task.architecture === 'arm64';

    const shared = props.sharedLoadBalancer;
    this.cluster =
      shared?.cluster ??
      new ecs.Cluster(this, 'Cluster', {
        vpc: props.vpc,
        containerInsightsV2: props.containerInsights
          ? ecs.ContainerInsights.ENABLED
          : ecs.ContainerInsights.DISABLED,
        enableFargateCapacityProviders: true,
      });

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });

    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
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

    const api = this.taskDefinition.addContainer('api', {
      image:
        props.prebuiltImage !== undefined
          ? ecs.ContainerImage.fromRegistry(props.prebuiltImage)
          : ecs.ContainerImage.fromAsset(props.image.directory, {
              file: props.image.file,
              target: props.image.target,
              buildArgs: props.image.buildArgs ? { ...props.image.buildArgs } : undefined,
              platform: arm ? ecrAssets.Platform.LINUX_ARM64 : ecrAssets.Platform.LINUX_AMD64,
              exclude: [...(props.image.exclude ?? ['**/node_modules', '**/cdk.out', '.git'])],
              ignoreMode: IgnoreMode.DOCKER,
            }),
      command: props.command ? [...props.command] : undefined,
      essential: true,
      portMappings: [{ containerPort: port, protocol: ecs.Protocol.TCP }],
      environment: { ...props.environment, PORT: String(port) },
      secrets,
      logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'api' }),
      readonlyRootFilesystem: false,
      stopTimeout: Duration.seconds(30),
    });

    if (props.sidecar) {
      if (!props.databaseSecret) throw new Error('bug: a database sidecar needs its credentials');
      const mongo = this.taskDefinition.addContainer('mongodb', {
        image: ecs.ContainerImage.fromRegistry(props.sidecar.image),
        essential: true,
        // Only the service container (same task, same network namespace) can reach it.
        command: ['--bind_ip', '127.0.0.1', '--port', String(props.sidecar.port)],
        secrets: {
          MONGO_INITDB_ROOT_USERNAME: ecs.Secret.fromSecretsManager(
            props.databaseSecret,
            'username',
          ),
          MONGO_INITDB_ROOT_PASSWORD: ecs.Secret.fromSecretsManager(
            props.databaseSecret,
            'password',
          ),
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
        logging: ecs.LogDrivers.awsLogs({ logGroup: this.logGroup, streamPrefix: 'mongodb' }),
        stopTimeout: Duration.seconds(30),
      });
      api.addContainerDependencies({
        container: mongo,
        condition: ecs.ContainerDependencyCondition.HEALTHY,
      });
    }

    // Task role: the data bucket's objects and the config bus, nothing else.
    const taskRole = this.taskDefinition.taskRole;
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
    const stack = Stack.of(this);
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

    this.serviceSecurityGroup = new ec2.SecurityGroup(this, 'ServiceSecurityGroup', {
      vpc: props.vpc,
      description: 'Service tasks: reachable only from the load balancer',
      allowAllOutbound: true,
    });
    if (shared) {
      this.serviceSecurityGroup.addIngressRule(
        shared.securityGroup,
        ec2.Port.tcp(port),
        'from the shared load balancer',
      );
    } else {
      this.ownLoadBalancerSecurityGroup = new ec2.SecurityGroup(this, 'LoadBalancerSecurityGroup', {
        vpc: props.vpc,
        description: 'Public entry point of the environment: HTTPS (and HTTP redirect) only',
        allowAllOutbound: false,
      });
      this.serviceSecurityGroup.addIngressRule(
        this.loadBalancerSecurityGroup,
        ec2.Port.tcp(port),
        'from the load balancer',
      );
      this.loadBalancerSecurityGroup.addEgressRule(
        this.serviceSecurityGroup,
        ec2.Port.tcp(port),
        'to the service tasks',
      );
      this.ownLoadBalancer = new elbv2.ApplicationLoadBalancer(this, 'LoadBalancer', {
        vpc: props.vpc,
        internetFacing: true,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        securityGroup: this.loadBalancerSecurityGroup,
        dropInvalidHeaderFields: true,
        http2Enabled: true,
      });
    }

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      // With autoscaling the task count is autoscaling's: a template count would reset it on every
      // deploy (aws-cdk#3919). Omitted, CloudFormation leaves it out of UpdateService.
      desiredCount:
        props.task.maxTasks > props.task.minTasks && !props.firstCreate
          ? undefined
          : props.task.minTasks,
      assignPublicIp: props.assignPublicIp,
      vpcSubnets: props.subnets,
      securityGroups: [this.serviceSecurityGroup],
      circuitBreaker: { enable: true, rollback: true },
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(props.healthCheckGracePeriodSeconds ?? 60),
      capacityProviderStrategies: capacityProviders(props.task),
      propagateTags: ecs.PropagatedTagSource.SERVICE,
      enableECSManagedTags: true,
    });

    // The capacity provider association is created by an aspect of the cluster at synthesis; a
    // dependency on the whole cluster construct makes the service wait for it on the first deploy.
    this.service.node.addDependency(this.cluster);

    this.targetGroup = new elbv2.ApplicationTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targetType: elbv2.TargetType.IP,
      targets: [this.service],
      deregistrationDelay: Duration.seconds(10),
      healthCheck: {
        path: props.healthCheckPath ?? '/healthz',
        healthyHttpCodes: '200',
        interval: Duration.seconds(15),
        timeout: Duration.seconds(5),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 3,
      },
    });

    this.listenerRule = shared
      ? new elbv2.ApplicationListenerRule(this, 'HostRule', {
          listener: shared.listener,
          priority: shared.priority,
          conditions: [
            elbv2.ListenerCondition.hostHeaders([shared.hostHeader]),
            ...(shared.access?.mode === 'cidr'
              ? [elbv2.ListenerCondition.sourceIps([...shared.access.cidrs])]
              : []),
          ],
          action: accessAction(shared.access, elbv2.ListenerAction.forward([this.targetGroup])),
        })
      : undefined;
    if (shared) {
      // The platform's listener, certificate and redirect serve it.
    } else if (props.cloudFrontOnly) {
      if (!props.certificate)
        throw new Error(
          'bug: a load balancer behind CloudFront needs a certificate (HTTPS origin)',
        );
      this.ownListener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [props.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultAction: CloudFrontOnlyOrigin.denyByDefault(),
        open: false,
      });
      props.cloudFrontOnly.guard(this.listener, this.targetGroup);
      props.cloudFrontOnly.admit(this.loadBalancerSecurityGroup, 443);
    } else if (props.certificate) {
      this.ownListener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [props.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: false });
      this.openToTheInternet(443);
      this.openToTheInternet(80);
    } else {
      this.ownListener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [this.targetGroup],
        open: false,
      });
      this.openToTheInternet(80);
    }

    if (props.task.maxTasks > props.task.minTasks) {
      const scaling = this.service.autoScaleTaskCount({
        minCapacity: props.task.minTasks,
        maxCapacity: props.task.maxTasks,
      });
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: 60,
        scaleInCooldown: Duration.seconds(120),
        scaleOutCooldown: Duration.seconds(60),
      });
    }
  }

  private openToTheInternet(port: number): void {
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(port),
      `public ${port === 443 ? 'HTTPS' : 'HTTP'}`,
    );
  }
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

/** The rule's action for its access mode: forward, or sign in through OIDC first. */
function accessAction(
  access: ListenerAccess | undefined,
  forward: elbv2.ListenerAction,
): elbv2.ListenerAction {
  if (access?.mode !== 'oidc') return forward;
  return elbv2.ListenerAction.authenticateOidc({
    issuer: access.issuer,
    authorizationEndpoint: access.authorizationEndpoint,
    tokenEndpoint: access.tokenEndpoint,
    userInfoEndpoint: access.userInfoEndpoint,
    clientId: access.clientId,
    // A {{resolve:secretsmanager:...}} dynamic reference: CloudFormation reads it at deploy time.
    clientSecret: SecretValue.secretsManager(access.clientSecretArn, {
      jsonField: access.clientSecretField,
    }),
    onUnauthenticatedRequest: elbv2.UnauthenticatedAction.AUTHENTICATE,
    next: forward,
  });
}
