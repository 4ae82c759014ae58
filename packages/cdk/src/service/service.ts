import { ArnFormat, CustomResource, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { listenerRouterName } from '@branch-env/core';
import type { DatabaseSidecar } from '../database/database.js';
import { LISTENER_RULE_RESOURCE_TYPE } from '../platform/router/decide.js';
import { CloudFrontOnlyOrigin } from '../web/cloudfront-only-origin.js';
import {
  addWorkloadService,
  addWorkloadTargetGroup,
  addWorkloadTask,
  type WorkloadServiceConnect,
} from './workload.js';

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
  /**
   * The image is already built into an ECR repository of the account platform
   * (`branch-env image push`, docs/images.md): the task runs `<repository>:<tag>` and the build
   * fields above are not used.
   * @default - built from `directory` as a CDK image asset
   */
  readonly registry?: {
    /** Repository name in the stack's account and region (`imageRepositoryName()` of core). */
    readonly repositoryName: string;
    readonly tag: string;
  };
}

/**
 * Who may reach an environment on a shared load balancer (`profiles.<key>.access`): everyone, an
 * allow-list of source CIDRs (a `source-ip` condition of the listener rule), or people who sign in
 * with an OIDC identity provider (the rule's `authenticate-oidc` action; the platform's router reads
 * the client secret from Secrets Manager, so it is never in the template).
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
  /** The environment's name: the router writes its rule for `<environment>.<domain>`. */
  readonly environment: string;
  /** The config's `app`: the router is `<app>-platform-router`. */
  readonly app: string;
  /** The rule's priority, claimed on the platform (unique per listener). */
  readonly priority: number;
  /** @default { mode: 'public' } */
  readonly access?: ListenerAccess;
  /** Idle minutes before the platform's sleeper may put the environment to sleep. @default never */
  readonly sleepAfterMinutes?: number | undefined;
  /**
   * Changes with every deploy (the commit), so each deploy updates the rule and a sleeping
   * environment wakes. @default none
   */
  readonly revision?: string | undefined;
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
  /**
   * Path patterns of the service's rule on the shared listener (`catchAllRulePaths()` of core:
   * its routes when a site server takes what they do not).
   * @default none: the rule matches the host alone
   */
  readonly sharedRulePaths?: readonly string[];
  /**
   * The environment's own load balancer serves the static site: its listener's default action
   * forwards to `targetGroup` (the site server) and this service gets a rule for `paths` (its
   * routes), after the other services' rules. Not with `cloudFrontOnly` (CloudFront serves it).
   * @default - this service is the listener's default action
   */
  readonly site?: {
    readonly targetGroup: elbv2.IApplicationTargetGroup;
    readonly paths: readonly string[];
  };
  /**
   * Container name and log stream prefix: the service's name.
   * @default api
   */
  readonly containerName?: string;
  /**
   * The environment's Service Connect namespace, when it has internal services: the service is
   * a client of it (reaches `http://<name>:<port>`).
   * @default - no Service Connect
   */
  readonly serviceConnect?: WorkloadServiceConnect;
  /**
   * Routed services of the environment on this service's own load balancer, this one included:
   * the others' rules ({@link Service.addRoute}) take priorities 1..n-1, before this service's.
   * @default 1
   */
  readonly routedServices?: number;
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
  readonly listenerRule: CustomResource | undefined;
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

  constructor(
    scope: Construct,
    id: string,
    private readonly props: ServiceProps,
  ) {
    super(scope, id);
    const port = props.port ?? 8080;

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

    this.taskDefinition = addWorkloadTask(this, {
      ...props,
      logGroup: this.logGroup,
      containerName: props.containerName ?? 'api',
      port,
      namedPort: props.serviceConnect?.publish !== undefined,
    }).taskDefinition;

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

    this.service = addWorkloadService(this, {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      task: props.task,
      firstCreate: props.firstCreate,
      assignPublicIp: props.assignPublicIp,
      subnets: props.subnets,
      securityGroup: this.serviceSecurityGroup,
      healthCheckGracePeriodSeconds: props.healthCheckGracePeriodSeconds ?? 60,
      serviceConnect: props.serviceConnect,
    });

    // The capacity provider association is created by an aspect of the cluster at synthesis; a
    // dependency on the whole cluster construct makes the service wait for it on the first deploy.
    this.service.node.addDependency(this.cluster);

    this.targetGroup = addWorkloadTargetGroup(this, {
      vpc: props.vpc,
      port,
      healthCheckPath: props.healthCheckPath ?? '/healthz',
      service: this.service,
    });

    this.listenerRule = shared
      ? sharedListenerRule(this, 'HostRule', shared, {
          paths: props.sharedRulePaths ?? [],
          targetGroup: this.targetGroup,
        })
      : undefined;
    const defaultTargetGroup = props.site?.targetGroup ?? this.targetGroup;
    if (shared) {
      // The platform's listener, certificate and redirect serve it.
    } else if (props.cloudFrontOnly) {
      if (props.site)
        throw new Error(
          'bug: behind CloudFront the distribution serves the site, not the load balancer',
        );
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
      props.cloudFrontOnly.guard(this.listener, this.targetGroup, props.routedServices ?? 1);
      props.cloudFrontOnly.admit(this.loadBalancerSecurityGroup, 443);
    } else if (props.certificate) {
      this.ownListener = this.loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [props.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        defaultTargetGroups: [defaultTargetGroup],
        open: false,
      });
      this.loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: false });
      this.openToTheInternet(443);
      this.openToTheInternet(80);
    } else {
      this.ownListener = this.loadBalancer.addListener('Http', {
        port: 80,
        protocol: elbv2.ApplicationProtocol.HTTP,
        defaultTargetGroups: [defaultTargetGroup],
        open: false,
      });
      this.openToTheInternet(80);
    }
    if (!shared && props.site) {
      if (props.site.paths.length === 0)
        throw new Error('bug: a service next to the site needs routes (config check)');
      // After the other services' rules (1..routedServices-1): the site takes what none takes.
      new elbv2.ApplicationListenerRule(this, 'SiteRoutes', {
        listener: this.listener,
        priority: props.routedServices ?? 1,
        conditions: [elbv2.ListenerCondition.pathPatterns([...props.site.paths])],
        action: elbv2.ListenerAction.forward([this.targetGroup]),
      });
    }
  }

  /**
   * Route `paths` on this service's own listener to another service's target group, at
   * `priority` (1..routedServices-1: before this service, the catch-all). Behind CloudFront the
   * rule also requires the secret origin header.
   */
  addRoute(
    id: string,
    options: {
      readonly paths: readonly string[];
      readonly priority: number;
      readonly targetGroup: elbv2.IApplicationTargetGroup;
    },
  ): elbv2.ApplicationListenerRule {
    if (options.priority < 1 || options.priority >= (this.props.routedServices ?? 1))
      throw new Error(`bug: route priority ${options.priority} is not before the catch-all's`);
    return new elbv2.ApplicationListenerRule(this, id, {
      listener: this.listener,
      priority: options.priority,
      conditions: [
        ...(this.props.cloudFrontOnly ? [this.props.cloudFrontOnly.condition()] : []),
        elbv2.ListenerCondition.pathPatterns([...options.paths]),
      ],
      action: elbv2.ListenerAction.forward([options.targetGroup]),
    });
  }

  private openToTheInternet(port: number): void {
    this.loadBalancerSecurityGroup.addIngressRule(
      ec2.Peer.anyIpv4(),
      ec2.Port.tcp(port),
      `public ${port === 443 ? 'HTTPS' : 'HTTP'}`,
    );
  }
}

export { capacityProviders } from './workload.js';

/**
 * A rule on the platform listener for the environment's host (and `paths`, unless it is the
 * catch-all), with the profile's access: source CIDRs as a condition, OIDC as a first action.
 * Written by the platform's listener-rule router (`Custom::BranchEnvListenerRule`, platform/router/),
 * which takes the host from the requesting stack's tags and refuses a target group that is not the
 * stack's own: no deploy role may write rules on the platform's listeners itself. The target group
 * counts as attached to the listener once the rule exists (the ECS service waits for it).
 */
export function sharedListenerRule(
  scope: Construct,
  id: string,
  shared: SharedLoadBalancer,
  options: {
    readonly paths: readonly string[];
    readonly targetGroup: elbv2.IApplicationTargetGroup;
    /** @default shared.priority */
    readonly priority?: number;
  },
): CustomResource {
  const access = shared.access;
  const rule = new CustomResource(scope, id, {
    resourceType: LISTENER_RULE_RESOURCE_TYPE,
    serviceToken: Stack.of(scope).formatArn({
      service: 'lambda',
      resource: 'function',
      resourceName: listenerRouterName(shared.app),
      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
    }),
    properties: {
      EnvironmentName: shared.environment,
      ListenerArn: shared.listener.listenerArn,
      Priority: String(options.priority ?? shared.priority),
      Paths: [...options.paths],
      TargetGroupArn: options.targetGroup.targetGroupArn,
      ...(access === undefined || access.mode === 'public'
        ? {}
        : { Access: accessProperties(access) }),
      ...(shared.sleepAfterMinutes === undefined
        ? {}
        : { SleepAfterMinutes: String(shared.sleepAfterMinutes) }),
      ...(shared.revision === undefined ? {} : { Revision: shared.revision }),
    },
  });
  options.targetGroup.registerListener(shared.listener, rule);
  return rule;
}

/** The access as the router reads it (no secret: the ARN it reads the client secret from). */
function accessProperties(
  access: Exclude<ListenerAccess, { mode: 'public' }>,
): Record<string, unknown> {
  if (access.mode === 'cidr') return { Mode: 'cidr', Cidrs: [...access.cidrs] };
  return {
    Mode: 'oidc',
    Issuer: access.issuer,
    AuthorizationEndpoint: access.authorizationEndpoint,
    TokenEndpoint: access.tokenEndpoint,
    UserInfoEndpoint: access.userInfoEndpoint,
    ClientId: access.clientId,
    ClientSecretArn: access.clientSecretArn,
    ...(access.clientSecretField === undefined
      ? {}
      : { ClientSecretField: access.clientSecretField }),
  };
}
