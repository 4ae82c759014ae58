import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/**
 * Delete the log groups under `/<app>/<env>/`: the ones services and ECS create at run time
 * outside CloudFormation. Returns the names deleted (already-gone groups are skipped).
 */
export async function deleteLogGroups(aws: AwsClients, prefix: string): Promise<string[]> {
  const names: string[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        aws.logs.send(
          new DescribeLogGroupsCommand({ logGroupNamePrefix: prefix, nextToken: token }),
        ),
      aws.retry,
    );
    for (const g of page.logGroups ?? []) if (g.logGroupName) names.push(g.logGroupName);
    token = page.nextToken;
  } while (token);
  const deleted: string[] = [];
  for (const name of names) {
    try {
      await withRetry(
        () => aws.logs.send(new DeleteLogGroupCommand({ logGroupName: name })),
        aws.retry,
      );
      deleted.push(name);
    } catch (error) {
      if (!(error instanceof Error && error.name === 'ResourceNotFoundException')) throw error;
    }
  }
  return deleted;
}

/** Delete one log group; `false` when it is not there (idempotent). */
export async function deleteLogGroup(aws: AwsClients, name: string): Promise<boolean> {
  try {
    await withRetry(
      () => aws.logs.send(new DeleteLogGroupCommand({ logGroupName: name })),
      aws.retry,
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return false;
    throw error;
  }
}
