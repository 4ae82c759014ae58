import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  catchAllRulePaths,
  listenerOrder,
  platformParameterName,
  siteServing,
  sleepAfterIdleMinutes,
  type PlatformParameter,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { Construct } from 'constructs';
import { acknowledgeSharedEnvironmentStack } from '../compliance/acknowledgements.js';
import type { ConfigBus } from '../config-bus/config-bus.js';
import { Database } from '../database/database.js';
import { platformRepositoryUri } from '../environment-app/platform-images.js';
import { finishEnvironmentStack } from '../environment-stack/environment-tail.js';
import { checkEnvironment } from '../environment-stack/checks.js';
import type { Observability } from '../observability/observability.js';
import { baselineServiceUrls, physicalNames } from '../private/physical-names.js';
import { retentionOf } from '../private/removal.js';
import { applicationOf, applicationServiceProps } from '../service/application.js';
import {
  EnvironmentServices,
  imageLookup,
  serviceConnectNamespace,
} from '../service/environment-services.js';
import { Service, type ServiceImage } from '../service/service.js';
import { Storage } from '../storage/storage.js';
import { SiteContent } from '../web/site-content.js';
import { SharedDatabase, sharedEngineOf } from './shared-database.js';

/** Where the environment's host rule is on the platform (claimed by `branch-env deploy`). */
export interface ListenerRulePlacement {
  /** 0-based index of the platform load balancer. */
  readonly loadBalancer: number;
  /** 1..50,000, unique across the platform: the rule of the first routed service. */
  readonly priority: number;
  /**
   * One priority per routed service, ascending, given to them in listener order
   * (`listenerOrder()` of core; the catch-all last).
   * @default [priority] (an environment with one routed service)
   */
  readonly priorities?: readonly number[];
}

export interface SharedEnvironmentStackProps extends StackProps {
  /** The environment (a profile with `isolation: "shared"`), from `resolveEnvironment()`. */
  readonly environment: ResolvedEnvironment;
  /** The listener rule's place: load balancer and priority. */
  readonly listenerRule: ListenerRulePlacement;
  /** @default 'unknown' */
  readonly commit?: string;
  /** The image of the service that owns the host rule (the platform's, `platformImage()`). */
  readonly serviceImage: ServiceImage;
  /**
   * The images of the other services (by name) and of jobs with their own build (`job:<name>`).
   * @default none
   */
  readonly images?: Readonly<Record<string, ServiceImage>>;
  /**
   * The stack does not exist yet: termination protection off, the task count set
   * (`EnvironmentAppProps.firstCreate`).
   * @default false
   */
  readonly firstCreate?: boolean;
  /**
   * Secrets Manager name of each application secret, at the level deploy found it.
   * @default the environment-level names
   */
  readonly secretSources?: Readonly<Record<string, string>>;
  /**
   * Built static site, uploaded to the site bucket; the platform's site server serves it.
   * @default - the site bucket starts empty
   */
  readonly siteDirectory?: string;
}

/**
 * A thin environment on the account platform (docs/platform.md): a target group and a host rule
 * `<env>.<domain>` on the platform's HTTPS listener, the ECS service on the platform cluster with
 * its own security group (ingress only from the platform load balancer's), task and execution
 * roles, log group, database secret (and MongoDB sidecar), data bucket, config-bus parameters,
 * dashboard and alarms. No VPC, load balancer, certificate, DNS record (except on a load balancer
 * after the first, which the wildcard record does not cover) or ECR repository of its own.
 *
 * Everything of the platform is read from `/<app>/_platform/` as SSM parameter-typed stack
 * parameters, resolved by CloudFormation at deploy time: synthesis stays offline, and a platform
 * update reaches the environment on its next deploy. The platform is only referenced: this stack
 * creates, changes and deletes nothing of it (its security group is imported immutable).
 */
export class SharedEnvironmentStack extends Stack {
  readonly branchEnvironment: ResolvedEnvironment;
  readonly database: Database;
  /** The environment's database and user on the platform's shared cluster (`database.shared`). */
  readonly sharedDatabase: SharedDatabase | undefined;
  readonly storage: Storage;
  readonly service: Service;
  /** The other services and the jobs of the environment. */
  readonly services: EnvironmentServices;
  readonly observability: Observability;
  readonly configBus: ConfigBus;
  readonly serviceUrl: string;
  /** `<env>.<domain>`. */
  readonly hostName: string;
  /** Uploads the built site to the site bucket (when `siteDirectory` is given). */
  readonly site: SiteContent | undefined;

  constructor(scope: Construct, id: string, props: SharedEnvironmentStackProps) {
    const env = props.environment;
    checkEnvironment(env);
    const zones = env.account.platform?.availabilityZones;
    if (env.profile.isolation !== 'shared' || env.domain === undefined || zones === undefined) {
      throw new Error(
        `bug: environment '${env.name}' is not a shared environment of an account with a platform and a domain (config check refuses that)`,
      );
    }
    super(scope, id, {
      ...props,
      stackName: env.stacks.main,
      env: { account: env.account.id, region: env.region },
      description: `branch-env shared environment ${env.name} of ${env.app} (profile ${env.profile.name}) on the account platform`,
      terminationProtection: env.protected && !props.firstCreate,
    });
    this.branchEnvironment = env;
    const profile = env.profile;
    const names = physicalNames(env);
    const retention = retentionOf(env.protected);
    const placement = props.listenerRule;
    const platform = (parameter: PlatformParameter, n?: number): string =>
      ssm.StringParameter.valueForStringParameter(
        this,
        platformParameterName(env.app, parameter, { n }),
      );
    this.hostName = `${env.name}.${env.domain.name}`;

    const vpc = ec2.Vpc.fromVpcAttributes(this, 'PlatformVpc', {
      vpcId: platform('vpcId'),
      availabilityZones: [...zones],
    });
    const subnetIds = Fn.split(',', platform('taskSubnetIds'), zones.length);
    const subnets = subnetIds.map((subnetId, i) =>
      ec2.Subnet.fromSubnetId(this, `PlatformSubnet${i}`, subnetId),
    );
    // No clusterArn: nothing here references it (CDK formats one from the name if something
    // does), and an unused SSM parameter is still resolved on every deploy (cfn-lint W2001).
    const cluster = ecs.Cluster.fromClusterAttributes(this, 'PlatformCluster', {
      clusterName: platform('clusterName'),
      vpc,
    });
    const loadBalancerSecurityGroup = ec2.SecurityGroup.fromSecurityGroupId(
      this,
      'PlatformLoadBalancerSecurityGroup',
      platform('loadBalancerSecurityGroupId', placement.loadBalancer),
      // Never add a rule to the platform's group from a branch stack.
      { mutable: false, allowAllOutbound: false },
    );
    const listener = elbv2.ApplicationListener.fromApplicationListenerAttributes(
      this,
      'PlatformListener',
      {
        listenerArn: platform('listenerArn', placement.loadBalancer),
        securityGroup: loadBalancerSecurityGroup,
      },
    );

    const sharedEngine = sharedEngineOf(profile.database);
    this.sharedDatabase =
      sharedEngine === undefined
        ? undefined
        : new SharedDatabase(this, 'SharedDatabase', {
            app: env.app,
            environment: env.name,
            engine: sharedEngine,
            protected: env.protected,
          });
    // A database on the platform's shared cluster has the environment database's shape.
    this.database =
      this.sharedDatabase ??
      new Database(this, 'Database', {
        config: profile.database,
        vpc,
        subnets: { subnets },
        protected: env.protected,
        backupRetentionDays: profile.backups.retentionDays,
        multiAz: profile.multiAz,
      });

    this.serviceUrl = `https://${this.hostName}`;
    this.storage = new Storage(this, 'Storage', {
      removalPolicy: retention.data,
      versioned: env.protected,
      dataBucketOrigin: this.serviceUrl,
      siteBucketOrigin: this.serviceUrl,
    });

    // The services' ports must be ones the platform's load balancers may reach (PlatformStack's
    // servicePorts, from the same config). One rule per routed service, in listener order.
    const ordered = listenerOrder(env.services);
    const priorities = [...(placement.priorities ?? [placement.priority])].sort((a, b) => a - b);
    if (priorities.length !== ordered.length)
      throw new Error(
        `bug: environment '${env.name}' has ${ordered.length} routed service(s) but ${priorities.length} listener-rule priorities`,
      );
    const app = applicationOf(env);
    const namespace = serviceConnectNamespace(this, env);
    const serviceInput = {
      environment: env,
      commit: props.commit,
      secretSources: props.secretSources,
      database: this.database,
      dataBucket: this.storage.dataBucket,
    };
    const discovery = [baselineServiceUrls(env)].filter((p) => p !== undefined);
    // With NAT on the platform the task subnets are private; without, public with a public IP.
    const assignPublicIp = (env.account.platform?.natGateways ?? 0) === 0;
    const sharedLoadBalancer = {
      cluster,
      listener,
      securityGroup: loadBalancerSecurityGroup,
      environment: env.name,
      app: env.app,
      priority: priorities[ordered.indexOf(app)] ?? placement.priority,
      access: profile.access,
      // The rule's branch-env:sleep-after tag (absent: never sleeps), docs/platform.md "Sleep and wake".
      sleepAfterMinutes: sleepAfterIdleMinutes(env) ?? undefined,
      revision: props.commit,
    };
    this.service = new Service(this, 'Service', {
      ...applicationServiceProps(this, serviceInput),
      firstCreate: props.firstCreate,
      vpc,
      subnets: { subnets },
      assignPublicIp,
      containerInsights: profile.containerInsights,
      image: props.serviceImage,
      logGroupName: names.serviceLogGroupOf(app.name),
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: retention.data,
      dataBucket: this.storage.dataBucket,
      ssmPrefix: env.ssmPrefix,
      ssmDiscoveryParameters: discovery,
      sharedLoadBalancer,
      sharedRulePaths: catchAllRulePaths(env),
      serviceConnect: namespace && { namespaceArn: namespace.namespaceArn },
    });
    this.services = new EnvironmentServices(this, 'Services', {
      input: serviceInput,
      primary: this.service,
      imageOf: imageLookup(env, props.serviceImage, props.images),
      cluster,
      vpc,
      subnets: { subnets },
      assignPublicIp,
      firstCreate: props.firstCreate,
      logGroupOf: (kind, name) =>
        kind === 'service' ? names.serviceLogGroupOf(name) : names.jobLogGroupOf(name),
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: retention.data,
      ssmDiscoveryParameters: discovery,
      namespace,
      routes: { kind: 'shared', shared: sharedLoadBalancer, priorities },
      loadBalancerSecurityGroup,
    });

    // Every further service and the jobs are admitted by EnvironmentServices, each by its own rule.
    if (this.database.connections && this.database.port !== undefined) {
      this.database.connections.allowFrom(
        this.service.serviceSecurityGroup,
        ec2.Port.tcp(this.database.port),
        'from the service tasks',
      );
    }
    if (this.sharedDatabase !== undefined) {
      // Tasks start once their database and user exist.
      for (const service of [
        this.service.service,
        ...[...this.services.services.values()].map((s) => s.service),
      ])
        service.node.addDependency(this.sharedDatabase.resource);
    }

    if (placement.loadBalancer > 0) {
      // The wildcard record points at the first load balancer; later ones need a record per name.
      const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
        hostedZoneId: env.domain.hostedZoneId,
        zoneName: env.domain.name,
      });
      const dnsName = platform('loadBalancerDnsName', placement.loadBalancer);
      const hostedZoneId = platform('loadBalancerHostedZoneId', placement.loadBalancer);
      new route53.ARecord(this, 'Alias', {
        zone,
        recordName: `${this.hostName}.`,
        target: route53.RecordTarget.fromAlias({
          bind: () => ({ dnsName: `dualstack.${dnsName}`, hostedZoneId }),
        }),
      });
    }

    this.site = this.serveSite(props.siteDirectory, () => platform('siteServerRoleArn'));

    ({ observability: this.observability, configBus: this.configBus } = finishEnvironmentStack(
      this,
      {
        environment: env,
        service: this.service,
        // A sleeping environment has no task on purpose (docs/platform.md, "Sleep and wake").
        alwaysRunsTasks: app.task.minTasks >= 1 && sleepAfterIdleMinutes(env) === null,
        database: this.database,
        storage: this.storage,
        serviceUrl: this.serviceUrl,
        ecrRepository: platformRepositoryUri(this, props.serviceImage) ?? 'none',
      },
    ));
    acknowledgeSharedEnvironmentStack(this);
  }

  /**
   * The site (docs/services.md, "The site"): uploaded when built, and, when the platform serves it
   * (`siteServing()`: public access), readable by the platform's site server through this
   * bucket's policy. The server's role has no S3 permission of its own; a private environment
   * grants nothing, so its site is never served past its access control.
   */
  private serveSite(
    directory: string | undefined,
    serverRoleArn: () => string,
  ): SiteContent | undefined {
    const env = this.branchEnvironment;
    const bucket = this.storage.siteBucket;
    if (siteServing(env) === 'platform') {
      const server = new iam.ArnPrincipal(serverRoleArn());
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PlatformSiteServerReadsObjects',
          principals: [server],
          actions: ['s3:GetObject'],
          resources: [bucket.arnForObjects('*')],
        }),
      );
      // A missing object is then a 404 (NoSuchKey), not a 403.
      bucket.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: 'PlatformSiteServerLists',
          principals: [server],
          actions: ['s3:ListBucket'],
          resources: [bucket.bucketArn],
        }),
      );
    }
    if (directory === undefined) return undefined;
    return new SiteContent(this, 'Site', {
      directory,
      bucket,
      removalPolicy: retentionOf(env.protected).data,
    });
  }

  /** The platform's zones: no lookup. */
  override get availabilityZones(): string[] {
    return [...(this.branchEnvironment?.account.platform?.availabilityZones ?? [])];
  }
}
