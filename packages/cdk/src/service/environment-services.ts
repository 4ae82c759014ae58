import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as servicediscovery from 'aws-cdk-lib/aws-servicediscovery';
import {
  JOB_ROLE_PATH,
  jobTaskFamily,
  listenerOrder,
  rulePaths,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { Construct } from 'constructs';
import { AppService } from './app-service.js';
import { applicationOf, workloadSettings, type ApplicationServiceInput } from './application.js';
import { JobRuns, type JobToRun } from './job-runs.js';
import {
  sharedListenerRule,
  type Service,
  type ServiceImage,
  type SharedLoadBalancer,
} from './service.js';
import { addWorkloadTask } from './workload.js';

/**
 * The environment's Service Connect namespace (an HTTP Cloud Map namespace of its own), when it
 * has internal services: every service of the environment is a client of it, the internal ones
 * publish `http://<name>:<port>` in it. Undefined when no service is internal.
 */
export function serviceConnectNamespace(
  scope: Construct,
  env: ResolvedEnvironment,
): servicediscovery.HttpNamespace | undefined {
  if (!env.services.some((s) => s.expose === 'internal')) return undefined;
  return new servicediscovery.HttpNamespace(scope, 'ServiceConnectNamespace', {
    name: `${env.app}-${env.name}`,
    description: `branch-env: services of environment ${env.name} (ECS Service Connect)`,
  });
}

/**
 * The image of a service (`<name>`) or a job with its own build (`job:<name>`): `primary` for the
 * service that owns the load balancer, else from `images`.
 */
export function imageLookup(
  env: ResolvedEnvironment,
  primary: ServiceImage,
  images: Readonly<Record<string, ServiceImage>> | undefined,
): (unit: string) => ServiceImage {
  const app = applicationOf(env).name;
  return (unit) => {
    const image = unit === app ? primary : images?.[unit];
    if (image === undefined) throw new Error(`bug: no image for '${unit}'`);
    return image;
  };
}

/** Where the other routed services' listener rules go. */
type RoutePlacement =
  /** On the environment's own load balancer, in front of the primary service (`Service.addRoute`). */
  | { readonly kind: 'dedicated' }
  /** On the platform listener, at the claimed priorities (one per routed service, listener order). */
  | {
      readonly kind: 'shared';
      readonly shared: SharedLoadBalancer;
      readonly priorities: readonly number[];
    };

export interface EnvironmentServicesProps {
  readonly input: ApplicationServiceInput;
  /** The service that owns the load balancer (`applicationOf()`), already built. */
  readonly primary: Service;
  /** The image of a service (`<name>`) or a job with its own build (`job:<name>`). */
  readonly imageOf: (unit: string) => ServiceImage;
  readonly cluster: ecs.ICluster;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
  /** @default false */
  readonly firstCreate?: boolean;
  readonly logGroupOf: (kind: 'service' | 'job', name: string) => string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  readonly ssmDiscoveryParameters: readonly string[];
  readonly namespace: servicediscovery.INamespace | undefined;
  readonly routes: RoutePlacement;
  /** The security group of the load balancer the routed services admit. */
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
}

/**
 * The environment's services besides the primary one, and its jobs (docs/services.md): each
 * other routed service with its listener rule in listener order (`listenerOrder()` of core: the
 * most specific routes first, the catch-all primary last), internal services published with
 * Service Connect and admitted only from the environment's own services and jobs, workers, and
 * a task definition per job, run during the stack update before any ECS service of the stack is
 * created or updated (`JobRuns`). Every service and job reaches the database.
 */
export class EnvironmentServices extends Construct {
  /** The other services, by name. */
  readonly services: ReadonlyMap<string, AppService>;
  /** Security group of the job tasks (no ingress); undefined without jobs. */
  readonly jobsSecurityGroup: ec2.SecurityGroup | undefined;
  /** Each job's task definition, by job name. */
  readonly jobs: ReadonlyMap<string, ecs.FargateTaskDefinition>;
  /** The jobs' runs (custom resources) and their handler; undefined without jobs. */
  readonly jobRuns: JobRuns | undefined;

  constructor(scope: Construct, id: string, props: EnvironmentServicesProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const env = props.input.environment;
    const primaryConfig = applicationOf(env);
    const { database, dataBucket } = props.input;

    const services = new Map<string, AppService>();
    for (const s of env.services) {
      if (s === primaryConfig) continue;
      const reachKind =
        s.expose === 'none' ? 'worker' : s.expose === 'internal' ? 'internal' : 'routed';
      if (reachKind !== 'worker' && s.port === undefined)
        throw new Error(`bug: service '${s.name}' is reached but has no port (config check)`);
      const port = s.port ?? 0;
      services.set(
        s.name,
        new AppService(this, `Service-${s.name}`, {
          ...workloadSettings(stack, props.input, s),
          name: s.name,
          reach:
            reachKind === 'routed'
              ? {
                  kind: 'routed',
                  port,
                  healthCheckPath: s.healthCheck?.path ?? '/healthz',
                  healthCheckGracePeriodSeconds: s.healthCheck?.gracePeriodSeconds ?? 60,
                  loadBalancerSecurityGroup: props.loadBalancerSecurityGroup,
                }
              : reachKind === 'internal'
                ? { kind: 'internal', port }
                : { kind: 'worker' },
          cluster: props.cluster,
          vpc: props.vpc,
          subnets: props.subnets,
          assignPublicIp: props.assignPublicIp,
          task: s.task,
          firstCreate: props.firstCreate,
          image: props.imageOf(s.name),
          logGroupName: props.logGroupOf('service', s.name),
          logRetentionDays: props.logRetentionDays,
          removalPolicy: props.removalPolicy,
          dataBucket,
          ssmPrefix: env.ssmPrefix,
          ssmDiscoveryParameters: props.ssmDiscoveryParameters,
          serviceConnectNamespaceArn: props.namespace?.namespaceArn,
        }),
      );
    }
    this.services = services;

    // Listener rules, in listener order: the primary (catch-all) is last and has its own rule.
    const ordered = listenerOrder(env.services);
    ordered.forEach((s, i) => {
      const target = services.get(s.name)?.targetGroup;
      if (s === primaryConfig || target === undefined) return;
      const paths = rulePaths(env.services, s);
      if (props.routes.kind === 'dedicated')
        props.primary.addRoute(`Route-${s.name}`, { paths, priority: i + 1, targetGroup: target });
      else {
        const priority = props.routes.priorities[i];
        if (priority === undefined)
          throw new Error(`bug: no listener-rule priority for service '${s.name}'`);
        sharedListenerRule(this, `Rule-${s.name}`, props.routes.shared, {
          paths,
          targetGroup: target,
          priority,
        });
      }
    });

    // Jobs.
    const jobs = new Map<string, ecs.FargateTaskDefinition>();
    this.jobsSecurityGroup =
      env.jobs.length === 0
        ? undefined
        : new ec2.SecurityGroup(this, 'JobsSecurityGroup', {
            vpc: props.vpc,
            // Unchanged since deploy ran the jobs: a new description would replace the group.
            description: 'Job tasks run by deploy: reachable by nothing',
            allowAllOutbound: true,
          });
    const toRun: JobToRun[] = [];
    for (const job of env.jobs) {
      const scope = new Construct(this, `Job-${job.name}`);
      const logGroup = new logs.LogGroup(scope, 'LogGroup', {
        logGroupName: props.logGroupOf('job', job.name),
        retention: props.logRetentionDays as logs.RetentionDays,
        removalPolicy: props.removalPolicy,
      });
      const { taskDefinition } = addWorkloadTask(scope, {
        ...workloadSettings(stack, props.input, job),
        task: job.task,
        image: props.imageOf(job.service ?? `job:${job.name}`),
        logGroup,
        containerName: job.name,
        port: undefined,
        family: jobTaskFamily(env.app, env.name, job.name),
        rolePath: JOB_ROLE_PATH,
        dataBucket,
        ssmPrefix: env.ssmPrefix,
        ssmDiscoveryParameters: props.ssmDiscoveryParameters,
      });
      jobs.set(job.name, taskDefinition);
      toRun.push({ job, taskDefinition, logGroup, scope });
    }
    this.jobs = jobs;

    // Internal services admit the environment's own services and jobs, nothing else; every
    // service and job reaches the database.
    const groups: [string, ec2.ISecurityGroup][] = [
      [primaryConfig.name, props.primary.serviceSecurityGroup],
      ...[...services.values()].map((s): [string, ec2.ISecurityGroup] => [s.name, s.securityGroup]),
      ...(this.jobsSecurityGroup
        ? [['jobs', this.jobsSecurityGroup] as [string, ec2.ISecurityGroup]]
        : []),
    ];
    for (const target of services.values())
      for (const [name, group] of groups)
        if (name !== target.name)
          target.admit(group, `from ${name === 'jobs' ? 'the jobs' : `service ${name}`}`);
    if (database.connections && database.port !== undefined)
      for (const [name, group] of groups.slice(1))
        database.connections.allowFrom(
          group,
          ec2.Port.tcp(database.port),
          `from ${name === 'jobs' ? 'the jobs' : `service ${name}`}`,
        );

    // The jobs run before any service of the stack is created or updated (docs/services.md#jobs).
    const jobSubnets = props.vpc.selectSubnets(props.subnets);
    this.jobRuns =
      this.jobsSecurityGroup === undefined
        ? undefined
        : new JobRuns(this, 'JobRuns', {
            app: env.app,
            environment: env.name,
            jobs: toRun,
            cluster: props.cluster,
            subnetIds: jobSubnets.subnetIds,
            securityGroup: this.jobsSecurityGroup,
            assignPublicIp: props.assignPublicIp,
            firstCreate: props.firstCreate,
            // The database with the rules that admit the jobs, and the routes out of the subnets.
            waitFor: [database, jobSubnets.internetConnectivityEstablished],
            logRetentionDays: props.logRetentionDays,
            removalPolicy: props.removalPolicy,
          });
    if (this.jobRuns)
      for (const service of [
        props.primary.service,
        ...[...services.values()].map((s) => s.service),
      ])
        this.jobRuns.dependOn(service);
  }
}
