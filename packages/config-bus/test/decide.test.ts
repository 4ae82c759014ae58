import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  evaluateExperiment,
  parseAmount,
  parseMetricSpec,
  type Amount,
  type MetricSpec,
} from '@branch-env/config-bus';

const latency: MetricSpec = { name: 'p95_latency_ms', direction: 'lower', role: 'primary' };
const errors: MetricSpec = {
  name: 'error_rate',
  direction: 'lower',
  role: 'guard',
  tolerance: { kind: 'absolute', value: 0.01 },
};
const throughput: MetricSpec = { name: 'rps', direction: 'higher', role: 'secondary' };
const fivePercent: Amount = { kind: 'relative', value: 0.05 };

function evaluate(
  candidate: Record<string, number>,
  baseline = { p95_latency_ms: 200, error_rate: 0.01, rps: 100 },
) {
  return evaluateExperiment({
    metrics: [latency, errors, throughput],
    threshold: fivePercent,
    baseline,
    candidate,
  });
}

describe('evaluateExperiment (the decision helper)', () => {
  it.each([
    [
      'improves by exactly the threshold',
      { p95_latency_ms: 190, error_rate: 0.01, rps: 90 },
      'promote',
    ],
    [
      'improves by more, guard within tolerance',
      { p95_latency_ms: 150, error_rate: 0.019, rps: 100 },
      'promote',
    ],
    [
      'improves by less than the threshold',
      { p95_latency_ms: 191, error_rate: 0.01, rps: 100 },
      'archive',
    ],
    ['primary regresses', { p95_latency_ms: 250, error_rate: 0.01, rps: 100 }, 'archive'],
    [
      'guard regresses beyond its tolerance',
      { p95_latency_ms: 100, error_rate: 0.0201, rps: 100 },
      'archive',
    ],
    ['guard value missing', { p95_latency_ms: 100, rps: 100 }, 'archive'],
    ['secondary missing does not matter', { p95_latency_ms: 100, error_rate: 0.01 }, 'promote'],
  ])('%s -> %s', (_, candidate, expected) => {
    expect(evaluate(candidate).recommendation).toBe(expected);
  });

  it('reports each metric: values, absolute and relative change, verdict and reason', () => {
    const e = evaluate({ p95_latency_ms: 180, error_rate: 0.03, rps: 120 });
    expect(e.recommendation).toBe('archive');
    expect(e.changes[0]).toMatchObject({
      metric: 'p95_latency_ms',
      baseline: 200,
      candidate: 180,
      change: -20,
      relativeChange: -0.1,
      verdict: 'improved',
      passes: true,
    });
    expect(e.changes[1]).toMatchObject({
      metric: 'error_rate',
      verdict: 'regressed',
      passes: false,
    });
    expect(e.changes[2]).toMatchObject({
      metric: 'rps',
      verdict: 'improved',
      passes: null,
      relativeChange: 0.2,
    });
    expect(e.reasons).toEqual([
      'error_rate 0.01 -> 0.03 (+200%, lower is better): regressed beyond the tolerance 0.01',
    ]);
  });

  it('gives the reasons of every deciding metric when it promotes', () => {
    expect(evaluate({ p95_latency_ms: 100, error_rate: 0.01, rps: 1 }).reasons).toEqual([
      'p95_latency_ms 200 -> 100 (-50%, lower is better): improved by at least the threshold 5%',
      'error_rate 0.01 -> 0.01 (+0%, lower is better): within the tolerance 0.01',
    ]);
  });

  it('handles higher-is-better primaries, absolute thresholds and a zero baseline', () => {
    const spec: MetricSpec = { name: 'conversions', direction: 'higher', role: 'primary' };
    const run = (b: number, c: number, threshold: Amount) =>
      evaluateExperiment({
        metrics: [spec],
        threshold,
        baseline: { conversions: b },
        candidate: { conversions: c },
      }).recommendation;
    expect(run(10, 12, { kind: 'absolute', value: 2 })).toBe('promote');
    expect(run(10, 11.9, { kind: 'absolute', value: 2 })).toBe('archive');
    expect(run(0, 1, fivePercent)).toBe('promote');
    expect(run(0, 0, { kind: 'absolute', value: 0 })).toBe('archive'); // no improvement, no promotion
  });

  it('never promotes when the primary does not strictly improve (property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e6, noNaN: true }),
        fc.double({ min: 0, max: 1e6, noNaN: true }),
        (base, worse) => {
          const e = evaluate(
            { p95_latency_ms: base + worse, error_rate: 0, rps: 0 },
            { p95_latency_ms: base, error_rate: 0, rps: 0 },
          );
          expect(e.recommendation).toBe('archive');
        },
      ),
    );
  });

  it('a better primary never turns promote into archive (monotonic, property)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 1e4, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (base, f1, f2) => {
          const [a, b] = [Math.min(f1, f2), Math.max(f1, f2)];
          const at = (f: number) =>
            evaluate(
              { p95_latency_ms: base * (1 - f), error_rate: 0, rps: 0 },
              { p95_latency_ms: base, error_rate: 0, rps: 0 },
            ).recommendation;
          if (at(a) === 'promote') expect(at(b)).toBe('promote');
        },
      ),
    );
  });

  it('archives without exactly one primary metric', () => {
    const e = evaluateExperiment({
      metrics: [errors],
      threshold: fivePercent,
      baseline: {},
      candidate: {},
    });
    expect(e).toMatchObject({
      recommendation: 'archive',
      reasons: ['needs exactly one primary metric, has 0'],
    });
  });
});

describe('metric and amount specs', () => {
  it.each([
    [
      'p95_latency_ms:lower',
      'primary',
      { name: 'p95_latency_ms', direction: 'lower', role: 'primary' },
    ],
    [
      'error_rate:lower:0.01',
      'guard',
      {
        name: 'error_rate',
        direction: 'lower',
        role: 'guard',
        tolerance: { kind: 'absolute', value: 0.01 },
      },
    ],
    [
      'rps:higher:2%',
      'guard',
      {
        name: 'rps',
        direction: 'higher',
        role: 'guard',
        tolerance: { kind: 'relative', value: 0.02 },
      },
    ],
  ] as const)('%s parses', (text, role, spec) => {
    expect(parseMetricSpec(text, role)).toEqual({ spec });
  });

  it.each([
    ['p95', 'primary', 'is not <name>:lower|higher'],
    ['p95:faster', 'primary', 'must be lower or higher'],
    ['9lives:lower', 'primary', 'is not a metric name'],
    ['error_rate:lower', 'guard', 'is not <name>:lower|higher:<tolerance'],
    ['error_rate:lower:lots', 'guard', "tolerance 'lots'"],
  ] as const)('%s fails: %s', (text, role, message) => {
    const r = parseMetricSpec(text, role);
    expect('problem' in r && r.problem).toContain(message);
  });

  it('reads 5% as relative and 0.5 as absolute, and nothing else', () => {
    expect(parseAmount('5%')).toEqual({ kind: 'relative', value: 0.05 });
    expect(parseAmount('0.5')).toEqual({ kind: 'absolute', value: 0.5 });
    expect(parseAmount('-1')).toBeUndefined();
    expect(parseAmount('five')).toBeUndefined();
  });
});
