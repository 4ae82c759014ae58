import { Fn, RemovalPolicy, Stack, Tags, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as targets from 'aws-cdk-lib/aws-route53-targets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import {
  DEFAULT_SERVICE,
  IMAGE_CACHE_TAG,
  imageRepositoryName,
  imageRepositoryPrefix,
  platformImageClasses,
  PLATFORM_PARAMETERS,
  platformFlowLogGroupName,
  platformLoadBalancerName,
  platformParameterName,
  platformStackName,
  TAG_KEYS,
  type Account,
  type PlatformParameter,
} from '@branch-env/core';
import type { Construct } from 'constructs';
import { acknowledgePlatformStack } from '../compliance/acknowledgements.js';
import { Network } from '../network/network.js';
import { Registry } from '../registry/registry.js';
import { SiteServer } from '../web/site-server.js';
import { ListenerRouter } from './router.js';
import { SharedDatabases } from './shared-databases.js';
import { Sleeper } from './sleeper.js';

/** The container port shared services listen on (the service construct's default). */
export const SHARED_SERVICE_PORT = 8080;

export interface PlatformStackProps extends StackProps {
  /** The config's `app`. */
  readonly app: string;
  /** The account (with its key) the platform is for: region, domain and `platform` block. */
  readonly account: { readonly key: string } & Account;
  /**
   * Services of the app: one ECR repository each per protection class (docs/images.md).
   * @default ['api'] (this repository's sample service)
   */
  readonly services?: readonly string[];
  /**
   * Jobs of the app with a build of their own: one ECR repository each per protection class.
   * @default none
   */
  readonly jobs?: readonly string[];
  /**
   * Ports the app's services listen on: the load balancers may reach the tasks on these (and
   * nothing else). From the config's `services`.
   * @default [SHARED_SERVICE_PORT] (8080, this repository's sample service)
   */
  readonly servicePorts?: readonly number[];
  /**
   * Log retention of the VPC flow logs (days).
   * @default 30
   */
  readonly logRetentionDays?: number;
  /**
   * Let the load balancers reach OIDC identity providers (HTTPS out to anywhere): the
   * `authenticate-oidc` action of a private environment's rule calls the provider's token and
   * user-info endpoints from the load balancer.
   * @default false
   */
  readonly identityProviderEgress?: boolean;
}

/** One of the platform's load balancers. */
export interface PlatformLoadBalancer {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly httpsListener: elbv2.ApplicationListener;
  /** The site server's target group: the HTTPS listener's default action. */
  readonly siteTargetGroup: elbv2.ApplicationTargetGroup;
}

/**
 * The account platform (`branch-env bootstrap`, docs/platform.md): created once per account and
 * region, shared by the environments of profiles with `isolation: "shared"`. A VPC over the
 * configured availability zones, an ECS cluster with Fargate and Fargate Spot, internet-facing
 * Application Load Balancers with an HTTPS listener on a wildcard certificate `*.<domain>`
 * (validated once, by DNS), HTTP redirected to HTTPS, the site server as the default action (each
 * environment's static site on what its rules do not take; 404 for unknown hosts), the wildcard
 * alias `*.<domain>` to the first load balancer, and an ECR repository per service. What branch
 * stacks need is published under `/<app>/_platform/` (PLATFORM_PARAMETERS).
 *
 * Long-lived: termination protection on; no logical id or replacement-forcing property depends on
 * the knobs that change (NAT gateways, load balancer count), so an update adds and removes but
 * never replaces the VPC, a load balancer, a listener, the certificate or the cluster.
 */
export class PlatformStack extends Stack {
  readonly network: Network;
  readonly cluster: ecs.Cluster;
  readonly certificate: acm.Certificate;
  readonly loadBalancers: readonly PlatformLoadBalancer[];
  /**
   * The image repositories, by their path below `<app>-platform/` (`unprotected/services/api`);
   * plus, by service name, the CloudFormation-named repository of earlier versions (unused, kept).
   */
  readonly repositories: ReadonlyMap<string, Registry>;
  readonly zones: readonly string[];
  /** The shared database clusters and their provisioner, when `platform.databases` has any. */
  readonly databases: SharedDatabases | undefined;
  /** Serves each shared environment's static site: the listeners' default action. */
  readonly siteServer: SiteServer;
  /** Writes each shared environment's rules on the listeners (`Custom::BranchEnvListenerRule`). */
  readonly router: ListenerRouter;
  /** Puts idle shared environments to sleep and wakes them on a request (issue 11). */
  readonly sleeper: Sleeper;

  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    const { account, app } = props;
    const platform = account.platform;
    const zones = platform?.availabilityZones;
    if (platform === undefined || zones === undefined) {
      throw new Error(
        `bug: account '${account.key}' has no platform availability zones (config check refuses shared profiles there)`,
      );
    }
    if (account.domain === undefined) {
      throw new Error(`bug: account '${account.key}' has no domain for the platform`);
    }
    super(scope, id, {
      ...props,
      stackName: platformStackName(app),
      env: { account: account.id, region: account.region },
      description: `branch-env account platform of ${app} (account ${account.key}): VPC, ECS cluster, shared load balancers, wildcard certificate and DNS, ECR`,
      terminationProtection: true,
    });
    this.zones = zones;
    const domain = account.domain;

    this.network = new Network(this, 'Network', {
      natGateways: platform.natGateways,
      maxAzs: zones.length,
      flowLogGroupName: platformFlowLogGroupName(app),
      logRetentionDays: props.logRetentionDays ?? 30,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const vpc = this.network.vpc;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      enableFargateCapacityProviders: true,
      containerInsightsV2: ecs.ContainerInsights.DISABLED,
    });

    const zone = route53.HostedZone.fromHostedZoneAttributes(this, 'Zone', {
      hostedZoneId: domain.hostedZoneId,
      zoneName: domain.name,
    });
    this.certificate = new acm.Certificate(this, 'WildcardCertificate', {
      domainName: `*.${domain.name}`,
      validation: acm.CertificateValidation.fromDns(zone),
    });

    // What no environment's rule takes: the environment's static site (docs/services.md, "The
    // site"), or the 404 for unknown hosts. One function, a target group per load balancer.
    this.siteServer = new SiteServer(this, 'SiteServer', {
      source: { kind: 'config-bus', app, domain: domain.name },
      logRetentionDays: props.logRetentionDays ?? 30,
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const loadBalancers: PlatformLoadBalancer[] = [];
    for (let n = 0; n < platform.loadBalancers; n++) {
      // Ids by index, stable: adding load balancers appends, never renames the first ones.
      const securityGroup = new ec2.SecurityGroup(this, `LoadBalancer${n}SecurityGroup`, {
        vpc,
        description: `Shared load balancer ${n}: HTTPS (and the HTTP redirect) in, the service port to the VPC out`,
        allowAllOutbound: false,
      });
      securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'public HTTPS');
      securityGroup.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'public HTTP');
      // Service security groups are the environments': each admits only this group. Egress is to
      // the VPC on the service port, so a branch stack never edits this platform group.
      for (const port of [...new Set(props.servicePorts ?? [SHARED_SERVICE_PORT])].sort(
        (a, b) => a - b,
      ))
        securityGroup.addEgressRule(
          ec2.Peer.ipv4(vpc.vpcCidrBlock),
          ec2.Port.tcp(port),
          'to the service tasks of the environments',
        );
      if (props.identityProviderEgress === true) {
        securityGroup.addEgressRule(
          ec2.Peer.anyIpv4(),
          ec2.Port.tcp(443),
          'to OIDC identity providers (token and user-info endpoints)',
        );
      }
      const loadBalancer = new elbv2.ApplicationLoadBalancer(this, `LoadBalancer${n}`, {
        vpc,
        // Named: the deploy roles' boundary denies rule changes on these by ARN (router.ts).
        loadBalancerName: platformLoadBalancerName(app, n),
        internetFacing: true,
        vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
        securityGroup,
        dropInvalidHeaderFields: true,
        http2Enabled: true,
      });
      const siteTargetGroup = this.siteServer.addTargetGroup(`LoadBalancer${n}Site`);
      const httpsListener = loadBalancer.addListener('Https', {
        port: 443,
        protocol: elbv2.ApplicationProtocol.HTTPS,
        certificates: [this.certificate],
        sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
        open: false,
        // An update of the default action changes the listener in place (no replacement).
        defaultAction: elbv2.ListenerAction.forward([siteTargetGroup]),
      });
      loadBalancer.addRedirect({ sourcePort: 80, targetPort: 443, open: false });
      loadBalancers.push({ loadBalancer, securityGroup, httpsListener, siteTargetGroup });
    }
    this.loadBalancers = loadBalancers;
    this.router = new ListenerRouter(this, 'Router', {
      app,
      domain: domain.name,
      listeners: loadBalancers.map((l) => l.httpsListener),
      logRetentionDays: props.logRetentionDays ?? 30,
    });
    this.sleeper = new Sleeper(this, 'Sleeper', {
      app,
      cluster: this.cluster,
      loadBalancers,
      logRetentionDays: props.logRetentionDays ?? 30,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.router.wakeWith(this.sleeper.function, this.sleeper.wakerTargetGroups);

    const first = loadBalancers[0];
    if (first === undefined) throw new Error('bug: a platform has at least one load balancer');
    new route53.ARecord(this, 'WildcardAlias', {
      zone,
      recordName: `*.${domain.name}.`,
      target: route53.RecordTarget.fromAlias(new targets.LoadBalancerTarget(first.loadBalancer)),
    });

    const repositories = new Map<string, Registry>();
    const services = props.services ?? [DEFAULT_SERVICE];
    for (const service of services) {
      // The CloudFormation-named repository earlier versions created (and nothing pushed to): kept,
      // empty, because the stack policy refuses deleting a repository (stack-policy.ts).
      repositories.set(
        service,
        new Registry(this, `Repository-${service}`, {
          removalPolicy: RemovalPolicy.RETAIN,
          keepImages: 500,
        }),
      );
    }
    // What environments run (docs/images.md): a repository per protection class and service or
    // job, named, so that each class's deploy role may push to its own class's repositories only.
    const units = [
      ...services.map((name) => ({ kind: 'service' as const, name })),
      ...(props.jobs ?? []).map((name) => ({ kind: 'job' as const, name })),
    ];
    for (const protectionClass of platformImageClasses(account)) {
      for (const unit of units) {
        const name = imageRepositoryName(app, protectionClass, unit);
        const path = name.slice(imageRepositoryPrefix(app, protectionClass).length);
        repositories.set(
          `${protectionClass}/${path}`,
          new Registry(this, `Images-${protectionClass}-${unit.kind}-${unit.name}`, {
            repositoryName: name,
            // Images are what CI built; deleting the platform keeps them (docs/platform.md).
            removalPolicy: RemovalPolicy.RETAIN,
            keepImages: 500,
            // The BuildKit registry cache is rewritten by every build.
            mutableTags: [IMAGE_CACHE_TAG],
          }),
        );
      }
    }
    this.repositories = repositories;

    const databases = platform.databases;
    this.databases =
      databases?.documentdb !== undefined || databases?.auroraPostgres !== undefined
        ? new SharedDatabases(this, 'Databases', {
            app,
            databases: databases ?? {},
            vpc,
            subnets: this.network.databaseSubnets,
            logRetentionDays: props.logRetentionDays ?? 30,
          })
        : undefined;

    // The SSM contract.
    const publish = (
      parameter: PlatformParameter,
      value: string,
      values: Parameters<typeof platformParameterName>[2] = {},
    ): void => {
      const key = PLATFORM_PARAMETERS[parameter].key.replace(
        /\{(n|repository)\}/g,
        (_, k: 'n' | 'repository') => String(values[k]),
      );
      new ssm.StringParameter(this, `Parameter/${key}`, {
        parameterName: platformParameterName(app, parameter, values),
        stringValue: value,
        description: PLATFORM_PARAMETERS[parameter].description.slice(0, 1024),
        tier: ssm.ParameterTier.STANDARD,
      });
    };
    const taskSubnets = vpc.selectSubnets(this.network.serviceSubnets).subnetIds;
    publish('vpcId', vpc.vpcId);
    publish('taskSubnetIds', Fn.join(',', taskSubnets));
    publish('assignPublicIp', this.network.tasksNeedPublicIp ? 'ENABLED' : 'DISABLED');
    publish('clusterName', this.cluster.clusterName);
    publish('clusterArn', this.cluster.clusterArn);
    loadBalancers.forEach(({ loadBalancer, securityGroup, httpsListener }, n) => {
      publish('listenerArn', httpsListener.listenerArn, { n });
      publish('loadBalancerSecurityGroupId', securityGroup.securityGroupId, { n });
      publish('loadBalancerArn', loadBalancer.loadBalancerArn, { n });
      publish('loadBalancerDnsName', loadBalancer.loadBalancerDnsName, { n });
      publish('loadBalancerHostedZoneId', loadBalancer.loadBalancerCanonicalHostedZoneId, { n });
    });
    for (const [repository, registry] of repositories) {
      publish('repositoryUri', registry.repository.repositoryUri, { repository });
    }
    for (const c of this.databases?.clusters ?? []) {
      const docdb = c.engine === 'documentdb';
      publish(docdb ? 'documentdbEndpoint' : 'auroraPostgresEndpoint', c.endpoint);
      publish(
        docdb ? 'documentdbSecurityGroupId' : 'auroraPostgresSecurityGroupId',
        c.securityGroup.securityGroupId,
      );
    }
    if (this.databases !== undefined) {
      publish('databaseProvisionerArn', this.databases.provisioner.functionArn);
    }
    publish('siteServerRoleArn', this.siteServer.role.roleArn);

    Tags.of(this).add(TAG_KEYS.app, app);
    acknowledgePlatformStack(this);
  }

  /** The configured zones: no lookup, the same answer offline and in CI. */
  override get availabilityZones(): string[] {
    return [...(this.zones ?? [])];
  }
}
