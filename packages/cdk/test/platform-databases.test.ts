import { App, Validations } from 'aws-cdk-lib';
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import {
  auditTeardown,
  physicalNameProblems,
  type CfnTemplate,
  type Config,
} from '@branch-env/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nagFindings, PlatformStack, platformStackPolicy } from '@branch-env/cdk';
import { outdir, removeOutdirs, resourcesOf, testConfig, type Template } from './helpers.js';

/** The platform with both shared database clusters (one synthesis shared by the file). */
function platformOf(edit: (c: Config) => void = () => {}) {
  const config = structuredClone(testConfig());
  config.accounts.development!.platform!.databases = {
    documentdb: { instanceClass: 'db.t3.medium', instances: 1 },
    auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
  };
  edit(config);
  const app = new App({ outdir: outdir(), analyticsReporting: false });
  const stack = new PlatformStack(app, 'Platform', {
    app: config.app,
    account: { key: 'development', ...config.accounts.development! },
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

const one = (t: Template, type: string) => {
  const found = resourcesOf(t, type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
};
const parameter = (t: Template, name: string) =>
  Object.values(t.Resources).find(
    (r) => r.Type === 'AWS::SSM::Parameter' && r.Properties?.Name === name,
  )?.Properties?.Value;

describe('the platform with shared databases', () => {
  it('runs an encrypted, protected DocumentDB cluster with TLS required and an explicit valid identifier', () => {
    const [, cluster] = one(base.template, 'AWS::DocDB::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: 'branch-env-demo-platform-docdb',
      StorageEncrypted: true,
      DeletionProtection: true,
      Port: 27017,
      EnableCloudwatchLogsExports: ['audit'],
    });
    expect(cluster.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(cluster.UpdateReplacePolicy).toBe('Retain');
    const [, params] = one(base.template, 'AWS::DocDB::DBClusterParameterGroup');
    expect(params.Properties?.Parameters).toMatchObject({ tls: 'enabled' });
    const [, instance] = one(base.template, 'AWS::DocDB::DBInstance');
    for (const id of [
      cluster.Properties?.DBClusterIdentifier,
      instance.Properties?.DBInstanceIdentifier,
      params.Properties?.Name,
    ]) {
      expect(physicalNameProblems('databaseIdentifier', String(id)), String(id)).toEqual([]);
      expect(String(id)).not.toContain('--');
    }
  });

  it('runs an encrypted, protected Aurora PostgreSQL Serverless v2 cluster that pauses at 0 ACU', () => {
    const [, cluster] = one(base.template, 'AWS::RDS::DBCluster');
    expect(cluster.Properties).toMatchObject({
      DBClusterIdentifier: 'branch-env-demo-platform-aurora',
      Engine: 'aurora-postgresql',
      StorageEncrypted: true,
      DeletionProtection: true,
      Port: 5432,
      ServerlessV2ScalingConfiguration: {
        MinCapacity: 0,
        MaxCapacity: 2,
        SecondsUntilAutoPause: 300,
      },
    });
    expect(cluster.DeletionPolicy).toBe('RetainExceptOnCreate');
    expect(cluster.Properties?.EnableHttpEndpoint).toBeUndefined();
    const [, writer] = one(base.template, 'AWS::RDS::DBInstance');
    expect(writer.Properties?.DBInstanceIdentifier).toBe('branch-env-demo-platform-aurora-writer');
    expect(
      physicalNameProblems('databaseIdentifier', 'branch-env-demo-platform-aurora-writer'),
    ).toEqual([]);
  });

  it('keeps the master credentials in platform secrets named under <app>-platform', () => {
    const names = resourcesOf(base.template, 'AWS::SecretsManager::Secret').map(
      ([, s]) => s.Properties?.Name,
    );
    expect(names.sort()).toEqual([
      'branch-env-demo-platform/databases/aurora-postgres/master',
      'branch-env-demo-platform/databases/documentdb/master',
    ]);
  });

  it('puts the clusters in the private subnets, each behind its own security group that admits only the executor', () => {
    for (const type of ['AWS::DocDB::DBSubnetGroup', 'AWS::RDS::DBSubnetGroup']) {
      const [, group] = one(base.template, type);
      const ids = JSON.stringify(group.Properties?.SubnetIds);
      expect(ids).toMatch(/privateSubnet1/);
      expect(ids).not.toMatch(/publicSubnet/);
    }
    const ingress = resourcesOf(base.template, 'AWS::EC2::SecurityGroupIngress').filter(([id]) =>
      id.startsWith('Databases'),
    );
    expect(ingress.map(([, r]) => r.Properties?.FromPort).sort()).toEqual([27017, 5432]);
    for (const [, r] of ingress) {
      expect(JSON.stringify(r.Properties?.SourceSecurityGroupId)).toMatch(/ExecutorSecurityGroup/);
    }
    const groups = resourcesOf(base.template, 'AWS::EC2::SecurityGroup').filter(([id]) =>
      /Databases(DocumentDb|AuroraPostgres)SecurityGroup/.test(id),
    );
    expect(groups).toHaveLength(2);
    for (const [, g] of groups) {
      expect(g.Properties?.SecurityGroupIngress).toBeUndefined();
      expect(JSON.stringify(g.Properties?.SecurityGroupEgress)).toMatch(/255\.255\.255\.255/);
    }
  });

  it('runs the executor in the VPC (egress to the cluster ports only) and the provisioner outside it', () => {
    const functions = resourcesOf(base.template, 'AWS::Lambda::Function').filter(([id]) =>
      id.startsWith('Databases'),
    );
    const executor = functions.find(([id]) => id.startsWith('DatabasesExecutor'))![1];
    const provisioner = functions.find(([id]) => id.startsWith('DatabasesProvisioner'))![1];
    expect(executor.Properties?.VpcConfig).toBeDefined();
    expect(provisioner.Properties?.VpcConfig).toBeUndefined();
    expect(provisioner.Properties?.Environment).toMatchObject({
      Variables: { APP: 'branch-env-demo', ENGINES: 'documentdb,aurora-postgres' },
    });
    // No credential in a function's environment: only secret ARNs.
    expect(JSON.stringify(provisioner.Properties?.Environment)).not.toMatch(/password/i);
    const egress = resourcesOf(base.template, 'AWS::EC2::SecurityGroupEgress').filter(([id]) =>
      id.startsWith('DatabasesExecutor'),
    );
    expect(egress.map(([, r]) => r.Properties?.FromPort).sort()).toEqual([27017, 5432]);
  });

  it('lets the provisioner read only the master secrets and secrets of the app’s environments, and describe only the app’s stacks', () => {
    const policies = resourcesOf(base.template, 'AWS::IAM::Policy').filter(([id]) =>
      id.startsWith('DatabasesProvisionerRole'),
    );
    const statements = policies.flatMap(
      ([, p]) =>
        (p.Properties?.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement,
    );
    const text = JSON.stringify(statements);
    expect(text).toContain('stack/branch-env-demo-*/*');
    const envSecrets = statements.find((s) => s['Sid'] === 'EnvironmentSecrets');
    expect(envSecrets?.['Condition']).toEqual({
      StringEquals: { 'secretsmanager:ResourceTag/branch-env:app': 'branch-env-demo' },
      Null: { 'secretsmanager:ResourceTag/branch-env:environment': 'false' },
    });
    expect(text).toContain('lambda:InvokeFunction');
    expect(statements.some((s) => s['Resource'] === '*' && s['Effect'] === 'Allow')).toBe(false);
  });

  it('publishes endpoints, security groups and the provisioner under the platform prefix', () => {
    const prefix = '/branch-env-demo/_platform/databases/';
    for (const key of [
      'documentdb/endpoint',
      'documentdb/security-group-id',
      'aurora-postgres/endpoint',
      'aurora-postgres/security-group-id',
      'provisioner-arn',
    ]) {
      expect(parameter(base.template, `${prefix}${key}`), key).toBeDefined();
    }
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement justified, and the teardown audit', () => {
    const findings = nagFindings(base.app);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    for (const f of findings) expect(f.reason, f.rule).toMatch(/.{40,}/);
    expect(auditTeardown(base.template as unknown as CfnTemplate, { protected: true })).toEqual([]);
  });

  it('never replaces a cluster, its instances or its secret on an update (sizes, NAT, another load balancer)', () => {
    const { template: changed } = platformOf((c) => {
      const p = c.accounts.development!.platform!;
      p.natGateways = 1;
      p.loadBalancers = 2;
      p.databases = {
        documentdb: { instanceClass: 'db.r6g.large', instances: 2 },
        auroraPostgres: { minCapacity: 0.5, maxCapacity: 8 },
      };
    });
    const diff = fullDiff(base.template, changed);
    const guarded = new Set([
      'AWS::DocDB::DBCluster',
      'AWS::RDS::DBCluster',
      'AWS::SecretsManager::Secret',
      'AWS::DocDB::DBSubnetGroup',
      'AWS::RDS::DBSubnetGroup',
    ]);
    const touched: string[] = [];
    diff.resources.forEachDifference((logicalId, change) => {
      const type = change.oldResourceType ?? change.newResourceType ?? '';
      if (!guarded.has(type) && !(type === 'AWS::DocDB::DBInstance' && !change.isAddition)) return;
      touched.push(`${logicalId} ${ResourceImpact[change.changeImpact] ?? change.changeImpact}`);
      expect(change.isRemoval, logicalId).toBe(false);
      expect(
        [ResourceImpact.WILL_REPLACE, ResourceImpact.MAY_REPLACE, ResourceImpact.WILL_DESTROY],
        `${logicalId} ${change.changeImpact}`,
      ).not.toContain(change.changeImpact);
    });
    expect(touched.length, 'the size change reaches the clusters').toBeGreaterThan(0);
  });

  it("has bootstrap's stack policy refuse any update that would replace a cluster, an instance or a secret", () => {
    const replace = platformStackPolicy().Statement.find(
      (s) => s.Effect === 'Deny' && s.Action === 'Update:Replace',
    );
    expect(replace?.Condition?.StringEquals.ResourceType).toEqual(
      expect.arrayContaining([
        'AWS::DocDB::DBCluster',
        'AWS::DocDB::DBInstance',
        'AWS::RDS::DBCluster',
        'AWS::RDS::DBInstance',
        'AWS::SecretsManager::Secret',
      ]),
    );
  });
});
