import { App, Validations } from 'aws-cdk-lib';
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import {
  auditTeardown,
  IMAGE_CACHE_TAG,
  parseConfig,
  type Config,
  type CfnTemplate,
} from '@branch-env/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagFindings, PlatformStack } from '@branch-env/cdk';
import { outdir, removeOutdirs, resourcesOf, testConfig, type Template } from './helpers.js';

function platformOf(
  edit: (c: Config) => void = () => {},
  services?: string[],
  jobs?: string[],
): { stack: PlatformStack; template: Template; app: App } {
  const config = structuredClone(testConfig());
  edit(config);
  const account = config.accounts.development!;
  const app = new App({ outdir: outdir(), analyticsReporting: false });
  const stack = new PlatformStack(app, 'Platform', {
    app: config.app,
    account: { key: 'development', ...account },
    services,
    jobs,
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const template = app.synth().getStackByName(stack.stackName).template as Template;
  return { stack, template, app };
}

let base: ReturnType<typeof platformOf>;
beforeAll(() => {
  base = platformOf();
});
afterAll(removeOutdirs);

const parameterValue = (t: Template, name: string): unknown =>
  Object.values(t.Resources).find(
    (r) => r.Type === 'AWS::SSM::Parameter' && r.Properties?.Name === name,
  )?.Properties?.Value;

describe('the account platform stack', () => {
  it('is <app>-platform in the account and region, with termination protection', () => {
    expect(base.stack.stackName).toBe('branch-env-demo-platform');
    expect(base.stack.account).toBe('111111111111');
    expect(base.stack.region).toBe('us-east-1');
    expect(base.stack.terminationProtection).toBe(true);
  });

  it('spans the configured availability zones, not <region>a/b by assumption', () => {
    const { template } = platformOf((c) => {
      c.accounts.development!.platform!.availabilityZones = [
        'us-east-1c',
        'us-east-1d',
        'us-east-1f',
      ];
    });
    const zones = resourcesOf(template, 'AWS::EC2::Subnet').map(
      ([, r]) => r.Properties?.AvailabilityZone,
    );
    expect(new Set(zones)).toEqual(new Set(['us-east-1c', 'us-east-1d', 'us-east-1f']));
    expect(zones).toHaveLength(6);
  });

  it('has no NAT gateway by default and one when configured', () => {
    expect(resourcesOf(base.template, 'AWS::EC2::NatGateway')).toHaveLength(0);
    const { template } = platformOf((c) => (c.accounts.development!.platform!.natGateways = 1));
    expect(resourcesOf(template, 'AWS::EC2::NatGateway')).toHaveLength(1);
  });

  it('runs an ECS cluster with Fargate and Fargate Spot', () => {
    const [[, association]] = resourcesOf(
      base.template,
      'AWS::ECS::ClusterCapacityProviderAssociations',
    ) as [[string, { Properties: Record<string, unknown> }]];
    expect(association.Properties.CapacityProviders).toEqual(['FARGATE', 'FARGATE_SPOT']);
  });

  it('serves HTTPS on a DNS-validated wildcard certificate, redirects HTTP, falls through to the site server', () => {
    const [[, cert]] = resourcesOf(base.template, 'AWS::CertificateManager::Certificate');
    expect(cert!.Properties).toMatchObject({
      DomainName: '*.branch-env-dev.example.net',
      ValidationMethod: 'DNS',
    });
    const listeners = resourcesOf(base.template, 'AWS::ElasticLoadBalancingV2::Listener').map(
      ([, r]) => r.Properties!,
    );
    const https = listeners.find((l) => l.Port === 443)!;
    expect(https.Protocol).toBe('HTTPS');
    // What no environment's rule takes: the site server's Lambda target group (the unknown-host 404
    // is its answer now; test/site-server.test.ts).
    const [[groupId, group]] = resourcesOf(
      base.template,
      'AWS::ElasticLoadBalancingV2::TargetGroup',
    );
    expect(group!.Properties).toMatchObject({
      TargetType: 'lambda',
      Targets: [{ Id: { 'Fn::GetAtt': [expect.stringMatching(/^SiteServerFunction/), 'Arn'] } }],
    });
    expect(https.DefaultActions).toEqual([{ Type: 'forward', TargetGroupArn: { Ref: groupId } }]);
    const http = listeners.find((l) => l.Port === 80)!;
    expect(http.DefaultActions).toEqual([
      {
        Type: 'redirect',
        RedirectConfig: { Port: '443', Protocol: 'HTTPS', StatusCode: 'HTTP_301' },
      },
    ]);
    const [[, lb]] = resourcesOf(base.template, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(lb!.Properties?.Scheme).toBe('internet-facing');
  });

  it("runs one site server that reads only the environments' site-bucket parameters", () => {
    const [[, fn]] = resourcesOf(base.template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('SiteServerFunction'),
    );
    expect(fn!.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Handler: 'index.handler',
      Environment: {
        Variables: {
          APP: 'branch-env-demo',
          DOMAIN: 'branch-env-dev.example.net',
          SITE_BUCKET_KEY: 'storage/site-bucket',
        },
      },
    });
    const policies = resourcesOf(base.template, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('SiteServerRole'),
    );
    expect(policies).toHaveLength(1);
    const statements = policies[0]![1].Properties!.PolicyDocument.Statement as {
      Action: string | string[];
      Resource: unknown;
    }[];
    expect(statements.flatMap((st) => [st.Action].flat()).sort()).toEqual([
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'ssm:GetParameter',
    ]);
    expect(JSON.stringify(statements)).toContain(
      ':ssm:us-east-1:111111111111:parameter/branch-env-demo/*/storage/site-bucket',
    );
    // Load balancers may invoke it from this account's target groups only.
    const [[, permission]] = resourcesOf(base.template, 'AWS::Lambda::Permission');
    expect(permission!.Properties).toMatchObject({
      Principal: 'elasticloadbalancing.amazonaws.com',
      SourceAccount: '111111111111',
      SourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':elasticloadbalancing:us-east-1:111111111111:targetgroup/*',
          ],
        ],
      },
    });
    expect(
      parameterValue(base.template, '/branch-env-demo/_platform/site-server/role-arn'),
    ).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^SiteServerRole/), 'Arn'] });
  });

  it('aliases *.<domain> to the load balancer in the configured zone', () => {
    const records = resourcesOf(base.template, 'AWS::Route53::RecordSet');
    expect(records).toHaveLength(1);
    expect(records[0]![1].Properties).toMatchObject({
      Name: '*.branch-env-dev.example.net.',
      Type: 'A',
      HostedZoneId: 'Z0DEVEXAMPLE00000001',
    });
  });

  it('has a named ECR repository per protection class and service or job: immutable tags but the build cache, a lifecycle rule, kept when the platform goes', () => {
    const { template } = platformOf(undefined, ['api', 'worker'], ['migrate']);
    const named = resourcesOf(template, 'AWS::ECR::Repository').filter(
      ([, r]) => r.Properties?.RepositoryName !== undefined,
    );
    expect(named.map(([, r]) => r.Properties?.RepositoryName).sort()).toEqual([
      'branch-env-demo-platform/protected/jobs/migrate',
      'branch-env-demo-platform/protected/services/api',
      'branch-env-demo-platform/protected/services/worker',
      'branch-env-demo-platform/unprotected/jobs/migrate',
      'branch-env-demo-platform/unprotected/services/api',
      'branch-env-demo-platform/unprotected/services/worker',
    ]);
    for (const [, repo] of named) {
      expect(repo.Properties?.ImageTagMutability).toBe('IMMUTABLE_WITH_EXCLUSION');
      expect(repo.Properties?.ImageTagMutabilityExclusionFilters).toEqual([
        {
          ImageTagMutabilityExclusionFilterType: 'WILDCARD',
          ImageTagMutabilityExclusionFilterValue: IMAGE_CACHE_TAG,
        },
      ]);
      expect(repo.Properties?.LifecyclePolicy).toBeDefined();
      expect(repo.DeletionPolicy).toBe('Retain');
    }
    expect(
      parameterValue(
        template,
        '/branch-env-demo/_platform/repositories/unprotected/services/worker/uri',
      ),
    ).toBeDefined();
    expect(
      parameterValue(
        template,
        '/branch-env-demo/_platform/repositories/protected/jobs/migrate/uri',
      ),
    ).toBeDefined();
  });

  it('keeps the CloudFormation-named repository of earlier versions (the stack policy refuses deleting one), its parameter too (destroy never empties it)', () => {
    const legacy = resourcesOf(base.template, 'AWS::ECR::Repository').filter(
      ([, r]) => r.Properties?.RepositoryName === undefined,
    );
    expect(legacy.map(([id]) => id)).toEqual([
      expect.stringMatching(/^RepositoryapiRepository[0-9A-F]{8}$/),
    ]);
    expect(legacy[0]![1].Properties?.ImageTagMutability).toBe('IMMUTABLE');
    expect(
      parameterValue(base.template, '/branch-env-demo/_platform/repositories/api/uri'),
    ).toBeDefined();
  });

  it('publishes the SSM contract under /<app>/_platform/', () => {
    const names = resourcesOf(base.template, 'AWS::SSM::Parameter').map(
      ([, r]) => r.Properties?.Name as string,
    );
    expect(names.sort()).toEqual(
      [
        'cluster/arn',
        'cluster/name',
        'load-balancer/0/arn',
        'load-balancer/0/dns-name',
        'load-balancer/0/hosted-zone-id',
        'load-balancer/0/listener-arn',
        'load-balancer/0/security-group-id',
        'network/assign-public-ip',
        'network/task-subnet-ids',
        'network/vpc-id',
        'repositories/api/uri',
        'repositories/protected/services/api/uri',
        'repositories/unprotected/services/api/uri',
        'site-server/role-arn',
      ]
        .map((k) => `/branch-env-demo/_platform/${k}`)
        .sort(),
    );
    expect(
      parameterValue(base.template, '/branch-env-demo/_platform/network/assign-public-ip'),
    ).toBe('ENABLED');
  });

  it('lets the load balancer reach only the service port in the VPC, and admits 443/80', () => {
    const [[, sg]] = resourcesOf(base.template, 'AWS::EC2::SecurityGroup').filter(([id]) =>
      id.startsWith('LoadBalancer0SecurityGroup'),
    );
    expect(sg!.Properties?.SecurityGroupEgress).toEqual([
      expect.objectContaining({ FromPort: 8080, ToPort: 8080, IpProtocol: 'tcp' }),
    ]);
    expect(
      (sg!.Properties?.SecurityGroupIngress as { FromPort: number }[]).map((r) => r.FromPort),
    ).toEqual([443, 80]);
  });

  it('carries the app tag but no environment tag (the tag scan after a destroy never finds it)', () => {
    const tagged = Object.values(base.template.Resources).filter((r) =>
      JSON.stringify(r.Properties?.Tags ?? '').includes('branch-env:environment'),
    );
    expect(tagged).toEqual([]);
    expect(JSON.stringify(base.template)).toContain('branch-env:app');
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement justified, and the teardown audit', () => {
    const findings = nagFindings(base.app);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    for (const f of findings) expect(f.reason, f.rule).toMatch(/.{40,}/);
    expect(auditTeardown(base.template as unknown as CfnTemplate, { protected: true })).toEqual([]);
  });

  it('never replaces the VPC, cluster, load balancer, listeners or certificate on an update (more NAT, another load balancer)', () => {
    const { template: changed } = platformOf((c) => {
      c.accounts.development!.platform!.natGateways = 2;
      c.accounts.development!.platform!.loadBalancers = 2;
    });
    expect(resourcesOf(changed, 'AWS::ElasticLoadBalancingV2::LoadBalancer')).toHaveLength(2);
    const diff = fullDiff(base.template, changed);
    const guarded = new Set([
      'AWS::EC2::VPC',
      'AWS::ECS::Cluster',
      'AWS::ElasticLoadBalancingV2::LoadBalancer',
      'AWS::ElasticLoadBalancingV2::Listener',
      'AWS::CertificateManager::Certificate',
      'AWS::Route53::RecordSet',
      'AWS::ECR::Repository',
    ]);
    const touched: string[] = [];
    diff.resources.forEachDifference((logicalId, change) => {
      const type = change.oldResourceType ?? change.newResourceType ?? '';
      if (!guarded.has(type)) return;
      touched.push(
        `${logicalId} ${type} ${ResourceImpact[change.changeImpact] ?? change.changeImpact}`,
      );
      expect(change.isRemoval, logicalId).toBe(false);
      expect(
        [ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY],
        `${logicalId} ${change.changeImpact}`,
      ).not.toContain(change.changeImpact);
    });
    // The second load balancer and its listeners are additions; nothing of the first changes.
    expect(
      touched.every((t) => /LoadBalancer1/.test(t)),
      touched.join('\n'),
    ).toBe(true);
    expect(touched.length).toBeGreaterThan(0);
  });

  it('updates a platform of before the site server in place: the listener keeps its identity', () => {
    // The platform as it was: a fixed 404 as the HTTPS listener's default action, no site server.
    const before = structuredClone(base.template);
    for (const [id, r] of Object.entries(before.Resources)) {
      if (r.Type === 'AWS::ElasticLoadBalancingV2::Listener' && r.Properties?.Port === 443)
        r.Properties.DefaultActions = [
          {
            Type: 'fixed-response',
            FixedResponseConfig: {
              StatusCode: '404',
              ContentType: 'text/plain',
              MessageBody: 'No environment answers at this name.',
            },
          },
        ];
      if (id.startsWith('SiteServer')) delete before.Resources[id];
    }
    const impacts: string[] = [];
    fullDiff(before, base.template).resources.forEachDifference((logicalId, change) => {
      if (change.isAddition) return;
      impacts.push(`${logicalId} ${ResourceImpact[change.changeImpact] ?? change.changeImpact}`);
      expect(
        [ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY],
        logicalId,
      ).not.toContain(change.changeImpact);
    });
    expect(impacts).toEqual([expect.stringMatching(/^LoadBalancer0Https\w+ /)]);
  });

  it('fails for an account without platform zones', () => {
    expect(() =>
      platformOf((c) => {
        delete c.accounts.development!.platform;
      }),
    ).toThrow(/has no platform availability zones/);
  });
});

// The repository config parses: the platform block is real config, not a test fixture.
it('the repository development account has a platform block', () => {
  expect(parseConfig(structuredClone(testConfig())).accounts.development?.platform).toBeDefined();
});
