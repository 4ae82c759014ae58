import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { JOB_NETWORK_OUTPUT, UserError, type JobTask, type ResolvedJob } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { runJobs } from '../src/private/aws/run-jobs.js';
import {
  jobFailure,
  jobLogStream,
  jobOutcome,
  jobsToRun,
  runTaskInput,
} from '../src/private/lifecycle/job-decisions.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';

const cfn = mockClient(CloudFormationClient);
const ecs = mockClient(ECSClient);
const logs = mockClient(CloudWatchLogsClient);

const migrate: JobTask = {
  name: 'migrate',
  taskDefinition: 'arn:aws:ecs:us-east-1:111111111111:task-definition/shop-feature-a-job-migrate:4',
  container: 'migrate',
  logGroup: '/shop/feature-a/job/migrate',
};
const seed: JobTask = {
  ...migrate,
  name: 'seed',
  container: 'seed',
  logGroup: '/shop/feature-a/job/seed',
};
const network = {
  cluster: 'shop-feature-a-cluster',
  subnets: ['subnet-1', 'subnet-2'],
  securityGroups: ['sg-jobs'],
  assignPublicIp: true,
};
const TASK = 'arn:aws:ecs:us-east-1:111111111111:task/shop-feature-a-cluster/0123456789abcdef';

function job(name: string, when: ResolvedJob['when'], timeoutMinutes = 15): ResolvedJob {
  return {
    name,
    service: 'api',
    source: { kind: 'image', image: 'x:1' },
    command: ['run', name],
    environment: {},
    secrets: [],
    task: { cpu: 256, memoryMiB: 512, architecture: 'arm64' },
    timeoutMinutes,
    when,
  };
}

function env(jobs: ResolvedJob[]) {
  return { name: 'feature-a', stacks: { main: 'shop-feature-a' }, jobs };
}

function stackWithJobs(tasks: JobTask[]): void {
  cfn.on(DescribeStacksCommand).resolves({
    Stacks: [
      {
        StackName: 'shop-feature-a',
        StackStatus: 'UPDATE_COMPLETE',
        CreationTime: new Date(),
        Outputs: [
          { OutputKey: JOB_NETWORK_OUTPUT, OutputValue: JSON.stringify(network) },
          ...tasks.map((t, i) => ({
            OutputKey: `BranchEnvJob${i}`,
            OutputValue: JSON.stringify(t),
          })),
          { OutputKey: 'Other', OutputValue: 'x' },
        ],
      },
    ],
  });
}

const stopped = (exitCode: number, name = 'migrate') => ({
  tasks: [
    {
      taskArn: TASK,
      lastStatus: 'STOPPED',
      stoppedReason: 'Essential container in task exited',
      containers: [{ name, exitCode }],
    },
  ],
});

describe('job decisions', () => {
  it('runs before-traffic jobs on every deploy and first-create jobs only on the create', () => {
    const jobs = [job('migrate', 'before-traffic'), job('seed', 'first-create')];
    expect(jobsToRun(jobs, false)).toEqual(['migrate']);
    expect(jobsToRun(jobs, true)).toEqual(['migrate', 'seed']);
  });

  it("runs the job's own task definition in the environment's subnets and security group", () => {
    expect(
      runTaskInput(migrate, { ...network, assignPublicIp: false }, 'branch-env deploy/x'),
    ).toEqual({
      cluster: 'shop-feature-a-cluster',
      taskDefinition: migrate.taskDefinition,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'branch-env-deploy-x',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1', 'subnet-2'],
          securityGroups: ['sg-jobs'],
          assignPublicIp: 'DISABLED',
        },
      },
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
    });
  });

  it.each([
    [{ lastStatus: 'RUNNING' }, { state: 'running' }],
    [stopped(0).tasks[0], { state: 'succeeded' }],
    [
      stopped(3).tasks[0],
      { state: 'failed', exitCode: 3, reason: 'Essential container in task exited' },
    ],
    [
      {
        lastStatus: 'STOPPED',
        stopCode: 'TaskFailedToStart',
        stoppedReason: 'CannotPullContainerError: no such image',
      },
      { state: 'failed', exitCode: undefined, reason: 'CannotPullContainerError: no such image' },
    ],
    [undefined, { state: 'failed', exitCode: undefined, reason: 'the task is gone (not found)' }],
  ])('reads a described task %j as %j', (task, outcome) => {
    expect(jobOutcome(task, 'migrate')).toEqual(outcome);
  });

  it('finds the awslogs stream of the job container', () => {
    expect(jobLogStream(migrate, TASK)).toBe('migrate/migrate/0123456789abcdef');
  });

  it('fails with the exit code, the last log lines and the fix', () => {
    const error = jobFailure(
      migrate,
      { state: 'failed', exitCode: 1, reason: 'exited' },
      ['connecting', 'relation "users" already exists'],
      'migrate/migrate/abc',
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain("job 'migrate' failed with exit code 1: exited");
    expect(error.message).toContain('  | relation "users" already exists');
    expect(error.fix).toMatch(/jobs\.migrate\.command/);
  });
});

describe('runJobs (ECS RunTask, DescribeTasks, CloudWatch Logs)', () => {
  beforeEach(() => {
    cfn.reset();
    ecs.reset();
    logs.reset();
  });

  it('runs nothing and calls nothing when no job runs on this deploy', async () => {
    const ran = await runJobs(testClients(), env([job('seed', 'first-create')]), {
      firstCreate: false,
      io: recordingIo(),
    });
    expect(ran).toEqual([]);
    expect(cfn.calls()).toHaveLength(0);
    expect(ecs.calls()).toHaveLength(0);
  });

  it('runs each job in order, waiting until it stops with exit code 0', async () => {
    stackWithJobs([migrate, seed]);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] })
      .resolvesOnce(stopped(0, 'migrate'))
      .resolvesOnce(stopped(0, 'seed'));
    const io = recordingIo();
    const ran = await runJobs(
      testClients(),
      env([job('migrate', 'before-traffic'), job('seed', 'first-create')]),
      { firstCreate: true, io },
    );
    expect(ran).toEqual(['migrate', 'seed']);
    const runs = ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input);
    expect(runs.map((r) => r.taskDefinition)).toEqual([
      migrate.taskDefinition,
      seed.taskDefinition,
    ]);
    expect(runs[0]?.networkConfiguration?.awsvpcConfiguration?.securityGroups).toEqual(['sg-jobs']);
    expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input).toEqual({
      cluster: 'shop-feature-a-cluster',
      tasks: [TASK],
    });
    expect(io.stderr()).toContain('job migrate succeeded');
  });

  it('fails the deploy with the exit code and the last log lines of a failed job', async () => {
    stackWithJobs([migrate]);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
    ecs.on(DescribeTasksCommand).resolves(stopped(2));
    logs.on(GetLogEventsCommand).resolves({
      events: [{ message: 'migrating 0042\n' }, { message: 'error: column exists' }],
    });
    const failure = runJobs(testClients(), env([job('migrate', 'before-traffic')]), {
      firstCreate: false,
      io: recordingIo(),
    });
    await expect(failure).rejects.toThrow(UserError);
    await expect(failure).rejects.toThrow(
      /exit code 2[\s\S]*\| migrating 0042\n {2}\| error: column exists/,
    );
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/shop/feature-a/job/migrate',
      logStreamName: 'migrate/migrate/0123456789abcdef',
      limit: 30,
      startFromHead: false,
    });
  });

  it('stops a job that runs past its timeout and fails the deploy', async () => {
    stackWithJobs([migrate]);
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] });
    ecs.on(StopTaskCommand).resolves({});
    logs.on(GetLogEventsCommand).rejects(awsError('ResourceNotFoundException'));
    let t = 0;
    const failure = runJobs(testClients(), env([job('migrate', 'before-traffic', 1)]), {
      firstCreate: false,
      io: recordingIo(),
      now: () => (t += 30_000),
    });
    await expect(failure).rejects.toThrow(
      /ran past its timeout of 1 minute\(s\)[\s\S]*\(no log lines\)/,
    );
    expect(ecs.commandCalls(StopTaskCommand)[0]!.args[0].input).toMatchObject({
      cluster: 'shop-feature-a-cluster',
      task: TASK,
    });
  });

  it('fails with the reason when the task cannot start', async () => {
    stackWithJobs([migrate]);
    ecs
      .on(RunTaskCommand)
      .resolves({ tasks: [], failures: [{ reason: 'RESOURCE:ENI', detail: 'limit' }] });
    await expect(
      runJobs(testClients(), env([job('migrate', 'before-traffic')]), {
        firstCreate: false,
        io: recordingIo(),
      }),
    ).rejects.toThrow(/job 'migrate' could not start: RESOURCE:ENI \(limit\)/);
  });
});
