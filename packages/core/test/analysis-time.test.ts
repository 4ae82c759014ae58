import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { referencedIds } from '../src/private/analysis/template.js';
import {
  combineStackTimes,
  modelTimeToDestroy,
  modelTimeToReady,
} from '../src/private/analysis/time-model.js';
import type { CfnResource, CfnTemplate } from '../src/private/analysis/template.js';

const template = (resources: Record<string, CfnResource>): CfnTemplate => ({
  Resources: resources,
});
const path = (model: { criticalPath: readonly { logicalId: string }[] }): string[] =>
  model.criticalPath.map((s) => s.logicalId);

describe('referencedIds', () => {
  it.each([
    [{ Ref: 'A' }, ['A']],
    [{ Ref: 'AWS::Region' }, []],
    [{ 'Fn::GetAtt': ['A', 'Arn'] }, ['A']],
    [{ 'Fn::GetAtt': 'A.Arn' }, ['A']],
    [{ 'Fn::Sub': 'arn:${AWS::Partition}:x:${A}:${B.Arn}/${!Literal}' }, ['A', 'B']],
    [{ 'Fn::Sub': ['${Local}-${C}', { Local: { Ref: 'D' } }] }, ['C', 'D']],
    [{ 'Fn::ImportValue': { 'Fn::Sub': '${E}-out' } }, []],
    [{ 'Fn::Join': ['', [{ Ref: 'F' }, { 'Fn::GetAtt': ['G', 'Id'] }]] }, ['F', 'G']],
  ])('%j → %j', (value, ids) => {
    expect([...referencedIds(value)].sort()).toEqual(ids);
  });
});

describe('modelTimeToReady', () => {
  it('weighs a shared database (Custom::SharedDatabase) as a provisioner call, not a cluster', () => {
    const model = modelTimeToReady(
      template({
        Secret: { Type: 'AWS::SecretsManager::Secret' },
        Db: {
          Type: 'Custom::SharedDatabase',
          Properties: { SecretArn: { Ref: 'Secret' } },
        },
        Service: { Type: 'AWS::ECS::Service', DependsOn: ['Db'] },
      }),
    );
    expect(path(model)).toEqual(['Secret', 'Db', 'Service']);
    expect(model.criticalPath[1]).toMatchObject({ type: 'Custom::SharedDatabase', minutes: 0.5 });
    expect(model.sources.join(' ')).toMatch(/resume ~15 s/);
    expect(model.totalMinutes).toBeLessThan(8);
  });

  it('follows DependsOn, Ref, GetAtt and Sub edges (0.25 min default each)', () => {
    const model = modelTimeToReady(
      template({
        D: { Type: 'AWS::SSM::Parameter', Properties: { Value: { 'Fn::Sub': '${C.Arn}' } } },
        C: { Type: 'AWS::IAM::Policy', Properties: { Roles: [{ 'Fn::GetAtt': ['B', 'Arn'] }] } },
        B: { Type: 'AWS::IAM::Role', DependsOn: 'A' },
        A: { Type: 'AWS::SNS::Topic' },
      }),
    );
    expect(path(model)).toEqual(['A', 'B', 'C', 'D']);
    expect(model.totalMinutes).toBe(1);
  });

  it('ignores Fn::ImportValue and references to parameters', () => {
    const model = modelTimeToReady(
      template({
        A: {
          Type: 'AWS::SNS::Topic',
          Properties: { Name: { 'Fn::ImportValue': 'B' }, X: { Ref: 'Param' } },
        },
        B: { Type: 'AWS::SNS::Topic' },
      }),
    );
    expect(model.totalMinutes).toBe(0.25);
    expect(model.criticalPath).toHaveLength(1);
  });

  it('takes the longest of parallel branches: NAT gateway (1.75) over subnet chain', () => {
    const model = modelTimeToReady(
      template({
        Vpc: { Type: 'AWS::EC2::VPC' },
        Subnet: { Type: 'AWS::EC2::Subnet', Properties: { VpcId: { Ref: 'Vpc' } } },
        Table: { Type: 'AWS::EC2::RouteTable', Properties: { VpcId: { Ref: 'Vpc' } } },
        Assoc: {
          Type: 'AWS::EC2::SubnetRouteTableAssociation',
          Properties: { SubnetId: { Ref: 'Subnet' }, RouteTableId: { Ref: 'Table' } },
        },
        Eip: { Type: 'AWS::EC2::EIP' },
        Nat: {
          Type: 'AWS::EC2::NatGateway',
          Properties: {
            AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] },
            SubnetId: { Ref: 'Subnet' },
          },
        },
      }),
    );
    expect(path(model)).toEqual(['Vpc', 'Subnet', 'Nat']);
    expect(model.totalMinutes).toBe(0.25 + 0.25 + 1.75);
    expect(model.sources.some((s) => s.includes('NAT gateway create 1.5–2 min'))).toBe(true);
  });

  it.each([
    [
      'DocumentDB cluster + instance',
      {
        Cluster: { Type: 'AWS::DocDB::DBCluster' },
        Instance: {
          Type: 'AWS::DocDB::DBInstance',
          Properties: { DBClusterIdentifier: { Ref: 'Cluster' } },
        },
      },
      15,
    ],
    ['ALB', { Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' } }, 2.6],
    ['CloudFront', { Cdn: { Type: 'AWS::CloudFront::Distribution' } }, 5],
    [
      'ACM certificate then Route 53 record',
      {
        Cert: { Type: 'AWS::CertificateManager::Certificate' },
        Rec: { Type: 'AWS::Route53::RecordSet', DependsOn: ['Cert'] },
      },
      4,
    ],
    ['Aurora cluster (> 15 min lower bound)', { Cluster: { Type: 'AWS::RDS::DBCluster' } }, 15],
  ] as [string, Record<string, CfnResource>, number][])(
    '%s = %d min',
    (_name, resources, minutes) => {
      expect(modelTimeToReady(template(resources)).totalMinutes).toBeCloseTo(minutes, 10);
    },
  );

  it('puts a job run between the database and the services it holds back (1.5 min, stated)', () => {
    const model = modelTimeToReady(
      template({
        Cluster: { Type: 'AWS::DocDB::DBCluster' },
        JobTask: { Type: 'AWS::ECS::TaskDefinition' },
        Handler: { Type: 'AWS::Lambda::Function' },
        Run: {
          Type: 'Custom::BranchEnvJobRun',
          Properties: {
            ServiceToken: { 'Fn::GetAtt': ['Handler', 'Arn'] },
            TaskDefinition: { Ref: 'JobTask' },
          },
          DependsOn: ['Cluster'],
        },
        Service: { Type: 'AWS::ECS::Service', DependsOn: ['Run'] },
      }),
    );
    expect(path(model)).toEqual(['Cluster', 'Run', 'Service']);
    expect(model.criticalPath[1]).toMatchObject({ type: 'Custom::BranchEnvJobRun', minutes: 1.5 });
    expect(model.totalMinutes).toBeCloseTo(7.5 + 1.5 + 1, 10);
    expect(model.rangeMinutes.high - model.rangeMinutes.low).toBeGreaterThan(2);
    expect(model.sources.join(' ')).toMatch(
      /Fargate task start 1 min.*job's own work, assumed 0\.25 min/,
    );
  });

  it('ECS service = 1 min task start + target group healthy threshold (defaults 5 × 30 s)', () => {
    const resources: Record<string, CfnResource> = {
      Group: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
      Svc: {
        Type: 'AWS::ECS::Service',
        Properties: { LoadBalancers: [{ TargetGroupArn: { Ref: 'Group' } }] },
      },
    };
    expect(modelTimeToReady(template(resources)).totalMinutes).toBeCloseTo(0.25 + 1 + 2.5, 10);
    const tuned = {
      ...resources,
      Group: {
        Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
        Properties: { HealthCheckIntervalSeconds: 10, HealthyThresholdCount: 2 },
      },
    };
    expect(modelTimeToReady(template(tuned)).totalMinutes).toBeCloseTo(0.25 + 1 + 20 / 60, 10);
  });

  it('accepts duration overrides by type', () => {
    const model = modelTimeToReady(template({ Cdn: { Type: 'AWS::CloudFront::Distribution' } }), {
      durations: {
        'AWS::CloudFront::Distribution': { create: { minutes: 45, source: 'worst case' } },
      },
    });
    expect(model).toEqual({
      criticalPath: [{ logicalId: 'Cdn', type: 'AWS::CloudFront::Distribution', minutes: 45 }],
      totalMinutes: 45,
      rangeMinutes: { low: 45, high: 45 },
      sources: ['worst case'],
    });
  });

  it('terminates on a (CloudFormation-invalid) cycle', () => {
    const model = modelTimeToReady(
      template({
        A: { Type: 'AWS::SNS::Topic', DependsOn: 'B' },
        B: { Type: 'AWS::SNS::Topic', DependsOn: 'A' },
      }),
    );
    expect(model.totalMinutes).toBe(0.5);
  });

  it('is zero for an empty template', () => {
    expect(modelTimeToReady({})).toEqual({
      criticalPath: [],
      totalMinutes: 0,
      rangeMinutes: { low: 0, high: 0 },
      sources: [],
    });
  });

  it('models a real synthesized environment: the DocumentDB chain decides', () => {
    const synthesized = JSON.parse(
      readFileSync(
        new URL('./fixtures/templates/clean-cdk-environment.json', import.meta.url),
        'utf8',
      ),
    ) as CfnTemplate;
    const model = modelTimeToReady(synthesized);
    expect(model.criticalPath.map((s) => s.type)).toEqual([
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::DocDB::DBSubnetGroup',
      'AWS::DocDB::DBCluster',
      'AWS::DocDB::DBInstance',
    ]);
    expect(model.totalMinutes).toBeCloseTo(15.75, 10);
    // Low end: DocumentDB 5 min each (0.75 + 2 × 5). High end: CloudFront's 45 min tail takes
    // over from DocumentDB's 0.75 + 2 × 10: site bucket 0.25 → distribution 45 → alias record 1.
    expect(model.rangeMinutes.low).toBeCloseTo(10.75, 10);
    expect(model.rangeMinutes.high).toBeCloseTo(46.25, 10);
  });
});

describe('modelTimeToDestroy', () => {
  it('deletes dependents first: service (0.5 + 30 s draining) before its target group', () => {
    const model = modelTimeToDestroy(
      template({
        Group: {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          Properties: {
            TargetGroupAttributes: [{ Key: 'deregistration_delay.timeout_seconds', Value: '30' }],
          },
        },
        Svc: {
          Type: 'AWS::ECS::Service',
          Properties: { LoadBalancers: [{ TargetGroupArn: { Ref: 'Group' } }] },
        },
      }),
    );
    expect(path(model)).toEqual(['Svc', 'Group']);
    expect(model.totalMinutes).toBeCloseTo(0.5 + 0.5 + 0.25, 10);
  });

  it('default deregistration delay is 300 s', () => {
    const model = modelTimeToDestroy(
      template({
        Group: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
        Svc: {
          Type: 'AWS::ECS::Service',
          Properties: { LoadBalancers: [{ TargetGroupArn: { Ref: 'Group' } }] },
        },
      }),
    );
    expect(model.totalMinutes).toBeCloseTo(0.5 + 5 + 0.25, 10);
  });

  it('a Lambda in a VPC holds its subnet for the ENI release (32.5 min midpoint)', () => {
    const model = modelTimeToDestroy(
      template({
        Subnet: { Type: 'AWS::EC2::Subnet' },
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: { VpcConfig: { SubnetIds: [{ Ref: 'Subnet' }] } },
        },
      }),
    );
    expect(path(model)).toEqual(['Fn', 'Subnet']);
    expect(model.totalMinutes).toBeCloseTo(32.75, 10);
  });

  it('CloudFront dominates a real environment destroy (30 min lower bound)', () => {
    const synthesized = JSON.parse(
      readFileSync(
        new URL('./fixtures/templates/clean-cdk-environment.json', import.meta.url),
        'utf8',
      ),
    ) as CfnTemplate;
    const model = modelTimeToDestroy(synthesized);
    expect(model.criticalPath.some((s) => s.type === 'AWS::CloudFront::Distribution')).toBe(true);
    expect(model.totalMinutes).toBeCloseTo(0.25 + 0.25 + 30 + 0.25, 10); // auto-delete CR, bucket policy, distribution, bucket
  });
});

describe('combineStackTimes', () => {
  const model = (id: string, minutes: number) => ({
    criticalPath: [{ logicalId: id, type: 'AWS::SNS::Topic', minutes }],
    totalMinutes: minutes,
    rangeMinutes: { low: minutes - 1, high: minutes + 1 },
    sources: [`source of ${id}`],
  });
  const stacks = [
    { stack: 'cert', model: model('Cert', 3) },
    { stack: 'other', model: model('Other', 4) },
    { stack: 'main', model: model('Db', 15.75), dependsOn: ['cert'] },
  ];

  it('sums the stacks when the toolkit deploys one at a time (default)', () => {
    const combined = combineStackTimes(stacks);
    expect(combined.totalMinutes).toBeCloseTo(22.75, 10);
    expect(combined.rangeMinutes).toEqual({ low: 19.75, high: 25.75 });
    expect(combined.criticalPath.map((s) => s.logicalId)).toEqual([
      'cert/Cert',
      'other/Other',
      'main/Db',
    ]);
  });

  it('takes the longest chain of dependent stacks when deploying in parallel', () => {
    const combined = combineStackTimes(stacks, { deployment: 'parallel' });
    expect(combined.totalMinutes).toBeCloseTo(18.75, 10);
    expect(combined.criticalPath.map((s) => s.logicalId)).toEqual(['cert/Cert', 'main/Db']);
    expect(combined.sources).toEqual(['source of Cert', 'source of Db']);
  });
});

describe('time model properties (random acyclic templates)', () => {
  const TYPES = [
    'AWS::EC2::VPC',
    'AWS::EC2::NatGateway',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'AWS::CloudFront::Distribution',
    'AWS::DocDB::DBCluster',
    'AWS::IAM::Role',
    'AWS::CertificateManager::Certificate',
  ];
  // Resource i may depend on any j < i, through DependsOn or a Ref: the graph is acyclic.
  const templates = fc
    .array(
      fc.record({
        type: fc.constantFrom(...TYPES),
        deps: fc.array(fc.nat(20), { maxLength: 3 }),
        viaRef: fc.boolean(),
      }),
      { minLength: 1, maxLength: 20 },
    )
    .map((rows) => {
      const resources: Record<string, CfnResource> = {};
      rows.forEach((row, i) => {
        const deps = [...new Set(row.deps.filter((d) => d < i).map((d) => `R${d}`))];
        resources[`R${i}`] = row.viaRef
          ? { Type: row.type, Properties: { Refs: deps.map((d) => ({ Ref: d })) } }
          : { Type: row.type, DependsOn: deps };
      });
      return template(resources);
    });

  it('the critical path is a dependency chain whose durations add up to the total', () => {
    fc.assert(
      fc.property(templates, fc.boolean(), (t, destroy) => {
        const model = destroy ? modelTimeToDestroy(t) : modelTimeToReady(t);
        const sum = model.criticalPath.reduce((s, step) => s + step.minutes, 0);
        expect(model.totalMinutes).toBeCloseTo(sum, 9);
        for (let i = 1; i < model.criticalPath.length; i++) {
          const [earlier, later] = [model.criticalPath[i - 1]!, model.criticalPath[i]!];
          // creating: the later step depends on the earlier; destroying: the other way round
          const [dependent, dependency] = destroy ? [earlier, later] : [later, earlier];
          const resource = t.Resources?.[dependent.logicalId];
          expect([
            ...referencedIds(resource?.Properties),
            ...[resource?.DependsOn ?? []].flat(),
          ]).toContain(dependency.logicalId);
        }
        expect(model.rangeMinutes.low).toBeLessThanOrEqual(model.totalMinutes + 1e-9);
        expect(model.rangeMinutes.high).toBeGreaterThanOrEqual(model.totalMinutes - 1e-9);
      }),
      { numRuns: 200 },
    );
  });

  it('the total is at least the slowest resource and at most the sum of all', () => {
    fc.assert(
      fc.property(templates, (t) => {
        const model = modelTimeToReady(t);
        const single = Object.entries(t.Resources ?? {}).map(
          ([id, r]) => modelTimeToReady(template({ [id]: { Type: r.Type } })).totalMinutes,
        );
        expect(model.totalMinutes).toBeGreaterThanOrEqual(Math.max(...single) - 1e-9);
        expect(model.totalMinutes).toBeLessThanOrEqual(single.reduce((a, b) => a + b, 0) + 1e-9);
      }),
      { numRuns: 200 },
    );
  });
});
