import { experimentRecords, ssmStore, type ExperimentRecord } from '@branch-env/config-bus';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { columns, experimentContext, ssmClient, withAws } from './shared.js';

function primaryOf(e: ExperimentRecord): string {
  const m = e.configuration?.metrics.find((x) => x.role === 'primary');
  return m ? `${m.name} (${m.direction})` : '-';
}

export function listText(all: readonly ExperimentRecord[]): string {
  if (all.length === 0) return 'no experiments\n';
  const rows = [
    ['environment', 'id', 'status', 'primary', 'hypothesis'],
    ...all.map((e) => [
      e.environment,
      e.id,
      e.problems.length > 0
        ? `${e.status} (${e.problems.length} problem${e.problems.length === 1 ? '' : 's'})`
        : e.status,
      primaryOf(e),
      (e.hypothesis ?? '').length > 60
        ? `${(e.hypothesis ?? '').slice(0, 57)}...`
        : (e.hypothesis ?? ''),
    ]),
  ];
  return columns(rows);
}

/**
 * `branch-env experiment list [<branch>] [--json]`: the experiments of one environment, or without
 * a branch every environment's under `/<app>/` in each region of the config's accounts (as far as
 * the credentials in use can read).
 */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  let all: ExperimentRecord[];
  if (args.positionals.length > 0) {
    const ctx = experimentContext(args, io);
    all = await withAws('branch-env experiment list', ctx.env.region, () =>
      ctx.bus.experiments.list(),
    );
  } else {
    const { config } = configFrom(args, io);
    const regions = [...new Set(Object.values(config.accounts).map((a) => a.region))].sort();
    all = [];
    for (const region of regions) {
      const params = await withAws('branch-env experiment list', region, () =>
        ssmStore(ssmClient(region), { attempts: 3 }).getByPath(`/${config.app}`),
      );
      const byEnv = new Map<string, { key: string; value: string }[]>();
      for (const p of params) {
        const rest = p.name.slice(`/${config.app}/`.length);
        const slash = rest.indexOf('/');
        const env = rest.slice(0, slash);
        const key = rest.slice(slash + 1);
        if (slash <= 0 || !key.startsWith('experiments/')) continue;
        byEnv.set(env, [...(byEnv.get(env) ?? []), { key, value: p.value }]);
      }
      for (const [env, ps] of [...byEnv].sort(([a], [b]) => a.localeCompare(b)))
        all.push(...experimentRecords(env, ps));
    }
  }
  if (args.values.json) printJson(io, all);
  else io.out(listText(all));
  return EXIT.ok;
}
