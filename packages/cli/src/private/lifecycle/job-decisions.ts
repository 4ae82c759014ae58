import {
  UserError,
  type JobNetwork,
  type JobOutputs,
  type JobTask,
  type ResolvedJob,
} from '@branch-env/core';

/**
 * What `deploy` decides about the environment's jobs (docs/services.md#jobs), pure: which run,
 * the RunTask request, what a described task means, and the error a failed job fails the deploy
 * with. The AWS calls are in `aws/run-jobs.ts`.
 */

/** The jobs this deploy runs, in config order: every `before-traffic` job, `first-create` ones on a create. */
export function jobsToRun(
  jobs: readonly Pick<ResolvedJob, 'name' | 'when'>[],
  firstCreate: boolean,
): string[] {
  return jobs.filter((j) => j.when === 'before-traffic' || firstCreate).map((j) => j.name);
}

/** A job to run with where it runs, or the bug that the stack does not publish it. */
export function jobPlan(
  names: readonly string[],
  outputs: JobOutputs,
  stack: string,
): { readonly network: JobNetwork; readonly tasks: readonly JobTask[] } {
  const missing = names.filter((n) => !outputs.jobs.has(n));
  if (outputs.network === undefined || missing.length > 0)
    throw new Error(
      `bug: stack ${stack} does not publish ${outputs.network === undefined ? 'the job network' : `job(s) ${missing.join(', ')}`} (outputs BranchEnvJobNetwork / BranchEnvJob<n>)`,
    );
  return { network: outputs.network, tasks: names.map((n) => outputs.jobs.get(n)!) };
}

/** The RunTask request of one job: its own task definition, in the environment's network. */
export function runTaskInput(
  task: JobTask,
  network: JobNetwork,
  startedBy: string,
): {
  cluster: string;
  taskDefinition: string;
  launchType: 'FARGATE';
  count: number;
  startedBy: string;
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
    cluster: network.cluster,
    taskDefinition: task.taskDefinition,
    launchType: 'FARGATE',
    count: 1,
    // At most 128 characters: letters, digits, - and _.
    startedBy: startedBy.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 128),
    networkConfiguration: {
      awsvpcConfiguration: {
        subnets: [...network.subnets],
        securityGroups: [...network.securityGroups],
        assignPublicIp: network.assignPublicIp ? 'ENABLED' : 'DISABLED',
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
export function jobLogStream(task: JobTask, taskArn: string): string {
  const id = taskArn.slice(taskArn.lastIndexOf('/') + 1);
  return `${task.container}/${task.container}/${id}`;
}

/** How many log lines a failed job's error shows. */
export const JOB_LOG_LINES = 30;

/** The error a failed (or timed-out) job fails the deploy with: exit code, reason, last log lines. */
export function jobFailure(
  task: JobTask,
  outcome:
    | Extract<JobOutcome, { state: 'failed' }>
    | { readonly state: 'timed-out'; readonly minutes: number },
  logLines: readonly string[],
  logStream: string | undefined,
): UserError {
  const what =
    outcome.state === 'timed-out'
      ? `ran past its timeout of ${outcome.minutes} minute(s) and was stopped`
      : `failed${outcome.exitCode === undefined ? '' : ` with exit code ${outcome.exitCode}`}: ${outcome.reason}`;
  const lines =
    logLines.length === 0
      ? '  (no log lines)'
      : logLines
          .slice(-JOB_LOG_LINES)
          .map((l) => `  | ${l}`)
          .join('\n');
  return new UserError(
    `job '${task.name}' ${what}. Last log lines (${task.logGroup}${logStream ? ` ${logStream}` : ''}):\n${lines}`,
    outcome.state === 'timed-out'
      ? `make the job finish sooner or raise jobs.${task.name}.timeoutMinutes in the config, then deploy again`
      : `fix the job's command (jobs.${task.name}.command) or the code it runs, then deploy again; the environment's stack is deployed, only its jobs are left`,
  );
}
