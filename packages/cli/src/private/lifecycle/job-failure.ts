import { paginateDescribeStackEvents, type StackEvent } from '@aws-sdk/client-cloudformation';
import {
  JOB_RUN_RESOURCE_TYPE,
  jobRunFix,
  parseJobRunFailure,
  UserError,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { AwsClients } from '../aws/clients.js';

/**
 * A deploy that failed because a job failed (docs/services.md#jobs): the job runs inside the
 * stack update (`Custom::BranchEnvJobRun`), so its failure is a resource failure of the stack and
 * the toolkit's error only says the stack rolled back. This finds the job's failure in the stack
 * events and says it as the user needs it: the job, its exit code, its last log lines, the fix.
 */

/** The error of the first job run that failed in `events` (newest first) since `since`, pure. */
export function jobFailureOf(
  events: readonly StackEvent[],
  environment: Pick<ResolvedEnvironment, 'name'>,
  since?: Date,
): UserError | undefined {
  const failed = events
    .filter(
      (e) =>
        e.ResourceType === JOB_RUN_RESOURCE_TYPE &&
        /_FAILED$/.test(e.ResourceStatus ?? '') &&
        (since === undefined || (e.Timestamp?.getTime() ?? 0) >= since.getTime()),
    )
    .sort((a, b) => (a.Timestamp?.getTime() ?? 0) - (b.Timestamp?.getTime() ?? 0));
  for (const event of failed) {
    const job = parseJobRunFailure(event.ResourceStatusReason ?? '');
    if (job === undefined) continue;
    const lines =
      job.logLines.length === 0
        ? '  (no log lines)'
        : job.logLines.map((l) => `  | ${l}`).join('\n');
    return new UserError(
      `job '${job.job}' of ${environment.name} ${job.what}; the deploy was rolled back and the previous release still serves. Last log lines (${job.where}):\n${lines}`,
      jobRunFix(job),
    );
  }
  return undefined;
}

/** Events of the stack newer than `since`, newest first (stops paging at the first older one). */
async function eventsSince(aws: AwsClients, stack: string, since: Date): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  for await (const page of paginateDescribeStackEvents(
    { client: aws.cloudformation },
    { StackName: stack },
  )) {
    for (const e of page.StackEvents ?? []) {
      if ((e.Timestamp?.getTime() ?? 0) < since.getTime()) return out;
      out.push(e);
    }
  }
  return out;
}

/**
 * `error` (a failed deploy), or the job failure that caused it when a job run failed in the
 * environment's stack since `since`. Reading the events is best effort: the deploy's own error is
 * kept when they cannot be read.
 */
export async function explainDeployFailure(
  aws: AwsClients,
  env: Pick<ResolvedEnvironment, 'name' | 'stacks' | 'jobs'>,
  error: unknown,
  since: Date,
): Promise<unknown> {
  if (env.jobs.length === 0) return error;
  try {
    return jobFailureOf(await eventsSince(aws, env.stacks.main, since), env, since) ?? error;
  } catch {
    return error;
  }
}
