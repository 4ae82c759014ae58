import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template as CdkTemplate } from 'aws-cdk-lib/assertions';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTeardown, UserError, type ResolvedEnvironment } from '@branch-env/core';
import {
  checkEnvironment,
  ConfigBus,
  createEnvironmentApp,
  ENVIRONMENT_CHECKS,
  nagFindings,
  physicalNames,
  Web,
} from '@branch-env/cdk';
import {
  container,
  environmentOf,
  onlyResource,
  resourcesOf,
  synthesize,
  type Synthesized,
  outdir,
  removeOutdirs,
  testConfig,
} from './helpers.js';

const built = {} as Record<'aurora' | 'bare' | 'europe' | 'noSite' | 'europeAsset', Synthesized>;

beforeAll(() => {
  built.aurora = synthesize('aurora/reports');
  built.bare = synthesize('bare/spike');
  built.europe = synthesize('europe/launch');
  built.noSite = synthesize('feature/no-site', { siteDirectory: null, serviceImage: undefined });
  built.europeAsset = synthesize('europe/asset', { siteDirectory: null, serviceImage: undefined });
});
afterAll(removeOutdirs);

describe.each(['aurora', 'bare', 'europe', 'noSite'] as const)('variant %s', (key) => {
  it('has no open cdk-nag finding and no teardown blocker', () => {
    expect(nagFindings(built[key].app).filter((f) => !f.acknowledged)).toEqual([]);
    for (const t of Object.values(built[key].templates)) {
      expect(auditTeardown(t, { protected: false })).toEqual([]);
    }
  });

  it('gives every Lambda function a log group of its own stack and no VPC', () => {
    for (const t of Object.values(built[key].templates)) {
      for (const [, fn] of resourcesOf(t, 'AWS::Lambda::Function')) {
        const ref = (fn.Properties?.LoggingConfig as { LogGroup?: { Ref?: string } })?.LogGroup
          ?.Ref;
        expect(t.Resources[ref ?? '']?.Type).toBe('AWS::Logs::LogGroup');
        expect(fn.Properties?.VpcConfig).toBeUndefined();
      }
    }
  });
});

describe('aurora-postgres engine', () => {
  it('is Aurora PostgreSQL Serverless v2 that scales to 0 ACU and pauses after 300 s', () => {
    const t = built.aurora.main;
    const cluster = onlyResource(t, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: false,
      ServerlessV2ScalingConfiguration: {
        MinCapacity: 0,
        MaxCapacity: 2,
        SecondsUntilAutoPause: 300,
      },
      Port: 5432,
    });
    expect(cluster.DeletionPolicy).toBe('Delete');
    expect(
      resourcesOf(t, 'AWS::RDS::DBInstance').map(([, i]) => i.Properties?.DBInstanceClass),
    ).toEqual(['db.serverless']);
    const ingress = resourcesOf(t, 'AWS::EC2::SecurityGroupIngress').filter(
      ([, r]) => r.Properties?.FromPort === 5432,
    );
    expect(ingress).toHaveLength(1);
    const env = container(t, 'api').Environment as { Name: string; Value: unknown }[];
    expect(env).toContainEqual({ Name: 'DATABASE_ENGINE', Value: 'aurora-postgres' });
    expect(env).toContainEqual({ Name: 'DATABASE_NAME', Value: 'app' });
    expect(cluster.Properties?.DatabaseName).toBe('app');
  });
});

describe('database CPU alarm', () => {
  it('alarms on the Aurora cluster CPUUtilization, not another of its charted metrics', () => {
    const t = built.aurora.main;
    const [clusterId] = resourcesOf(t, 'AWS::RDS::DBCluster')[0]!;
    CdkTemplate.fromJSON(t).hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmDescription: 'aurora-reports: database CPU is high',
      Namespace: 'AWS/RDS',
      MetricName: 'CPUUtilization',
      Dimensions: [{ Name: 'DBClusterIdentifier', Value: { Ref: clusterId } }],
      Threshold: 80,
    });
    const databaseAlarms = resourcesOf(t, 'AWS::CloudWatch::Alarm').filter(
      ([, a]) => a.Properties?.Namespace === 'AWS/RDS',
    );
    expect(databaseAlarms.map(([, a]) => a.Properties?.MetricName)).toEqual(['CPUUtilization']);
  });
});

describe('no database, no CloudFront, no custom domain (development only)', () => {
  it('serves plain HTTP on the load balancer name, has no DNS, certificate or distribution', () => {
    const s = built.bare;
    expect(s.environment.dnsName).toBeUndefined();
    expect(s.stacks).toHaveLength(1);
    expect(resourcesOf(s.main, 'AWS::Route53::RecordSet')).toHaveLength(0);
    expect(resourcesOf(s.main, 'AWS::CertificateManager::Certificate')).toHaveLength(0);
    expect(resourcesOf(s.main, 'AWS::CloudFront::Distribution')).toHaveLength(0);
    const listener = onlyResource(s.main, 'AWS::ElasticLoadBalancingV2::Listener').Properties;
    expect(listener).toMatchObject({ Port: 80, Protocol: 'HTTP' });
    const url = resourcesOf(s.main, 'AWS::SSM::Parameter').find(([, p]) =>
      String(p.Properties?.Name).endsWith('/api/service-url'),
    );
    expect(JSON.stringify(url?.[1].Properties?.Value)).toContain('http://');
    expect(JSON.stringify(url?.[1].Properties?.Value)).toContain('DNSName');
    const api = container(s.main, 'api');
    expect(api.Secrets).toBeUndefined();
    expect(api.Environment).toContainEqual({ Name: 'DATABASE_ENGINE', Value: 'memory' });
    const endpoint = resourcesOf(s.main, 'AWS::SSM::Parameter').find(([, p]) =>
      String(p.Properties?.Name).endsWith('/database/endpoint'),
    );
    expect(endpoint?.[1].Properties?.Value).toBe('none');
  });
});

describe('environment outside us-east-1 with CloudFront', () => {
  it('publishes the certificate ARN in us-east-1 and reads it with a logged custom resource, not an export', () => {
    const s = built.europe;
    const [cert, main] = s.stacks;
    expect(cert?.region).toBe('us-east-1');
    expect(main?.region).toBe('eu-west-1');
    const certTemplate = s.templates[cert!.stackName]!;
    const param = onlyResource(certTemplate, 'AWS::SSM::Parameter').Properties;
    expect(param?.Name).toBe(`${s.environment.ssmPrefix}domain/cloudfront-certificate-arn`);
    expect(JSON.stringify(s.main)).not.toContain('Fn::ImportValue');
    const reader = resourcesOf(s.main, 'Custom::AWS').find(([id]) =>
      id.startsWith('CloudFrontCertificateArn'),
    )?.[1].Properties;
    expect(JSON.stringify(reader)).toContain('us-east-1');
    const subnets = resourcesOf(s.main, 'AWS::EC2::Subnet').map(
      ([, r]) => r.Properties?.AvailabilityZone,
    );
    expect(new Set(subnets)).toEqual(new Set(['eu-west-1a', 'eu-west-1b']));
  });
});

describe('site content', () => {
  it('uploads the built site when it exists and synthesizes without it', () => {
    const withSite = built.aurora.main;
    const without = built.noSite.main;
    const uploads = (t: typeof without): number =>
      resourcesOf(t, 'Custom::CDKBucketDeployment').length;
    expect(uploads(without)).toBe(0);
    expect(resourcesOf(without, 'AWS::S3::Bucket')).toHaveLength(2);
    // apps/web/dist is built by `npm run build` before the tests run; without it there is no upload.
    const webDist = join(import.meta.dirname, '..', '..', '..', 'apps', 'web', 'dist');
    let exists = true;
    try {
      readFileSync(join(webDist, 'index.html'));
    } catch {
      exists = false;
    }
    expect(uploads(withSite)).toBe(exists ? 1 : 0);
  });

  it('builds the service image from apps/api/Dockerfile with the repository root as context (an account without a platform: a CDK image asset)', () => {
    const outdir = built.europeAsset.app.outdir;
    const manifest = JSON.parse(
      readFileSync(
        join(outdir, `${built.europeAsset.environment.stacks.main}.assets.json`),
        'utf8',
      ),
    ) as { dockerImages: Record<string, { source: Record<string, unknown> }> };
    const images = Object.values(manifest.dockerImages);
    expect(images).toHaveLength(1);
    expect(images[0]!.source).toMatchObject({
      dockerFile: 'apps/api/Dockerfile',
      platform: 'linux/arm64',
    });
  });

  it("runs the commit's image from the platform's repository where the account has a platform: no asset (docs/images.md)", () => {
    const { app, environment, main } = built.noSite;
    const manifest = JSON.parse(
      readFileSync(join(app.outdir, `${environment.stacks.main}.assets.json`), 'utf8'),
    ) as { dockerImages: Record<string, unknown> };
    expect(manifest.dockerImages).toEqual({});
    expect(JSON.stringify(container(main, 'api').Image)).toContain(
      '/branch-env-demo-platform/unprotected/services/api:0123456789abcdef0123456789abcdef01234567',
    );
  });
});

/** The preview environment with some profile fields replaced (bypassing config validation). */
function previewWith(
  changes: Partial<ResolvedEnvironment['profile']>,
  isProtected = false,
): ResolvedEnvironment {
  const env = environmentOf('feature/checks');
  return { ...env, protected: isProtected, profile: { ...env.profile, ...changes } };
}

describe('environment checks', () => {
  const env = environmentOf('feature/checks');

  it('passes every configured environment', () => {
    expect(() => checkEnvironment(env)).not.toThrow();
    expect(ENVIRONMENT_CHECKS.map((c) => c.id)).toEqual([
      'sidecar-single-task',
      'protected-keeps-data',
      'tasks-run',
      'cloudfront-certificate-stack',
    ]);
  });

  it('fails when a mongodb-container profile allows more than one task', () => {
    const bad = previewWith({ task: { ...env.profile.task, maxTasks: 3 } });
    expect(() => checkEnvironment(bad)).toThrow(UserError);
    expect(() => checkEnvironment(bad)).toThrow(
      /mongodb-container keeps its data inside one task, but task.maxTasks is 3/,
    );
  });

  it('fails when a protected environment keeps its database in a container', () => {
    expect(() => checkEnvironment(previewWith({}, true))).toThrow(
      /is protected \(rules\[\d+\]\) but its profile 'preview' uses mongodb-container/,
    );
  });

  it('fails with every problem in one error, each with its fix', () => {
    const bad = previewWith({ task: { ...env.profile.task, minTasks: 4, maxTasks: 2 } }, true);
    try {
      checkEnvironment(bad);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UserError);
      const e = error as UserError;
      expect(e.message.split('\n').filter((l) => l.startsWith('  - '))).toHaveLength(3);
      expect(e.fix).toContain('set task.maxTasks (and task.minTasks) to 1');
      expect(e.fix).toContain('make task.maxTasks at least task.minTasks');
    }
  });

  it('fails when a CloudFront custom domain has no certificate stack', () => {
    const full = environmentOf('full/checks');
    const bad = { ...full, stacks: { main: full.stacks.main } };
    expect(() => checkEnvironment(bad)).toThrow(
      /serves .* on CloudFront but names no certificate stack/,
    );
  });
});

describe('compliance gate', () => {
  it('fails synthesis when a resource breaks an AwsSolutions rule nobody acknowledged', () => {
    const environment = environmentOf('feature/gate');
    const { app, stacks } = createEnvironmentApp({
      environment,
      validate: false,
      outdir: outdir(),
      serviceImage: { directory: join(import.meta.dirname, 'fixtures', 'service') },
    });
    new s3.CfnBucket(stacks[0]!, 'UnencryptedLooseBucket', {});
    expect(() => app.synth()).toThrow(/The S3 Bucket has server access logs disabled/);
    const open = nagFindings(app).filter((f) => !f.acknowledged);
    expect(open.map((f) => f.rule)).toEqual(
      expect.arrayContaining(['AwsSolutions-S1', 'AwsSolutions-S10']),
    );
    expect(new Set(open.map((f) => f.resource))).toEqual(
      new Set([`${environment.stacks.main}/UnencryptedLooseBucket`]),
    );
  });
});

describe('building blocks', () => {
  it('attaches a given WAF web ACL to the distribution, and none by default', () => {
    // Without aws-cdk-lib's template validation (~3 s): only the distribution's config matters.
    const stack = new Stack(new App({ builtinCloudFormationValidation: false }), 'Test', {
      env: { account: '111111111111', region: 'us-east-1' },
    });
    const siteBucket = new s3.Bucket(stack, 'Site');
    const webAclArn = 'arn:aws:wafv2:us-east-1:111111111111:global/webacl/shared/0123';
    const withAcl = new Web(stack, 'WithAcl', {
      siteBucket,
      apiOriginDomainName: 'origin.example.com',
      apiOriginHttps: true,
      webAclArn,
    });
    const without = new Web(stack, 'Without', {
      siteBucket,
      apiOriginDomainName: 'origin.example.com',
      apiOriginHttps: true,
    });
    expect([withAcl.webAclArn, without.webAclArn]).toEqual([webAclArn, undefined]);
    const configs = CdkTemplate.fromStack(stack).findResources('AWS::CloudFront::Distribution');
    expect(
      Object.values(configs).map(
        (d) => (d.Properties.DistributionConfig as { WebACLId?: string }).WebACLId,
      ),
    ).toEqual([webAclArn, undefined]);
  });

  it('has no "no healthy task" alarm for a parked environment (minTasks 0), which would sit in ALARM', () => {
    const base = testConfig();
    const bare = base.profiles['bare']!;
    const config = {
      ...base,
      profiles: { ...base.profiles, bare: { ...bare, task: { ...bare.task, minTasks: 0 } } },
    };
    const metrics = (t: Synthesized) =>
      resourcesOf(t.main, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties?.MetricName);
    expect(metrics(built.bare)).toContain('HealthyHostCount');
    expect(metrics(synthesize('bare/parked', {}, config))).not.toContain('HealthyHostCount');
  });

  it("attaches the profile's web ACL, and then needs no CFR2 acknowledgement", () => {
    const webAclArn =
      'arn:aws:wafv2:us-east-1:111111111111:global/webacl/shared/0a1b2c3d-0000-0000-0000-000000000000';
    const base = testConfig();
    const config = {
      ...base,
      profiles: { ...base.profiles, full: { ...base.profiles['full']!, webAclArn } },
    };
    const s = synthesize('full/waf', {}, config);
    const distribution = onlyResource(s.main, 'AWS::CloudFront::Distribution').Properties ?? {};
    expect((distribution.DistributionConfig as { WebACLId?: string }).WebACLId).toBe(webAclArn);
    expect(nagFindings(s.app).filter((f) => f.rule === 'AwsSolutions-CFR2')).toEqual([]);
  });

  it('acknowledges CFR2 (no WAF) with a reason that names the way to attach one', () => {
    const cfr2 = nagFindings(built.aurora.app).filter((f) => f.rule === 'AwsSolutions-CFR2');
    expect(cfr2).toHaveLength(1);
    expect(cfr2[0]).toMatchObject({
      acknowledged: true,
      reason: expect.stringContaining('webAclArn'),
    });
  });

  it('fails when the config bus misses a stack key', () => {
    const stack = new Stack(new App(), 'Test');
    expect(
      () => new ConfigBus(stack, 'Bus', { prefix: '/a/b/', values: { profile: 'x' } }),
    ).toThrow(/config bus values missing: api\/service-url: no value; ecr-repository: no value/);
  });

  it('fits the physical names of the longest environment name the budget allows', () => {
    const env = environmentOf(`feature/${'x'.repeat(200)}`);
    const names = physicalNames(env);
    expect(names.dashboard).toBe(`${env.app}-${env.name}`);
    expect(names.serviceLogGroup).toBe(`/${env.app}/${env.name}/service/api`);
    expect(`${names.dnsName}`.length).toBeLessThanOrEqual(253);
    expect(env.name.length).toBeLessThanOrEqual(63);
  });

  it('fails (a bug) when a physical name breaks its AWS limit', () => {
    const env = environmentOf('feature/limits');
    expect(() => physicalNames({ ...env, name: 'a'.repeat(300) })).toThrow(
      /bug: physical names of 'a+' break AWS limits: CloudWatch dashboard '.*' is longer than 255/,
    );
  });
});
