/**
 * A job's run inside the environment stack's update (docs/services.md#jobs): one CloudFormation
 * custom resource per job (`JOB_RUN_RESOURCE_TYPE`) whose Lambda runs the job's task with ECS
 * RunTask and answers CloudFormation when it stopped; every ECS service of the stack depends on
 * it. One home for what the CDK writes (the resource's properties, the failure reason the handler
 * answers with) and what the CLI reads back from the stack events (`parseJobRunFailure`).
 */

/** The custom resource type of a job run. */
export const JOB_RUN_RESOURCE_TYPE = 'Custom::BranchEnvJobRun';

/**
 * The longest a job may run, in minutes: the handler waits for the task inside one Lambda
 * invocation (at most 15 minutes), and keeps a minute to stop the task, read its log and answer.
 */
export const JOB_RUN_MAX_MINUTES = 14;

/** How many of a failed job's last log lines the failure shows (fewer when 4 KB cannot hold them). */
export const JOB_LOG_LINES = 30;

/**
 * The custom resource's properties as the handler receives them: CloudFormation passes every
 * scalar as a string.
 */
export interface JobRunProperties {
  readonly JobName: string;
  /** Task definition ARN: a new revision (a new code or setting) updates the resource, which runs the job again. */
  readonly TaskDefinition: string;
  /** The job's container: its exit code is the job's, its log stream `<container>/<container>/<task id>`. */
  readonly Container: string;
  readonly LogGroup: string;
  readonly Cluster: string;
  readonly Subnets: readonly string[];
  readonly SecurityGroups: readonly string[];
  readonly AssignPublicIp: 'true' | 'false';
  readonly TimeoutMinutes: string;
  readonly When: 'before-traffic' | 'first-create';
  /**
   * `first-create` jobs only: this deploy creates the environment (`deploy`'s first create); a
   * `first-create` job added to an environment that already exists is not run. Absent on
   * `before-traffic` jobs, whose runs it would otherwise update (and run again) on the deploy
   * after the create.
   */
  readonly EnvironmentCreate?: 'true' | 'false';
  /** ECS `startedBy` of the task. */
  readonly StartedBy: string;
}

/** Why a job failed the deploy. */
export type JobRunFailureKind =
  | { readonly kind: 'exited'; readonly exitCode: number | undefined; readonly reason: string }
  | { readonly kind: 'not-started'; readonly reason: string }
  | { readonly kind: 'timed-out'; readonly minutes: number };

export interface JobRunFailure {
  readonly job: string;
  readonly failure: JobRunFailureKind;
  readonly logGroup: string;
  /** Undefined when no task started. */
  readonly logStream?: string | undefined;
  /** The last lines of the job's log, oldest first. */
  readonly logLines: readonly string[];
}

const HEAD = 'branch-env job ';
const LOG_MARK = '. Last log lines';

function what(f: JobRunFailureKind): string {
  switch (f.kind) {
    case 'timed-out':
      return `ran past its timeout of ${f.minutes} minute(s) and was stopped`;
    case 'not-started':
      return `could not start: ${f.reason}`;
    case 'exited':
      return `failed${f.exitCode === undefined ? '' : ` with exit code ${f.exitCode}`}: ${f.reason}`;
  }
}

/**
 * The reason a failed job run answers CloudFormation with (it shows in the stack events and is
 * what `parseJobRunFailure` reads): the job, what happened, and its last log lines, one per line.
 * `maxLines` keeps only the last ones (the handler lowers it until the response fits in 4 KB).
 */
export function jobRunFailureReason(f: JobRunFailure, maxLines = JOB_LOG_LINES): string {
  const kept = maxLines <= 0 ? [] : f.logLines.slice(-maxLines);
  const where = `${f.logGroup}${f.logStream ? ` ${f.logStream}` : ''}`;
  const omitted = f.logLines.length - kept.length;
  const lines =
    kept.length === 0
      ? f.logLines.length === 0
        ? ' (none)'
        : ` (${f.logLines.length} not shown)`
      : `${omitted > 0 ? ` (the last ${kept.length} of ${f.logLines.length})` : ''}:\n${kept.map((l) => `| ${l}`).join('\n')}`;
  return `${HEAD}'${f.job}' ${what(f.failure)}${LOG_MARK} [${where}]${lines}`;
}

/** A failed job run, read back from a stack event's reason. */
export interface ParsedJobRunFailure {
  readonly job: string;
  /** `failed with exit code 1: Essential container in task exited`, `ran past its timeout ...`. */
  readonly what: string;
  readonly timedOut: boolean;
  /** Log group and stream. */
  readonly where: string;
  readonly logLines: readonly string[];
}

/**
 * The job failure inside a CloudFormation resource status reason (CloudFormation wraps the
 * handler's reason: `Received response status [FAILED] from custom resource. Message returned:
 * <reason> (RequestId: <id>)`). Undefined when the reason is not a job run's.
 */
export function parseJobRunFailure(statusReason: string): ParsedJobRunFailure | undefined {
  const start = statusReason.indexOf(HEAD);
  if (start < 0) return undefined;
  const text = statusReason.slice(start + HEAD.length).replace(/\s*\(RequestId: [^)]*\)\s*$/, '');
  const m = /^'([^']+)' ([\s\S]*?)\. Last log lines \[([^\]]*)\]([^\n]*)(?:\n([\s\S]*))?$/.exec(
    text,
  );
  if (!m) return undefined;
  const [, job, happened, where, rest, body] = m;
  // Lines one per line; should a copy of the reason have its line breaks flattened to spaces,
  // they are split at ' | ' instead (a line that itself holds ' | ' is then split too).
  const flat = body === undefined ? /^[^:]*: (\| .*)$/.exec(rest ?? '')?.[1] : undefined;
  const lines =
    body !== undefined
      ? body.split('\n').filter((l) => l.startsWith('|'))
      : flat !== undefined
        ? flat.split(/ (?=\| )/)
        : [];
  return {
    job: job!,
    what: happened!,
    timedOut: happened!.startsWith('ran past its timeout'),
    where: where!,
    logLines: lines.map((l) => l.replace(/^\| ?/, '')),
  };
}

/** What the user does about a failed job (the CLI's error and the pull-request comment say it). */
export function jobRunFix(job: Pick<ParsedJobRunFailure, 'job' | 'timedOut'>): string {
  return job.timedOut
    ? `make the job finish sooner or raise jobs.${job.job}.timeoutMinutes (at most ${JOB_RUN_MAX_MINUTES}) in the config, then deploy again`
    : `fix the job's command (jobs.${job.job}.command) or the code it runs, then deploy again`;
}
