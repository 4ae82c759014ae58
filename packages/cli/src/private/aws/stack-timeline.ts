import { paginateDescribeStackEvents, type StackEvent } from '@aws-sdk/client-cloudformation';
import { startsOperation } from '@branch-env/core';
import type { AwsClients } from './clients.js';

const isMissingStack = (error: unknown): boolean =>
  error instanceof Error &&
  error.name === 'ValidationError' &&
  /does not exist/.test(error.message);

/**
 * The events of a stack's most recent create or update (DescribeStackEvents, newest first): pages
 * are read until the stack's own CREATE_IN_PROGRESS / UPDATE_IN_PROGRESS, so a long-lived stack's
 * history is not read in full. Empty when the stack does not exist.
 */
export async function latestOperationEvents(
  aws: AwsClients,
  stackName: string,
): Promise<StackEvent[]> {
  const out: StackEvent[] = [];
  try {
    for await (const page of paginateDescribeStackEvents(
      { client: aws.cloudformation },
      { StackName: stackName },
    )) {
      for (const event of page.StackEvents ?? []) {
        out.push(event);
        if (startsOperation(event, stackName)) return out;
      }
    }
  } catch (error) {
    if (isMissingStack(error)) return [];
    throw error;
  }
  return out;
}
