import {
  DeleteStackCommand,
  DescribeStacksCommand,
  paginateDescribeStackEvents,
  ListStackResourcesCommand,
  ListStacksCommand,
  UpdateTerminationProtectionCommand,
  type Stack,
  type StackEvent,
  type StackResourceSummary,
  type StackSummary as SdkStackSummary,
} from '@aws-sdk/client-cloudformation';
import { UserError, type StackSummary } from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { deleteAllImages } from './ecr.js';
import { sleep, withRetry } from './retry.js';
import { emptyBucket } from './s3.js';

function isMissingStack(error: unknown): boolean {
  return (
    error instanceof Error &&
    error.name === 'ValidationError' &&
    /does not exist/.test(error.message)
  );
}

/** One stack, or undefined when it does not exist (or is DELETE_COMPLETE). */
export async function describeStack(aws: AwsClients, name: string): Promise<Stack | undefined> {
  try {
    const out = await withRetry(
      () => aws.cloudformation.send(new DescribeStacksCommand({ StackName: name })),
      aws.retry,
    );
    const stack = out.Stacks?.[0];
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
  } catch (error) {
    if (isMissingStack(error)) return undefined;
    throw error;
  }
}

export interface WaitOptions {
  /** Give up after this long. @default 30 minutes */
  readonly timeoutMs?: number;
  readonly onStatus?: (status: string) => void;
  /** The clock (tests pass a fake one). @default Date.now */
  readonly now?: () => number;
  /** How long to wait while the stack is in this status. @default timeoutMs for every status */
  readonly timeoutMsFor?: (status: string) => number | undefined;
  /** The error to give up with. @default "another deploy or delete of this environment is running" */
  readonly timeoutError?: (status: string, waitedMs: number) => Error;
}

/** How long our own delete is waited for: CloudFront distributions take 30–60+ min to delete. */
const DELETE_TIMEOUT_MS = 120 * 60_000;

export interface DeleteOptions extends WaitOptions {
  /** Turn off termination protection first (protected environments, `--force-protected`). */
  readonly disableTerminationProtection?: boolean;
  /**
   * How long a delete (ours, or one already running) is waited for before giving up with "run it
   * again". @default {@link DELETE_TIMEOUT_MS} (120 minutes)
   */
  readonly deleteTimeoutMs?: number;
  /** The command that finishes the job when the delete outlasts the wait. @default 'branch-env destroy' */
  readonly rerun?: string;
  /**
   * Waits before each retry of a delete that failed only on a certificate still "in use" by the
   * load balancer or distribution the same delete just removed (ACM updates `InUseBy` eventually:
   * aws-cdk#4179). @default {@link IN_USE_RETRY_MS} (30 s, 60 s, 120 s)
   */
  readonly inUseRetryMs?: readonly number[];
}

/** Back-off between retries of a delete that failed on a certificate still in use. */
const IN_USE_RETRY_MS: readonly number[] = [30_000, 60_000, 120_000];

/** A failed resource that only needs time: an ACM certificate whose user was just deleted. */
function isInUseRace(f: { readonly type: string; readonly reason: string }): boolean {
  return f.type === 'AWS::CertificateManager::Certificate' && /in use/i.test(f.reason);
}

/**
 * Wait while a stack is in any `*_IN_PROGRESS` state (another deploy, a rollback, a delete) and
 * return its settled status (`undefined` once gone). Gives a clear error when it does not settle.
 */
export async function waitForStable(
  aws: AwsClients,
  name: string,
  options: WaitOptions = {},
): Promise<string | undefined> {
  const now = options.now ?? Date.now;
  const start = now();
  const timeoutMs = options.timeoutMs ?? 30 * 60_000;
  let last: string | undefined;
  for (;;) {
    const stack = await describeStack(aws, name);
    const status = stack?.StackStatus;
    if (status !== last && status) options.onStatus?.(status);
    last = status;
    // REVIEW_IN_PROGRESS is a stack that only has an unexecuted change set (a first deploy that
    // was interrupted): nothing is running, so it is settled (and deletable).
    if (!status || !status.endsWith('_IN_PROGRESS') || status === 'REVIEW_IN_PROGRESS')
      return status;
    const waited = now() - start;
    if (waited >= (options.timeoutMsFor?.(status) ?? timeoutMs)) {
      if (options.timeoutError) throw options.timeoutError(status, waited);
      throw new UserError(
        `stack ${name} is still ${status}: another deploy or delete of this environment is running`,
        'wait for it to finish (see the CloudFormation console or `aws cloudformation describe-stack-events`), then run the command again',
      );
    }
    await sleep(aws.pollMs ?? 5000);
  }
}

/** Every event of a stack, by name or id, newest first (DescribeStackEvents, all pages). */
export async function stackEvents(aws: AwsClients, stackNameOrId: string): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  for await (const page of paginateDescribeStackEvents(
    { client: aws.cloudformation },
    { StackName: stackNameOrId },
  ))
    out.push(...(page.StackEvents ?? []));
  return out;
}

/**
 * Whether a stack ever finished a create or update (its own CREATE_COMPLETE / UPDATE_COMPLETE
 * event). One that never did holds nothing worth keeping: `deploy` deletes it and creates it again.
 */
export function completedOnce(events: readonly StackEvent[]): boolean {
  return events.some(
    (e) =>
      e.ResourceType === 'AWS::CloudFormation::Stack' &&
      e.PhysicalResourceId === e.StackId &&
      (e.ResourceStatus === 'CREATE_COMPLETE' || e.ResourceStatus === 'UPDATE_COMPLETE'),
  );
}

/** A DescribeStacks entry as `list` sees it; undefined without a name or status. */
export function stackSummary(s: Stack, region: string, account: string): StackSummary | undefined {
  if (!s.StackName || !s.StackStatus) return undefined;
  return {
    name: s.StackName,
    status: s.StackStatus,
    region,
    account,
    createdAt: s.CreationTime?.toISOString(),
    tags: Object.fromEntries((s.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
  };
}

/** Every stack of the region tagged `branch-env:app=<app>` (DescribeStacks, paginated). */
export async function listAppStacks(
  aws: AwsClients,
  app: string,
  account: string,
): Promise<StackSummary[]> {
  const out: StackSummary[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () => aws.cloudformation.send(new DescribeStacksCommand({ NextToken: token })),
      aws.retry,
    );
    for (const s of page.Stacks ?? []) {
      const summary = stackSummary(s, aws.region, account);
      if (summary?.tags['branch-env:app'] === app) out.push(summary);
    }
    token = page.NextToken;
  } while (token);
  return out;
}

export interface StackDeleteResult {
  readonly stack: string;
  readonly existed: boolean;
  /** Resources CloudFormation could not delete, after one retry with buckets/repositories emptied. */
  readonly failures: readonly {
    logicalId: string;
    type: string;
    physicalId?: string;
    reason: string;
  }[];
  /** What was emptied to let the retry succeed. */
  readonly emptied: readonly string[];
}

/**
 * The id of the most recently deleted stack named `name` (ListStacks filtered to DELETE_COMPLETE,
 * paginated), or undefined. A deleted stack's resources stay readable by its id for 90 days.
 */
async function deletedStackId(aws: AwsClients, name: string): Promise<string | undefined> {
  const time = (s: SdkStackSummary) => (s.DeletionTime ?? s.CreationTime)?.getTime() ?? 0;
  let newest: SdkStackSummary | undefined;
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        aws.cloudformation.send(
          new ListStacksCommand({ StackStatusFilter: ['DELETE_COMPLETE'], NextToken: token }),
        ),
      aws.retry,
    );
    for (const s of page?.StackSummaries ?? []) {
      if (s.StackName === name && s.StackId && (!newest || time(s) > time(newest))) newest = s;
    }
    token = page?.NextToken;
  } while (token);
  return newest?.StackId;
}

/**
 * Physical ids of a stack's resources of the given types, by type (one ListStackResources scan,
 * paginated), e.g. the CloudFormation-generated name of its `AWS::ECS::Cluster`. When no stack of that name exists,
 * the most recently deleted one is read by its id ({@link deletedStackId}), so a destroy run again
 * after the delete finished still finds what the stack had; a stack never created has none.
 */
export async function physicalIdsByType(
  aws: AwsClients,
  stack: string,
  types: readonly string[],
): Promise<Map<string, string[]>> {
  const idsOf = async (stackNameOrId: string): Promise<Map<string, string[]>> => {
    const ids = new Map<string, string[]>(types.map((t) => [t, []]));
    for (const r of await stackResources(aws, stackNameOrId))
      if (r.ResourceType && r.PhysicalResourceId)
        ids.get(r.ResourceType)?.push(r.PhysicalResourceId);
    return ids;
  };
  try {
    return await idsOf(stack);
  } catch (error) {
    if (!isMissingStack(error)) throw error;
  }
  const deleted = await deletedStackId(aws, stack);
  return deleted === undefined ? new Map(types.map((t) => [t, []])) : idsOf(deleted);
}

async function failedResources(
  aws: AwsClients,
  stackId: string,
): Promise<{ logicalId: string; type: string; physicalId?: string | undefined; reason: string }[]> {
  return (await stackResources(aws, stackId))
    .filter((r) => r.ResourceStatus === 'DELETE_FAILED')
    .map((r) => ({
      logicalId: r.LogicalResourceId ?? '?',
      type: r.ResourceType ?? '?',
      physicalId: r.PhysicalResourceId,
      reason: r.ResourceStatusReason ?? '',
    }));
}

/** Every resource summary of a stack, by name or id (ListStackResources, all pages). */
async function stackResources(
  aws: AwsClients,
  stackNameOrId: string,
): Promise<StackResourceSummary[]> {
  const out: StackResourceSummary[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        aws.cloudformation.send(
          new ListStackResourcesCommand({ StackName: stackNameOrId, NextToken: token }),
        ),
      aws.retry,
    );
    out.push(...(page?.StackResourceSummaries ?? []));
    token = page?.NextToken;
  } while (token);
  return out;
}

/**
 * Delete a stack and wait until it is gone. A stack busy with another operation is waited for
 * first. On DELETE_FAILED, buckets and repositories that failed (not empty) are emptied and the
 * delete is retried once; a certificate still "in use" by what the delete just removed is retried
 * with back-off ({@link IN_USE_RETRY_MS}); what still fails is returned, not thrown, so the caller
 * reports it.
 * Deleting a stack that does not exist succeeds (idempotent).
 */
export async function deleteStack(
  aws: AwsClients,
  name: string,
  options: DeleteOptions = {},
): Promise<StackDeleteResult> {
  // A delete runs as long as its slowest resource: a CloudFront distribution is disabled, then
  // deleted, 30–60+ min (docs/cost-and-time.md). Wait that long for a delete (a running one too:
  // a previous destroy that gave up), and when it outlasts even that, say it is still running
  // and how to finish, not that someone else is deploying.
  const deleteTimeoutMs = options.deleteTimeoutMs ?? DELETE_TIMEOUT_MS;
  const deleting: WaitOptions = {
    timeoutMsFor: (status) => (status === 'DELETE_IN_PROGRESS' ? deleteTimeoutMs : undefined),
    timeoutError: (status, waited) =>
      status === 'DELETE_IN_PROGRESS'
        ? new UserError(
            `the delete of ${name} is still running after ${Math.round(waited / 60_000)} min (CloudFront distributions take 30–60+ min to delete)`,
            `run \`${options.rerun ?? 'branch-env destroy'}\` again to finish: it waits for the running delete, then cleans up`,
          )
        : new UserError(
            `stack ${name} is still ${status}: another deploy or delete of this environment is running`,
            'wait for it to finish (see the CloudFormation console or `aws cloudformation describe-stack-events`), then run the command again',
          ),
  };
  const settled = await waitForStable(aws, name, { ...options, ...deleting });
  const stack = settled ? await describeStack(aws, name) : undefined;
  if (!stack?.StackId) return { stack: name, existed: false, failures: [], emptied: [] };
  const id = stack.StackId;
  if (stack.EnableTerminationProtection) {
    if (!options.disableTerminationProtection) {
      throw new UserError(
        `stack ${name} has termination protection on (a protected environment)`,
        'destroy it with --force-protected if you really mean it',
      );
    }
    await withRetry(
      () =>
        aws.cloudformation.send(
          new UpdateTerminationProtectionCommand({
            StackName: id,
            EnableTerminationProtection: false,
          }),
        ),
      aws.retry,
    );
  }
  const emptied: string[] = [];
  let emptiedOnce = false;
  let inUseRetries = 0;
  for (;;) {
    await withRetry(
      () => aws.cloudformation.send(new DeleteStackCommand({ StackName: id })),
      aws.retry,
    );
    const status = await waitForStable(aws, id, { ...options, ...deleting });
    if (status === undefined || status === 'DELETE_COMPLETE')
      return { stack: name, existed: true, failures: [], emptied };
    const failures = await failedResources(aws, id);
    if (failures.length === 0) {
      // Not gone, yet no resource says why (e.g. the stack's own role was deleted first): the
      // stack itself is the failure, never "deleted".
      const reason = (await describeStack(aws, id))?.StackStatusReason;
      failures.push({
        logicalId: name,
        type: 'AWS::CloudFormation::Stack',
        reason: `${status}${reason ? `: ${reason}` : ''}`,
      });
    }
    if (status !== 'DELETE_FAILED') return { stack: name, existed: true, failures, emptied };
    const waits = options.inUseRetryMs ?? IN_USE_RETRY_MS;
    if (failures.every(isInUseRace) && inUseRetries < waits.length) {
      await (aws.retry?.sleep ?? sleep)(waits[inUseRetries++] ?? 0);
      continue;
    }
    if (emptiedOnce) return { stack: name, existed: true, failures, emptied };
    emptiedOnce = true;
    let fixed = 0;
    for (const f of failures) {
      if (!f.physicalId) continue;
      if (f.type === 'AWS::S3::Bucket') {
        await emptyBucket(aws, f.physicalId);
        emptied.push(`s3://${f.physicalId}`);
        fixed++;
      } else if (f.type === 'AWS::ECR::Repository') {
        await deleteAllImages(aws, f.physicalId);
        emptied.push(`ecr:${f.physicalId}`);
        fixed++;
      }
    }
    if (fixed === 0) return { stack: name, existed: true, failures, emptied };
  }
}
