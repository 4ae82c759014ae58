import { PRICES_2026_11, type Price, type PriceTable } from './prices.js';
import {
  arrayOf,
  isRecord,
  literalNumber,
  prop,
  referencedIds,
  refTarget,
  resourcesOf,
  type CfnResource,
  type CfnTemplate,
} from './template.js';

/**
 * Idle cost of an environment: what it bills per hour with no traffic, from the synthesized
 * template and a dated price table. Usage (GB stored, requests, LCUs, data processed) is not
 * modelled; it shows up as `usage-based` lines at $0 with the unit price in the note. Anything
 * that has a standing price not in the table is `unpriced`, never guessed.
 */
export interface CostLine {
  /** What is billed, e.g. "NAT gateway", "Fargate vCPU (ARM64, Spot)". */
  readonly item: string;
  readonly logicalIds: readonly string[];
  readonly quantity: number;
  /** Unit of `quantity`, e.g. "vCPU", "address", "dashboard". */
  readonly unit: string;
  /** Price of one unit per hour after discounts. */
  readonly unitPricePerHour: number;
  readonly perHour: number;
  readonly perMonth: number;
  /** How the quantity was derived or why the line is $0. */
  readonly note?: string;
}

export interface UnpricedItem {
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
}

export interface CostEstimate {
  readonly perHour: number;
  readonly perMonth: number;
  readonly lines: readonly CostLine[];
  readonly unpriced: readonly UnpricedItem[];
  readonly priceTable: { readonly date: string; readonly source: string };
}

export interface CostEstimateOptions {
  /** @default PRICES_2026_11 */
  readonly prices?: PriceTable;
  /**
   * Price the environment asleep (docs/platform.md, "Sleep and wake"): its ECS services at 0
   * tasks, so no Fargate vCPU, memory or task address; each service is a $0 line saying so.
   * @default false
   */
  readonly asleep?: boolean;
}

/** Types with no standing charge of their own (free, or billed only through other lines). */
const NO_STANDING_CHARGE = new Set([
  'AWS::EC2::VPC',
  'AWS::EC2::Subnet',
  'AWS::EC2::RouteTable',
  'AWS::EC2::Route',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::EC2::EgressOnlyInternetGateway',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::NetworkAcl',
  'AWS::EC2::NetworkAclEntry',
  'AWS::EC2::SubnetNetworkAclAssociation',
  'AWS::EC2::VPCCidrBlock',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::IAM::ManagedPolicy',
  'AWS::IAM::InstanceProfile',
  'AWS::IAM::OIDCProvider',
  'AWS::ECS::Cluster',
  'AWS::ECS::TaskDefinition',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  // Written by the platform's router: a Lambda invocation per deploy, no standing cost.
  'Custom::BranchEnvListenerRule',
  'AWS::ElasticLoadBalancingV2::ListenerCertificate',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CertificateManager::Certificate',
  'AWS::DocDB::DBSubnetGroup',
  'AWS::DocDB::DBClusterParameterGroup',
  'AWS::DocDB::DBCluster',
  'AWS::RDS::DBSubnetGroup',
  'AWS::RDS::DBClusterParameterGroup',
  'AWS::RDS::DBParameterGroup',
  'AWS::RDS::DBCluster',
  'AWS::SecretsManager::SecretTargetAttachment',
  'AWS::SecretsManager::RotationSchedule',
  'AWS::SecretsManager::ResourcePolicy',
  'AWS::KMS::Alias',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SNS::Subscription',
  'AWS::SQS::QueuePolicy',
  'AWS::Lambda::Permission',
  'AWS::Lambda::LayerVersion',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::CloudFront::CachePolicy',
  'AWS::CloudFront::OriginRequestPolicy',
  'AWS::CloudFront::ResponseHeadersPolicy',
  'AWS::CloudFront::Function',
  'AWS::CDK::Metadata',
  'AWS::CloudFormation::CustomResource',
  'AWS::CloudFormation::WaitConditionHandle',
]);

/** Types billed only by usage (storage, requests, transfer, ingestion): $0 idle. */
const USAGE_BASED: Readonly<Record<string, readonly [label: string, note: string]>> = {
  'AWS::S3::Bucket': ['S3 bucket', 'usage-based: $0.023/GB-month stored + requests'],
  'AWS::ECR::Repository': ['ECR repository', 'usage-based: $0.10/GB-month of images'],
  'AWS::Logs::LogGroup': ['CloudWatch log group', 'usage-based: $0.50/GB ingested + storage'],
  'AWS::CloudFront::Distribution': [
    'CloudFront distribution',
    'usage-based: requests and data transfer out',
  ],
  'AWS::Lambda::Function': ['Lambda function', 'usage-based: requests and GB-seconds'],
  'AWS::SNS::Topic': ['SNS topic', 'usage-based: per publish and delivery'],
  'AWS::SQS::Queue': ['SQS queue', 'usage-based: per request'],
  'AWS::Events::Rule': ['EventBridge rule', 'usage-based: per custom event'],
  'AWS::EC2::FlowLog': [
    'VPC flow log',
    'usage-based: vended-log ingestion to CloudWatch Logs ($0.50/GB) or S3',
  ],
};

interface Builder {
  add(
    key: string,
    logicalId: string,
    quantity: number,
    unit: string,
    price: number,
    note?: string,
  ): void;
  unpriced(logicalId: string, type: string, reason: string): void;
}

interface Counter {
  item: string;
  logicalIds: string[];
  quantity: number;
  unit: string;
  unitPricePerHour: number;
  note?: string;
}

function perHourOf(price: Price, table: PriceTable): number {
  return price.per === 'hour' ? price.usd : price.usd / table.hoursPerMonth;
}

function resourceOf(template: CfnTemplate, value: unknown): [string, CfnResource] | undefined {
  const id = refTarget(value);
  const resource = id === undefined ? undefined : template.Resources?.[id];
  return id === undefined || resource === undefined ? undefined : [id, resource];
}

/** Minimum capacity of an Application Auto Scaling target whose ResourceId names the service. */
function autoscalingMinimum(template: CfnTemplate, serviceId: string): number | undefined {
  for (const [, resource] of resourcesOf(template)) {
    if (resource.Type !== 'AWS::ApplicationAutoScaling::ScalableTarget') continue;
    if (!referencedIds(prop(resource, 'ResourceId')).has(serviceId)) continue;
    return literalNumber(prop(resource, 'MinCapacity'));
  }
  return undefined;
}

/** Share of tasks on FARGATE_SPOT for `count` tasks under a capacity provider strategy. */
export function spotShare(strategy: unknown[], count: number): number | undefined {
  const items = strategy.filter(isRecord).map((s) => ({
    provider: s['CapacityProvider'],
    base: literalNumber(s['Base']) ?? 0,
    weight: literalNumber(s['Weight']) ?? 0,
  }));
  if (items.some((i) => i.provider !== 'FARGATE' && i.provider !== 'FARGATE_SPOT'))
    return undefined;
  let spot = 0;
  let remaining = count;
  for (const item of items) {
    const base = Math.min(item.base, remaining);
    if (item.provider === 'FARGATE_SPOT') spot += base;
    remaining -= base;
  }
  const totalWeight = items.reduce((sum, i) => sum + i.weight, 0);
  if (remaining > 0 && totalWeight > 0) {
    const spotWeight = items
      .filter((i) => i.provider === 'FARGATE_SPOT')
      .reduce((s, i) => s + i.weight, 0);
    spot += (remaining * spotWeight) / totalWeight;
  }
  return count === 0 ? 0 : spot / count;
}

export function clusterDefaultStrategy(
  template: CfnTemplate,
  clusterId: string | undefined,
): unknown[] | undefined {
  if (clusterId === undefined) return undefined;
  for (const [, resource] of resourcesOf(template)) {
    if (resource.Type !== 'AWS::ECS::ClusterCapacityProviderAssociations') continue;
    if (refTarget(prop(resource, 'Cluster')) !== clusterId) continue;
    return arrayOf(prop(resource, 'DefaultCapacityProviderStrategy'));
  }
  return undefined;
}

function priceFargateService(
  template: CfnTemplate,
  table: PriceTable,
  id: string,
  service: CfnResource,
  b: Builder,
): void {
  const launchType = prop(service, 'LaunchType');
  if (launchType !== undefined && launchType !== 'FARGATE') {
    b.unpriced(
      id,
      service.Type,
      `launch type ${String(launchType)} is not Fargate; EC2 capacity is not in the price table`,
    );
    return;
  }
  const task = resourceOf(template, prop(service, 'TaskDefinition'));
  const cpuUnits = task === undefined ? undefined : literalNumber(prop(task[1], 'Cpu'));
  const memoryMiB = task === undefined ? undefined : literalNumber(prop(task[1], 'Memory'));
  if (task === undefined || cpuUnits === undefined || memoryMiB === undefined) {
    b.unpriced(
      id,
      service.Type,
      'task definition (with literal Cpu and Memory) not found in the template',
    );
    return;
  }
  const minimum = autoscalingMinimum(template, id);
  const desired = literalNumber(prop(service, 'DesiredCount'));
  // Idle: with a scalable target, target tracking scales in to MinCapacity; without one the
  // service runs DesiredCount, which CloudFormation defaults to 1 when absent.
  const count = minimum ?? desired ?? 1;
  const countNote =
    minimum !== undefined
      ? `${count} task(s): auto scaling MinCapacity (idle)`
      : desired !== undefined
        ? `${count} task(s): DesiredCount`
        : '1 task: DesiredCount absent or not literal, CloudFormation default 1';
  const explicit = arrayOf(prop(service, 'CapacityProviderStrategy'));
  const strategy =
    explicit.length > 0 || launchType !== undefined
      ? explicit
      : (clusterDefaultStrategy(template, refTarget(prop(service, 'Cluster'))) ?? []);
  const spot = strategy.length === 0 ? 0 : spotShare(strategy, count);
  if (spot === undefined) {
    b.unpriced(id, service.Type, 'capacity provider other than FARGATE / FARGATE_SPOT');
    return;
  }
  const arm = prop(task[1], 'RuntimePlatform', 'CpuArchitecture') === 'ARM64';
  const archFactor = arm ? 1 - table.fargateArm64Discount : 1;
  const label = `${arm ? 'ARM64' : 'x86'}`;
  const vcpu = cpuUnits / 1024;
  const gb = memoryMiB / 1024;
  const shares: [number, string, number][] = [
    [1 - spot, `${label}, on-demand`, 1],
    [spot, `${label}, Spot`, 1 - table.fargateSpotDiscount],
  ];
  for (const [share, kind, factor] of shares) {
    if (share <= 0) continue;
    const tasks = count * share;
    const note = `${countNote}; ${vcpu} vCPU / ${gb} GB each${
      kind.endsWith('Spot') ? `; Spot at −${table.fargateSpotDiscount * 100}% (AWS: "up to")` : ''
    }${arm ? `; ARM64 −${table.fargateArm64Discount * 100}%` : ''}`;
    b.add(
      `Fargate vCPU (${kind})`,
      id,
      tasks * vcpu,
      'vCPU',
      perHourOf(table.prices.fargateVcpu, table) * archFactor * factor,
      note,
    );
    b.add(
      `Fargate memory (${kind})`,
      id,
      tasks * gb,
      'GB',
      perHourOf(table.prices.fargateMemoryGb, table) * archFactor * factor,
      note,
    );
  }
  if (
    prop(service, 'NetworkConfiguration', 'AwsvpcConfiguration', 'AssignPublicIp') === 'ENABLED'
  ) {
    b.add(
      'Public IPv4 (Fargate task)',
      id,
      count,
      'address',
      perHourOf(table.prices.publicIpv4, table),
      'AssignPublicIp ENABLED: one address per running task',
    );
  }
}

function priceDatabaseInstance(
  template: CfnTemplate,
  table: PriceTable,
  id: string,
  resource: CfnResource,
  b: Builder,
): void {
  const instanceClass = prop(resource, 'DBInstanceClass');
  const cluster = resourceOf(template, prop(resource, 'DBClusterIdentifier'));
  if (typeof instanceClass !== 'string') {
    b.unpriced(id, resource.Type, 'DBInstanceClass is not a literal');
    return;
  }
  const minCapacity =
    cluster === undefined
      ? undefined
      : literalNumber(prop(cluster[1], 'ServerlessV2ScalingConfiguration', 'MinCapacity'));
  if (resource.Type === 'AWS::DocDB::DBInstance') {
    if (instanceClass === 'db.serverless') {
      const dcu = Math.max(
        minCapacity ?? table.documentDbServerlessMinimumDcu,
        table.documentDbServerlessMinimumDcu,
      );
      b.add(
        'DocumentDB Serverless (minimum DCU)',
        id,
        dcu,
        'DCU',
        perHourOf(table.prices.documentDbServerlessDcu, table),
        `billed for at least ${table.documentDbServerlessMinimumDcu} DCU while running (no scale to zero); storage $0.10/GB-month and I/O are usage-based`,
      );
      return;
    }
    const price = table.documentDbInstances[instanceClass];
    if (price === undefined) {
      b.unpriced(
        id,
        resource.Type,
        `DocumentDB instance class ${instanceClass} is not in the price table`,
      );
      return;
    }
    b.add(
      `DocumentDB ${instanceClass} instance`,
      id,
      1,
      'instance',
      perHourOf(price, table),
      'storage $0.10/GB-month and I/O $0.20/1M are usage-based',
    );
    return;
  }
  const engine = cluster === undefined ? undefined : prop(cluster[1], 'Engine');
  if (
    instanceClass === 'db.serverless' &&
    engine === 'aurora-postgresql' &&
    minCapacity !== undefined
  ) {
    b.add(
      'Aurora Serverless v2 (minimum ACU)',
      id,
      minCapacity,
      'ACU',
      perHourOf(table.prices.auroraServerlessV2Acu, table),
      minCapacity === 0
        ? 'minimum 0 ACU: $0 only while paused; it pauses after SecondsUntilAutoPause without a connection, so anything connecting periodically (a readiness probe that pings it) keeps it billing; resumes in ~15 s on the next connection'
        : 'billed for the minimum ACU while idle',
    );
    return;
  }
  b.unpriced(
    id,
    resource.Type,
    `RDS ${String(engine ?? 'instance')} ${instanceClass} is not in the price table`,
  );
}

function subnetCount(resource: CfnResource, ...keys: string[]): number | undefined {
  for (const key of keys) {
    const value = prop(resource, key);
    if (Array.isArray(value)) return value.length;
  }
  return undefined;
}

/** Idle cost per hour and month of everything in one template. */
export function estimateCost(
  template: CfnTemplate,
  options: CostEstimateOptions = {},
): CostEstimate {
  const table = options.prices ?? PRICES_2026_11;
  const p = table.prices;
  const counters = new Map<string, Counter>();
  const unpriced: UnpricedItem[] = [];
  const b: Builder = {
    add(item, logicalId, quantity, unit, unitPricePerHour, note) {
      const key = `${item}|${unitPricePerHour}`;
      const counter = counters.get(key) ?? {
        item,
        logicalIds: [],
        quantity: 0,
        unit,
        unitPricePerHour,
        ...(note === undefined ? {} : { note }),
      };
      if (!counter.logicalIds.includes(logicalId)) counter.logicalIds.push(logicalId);
      counter.quantity += quantity;
      if (note !== undefined && counter.note !== undefined && !counter.note.includes(note))
        counter.note += ` | ${note}`;
      counters.set(key, counter);
    },
    unpriced(logicalId, type, reason) {
      unpriced.push({ logicalId, type, reason });
    },
  };
  const ipv4 = perHourOf(p.publicIpv4, table);
  const natEips = new Set<string>();
  for (const [, resource] of resourcesOf(template)) {
    if (resource.Type === 'AWS::EC2::NatGateway') {
      for (const id of referencedIds(prop(resource, 'AllocationId'))) natEips.add(id);
    }
  }

  for (const [id, resource] of resourcesOf(template)) {
    const type = resource.Type;
    switch (type) {
      case 'AWS::EC2::NatGateway':
        if (prop(resource, 'ConnectivityType') === 'private') {
          b.add(
            'NAT gateway (private)',
            id,
            1,
            'gateway',
            perHourOf(p.natGateway, table),
            'data processed $0.045/GB is usage-based',
          );
        } else {
          b.add(
            'NAT gateway',
            id,
            1,
            'gateway',
            perHourOf(p.natGateway, table),
            'data processed $0.045/GB is usage-based',
          );
          b.add('Public IPv4 (NAT gateway)', id, 1, 'address', ipv4);
        }
        break;
      case 'AWS::EC2::EIP':
        // A NAT gateway's address is counted on the NAT gateway line above.
        if (!natEips.has(id)) b.add('Public IPv4 (Elastic IP)', id, 1, 'address', ipv4);
        break;
      case 'AWS::ElasticLoadBalancingV2::LoadBalancer': {
        const lbType = prop(resource, 'Type') ?? 'application';
        if (lbType !== 'application') {
          b.unpriced(id, type, `${String(lbType)} load balancer is not in the price table`);
          break;
        }
        b.add(
          'Application Load Balancer',
          id,
          1,
          'load balancer',
          perHourOf(p.applicationLoadBalancer, table),
          'LCU-hours ($0.008) are usage-based',
        );
        const internetFacing =
          (prop(resource, 'Scheme') ?? 'internet-facing') === 'internet-facing';
        const publicV4 = prop(resource, 'IpAddressType') !== 'dualstack-without-public-ipv4';
        if (internetFacing && publicV4) {
          const azs = subnetCount(resource, 'Subnets', 'SubnetMappings');
          if (azs === undefined)
            b.unpriced(
              id,
              type,
              'internet-facing ALB with a non-literal subnet list: public IPv4 count unknown',
            );
          else
            b.add(
              'Public IPv4 (ALB, one per AZ)',
              id,
              azs,
              'address',
              ipv4,
              'internet-facing: one public IPv4 per subnet/AZ',
            );
        }
        break;
      }
      case 'AWS::EC2::VPCEndpoint': {
        if ((prop(resource, 'VpcEndpointType') ?? 'Gateway') !== 'Interface') {
          b.add(
            'Gateway VPC endpoint',
            id,
            1,
            'endpoint',
            0,
            'gateway endpoints (S3, DynamoDB) are free',
          );
          break;
        }
        const azs = subnetCount(resource, 'SubnetIds');
        if (azs === undefined)
          b.unpriced(
            id,
            type,
            'interface endpoint with a non-literal subnet list: AZ count unknown',
          );
        else
          b.add(
            'Interface VPC endpoint (per AZ)',
            id,
            azs,
            'endpoint-AZ',
            perHourOf(p.interfaceEndpointPerAz, table),
            'data processed $0.01/GB is usage-based',
          );
        break;
      }
      case 'AWS::ECS::Service':
        if (options.asleep === true)
          b.add(
            'ECS service asleep (0 tasks)',
            id,
            1,
            'service',
            0,
            'asleep: no Fargate vCPU, memory or task address is billed until a request or a deploy wakes it',
          );
        else priceFargateService(template, table, id, resource, b);
        break;
      case 'AWS::DocDB::DBInstance':
      case 'AWS::RDS::DBInstance':
        priceDatabaseInstance(template, table, id, resource, b);
        break;
      case 'AWS::KMS::Key':
        b.add('KMS customer-managed key', id, 1, 'key', perHourOf(p.kmsKey, table));
        break;
      case 'AWS::SecretsManager::Secret':
        b.add('Secrets Manager secret', id, 1, 'secret', perHourOf(p.secret, table));
        break;
      case 'AWS::CloudWatch::Dashboard':
        b.add(
          'CloudWatch dashboard',
          id,
          1,
          'dashboard',
          perHourOf(p.dashboard, table),
          'account-wide free tier (3 dashboards) not applied',
        );
        break;
      case 'AWS::CloudWatch::Alarm': {
        const period = literalNumber(prop(resource, 'Period'));
        if (period !== undefined && period < 60)
          b.unpriced(id, type, 'high-resolution alarm (Period < 60 s) is not in the price table');
        else
          b.add(
            'CloudWatch alarm',
            id,
            1,
            'alarm',
            perHourOf(p.alarm, table),
            'standard resolution; account-wide free tier (10 alarms) not applied',
          );
        break;
      }
      case 'AWS::Route53::RecordSet':
        b.add(
          'Route 53 record',
          id,
          1,
          'record',
          perHourOf(p.route53Record, table),
          'records are free; the hosted zone is shared by all environments; queries are usage-based',
        );
        break;
      case 'AWS::Route53::RecordSetGroup':
        b.add(
          'Route 53 record',
          id,
          arrayOf(prop(resource, 'RecordSets')).length,
          'record',
          perHourOf(p.route53Record, table),
          'records are free; the hosted zone is shared by all environments; queries are usage-based',
        );
        break;
      case 'AWS::SSM::Parameter':
        if (
          prop(resource, 'Tier') === 'Advanced' ||
          prop(resource, 'Tier') === 'Intelligent-Tiering'
        ) {
          b.unpriced(id, type, 'advanced-tier parameter is not in the price table');
        } else {
          b.add('SSM parameter (standard)', id, 1, 'parameter', 0, 'standard tier is free');
        }
        break;
      default:
        if (type === 'AWS::ECS::Cluster') {
          const insights = arrayOf(prop(resource, 'ClusterSettings')).find(
            (s) => isRecord(s) && s['Name'] === 'containerInsights',
          );
          if (isRecord(insights) && ['enabled', 'enhanced'].includes(String(insights['Value']))) {
            b.unpriced(
              id,
              type,
              'Container Insights: billed as custom metrics ($0.30/metric-month) and performance-log ingestion ($0.50/GB); the metric count grows with services and tasks, so it is not priced',
            );
          }
        } else if (USAGE_BASED[type] !== undefined) {
          const [label, note] = USAGE_BASED[type];
          b.add(label, id, 1, 'resource', 0, note);
        } else if (!NO_STANDING_CHARGE.has(type) && !type.startsWith('Custom::')) {
          b.unpriced(id, type, 'resource type is not in the cost model');
        }
    }
  }
  const lines: CostLine[] = [...counters.values()].map((c) => {
    const perHour = c.quantity * c.unitPricePerHour;
    return { ...c, perHour, perMonth: perHour * table.hoursPerMonth };
  });
  const perHour = lines.reduce((sum, line) => sum + line.perHour, 0);
  return {
    perHour,
    perMonth: perHour * table.hoursPerMonth,
    lines,
    unpriced,
    priceTable: { date: table.date, source: table.source },
  };
}
