import { formatAmount, type Amount, type DecisionKind, type MetricSpec } from './schema.js';

/** Float slack so that 200 -> 190 counts as a 5% improvement. */
const EPSILON = 1e-9;

/** How one metric moved from the baseline to the experiment. */
export interface MetricChange {
  readonly metric: string;
  readonly role: MetricSpec['role'];
  readonly direction: MetricSpec['direction'];
  readonly baseline: number | null;
  readonly candidate: number | null;
  /** candidate - baseline, in the metric's unit; null when a value is missing. */
  readonly change: number | null;
  /** change / |baseline|; null when a value is missing or the baseline is 0. */
  readonly relativeChange: number | null;
  readonly verdict: 'improved' | 'regressed' | 'unchanged' | 'missing';
  /** primary: improved by at least the threshold; guard: within its tolerance; secondary: null. */
  readonly passes: boolean | null;
  readonly reason: string;
}

export interface Evaluation {
  readonly recommendation: DecisionKind;
  readonly threshold: Amount;
  readonly changes: readonly MetricChange[];
  /** Why, one line per deciding metric. */
  readonly reasons: readonly string[];
}

export interface EvaluationInput {
  readonly metrics: readonly MetricSpec[];
  /** Least improvement of the primary metric that promotes. */
  readonly threshold: Amount;
  readonly baseline: Readonly<Record<string, number>>;
  readonly candidate: Readonly<Record<string, number>>;
}

/** Size of `delta` in the amount's terms: itself (absolute) or relative to |base|. */
function sized(delta: number, base: number, kind: Amount['kind']): number {
  if (kind === 'absolute') return delta;
  if (base === 0) return delta === 0 ? 0 : delta > 0 ? Infinity : -Infinity;
  return delta / Math.abs(base);
}

/** Drop float noise (0.005 - 0.004 = 0.0010000000000000002 -> 0.001). */
function tidy(n: number): number {
  return Number.isFinite(n) ? +n.toPrecision(12) : n;
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : String(+n.toPrecision(6));
}

function pct(n: number | null): string {
  return n === null ? 'n/a' : `${n >= 0 ? '+' : ''}${fmt(n * 100)}%`;
}

function changeOf(
  spec: MetricSpec,
  threshold: Amount,
  base: number | undefined,
  cand: number | undefined,
): MetricChange {
  const common = { metric: spec.name, role: spec.role, direction: spec.direction };
  if (base === undefined || cand === undefined) {
    const missing = base === undefined ? 'the baseline' : 'the experiment';
    return {
      ...common,
      baseline: base ?? null,
      candidate: cand ?? null,
      change: null,
      relativeChange: null,
      verdict: 'missing',
      passes: spec.role === 'secondary' ? null : false,
      reason: `${spec.name}: no value in ${missing}'s results`,
    };
  }
  const change = tidy(cand - base);
  const relativeChange = base === 0 ? null : tidy(change / Math.abs(base));
  // Positive improvement = better, whatever the direction.
  const improvement = spec.direction === 'lower' ? -change : change;
  const verdict =
    Math.abs(change) <= EPSILON ? 'unchanged' : improvement > 0 ? 'improved' : 'regressed';
  const moved = `${spec.name} ${fmt(base)} -> ${fmt(cand)} (${pct(relativeChange)}, ${spec.direction} is better)`;
  let passes: boolean | null = null;
  let reason = moved;
  if (spec.role === 'primary') {
    const size = sized(improvement, base, threshold.kind);
    passes = improvement > EPSILON && size + EPSILON >= threshold.value;
    reason = `${moved}: ${passes ? 'improved by at least' : 'did not improve by'} the threshold ${formatAmount(threshold)}`;
  } else if (spec.role === 'guard') {
    const tolerance = spec.tolerance ?? { kind: 'absolute', value: 0 };
    const regression = sized(-improvement, base, tolerance.kind);
    passes = regression <= tolerance.value + EPSILON;
    reason = `${moved}: ${passes ? 'within' : 'regressed beyond'} the tolerance ${formatAmount(tolerance)}`;
  }
  return {
    ...common,
    baseline: base,
    candidate: cand,
    change,
    relativeChange,
    verdict,
    passes,
    reason,
  };
}

/**
 * The decision helper. Recommends `promote` when the primary metric improves (strictly) by at least
 * `threshold` — relative (`5%` of the baseline value) or absolute (in the metric's unit) — and no
 * guard metric regresses beyond its tolerance; otherwise `archive`. A primary or guard value missing
 * from either side archives (it cannot be shown to be safe). Secondary metrics are reported only.
 * Pure: same input, same answer.
 */
export function evaluateExperiment(input: EvaluationInput): Evaluation {
  const changes = input.metrics.map((m) =>
    changeOf(m, input.threshold, input.baseline[m.name], input.candidate[m.name]),
  );
  const deciding = changes.filter((c) => c.role !== 'secondary');
  const primary = deciding.filter((c) => c.role === 'primary');
  const ok = primary.length === 1 && deciding.every((c) => c.passes === true);
  const failing = deciding.filter((c) => c.passes !== true);
  const reasons = ok
    ? deciding.map((c) => c.reason)
    : primary.length !== 1
      ? [`needs exactly one primary metric, has ${primary.length}`]
      : failing.map((c) => c.reason);
  return {
    recommendation: ok ? 'promote' : 'archive',
    threshold: input.threshold,
    changes,
    reasons,
  };
}
