import type { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** NAT gateways (one per AZ at most). 0: service tasks run in public subnets with a public IP. */
  readonly natGateways: number;
  /** Name of the flow log group (`/<app>/<env>/vpc/flow`). */
  readonly flowLogGroupName: string;
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Flow log traffic type.
   * @default REJECT (what a security review looks at, at a fraction of the log volume of ALL)
   */
  readonly flowLogTrafficType?: ec2.FlowLogTrafficType;
  /**
   * CIDR block of the VPC. Environments never peer, so every one can use the same block.
   * @default 10.0.0.0/16
   */
  readonly cidr?: string;
  /**
   * Availability zones the VPC spans (the first `maxAzs` of the stack's).
   * @default 2
   */
  readonly maxAzs?: number;
}

/**
 * A VPC over the stack's two availability zones (fixed in the stack, never looked up): a public
 * and a private subnet per AZ. The private subnets route through NAT when the profile has NAT
 * gateways and are isolated otherwise (they then hold only the database). Flow logs go to a log
 * group the stack owns. No interface endpoints: see docs/environment-stack.md for the trade-off.
 */
export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Subnets of the service tasks: private with NAT, else public (tasks get a public IP). */
  readonly serviceSubnets: ec2.SubnetSelection;
  /** Whether service tasks need a public IP to reach ECR, Secrets Manager, SSM and logs. */
  readonly tasksNeedPublicIp: boolean;
  /** Subnets of the database: always private. */
  readonly databaseSubnets: ec2.SubnetSelection;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const withNat = props.natGateways > 0;
    const privateType = withNat
      ? ec2.SubnetType.PRIVATE_WITH_EGRESS
      : ec2.SubnetType.PRIVATE_ISOLATED;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr ?? '10.0.0.0/16'),
      maxAzs: props.maxAzs ?? 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'private', subnetType: privateType, cidrMask: 22 },
      ],
      restrictDefaultSecurityGroup: true,
    });
    const flowLogGroup = new logs.LogGroup(this, 'FlowLogGroup', {
      logGroupName: props.flowLogGroupName,
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.vpc.addFlowLog('FlowLog', {
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogGroup),
      trafficType: props.flowLogTrafficType ?? ec2.FlowLogTrafficType.REJECT,
    });
    this.tasksNeedPublicIp = !withNat;
    this.serviceSubnets = { subnetType: withNat ? privateType : ec2.SubnetType.PUBLIC };
    this.databaseSubnets = { subnetType: privateType };
  }
}
