import type { ParsedArgs } from '../../private/command.js';
import { EXIT, printJson, table, type Io } from '../../private/io.js';
import { UserError } from '@branch-env/core';
import { experimentContext, readInput, str, withAws } from './shared.js';

/**
 * `branch-env experiment record <branch> --results results.json [--id <id>] [--reference]`:
 * validate the file against the experiment, then store it (inline, or in the data bucket with a
 * pointer). `--reference` records the environment's reference measurement instead.
 */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const file = str(args, 'results');
  if (file === undefined)
    throw new UserError(
      '--results <file> is required',
      'branch-env experiment record <branch> --results results.json',
    );
  const ctx = experimentContext(args, io);
  const text = readInput(io, file, 'results file');
  const reference = args.values.reference === true;
  if (reference && str(args, 'id') !== undefined)
    throw new UserError('--reference and --id exclude each other', 'drop one of them');
  const what = 'branch-env experiment record';
  const { id, results } = await withAws(what, ctx.env.region, async () => {
    if (reference)
      return { id: 'reference', results: await ctx.bus.experiments.recordReference(text) };
    const r = await ctx.bus.experiments.record(str(args, 'id'), text);
    return { id: r.experiment.id, results: r.results };
  });
  if (args.values.json) {
    printJson(io, { environment: ctx.env.name, experiment: id, results });
    return EXIT.ok;
  }
  io.out(
    table([
      [
        'recorded',
        reference ? `reference results of ${ctx.env.name}` : `results of experiment ${id}`,
      ],
      [
        'metrics',
        Object.entries(results.metrics)
          .map(([k, v]) => `${k}=${v}`)
          .join(', '),
      ],
      [
        'stored',
        results.object
          ? `s3://${results.object.bucket}/${results.object.key} (${results.object.bytes} bytes) + pointer in ${ctx.bus.prefix}experiments/${id}/results`
          : `${ctx.bus.prefix}experiments/${id}/results`,
      ],
    ]),
  );
  if (!reference) io.out(`next: branch-env experiment compare ${ctx.env.branch}\n`);
  return EXIT.ok;
}
