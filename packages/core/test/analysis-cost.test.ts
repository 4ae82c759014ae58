import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { estimateCost } from '../src/private/analysis/cost-estimate.js';
import { PRICES_2026_11, type PriceTable } from '../src/private/analysis/prices.js';
import type { CfnResource, CfnTemplate } from '../src/private/analysis/template.js';

const template = (resources: Record<string, CfnResource>): CfnTemplate => ({
  Resources: resources,
});
const month = (usd: number): number => usd / 730;

const natWithEip: Record<string, CfnResource> = {
  Eip: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
  Nat: {
    Type: 'AWS::EC2::NatGateway',
    Properties: { AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] }, SubnetId: 'subnet-1' },
  },
};

const task = (cpu: string, memory: string, arch?: 'ARM64'): CfnResource => ({
  Type: 'AWS::ECS::TaskDefinition',
  Properties: {
    Cpu: cpu,
    Memory: memory,
    RequiresCompatibilities: ['FARGATE'],
    ...(arch === undefined
      ? {}
      : { RuntimePlatform: { CpuArchitecture: arch, OperatingSystemFamily: 'LINUX' } }),
  },
});

const service = (properties: Record<string, unknown>): CfnResource => ({
  Type: 'AWS::ECS::Service',
  Properties: { Cluster: { Ref: 'Cluster' }, TaskDefinition: { Ref: 'Task' }, ...properties },
});

const docdb = (minCapacity?: number): Record<string, CfnResource> => ({
  Cluster: {
    Type: 'AWS::DocDB::DBCluster',
    Properties:
      minCapacity === undefined
        ? {}
        : { ServerlessV2ScalingConfiguration: { MinCapacity: minCapacity, MaxCapacity: 4 } },
  },
});

const aurora = (minCapacity: number): Record<string, CfnResource> => ({
  Cluster: {
    Type: 'AWS::RDS::DBCluster',
    DeletionPolicy: 'Delete',
    Properties: {
      Engine: 'aurora-postgresql',
      ServerlessV2ScalingConfiguration: { MinCapacity: minCapacity, MaxCapacity: 2 },
    },
  },
  Writer: {
    Type: 'AWS::RDS::DBInstance',
    Properties: {
      DBClusterIdentifier: { Ref: 'Cluster' },
      DBInstanceClass: 'db.serverless',
      Engine: 'aurora-postgresql',
    },
  },
});

// Each row: resources, exact idle $/h, and the unpriced logical ids.
const CASES: {
  name: string;
  resources: Record<string, CfnResource>;
  perHour: number;
  unpriced?: string[];
}[] = [
  {
    name: 'one NAT gateway and its EIP = 0.045 + 0.005',
    resources: natWithEip,
    perHour: 0.045 + 0.005,
  },
  {
    name: 'private NAT gateway has no public address',
    resources: {
      Nat: { Type: 'AWS::EC2::NatGateway', Properties: { ConnectivityType: 'private' } },
    },
    perHour: 0.045,
  },
  {
    name: 'an Elastic IP on its own',
    resources: { Eip: { Type: 'AWS::EC2::EIP' } },
    perHour: 0.005,
  },
  {
    name: 'internet-facing ALB over 2 AZs = 0.0225 + 2 × 0.005',
    resources: {
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Scheme: 'internet-facing', Subnets: ['a', 'b'] },
      },
    },
    perHour: 0.0225 + 0.01,
  },
  {
    name: 'Scheme absent defaults to internet-facing',
    resources: {
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { SubnetMappings: [{}, {}, {}] },
      },
    },
    perHour: 0.0225 + 0.015,
  },
  {
    name: 'internal ALB',
    resources: {
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Scheme: 'internal', Subnets: ['a', 'b'] },
      },
    },
    perHour: 0.0225,
  },
  {
    name: 'ALB dualstack without public IPv4',
    resources: {
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { IpAddressType: 'dualstack-without-public-ipv4', Subnets: ['a', 'b'] },
      },
    },
    perHour: 0.0225,
  },
  {
    name: 'network load balancer is unpriced',
    resources: {
      Nlb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Type: 'network', Subnets: ['a'] },
      },
    },
    perHour: 0,
    unpriced: ['Nlb'],
  },
  {
    name: 'ALB with non-literal subnets: IPv4 count unpriced',
    resources: {
      Alb: {
        Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        Properties: { Subnets: { 'Fn::Split': [',', 'a,b'] } },
      },
    },
    perHour: 0.0225,
    unpriced: ['Alb'],
  },
  {
    name: 'interface endpoint in 2 AZs, gateway endpoint free',
    resources: {
      Ssm: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: { VpcEndpointType: 'Interface', SubnetIds: ['a', 'b'] },
      },
      S3: {
        Type: 'AWS::EC2::VPCEndpoint',
        Properties: { ServiceName: 'com.amazonaws.us-east-1.s3' },
      },
    },
    perHour: 0.02,
  },
  {
    name: 'two x86 on-demand tasks of 0.25 vCPU / 0.5 GB',
    resources: {
      Task: task('256', '512'),
      Svc: service({ DesiredCount: 2, LaunchType: 'FARGATE' }),
    },
    perHour: 2 * (0.25 * 0.04048 + 0.5 * 0.004445),
  },
  {
    name: 'one ARM64 Spot task of 0.5 vCPU / 1 GB with a public IP',
    resources: {
      Task: task('512', '1024', 'ARM64'),
      Svc: service({
        DesiredCount: 1,
        CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
        NetworkConfiguration: {
          AwsvpcConfiguration: { AssignPublicIp: 'ENABLED', Subnets: ['a'] },
        },
      }),
    },
    perHour: (0.5 * 0.04048 + 1 * 0.004445) * 0.8 * 0.3 + 0.005,
  },
  {
    name: 'DesiredCount absent: one task',
    resources: { Task: task('1024', '2048'), Svc: service({}) },
    perHour: 0.04048 + 2 * 0.004445,
  },
  {
    name: 'auto scaling MinCapacity decides the idle count',
    resources: {
      Task: task('1024', '2048'),
      Svc: service({ DesiredCount: 3 }),
      Target: {
        Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
        Properties: {
          MinCapacity: 1,
          MaxCapacity: 4,
          ResourceId: {
            'Fn::Join': [
              '',
              ['service/', { Ref: 'Cluster' }, '/', { 'Fn::GetAtt': ['Svc', 'Name'] }],
            ],
          },
        },
      },
    },
    perHour: 0.04048 + 2 * 0.004445,
  },
  {
    name: 'strategy base 1 FARGATE + weights 1:3 over 5 tasks = 2 on-demand, 3 Spot',
    resources: {
      Task: task('1024', '1024'),
      Svc: service({
        DesiredCount: 5,
        CapacityProviderStrategy: [
          { CapacityProvider: 'FARGATE', Base: 1, Weight: 1 },
          { CapacityProvider: 'FARGATE_SPOT', Weight: 3 },
        ],
      }),
    },
    perHour: 2 * (0.04048 + 0.004445) + 3 * (0.04048 + 0.004445) * 0.3,
  },
  {
    name: "cluster's default capacity provider strategy applies when the service names none",
    resources: {
      Cluster: { Type: 'AWS::ECS::Cluster' },
      Assoc: {
        Type: 'AWS::ECS::ClusterCapacityProviderAssociations',
        Properties: {
          Cluster: { Ref: 'Cluster' },
          CapacityProviders: ['FARGATE_SPOT'],
          DefaultCapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
        },
      },
      Task: task('1024', '1024'),
      Svc: service({ DesiredCount: 1 }),
    },
    perHour: (0.04048 + 0.004445) * 0.3,
  },
  {
    name: 'EC2 launch type is unpriced',
    resources: { Task: task('256', '512'), Svc: service({ LaunchType: 'EC2' }) },
    perHour: 0,
    unpriced: ['Svc'],
  },
  {
    name: 'service without its task definition is unpriced',
    resources: { Svc: service({}) },
    perHour: 0,
    unpriced: ['Svc'],
  },
  {
    name: 'DocumentDB db.t3.medium instance',
    resources: {
      ...docdb(),
      Instance: {
        Type: 'AWS::DocDB::DBInstance',
        Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.t3.medium' },
      },
    },
    perHour: 0.078,
  },
  {
    name: 'DocumentDB class not in the table is unpriced',
    resources: {
      ...docdb(),
      Instance: {
        Type: 'AWS::DocDB::DBInstance',
        Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.r6g.large' },
      },
    },
    perHour: 0,
    unpriced: ['Instance'],
  },
  {
    name: 'DocumentDB Serverless bills the 0.5 DCU minimum',
    resources: {
      ...docdb(0),
      Instance: {
        Type: 'AWS::DocDB::DBInstance',
        Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.serverless' },
      },
    },
    perHour: 0.5 * 0.0822,
  },
  {
    name: 'DocumentDB Serverless with MinCapacity 2',
    resources: {
      ...docdb(2),
      Instance: {
        Type: 'AWS::DocDB::DBInstance',
        Properties: { DBClusterIdentifier: { Ref: 'Cluster' }, DBInstanceClass: 'db.serverless' },
      },
    },
    perHour: 2 * 0.0822,
  },
  {
    name: 'Aurora Serverless v2 at 0 ACU costs nothing while paused',
    resources: aurora(0),
    perHour: 0,
  },
  { name: 'Aurora Serverless v2 at 0.5 ACU', resources: aurora(0.5), perHour: 0.06 },
  {
    name: 'monthly items: KMS key, secret, dashboard, alarm',
    resources: {
      Key: { Type: 'AWS::KMS::Key' },
      Secret: { Type: 'AWS::SecretsManager::Secret' },
      Dashboard: { Type: 'AWS::CloudWatch::Dashboard' },
      Alarm: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 60 } },
    },
    perHour: month(1) + month(0.4) + month(3) + month(0.1),
  },
  {
    name: 'high-resolution alarm and Container Insights are unpriced',
    resources: {
      Fast: { Type: 'AWS::CloudWatch::Alarm', Properties: { Period: 10 } },
      Cluster: {
        Type: 'AWS::ECS::Cluster',
        Properties: { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] },
      },
    },
    perHour: 0,
    unpriced: ['Fast', 'Cluster'],
  },
  {
    name: 'Route 53 records, S3, ECR, flow logs, IAM and custom resources: $0 idle',
    resources: {
      Record: { Type: 'AWS::Route53::RecordSet' },
      FlowLog: { Type: 'AWS::EC2::FlowLog' },
      Bucket: { Type: 'AWS::S3::Bucket' },
      Repo: { Type: 'AWS::ECR::Repository' },
      Role: { Type: 'AWS::IAM::Role' },
      Empty: { Type: 'Custom::S3AutoDeleteObjects' },
    },
    perHour: 0,
  },
  {
    name: 'a type outside the model is unpriced, never guessed',
    resources: { Search: { Type: 'AWS::OpenSearchService::Domain' } },
    perHour: 0,
    unpriced: ['Search'],
  },
];

describe('estimateCost', () => {
  it.each(CASES)('$name', ({ resources, perHour, unpriced = [] }) => {
    const estimate = estimateCost(template(resources));
    expect(estimate.perHour).toBeCloseTo(perHour, 10);
    expect(estimate.perMonth).toBeCloseTo(perHour * 730, 8);
    expect(estimate.unpriced.map((u) => u.logicalId)).toEqual(unpriced);
    expect(estimate.lines.reduce((sum, line) => sum + line.perHour, 0)).toBeCloseTo(perHour, 10);
  });

  it('itemizes the NAT gateway and its address as separate lines', () => {
    const { lines } = estimateCost(template(natWithEip));
    expect(lines.map((l) => [l.item, l.logicalIds, l.quantity, l.perHour])).toEqual([
      ['NAT gateway', ['Nat'], 1, 0.045],
      ['Public IPv4 (NAT gateway)', ['Nat'], 1, 0.005],
    ]);
  });

  it('aggregates identical items into one line with a quantity', () => {
    const { lines } = estimateCost(
      template({
        A: { Type: 'AWS::EC2::EIP' },
        B: { Type: 'AWS::EC2::EIP' },
        C: { Type: 'AWS::EC2::EIP' },
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      item: 'Public IPv4 (Elastic IP)',
      logicalIds: ['A', 'B', 'C'],
      quantity: 3,
    });
    expect(lines[0]?.perHour).toBeCloseTo(0.015, 10);
  });

  it('says how it counted tasks', () => {
    const { lines } = estimateCost(template({ Task: task('256', '512'), Svc: service({}) }));
    expect(lines[0]?.note).toMatch(/DesiredCount absent or not literal, CloudFormation default 1/);
  });

  it('uses an injected price table and reports its provenance', () => {
    const prices: PriceTable = {
      ...PRICES_2026_11,
      date: '2027-01-15',
      source: 'AWS Price List API',
      prices: {
        ...PRICES_2026_11.prices,
        natGateway: { usd: 0.1, per: 'hour', unit: 'NAT gateway' },
      },
    };
    const estimate = estimateCost(template(natWithEip), { prices });
    expect(estimate.perHour).toBeCloseTo(0.105, 10);
    expect(estimate.priceTable).toEqual({ date: '2027-01-15', source: 'AWS Price List API' });
  });

  it('defaults to the dated Nov 2026 table', () => {
    expect(estimateCost({}).priceTable.date).toBe('2026-11');
    expect(estimateCost({}).perHour).toBe(0);
  });

  it('prices a real synthesized environment line by line', () => {
    const synthesized = JSON.parse(
      readFileSync(
        new URL('./fixtures/templates/clean-cdk-environment.json', import.meta.url),
        'utf8',
      ),
    ) as CfnTemplate;
    const estimate = estimateCost(synthesized);
    const expected =
      0.045 +
      0.005 + // NAT + its EIP
      2 * 0.01 + // SSM interface endpoint in 2 AZs
      0.078 + // DocumentDB db.t3.medium
      (0.25 * 0.04048 + 0.5 * 0.004445) * 0.8 * 0.3 + // ARM64 Spot task
      0.005 + // task public IP
      0.0225 +
      2 * 0.005 + // internet-facing ALB over 2 AZs
      month(0.4) +
      month(3) +
      month(0.1); // secret, dashboard, alarm
    expect(estimate.perHour).toBeCloseTo(expected, 10);
    expect(estimate.unpriced).toEqual([]);
  });
});
