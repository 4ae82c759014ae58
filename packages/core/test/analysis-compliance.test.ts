import { describe, expect, it } from 'vitest';
import {
  complianceSummary,
  type ComplianceFinding,
} from '../src/private/analysis/compliance-summary.js';
import { complianceGroups, shortReason } from '../src/private/analysis/compliance-groups.js';

const f = (
  rule: string,
  level: 'error' | 'warning',
  resource: string,
  acknowledged = false,
  reason?: string,
): ComplianceFinding => ({
  rule,
  level,
  resource,
  acknowledged,
  ...(reason === undefined ? {} : { reason }),
});

describe('complianceSummary', () => {
  it('is passed and empty with no findings', () => {
    expect(complianceSummary([])).toEqual({
      total: 0,
      errors: { open: 0, acknowledged: 0 },
      warnings: { open: 0, acknowledged: 0 },
      acknowledgedWithoutReason: [],
      passed: true,
      rows: [],
    });
  });

  it('counts, groups by rule and orders open errors first', () => {
    const summary = complianceSummary([
      f('AwsSolutions-IAM5', 'error', 'Env/TaskRole', true, 'scoped to the environment prefix'),
      f('AwsSolutions-IAM5', 'error', 'Env/ExecRole', true, 'scoped to the environment prefix'),
      f('AwsSolutions-EC23', 'warning', 'Env/AlbSg'),
      f('AwsSolutions-S1', 'error', 'Env/Site'),
      f('AwsSolutions-DOC3', 'warning', 'Env/Db', true, 'secret rotation is off for previews'),
    ]);
    expect(summary.total).toBe(5);
    expect(summary.errors).toEqual({ open: 1, acknowledged: 2 });
    expect(summary.warnings).toEqual({ open: 1, acknowledged: 1 });
    expect(summary.passed).toBe(false);
    expect(summary.rows.map((r) => [r.rule, r.level, r.open, r.acknowledged])).toEqual([
      ['AwsSolutions-S1', 'error', 1, 0],
      ['AwsSolutions-IAM5', 'error', 0, 2],
      ['AwsSolutions-EC23', 'warning', 1, 0],
      ['AwsSolutions-DOC3', 'warning', 0, 1],
    ]);
    expect(summary.rows[1]).toMatchObject({
      resources: ['Env/TaskRole', 'Env/ExecRole'],
      reasons: ['scoped to the environment prefix'],
    });
  });

  it('passes with open warnings and reasoned acknowledgements only', () => {
    const summary = complianceSummary([
      f('AwsSolutions-EC23', 'warning', 'Env/AlbSg'),
      f(
        'AwsSolutions-IAM4',
        'error',
        'Env/Role',
        true,
        'AWS managed policy for Lambda basic execution',
      ),
    ]);
    expect(summary.passed).toBe(true);
  });

  it('fails when an acknowledgement has no reason', () => {
    const bare = f('AwsSolutions-IAM4', 'error', 'Env/Role', true, '   ');
    const summary = complianceSummary([bare]);
    expect(summary.passed).toBe(false);
    expect(summary.acknowledgedWithoutReason).toEqual([bare]);
    expect(summary.rows[0]?.reasons).toEqual([]);
  });
});

describe('complianceGroups', () => {
  it('groups findings by rule (without the finding detail), each distinct reason once, shortened', () => {
    const long = `First sentence here. ${'Second sentence. '.repeat(20)}`;
    const summary = complianceSummary([
      {
        rule: 'AwsSolutions-IAM5[Resource::a]',
        level: 'error',
        resource: 'A',
        acknowledged: true,
        reason: long,
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::b]',
        level: 'error',
        resource: 'B',
        acknowledged: true,
        reason: long,
      },
      {
        rule: 'AwsSolutions-IAM5[Resource::c]',
        level: 'error',
        resource: 'B',
        acknowledged: true,
        reason: 'Other. More.',
      },
      { rule: 'AwsSolutions-S1', level: 'error', resource: 'C', acknowledged: false },
    ]);
    expect(complianceGroups(summary.rows)).toEqual([
      {
        rule: 'AwsSolutions-S1',
        level: 'error',
        open: 1,
        acknowledged: 0,
        resources: 1,
        reasons: [],
        sameReasonAs: [],
      },
      {
        rule: 'AwsSolutions-IAM5',
        level: 'error',
        open: 0,
        acknowledged: 3,
        resources: 2,
        reasons: ['First sentence here.', 'Other.'],
        sameReasonAs: [],
      },
    ]);
  });

  it('shows a reason once: a later rule with the same reason refers to the first', () => {
    const summary = complianceSummary([
      {
        rule: 'AwsSolutions-IAM4',
        level: 'error',
        resource: 'H',
        acknowledged: true,
        reason: 'Helper. Managed by CDK.',
      },
      {
        rule: 'AwsSolutions-L1',
        level: 'error',
        resource: 'H',
        acknowledged: true,
        reason: 'Helper. Other words.',
      },
    ]);
    const groups = complianceGroups(summary.rows);
    expect(groups.map((g) => [g.rule, g.reasons, g.sameReasonAs])).toEqual([
      ['AwsSolutions-IAM4', ['Helper.'], []],
      ['AwsSolutions-L1', [], ['AwsSolutions-IAM4']],
    ]);
  });

  it('cuts a long first sentence at a word, with an ellipsis', () => {
    const reason = shortReason(`${'word '.repeat(60)}end.`);
    expect(reason.length).toBeLessThanOrEqual(160);
    expect(reason.endsWith('word…')).toBe(true);
    expect(shortReason('e.g. `x` is fine. Next.')).toBe('e.g. `x` is fine.');
  });
});
