/**
 * Measured time to ready: a stack's CloudFormation events of its most recent create or update,
 * turned into per-resource durations and set beside the time model's estimate for the same
 * logical ids (`branch-env timeline`). Pure: the events come from DescribeStackEvents.
 */

/** The fields of a CloudFormation stack event this reads (the SDK's `StackEvent` fits). */
export interface StackEventLike {
  readonly StackName?: string | undefined;
  readonly LogicalResourceId?: string | undefined;
  readonly ResourceType?: string | undefined;
  readonly ResourceStatus?: string | undefined;
  readonly ResourceStatusReason?: string | undefined;
  readonly Timestamp?: Date | string | undefined;
}

export interface MeasuredResource {
  readonly logicalId: string;
  readonly type: string;
  /** `unfinished`: started, no COMPLETE/FAILED event yet (the operation is still running). */
  readonly status: 'complete' | 'failed' | 'unfinished';
  readonly startedAt: string;
  readonly endedAt: string | null;
  /** First CREATE/UPDATE_IN_PROGRESS to the matching *_COMPLETE / *_FAILED; null while unfinished. */
  readonly measuredMinutes: number | null;
  /** The time model's create duration for this logical id; null when the template has no such id. */
  readonly modelledMinutes: number | null;
  /** The FAILED event's reason. */
  readonly reason?: string;
}

export interface StackTimeline {
  readonly stack: string;
  readonly operation: 'CREATE' | 'UPDATE';
  /** The stack's latest status in the operation (e.g. CREATE_COMPLETE, ROLLBACK_COMPLETE). */
  readonly status: string;
  readonly startedAt: string;
  /** The stack's last *_COMPLETE / *_FAILED event; null while the operation runs. */
  readonly endedAt: string | null;
  /** Stack start to its end (or to its latest event while running). */
  readonly wallClockMinutes: number;
  /** Resources the operation touched, in the order they ended (unfinished last). */
  readonly resources: readonly MeasuredResource[];
  /** The logical ids that took longest, longest first (at most 5). */
  readonly longest: readonly string[];
}

const STACK_TYPE = 'AWS::CloudFormation::Stack';
const STARTS = new Set(['CREATE_IN_PROGRESS', 'UPDATE_IN_PROGRESS']);
const ENDS = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'CREATE_FAILED', 'UPDATE_FAILED']);

const time = (e: StackEventLike): number =>
  e.Timestamp === undefined ? Number.NaN : new Date(e.Timestamp).getTime();
const iso = (ms: number): string => new Date(ms).toISOString();
const minutes = (ms: number): number => Math.round((ms / 60_000) * 100) / 100;

/** An event of the stack itself (not a nested stack resource, which shares its type). */
export function isStackSelfEvent(e: StackEventLike, stack: string): boolean {
  return e.ResourceType === STACK_TYPE && e.LogicalResourceId === stack;
}

/** Whether the event starts a create or update of the stack itself. */
export function startsOperation(e: StackEventLike, stack: string): boolean {
  return isStackSelfEvent(e, stack) && STARTS.has(e.ResourceStatus ?? '');
}

/**
 * The stack's most recent create/update operation: events since its last own CREATE_IN_PROGRESS /
 * UPDATE_IN_PROGRESS. Events of other stacks (a nested stack's own events) are ignored. Undefined
 * when the events hold no such start.
 */
export function measureStack(
  stack: string,
  events: readonly StackEventLike[],
  modelled: Readonly<Record<string, number>> = {},
): StackTimeline | undefined {
  const own = events
    .filter((e) => e.StackName === undefined || e.StackName === stack)
    .filter((e) => Number.isFinite(time(e)))
    .map((e, index) => ({ e, index }))
    // Oldest first; DescribeStackEvents lists newest first, so equal timestamps keep reverse order.
    .sort((a, b) => time(a.e) - time(b.e) || b.index - a.index)
    .map(({ e }) => e);
  let startIndex = -1;
  own.forEach((e, i) => {
    if (startsOperation(e, stack)) startIndex = i;
  });
  const start = own[startIndex];
  if (start === undefined) return undefined;
  const window = own.slice(startIndex);
  const startMs = time(start);
  const self = window.filter((e) => isStackSelfEvent(e, stack));
  const last = self[self.length - 1] ?? start;
  const finished = /_(COMPLETE|FAILED)$/.test(last.ResourceStatus ?? '');
  const lastEventMs = time(window[window.length - 1] ?? start);
  const endMs = finished ? time(last) : lastEventMs;

  const byId = new Map<string, StackEventLike[]>();
  for (const e of window) {
    if (isStackSelfEvent(e, stack) || e.LogicalResourceId === undefined) continue;
    byId.set(e.LogicalResourceId, [...(byId.get(e.LogicalResourceId) ?? []), e]);
  }
  const resources: MeasuredResource[] = [];
  for (const [logicalId, list] of byId) {
    const begin = list.find((e) => STARTS.has(e.ResourceStatus ?? ''));
    if (begin === undefined) continue; // only deleted (rollback, cleanup): not part of the create/update
    const end = list.find((e) => time(e) >= time(begin) && ENDS.has(e.ResourceStatus ?? ''));
    const failed = end?.ResourceStatus?.endsWith('_FAILED') ?? false;
    resources.push({
      logicalId,
      type: begin.ResourceType ?? '',
      status: end === undefined ? 'unfinished' : failed ? 'failed' : 'complete',
      startedAt: iso(time(begin)),
      endedAt: end === undefined ? null : iso(time(end)),
      measuredMinutes: end === undefined ? null : minutes(time(end) - time(begin)),
      modelledMinutes: modelled[logicalId] ?? null,
      ...(failed && end?.ResourceStatusReason ? { reason: end.ResourceStatusReason } : {}),
    });
  }
  resources.sort(
    (a, b) =>
      (a.endedAt === null ? Infinity : Date.parse(a.endedAt)) -
        (b.endedAt === null ? Infinity : Date.parse(b.endedAt)) ||
      a.logicalId.localeCompare(b.logicalId),
  );
  const longest = resources
    .filter((r) => r.measuredMinutes !== null)
    .sort((a, b) => (b.measuredMinutes ?? 0) - (a.measuredMinutes ?? 0))
    .slice(0, 5)
    .map((r) => r.logicalId);
  return {
    stack,
    operation: start.ResourceStatus === 'CREATE_IN_PROGRESS' ? 'CREATE' : 'UPDATE',
    status: last.ResourceStatus ?? '',
    startedAt: iso(startMs),
    endedAt: finished ? iso(endMs) : null,
    wallClockMinutes: minutes(endMs - startMs),
    resources,
    longest,
  };
}
