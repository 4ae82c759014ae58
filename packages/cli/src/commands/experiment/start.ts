import {
  ConfigBusInputError,
  formatAmount,
  parseAmount,
  parseMetricSpec,
  type MetricSpec,
} from '@branch-env/config-bus';
import type { ParsedArgs } from '../../private/command.js';
import { EXIT, printJson, table, type Io } from '../../private/io.js';
import { baselineOf, experimentContext, list, str, withAws } from './shared.js';

/**
 * `branch-env experiment start <branch> --hypothesis … --metric name:lower|higher [--metric …]
 * [--guard name:lower|higher:tolerance] [--threshold 5%] [--baseline <branch>] [--id <id>]
 * [--set key=value]`: the first --metric is the primary one, the others are reported only.
 */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const problems: string[] = [];
  const hypothesis = str(args, 'hypothesis');
  if (hypothesis === undefined) problems.push('--hypothesis is required');
  const metricArgs = list(args, 'metric');
  if (metricArgs.length === 0)
    problems.push('at least one --metric <name>:lower|higher is required');
  const metrics: MetricSpec[] = [];
  for (const [i, text] of metricArgs.entries()) {
    const r = parseMetricSpec(text, i === 0 ? 'primary' : 'secondary');
    if ('problem' in r) problems.push(`--metric ${r.problem}`);
    else metrics.push(r.spec);
  }
  for (const text of list(args, 'guard')) {
    const r = parseMetricSpec(text, 'guard');
    if ('problem' in r) problems.push(`--guard ${r.problem}`);
    else metrics.push(r.spec);
  }
  const thresholdText = str(args, 'threshold');
  const threshold = thresholdText === undefined ? undefined : parseAmount(thresholdText);
  if (thresholdText !== undefined && !threshold)
    problems.push(`--threshold '${thresholdText}' is not a number (absolute) or a percentage`);
  const settings: Record<string, string> = {};
  for (const text of list(args, 'set')) {
    const at = text.indexOf('=');
    if (at <= 0) problems.push(`--set '${text}' is not key=value`);
    else settings[text.slice(0, at)] = text.slice(at + 1);
  }
  if (problems.length > 0)
    throw new ConfigBusInputError(
      'branch-env experiment start',
      problems,
      'branch-env experiment start --help',
    );
  const ctx = experimentContext(args, io);
  const { baseline, resolved } = baselineOf(args, ctx);
  if (resolved && resolved.account.id !== ctx.env.account.id)
    io.err(
      `note: baseline ${resolved.name} is in account ${resolved.account.key} (${resolved.account.id}), this experiment in ${ctx.env.account.key} (${ctx.env.account.id}); compare and decide need credentials that can read both\n`,
    );
  const experiment = await withAws('branch-env experiment start', ctx.env.region, () =>
    ctx.bus.experiments.start({
      id: str(args, 'id'),
      branch: ctx.env.branch,
      hypothesis: hypothesis ?? '',
      metrics,
      threshold,
      baseline,
      settings,
    }),
  );
  if (args.values.json) {
    printJson(io, experiment);
    return EXIT.ok;
  }
  const c = experiment.configuration;
  io.out(
    table([
      ['experiment', experiment.id],
      ['environment', `${ctx.env.name} (${ctx.bus.prefix}experiments/${experiment.id}/)`],
      ['hypothesis', experiment.hypothesis ?? ''],
      [
        'metrics',
        (c?.metrics ?? [])
          .map(
            (m) =>
              `${m.name} (${m.role}, ${m.direction} is better${m.tolerance ? `, tolerance ${formatAmount(m.tolerance)}` : ''})`,
          )
          .join(', '),
      ],
      ['threshold', c ? `${formatAmount(c.threshold)} improvement of the primary metric` : ''],
      [
        'baseline',
        `${baseline.environment}${baseline.branch ? ` (branch ${baseline.branch})` : ''}`,
      ],
    ]),
  );
  io.out(`next: branch-env experiment record ${ctx.env.branch} --results results.json\n`);
  return EXIT.ok;
}
