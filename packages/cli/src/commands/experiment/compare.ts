import type { Comparison, MetricChange } from '@branch-env/config-bus';
import type { ParsedArgs } from '../../private/command.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { baselineBus, columns, experimentContext, num, percent, str, withAws } from './shared.js';

function verdictText(m: MetricChange): string {
  if (m.passes === null) return m.verdict;
  if (m.role === 'primary') return `${m.verdict}, ${m.passes ? 'meets' : 'misses'} threshold`;
  return `${m.verdict}, ${m.passes ? 'within' : 'beyond'} tolerance`;
}

/** Text form of a comparison: one row per metric, then the recommendation and why. */
export function comparisonText(c: Comparison): string {
  const rows = [
    [
      'metric',
      'role',
      'better',
      c.configuration.baseline.environment,
      c.experiment.environment,
      'change',
      'relative',
      'verdict',
    ],
    ...c.evaluation.changes.map((m) => [
      m.metric,
      m.role,
      m.direction,
      num(m.baseline),
      num(m.candidate),
      m.change === null ? '-' : `${m.change >= 0 ? '+' : ''}${num(m.change)}`,
      percent(m.relativeChange),
      verdictText(m),
    ]),
  ];
  return `experiment ${c.experiment.id} vs ${c.configuration.baseline.environment} reference\n${columns(rows)}recommendation: ${c.evaluation.recommendation}\n${c.evaluation.reasons.map((r) => `  - ${r}\n`).join('')}`;
}

export function comparisonJson(c: Comparison): Record<string, unknown> {
  return {
    experiment: c.experiment.id,
    environment: c.experiment.environment,
    baseline: c.configuration.baseline,
    threshold: c.configuration.threshold,
    recommendation: c.evaluation.recommendation,
    reasons: c.evaluation.reasons,
    changes: c.evaluation.changes,
    results: c.results,
    reference: c.reference,
  };
}

/** `branch-env experiment compare <branch> [--id <id>] [--json]` */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const ctx = experimentContext(args, io);
  const comparison = await withAws('branch-env experiment compare', ctx.env.region, async () => {
    const e = await ctx.bus.experiments.current(str(args, 'id'), { latest: true });
    return ctx.bus.experiments.compare(
      e.id,
      e.configuration ? baselineBus(io, ctx, e.configuration) : undefined,
    );
  });
  if (args.values.json) printJson(io, comparisonJson(comparison));
  else io.out(comparisonText(comparison));
  return EXIT.ok;
}
