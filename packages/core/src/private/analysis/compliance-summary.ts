/**
 * Turns cdk-nag findings (plain data, collected by `@branch-env/cdk`) into the counts and rows
 * `branch-env plan` prints. The environment passes when no error is left unacknowledged and every
 * acknowledgement carries its reason.
 */
export interface ComplianceFinding {
  readonly rule: string;
  readonly level: 'error' | 'warning';
  /** Construct path or logical id. */
  readonly resource: string;
  readonly acknowledged: boolean;
  readonly reason?: string;
}

export interface ComplianceRow {
  readonly rule: string;
  readonly level: 'error' | 'warning';
  /** Unacknowledged findings of this rule. */
  readonly open: number;
  readonly acknowledged: number;
  readonly resources: readonly string[];
  /** Distinct acknowledgement reasons. */
  readonly reasons: readonly string[];
}

export interface ComplianceCounts {
  readonly open: number;
  readonly acknowledged: number;
}

export interface ComplianceSummary {
  readonly total: number;
  readonly errors: ComplianceCounts;
  readonly warnings: ComplianceCounts;
  /** Acknowledged findings whose reason is missing or blank. */
  readonly acknowledgedWithoutReason: readonly ComplianceFinding[];
  /** No open error and no acknowledgement without a reason. */
  readonly passed: boolean;
  /** One row per (rule, level): open errors first, then acknowledged errors, then warnings; by rule. */
  readonly rows: readonly ComplianceRow[];
}

function rank(row: ComplianceRow): number {
  if (row.level === 'error') return row.open > 0 ? 0 : 1;
  return row.open > 0 ? 2 : 3;
}

export function complianceSummary(findings: readonly ComplianceFinding[]): ComplianceSummary {
  const rows = new Map<
    string,
    {
      rule: string;
      level: 'error' | 'warning';
      open: number;
      acknowledged: number;
      resources: string[];
      reasons: string[];
    }
  >();
  const counts = { error: { open: 0, acknowledged: 0 }, warning: { open: 0, acknowledged: 0 } };
  const acknowledgedWithoutReason: ComplianceFinding[] = [];
  for (const finding of findings) {
    const key = `${finding.level}|${finding.rule}`;
    const row = rows.get(key) ?? {
      rule: finding.rule,
      level: finding.level,
      open: 0,
      acknowledged: 0,
      resources: [],
      reasons: [],
    };
    rows.set(key, row);
    if (!row.resources.includes(finding.resource)) row.resources.push(finding.resource);
    if (finding.acknowledged) {
      row.acknowledged += 1;
      counts[finding.level].acknowledged += 1;
      const reason = finding.reason?.trim() ?? '';
      if (reason === '') acknowledgedWithoutReason.push(finding);
      else if (!row.reasons.includes(reason)) row.reasons.push(reason);
    } else {
      row.open += 1;
      counts[finding.level].open += 1;
    }
  }
  const sorted = [...rows.values()].sort(
    (a, b) => rank(a) - rank(b) || a.rule.localeCompare(b.rule),
  );
  return {
    total: findings.length,
    errors: counts.error,
    warnings: counts.warning,
    acknowledgedWithoutReason,
    passed: counts.error.open === 0 && acknowledgedWithoutReason.length === 0,
    rows: sorted,
  };
}
