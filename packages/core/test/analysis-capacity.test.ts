import { describe, expect, it } from 'vitest';
import {
  decideRoom,
  environmentQuotaUsage,
  modelCapacity,
  moreRoomFix,
  platformQuotaUsage,
  type Occupant,
} from '../src/private/analysis/capacity.js';
import { estimateCost } from '../src/private/analysis/cost-estimate.js';
import { PIPELINE_DURATIONS } from '../src/private/analysis/durations.js';
import { estimatePlatformCost } from '../src/private/analysis/platform-cost.js';
import { modelPushToUrl } from '../src/private/analysis/push-to-url.js';
import { QUOTAS_2026_12, raiseQuotaFix } from '../src/private/analysis/quotas.js';
import type { CfnResource, CfnTemplate } from '../src/private/analysis/template.js';
import { modelTimeToReady } from '../src/private/analysis/time-model.js';
import { modelWake, WAKE_PAGE_REFRESH_SECONDS } from '../src/private/analysis/wake.js';

const REGION = 'us-east-1';
const param = (name: string) => ({ Ref: name });

/**
 * A thin branch stack on the shared platform, as issue 11 describes it: target group + host rule
 * on the shared listener (read from SSM parameters), the service with its own security group,
 * roles, log group, secret, config-bus parameters, bucket and alarms. No VPC, load balancer,
 * certificate or DNS record of its own.
 */
function thinStack(options: { spot?: boolean; databaseUser?: boolean } = {}): CfnTemplate {
  const r: Record<string, CfnResource> = {
    TargetGroup: {
      Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
      Properties: {
        VpcId: param('PlatformVpcId'),
        HealthCheckIntervalSeconds: 15,
        HealthyThresholdCount: 2,
        TargetType: 'ip',
      },
    },
    HostRule: {
      Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
      Properties: {
        ListenerArn: param('PlatformListenerArn'),
        Priority: 17,
        Actions: [{ Type: 'forward', TargetGroupArn: { Ref: 'TargetGroup' } }],
      },
    },
    ServiceSg: { Type: 'AWS::EC2::SecurityGroup', Properties: { VpcId: param('PlatformVpcId') } },
    TaskRole: { Type: 'AWS::IAM::Role' },
    ExecutionRole: { Type: 'AWS::IAM::Role' },
    LogGroup: { Type: 'AWS::Logs::LogGroup' },
    Secret: { Type: 'AWS::SecretsManager::Secret' },
    Bucket: { Type: 'AWS::S3::Bucket' },
    TaskDefinition: {
      Type: 'AWS::ECS::TaskDefinition',
      Properties: {
        Cpu: '256',
        Memory: '1024',
        RuntimePlatform: { CpuArchitecture: 'ARM64' },
        TaskRoleArn: { 'Fn::GetAtt': ['TaskRole', 'Arn'] },
        ExecutionRoleArn: { 'Fn::GetAtt': ['ExecutionRole', 'Arn'] },
        ContainerDefinitions: [{ LogConfiguration: { Options: { g: { Ref: 'LogGroup' } } } }],
      },
    },
    Service: {
      Type: 'AWS::ECS::Service',
      DependsOn: ['HostRule'],
      Properties: {
        Cluster: param('PlatformCluster'),
        TaskDefinition: { Ref: 'TaskDefinition' },
        DesiredCount: 1,
        CapacityProviderStrategy: [
          { CapacityProvider: (options.spot ?? true) ? 'FARGATE_SPOT' : 'FARGATE', Weight: 1 },
        ],
        LoadBalancers: [{ TargetGroupArn: { Ref: 'TargetGroup' }, ContainerPort: 8080 }],
        NetworkConfiguration: {
          AwsvpcConfiguration: {
            AssignPublicIp: 'ENABLED',
            SecurityGroups: [{ 'Fn::GetAtt': ['ServiceSg', 'GroupId'] }],
          },
        },
      },
    },
    UrlParameter: { Type: 'AWS::SSM::Parameter', Properties: { Value: 'https://x' } },
  };
  for (let i = 0; i < 6; i++)
    r[`Alarm${i}`] = {
      Type: 'AWS::CloudWatch::Alarm',
      Properties: { Period: 60, Dimensions: [{ Value: { 'Fn::GetAtt': ['Service', 'Name'] } }] },
    };
  if (options.databaseUser)
    r['DatabaseUser'] = {
      Type: 'Custom::DatabaseUser',
      Properties: { SecretArn: { Ref: 'Secret' }, ServiceToken: param('PlatformProvisioner') },
    };
  return { Resources: r };
}

/** A dedicated environment: VPC, IGW, NAT + EIP, its own ALB, certificate, DocumentDB, CloudFront. */
function dedicatedFull(): CfnTemplate {
  return {
    Resources: {
      Vpc: { Type: 'AWS::EC2::VPC' },
      Igw: { Type: 'AWS::EC2::InternetGateway' },
      Eip: { Type: 'AWS::EC2::EIP' },
      Nat: {
        Type: 'AWS::EC2::NatGateway',
        Properties: { AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } },
      },
      Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer', DependsOn: 'Igw' },
      Tg: { Type: 'AWS::ElasticLoadBalancingV2::TargetGroup' },
      Rule: { Type: 'AWS::ElasticLoadBalancingV2::ListenerRule' },
      Cert: { Type: 'AWS::CertificateManager::Certificate' },
      Cluster: { Type: 'AWS::DocDB::DBCluster' },
      Instance: { Type: 'AWS::DocDB::DBInstance' },
      Cdn: { Type: 'AWS::CloudFront::Distribution' },
      Role: { Type: 'AWS::IAM::Role' },
      Task: { Type: 'AWS::ECS::TaskDefinition', Properties: { Cpu: '256', Memory: '512' } },
      Service: {
        Type: 'AWS::ECS::Service',
        Properties: { TaskDefinition: { Ref: 'Task' }, LaunchType: 'FARGATE', DesiredCount: 1 },
      },
      Scaling: {
        Type: 'AWS::ApplicationAutoScaling::ScalableTarget',
        Properties: { ResourceId: { 'Fn::GetAtt': ['Service', 'Name'] }, MaxCapacity: 2 },
      },
    },
  };
}

const previewUsage = environmentQuotaUsage([{ template: thinStack(), region: REGION }], REGION);
const sandbox: Occupant = {
  name: 'sandbox',
  isolation: 'dedicated',
  usage: environmentQuotaUsage(
    [
      { template: dedicatedFull(), region: REGION },
      {
        template: { Resources: { C: { Type: 'AWS::CertificateManager::Certificate' } } },
        region: REGION,
      },
    ],
    REGION,
  ),
};

describe('environmentQuotaUsage', () => {
  it('counts a thin stack against the shared load balancer and Fargate Spot, nothing of a VPC', () => {
    expect(previewUsage).toEqual({
      cloudformationStacks: 1,
      targetGroupsPerRegion: 1,
      targetGroupsPerAlb: 1,
      rulesPerAlb: 1,
      iamRoles: 2,
      fargateSpotVcpu: 0.25,
    });
  });

  it('counts a dedicated environment by type, its own ALB keeping its rules, tasks at MaxCapacity', () => {
    expect(sandbox.usage).toEqual({
      cloudformationStacks: 2,
      vpcsPerRegion: 1,
      internetGatewaysPerRegion: 1,
      elasticIps: 1,
      natGatewaysPerAz: 1,
      albsPerRegion: 1,
      targetGroupsPerRegion: 1,
      acmCertificates: 2,
      docdbClusters: 1,
      docdbInstances: 1,
      cloudfrontDistributions: 1,
      iamRoles: 1,
      fargateOnDemandVcpu: 0.5,
    });
  });

  it('counts a stack of another region only against account-wide quotas', () => {
    const usage = environmentQuotaUsage(
      [
        {
          template: {
            Resources: {
              C: { Type: 'AWS::CertificateManager::Certificate' },
              R: { Type: 'AWS::IAM::Role' },
            },
          },
          region: 'us-east-1',
        },
      ],
      'eu-west-1',
    );
    expect(usage).toEqual({ iamRoles: 1 });
  });
});

describe('modelCapacity', () => {
  const platform = { availabilityZones: 2, natGateways: 0, loadBalancers: 1 };

  it('fits ≥ 90 shared previews per development account under the structural quotas (one load balancer, sandbox alive)', () => {
    const model = modelCapacity({
      region: REGION,
      usage: previewUsage,
      isolation: 'shared',
      platform,
      occupants: [sandbox],
    });
    // The platform's site server takes one target group of each load balancer (its default action).
    expect(model.structural.environments).toBe(99);
    expect(model.structural.binding).toBe('targetGroupsPerAlb');
    const tg = model.rows.find((r) => r.quota === 'targetGroupsPerAlb');
    expect(tg).toMatchObject({
      limit: 100,
      adjustable: false,
      platform: 1,
      perEnvironment: 1,
      fits: 99,
    });
    expect(model.rows.find((r) => r.quota === 'rulesPerAlb')).toMatchObject({ fits: 100 });
    // Fargate Spot at the new-account default: 6 vCPU / 0.25 per preview.
    expect(model.environments).toBe(24);
    expect(model.binding).toBe('fargateSpotVcpu');
    expect(model.assumptions.join('\n')).toMatch(/new-account default \(6 vCPU\)/);
  });

  it('uses applied values when given, and more load balancers multiply the per-load-balancer quotas', () => {
    const model = modelCapacity({
      region: REGION,
      usage: previewUsage,
      isolation: 'shared',
      platform: { ...platform, loadBalancers: 3 },
      occupants: [sandbox],
      values: { fargateSpotVcpu: 4000 },
    });
    expect(model.binding).toBe('targetGroupsPerAlb');
    expect(model.environments).toBe(297);
    expect(model.rows.find((r) => r.quota === 'fargateSpotVcpu')).toMatchObject({
      applied: true,
      fits: 16000,
    });
  });

  it('counts shared occupants against the load balancer, dedicated ones against the VPC quota', () => {
    const previews: Occupant[] = Array.from({ length: 40 }, (_, i) => ({
      name: `p${i}`,
      isolation: 'shared',
      usage: previewUsage,
    }));
    const model = modelCapacity({
      region: REGION,
      usage: previewUsage,
      isolation: 'shared',
      platform,
      occupants: [sandbox, ...previews],
      values: { fargateSpotVcpu: 4000 },
    });
    expect(model.environments).toBe(59);
    expect(model.rows.find((r) => r.quota === 'vpcsPerRegion')).toMatchObject({
      platform: 1,
      occupied: 2, // the default VPC + sandbox
      fits: null,
    });
  });

  it('binds a dedicated profile at VPCs per Region: the default VPC, the platform and sandbox take 3 of 5', () => {
    const model = modelCapacity({
      region: REGION,
      usage: sandbox.usage,
      isolation: 'dedicated',
      platform,
      occupants: [sandbox],
      values: { fargateOnDemandVcpu: 4000 },
    });
    expect(model.binding).toBe('vpcsPerRegion');
    // VPCs and internet gateways: 5 − 3 = 2 (a tie keeps the table's order); EIPs: 5 − 1 = 4.
    expect(model.rows.slice(0, 2).map((r) => [r.quota, r.fits])).toEqual([
      ['vpcsPerRegion', 2],
      ['internetGatewaysPerRegion', 2],
    ]);
    expect(model.rows.find((r) => r.quota === 'elasticIps')?.fits).toBe(4);
    expect(model.environments).toBe(2);
  });

  it('counts the platform’s NAT gateways and database clusters', () => {
    expect(
      platformQuotaUsage({
        natGateways: 2,
        loadBalancers: 2,
        databases: {
          documentdb: { instanceClass: 'db.t3.medium', instances: 2 },
          auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
        },
      }),
    ).toEqual({
      vpcsPerRegion: 1,
      internetGatewaysPerRegion: 1,
      elasticIps: 2,
      natGatewaysPerAz: 2,
      albsPerRegion: 2,
      targetGroupsPerRegion: 2,
      targetGroupsPerAlb: 2,
      acmCertificates: 1,
      cloudformationStacks: 1,
      docdbClusters: 1,
      docdbInstances: 2,
      rdsClusters: 1,
      rdsInstances: 1,
    });
  });
});

describe('modelCapacity of a profile that sleeps', () => {
  const platform = { availabilityZones: 2, natGateways: 0, loadBalancers: 1 };
  const previews = (n: number, sleeps: boolean): Occupant[] =>
    Array.from({ length: n }, (_, i) => ({
      name: `${sleeps ? 's' : 'p'}${i}`,
      isolation: 'shared',
      usage: previewUsage,
      sleeps,
    }));
  const input = {
    region: REGION,
    usage: previewUsage,
    isolation: 'shared' as const,
    platform,
    occupants: [sandbox],
  };

  it('≥ 90 sleeping previews fit at every default quota; Fargate Spot bounds only the 24 awake at once', () => {
    const model = modelCapacity({ ...input, sleeps: true });
    expect(model.environments).toBe(99);
    expect(model.binding).toBe('targetGroupsPerAlb');
    expect(model.structural).toEqual({ environments: 99, binding: 'targetGroupsPerAlb' });
    expect(model.awakeAtOnce).toEqual({ environments: 24, binding: 'fargateSpotVcpu' });
    expect(model.rows.find((r) => r.quota === 'fargateSpotVcpu')).toMatchObject({
      bounds: 'awake',
      fits: 24,
    });
    expect(model.rows.find((r) => r.quota === 'targetGroupsPerAlb')?.bounds).toBe('fit');
    // Rows that bound the fit come first, the awake-at-once one after them.
    expect(model.rows[0]?.quota).toBe('targetGroupsPerAlb');
    const awakeAt = model.rows.findIndex((r) => r.bounds === 'awake');
    expect(model.rows.slice(0, awakeAt).every((r) => r.bounds === 'fit' && r.fits !== null)).toBe(
      true,
    );
    expect(model.assumptions.join('\n')).toMatch(/Fargate vCPU bounds how many are awake at once/);
  });

  it('a profile that never sleeps keeps Fargate as a bound on how many fit, and no awake figure', () => {
    const model = modelCapacity(input);
    expect(model.environments).toBe(24);
    expect(model.binding).toBe('fargateSpotVcpu');
    expect(model.awakeAtOnce).toBeNull();
    expect(model.rows.every((r) => r.bounds === 'fit')).toBe(true);
    expect(model.assumptions.join('\n')).not.toMatch(/awake at once/);
  });

  it('counts awake room next to the occupants that never sleep; sleeping ones take only their rule and target group', () => {
    const model = modelCapacity({
      ...input,
      sleeps: true,
      occupants: [sandbox, ...previews(30, true), ...previews(4, false)],
    });
    expect(model.environments).toBe(99 - 34);
    // 6 vCPU − 4 never-sleeping previews × 0.25 = 5 vCPU: 20 awake at once.
    expect(model.awakeAtOnce).toEqual({ environments: 20, binding: 'fargateSpotVcpu' });
    expect(model.rows.find((r) => r.quota === 'fargateSpotVcpu')).toMatchObject({ occupied: 1 });
  });

  it('a never-sleeping profile still counts sleeping occupants at their full Fargate use (they may wake)', () => {
    const model = modelCapacity({ ...input, occupants: [sandbox, ...previews(8, true)] });
    expect(model.environments).toBe(16);
    expect(model.binding).toBe('fargateSpotVcpu');
  });

  it('the fix for more awake at once names the Fargate quota and its next value', () => {
    const model = modelCapacity({ ...input, sleeps: true });
    const row = model.rows.find((r) => r.quota === model.awakeAtOnce?.binding);
    expect(row).toBeDefined();
    expect(moreRoomFix(row!, REGION)).toContain(
      '--service-code fargate --quota-code L-36FBB829 --desired-value 7 --region us-east-1',
    );
    const fit = model.rows.find((r) => r.quota === model.binding);
    expect(moreRoomFix(fit!, REGION)).toContain('add a load balancer to the platform');
  });

  it('deploy refuses a sleeping preview on the fit, never on the awake figure', () => {
    const crowded = { ...input, sleeps: true, occupants: [sandbox, ...previews(40, true)] };
    expect(decideRoom(modelCapacity(crowded), REGION)).toEqual({
      kind: 'room',
      environments: 59,
    });
    // The same 40 as never-sleeping previews leave no Fargate Spot room: refused for one that never sleeps.
    expect(
      decideRoom(modelCapacity({ ...input, occupants: [sandbox, ...previews(40, false)] }), REGION),
    ).toMatchObject({ kind: 'full', quota: 'fargateSpotVcpu' });
    const full = decideRoom(
      modelCapacity({ ...crowded, occupants: [sandbox, ...previews(99, true)] }),
      REGION,
    );
    expect(full).toMatchObject({ kind: 'full', quota: 'targetGroupsPerAlb' });
  });
});

describe('decideRoom', () => {
  it('fails when the shared load balancer has no rule left, naming the quota and both fixes', () => {
    const previews: Occupant[] = Array.from({ length: 100 }, (_, i) => ({
      name: `p${i}`,
      isolation: 'shared',
      usage: previewUsage,
    }));
    const decision = decideRoom(
      modelCapacity({
        region: REGION,
        usage: previewUsage,
        isolation: 'shared',
        platform: { loadBalancers: 1 },
        occupants: previews,
        values: { fargateSpotVcpu: 4000 },
      }),
      REGION,
    );
    expect(decision.kind).toBe('full');
    if (decision.kind !== 'full') return;
    expect(decision.quota).toBe('rulesPerAlb');
    expect(decision.message).toMatch(
      /'Rules per Application Load Balancer' allows 100, 100 are used \(platform 0, environments 100\)/,
    );
    expect(decision.fix).toContain(
      'aws service-quotas request-service-quota-increase --service-code elasticloadbalancing --quota-code L-7EED9B64 --desired-value 101 --region us-east-1',
    );
    expect(decision.fix).toContain('platform.loadBalancers');
  });

  it('fails at the Fargate Spot quota of a new account and passes with the applied value', () => {
    const occupants: Occupant[] = Array.from({ length: 24 }, (_, i) => ({
      name: `p${i}`,
      isolation: 'shared',
      usage: previewUsage,
    }));
    const input = {
      region: REGION,
      usage: previewUsage,
      isolation: 'shared' as const,
      platform: { loadBalancers: 1 },
      occupants,
    };
    const full = decideRoom(modelCapacity(input), REGION);
    expect(full).toMatchObject({ kind: 'full', quota: 'fargateSpotVcpu' });
    if (full.kind === 'full')
      expect(full.fix).toContain('--quota-code L-36FBB829 --desired-value 7');
    expect(
      decideRoom(modelCapacity({ ...input, values: { fargateSpotVcpu: 100 } }), REGION),
    ).toEqual({ kind: 'room', environments: 75 }); // 100 target groups − the site server's − 24
  });

  it('says a quota that cannot be raised needs another load balancer', () => {
    expect(raiseQuotaFix(QUOTAS_2026_12.quotas.targetGroupsPerAlb, 101, REGION)).toMatch(
      /cannot be raised: add a load balancer to the platform \(accounts.<key>.platform.loadBalancers/,
    );
  });
});

describe('modelPushToUrl', () => {
  it('a shared preview: CloudFormation ≤ 3 min (rule + target group + service), push → URL ≤ 5 min', () => {
    const template = thinStack();
    const cfn = modelTimeToReady(template);
    expect(cfn.criticalPath.map((s) => s.type)).toContain('AWS::ECS::Service');
    expect(cfn.criticalPath.map((s) => s.type)).not.toContain(
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
    );
    expect(cfn.totalMinutes).toBe(2.25);
    const push = modelPushToUrl(cfn, [template]);
    // runner 0.25 + install 0.4 + QEMU/buildx/credentials 0.3 + max(image push 0.65, diff 0.2)
    // + deploy: checks 0.2 + synth 0.1 + a change set 0.35 + CloudFormation 2.25 + records 0.15
    expect(push.totalMinutes).toBeCloseTo(4.65, 10);
    expect(push.critical).toBe('image');
    expect(push.rangeMinutes.low).toBeLessThan(push.totalMinutes);
    expect(push.rangeMinutes.high).toBeGreaterThan(push.totalMinutes);
    expect(push.totalMinutes).toBeLessThanOrEqual(5);
    expect(push.sources).toHaveLength(Object.keys(PIPELINE_DURATIONS).length);
  });

  it('a full profile on a shared database adds its user provisioning, still ≤ 8 min', () => {
    const template = thinStack({ spot: false, databaseUser: true });
    const push = modelPushToUrl(modelTimeToReady(template), [template]);
    expect(push.totalMinutes).toBeLessThanOrEqual(8);
  });

  it('the image push and the diff run side by side, the later one starts the deploy; each stack adds a change set', () => {
    const template = thinStack();
    const cfn = modelTimeToReady(template);
    const deploy = 0.2 + 0.1 + 0.35 + 2.25 + 0.15;
    const slowImage = modelPushToUrl(cfn, [template], {
      durations: {
        ...PIPELINE_DURATIONS,
        imageBuildAndPush: { ...PIPELINE_DURATIONS.imageBuildAndPush, minutes: 3 },
      },
    });
    expect(slowImage.critical).toBe('image');
    expect(slowImage.totalMinutes).toBeCloseTo(0.25 + 0.4 + 0.3 + 3 + deploy, 10);
    const slowDiff = modelPushToUrl(cfn, [template], {
      durations: { ...PIPELINE_DURATIONS, diff: { ...PIPELINE_DURATIONS.diff, minutes: 1 } },
    });
    expect(slowDiff.critical).toBe('stacks');
    expect(slowDiff.totalMinutes).toBeCloseTo(0.25 + 0.4 + 0.3 + 1 + deploy, 10);
    const twoStacks = modelPushToUrl(cfn, [template, { Resources: {} }]);
    expect(twoStacks.totalMinutes).toBeCloseTo(4.65 + 0.35, 10);
  });

  it('without an account platform deploy builds CDK image assets itself, after the diff: nothing in parallel', () => {
    const template = thinStack();
    const assets = modelPushToUrl(modelTimeToReady(template), [template], { images: 'assets' });
    expect(assets.totalMinutes).toBeCloseTo(
      0.25 + 0.4 + 0.3 + 0.2 + 0.2 + 0.1 + 0.65 + 0.35 + 2.25 + 0.15,
      10,
    );
    expect(assets.steps.some((s) => s.branch !== undefined)).toBe(false);
    expect(assets.steps.map((s) => s.term)).toEqual([
      'runnerStart',
      'checkoutAndInstall',
      'buildTools',
      'diff',
      'preDeploy',
      'synth',
      'imageBuildAndPush',
      'changeSet',
      'cloudformation',
      'readiness',
    ]);
  });

  it('a dedicated preview (its own ALB) cannot reach 3 min of CloudFormation', () => {
    const template: CfnTemplate = {
      Resources: {
        ...thinStack().Resources,
        Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
        Listener: {
          Type: 'AWS::ElasticLoadBalancingV2::Listener',
          Properties: { LoadBalancerArn: { Ref: 'Alb' } },
        },
        HostRule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: { ListenerArn: { Ref: 'Listener' } },
        },
      },
    };
    expect(modelTimeToReady(template).totalMinutes).toBeGreaterThan(3);
  });
});

describe('costs: the environment’s own and the platform’s', () => {
  it('a shared preview idles at ≤ $0.015/h with its line items', () => {
    const cost = estimateCost(thinStack());
    expect(cost.perHour).toBeLessThanOrEqual(0.015);
    expect(cost.lines.map((l) => l.item)).toEqual(
      expect.arrayContaining([
        'Fargate vCPU (ARM64, Spot)',
        'Public IPv4 (Fargate task)',
        'Secrets Manager secret',
        'CloudWatch alarm',
      ]),
    );
    expect(cost.lines.map((l) => l.item)).not.toContain('Application Load Balancer');
  });

  it('the platform: ALB + an IPv4 per AZ + the hosted zone, NAT and databases when configured', () => {
    const bare = estimatePlatformCost({ availabilityZones: 2, natGateways: 0, loadBalancers: 1 });
    expect(bare.perHour).toBeCloseTo(0.0225 + 2 * 0.005 + 0.5 / 730, 10);
    expect(bare.lines.map((l) => [l.item, l.quantity])).toEqual([
      ['Application Load Balancer', 1],
      ['Public IPv4 (ALB, one per AZ)', 2],
      ['Route 53 hosted zone (the account platform’s share)', 1],
      ['ECS cluster, ECR repositories, wildcard certificate and DNS record', 1],
    ]);
    const withDb = estimatePlatformCost({
      availabilityZones: 3,
      natGateways: 1,
      loadBalancers: 1,
      databases: { documentdb: { instanceClass: 'db.t3.medium', instances: 1 } },
    });
    expect(withDb.perHour).toBeCloseTo(0.0225 + 3 * 0.005 + 0.045 + 0.005 + 0.5 / 730 + 0.078, 10);
    expect(withDb.perHour).toBeGreaterThan(0.15);
    const unknown = estimatePlatformCost({
      databases: { documentdb: { instanceClass: 'db.r6g.large', instances: 2 } },
    });
    expect(unknown.unpriced).toHaveLength(1);
  });
});

describe('a sleeping environment: wake time and idle cost asleep', () => {
  it('wakes in task start + one health check interval + the waker and the page reload', () => {
    const wake = modelWake([thinStack()]);
    expect(wake.steps.map((s) => s.minutes)).toEqual([
      0.05,
      1, // ECS_TASK_START_MINUTES, the ECS service model's task start
      15 / 60, // one HealthCheckIntervalSeconds of the thin stack's target group
      (5 + WAKE_PAGE_REFRESH_SECONDS) / 60,
    ]);
    expect(wake.totalMinutes).toBeCloseTo(0.05 + 1 + 0.25 + 10 / 60, 10);
    // High end: HealthyThresholdCount (2) × interval, as the create model counts it.
    expect(wake.rangeMinutes.high).toBeCloseTo(0.1 + 1 + 0.5 + 15 / 60, 10);
    expect(wake.rangeMinutes.low).toBeCloseTo(0.02 + 1 + 0.25 + 2 / 60, 10);
    expect(wake.steps[2]?.source).toContain('must pass one health check');
    expect(wake.totalMinutes).toBeLessThan(2);
  });

  it('takes the ALB defaults (30 s, 5 checks) for a target group that sets none, the slowest service deciding', () => {
    const slow = thinStack();
    const group = slow.Resources!['TargetGroup']!;
    slow.Resources!['TargetGroup'] = { ...group, Properties: { VpcId: param('PlatformVpcId') } };
    const wake = modelWake([thinStack(), slow]);
    expect(wake.steps[2]).toMatchObject({ minutes: 0.5, range: [0.5, 2.5] });
  });

  it('a stack without a load-balanced service has no health check step', () => {
    const wake = modelWake([{ Resources: { B: { Type: 'AWS::S3::Bucket' } } }]);
    expect(wake.steps.map((s) => s.label)).not.toContain(
      'target group health check until the load balancer forwards',
    );
    expect(wake.steps).toHaveLength(3);
  });

  it('asleep, a shared preview bills no Fargate vCPU, memory or task address; awake it still does', () => {
    const awake = estimateCost(thinStack());
    const asleep = estimateCost(thinStack(), { asleep: true });
    const items = (c: typeof awake) => c.lines.map((l) => l.item);
    expect(items(awake)).toEqual(
      expect.arrayContaining([
        'Fargate vCPU (ARM64, Spot)',
        'Fargate memory (ARM64, Spot)',
        'Public IPv4 (Fargate task)',
      ]),
    );
    expect(items(asleep).filter((i) => /Fargate/.test(i))).toEqual([]);
    expect(asleep.lines.find((l) => l.item === 'ECS service asleep (0 tasks)')).toMatchObject({
      logicalIds: ['Service'],
      perHour: 0,
    });
    const fargate = awake.lines
      .filter((l) => l.logicalIds.includes('Service'))
      .reduce((t, l) => t + l.perHour, 0);
    expect(fargate).toBeGreaterThan(0.005);
    expect(asleep.perHour).toBeCloseTo(awake.perHour - fargate, 10);
  });
});
