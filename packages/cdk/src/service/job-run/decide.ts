import {
  JOB_LOG_LINES,
  JOB_RUN_MAX_MINUTES,
  jobRunFailureReason,
  type JobRunFailure,
  type JobRunProperties,
} from '@branch-env/core';

/**
 * The decisions of the job-run handler (docs/services.md#jobs), pure: whether a request runs the
 * job, the RunTask request, what a described task means, when to give up, and the response to
 * CloudFormation (under its 4 KB limit). The Lambda (handler.ts) only fetches facts (aws.ts) and
 * acts on what these return.
 */

/** The CloudFormation custom-resource request, as CloudFormation sends it. */
export interface JobRunEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

/** What the handler answers CloudFormation with (the response object, at most 4,096 bytes). */
export interface JobRunResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
}

/** CloudFormation's limit on the response object (custom resource response objects). */
export const RESPONSE_MAX_BYTES = 4096;

/** The job's settings, checked: the resource's properties are strings. */
export interface JobRunSettings {
  readonly job: string;
  readonly taskDefinition: string;
  readonly container: string;
  readonly logGroup: string;
  readonly cluster: string;
  readonly subnets: readonly string[];
  readonly securityGroups: readonly string[];
  readonly assignPublicIp: boolean;
  readonly timeoutMinutes: number;
  readonly when: 'before-traffic' | 'first-create';
  readonly environmentCreate: boolean;
  readonly startedBy: string;
}

/** A request the handler refuses (bad properties): the reason goes back to CloudFormation. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}

function text(props: Readonly<Record<string, unknown>>, key: keyof JobRunProperties): string {
  const v = props[key];
  if (typeof v !== 'string' || v === '') throw new Refusal(`bug: property ${key} is missing`);
  return v;
}

function list(props: Readonly<Record<string, unknown>>, key: keyof JobRunProperties): string[] {
  const v = props[key];
  if (!Array.isArray(v) || v.length === 0 || !v.every((x) => typeof x === 'string' && x !== ''))
    throw new Refusal(`bug: property ${key} is not a list of ids`);
  return v as string[];
}

/** The job's settings from the resource's properties. */
export function settingsOf(props: Readonly<Record<string, unknown>>): JobRunSettings {
  const when = text(props, 'When');
  if (when !== 'before-traffic' && when !== 'first-create')
    throw new Refusal(`bug: property When is '${when}'`);
  const timeout = Number(text(props, 'TimeoutMinutes'));
  if (!Number.isInteger(timeout) || timeout < 1 || timeout > JOB_RUN_MAX_MINUTES)
    throw new Refusal(`bug: TimeoutMinutes must be 1-${JOB_RUN_MAX_MINUTES}`);
  return {
    job: text(props, 'JobName'),
    taskDefinition: text(props, 'TaskDefinition'),
    container: text(props, 'Container'),
    logGroup: text(props, 'LogGroup'),
    cluster: text(props, 'Cluster'),
    subnets: list(props, 'Subnets'),
    securityGroups: list(props, 'SecurityGroups'),
    assignPublicIp: text(props, 'AssignPublicIp') === 'true',
    timeoutMinutes: timeout,
    when,
    environmentCreate: props['EnvironmentCreate'] === 'true',
    startedBy: text(props, 'StartedBy'),
  };
}

/** What a request does. */
export type JobRunAction =
  { readonly kind: 'run' } | { readonly kind: 'skip'; readonly why: string };

/**
 * Whether a request runs the job. `stackStatus` is the requesting stack's status (DescribeStacks):
 * during a rollback CloudFormation sends an Update with the previous properties, and running the
 * previous release's migration then could only fail the rollback, so nothing runs.
 */
export function actionOf(
  requestType: JobRunEvent['RequestType'],
  settings: Pick<JobRunSettings, 'when' | 'environmentCreate'>,
  stackStatus: string,
): JobRunAction {
  if (requestType === 'Delete') return { kind: 'skip', why: 'a job run leaves nothing to delete' };
  if (stackStatus.includes('ROLLBACK'))
    return {
      kind: 'skip',
      why: `the stack is rolling back (${stackStatus}): the job is not run again`,
    };
  if (settings.when === 'first-create') {
    if (requestType === 'Update')
      return { kind: 'skip', why: 'first-create job: runs only when the environment is created' };
    if (!settings.environmentCreate)
      return {
        kind: 'skip',
        why: 'first-create job added to an environment that already exists: not run',
      };
  }
  return { kind: 'run' };
}

/** The RunTask request of the job: its task definition, in the environment's network. */
export function runTaskInput(
  s: JobRunSettings,
  clientToken: string,
): {
  cluster: string;
  taskDefinition: string;
  launchType: 'FARGATE';
  count: number;
  startedBy: string;
  clientToken: string;
  networkConfiguration: {
    awsvpcConfiguration: {
      subnets: string[];
      securityGroups: string[];
      assignPublicIp: 'ENABLED' | 'DISABLED';
    };
  };
  propagateTags: 'TASK_DEFINITION';
  enableECSManagedTags: boolean;
} {
  return {
    cluster: s.cluster,
    taskDefinition: s.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    // At most 128 characters: letters, digits, - and _.
    startedBy: s.startedBy.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
    // A retried invocation of the same request gets the same task, not a second one (at most 64).
    clientToken: clientToken.slice(0, 64),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...s.subnets],
        securityGroups: [...s.securityGroups],
        assignPublicIp: s.assignPublicIp ? 'ENABLED' : 'DISABLED',
      },
    },
    propagateTags: 'TASK_DEFINITION',
    enableECSManagedTags: true,
  };
}

/** The fields of a described ECS task a job's outcome depends on. */
export interface DescribedTask {
  readonly taskArn?: string | undefined;
  readonly lastStatus?: string | undefined;
  readonly stopCode?: string | undefined;
  readonly stoppedReason?: string | undefined;
  readonly containers?:
    | readonly {
        readonly name?: string | undefined;
        readonly exitCode?: number | undefined;
        readonly reason?: string | undefined;
      }[]
    | undefined;
}

export type JobOutcome =
  | { readonly state: 'running' }
  | { readonly state: 'succeeded' }
  | { readonly state: 'failed'; readonly exitCode: number | undefined; readonly reason: string };

/** What a described task says about the job: still running, exited 0, or failed (and why). */
export function jobOutcome(task: DescribedTask | undefined, container: string): JobOutcome {
  if (task === undefined)
    return { state: 'failed', exitCode: undefined, reason: 'the task is gone (not found)' };
  if (task.lastStatus !== 'STOPPED') return { state: 'running' };
  const own = task.containers?.find((c) => c.name === container);
  if (own?.exitCode === 0) return { state: 'succeeded' };
  const reason =
    [own?.reason, task.stoppedReason, task.stopCode].find((r) => r !== undefined && r !== '') ??
    'stopped';
  return { state: 'failed', exitCode: own?.exitCode, reason };
}

/** The awslogs stream of the job's container: `<prefix>/<container>/<task id>`. */
export function jobLogStream(container: string, taskArn: string): string {
  const id = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  return `${container}/${container}/${id}`;
}

/** Time the handler keeps after giving up on a job: stop it, read its log, answer CloudFormation. */
const ANSWER_MARGIN_MS = 45_000;

/**
 * When the handler stops waiting, in epoch ms: the job's own timeout, or earlier when the Lambda
 * invocation would end first (minus the margin to answer).
 */
export function deadlineOf(
  startedAt: number,
  timeoutMinutes: number,
  remainingMs: number,
): { readonly at: number; readonly byLambda: boolean } {
  const job = startedAt + timeoutMinutes * 60_000;
  const lambda = startedAt + remainingMs - ANSWER_MARGIN_MS;
  return job <= lambda ? { at: job, byLambda: false } : { at: lambda, byLambda: true };
}

/** The physical id of a job run: stable for the resource's life (Update never replaces it). */
function physicalIdOf(event: JobRunEvent): string {
  return event.PhysicalResourceId ?? `job-run/${event.LogicalResourceId}/${event.RequestId}`;
}

function bytes(response: JobRunResponse): number {
  return Buffer.byteLength(JSON.stringify(response), 'utf8');
}

/** Cut `reason` so the response fits, at a character boundary, saying it was cut. */
function cut(base: Omit<JobRunResponse, 'Reason'>, reason: string): JobRunResponse {
  const suffix = ' [...]';
  let low = 0;
  let high = reason.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (bytes({ ...base, Reason: reason.slice(0, mid) + suffix }) <= RESPONSE_MAX_BYTES) low = mid;
    else high = mid - 1;
  }
  return { ...base, Reason: reason.slice(0, low) + suffix };
}

/** A response, its reason cut so the whole object stays within CloudFormation's 4 KB. */
export function responseOf(
  event: JobRunEvent,
  outcome:
    | { readonly ok: true; readonly reason: string }
    | { readonly ok: false; readonly reason: string }
    | { readonly ok: false; readonly failure: JobRunFailure },
): JobRunResponse {
  const base = {
    Status: outcome.ok ? ('SUCCESS' as const) : ('FAILED' as const),
    PhysicalResourceId: physicalIdOf(event),
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
  };
  if (!('failure' in outcome)) {
    const whole = { ...base, Reason: outcome.reason };
    return bytes(whole) <= RESPONSE_MAX_BYTES ? whole : cut(base, outcome.reason);
  }
  // Long lines are cut first, then the oldest lines dropped until the response fits.
  const failure = {
    ...outcome.failure,
    logLines: outcome.failure.logLines.map((l) =>
      l.length > 400 ? `${l.slice(0, 400)} [...]` : l,
    ),
  };
  for (let n = Math.min(JOB_LOG_LINES, failure.logLines.length); n >= 0; n--) {
    const response = { ...base, Reason: jobRunFailureReason(failure, n) };
    if (bytes(response) <= RESPONSE_MAX_BYTES) return response;
  }
  return cut(base, jobRunFailureReason(failure, 0));
}
