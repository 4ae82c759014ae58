import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECSClient } from '@aws-sdk/client-ecs';
import { jobRunAws, type JobRunAws } from './aws.js';
import {
  actionOf,
  deadlineOf,
  jobLogStream,
  jobOutcome,
  Refusal,
  responseOf,
  runTaskInput,
  settingsOf,
  type JobRunEvent,
  type JobRunResponse,
  type JobRunSettings,
} from './decide.js';
import { respond } from '../../private/cfn-response.js';

/**
 * The Lambda behind `Custom::BranchEnvJobRun` (docs/services.md#jobs): runs the job's task with
 * ECS RunTask, waits for it to stop within one invocation, and answers CloudFormation's response
 * URL itself: SUCCESS on exit code 0, FAILED with the exit code, ECS's reason and the last log
 * lines otherwise, which fails the stack update before any service is updated. Bundled with
 * esbuild at synth (job-runs.ts); the AWS SDK is the runtime's.
 */

export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** What is left of this Lambda invocation. */
  remainingMs(): number;
}

/** Between two looks at the task. */
export const POLL_MS = 5000;

/** Decide and act on one request; every outcome, errors included, is a response. */
export async function runJob(
  event: JobRunEvent,
  aws: JobRunAws,
  clock: Clock,
  pollMs = POLL_MS,
): Promise<JobRunResponse> {
  if (event.RequestType === 'Delete')
    return responseOf(event, { ok: true, reason: 'a job run leaves nothing to delete' });
  let settings: JobRunSettings | undefined;
  let taskArn: string | undefined;
  try {
    settings = settingsOf(event.ResourceProperties);
    const action = actionOf(event.RequestType, settings, await aws.stackStatus(event.StackId));
    if (action.kind === 'skip') return responseOf(event, { ok: true, reason: action.why });
    const s = settings;
    const started = clock.now();
    const deadline = deadlineOf(started, s.timeoutMinutes, clock.remainingMs());
    const run = await aws.runTask(runTaskInput(s, event.RequestId));
    const base = { job: s.job, logGroup: s.logGroup };
    if ('failure' in run)
      return responseOf(event, {
        ok: false,
        failure: { ...base, failure: { kind: 'not-started', reason: run.failure }, logLines: [] },
      });
    taskArn = run.taskArn;
    const logStream = jobLogStream(s.container, taskArn);
    for (;;) {
      await clock.sleep(pollMs);
      const outcome = jobOutcome(await aws.describeTask(s.cluster, taskArn), s.container);
      if (outcome.state === 'succeeded')
        return responseOf(event, {
          ok: true,
          reason: `job '${s.job}' succeeded (task ${taskArn.slice(taskArn.lastIndexOf('/') + 1)})`,
        });
      if (outcome.state === 'failed')
        return responseOf(event, {
          ok: false,
          failure: {
            ...base,
            logStream,
            failure: { kind: 'exited', exitCode: outcome.exitCode, reason: outcome.reason },
            logLines: await aws.lastLogLines(s.logGroup, logStream),
          },
        });
      if (clock.now() >= deadline.at) {
        const minutes = deadline.byLambda
          ? Math.floor((clock.now() - started) / 60_000)
          : s.timeoutMinutes;
        await aws.stopTask(s.cluster, taskArn, `branch-env: job ${s.job} ran past its timeout`);
        return responseOf(event, {
          ok: false,
          failure: {
            ...base,
            logStream,
            failure: { kind: 'timed-out', minutes },
            logLines: await aws.lastLogLines(s.logGroup, logStream),
          },
        });
      }
    }
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    if (settings !== undefined && taskArn !== undefined) {
      // The deploy fails: a job left running would keep changing what the rollback restores.
      await aws
        .stopTask(settings.cluster, taskArn, `branch-env: job ${settings.job} failed the deploy`)
        .catch(() => undefined);
    }
    return responseOf(event, {
      ok: false,
      reason:
        error instanceof Refusal
          ? message
          : `branch-env job '${settings?.job ?? event.LogicalResourceId}' could not be run: ${message}`,
    });
  }
}

export async function handler(
  event: JobRunEvent,
  context: { getRemainingTimeInMillis(): number },
): Promise<void> {
  const region = process.env['AWS_REGION'];
  const aws = jobRunAws({
    cloudformation: new CloudFormationClient({ region }),
    ecs: new ECSClient({ region }),
    logs: new CloudWatchLogsClient({ region }),
  });
  const response = await runJob(event, aws, {
    now: Date.now,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    remainingMs: () => context.getRemainingTimeInMillis(),
  });
  console.log(
    JSON.stringify({
      request: event.RequestType,
      stack: event.StackId,
      resource: event.LogicalResourceId,
      status: response.Status,
      reason: response.Reason,
    }),
  );
  await respond(event.ResponseURL, response);
}
