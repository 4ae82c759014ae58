import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  auditTeardown,
  BLOCKER_KINDS,
  effectiveDeletionPolicy,
  type BlockerKind,
} from '../src/private/analysis/teardown-audit.js';
import type { CfnTemplate } from '../src/private/analysis/template.js';

const FIXTURES = new URL('./fixtures/templates/', import.meta.url);
const load = (name: string): CfnTemplate =>
  JSON.parse(readFileSync(new URL(name, FIXTURES), 'utf8')) as CfnTemplate;

/** `logicalId kind` of each blocker, sorted, so a table row states the exact expected findings. */
const found = (template: CfnTemplate, isProtected: boolean): string[] =>
  auditTeardown(template, { protected: isProtected })
    .map((b) => `${b.logicalId} ${b.kind}`)
    .sort();

// Every fixture and exactly what the audit must report on it ("x2" = two reasons, e.g. both
// DeletionPolicy and UpdateReplacePolicy).
const CASES: { file: string; protected: boolean; expected: string[] }[] = [
  {
    file: 'bad-retained.json',
    protected: false,
    expected: ['Key retained', 'Key retained', 'Parameter retained', 'Topic retained'],
  },
  {
    file: 'bad-deletion-protection.json',
    protected: false,
    expected: [
      'Alb deletion-protection',
      'Aurora deletion-protection',
      'DocDb deletion-protection',
      'Guarded deletion-protection',
      'Table deletion-protection',
    ],
  },
  {
    file: 'bad-final-snapshot.json',
    protected: false,
    expected: [
      'AuroraDefault final-snapshot',
      'DocDb final-snapshot',
      'DocDb final-snapshot',
      'Standalone final-snapshot',
    ],
  },
  { file: 'bad-bucket-not-emptied.json', protected: false, expected: ['Data bucket-not-emptied'] },
  {
    file: 'bad-repository-not-emptied.json',
    protected: false,
    expected: ['Repository repository-not-emptied'],
  },
  {
    file: 'bad-orphan-log-group.json',
    protected: false,
    expected: [
      'Cluster orphan-log-group',
      'Elsewhere orphan-log-group',
      'Kept orphan-log-group',
      'Kept orphan-log-group',
      'Plain orphan-log-group',
      'Provider orphan-log-group',
      'Task orphan-log-group',
    ],
  },
  { file: 'bad-lambda-at-edge.json', protected: false, expected: ['Distribution lambda-at-edge'] },
  { file: 'bad-lambda-in-vpc.json', protected: false, expected: ['InVpc lambda-in-vpc'] },
  {
    file: 'bad-secret-retained.json',
    protected: false,
    expected: ['Secret secret-retained', 'Secret secret-retained'],
  },
  { file: 'bad-backup-vault.json', protected: false, expected: ['Vault backup-vault'] },
  {
    // Near-misses: an Aurora instance (its cluster exports), an empty list, and a cluster whose
    // exported log group the template owns under its literal identifier.
    file: 'bad-database-log-export.json',
    protected: false,
    expected: [
      'Aurora database-log-export',
      'Conditional database-log-export',
      'DocDb database-log-export',
      'DocDb database-log-export',
      'Standalone database-log-export',
    ],
  },
  {
    // Real `cdk synth` output (aws-cdk-lib 2.276) with CDK's defaults left in.
    file: 'bad-cdk-defaults.json',
    protected: false,
    expected: [
      'BadC4840B29 retained',
      'BadC4840B29 retained',
      'C375D67C5 orphan-log-group',
      'CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F orphan-log-group',
    ],
  },
  {
    // Real synth: lambda.Function, custom-resources Provider, AwsCustomResource, BucketDeployment
    // and autoDeleteObjects each leave a /aws/lambda/<fn> log group behind by default.
    file: 'bad-cdk-helper-lambdas.json',
    protected: false,
    expected: [
      'AWS679f53fac002430cb0da5b7982bd22872D164C4C orphan-log-group',
      'CustomCDKBucketDeployment8693BB64968944B69AAFB0CC9EB8756C81C01536 orphan-log-group',
      'CustomS3AutoDeleteObjectsCustomResourceProviderHandler9D90184F orphan-log-group',
      'FC4345940 orphan-log-group',
      'PframeworkonEventCB72A785 orphan-log-group',
    ],
  },
  // Clean: a real synth with every fix applied (an aspect gives each Lambda its own log group),
  // and a hand-written template exercising each accepted form.
  { file: 'clean-cdk-environment.json', protected: false, expected: [] },
  { file: 'clean-hand-written.json', protected: false, expected: [] },
  // Protected environments: missing protections instead of blockers.
  { file: 'protected-good.json', protected: true, expected: [] },
  {
    file: 'protected-bad.json',
    protected: true,
    expected: [
      'Db missing-deletion-protection',
      'Db missing-final-snapshot',
      'Standalone missing-backups',
      'Standalone missing-deletion-protection',
    ],
  },
  {
    file: 'clean-cdk-environment.json',
    protected: true,
    expected: ['Db5D02A0A9 missing-deletion-protection', 'Db5D02A0A9 missing-final-snapshot'],
  },
  {
    // The protections a protected environment wants are blockers for an unprotected one.
    file: 'protected-good.json',
    protected: false,
    expected: [
      'Aurora deletion-protection',
      'Aurora final-snapshot',
      'Bucket retained',
      'Db deletion-protection',
      'Db final-snapshot',
      'Db final-snapshot',
    ],
  },
];

describe('auditTeardown', () => {
  it.each(CASES)('$file (protected: $protected)', ({ file, protected: isProtected, expected }) => {
    expect(found(load(file), isProtected)).toEqual(expected);
  });

  it('has a fixture catching every blocker kind', () => {
    const caught = new Set<BlockerKind>();
    for (const { file, protected: isProtected } of CASES) {
      for (const blocker of auditTeardown(load(file), { protected: isProtected })) {
        caught.add(blocker.kind);
      }
    }
    expect([...caught].sort()).toEqual(Object.keys(BLOCKER_KINDS).sort());
  });

  it('covers every fixture file in the fixtures folder', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(new Set(CASES.map((c) => c.file))).toEqual(new Set(files));
  });

  it('reports resource type and a reason naming the cause', () => {
    const [blocker] = auditTeardown(load('bad-repository-not-emptied.json'), { protected: false });
    expect(blocker).toEqual({
      logicalId: 'Repository',
      type: 'AWS::ECR::Repository',
      kind: 'repository-not-emptied',
      reason: expect.stringContaining('EmptyOnDelete') as unknown as string,
    });
  });

  it('flags a deletion protection set from an expression as unprovable', () => {
    const blockers = auditTeardown(load('bad-deletion-protection.json'), { protected: false });
    expect(blockers.find((b) => b.logicalId === 'Guarded')?.reason).toMatch(/cannot prove/);
  });

  it('treats an empty VpcConfig.SubnetIds as not in a VPC, an expression as in one', () => {
    const fn = (subnets: unknown) => ({
      Resources: {
        Fn: {
          Type: 'AWS::Lambda::Function',
          Properties: {
            LoggingConfig: { LogGroup: { Ref: 'Logs' } },
            VpcConfig: { SubnetIds: subnets },
          },
        },
        Logs: { Type: 'AWS::Logs::LogGroup' },
      },
    });
    expect(auditTeardown(fn([]), { protected: false })).toEqual([]);
    expect(
      auditTeardown(fn({ 'Fn::Split': [',', { Ref: 'Subnets' }] }), { protected: false }).map(
        (b) => b.kind,
      ),
    ).toEqual(['lambda-in-vpc']);
  });

  it('returns nothing for an empty template', () => {
    expect(auditTeardown({}, { protected: false })).toEqual([]);
    expect(auditTeardown({ Resources: {} }, { protected: true })).toEqual([]);
  });
});

describe('effectiveDeletionPolicy', () => {
  it.each([
    [{ Type: 'AWS::RDS::DBCluster' }, 'Snapshot'],
    [{ Type: 'AWS::RDS::DBInstance' }, 'Snapshot'],
    [{ Type: 'AWS::RDS::DBInstance', Properties: { DBClusterIdentifier: 'c' } }, 'Delete'],
    [{ Type: 'AWS::DocDB::DBCluster' }, 'Delete'],
    [{ Type: 'AWS::RDS::DBCluster', DeletionPolicy: 'Delete' }, 'Delete'],
    [{ Type: 'AWS::S3::Bucket', DeletionPolicy: 'Retain' }, 'Retain'],
  ])('%j → %s', (resource, policy) => {
    expect(effectiveDeletionPolicy(resource)).toBe(policy);
  });
});
