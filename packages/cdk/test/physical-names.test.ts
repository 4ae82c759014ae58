import fc from 'fast-check';
import { gitBranchProblem, physicalNameProblems, type PhysicalNameKind } from '@branch-env/core';
import { afterAll, describe, expect, it } from 'vitest';
import { physicalNames } from '../src/private/physical-names.js';
import { environmentOf, removeOutdirs, synthesize, testConfig, type Template } from './helpers.js';

afterAll(removeOutdirs);

/** The physical-name properties of the templates, by resource type, and the rule each follows. */
const NAMED: Readonly<Record<string, readonly (readonly [string, PhysicalNameKind])[]>> = {
  'AWS::DocDB::DBCluster': [['DBClusterIdentifier', 'databaseIdentifier']],
  'AWS::DocDB::DBInstance': [['DBInstanceIdentifier', 'databaseIdentifier']],
  'AWS::DocDB::DBClusterParameterGroup': [['Name', 'databaseParameterGroup']],
  'AWS::RDS::DBCluster': [['DBClusterIdentifier', 'databaseIdentifier']],
  'AWS::RDS::DBInstance': [['DBInstanceIdentifier', 'databaseIdentifier']],
  'AWS::Logs::LogGroup': [['LogGroupName', 'logGroup']],
  'AWS::CloudWatch::Dashboard': [['DashboardName', 'dashboard']],
};
/** Types whose identifier CloudFormation would derive from the stack name: must be explicit. */
const EXPLICIT = new Set([
  'AWS::DocDB::DBCluster',
  'AWS::DocDB::DBInstance',
  'AWS::DocDB::DBClusterParameterGroup',
  'AWS::RDS::DBCluster',
  'AWS::RDS::DBInstance',
]);

function nameProblems(template: Template): { named: string[]; problems: string[] } {
  const named: string[] = [];
  const problems: string[] = [];
  for (const [id, r] of Object.entries(template.Resources)) {
    for (const [property, kind] of NAMED[r.Type] ?? []) {
      const value = r.Properties?.[property];
      if (typeof value === 'string') {
        named.push(`${r.Type} ${value}`);
        problems.push(...physicalNameProblems(kind, value).map((p) => `${id}: ${p}`));
      } else if (EXPLICIT.has(r.Type)) {
        problems.push(`${id}: ${r.Type} has no explicit ${property}`);
      }
    }
  }
  return { named, problems };
}

describe('database identifiers of hashed environment names (synthesized)', () => {
  it('production DocumentDB of hotfix/JIRA-123 (`--` in the environment name): explicit, valid identifiers', () => {
    const { environment, main } = synthesize('hotfix/JIRA-123');
    expect(environment.name).toMatch(/--/);
    const { named, problems } = nameProblems(main);
    expect(problems).toEqual([]);
    const db = named.filter((n) => n.startsWith('AWS::DocDB')).sort();
    expect(db).toEqual([
      'AWS::DocDB::DBCluster branch-env-demo-hotfix-jira-123-amjmk76bjw',
      'AWS::DocDB::DBClusterParameterGroup branch-env-demo-hotfix-jira-123-amjmk76bjw-params',
      'AWS::DocDB::DBInstance branch-env-demo-hotfix-jira-123-amjmk76bjw-1',
      'AWS::DocDB::DBInstance branch-env-demo-hotfix-jira-123-amjmk76bjw-2',
    ]);
  });

  it('Aurora of a hashed name: explicit, valid cluster and writer identifiers', () => {
    const { environment, main } = synthesize('aurora/Big_Change');
    expect(environment.name).toMatch(/--/);
    const { named, problems } = nameProblems(main);
    expect(problems).toEqual([]);
    expect(named.filter((n) => n.startsWith('AWS::RDS')).map((n) => n.split(' ')[0])).toEqual([
      'AWS::RDS::DBCluster',
      'AWS::RDS::DBInstance',
    ]);
  });
});

describe('physicalNames over generated branches (property)', () => {
  const segment = fc.string({
    unit: fc.constantFrom(...'abcdefgxyzABXYZ0189-_.ü'.split('')),
    minLength: 1,
    maxLength: 40,
  });
  const branchArb = fc
    .tuple(
      fc.constantFrom('feature/', 'hotfix/', 'full/', 'aurora/', 'bare/', 'europe/'),
      fc.array(segment, { minLength: 1, maxLength: 4 }),
    )
    .map(([prefix, parts]) => `${prefix}${parts.join('/')}`)
    .filter((b) => gitBranchProblem(b) === undefined);
  const config = testConfig();

  it('every name it sets (log groups, dashboard, DNS, SSM, database identifiers) is valid', () => {
    fc.assert(
      fc.property(branchArb, (branch) => {
        const names = physicalNames(environmentOf(branch, config)); // throws on a broken rule
        const members = ['1', '16', 'writer', 'reader'].map((m) => names.database.instance(m));
        expect(
          [names.database.cluster, ...members].flatMap((n) =>
            physicalNameProblems('databaseIdentifier', n),
          ),
        ).toEqual([]);
        expect(
          physicalNameProblems('databaseParameterGroup', names.database.parameterGroup),
        ).toEqual([]);
      }),
      { numRuns: 500 },
    );
  });
});
