import { Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as cr from 'aws-cdk-lib/custom-resources';
import {
  catchAllRulePaths,
  routedServiceCount,
  routesOf,
  siteServing,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { Construct } from 'constructs';
import { acknowledgeEnvironmentStack } from '../compliance/acknowledgements.js';
import type { ConfigBus } from '../config-bus/config-bus.js';
import { Database } from '../database/database.js';
import { Domain } from '../domain/domain.js';
import { Network } from '../network/network.js';
import type { Observability } from '../observability/observability.js';
import { baselineServiceUrls, physicalNames } from '../private/physical-names.js';
import { retentionOf } from '../private/removal.js';
import { platformRepositoryUri } from '../environment-app/platform-images.js';
import { Registry } from '../registry/registry.js';
import { applicationOf, applicationServiceProps } from '../service/application.js';
import {
  EnvironmentServices,
  imageLookup,
  serviceConnectNamespace,
} from '../service/environment-services.js';
import { Service, type ServiceImage } from '../service/service.js';
import { Storage } from '../storage/storage.js';
import { SiteContent } from '../web/site-content.js';
import { SiteServer } from '../web/site-server.js';
import { Web } from '../web/web.js';
import { CloudFrontOnlyOrigin } from '../web/cloudfront-only-origin.js';
import { finishEnvironmentStack } from './environment-tail.js';
import { checkEnvironment } from './checks.js';

/** Where the CloudFront certificate (us-east-1) comes from. */
export type CloudFrontCertificateSource =
  /** The certificate stack is in the same region: reference it directly (CloudFormation export). */
  | { readonly certificate: acm.ICertificate }
  /** Another region: read the ARN the certificate stack published as an SSM parameter in us-east-1. */
  | { readonly arnParameterName: string };

export interface EnvironmentStackProps extends StackProps {
  /** The environment, from `resolveEnvironment()` of `@branch-env/core`. */
  readonly environment: ResolvedEnvironment;
  /**
   * Commit SHA the service runs (`BRANCH_ENV_COMMIT`).
   * @default 'unknown'
   */
  readonly commit?: string;
  /** The image of the service that owns the load balancer (`applicationOf()`). */
  readonly serviceImage: ServiceImage;
  /**
   * The images of the other services (by name) and of jobs with their own build (`job:<name>`).
   * @default none: the environment runs one service and no job with its own build
   */
  readonly images?: Readonly<Record<string, ServiceImage>>;
  /**
   * Built static site (`apps/web/dist`).
   * @default - the site bucket starts empty (the service still answers on /api/*)
   */
  readonly siteDirectory?: string;
  /**
   * CloudFront certificate, required when the profile serves a custom domain on CloudFront.
   * @default - none
   */
  readonly cloudFrontCertificate?: CloudFrontCertificateSource;
  /**
   * The stack does not exist yet: termination and deletion protection off, task count explicit
   * (`EnvironmentAppProps.firstCreate`).
   * @default false
   */
  readonly firstCreate?: boolean;
  /**
   * Secrets Manager name each application secret is read from (`resolveSecretSources()` of
   * `@branch-env/core`; `deploy` knows which level has a value).
   * @default the environment-level name `/<app>/<env>/secrets/<NAME>` of each
   */
  readonly secretSources?: Readonly<Record<string, string>>;
}

/**
 * One branch's complete environment, composed from its resolved environment: network, database,
 * registry, storage, service behind a load balancer, CloudFront (per profile), DNS and
 * certificates, dashboard and alarms, and the config bus. Account, region and availability zones
 * are fixed (no lookups): it synthesizes offline. Unprotected environments are deleted completely
 * with the stack; protected ones keep their data and have termination protection.
 */
export class EnvironmentStack extends Stack {
  /** The resolved environment this stack builds. */
  readonly branchEnvironment: ResolvedEnvironment;
  readonly network: Network;
  readonly database: Database;
  /**
   * The environment's own image repository; undefined when it runs the account platform's images
   * (a platform account: `branch-env image push` builds them once per commit, docs/images.md).
   */
  readonly registry: Registry | undefined;
  readonly storage: Storage;
  readonly service: Service;
  /** The other services and the jobs of the environment. */
  readonly services: EnvironmentServices;
  readonly web: Web | undefined;
  /** Serves the static site on the load balancer, without CloudFront (`siteServing()` of core). */
  readonly siteServer: SiteServer | undefined;
  readonly domain: Domain | undefined;
  readonly observability: Observability;
  readonly configBus: ConfigBus;
  /** The environment's public URL (also `api/service-url` on the config bus). */
  readonly serviceUrl: string;

  constructor(scope: Construct, id: string, props: EnvironmentStackProps) {
    const env = props.environment;
    checkEnvironment(env);
    super(scope, id, {
      ...props,
      stackName: env.stacks.main,
      env: { account: env.account.id, region: env.region },
      description: `branch-env environment ${env.name} of ${env.app} (profile ${env.profile.name})`,
      terminationProtection: env.protected && !props.firstCreate,
    });
    this.branchEnvironment = env;
    const profile = env.profile;
    const names = physicalNames(env);
    const retention = retentionOf(env.protected);
    const useCloudFront = profile.cloudfront;

    this.network = new Network(this, 'Network', {
      natGateways: profile.natGateways,
      flowLogGroupName: names.flowLogGroup,
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: retention.data,
    });

    this.database = new Database(this, 'Database', {
      config: profile.database,
      vpc: this.network.vpc,
      subnets: this.network.databaseSubnets,
      protected: env.protected,
      backupRetentionDays: profile.backups.retentionDays,
      multiAz: profile.multiAz,
      identifiers: names.database,
      deletionProtection: env.protected && !props.firstCreate,
    });

    this.registry =
      props.serviceImage.registry === undefined
        ? new Registry(this, 'Registry', { removalPolicy: retention.data })
        : undefined;

    // The URL is known only once the load balancer / distribution exist; CORS reads it lazily.
    let url: string | undefined;
    const origin = Lazy.string({
      produce: () => {
        if (url === undefined) throw new Error('bug: service URL read before it was set');
        return url;
      },
    });
    this.storage = new Storage(this, 'Storage', {
      removalPolicy: retention.data,
      versioned: env.protected,
      dataBucketOrigin: origin,
      // Behind CloudFront without a domain, the origin is the distribution's name, which itself
      // depends on the site bucket: no CORS rule there (the site is same-origin anyway).
      siteBucketOrigin: names.dnsName !== undefined || !useCloudFront ? origin : undefined,
    });

    this.domain =
      env.domain && names.dnsName
        ? new Domain(this, 'Domain', {
            zoneName: env.domain.name,
            hostedZoneId: env.domain.hostedZoneId,
            dnsName: names.dnsName,
            alternativeNames:
              useCloudFront && names.originDnsName ? [names.originDnsName] : undefined,
          })
        : undefined;

    // Behind CloudFront, the load balancer answers CloudFront only (docs/security.md).
    if (useCloudFront && (this.domain === undefined || names.originDnsName === undefined))
      throw new Error(
        `bug: environment '${env.name}' puts CloudFront in front without a custom domain; config check refuses that`,
      );
    const edge = useCloudFront ? new CloudFrontOnlyOrigin(this, 'Edge') : undefined;
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
    this.siteServer =
      siteServing(env) === 'own-load-balancer'
        ? new SiteServer(this, 'SiteServer', {
            source: { kind: 'bucket', bucket: this.storage.siteBucket },
            logRetentionDays: profile.logRetentionDays,
            removalPolicy: retention.data,
          })
        : undefined;
    this.service = new Service(this, 'Service', {
      ...applicationServiceProps(this, serviceInput),
      vpc: this.network.vpc,
      subnets: this.network.serviceSubnets,
      assignPublicIp: this.network.tasksNeedPublicIp,
      firstCreate: props.firstCreate,
      containerInsights: profile.containerInsights,
      image: props.serviceImage,
      logGroupName: names.serviceLogGroupOf(app.name),
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: retention.data,
      certificate: this.domain?.certificate,
      cloudFrontOnly: edge,
      dataBucket: this.storage.dataBucket,
      ssmPrefix: env.ssmPrefix,
      ssmDiscoveryParameters: discovery,
      serviceConnect: namespace && { namespaceArn: namespace.namespaceArn },
      routedServices: routedServiceCount(env.services),
      site: this.siteServer && {
        targetGroup: this.siteServer.addTargetGroup('LoadBalancerTargets'),
        paths: catchAllRulePaths(env),
      },
    });
    if (this.database.connections && this.database.port !== undefined) {
      this.database.connections.allowFrom(
        this.service.serviceSecurityGroup,
        ec2.Port.tcp(this.database.port),
        'from the service tasks',
      );
    }
    this.services = new EnvironmentServices(this, 'Services', {
      input: serviceInput,
      primary: this.service,
      imageOf: imageLookup(env, props.serviceImage, props.images),
      cluster: this.service.cluster,
      vpc: this.network.vpc,
      subnets: this.network.serviceSubnets,
      assignPublicIp: this.network.tasksNeedPublicIp,
      firstCreate: props.firstCreate,
      logGroupOf: (kind, name) =>
        kind === 'service' ? names.serviceLogGroupOf(name) : names.jobLogGroupOf(name),
      logRetentionDays: profile.logRetentionDays,
      removalPolicy: retention.data,
      ssmDiscoveryParameters: discovery,
      namespace,
      routes: { kind: 'dedicated' },
      loadBalancerSecurityGroup: this.service.loadBalancerSecurityGroup,
    });

    if (useCloudFront) {
      const certificate = this.domain ? this.cloudFrontCertificate(props) : undefined;
      this.web = new Web(this, 'Web', {
        siteBucket: this.storage.siteBucket,
        apiOriginDomainName: names.originDnsName ?? this.service.loadBalancer.loadBalancerDnsName,
        originHeaders: edge?.originHeaders,
        servicePaths: env.services.flatMap((s) => routesOf(s)),
        webAclArn: profile.webAclArn,
        customDomain:
          certificate && names.dnsName ? { certificate, domainName: names.dnsName } : undefined,
      });
      if (this.domain && names.dnsName && names.originDnsName) {
        this.domain.aliasToDistribution('Alias', names.dnsName, this.web.distribution);
        this.domain.aliasToLoadBalancer(
          'OriginAlias',
          names.originDnsName,
          this.service.loadBalancer,
        );
      }
      url = `https://${names.dnsName ?? this.web.distribution.distributionDomainName}`;
    } else {
      this.web = undefined;
      if (this.domain && names.dnsName) {
        this.domain.aliasToLoadBalancer('Alias', names.dnsName, this.service.loadBalancer);
        url = `https://${names.dnsName}`;
      } else {
        url = `http://${this.service.loadBalancer.loadBalancerDnsName}`;
      }
    }
    this.serviceUrl = url;

    if (props.siteDirectory !== undefined) {
      new SiteContent(this, 'Site', {
        directory: props.siteDirectory,
        bucket: this.storage.siteBucket,
        distribution: this.web?.distribution,
        removalPolicy: retention.data,
      });
    }

    ({ observability: this.observability, configBus: this.configBus } = finishEnvironmentStack(
      this,
      {
        environment: env,
        service: this.service,
        loadBalancer: this.service.loadBalancer,
        alwaysRunsTasks: app.task.minTasks >= 1,
        database: this.database,
        storage: this.storage,
        serviceUrl: url,
        ecrRepository: this.registry
          ? this.registry.repository.repositoryUri
          : (platformRepositoryUri(this, props.serviceImage) as string),
      },
    ));
    acknowledgeEnvironmentStack(this);
  }

  /** Two fixed availability zones: no lookup, the same answer offline and in CI. */
  override get availabilityZones(): string[] {
    return [`${this.region}a`, `${this.region}b`];
  }

  private cloudFrontCertificate(props: EnvironmentStackProps): acm.ICertificate {
    const source = props.cloudFrontCertificate;
    if (source === undefined) {
      throw new Error(
        `bug: environment '${props.environment.name}' serves a custom domain on CloudFront but no certificate was given`,
      );
    }
    if ('certificate' in source) return source.certificate;
    const read = new cr.AwsCustomResource(this, 'CloudFrontCertificateArn', {
      onUpdate: {
        service: 'SSM',
        action: 'getParameter',
        parameters: { Name: source.arnParameterName },
        region: 'us-east-1',
        physicalResourceId: cr.PhysicalResourceId.of(source.arnParameterName),
      },
      policy: cr.AwsCustomResourcePolicy.fromSdkCalls({
        resources: [
          this.formatArn({
            service: 'ssm',
            region: 'us-east-1',
            resource: 'parameter',
            resourceName: source.arnParameterName.replace(/^\//, ''),
          }),
        ],
      }),
      installLatestAwsSdk: false,
    });
    return acm.Certificate.fromCertificateArn(
      this,
      'CloudFrontCertificate',
      read.getResponseField('Parameter.Value'),
    );
  }
}
