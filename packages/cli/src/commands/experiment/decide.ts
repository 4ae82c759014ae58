import { UserError } from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { EXIT, printJson, table, type Io } from '../../private/io.js';
import { baselineBus, experimentContext, str, withAws } from './shared.js';

/** `branch-env experiment decide <branch> promote|archive --reason "…" [--id <id>] [--force]` */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const kind = args.positionals[1];
  const reason = str(args, 'reason');
  const problems: string[] = [];
  if (kind !== 'promote' && kind !== 'archive')
    problems.push(`the decision is promote or archive, not '${kind ?? ''}'`);
  if (reason === undefined || reason.trim() === '') problems.push('--reason "…" is required');
  if (problems.length > 0)
    throw new UserError(
      problems.join('; '),
      'branch-env experiment decide <branch> promote|archive --reason "…"',
    );
  const ctx = experimentContext(args, io);
  const { experiment, decision } = await withAws(
    'branch-env experiment decide',
    ctx.env.region,
    async () => {
      const e = await ctx.bus.experiments.current(str(args, 'id'));
      return ctx.bus.experiments.decide(e.id, kind as 'promote' | 'archive', reason ?? '', {
        force: args.values.force === true,
        baselineBus: e.configuration ? baselineBus(io, ctx, e.configuration) : undefined,
      });
    },
  );
  if (args.values.json) {
    printJson(io, { environment: ctx.env.name, experiment: experiment.id, ...decision });
    return EXIT.ok;
  }
  io.out(
    table([
      ['experiment', `${experiment.id} in ${ctx.env.name}`],
      [
        'decision',
        `${decision.decision}${decision.overridden ? ' (against the recommendation, --force)' : ''}`,
      ],
      ['recommended', decision.recommendation ?? 'n/a (no comparison possible)'],
      ['reason', decision.reason],
    ]),
  );
  return EXIT.ok;
}
