import { auditTeardown, preferredPriority, type CfnTemplate } from '@branch-env/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagFindings, SharedEnvironmentStack } from '@branch-env/cdk';
import {
  LISTENER_RULE_RESOURCE_TYPE,
  ruleRequestOf,
  ruleSpecOf,
} from '../src/platform/router/decide.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  container,
  removeOutdirs,
  resourcesOf,
  synthesize,
  tagsOf,
  testConfig,
  type Synthesized,
} from './helpers.js';

const SITE = join(import.meta.dirname, 'fixtures', 'site');

let built: Synthesized;
let onSecond: Synthesized;
let oidc: Synthesized;
let cidr: Synthesized;
let awake: Synthesized;
beforeAll(() => {
  // The config's own service image: on the platform, no asset to fingerprint (docs/images.md).
  built = synthesize('shared/new-login', { serviceImage: undefined, siteDirectory: SITE });
  onSecond = synthesize('shared/second', { listenerRule: { loadBalancer: 1, priority: 4242 } });
  const config = testConfig();
  const profile = config.profiles['preview-shared']!;
  config.profiles['preview-shared'] = {
    ...profile,
    access: {
      mode: 'oidc',
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp.example.com/authorize',
      tokenEndpoint: 'https://idp.example.com/token',
      userInfoEndpoint: 'https://idp.example.com/userinfo',
      clientId: 'previews',
      clientSecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:previews-oidc-AbCdEf',
    },
  };
  oidc = synthesize('shared/private', { siteDirectory: SITE }, config);
  const cidrConfig = testConfig();
  cidrConfig.profiles['preview-shared'] = {
    ...profile,
    access: { mode: 'cidr', cidrs: ['203.0.113.0/24', '198.51.100.7/32'] },
  };
  cidr = synthesize('shared/office', {}, cidrConfig);
  const awakeConfig = testConfig();
  awakeConfig.profiles['preview-shared'] = { ...profile, sleep: false };
  awake = synthesize('shared/awake', {}, awakeConfig);
});
afterAll(removeOutdirs);

const types = (t: { Resources: Record<string, { Type: string }> }): Set<string> =>
  new Set(Object.values(t.Resources).map((r) => r.Type));

const LISTENER =
  'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/branch-env-demo-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2';
const TARGET_GROUP =
  'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/shared-Tg/73e2d6bc24d8a067';

/**
 * The rules the platform's router writes for a synthesized stack: each `Custom::BranchEnvListenerRule`
 * as CloudFormation would send it (the listener and target group resolved to ARNs), through the
 * router's own decisions (platform/router/decide.ts), for the environment of the stack's tag.
 */
function routerRules(s: Synthesized) {
  const settings = {
    app: 'branch-env-demo',
    domain: 'branch-env-dev.example.net',
    listenerArns: [LISTENER],
    wakerTargetGroupArns: [],
  };
  return resourcesOf(s.main, LISTENER_RULE_RESOURCE_TYPE).map(([id, r]) => {
    const props = { ...(r.Properties as Record<string, unknown>) };
    delete props['ServiceToken'];
    const event = {
      RequestType: 'Create' as const,
      ResponseURL: 'https://cloudformation-custom-resource-response.example',
      StackId: 'arn:aws:cloudformation:us-east-1:111111111111:stack/x/1',
      RequestId: 'r',
      LogicalResourceId: id,
      ResourceType: LISTENER_RULE_RESOURCE_TYPE,
      ResourceProperties: { ...props, ListenerArn: LISTENER, TargetGroupArn: TARGET_GROUP },
    };
    const request = ruleRequestOf(event, settings);
    const spec = ruleSpecOf(s.environment.name, request, settings, {
      forwardTo: TARGET_GROUP,
      clientSecret: 'the-secret',
    });
    return { id, properties: r.Properties as Record<string, unknown>, request, spec };
  });
}

describe('a shared (thin) environment stack', () => {
  it('is one stack, built by createEnvironmentApp for a shared profile', () => {
    expect(built.stacks).toHaveLength(1);
    expect(built.stacks[0]).toBeInstanceOf(SharedEnvironmentStack);
    expect(built.environment.profile.isolation).toBe('shared');
  });

  it('creates no VPC, load balancer, listener, certificate, DNS record, cluster or repository', () => {
    const created = types(built.main);
    for (const type of [
      'AWS::EC2::VPC',
      'AWS::EC2::Subnet',
      'AWS::EC2::NatGateway',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      // Rules on the platform's listeners are the router's (Custom::BranchEnvListenerRule).
      'AWS::ElasticLoadBalancingV2::ListenerRule',
      'AWS::CertificateManager::Certificate',
      'AWS::Route53::RecordSet',
      'AWS::ECS::Cluster',
      'AWS::ECR::Repository',
    ]) {
      expect(created.has(type), type).toBe(false);
    }
    for (const type of [
      'AWS::ElasticLoadBalancingV2::TargetGroup',
      LISTENER_RULE_RESOURCE_TYPE,
      'AWS::ECS::Service',
      'AWS::ECS::TaskDefinition',
      'AWS::EC2::SecurityGroup',
      'AWS::Logs::LogGroup',
      'AWS::S3::Bucket',
      'AWS::CloudWatch::Alarm',
      'AWS::SSM::Parameter',
      'AWS::SecretsManager::Secret',
    ]) {
      expect(created.has(type), type).toBe(true);
    }
  });

  it('reads the platform through SSM parameter types (resolved at deploy, no lookup at synth)', () => {
    const parameters = built.main.Parameters as Record<string, { Type: string; Default: string }>;
    const read = Object.values(parameters)
      .filter((p) => p.Type.startsWith('AWS::SSM::Parameter::Value'))
      .filter((p) => !p.Default.startsWith('/cdk-bootstrap/'))
      .map((p) => p.Default)
      .sort();
    // Only what it uses: each is resolved on every deploy (template-parameters.test.ts).
    expect(read).toEqual(
      [
        'cluster/name',
        'load-balancer/0/listener-arn',
        'load-balancer/0/security-group-id',
        'network/task-subnet-ids',
        'network/vpc-id',
        'site-server/role-arn',
      ]
        .map((k) => `/branch-env-demo/_platform/${k}`)
        .sort(),
    );
  });

  it('asks the platform router for a host-header rule for <env>.<domain> and its routes at the claimed priority, forwarding to its target group', () => {
    const rules = routerRules(built);
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule!.properties).toMatchObject({
      ServiceToken: {
        'Fn::Join': [
          '',
          expect.arrayContaining([
            ':lambda:us-east-1:111111111111:function:branch-env-demo-platform-router',
          ]),
        ],
      },
      EnvironmentName: 'shared-new-login',
      Priority: String(preferredPriority(built.environment.name)),
      Revision: expect.any(String),
    });
    // The environment's own target group, and the platform listener from its parameter.
    const targetGroup = (rule!.properties['TargetGroupArn'] as { Ref: string }).Ref;
    expect(built.main.Resources[targetGroup]?.Type).toBe(
      'AWS::ElasticLoadBalancingV2::TargetGroup',
    );
    const listener = (rule!.properties['ListenerArn'] as { Ref: string }).Ref;
    expect((built.main.Parameters as Record<string, { Default: string }>)[listener]?.Default).toBe(
      '/branch-env-demo/_platform/load-balancer/0/listener-arn',
    );
    expect(rule!.spec.conditions).toEqual([
      {
        Field: 'host-header',
        HostHeaderConfig: { Values: ['shared-new-login.branch-env-dev.example.net'] },
      },
      // The site takes the rest, through the platform's default action: no rule of its own.
      { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
    ]);
    expect(rule!.spec.actions).toEqual([
      { Type: 'forward', Order: 1, TargetGroupArn: TARGET_GROUP },
    ]);
    const [second] = routerRules(onSecond);
    expect(second!.request.priority).toBe(4242);
  });

  it('lets its ECS services wait for their rules (a target group must be attached before a service uses it)', () => {
    const [[ruleId]] = resourcesOf(built.main, LISTENER_RULE_RESOURCE_TYPE);
    const services = resourcesOf(built.main, 'AWS::ECS::Service');
    expect(services.length).toBeGreaterThan(0);
    expect(services.some(([, r]) => (r.DependsOn as string[] | undefined)?.includes(ruleId!))).toBe(
      true,
    );
  });

  it('admits traffic to its tasks only from the platform load balancer and adds nothing to the platform group', () => {
    const groups = resourcesOf(built.main, 'AWS::EC2::SecurityGroup');
    expect(groups).toHaveLength(1);
    const [groupId] = groups[0]!;
    expect(groups[0]![1].Properties?.SecurityGroupIngress).toBeUndefined();
    const ingress = resourcesOf(built.main, 'AWS::EC2::SecurityGroupIngress').map(
      ([, r]) => r.Properties!,
    );
    // One rule, on its own group: the service port from the platform load balancer's group.
    expect(ingress).toEqual([
      expect.objectContaining({
        GroupId: { 'Fn::GetAtt': [groupId, 'GroupId'] },
        FromPort: 8080,
        ToPort: 8080,
        SourceSecurityGroupId: { Ref: expect.any(String) },
      }),
    ]);
    const source = (ingress[0]!.SourceSecurityGroupId as { Ref: string }).Ref;
    expect((built.main.Parameters as Record<string, { Default: string }>)[source]?.Default).toBe(
      '/branch-env-demo/_platform/load-balancer/0/security-group-id',
    );
    expect(resourcesOf(built.main, 'AWS::EC2::SecurityGroupEgress')).toEqual([]);
  });

  it('runs its tasks on the platform cluster, on Fargate Spot as the profile says', () => {
    const [[, service]] = resourcesOf(built.main, 'AWS::ECS::Service');
    expect(JSON.stringify(service!.Properties?.Cluster)).toContain('Ref');
    expect(service!.Properties?.CapacityProviderStrategy).toEqual([
      expect.objectContaining({ CapacityProvider: 'FARGATE_SPOT' }),
    ]);
    expect(service!.Properties?.NetworkConfiguration).toMatchObject({
      AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' },
    });
  });

  it('lets its task role touch only its own config-bus prefix, never /<app>/_platform/', () => {
    const policies = JSON.stringify(resourcesOf(built.main, 'AWS::IAM::Policy'));
    expect(policies).toContain('parameter/branch-env-demo/shared-new-login/*');
    expect(policies).not.toContain('_platform');
  });

  it('alarms on its own target group, not on the shared load balancer', () => {
    const alarms = resourcesOf(built.main, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(alarms.some((id) => id.includes('LoadBalancer5xx'))).toBe(false);
    expect(alarms.some((id) => id.includes('Target5xx'))).toBe(true);
  });

  it('has no "no healthy task" alarm when it sleeps (the default), which would go off at every sleep', () => {
    const metrics = (t: Synthesized) =>
      resourcesOf(t.main, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties?.MetricName);
    expect(built.environment.profile.sleep).toBeUndefined();
    expect(metrics(built)).not.toContain('HealthyHostCount');
    expect(metrics(built)).toContain('HTTPCode_Target_5XX_Count');
    expect(metrics(awake)).toContain('HealthyHostCount');
  });

  it("asks the router for the rule's sleep-after tag: the profile's idle minutes, none when it never sleeps", () => {
    const sleepAfter = (t: Synthesized) =>
      resourcesOf(t.main, LISTENER_RULE_RESOURCE_TYPE).map(
        ([, r]) => r.Properties?.['SleepAfterMinutes'],
      );
    expect(sleepAfter(built).length).toBeGreaterThan(0);
    expect(new Set(sleepAfter(built))).toEqual(new Set(['30']));
    expect(sleepAfter(awake).length).toBeGreaterThan(0);
    expect(sleepAfter(awake).every((v) => v === undefined)).toBe(true);
  });

  it('publishes https://<env>.<domain> and the platform repository on its config bus', () => {
    const values = Object.fromEntries(
      resourcesOf(built.main, 'AWS::SSM::Parameter').map(([, r]) => [
        r.Properties?.Name,
        r.Properties?.Value,
      ]),
    );
    expect(values['/branch-env-demo/shared-new-login/api/service-url']).toBe(
      'https://shared-new-login.branch-env-dev.example.net',
    );
    expect(JSON.stringify(values['/branch-env-demo/shared-new-login/ecr-repository'])).toBe(
      JSON.stringify({
        'Fn::Join': [
          '',
          [
            '111111111111.dkr.ecr.us-east-1.',
            { Ref: 'AWS::URLSuffix' },
            '/branch-env-demo-platform/unprotected/services/api',
          ],
        ],
      }),
    );
  });

  it("runs the commit's image from the platform repository of its class, pulled by its execution role only", () => {
    const api = container(built.main, 'api');
    expect(JSON.stringify(api.Image)).toContain(
      '/branch-env-demo-platform/unprotected/services/api:0123456789abcdef0123456789abcdef01234567',
    );
    const pull = resourcesOf(built.main, 'AWS::IAM::Policy')
      .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: any[] }).Statement)
      .find((st) => [st.Action].flat().includes('ecr:BatchGetImage'));
    expect(pull?.Resource).toEqual({
      'Fn::Join': [
        '',
        [
          'arn:',
          { Ref: 'AWS::Partition' },
          ':ecr:us-east-1:111111111111:repository/branch-env-demo-platform/unprotected/services/api',
        ],
      ],
    });
    expect(
      JSON.parse(
        readFileSync(
          join(built.app.outdir, `${built.environment.stacks.main}.assets.json`),
          'utf8',
        ),
      ).dockerImages,
    ).toEqual({});
  });

  it('tags its resources with the environment (so the tag scan after destroy finds what is left)', () => {
    const [[, bucket]] = resourcesOf(built.main, 'AWS::S3::Bucket');
    expect(tagsOf(bucket!)['branch-env:environment']).toBe('shared-new-login');
  });

  it("tags its target group with the environment (the execution role's load-balancing guards allow only its class's tags); the router tags the rule from the stack's own tags", () => {
    const found = resourcesOf(built.main, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(found.length).toBeGreaterThan(0);
    for (const [, r] of found) expect(tagsOf(r)['branch-env:environment']).toBe('shared-new-login');
    const [rule] = routerRules(built);
    expect(rule!.spec.tags).toMatchObject({
      'branch-env:app': 'branch-env-demo',
      'branch-env:environment': 'shared-new-login',
      'branch-env:target-group': TARGET_GROUP,
    });
  });

  it('on a load balancer after the first, adds its own alias record (the wildcard points at the first)', () => {
    const records = resourcesOf(onSecond.main, 'AWS::Route53::RecordSet');
    expect(records).toHaveLength(1);
    expect(records[0]![1].Properties).toMatchObject({
      Name: 'shared-second.branch-env-dev.example.net.',
      Type: 'A',
    });
  });

  it("signs people in through OIDC when the profile asks, the template naming only the client secret's ARN (the router reads it)", () => {
    const [rule] = routerRules(oidc);
    expect(rule!.properties['Access']).toEqual({
      Mode: 'oidc',
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/authorize',
      TokenEndpoint: 'https://idp.example.com/token',
      UserInfoEndpoint: 'https://idp.example.com/userinfo',
      ClientId: 'previews',
      ClientSecretArn: 'arn:aws:secretsmanager:us-east-1:111111111111:secret:previews-oidc-AbCdEf',
    });
    expect(JSON.stringify(oidc.main)).not.toContain(
      'resolve:secretsmanager:arn:aws:secretsmanager:us-east-1:111111111111:secret:previews-oidc',
    );
    expect(rule!.spec.actions.map((a) => a.Type)).toEqual(['authenticate-oidc', 'forward']);
    expect(rule!.spec.actions[0]).toMatchObject({
      AuthenticateOidcConfig: {
        Issuer: 'https://idp.example.com',
        ClientId: 'previews',
        OnUnauthenticatedRequest: 'authenticate',
        ClientSecret: 'the-secret',
      },
    });
  });

  it('uploads its site and lets the platform site server (its role from the platform parameter) read it', () => {
    expect(resourcesOf(built.main, 'Custom::CDKBucketDeployment')).toHaveLength(1);
    const parameters = built.main.Parameters as Record<string, { Default: string }>;
    const [roleParameter] = Object.entries(parameters).find(
      ([, p]) => p.Default === '/branch-env-demo/_platform/site-server/role-arn',
    )!;
    const [siteBucket] = resourcesOf(built.main, 'AWS::S3::Bucket').find(([id]) =>
      id.startsWith('StorageSiteBucket'),
    )!;
    const [[, policy]] = resourcesOf(built.main, 'AWS::S3::BucketPolicy').filter(
      ([, p]) => p.Properties?.Bucket?.Ref === siteBucket,
    );
    const grants = (
      policy!.Properties!.PolicyDocument.Statement as { Sid?: string; Principal: unknown }[]
    ).filter((st) => st.Sid?.startsWith('PlatformSiteServer'));
    expect(grants).toEqual([
      expect.objectContaining({
        Effect: 'Allow',
        Principal: { AWS: { Ref: roleParameter } },
        Action: 's3:GetObject',
        Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [siteBucket, 'Arn'] }, '/*']] },
      }),
      expect.objectContaining({
        Principal: { AWS: { Ref: roleParameter } },
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [siteBucket, 'Arn'] },
      }),
    ]);
    // No site server, target group or listener rule of its own: the platform's default action.
    expect(resourcesOf(built.main, 'AWS::Lambda::Function').map(([id]) => id)).not.toEqual(
      expect.arrayContaining([expect.stringMatching(/^SiteServer/)]),
    );
  });

  it('behind access control, grants the platform site server nothing (its site is not served past the sign-in)', () => {
    const parameters = Object.values(oidc.main.Parameters as Record<string, { Default: string }>);
    expect(parameters.map((p) => p.Default)).not.toContain(
      '/branch-env-demo/_platform/site-server/role-arn',
    );
    expect(JSON.stringify(oidc.main)).not.toContain('PlatformSiteServer');
    // Its catch-all rule keeps the host alone: every request is signed in.
    const [rule] = routerRules(oidc);
    expect(rule!.spec.conditions.map((c) => c.Field)).toEqual(['host-header']);
  });

  it('admits only the allow-listed CIDRs when the profile asks', () => {
    const [rule] = routerRules(cidr);
    expect(rule!.spec.conditions).toEqual(
      expect.arrayContaining([
        { Field: 'source-ip', SourceIpConfig: { Values: ['203.0.113.0/24', '198.51.100.7/32'] } },
      ]),
    );
  });

  it('passes cdk-nag AwsSolutions (every acknowledgement justified) and the teardown audit', () => {
    for (const s of [built, oidc]) {
      const findings = nagFindings(s.app);
      expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
      expect(auditTeardown(s.main as unknown as CfnTemplate, { protected: false })).toEqual([]);
    }
  });
});
