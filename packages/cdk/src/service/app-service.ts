import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { ServiceTaskProps } from './service.js';
import {
  addWorkloadService,
  addWorkloadTargetGroup,
  addWorkloadTask,
  type WorkloadServiceConnect,
  type WorkloadTaskProps,
} from './workload.js';

/** How one of the environment's other services is reached. */
type AppServiceReach =
  /** Behind the environment's load balancer: a target group its listener rule forwards to. */
  | {
      readonly kind: 'routed';
      readonly port: number;
      readonly healthCheckPath: string;
      readonly healthCheckGracePeriodSeconds: number;
      /** The load balancer's security group, the only source admitted. */
      readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
    }
  /** Only by the environment's own services and jobs, at `http://<name>:<port>` (Service Connect). */
  | { readonly kind: 'internal'; readonly port: number }
  /** By nothing: a worker. */
  | { readonly kind: 'worker' };

export interface AppServiceProps extends Omit<
  WorkloadTaskProps,
  'logGroup' | 'containerName' | 'port' | 'namedPort' | 'sidecar'
> {
  /** The service's name: container, log stream prefix and Service Connect DNS name. */
  readonly name: string;
  readonly reach: AppServiceReach;
  readonly cluster: ecs.ICluster;
  readonly vpc: ec2.IVpc;
  readonly subnets: ec2.SubnetSelection;
  readonly assignPublicIp: boolean;
  readonly task: ServiceTaskProps;
  /** @default false */
  readonly firstCreate?: boolean;
  /** `/<app>/<env>/service/<name>`. */
  readonly logGroupName: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /** The environment's Service Connect namespace. @default - none (no internal services) */
  readonly serviceConnectNamespaceArn?: string;
}

/**
 * One of the environment's services besides the one that owns its load balancer: another routed
 * service (a target group; the stack puts its listener rule), an internal service (published with
 * ECS Service Connect, reachable only from the environment's own services) or a worker. Its own
 * task definition, task and execution roles, log group and security group.
 */
export class AppService extends Construct {
  readonly name: string;
  readonly logGroup: logs.LogGroup;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly service: ecs.FargateService;
  readonly securityGroup: ec2.SecurityGroup;
  /** Set for a routed service. */
  readonly targetGroup: elbv2.ApplicationTargetGroup | undefined;
  /** The port other services reach it on; set for an internal service. */
  readonly internalPort: number | undefined;

  constructor(scope: Construct, id: string, props: AppServiceProps) {
    super(scope, id);
    this.name = props.name;
    const { reach } = props;
    const port = reach.kind === 'worker' ? undefined : reach.port;
    this.internalPort = reach.kind === 'internal' ? reach.port : undefined;

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      logGroupName: props.logGroupName,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.taskDefinition = addWorkloadTask(this, {
      ...props,
      logGroup: this.logGroup,
      containerName: props.name,
      port,
      namedPort: reach.kind === 'internal',
    }).taskDefinition;

    this.securityGroup = new ec2.SecurityGroup(this, 'SecurityGroup', {
      vpc: props.vpc,
      description:
        reach.kind === 'routed'
          ? `Service ${props.name}: reachable only from the load balancer`
          : reach.kind === 'internal'
            ? `Service ${props.name}: reachable only from the services and jobs of its environment`
            : `Worker ${props.name}: reachable by nothing`,
      allowAllOutbound: true,
    });
    if (reach.kind === 'routed') {
      this.securityGroup.addIngressRule(
        reach.loadBalancerSecurityGroup,
        ec2.Port.tcp(reach.port),
        'from the load balancer',
      );
      // The dedicated load balancer's group admits no egress by default; the platform's is
      // imported immutable (its egress to the app's ports is the platform's own).
      reach.loadBalancerSecurityGroup.addEgressRule(
        this.securityGroup,
        ec2.Port.tcp(reach.port),
        `to service ${props.name}`,
      );
    }

    const namespaceArn = props.serviceConnectNamespaceArn;
    const serviceConnect: WorkloadServiceConnect | undefined =
      namespaceArn === undefined
        ? undefined
        : {
            namespaceArn,
            publish:
              reach.kind === 'internal' ? { dnsName: props.name, port: reach.port } : undefined,
          };
    this.service = addWorkloadService(this, {
      cluster: props.cluster,
      taskDefinition: this.taskDefinition,
      task: props.task,
      firstCreate: props.firstCreate,
      assignPublicIp: props.assignPublicIp,
      subnets: props.subnets,
      securityGroup: this.securityGroup,
      healthCheckGracePeriodSeconds:
        reach.kind === 'routed' ? reach.healthCheckGracePeriodSeconds : undefined,
      serviceConnect,
    });
    this.service.node.addDependency(props.cluster);

    this.targetGroup =
      reach.kind === 'routed'
        ? addWorkloadTargetGroup(this, {
            vpc: props.vpc,
            port: reach.port,
            healthCheckPath: reach.healthCheckPath,
            service: this.service,
          })
        : undefined;
  }

  /** Admit `peer` (another service's or the jobs' group) on this internal service's port. */
  admit(peer: ec2.ISecurityGroup, description: string): void {
    if (this.internalPort === undefined) return;
    this.securityGroup.addIngressRule(peer, ec2.Port.tcp(this.internalPort), description);
  }
}
