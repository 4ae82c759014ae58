import { join } from 'node:path';
import {
  auditTeardown,
  estimateCost,
  estimatePlatformCost,
  modelTimeToReady,
  type CfnTemplate,
  type Config,
} from '@branch-env/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagFindings } from '@branch-env/cdk';
import {
  container,
  multiServiceConfig,
  removeOutdirs,
  resourcesOf,
  synthesize,
  testConfig,
  type Synthesized,
} from './helpers.js';

/** `shared/**` (preview-shared) on the platform's shared cluster of `engine`. */
function onSharedDatabase(engine: 'documentdb' | 'aurora-postgres'): Config {
  const config = testConfig();
  config.accounts.development!.platform!.databases = {
    documentdb: { instanceClass: 'db.t3.medium', instances: 1 },
    auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
  };
  const profile = config.profiles['preview-shared']!;
  config.profiles['preview-shared'] = {
    ...profile,
    database:
      engine === 'documentdb'
        ? { engine, instanceClass: 'db.t3.medium', instances: 1, shared: true }
        : { engine, minCapacity: 0, maxCapacity: 2, autoPauseSeconds: 300, shared: true },
  };
  return config;
}

let aurora: Synthesized;
let docdb: Synthesized;
beforeAll(() => {
  aurora = synthesize('shared/on-aurora', {}, onSharedDatabase('aurora-postgres'));
  docdb = synthesize('shared/on-docdb', {}, onSharedDatabase('documentdb'));
});
afterAll(removeOutdirs);

const ssmParameterDefault = (s: Synthesized, ref: unknown): unknown => {
  const id = (ref as { Ref?: string }).Ref;
  return id === undefined
    ? undefined
    : (s.main as unknown as { Parameters: Record<string, { Default?: string }> }).Parameters[id]
        ?.Default;
};

describe('a shared environment on a shared database', () => {
  it('creates no cluster, instance or subnet group of its own', () => {
    for (const s of [aurora, docdb]) {
      for (const type of [
        'AWS::RDS::DBCluster',
        'AWS::RDS::DBInstance',
        'AWS::DocDB::DBCluster',
        'AWS::DocDB::DBInstance',
        'AWS::RDS::DBSubnetGroup',
        'AWS::DocDB::DBSubnetGroup',
      ]) {
        expect(resourcesOf(s.main, type), type).toEqual([]);
      }
    }
  });

  it("declares Custom::SharedDatabase served by the platform's provisioner, with its own secret and name", () => {
    const [[, resource]] = resourcesOf(aurora.main, 'Custom::SharedDatabase') as [
      [string, { Properties: Record<string, unknown>; DeletionPolicy?: string }],
    ];
    expect(resource.Properties).toMatchObject({
      Engine: 'aurora-postgres',
      EnvironmentName: aurora.environment.name,
      SecretArn: { Ref: expect.stringMatching(/^SharedDatabaseCredentials/) },
    });
    expect(ssmParameterDefault(aurora, resource.Properties.ServiceToken)).toBe(
      '/branch-env-demo/_platform/databases/provisioner-arn',
    );
    // Unprotected: deleting the stack drops the database and the user.
    expect(resource.DeletionPolicy).toBe('Delete');
  });

  it("generates the user's password in the environment's own secret (letters and digits)", () => {
    const [[, secret]] = resourcesOf(aurora.main, 'AWS::SecretsManager::Secret');
    expect(secret!.Properties?.GenerateSecretString).toMatchObject({
      SecretStringTemplate: JSON.stringify({ username: 'env_shared_on_aurora' }),
      GenerateStringKey: 'password',
      ExcludePunctuation: true,
      PasswordLength: 32,
    });
  });

  it('gives the service the endpoint and database name as variables, the credentials as ECS secrets only', () => {
    const api = container(aurora.main, 'api') as {
      Environment: { Name: string; Value: unknown }[];
      Secrets: { Name: string; ValueFrom: unknown }[];
    };
    const env = Object.fromEntries(api.Environment.map((e) => [e.Name, e.Value]));
    expect(env['DATABASE_ENGINE']).toBe('aurora-postgres');
    expect(env['DATABASE_NAME']).toBe('env_shared_on_aurora');
    expect(ssmParameterDefault(aurora, env['DATABASE_ENDPOINT'])).toBe(
      '/branch-env-demo/_platform/databases/aurora-postgres/endpoint',
    );
    expect(api.Secrets.map((s) => s.Name)).toEqual(
      expect.arrayContaining(['DATABASE_USERNAME', 'DATABASE_PASSWORD']),
    );
    expect(JSON.stringify(api.Environment)).not.toMatch(/password/i);
  });

  it("admits its own service group, and only it, to the cluster's group on the cluster port", () => {
    for (const [s, port, engine] of [
      [aurora, 5432, 'aurora-postgres'],
      [docdb, 27017, 'documentdb'],
    ] as const) {
      const rules = resourcesOf(s.main, 'AWS::EC2::SecurityGroupIngress').filter(([id]) =>
        id.startsWith('SharedDatabase'),
      );
      expect(rules).toHaveLength(1);
      const rule = rules[0]![1].Properties!;
      expect(rule).toMatchObject({ IpProtocol: 'tcp', FromPort: port, ToPort: port });
      expect(JSON.stringify(rule['SourceSecurityGroupId'])).toMatch(/ServiceServiceSecurityGroup/);
      expect(rule['CidrIp']).toBeUndefined();
      expect(ssmParameterDefault(s, rule['GroupId'])).toBe(
        `/branch-env-demo/_platform/databases/${engine}/security-group-id`,
      );
    }
  });

  it('admits every service and the jobs of a multi-service app, each by its own rule, and starts every service after the database', () => {
    const config = multiServiceConfig();
    const shared = onSharedDatabase('aurora-postgres');
    config.accounts.development!.platform!.databases =
      shared.accounts.development!.platform!.databases;
    config.profiles['preview-shared'] = shared.profiles['preview-shared']!;
    const multi = synthesize(
      'shared/multi-db',
      {
        configDirectory: join(import.meta.dirname, 'fixtures'),
        serviceImage: undefined,
        siteDirectory: null,
      },
      config,
    );
    const rules = resourcesOf(multi.main, 'AWS::EC2::SecurityGroupIngress').filter(([id]) =>
      id.startsWith('SharedDatabase'),
    );
    // web (primary), api, search, worker, the jobs.
    expect(rules.map(([, r]) => r.Properties!['Description'])).toHaveLength(5);
    for (const [, rule] of rules)
      expect(rule.Properties).toMatchObject({ IpProtocol: 'tcp', FromPort: 5432, ToPort: 5432 });
    expect(JSON.stringify(rules.map(([, r]) => r.Properties!['SourceSecurityGroupId']))).toMatch(
      /Jobs/,
    );
    const [[customId]] = resourcesOf(multi.main, 'Custom::SharedDatabase');
    const services = resourcesOf(multi.main, 'AWS::ECS::Service');
    expect(services).toHaveLength(4);
    for (const [id, service] of services)
      expect([service.DependsOn].flat(), id).toContain(customId);
  }, 120_000);

  it('starts its tasks after the database and user exist', () => {
    const [[, service]] = resourcesOf(aurora.main, 'AWS::ECS::Service');
    const [[customId]] = resourcesOf(aurora.main, 'Custom::SharedDatabase');
    expect([service!.DependsOn].flat()).toContain(customId);
  });

  it('is modelled as a provisioner call (no cluster on its critical path), well within 8 minutes, with no database line in its own cost', () => {
    for (const s of [aurora, docdb]) {
      const model = modelTimeToReady(s.main as unknown as CfnTemplate);
      expect(model.criticalPath.map((p) => p.type)).toContain('Custom::SharedDatabase');
      expect(model.criticalPath.map((p) => p.type).join()).not.toMatch(/DBCluster|DBInstance/);
      expect(model.totalMinutes).toBeLessThanOrEqual(8);
      const cost = estimateCost(s.main as unknown as CfnTemplate);
      expect(cost.lines.map((l) => l.item).join()).not.toMatch(/DocumentDB|Aurora/);
    }
    // The cluster is the platform's, priced once per account.
    const platform = estimatePlatformCost({
      ...docdb.environment.account.platform!,
      databases: { documentdb: { instanceClass: 'db.t3.medium', instances: 1 } },
    });
    expect(platform.lines.map((l) => l.item)).toContain(
      'DocumentDB db.t3.medium instance (shared cluster)',
    );
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement justified, and the teardown audit', () => {
    for (const s of [aurora, docdb]) {
      const findings = nagFindings(s.app);
      expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
      expect(auditTeardown(s.main as unknown as CfnTemplate, { protected: false })).toEqual([]);
    }
  });
});
