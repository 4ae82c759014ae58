import { mdCode, mdText } from './markdown.js';

/**
 * What the pull-request comment shows beside its status, read from the JSON documents of the
 * CLI (`plan --json`, `timeline --json`, `diff --json`). Pure and defensive: the documents arrive
 * through files and job outputs, so anything malformed is read as "not known", never thrown.
 */

type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v !== null && typeof v === 'object' ? (v as Json) : {});
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The plan's figures the "deploying" comment shows, each saying what it includes. */
export interface PlanFigures {
  /** Modelled idle cost, USD per hour (list prices). */
  readonly costPerHour?: number;
  /** CloudFormation alone: the modelled critical path of the stacks' create. */
  readonly cloudFormationMinutes?: number;
  /** Push → URL: runner, install, synth, change sets, CloudFormation, image build, readiness. */
  readonly pushToUrlMinutes?: number;
  readonly pushToUrlRange?: { readonly low: number; readonly high: number };
  readonly resources?: number;
  readonly stacks?: number;
}

/** The figures of a `branch-env plan --json` document (`branch-env/plan@1`); {} for anything else. */
export function planFigures(plan: unknown): PlanFigures {
  const p = obj(plan);
  if (p.schema !== 'branch-env/plan@1') return {};
  const push = obj(p.pushToUrl);
  const range = obj(push.rangeMinutes);
  const low = num(range.low);
  const high = num(range.high);
  const figures: {
    -readonly [K in keyof PlanFigures]: PlanFigures[K];
  } = {};
  const cost = num(obj(p.cost).perHour);
  if (cost !== undefined) figures.costPerHour = cost;
  const cfn = num(push.cloudFormationMinutes) ?? num(obj(p.timeToReady).totalMinutes);
  if (cfn !== undefined) figures.cloudFormationMinutes = cfn;
  const total = num(push.totalMinutes);
  if (total !== undefined) figures.pushToUrlMinutes = total;
  if (low !== undefined && high !== undefined) figures.pushToUrlRange = { low, high };
  const resources = num(obj(p.resources).total);
  if (resources !== undefined) figures.resources = resources;
  if (Array.isArray(p.stacks)) figures.stacks = p.stacks.length;
  return figures;
}

/** The resource that failed a deploy, as its CloudFormation event says. */
export interface DeployFailure {
  readonly stack: string;
  readonly logicalId: string;
  readonly type: string;
  readonly reason: string;
  /** When the resource failed (ISO). */
  readonly at?: string;
}

/**
 * Reasons CloudFormation gives resources that failed only because another one did: never the
 * cause to show.
 */
const CONSEQUENTIAL = [
  /^Resource creation cancelled$/i,
  /^Resource update cancelled$/i,
  /^The following resource\(s\) failed to (create|update|delete)/i,
  /^Resource handler returned message: "?Resource (creation|update) cancelled/i,
];

/**
 * The first resource that failed in the stacks' latest create/update (from `branch-env timeline
 * --json`, `branch-env/timeline@1`), skipping the ones cancelled because of it. Operations that
 * started before `since` are not this deploy's and are ignored (a deploy that failed before
 * CloudFormation ran must not show an old failure). When no resource failed but a stack's
 * operation did, the stack is the failure.
 */
export function firstFailure(timeline: unknown, since?: Date): DeployFailure | undefined {
  const t = obj(timeline);
  if (t.schema !== 'branch-env/timeline@1') return undefined;
  const candidates: (DeployFailure & { readonly ms: number })[] = [];
  const stackFailures: DeployFailure[] = [];
  for (const s of arr(t.stacks).map(obj)) {
    const m = obj(s.measured);
    const started = Date.parse(str(m.startedAt) ?? '');
    if (Number.isNaN(started)) continue;
    if (since && started < since.getTime()) continue;
    const stack = str(s.name) ?? '';
    for (const r of arr(m.resources).map(obj)) {
      const reason = str(r.reason);
      if (r.status !== 'failed' || !reason) continue;
      if (CONSEQUENTIAL.some((re) => re.test(reason.trim()))) continue;
      const at = str(r.endedAt);
      candidates.push({
        stack,
        logicalId: str(r.logicalId) ?? '',
        type: str(r.type) ?? '',
        reason,
        ...(at ? { at } : {}),
        ms: at ? Date.parse(at) : Number.POSITIVE_INFINITY,
      });
    }
    const status = str(m.status) ?? '';
    if (/FAILED$|ROLLBACK/.test(status)) {
      stackFailures.push({
        stack,
        logicalId: stack,
        type: 'AWS::CloudFormation::Stack',
        reason: status,
      });
    }
  }
  const first = candidates.sort((a, b) => a.ms - b.ms)[0];
  if (first) {
    const { ms: _ms, ...failure } = first;
    return failure;
  }
  return stackFailures[0];
}

/** One resource change of `branch-env diff --json`. */
export interface DiffChange {
  readonly change: 'add' | 'update' | 'replace' | 'may-replace' | 'remove';
  readonly logicalId: string;
  readonly type: string;
}

export interface DiffStack {
  readonly stack: string;
  readonly changes: readonly DiffChange[];
  readonly permissionsBroadened?: boolean;
}

const CHANGES = new Set<DiffChange['change']>([
  'add',
  'update',
  'replace',
  'may-replace',
  'remove',
]);

/**
 * The stacks of a `branch-env diff --json` document (`{environment, stacks}`), keeping only the
 * fields the comment shows; at most `maxChanges` changes in all (the rest are counted).
 * Undefined when the document is not a diff.
 */
export function diffStacks(
  diff: unknown,
  maxChanges = 400,
): { readonly stacks: readonly DiffStack[]; readonly omitted: number } | undefined {
  const d = obj(diff);
  if (!Array.isArray(d.stacks)) return undefined;
  let room = maxChanges;
  let omitted = 0;
  const stacks = d.stacks.map(obj).map((s): DiffStack => {
    const changes: DiffChange[] = [];
    for (const c of arr(s.changes).map(obj)) {
      const change = str(c.change) as DiffChange['change'] | undefined;
      if (!change || !CHANGES.has(change)) continue;
      if (room <= 0) {
        omitted++;
        continue;
      }
      room--;
      changes.push({ change, logicalId: str(c.logicalId) ?? '', type: str(c.type) ?? '' });
    }
    return {
      stack: str(s.stack) ?? '',
      changes,
      ...(s.permissionsBroadened === true ? { permissionsBroadened: true } : {}),
    };
  });
  return { stacks, omitted };
}

const VERB: Record<DiffChange['change'], string> = {
  add: '➕ add',
  update: '✏️ update',
  replace: '⚠️ replace',
  'may-replace': '❔ may replace',
  remove: '➖ remove',
};

/**
 * The infrastructure diff as Markdown for the comment's collapsed section: per stack a table of
 * change, resource and type, every value escaped; cut at a row (with a note) to stay within
 * `maxChars`.
 */
export function renderDiff(
  diff: { readonly stacks: readonly DiffStack[]; readonly omitted: number },
  maxChars: number,
): string {
  const total = diff.stacks.reduce((n, s) => n + s.changes.length, 0) + diff.omitted;
  if (total === 0) return 'No infrastructure changes against what is deployed.';
  const replaced = diff.stacks.flatMap((s) => s.changes).filter((c) => c.change === 'replace');
  const head = [
    `${total} resource change(s) against what was deployed.` +
      (replaced.length > 0 ? ` ⚠️ ${replaced.length} replaced: data in them is lost.` : ''),
    '',
  ];
  const note = (n: number) => `… ${n} more change(s) not shown; see the workflow run.`;
  // Room for the note, whatever the count.
  const budget = maxChars - note(diff.omitted + total).length - 2;
  const lines = [...head];
  let length = lines.join('\n').length;
  let cut = diff.omitted;
  for (const s of diff.stacks) {
    const header = [
      `${mdCode(s.stack)}${s.permissionsBroadened ? ' ⚠️ broadens IAM permissions' : ''}`,
      '',
      '| Change | Resource | Type |',
      '|---|---|---|',
    ];
    const headerLength = header.join('\n').length + 1;
    let rows = 0;
    for (const c of s.changes) {
      const row = `| ${VERB[c.change]} | ${mdCode(c.logicalId, { inTable: true })} | ${mdText(c.type)} |`;
      const need = row.length + 1 + (rows === 0 ? headerLength : 0);
      if (length + need > budget) {
        cut++;
        continue;
      }
      if (rows === 0) lines.push(...header);
      lines.push(row);
      length += need;
      rows++;
    }
    if (rows > 0) {
      lines.push('');
      length += 1;
    }
  }
  if (cut > 0) lines.push(note(cut));
  return lines.join('\n').trim();
}
