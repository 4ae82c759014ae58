import type { ComplianceRow } from './compliance-summary.js';

/**
 * Compliance findings grouped by rule for a reader (the pull-request comment): cdk-nag names
 * some findings by rule and resource (`AwsSolutions-IAM5[Resource::arn:...]`), which makes one
 * row per finding, ids wider than the page and the same reason many times. A group is one rule
 * and level, with each distinct reason once, shortened to its first sentence.
 */
export interface ComplianceGroup {
  /** The rule without its finding detail: `AwsSolutions-IAM5`. */
  readonly rule: string;
  readonly level: 'error' | 'warning';
  readonly open: number;
  readonly acknowledged: number;
  /** Distinct resources the rule reported. */
  readonly resources: number;
  /**
   * Distinct acknowledgement reasons, each its first sentence (at most {@link REASON_CHARS}); a
   * reason an earlier group already shows is left out here (one helper's reason often covers
   * several rules) and that group's rule is in {@link sameReasonAs}.
   */
  readonly reasons: readonly string[];
  /** Earlier groups whose shown reason also applies to this one. */
  readonly sameReasonAs: readonly string[];
}

/** Longest reason shown in a group; the full text stays in the acknowledgements file. */
const REASON_CHARS = 160;

/** First sentence of a reason, cut at a word under {@link REASON_CHARS} with an ellipsis. */
export function shortReason(reason: string): string {
  const text = reason.trim().replace(/\s+/g, ' ');
  const sentence = /^.+?[.!?](?=\s+[A-Z]|$)/.exec(text)?.[0] ?? text;
  if (sentence.length <= REASON_CHARS) return sentence;
  const cut = sentence.slice(0, REASON_CHARS - 1);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 0 ? cut.lastIndexOf(' ') : cut.length)}…`;
}

/** The rule a cdk-nag finding id belongs to: `AwsSolutions-IAM5[...]` -> `AwsSolutions-IAM5`. */
function ruleOf(findingId: string): string {
  const bracket = findingId.indexOf('[');
  return bracket === -1 ? findingId : findingId.slice(0, bracket);
}

/** Group compliance rows by rule and level, keeping the rows' order (open errors first). */
export function complianceGroups(rows: readonly ComplianceRow[]): ComplianceGroup[] {
  const groups = new Map<
    string,
    {
      rule: string;
      level: 'error' | 'warning';
      open: number;
      acknowledged: number;
      resources: Set<string>;
      reasons: string[];
    }
  >();
  for (const row of rows) {
    const rule = ruleOf(row.rule);
    const key = `${row.level}|${rule}`;
    const group = groups.get(key) ?? {
      rule,
      level: row.level,
      open: 0,
      acknowledged: 0,
      resources: new Set<string>(),
      reasons: [],
    };
    groups.set(key, group);
    group.open += row.open;
    group.acknowledged += row.acknowledged;
    for (const r of row.resources) group.resources.add(r);
    for (const reason of row.reasons) {
      const short = shortReason(reason);
      if (!group.reasons.includes(short)) group.reasons.push(short);
    }
  }
  const shownBy = new Map<string, string>();
  return [...groups.values()].map((g) => {
    const sameReasonAs = new Set<string>();
    const reasons = g.reasons.filter((r) => {
      const earlier = shownBy.get(r);
      if (earlier !== undefined && earlier !== g.rule) {
        sameReasonAs.add(earlier);
        return false;
      }
      shownBy.set(r, g.rule);
      return true;
    });
    return { ...g, reasons, sameReasonAs: [...sameReasonAs], resources: g.resources.size };
  });
}
