import { dirname } from 'node:path';
import { rmSync } from 'node:fs';
import {
  UserError,
  measureStack,
  modelResourceMinutes,
  modelTimeToReady,
  type ResolvedEnvironment,
  type StackEventLike,
  type StackTimeline,
} from '@branch-env/core';
import { awsClients, type AwsClients } from '../../private/aws/clients.js';
import { latestOperationEvents } from '../../private/aws/stack-timeline.js';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import type { SynthesizedStack } from '../../private/synth.js';
import { userAppOf } from '../../private/user-app.js';

/** Version of the `timeline --json` shape (docs/cli.md). Bumped on any breaking change. */
export const TIMELINE_SCHEMA = 'branch-env/timeline@1';

export interface TimelineStack {
  readonly name: string;
  readonly region: string;
  /** The time model's time to ready of a fresh create of this stack (as `plan` shows it). */
  readonly modelledMinutes: number;
  /** The latest create/update as CloudFormation recorded it; null when the stack has none. */
  readonly measured: StackTimeline | null;
}

/** The stable `timeline --json` document. */
export interface Timeline {
  readonly schema: typeof TIMELINE_SCHEMA;
  readonly environment: { readonly name: string; readonly branch: string };
  readonly stacks: readonly TimelineStack[];
  readonly totals: {
    /** Sum of the measured stacks' wall clocks (the toolkit deploys one stack at a time). */
    readonly measuredMinutes: number;
    /** Sum of the same stacks' modelled time to ready. */
    readonly modelledMinutes: number;
  };
}

const round = (n: number) => Math.round(n * 100) / 100;

/** The timeline of every stack, from their events (pure). */
export function buildTimeline(
  env: ResolvedEnvironment,
  stacks: readonly (Pick<SynthesizedStack, 'name' | 'region' | 'template'> & {
    readonly events: readonly StackEventLike[];
  })[],
): Timeline {
  const out: TimelineStack[] = stacks.map((s) => ({
    name: s.name,
    region: s.region,
    modelledMinutes: round(modelTimeToReady(s.template).totalMinutes),
    measured: measureStack(s.name, s.events, modelResourceMinutes(s.template)) ?? null,
  }));
  const measured = out.filter((s) => s.measured !== null);
  return {
    schema: TIMELINE_SCHEMA,
    environment: { name: env.name, branch: env.branch },
    stacks: out,
    totals: {
      measuredMinutes: round(
        measured.reduce((sum, s) => sum + (s.measured?.wallClockMinutes ?? 0), 0),
      ),
      modelledMinutes: round(measured.reduce((sum, s) => sum + s.modelledMinutes, 0)),
    },
  };
}

const num = (n: number | null) => (n === null ? '-' : n.toFixed(1));

/** Text: per stack a table resource | type | measured min | modelled min | status, then totals. */
export function timelineText(t: Timeline): string {
  const lines: string[] = [`timeline of ${t.environment.name} (branch ${t.environment.branch})`];
  for (const s of t.stacks) {
    lines.push('');
    const m = s.measured;
    if (m === null) {
      lines.push(`${s.name} (${s.region}): no create or update recorded (not deployed)`);
      continue;
    }
    lines.push(
      `${s.name} (${s.region}): ${m.operation} ${m.startedAt} -> ${m.status}, ${num(m.wallClockMinutes)} min wall clock; modelled ${num(s.modelledMinutes)} min (fresh create)`,
    );
    const rows = [
      ['resource', 'type', 'measured min', 'modelled min', 'status'],
      ...m.resources.map((r) => [
        r.logicalId,
        r.type,
        num(r.measuredMinutes),
        num(r.modelledMinutes),
        r.reason ? `${r.status}: ${r.reason}` : r.status,
      ]),
    ];
    const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
    for (const r of rows) {
      lines.push(
        `  ${r
          .map((cell, i) => (i < 4 ? cell.padEnd(widths[i] ?? 0) : cell))
          .join('  ')
          .trimEnd()}`,
      );
    }
    if (m.longest.length > 0) lines.push(`  longest: ${m.longest.join(', ')}`);
  }
  lines.push(
    '',
    `total: measured ${num(t.totals.measuredMinutes)} min, modelled ${num(t.totals.modelledMinutes)} min (stacks with a recorded operation)`,
  );
  return `${lines.join('\n')}\n`;
}

const cell = (t: string) => t.replace(/\|/g, '\\|').replace(/[\r\n]+/g, ' ');

/** Markdown for `deploy --ci`'s job summary: per measured stack, the table and its wall clock. */
export function timelineMarkdown(t: Timeline): string {
  const md = ['#### Measured timeline (CloudFormation events) beside the model', ''];
  for (const s of t.stacks) {
    const m = s.measured;
    if (m === null) continue;
    md.push(
      `\`${s.name}\`: ${m.operation} → ${m.status}, **${num(m.wallClockMinutes)} min** wall clock (modelled ${num(s.modelledMinutes)} min for a fresh create)`,
      '',
      '| resource | type | measured min | modelled min | status |',
      '|---|---|--:|--:|---|',
      ...m.resources.map(
        (r) =>
          `| \`${cell(r.logicalId)}\` | ${cell(r.type)} | ${num(r.measuredMinutes)} | ${num(r.modelledMinutes)} | ${cell(r.reason ? `${r.status}: ${r.reason}` : r.status)} |`,
      ),
      '',
    );
  }
  md.push(
    `Total: measured ${num(t.totals.measuredMinutes)} min, modelled ${num(t.totals.modelledMinutes)} min.`,
    '',
  );
  return md.join('\n');
}

/** Read the stacks' latest operation and build the timeline (the command and `deploy --ci`). */
export async function readTimeline(
  env: ResolvedEnvironment,
  stacks: readonly Pick<SynthesizedStack, 'name' | 'region' | 'template'>[],
  clientsFor: (region: string) => AwsClients,
): Promise<Timeline> {
  const withEvents = [];
  for (const s of stacks) {
    withEvents.push({ ...s, events: await latestOperationEvents(clientsFor(s.region), s.name) });
  }
  return buildTimeline(env, withEvents);
}

/**
 * `deploy --ci`'s job-summary section: the timeline in Markdown, or one line saying why it is
 * missing. Never throws: a deploy that succeeded is not failed by its report.
 */
export async function timelineSummary(
  env: ResolvedEnvironment,
  stacks: readonly Pick<SynthesizedStack, 'name' | 'region' | 'template'>[],
  clientsFor: (region: string) => AwsClients,
): Promise<string> {
  try {
    return timelineMarkdown(await readTimeline(env, stacks, clientsFor));
  } catch (error) {
    const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return `Measured timeline unavailable (${cell(why)}); run \`branch-env timeline ${env.branch}\`.\n`;
  }
}

export interface TimelineDeps {
  readonly clientsFor?: (region: string) => AwsClients;
}

export async function run(args: ParsedArgs, io: Io, deps: TimelineDeps = {}): Promise<number> {
  const { env, config, file } = environmentFrom(args, io, { checkFiles: true });
  const clientsFor = deps.clientsFor ?? awsClients;
  io.err(
    `synthesizing ${env.name} (${env.profile.name} profile) ${config.cdk ? 'with your CDK app' : 'in-process'} for the model...\n`,
  );
  const { synthesizeEnvironment } = await import('../../private/synth.js');
  const synthesis = await synthesizeEnvironment(env, {
    configDirectory: dirname(file),
    stageAssets: false,
    nag: false,
    app: userAppOf(config, file, io),
  });
  rmSync(synthesis.directory, { recursive: true, force: true });
  const timeline = await readTimeline(env, synthesis.stacks, clientsFor);
  if (timeline.stacks.every((s) => s.measured === null)) {
    throw new UserError(
      `no stack of ${env.name} has a recorded create or update (${timeline.stacks.map((s) => s.name).join(', ')})`,
      `deploy it first (branch-env deploy ${env.branch}), or check the credentials are for account ${env.account.id}`,
    );
  }
  if (args.values.json) printJson(io, timeline);
  else io.out(timelineText(timeline));
  return EXIT.ok;
}
