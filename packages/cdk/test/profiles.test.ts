import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTeardown, CONFIG_BUS, estimateCost, TAG_KEYS } from '@branch-env/core';
import { nagFindings, STACK_CONFIG_BUS_KEYS } from '@branch-env/cdk';
import {
  container,
  onlyResource,
  resourcesOf,
  synthesize,
  tagsOf,
  type Synthesized,
  type Template,
  type TemplateResource,
  removeOutdirs,
} from './helpers.js';

/**
 * One synthesized app per profile (nag on: each synthesis would throw on an open cdk-nag error),
 * shared by every assertion of the file.
 */
const PROFILES = {
  preview: 'feature/new-login',
  full: 'full/new-search',
  protectedFull: 'sandbox',
  production: 'main',
} as const;
type Case = keyof typeof PROFILES;
const built = {} as Record<Case, Synthesized>;

beforeAll(() => {
  for (const [key, branch] of Object.entries(PROFILES) as [Case, string][]) {
    built[key] = synthesize(branch);
  }
});
afterAll(removeOutdirs);

const SECURITY_HEADERS_POLICY = '67f7725c-6f97-4210-82d7-5512b31e9d03';

/**
 * The CloudFormation resource types of these templates whose resource specification has a `Tags`
 * property (aws-cdk-lib's L1 class of each implements ITaggable or ITaggableV2). Every resource of
 * these types must carry the cost-allocation tags, whoever created it: CDK's helper providers
 * create raw CfnResources (Lambda functions, IAM roles) that CDK's TagManager never reaches.
 */
const TYPES_WITH_TAGS: readonly string[] = [
  'AWS::ApplicationAutoScaling::ScalableTarget',
  'AWS::CertificateManager::Certificate',
  'AWS::CloudFront::Distribution',
  'AWS::CloudWatch::Alarm',
  'AWS::CloudWatch::Dashboard',
  'AWS::DocDB::DBCluster',
  'AWS::DocDB::DBClusterParameterGroup',
  'AWS::DocDB::DBInstance',
  'AWS::DocDB::DBSubnetGroup',
  'AWS::EC2::EIP',
  'AWS::EC2::FlowLog',
  'AWS::EC2::InternetGateway',
  'AWS::EC2::NatGateway',
  'AWS::EC2::RouteTable',
  'AWS::EC2::SecurityGroup',
  'AWS::EC2::Subnet',
  'AWS::EC2::VPC',
  'AWS::ECR::Repository',
  'AWS::ECS::Cluster',
  'AWS::ECS::Service',
  'AWS::ECS::TaskDefinition',
  'AWS::ElasticLoadBalancingV2::Listener',
  'AWS::ElasticLoadBalancingV2::LoadBalancer',
  'AWS::ElasticLoadBalancingV2::TargetGroup',
  'AWS::IAM::Role',
  'AWS::Lambda::Function',
  'AWS::Logs::LogGroup',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
  'AWS::RDS::DBSubnetGroup',
  'AWS::S3::Bucket',
  'AWS::SNS::Topic',
  'AWS::SSM::Parameter',
  'AWS::SecretsManager::Secret',
];

/** Types of these templates that take no Tags in CloudFormation (custom resources included). */
const TYPES_WITHOUT_TAGS: readonly string[] = [
  'AWS::ApplicationAutoScaling::ScalingPolicy',
  'AWS::CloudFront::OriginAccessControl',
  'AWS::EC2::Route',
  'AWS::EC2::SecurityGroupEgress',
  'AWS::EC2::SecurityGroupIngress',
  'AWS::EC2::SubnetRouteTableAssociation',
  'AWS::EC2::VPCGatewayAttachment',
  'AWS::ECS::ClusterCapacityProviderAssociations',
  'AWS::ElasticLoadBalancingV2::ListenerRule',
  'AWS::IAM::Policy',
  'AWS::Lambda::LayerVersion',
  'AWS::Lambda::Permission',
  'AWS::Route53::RecordSet',
  'AWS::S3::BucketPolicy',
  'AWS::SNS::TopicPolicy',
  'AWS::SecretsManager::SecretTargetAttachment',
  'Custom::AWS',
  'Custom::CDKBucketDeployment',
  'Custom::S3AutoDeleteObjects',
  'Custom::VpcRestrictDefaultSG',
];

/** The database's generated secret (behind CloudFront there is also the origin header's). */
function databaseSecret(t: Template): TemplateResource {
  const found = resourcesOf(t, 'AWS::SecretsManager::Secret').filter(
    ([id]) => !id.startsWith('EdgeHeaderSecret'),
  );
  expect(found).toHaveLength(1);
  return found[0]![1];
}

function service(t: Template): Record<string, unknown> {
  return onlyResource(t, 'AWS::ECS::Service').Properties ?? {};
}

describe.each(Object.keys(PROFILES) as Case[])('every profile: %s', (key) => {
  const s = (): Synthesized => built[key];

  it('has zero open cdk-nag AwsSolutions findings, and a reason for every acknowledged one', () => {
    const findings = nagFindings(s().app);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    expect(findings.filter((f) => f.acknowledged && !f.reason)).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
  });

  it('has no teardown blocker (unprotected) or missing protection (protected)', () => {
    for (const template of Object.values(s().templates)) {
      expect(auditTeardown(template, { protected: s().environment.protected })).toEqual([]);
    }
  });

  it('tags every resource whose CloudFormation type takes Tags with the cost-allocation tags', () => {
    const e = s().environment;
    // The stack tags; the other TAG_KEYS (sleep-after, target-group, awake-count) are the router's
    // and the sleeper's, on listener rules and services only.
    expect(Object.keys(e.tags).sort()).toEqual(
      [TAG_KEYS.app, TAG_KEYS.branch, TAG_KEYS.environment, TAG_KEYS.profile].sort(),
    );
    expect(e.tags[TAG_KEYS.environment]).toBe(e.name);
    for (const stack of s().stacks) {
      const template = s().templates[stack.stackName]!;
      const resources = Object.entries(template.Resources);
      const unclassified = [...new Set(resources.map(([, r]) => r.Type))].filter(
        (type) => !TYPES_WITH_TAGS.includes(type) && !TYPES_WITHOUT_TAGS.includes(type),
      );
      expect(unclassified, 'add the type to TYPES_WITH_TAGS or TYPES_WITHOUT_TAGS').toEqual([]);
      const tagged = resources.filter(([, r]) => TYPES_WITH_TAGS.includes(r.Type));
      expect(tagged.length).toBeGreaterThan(stack === s().stacks.at(-1) ? 20 : 0);
      for (const [id, resource] of tagged) {
        expect({ id, type: resource.Type, tags: tagsOf(resource) }).toEqual({
          id,
          type: resource.Type,
          tags: expect.objectContaining(e.tags),
        });
      }
    }
  });

  it('writes an SSM parameter for every stack key of the config bus, under the prefix', () => {
    const names = resourcesOf(s().main, 'AWS::SSM::Parameter').map(([, r]) => r.Properties?.Name);
    for (const k of STACK_CONFIG_BUS_KEYS) {
      expect(names).toContain(`${s().environment.ssmPrefix}${CONFIG_BUS[k].key}`);
    }
    expect(STACK_CONFIG_BUS_KEYS).toContain('serviceUrl');
    expect(STACK_CONFIG_BUS_KEYS).not.toContain('ownerBranch');
  });

  it('never stores the database password in a parameter or a plain environment variable', () => {
    const api = container(s().main, 'api');
    const plain = (api.Environment as { Name: string }[]).map((e) => e.Name);
    const secret = ((api.Secrets ?? []) as { Name: string }[]).map((e) => e.Name);
    expect(plain).not.toContain('DATABASE_PASSWORD');
    expect(plain).not.toContain('DATABASE_USERNAME');
    expect(secret).toEqual(['DATABASE_USERNAME', 'DATABASE_PASSWORD']);
    expect(JSON.stringify(s().main)).not.toMatch(/"(SecretString|MasterUserPassword)":\s*"[^{]/);
  });

  it('passes the service its settings as the environment variables it reads', () => {
    const env = Object.fromEntries(
      (container(s().main, 'api').Environment as { Name: string; Value: unknown }[]).map((e) => [
        e.Name,
        e.Value,
      ]),
    );
    const e = s().environment;
    expect(env).toMatchObject({
      BRANCH_ENV_APP: e.app,
      BRANCH_ENV_ENVIRONMENT: e.name,
      BRANCH_ENV_BRANCH: e.branch,
      BRANCH_ENV_COMMIT: '0123456789abcdef0123456789abcdef01234567',
      BRANCH_ENV_PROFILE: e.profile.name,
      DATABASE_ENGINE: e.profile.database.engine,
      PORT: '8080',
    });
    expect(env.DATA_BUCKET).toBeDefined();
    expect(env.DATABASE_ENDPOINT).toBeDefined();
    expect(env.BRANCH_ENV_BASELINE).toBe(e.baseline);
  });

  it('deploys with the circuit breaker and rollback, health-checked on liveness (/healthz)', () => {
    expect(service(s().main).DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
      MinimumHealthyPercent: 100,
      MaximumPercent: 200,
    });
    const groups = resourcesOf(s().main, 'AWS::ElasticLoadBalancingV2::TargetGroup').filter(
      ([, g]) => g.Properties?.TargetType !== 'lambda', // the site server's (preview)
    );
    expect(groups).toHaveLength(1);
    expect(groups[0]![1].Properties).toMatchObject({
      HealthCheckPath: '/healthz',
      TargetType: 'ip',
      Port: 8080,
    });
  });

  it('turns Container Insights on exactly when the profile does', () => {
    const settings = onlyResource(s().main, 'AWS::ECS::Cluster').Properties?.ClusterSettings;
    expect(settings).toEqual([
      {
        Name: 'containerInsights',
        Value: s().environment.profile.containerInsights ? 'enabled' : 'disabled',
      },
    ]);
  });

  it('gives the task role no wildcard action, no wildcard resource and no managed policy', () => {
    const taskRole = resourcesOf(s().main, 'AWS::IAM::Role').find(([id]) =>
      id.includes('TaskTaskRole'),
    );
    expect(taskRole).toBeDefined();
    const [roleId, role] = taskRole!;
    expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
    const policies = resourcesOf(s().main, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties?.Roles).includes(roleId),
    );
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0]![1].Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }
    ).Statement;
    for (const st of statements) {
      for (const action of [st.Action].flat()) expect(String(action)).not.toContain('*');
      for (const resource of [st.Resource].flat()) expect(resource).not.toBe('*');
    }
    const e = s().environment;
    expect(statements.map((st) => st.Sid).sort()).toEqual(
      [
        'ConfigBusRead',
        'ConfigBusReservedKeys',
        'ConfigBusWrite',
        'DataBucketList',
        'DataBucketObjects',
        ...(e.baseline !== undefined ? ['ServiceDiscoveryRead'] : []),
      ].sort(),
    );
    // SSM: its own prefix, and of the baseline only the service URLs, read-only.
    const parameter = (name: string) => ({
      'Fn::Join': [
        '',
        ['arn:', { Ref: 'AWS::Partition' }, `:ssm:${e.region}:${e.account.id}:parameter${name}`],
      ],
    });
    const bySid = Object.fromEntries(statements.map((st) => [st.Sid, st]));
    expect(bySid.ConfigBusRead?.Resource).toEqual([
      parameter(e.ssmPrefix.replace(/\/$/, '')),
      parameter(`${e.ssmPrefix}*`),
    ]);
    expect(bySid.ConfigBusWrite?.Resource).toEqual(parameter(`${e.ssmPrefix}*`));
    // ... but never what destroy, deploy and the reaper decide from (task-role.test.ts simulates it).
    expect(bySid.ConfigBusReservedKeys).toMatchObject({ Effect: 'Deny' });
    expect(bySid.ConfigBusReservedKeys?.Resource).toContainEqual(parameter(`${e.ssmPrefix}meta/*`));
    if (e.baseline !== undefined)
      expect(bySid.ServiceDiscoveryRead).toMatchObject({
        Action: 'ssm:GetParameter',
        Resource: parameter(`/${e.app}/${e.baseline}/*/service-url`),
      });
  });

  it('encrypts both buckets, blocks public access, requires TLS and allows only its own origin', () => {
    const buckets = resourcesOf(s().main, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(2);
    const origin = `https://${s().environment.dnsName}`;
    for (const [id, b] of buckets) {
      expect(b.Properties?.BucketEncryption).toEqual({
        ServerSideEncryptionConfiguration: [
          { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
        ],
      });
      expect(b.Properties?.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      const rules = (b.Properties?.CorsConfiguration as { CorsRules: Record<string, unknown>[] })
        .CorsRules;
      expect(rules).toHaveLength(1);
      expect(rules[0]!.AllowedOrigins).toEqual([origin]);
      const policy = resourcesOf(s().main, 'AWS::S3::BucketPolicy').find(
        ([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }),
      );
      expect(JSON.stringify(policy?.[1].Properties?.PolicyDocument)).toContain(
        '"aws:SecureTransport":"false"',
      );
    }
  });

  it('scans images on push, bounds them with a lifecycle policy', () => {
    const repo = onlyResource(s().main, 'AWS::ECR::Repository');
    expect(repo.Properties).toMatchObject({
      ImageScanningConfiguration: { ScanOnPush: true },
      ImageTagMutability: 'IMMUTABLE',
      EmptyOnDelete: !s().environment.protected,
    });
    expect(repo.Properties?.LifecyclePolicy).toBeDefined();
  });

  it('runs no Lambda in a VPC, none at the edge, and every Lambda logs to a log group of the stack', () => {
    for (const template of Object.values(s().templates)) {
      const groups = new Set(resourcesOf(template, 'AWS::Logs::LogGroup').map(([id]) => id));
      for (const [id, fn] of resourcesOf(template, 'AWS::Lambda::Function')) {
        expect({ id, vpc: fn.Properties?.VpcConfig }).toEqual({ id, vpc: undefined });
        const logGroup = (fn.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } })
          ?.LogGroup;
        expect(groups.has(logGroup?.Ref ?? ''), `${id} has its own log group`).toBe(true);
      }
      const distributions = resourcesOf(template, 'AWS::CloudFront::Distribution');
      for (const [, d] of distributions) {
        expect(JSON.stringify(d.Properties)).not.toContain('LambdaFunctionAssociations');
      }
    }
  });

  it('sets a retention on every log group, and deletes them with unprotected stacks', () => {
    for (const [, g] of resourcesOf(s().main, 'AWS::Logs::LogGroup')) {
      expect(g.Properties?.RetentionInDays).toBe(s().environment.profile.logRetentionDays);
      expect(g.DeletionPolicy).toBe(s().environment.protected ? 'RetainExceptOnCreate' : 'Delete');
    }
    const names = resourcesOf(s().main, 'AWS::Logs::LogGroup').map(
      ([, g]) => g.Properties?.LogGroupName,
    );
    const e = s().environment;
    expect(names).toContain(`/${e.app}/${e.name}/service/api`);
    expect(names).toContain(`/${e.app}/${e.name}/vpc/flow`);
  });

  it('has one dashboard <app>-<env> with request, p50/p95/p99 latency, error and CPU charts, and alarms to SNS', () => {
    const e = s().environment;
    const dash = onlyResource(s().main, 'AWS::CloudWatch::Dashboard');
    expect(dash.Properties?.DashboardName).toBe(`${e.app}-${e.name}`);
    const body = JSON.stringify(dash.Properties?.DashboardBody);
    for (const needle of [
      'RequestCount',
      'RequestLatency',
      'p50',
      'p95',
      'p99',
      'HTTPCode_Target_5XX_Count',
      'HTTPCode_Target_4XX_Count',
      'CPUUtilization',
      'MemoryUtilization',
      'BranchEnv',
    ]) {
      expect(body).toContain(needle);
    }
    const topic = resourcesOf(s().main, 'AWS::SNS::Topic');
    expect(topic).toHaveLength(1);
    const alarms = resourcesOf(s().main, 'AWS::CloudWatch::Alarm');
    expect(alarms.length).toBeGreaterThanOrEqual(6);
    for (const [, a] of alarms) {
      expect(a.Properties?.AlarmActions).toEqual([{ Ref: topic[0]![0] }]);
    }
  });

  it('alarms when no task is healthy behind the load balancer, and on 5xx the load balancer answers itself', () => {
    const template = CdkTemplate.fromJSON(s().main);
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HealthyHostCount',
      Statistic: 'Minimum',
      Period: 60,
      EvaluationPeriods: 2,
      DatapointsToAlarm: 2,
      Threshold: 1,
      ComparisonOperator: 'LessThanThreshold',
      // No data means nothing reports healthy: the same outage.
      TreatMissingData: 'breaching',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/ApplicationELB',
      MetricName: 'HTTPCode_ELB_5XX_Count',
      Statistic: 'Sum',
      Period: 300,
      Threshold: 5,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
    });
  });

  it('imports the hosted zone by id (no lookup) and publishes https://<env>.<domain>', () => {
    const e = s().environment;
    const records = resourcesOf(s().main, 'AWS::Route53::RecordSet').map(([, r]) => r.Properties);
    expect(
      records.some(
        (r) => r?.Name === `${e.dnsName}.` && r?.HostedZoneId === e.domain?.hostedZoneId,
      ),
    ).toBe(true);
    const url = resourcesOf(s().main, 'AWS::SSM::Parameter').find(
      ([, p]) => p.Properties?.Name === `${e.ssmPrefix}api/service-url`,
    );
    expect(url?.[1].Properties?.Value).toBe(`https://${e.dnsName}`);
    expect(
      s().app.node.tryGetContext('availability-zones:account=111111111111:region=us-east-1'),
    ).toBeUndefined();
  });
});

describe('preview profile (feature/*): the cheap composition', () => {
  const t = (): Template => built.preview.main;

  it('has no NAT gateway, no DocumentDB, no CloudFront, and one load balancer', () => {
    expect(resourcesOf(t(), 'AWS::EC2::NatGateway')).toHaveLength(0);
    expect(resourcesOf(t(), 'AWS::DocDB::DBCluster')).toHaveLength(0);
    expect(resourcesOf(t(), 'AWS::DocDB::DBInstance')).toHaveLength(0);
    expect(resourcesOf(t(), 'AWS::CloudFront::Distribution')).toHaveLength(0);
    expect(resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(1);
    expect(built.preview.stacks).toHaveLength(1);
  });

  it('runs MongoDB as a sidecar on localhost, with credentials as ECS secrets, before the service', () => {
    const mongo = container(t(), 'mongodb');
    expect(mongo.Image).toBe('public.ecr.aws/docker/library/mongo:7.0');
    expect(mongo.Command).toEqual(['--bind_ip', '127.0.0.1', '--port', '27017']);
    expect((mongo.Secrets as { Name: string }[]).map((x) => x.Name)).toEqual([
      'MONGO_INITDB_ROOT_USERNAME',
      'MONGO_INITDB_ROOT_PASSWORD',
    ]);
    expect(mongo.PortMappings).toBeUndefined();
    // A cheap TCP connect, not mongosh (a Node.js program) inside a 0.25 vCPU task.
    expect(mongo.HealthCheck).toEqual({
      Command: ['CMD', 'bash', '-c', '</dev/tcp/127.0.0.1/27017'],
      Interval: 5,
      Timeout: 2,
      Retries: 3,
      StartPeriod: 15,
    });
    expect(container(t(), 'api').DependsOn).toEqual([
      { Condition: 'HEALTHY', ContainerName: 'mongodb' },
    ]);
    const env = container(t(), 'api').Environment as { Name: string; Value: unknown }[];
    expect(env).toContainEqual({ Name: 'DATABASE_ENDPOINT', Value: 'localhost:27017' });
    // The mongo image runs mongod --auth with that root user: the service logs in as the same one.
    const from = (c: Record<string, unknown>, name: string) =>
      (c.Secrets as { Name: string; ValueFrom: unknown }[]).find((x) => x.Name === name)?.ValueFrom;
    const api = container(t(), 'api');
    expect(from(api, 'DATABASE_USERNAME')).toEqual(from(mongo, 'MONGO_INITDB_ROOT_USERNAME'));
    expect(from(api, 'DATABASE_PASSWORD')).toEqual(from(mongo, 'MONGO_INITDB_ROOT_PASSWORD'));
    expect(from(api, 'DATABASE_PASSWORD')).toBeDefined();
  });

  it('runs one arm64 Spot task with a public IP, reachable only from the load balancer', () => {
    const svc = service(t());
    expect(svc.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]);
    // The service waits for the capacity providers to be associated with the cluster.
    const [association] = resourcesOf(t(), 'AWS::ECS::ClusterCapacityProviderAssociations');
    expect(onlyResource(t(), 'AWS::ECS::Service').DependsOn).toContain(association![0]);
    expect(svc.DesiredCount).toBe(1);
    expect(JSON.stringify(svc.NetworkConfiguration)).toContain('"AssignPublicIp":"ENABLED"');
    const task = onlyResource(t(), 'AWS::ECS::TaskDefinition').Properties;
    expect(task).toMatchObject({
      Cpu: '256',
      Memory: '1024',
      RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' },
    });
    const ingress = resourcesOf(t(), 'AWS::EC2::SecurityGroupIngress').map(([, r]) => r.Properties);
    const toTasks = ingress.filter((r) => r?.FromPort === 8080);
    expect(toTasks).toHaveLength(1);
    expect(toTasks[0]?.SourceSecurityGroupId).toBeDefined();
    expect(toTasks[0]?.CidrIp).toBeUndefined();
    expect(JSON.stringify(ingress)).not.toContain('27017');
  });

  it('serves HTTPS on the ALB with a regional certificate for <env>.<domain>, HTTP redirects', () => {
    const listeners = resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, l]) => l.Properties,
    );
    expect(listeners.map((l) => l?.Port).sort()).toEqual([443, 80]);
    expect(listeners.find((l) => l?.Port === 80)?.DefaultActions).toMatchObject([
      { Type: 'redirect', RedirectConfig: { Protocol: 'HTTPS', Port: '443' } },
    ]);
    const cert = onlyResource(t(), 'AWS::CertificateManager::Certificate').Properties;
    expect(cert).toMatchObject({
      DomainName: 'feature-new-login.branch-env-dev.example.net',
      ValidationMethod: 'DNS',
    });
  });

  it('serves the site on its own load balancer: /api/* to the service, the rest to its site server', () => {
    const https = resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::Listener').find(
      ([, l]) => l.Properties?.Port === 443,
    )![1];
    const groups = resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::TargetGroup');
    const [siteGroup] = groups.find(([, g]) => g.Properties?.TargetType === 'lambda')!;
    const [serviceGroup] = groups.find(([, g]) => g.Properties?.TargetType === 'ip')!;
    expect(https.Properties?.DefaultActions).toEqual([
      { Type: 'forward', TargetGroupArn: { Ref: siteGroup } },
    ]);
    const [[, rule]] = resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::ListenerRule');
    expect(rule!.Properties).toMatchObject({
      Priority: 1,
      Conditions: [{ Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } }],
      Actions: [{ Type: 'forward', TargetGroupArn: { Ref: serviceGroup } }],
    });
    // The site server reads its own bucket, nothing else.
    const [[fnId, fn]] = resourcesOf(t(), 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('SiteServerFunction'),
    );
    const [siteBucket] = resourcesOf(t(), 'AWS::S3::Bucket').find(([id]) =>
      id.startsWith('StorageSiteBucket'),
    )!;
    expect(fn!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Environment: { Variables: { SITE_BUCKET: { Ref: siteBucket } } },
    });
    expect(fnId).toBeDefined();
    const [[, policy]] = resourcesOf(t(), 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('SiteServerRole'),
    );
    const statements = policy!.Properties!.PolicyDocument.Statement as {
      Action: string;
      Resource: unknown;
    }[];
    expect(statements.map((st) => st.Action).sort()).toEqual([
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      's3:GetObject',
      's3:ListBucket',
    ]);
    const s3Resources = JSON.stringify(
      statements.filter((st) => String(st.Action).startsWith('s3:')).map((st) => st.Resource),
    );
    expect(s3Resources).toContain(siteBucket);
    expect(s3Resources).not.toContain('"*"');
  });

  it('costs at most $0.06/h idle (cost model of @branch-env/core)', () => {
    const cost = estimateCost(t());
    expect(cost.perHour).toBeLessThanOrEqual(0.06);
    expect(cost.perHour).toBeGreaterThan(0.03);
    expect(cost.unpriced).toEqual([]);
  });

  it('deletes everything with the stack: DESTROY, auto-deleted objects, no retained secret', () => {
    for (const type of [
      'AWS::S3::Bucket',
      'AWS::ECR::Repository',
      'AWS::SecretsManager::Secret',
      'AWS::Logs::LogGroup',
    ]) {
      for (const [id, r] of resourcesOf(t(), type)) {
        expect({ id, policy: r.DeletionPolicy }).toEqual({ id, policy: 'Delete' });
      }
    }
    expect(resourcesOf(t(), 'Custom::S3AutoDeleteObjects')).toHaveLength(2);
  });
});

describe('full profile, unprotected', () => {
  const s = (): Synthesized => built.full;
  const t = (): Template => built.full.main;

  it('has a DocumentDB cluster: encrypted, TLS, backups, no deletion protection, no final snapshot', () => {
    const cluster = onlyResource(t(), 'AWS::DocDB::DBCluster');
    expect(cluster.Properties).toMatchObject({
      StorageEncrypted: true,
      DeletionProtection: false,
      BackupRetentionPeriod: 1,
      EngineVersion: '5.0.0',
    });
    expect(cluster.DeletionPolicy).toBe('Delete');
    expect(cluster.UpdateReplacePolicy).toBe('Delete');
    const params = onlyResource(t(), 'AWS::DocDB::DBClusterParameterGroup').Properties;
    expect(params?.Parameters).toMatchObject({ tls: 'enabled' });
    const instances = resourcesOf(t(), 'AWS::DocDB::DBInstance');
    expect(instances).toHaveLength(1);
    expect(instances[0]![1].Properties?.DBInstanceClass).toBe('db.t3.medium');
    const secret = databaseSecret(t());
    expect(secret.Properties?.GenerateSecretString).toBeDefined();
    expect(secret.DeletionPolicy).toBe('Delete');
  });

  it('alarms on the DocumentDB cluster CPUUtilization', () => {
    const [clusterId] = resourcesOf(t(), 'AWS::DocDB::DBCluster')[0]!;
    CdkTemplate.fromJSON(t()).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: `${s().environment.name}: database CPU is high`,
      Namespace: 'AWS/DocDB',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: clusterId } }],
      Threshold: 80,
    });
    const databaseAlarms = resourcesOf(t(), 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties?.Namespace === 'AWS/DocDB',
    );
    expect(databaseAlarms.map(([, a]) => a.Properties?.MetricName)).toEqual(['CPUUtilization']);
  });

  it('exports no database log (DocumentDB would create the log group outside the stack)', () => {
    const cluster = onlyResource(t(), 'AWS::DocDB::DBCluster');
    expect(cluster.Properties?.EnableCloudwatchLogsExports).toBeUndefined();
    const params = onlyResource(t(), 'AWS::DocDB::DBClusterParameterGroup').Properties;
    expect(params?.Parameters).not.toHaveProperty('audit_logs');
  });

  it('opens the database port only to the service tasks', () => {
    const ingress = resourcesOf(t(), 'AWS::EC2::SecurityGroupIngress')
      .map(([, r]) => r.Properties)
      .filter((r) => r?.FromPort === 27017);
    expect(ingress).toHaveLength(1);
    expect(ingress[0]?.SourceSecurityGroupId).toBeDefined();
  });

  it('has one NAT gateway and runs its tasks in private subnets without public IPs', () => {
    expect(resourcesOf(t(), 'AWS::EC2::NatGateway')).toHaveLength(1);
    const svc = service(t());
    expect(JSON.stringify(svc.NetworkConfiguration)).toContain('"AssignPublicIp":"DISABLED"');
    expect(svc.CapacityProviderStrategy).toEqual([{ CapacityProvider: 'FARGATE', Weight: 1 }]);
  });

  it('serves the site through CloudFront only: no site server behind its load balancer', () => {
    expect(
      resourcesOf(t(), 'AWS::Lambda::Function').filter(([id]) => id.startsWith('SiteServer')),
    ).toEqual([]);
    expect(
      resourcesOf(t(), 'AWS::ElasticLoadBalancingV2::TargetGroup').map(
        ([, g]) => g.Properties?.TargetType,
      ),
    ).toEqual(['ip']);
  });

  it('serves the site through CloudFront with OAC, /api/* to the load balancer over HTTPS, security headers', () => {
    const d = onlyResource(t(), 'AWS::CloudFront::Distribution').Properties
      ?.DistributionConfig as Record<string, unknown>;
    expect(d.Aliases).toEqual([s().environment.dnsName]);
    expect(d.ViewerCertificate).toMatchObject({
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    expect(d.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'redirect-to-https',
      ResponseHeadersPolicyId: SECURITY_HEADERS_POLICY,
    });
    const api = (d.CacheBehaviors as Record<string, unknown>[]).find(
      (b) => b.PathPattern === '/api/*',
    );
    expect(api).toMatchObject({ ResponseHeadersPolicyId: SECURITY_HEADERS_POLICY });
    const origins = d.Origins as Record<string, unknown>[];
    expect(origins.find((o) => o.DomainName === `origin.${s().environment.dnsName}`)).toMatchObject(
      {
        CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] },
      },
    );
    expect(origins.some((o) => o.OriginAccessControlId !== undefined)).toBe(true);
    expect(resourcesOf(t(), 'AWS::CloudFront::OriginAccessControl')).toHaveLength(1);
  });

  it('puts the CloudFront certificate in a us-east-1 certificate stack the environment stack depends on', () => {
    const [cert, main] = s().stacks;
    expect(cert?.stackName).toBe(s().environment.stacks.certificate);
    expect(cert?.region).toBe('us-east-1');
    expect(main?.dependencies).toContain(cert);
    const template = s().templates[cert!.stackName]!;
    expect(onlyResource(template, 'AWS::CertificateManager::Certificate').Properties).toMatchObject(
      {
        DomainName: s().environment.dnsName,
        ValidationMethod: 'DNS',
      },
    );
  });

  it('costs at most $0.18/h idle', () => {
    const perHour = Object.values(s().templates).reduce(
      (sum, tpl) => sum + estimateCost(tpl).perHour,
      0,
    );
    expect(perHour).toBeLessThanOrEqual(0.18);
    expect(perHour).toBeGreaterThan(0.15);
  });
});

describe('protected environments keep their data', () => {
  it('full (sandbox): deletion protection, snapshot on delete, retained buckets, termination protection', () => {
    const t = built.protectedFull.main;
    const cluster = onlyResource(t, 'AWS::DocDB::DBCluster');
    expect(cluster.Properties?.DeletionProtection).toBe(true);
    expect(cluster.DeletionPolicy).toBe('Snapshot');
    for (const [, b] of resourcesOf(t, 'AWS::S3::Bucket'))
      expect(b.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(resourcesOf(t, 'Custom::S3AutoDeleteObjects')).toHaveLength(0);
    expect(onlyResource(t, 'AWS::ECR::Repository').DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(databaseSecret(t).DeletionPolicy).toBe('RetainExceptOnCreate');
    for (const stack of built.protectedFull.stacks) expect(stack.terminationProtection).toBe(true);
  });

  it.each(['protectedFull', 'production'] as const)(
    '%s: exports the DocumentDB audit log (authentication and DDL events)',
    (key) => {
      const t = built[key].main;
      expect(
        onlyResource(t, 'AWS::DocDB::DBCluster').Properties?.EnableCloudwatchLogsExports,
      ).toEqual(['audit']);
      expect(
        onlyResource(t, 'AWS::DocDB::DBClusterParameterGroup').Properties?.Parameters,
      ).toMatchObject({ audit_logs: 'enabled', tls: 'enabled' });
    },
  );

  it('production (main): two DocumentDB instances, two NAT gateways, Container Insights, 2-6 tasks', () => {
    const t = built.production.main;
    expect(resourcesOf(t, 'AWS::DocDB::DBInstance')).toHaveLength(2);
    expect(onlyResource(t, 'AWS::DocDB::DBCluster').Properties?.BackupRetentionPeriod).toBe(7);
    expect(resourcesOf(t, 'AWS::EC2::NatGateway')).toHaveLength(2);
    expect(onlyResource(t, 'AWS::ApplicationAutoScaling::ScalableTarget').Properties).toMatchObject(
      {
        MinCapacity: 2,
        MaxCapacity: 6,
      },
    );
    expect(built.production.environment.name).toBe('customer-facing');
  });
});
