import { GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeTasksCommand, RunTaskCommand, StopTaskCommand } from '@aws-sdk/client-ecs';
import {
  parseJobOutputs,
  UserError,
  type JobTask,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { Io } from '../io.js';
import {
  JOB_LOG_LINES,
  jobFailure,
  jobLogStream,
  jobOutcome,
  jobPlan,
  jobsToRun,
  runTaskInput,
} from '../lifecycle/job-decisions.js';
import type { AwsClients } from './clients.js';
import { describeStack } from './cloudformation.js';
import { sleep, withRetry } from './retry.js';

export interface RunJobsOptions {
  /** This deploy created the environment: `first-create` jobs run too. */
  readonly firstCreate: boolean;
  readonly io: Io;
  /** The clock (tests pass a fake one). @default Date.now */
  readonly now?: () => number;
}

/**
 * Run the environment's jobs after its stack is deployed (docs/services.md#jobs): for each job in
 * config order, ECS RunTask of the job's task definition in the network the stack publishes, wait
 * for it to stop, and fail the deploy with its exit code and last log lines when it fails or runs
 * past its timeout (then it is stopped). Returns the names of the jobs that ran.
 */
export async function runJobs(
  aws: AwsClients,
  env: Pick<ResolvedEnvironment, 'jobs' | 'stacks' | 'name'>,
  options: RunJobsOptions,
): Promise<string[]> {
  const names = jobsToRun(env.jobs, options.firstCreate);
  if (names.length === 0) return [];
  const stack = await describeStack(aws, env.stacks.main);
  const outputs = Object.fromEntries(
    (stack?.Outputs ?? []).flatMap((o) =>
      o.OutputKey !== undefined && o.OutputValue !== undefined
        ? [[o.OutputKey, o.OutputValue]]
        : [],
    ),
  );
  const { network, tasks } = jobPlan(names, parseJobOutputs(outputs), env.stacks.main);
  const now = options.now ?? Date.now;
  const wait = aws.retry?.sleep ?? sleep;
  for (const task of tasks) {
    const job = env.jobs.find((j) => j.name === task.name);
    const timeoutMs = (job?.timeoutMinutes ?? 15) * 60_000;
    options.io.err(`running job ${task.name} of ${env.name}...\n`);
    const started = await withRetry(
      () =>
        aws.ecs.send(
          new RunTaskCommand(runTaskInput(task, network, `branch-env-deploy-${env.name}`)),
        ),
      aws.retry,
    );
    const taskArn = started.tasks?.[0]?.taskArn;
    if (taskArn === undefined) {
      const failure = started.failures?.[0];
      throw new UserError(
        `job '${task.name}' could not start: ${failure?.reason ?? 'no task was started'}${failure?.detail ? ` (${failure.detail})` : ''}`,
        'deploy again (Fargate capacity and API limits are transient); if it persists, check the job task definition in the ECS console',
      );
    }
    const deadline = now() + timeoutMs;
    for (;;) {
      await wait(aws.pollMs ?? 5000);
      const described = await withRetry(
        () =>
          aws.ecs.send(new DescribeTasksCommand({ cluster: network.cluster, tasks: [taskArn] })),
        aws.retry,
      );
      const outcome = jobOutcome(described.tasks?.[0], task.container);
      if (outcome.state === 'succeeded') {
        options.io.err(`job ${task.name} succeeded\n`);
        break;
      }
      const stream = jobLogStream(task, taskArn);
      if (outcome.state === 'failed')
        throw jobFailure(task, outcome, await lastLogLines(aws, task, stream), stream);
      if (now() >= deadline) {
        await withRetry(
          () =>
            aws.ecs.send(
              new StopTaskCommand({
                cluster: network.cluster,
                task: taskArn,
                reason: `branch-env: job ${task.name} ran past its timeout`,
              }),
            ),
          aws.retry,
        );
        throw jobFailure(
          task,
          { state: 'timed-out', minutes: timeoutMs / 60_000 },
          await lastLogLines(aws, task, stream),
          stream,
        );
      }
    }
  }
  return names;
}

/** The job's last log lines; none when its stream does not exist (the container never started). */
async function lastLogLines(aws: AwsClients, task: JobTask, stream: string): Promise<string[]> {
  try {
    const out = await withRetry(
      () =>
        aws.logs.send(
          new GetLogEventsCommand({
            logGroupName: task.logGroup,
            logStreamName: stream,
            limit: JOB_LOG_LINES,
            startFromHead: false,
          }),
        ),
      aws.retry,
    );
    return (out.events ?? []).map((e) => (e.message ?? '').replace(/\n$/, ''));
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return [];
    throw error;
  }
}
