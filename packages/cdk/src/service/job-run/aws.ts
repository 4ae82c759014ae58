import { DescribeStacksCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { GetLogEventsCommand, type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  RunTaskCommand,
  StopTaskCommand,
  type ECSClient,
} from '@aws-sdk/client-ecs';
import { JOB_LOG_LINES } from '@branch-env/core';
import type { DescribedTask, runTaskInput } from './decide.js';

/**
 * The job-run handler's AWS calls, thin: DescribeStacks (the requesting stack's status), RunTask,
 * DescribeTasks and StopTask (the job's task), GetLogEvents (its last lines). Tested with
 * aws-sdk-client-mock (test/job-run.test.ts).
 */
export interface JobRunAws {
  stackStatus(stackId: string): Promise<string>;
  /** The started task's ARN, or why none started. */
  runTask(
    input: ReturnType<typeof runTaskInput>,
  ): Promise<{ readonly taskArn: string } | { readonly failure: string }>;
  describeTask(cluster: string, taskArn: string): Promise<DescribedTask | undefined>;
  stopTask(cluster: string, taskArn: string, reason: string): Promise<void>;
  /** The last lines of a stream, oldest first; none when the stream does not exist. */
  lastLogLines(logGroup: string, logStream: string): Promise<string[]>;
}

export interface JobRunClients {
  readonly cloudformation: CloudFormationClient;
  readonly ecs: ECSClient;
  readonly logs: CloudWatchLogsClient;
}

export function jobRunAws(clients: JobRunClients): JobRunAws {
  return {
    async stackStatus(stackId) {
      const out = await clients.cloudformation.send(
        new DescribeStacksCommand({ StackName: stackId }),
      );
      return out.Stacks?.[0]?.StackStatus ?? '';
    },
    async runTask(input) {
      const out = await clients.ecs.send(new RunTaskCommand(input));
      const taskArn = out.tasks?.[0]?.taskArn;
      if (taskArn !== undefined) return { taskArn };
      const f = out.failures?.[0];
      return {
        failure: f
          ? `${f.reason ?? 'unknown'}${f.detail ? ` (${f.detail})` : ''}${f.arn ? ` on ${f.arn}` : ''}`
          : 'RunTask started no task',
      };
    },
    async describeTask(cluster, taskArn) {
      const out = await clients.ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] }));
      return out.tasks?.[0];
    },
    async stopTask(cluster, taskArn, reason) {
      await clients.ecs.send(new StopTaskCommand({ cluster, task: taskArn, reason }));
    },
    async lastLogLines(logGroup, logStream) {
      try {
        const out = await clients.logs.send(
          new GetLogEventsCommand({
            logGroupName: logGroup,
            logStreamName: logStream,
            limit: JOB_LOG_LINES,
            startFromHead: false,
          }),
        );
        return (out.events ?? []).map((e) => (e.message ?? '').replace(/\n$/, ''));
      } catch (error) {
        if (error instanceof Error && error.name === 'ResourceNotFoundException') return [];
        throw error;
      }
    },
  };
}
