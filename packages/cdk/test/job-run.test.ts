import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, GetLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  DescribeTasksCommand,
  ECSClient,
  RunTaskCommand,
  StopTaskCommand,
} from '@aws-sdk/client-ecs';
import { JOB_LOG_LINES, parseJobRunFailure } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { jobRunAws } from '../src/service/job-run/aws.js';
import {
  actionOf,
  deadlineOf,
  jobLogStream,
  jobOutcome,
  RESPONSE_MAX_BYTES,
  responseOf,
  runTaskInput,
  settingsOf,
  type JobRunEvent,
} from '../src/service/job-run/decide.js';
import { runJob, type Clock } from '../src/service/job-run/handler.js';

// The job-run handler (Custom::BranchEnvJobRun, docs/services.md#jobs): its decisions directly,
// its AWS calls through aws-sdk-client-mock, with a fake clock.

const STACK_ID =
  'arn:aws:cloudformation:us-east-1:111111111111:stack/shop-feature-a/0f0e0d0c-1111-2222-3333-444455556666';
const CLUSTER = 'shop-feature-a-ServiceCluster-abc';
const TASK = `arn:aws:ecs:us-east-1:111111111111:task/${CLUSTER}/0123456789abcdef`;
const TASK_DEFINITION =
  'arn:aws:ecs:us-east-1:111111111111:task-definition/shop-feature-a-job-migrate:7';

const PROPERTIES = {
  ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:shop-feature-a-Handler',
  JobName: 'migrate',
  TaskDefinition: TASK_DEFINITION,
  Container: 'migrate',
  LogGroup: '/shop/feature-a/job/migrate',
  Cluster: CLUSTER,
  Subnets: ['subnet-1', 'subnet-2'],
  SecurityGroups: ['sg-jobs'],
  AssignPublicIp: 'true',
  TimeoutMinutes: '10',
  When: 'before-traffic',
  EnvironmentCreate: 'false',
  StartedBy: 'branch-env-deploy-feature-a',
};

function event(over: Partial<JobRunEvent> = {}, props: Record<string, unknown> = {}): JobRunEvent {
  return {
    RequestType: 'Update',
    ResponseURL: 'https://cloudformation-custom-resource-response.s3.amazonaws.com/x',
    StackId: STACK_ID,
    RequestId: '5b1f0c2e-8a9d-4c3b-9e7f-0a1b2c3d4e5f',
    LogicalResourceId: 'ServicesJobRunsRunmigrate2ECF261D',
    PhysicalResourceId: 'job-run/ServicesJobRunsRunmigrate2ECF261D/first',
    ResourceProperties: { ...PROPERTIES, ...props },
    ...over,
  };
}

/** A clock that moves only when the handler sleeps. */
function fakeClock(lambdaMs = 15 * 60_000): Clock & { readonly slept: number[] } {
  let t = 1_800_000_000_000;
  const end = t + lambdaMs;
  const slept: number[] = [];
  return {
    slept,
    now: () => t,
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
    remainingMs: () => end - t,
  };
}

describe('what a request does', () => {
  const before = { when: 'before-traffic', environmentCreate: false } as const;
  const seed = { when: 'first-create', environmentCreate: true } as const;
  it.each([
    ['Create', before, 'CREATE_IN_PROGRESS', 'run'],
    ['Update', before, 'UPDATE_IN_PROGRESS', 'run'],
    ['Create', seed, 'CREATE_IN_PROGRESS', 'run'],
    // first-create: only when the resource is created with the environment
    ['Update', seed, 'UPDATE_IN_PROGRESS', 'skip'],
    ['Create', { ...seed, environmentCreate: false }, 'UPDATE_IN_PROGRESS', 'skip'],
    // a rollback sends the previous properties: nothing runs again
    ['Update', before, 'UPDATE_ROLLBACK_IN_PROGRESS', 'skip'],
    ['Delete', before, 'DELETE_IN_PROGRESS', 'skip'],
  ] as const)('%s of a %o job while %s: %s', (request, settings, status, kind) => {
    expect(actionOf(request, settings, status).kind).toBe(kind);
  });
});

describe('the job settings, the RunTask request and the task outcome', () => {
  it('reads the properties CloudFormation sends as strings', () => {
    const s = settingsOf(PROPERTIES);
    expect(s).toMatchObject({ assignPublicIp: true, timeoutMinutes: 10, when: 'before-traffic' });
    expect(() => settingsOf({ ...PROPERTIES, TimeoutMinutes: '30' })).toThrow(/1-14/);
    expect(() => settingsOf({ ...PROPERTIES, Subnets: [] })).toThrow(/Subnets/);
  });

  it("runs the job's revision in the environment's network, idempotently per request", () => {
    expect(runTaskInput(settingsOf(PROPERTIES), 'req-1')).toEqual({
      cluster: CLUSTER,
      taskDefinition: TASK_DEFINITION,
      launchType: 'FARGATE',
      count: 1,
      startedBy: 'branch-env-deploy-feature-a',
      clientToken: 'req-1',
      networkConfiguration: {
        awsvpcConfiguration: {
          subnets: ['subnet-1', 'subnet-2'],
          securityGroups: ['sg-jobs'],
          assignPublicIp: 'ENABLED',
        },
      },
      propagateTags: 'TASK_DEFINITION',
      enableECSManagedTags: true,
    });
  });

  it('reads a described task: running, exit 0, or the failure and why', () => {
    expect(jobOutcome({ lastStatus: 'RUNNING' }, 'migrate')).toEqual({ state: 'running' });
    expect(
      jobOutcome(
        { lastStatus: 'STOPPED', containers: [{ name: 'migrate', exitCode: 0 }] },
        'migrate',
      ),
    ).toEqual({ state: 'succeeded' });
    expect(
      jobOutcome(
        {
          lastStatus: 'STOPPED',
          stoppedReason: 'Essential container in task exited',
          containers: [{ name: 'migrate', exitCode: 2 }],
        },
        'migrate',
      ),
    ).toEqual({ state: 'failed', exitCode: 2, reason: 'Essential container in task exited' });
    expect(
      jobOutcome(
        {
          lastStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'CannotPullContainerError: pull image manifest has been retried',
          containers: [{ name: 'migrate' }],
        },
        'migrate',
      ),
    ).toEqual({
      state: 'failed',
      exitCode: undefined,
      reason: 'CannotPullContainerError: pull image manifest has been retried',
    });
    expect(jobOutcome(undefined, 'migrate').state).toBe('failed');
    expect(jobLogStream('migrate', TASK)).toBe('migrate/migrate/0123456789abcdef');
  });

  it('stops waiting at the job timeout, or earlier when the Lambda invocation ends first', () => {
    expect(deadlineOf(0, 10, 15 * 60_000)).toEqual({ at: 10 * 60_000, byLambda: false });
    expect(deadlineOf(0, 14, 14 * 60_000)).toEqual({ at: 14 * 60_000 - 45_000, byLambda: true });
  });

  it('keeps the response within 4 KB, dropping the oldest log lines first', () => {
    const lines = Array.from({ length: JOB_LOG_LINES }, (_, i) => `${i} ${'x'.repeat(390)}`);
    const response = responseOf(event(), {
      ok: false,
      failure: {
        job: 'migrate',
        failure: { kind: 'exited', exitCode: 1, reason: 'Essential container in task exited' },
        logGroup: '/shop/feature-a/job/migrate',
        logStream: 'migrate/migrate/0123',
        logLines: lines,
      },
    });
    expect(Buffer.byteLength(JSON.stringify(response))).toBeLessThanOrEqual(RESPONSE_MAX_BYTES);
    const parsed = parseJobRunFailure(response.Reason);
    expect(parsed?.logLines.length).toBeGreaterThan(3);
    expect(parsed?.logLines.length).toBeLessThan(JOB_LOG_LINES);
    expect(parsed?.logLines.at(-1)).toBe(lines.at(-1));
    const long = responseOf(event(), { ok: false, reason: 'é'.repeat(5000) });
    expect(Buffer.byteLength(JSON.stringify(long))).toBeLessThanOrEqual(RESPONSE_MAX_BYTES);
    expect(long.Reason.endsWith(' [...]')).toBe(true);
  });
});

describe('runJob (AWS SDK mocked)', () => {
  const cfn = mockClient(CloudFormationClient);
  const ecs = mockClient(ECSClient);
  const logs = mockClient(CloudWatchLogsClient);
  const aws = jobRunAws({
    cloudformation: new CloudFormationClient({ region: 'us-east-1' }),
    ecs: new ECSClient({ region: 'us-east-1' }),
    logs: new CloudWatchLogsClient({ region: 'us-east-1' }),
  });

  beforeEach(() => {
    for (const m of [cfn, ecs, logs]) m.reset();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: 'shop-feature-a',
          StackStatus: 'UPDATE_IN_PROGRESS',
          CreationTime: new Date(),
        },
      ],
    });
    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }], failures: [] });
  });

  const stopped = (
    exitCode: number | undefined,
    reason = 'Essential container in task exited',
  ) => ({
    tasks: [
      {
        taskArn: TASK,
        lastStatus: 'STOPPED',
        stoppedReason: reason,
        containers: [{ name: 'migrate', exitCode }],
      },
    ],
  });

  it('succeeds when the task exits 0, after running it once with the request as client token', async () => {
    ecs
      .on(DescribeTasksCommand)
      .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'PROVISIONING' }] })
      .resolvesOnce({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] })
      .resolves(stopped(0));
    const clock = fakeClock();
    const response = await runJob(event(), aws, clock);
    expect(response).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: 'job-run/ServicesJobRunsRunmigrate2ECF261D/first',
      Reason: "job 'migrate' succeeded (task 0123456789abcdef)",
    });
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
    expect(ecs.commandCalls(RunTaskCommand)[0]!.args[0].input).toMatchObject({
      taskDefinition: TASK_DEFINITION,
      cluster: CLUSTER,
      clientToken: event().RequestId,
    });
    expect(ecs.commandCalls(DescribeTasksCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      tasks: [TASK],
    });
    expect(clock.slept).toHaveLength(3);
    expect(cfn.commandCalls(DescribeStacksCommand)[0]!.args[0].input).toEqual({
      StackName: STACK_ID,
    });
  });

  it('fails with the exit code, the reason and the last log lines on a non-zero exit', async () => {
    ecs.on(DescribeTasksCommand).resolves(stopped(3));
    logs.on(GetLogEventsCommand).resolves({
      events: [{ message: 'migrating 0042_users\n' }, { message: 'ERROR: column "email" exists' }],
    });
    const response = await runJob(event(), aws, fakeClock());
    expect(response.Status).toBe('FAILED');
    expect(parseJobRunFailure(response.Reason)).toEqual({
      job: 'migrate',
      what: 'failed with exit code 3: Essential container in task exited',
      timedOut: false,
      where: '/shop/feature-a/job/migrate migrate/migrate/0123456789abcdef',
      logLines: ['migrating 0042_users', 'ERROR: column "email" exists'],
    });
    expect(logs.commandCalls(GetLogEventsCommand)[0]!.args[0].input).toEqual({
      logGroupName: '/shop/feature-a/job/migrate',
      logStreamName: 'migrate/migrate/0123456789abcdef',
      limit: JOB_LOG_LINES,
      startFromHead: false,
    });
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(0);
  });

  it("fails with ECS's reason when no task starts, and when the task fails to start", async () => {
    ecs.on(RunTaskCommand).resolves({
      tasks: [],
      failures: [{ reason: 'RESOURCE:ENI', detail: 'no ENI capacity' }],
    });
    const notStarted = await runJob(event(), aws, fakeClock());
    expect(notStarted.Status).toBe('FAILED');
    expect(parseJobRunFailure(notStarted.Reason)?.what).toBe(
      'could not start: RESOURCE:ENI (no ENI capacity)',
    );
    expect(ecs.commandCalls(DescribeTasksCommand)).toHaveLength(0);

    ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: TASK }] });
    ecs.on(DescribeTasksCommand).resolves({
      tasks: [
        {
          taskArn: TASK,
          lastStatus: 'STOPPED',
          stopCode: 'TaskFailedToStart',
          stoppedReason: 'ResourceInitializationError: unable to pull secrets',
          containers: [{ name: 'migrate' }],
        },
      ],
    });
    // The container never started: its log stream does not exist.
    logs.on(GetLogEventsCommand).rejects(
      Object.assign(new Error('The specified log stream does not exist.'), {
        name: 'ResourceNotFoundException',
      }),
    );
    const failedToStart = await runJob(event(), aws, fakeClock());
    expect(parseJobRunFailure(failedToStart.Reason)).toMatchObject({
      what: 'failed: ResourceInitializationError: unable to pull secrets',
      logLines: [],
    });
  });

  it('stops the task and fails when the job runs past its timeout', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] });
    ecs.on(StopTaskCommand).resolves({});
    logs.on(GetLogEventsCommand).resolves({ events: [{ message: 'still copying rows' }] });
    const clock = fakeClock();
    const response = await runJob(event({}, { TimeoutMinutes: '2' }), aws, clock);
    expect(parseJobRunFailure(response.Reason)).toMatchObject({
      timedOut: true,
      what: 'ran past its timeout of 2 minute(s) and was stopped',
      logLines: ['still copying rows'],
    });
    expect(ecs.commandCalls(StopTaskCommand)[0]!.args[0].input).toEqual({
      cluster: CLUSTER,
      task: TASK,
      reason: 'branch-env: job migrate ran past its timeout',
    });
    expect(clock.slept.reduce((a, b) => a + b, 0)).toBe(2 * 60_000);
  });

  it('answers before its own Lambda invocation ends, whatever the job timeout', async () => {
    ecs.on(DescribeTasksCommand).resolves({ tasks: [{ taskArn: TASK, lastStatus: 'RUNNING' }] });
    ecs.on(StopTaskCommand).resolves({});
    logs.on(GetLogEventsCommand).resolves({ events: [] });
    const clock = fakeClock(5 * 60_000);
    const response = await runJob(event({}, { TimeoutMinutes: '14' }), aws, clock);
    expect(response.Status).toBe('FAILED');
    expect(clock.remainingMs()).toBeGreaterThan(0);
    expect(parseJobRunFailure(response.Reason)?.timedOut).toBe(true);
  });

  it('runs a first-create job on its Create with the environment, never on an Update', async () => {
    ecs.on(DescribeTasksCommand).resolves(stopped(0));
    const seed = { When: 'first-create', EnvironmentCreate: 'true' };
    const update = await runJob(event({ RequestType: 'Update' }, seed), aws, fakeClock());
    expect(update).toMatchObject({ Status: 'SUCCESS' });
    expect(update.Reason).toMatch(/runs only when the environment is created/);
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
    const create = await runJob(
      event({ RequestType: 'Create', PhysicalResourceId: undefined }, seed),
      aws,
      fakeClock(),
    );
    expect(create.Status).toBe('SUCCESS');
    expect(create.PhysicalResourceId).toBe(
      `job-run/ServicesJobRunsRunmigrate2ECF261D/${event().RequestId}`,
    );
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(1);
  });

  it('runs nothing while the stack rolls back, and deletes nothing', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'x', StackStatus: 'UPDATE_ROLLBACK_IN_PROGRESS', CreationTime: new Date() },
      ],
    });
    expect((await runJob(event(), aws, fakeClock())).Status).toBe('SUCCESS');
    expect((await runJob(event({ RequestType: 'Delete' }), aws, fakeClock())).Status).toBe(
      'SUCCESS',
    );
    expect(ecs.commandCalls(RunTaskCommand)).toHaveLength(0);
  });

  it('fails with the AWS error and stops the task it started when a call fails', async () => {
    ecs
      .on(DescribeTasksCommand)
      .rejects(Object.assign(new Error('not authorized'), { name: 'AccessDeniedException' }));
    ecs.on(StopTaskCommand).resolves({});
    const response = await runJob(event(), aws, fakeClock());
    expect(response).toMatchObject({
      Status: 'FAILED',
      Reason: "branch-env job 'migrate' could not be run: AccessDeniedException: not authorized",
    });
    expect(ecs.commandCalls(StopTaskCommand)).toHaveLength(1);
  });
});
