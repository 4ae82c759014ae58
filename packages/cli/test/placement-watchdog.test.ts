import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import { loadConfig, resolveEnvironment, UserError } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { clusterOf } from '../src/private/aws/ecs-services.js';
import { deployWithRecovery, type StackDeployer } from '../src/private/lifecycle/prepare-stacks.js';
import {
  failureKind,
  placementError,
  serviceVerdict,
  type ServiceObservation,
} from '../src/private/placement-watchdog.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';
import { FakeCloudFormation } from './helpers/fake-cloudformation.js';

/**
 * The placement watchdog: a Spot-only or capacity-starved service never trips the deployment
 * circuit breaker (no task ever fails a health check), so CloudFormation would wait for hours.
 * Messages are ECS's own (Amazon ECS Developer Guide: service event messages, stopped task errors).
 */
const SERVICE = 'branch-env-demo-feature-new-login-ApiService4B1C-x9Yz';
const SPOT_NO_CAPACITY = `(service ${SERVICE}) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;
const NO_INSTANCE = `(service ${SERVICE}) was unable to place a task because no container instance met all of its requirements. Reason: No Container Instances were found in your cluster. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;
const PULL =
  'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111111111111.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-111111111111-us-east-1:3f9a: 111111111111.dkr.ecr.us-east-1.amazonaws.com/cdk-hnb659fds-container-assets-111111111111-us-east-1:3f9a: not found';
const INIT =
  'ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm: service call has been retried 5 time(s): failed to fetch secret arn:aws:secretsmanager:us-east-1:111111111111:secret:/branch-env-demo/feature-new-login/secrets/API_KEY-AbCdEf from secrets manager: RequestCanceled: request context canceled caused by: context deadline exceeded. Please check your task network configuration.';
const STARTED = `(service ${SERVICE}) has started 1 tasks: (task 5f1e0c7d2a8b4e3f9c6d1a2b3c4d5e6f).`;
const HEALTH = `(service ${SERVICE}) (task 5f1e0c7d2a8b4e3f9c6d1a2b3c4d5e6f) failed container health checks.`;
const STEADY = `(service ${SERVICE}) has reached a steady state.`;

const T0 = new Date('2026-12-06T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

function observed(
  events: [number, string][],
  options: Partial<ServiceObservation> & { running?: number } = {},
): ServiceObservation {
  return {
    service: SERVICE,
    capacityProviders: ['FARGATE_SPOT'],
    // newest first, as DescribeServices returns them
    events: events.map(([m, message]) => ({ createdAt: at(m), message })).reverse(),
    primary: {
      createdAt: at(0),
      desiredCount: 1,
      runningCount: options.running ?? 0,
      failedTasks: 0,
      rolloutState: 'IN_PROGRESS',
    },
    stoppedTasks: [],
    ...options,
  };
}

describe('failureKind (which ECS messages the watchdog acts on)', () => {
  it.each([
    [SPOT_NO_CAPACITY, undefined, 'fargate-capacity'],
    [NO_INSTANCE, undefined, 'no-container-instance'],
    [PULL, undefined, 'image-pull'],
    [INIT, undefined, 'task-initialization'],
    ['Your Spot Task was interrupted.', 'SpotInterruption', 'spot-capacity'],
    [HEALTH, undefined, undefined],
    [STARTED, undefined, undefined],
    ['Essential container in task exited', 'EssentialContainerExited', undefined],
  ])('%s -> %s', (message, stopCode, kind) => {
    expect(failureKind(message, stopCode)).toBe(kind);
  });
});

describe('serviceVerdict (pure)', () => {
  it('three placement failures in a row on a Spot service: Fargate Spot has no capacity', () => {
    const v = serviceVerdict(
      observed([
        [0.5, SPOT_NO_CAPACITY],
        [1.5, SPOT_NO_CAPACITY],
        [2.5, SPOT_NO_CAPACITY],
      ]),
      T0,
      at(3),
    );
    expect(v).toEqual({
      service: SERVICE,
      kind: 'spot-capacity',
      message: SPOT_NO_CAPACITY,
      failures: 3,
      zeroRunningMinutes: 3,
      availabilityZone: undefined,
    });
  });

  it('the same message on an on-demand service is Fargate capacity, not Spot', () => {
    const events: [number, string][] = [
      [0, SPOT_NO_CAPACITY],
      [1, SPOT_NO_CAPACITY],
      [2, SPOT_NO_CAPACITY],
    ];
    expect(
      serviceVerdict(observed(events, { capacityProviders: ['FARGATE'] }), T0, at(2))?.kind,
    ).toBe('fargate-capacity');
  });

  it('two failures are not enough yet; a task started in between resets the count', () => {
    expect(
      serviceVerdict(
        observed([
          [0, SPOT_NO_CAPACITY],
          [1, SPOT_NO_CAPACITY],
        ]),
        T0,
        at(1),
      ),
    ).toBeUndefined();
    expect(
      serviceVerdict(
        observed(
          [
            [0, SPOT_NO_CAPACITY],
            [1, SPOT_NO_CAPACITY],
            [1.5, STARTED],
            [2, SPOT_NO_CAPACITY],
          ],
          { running: 1 },
        ),
        T0,
        at(2),
      ),
    ).toBeUndefined();
  });

  it('one failure and no task running for the threshold (5 min): fails; at 4 min it waits', () => {
    const one = observed([[0.2, NO_INSTANCE]]);
    expect(serviceVerdict(one, T0, at(4))).toBeUndefined();
    expect(serviceVerdict(one, T0, at(5))).toMatchObject({
      kind: 'no-container-instance',
      failures: 1,
      zeroRunningMinutes: 5,
    });
  });

  it('no task running but no failure that says why: keeps waiting (the circuit breaker and health checks decide)', () => {
    expect(serviceVerdict(observed([[1, HEALTH]]), T0, at(30))).toBeUndefined();
  });

  it('ignores what happened before the watch began (an earlier deployment)', () => {
    const old = observed([
      [-30, SPOT_NO_CAPACITY],
      [-20, SPOT_NO_CAPACITY],
      [-10, SPOT_NO_CAPACITY],
      [-5, STEADY],
    ]);
    expect(serviceVerdict(old, T0, at(1))).toBeUndefined();
  });

  it('a rollout that completed or failed (the circuit breaker) is not the watchdog’s', () => {
    const events: [number, string][] = [
      [0, SPOT_NO_CAPACITY],
      [1, SPOT_NO_CAPACITY],
      [2, SPOT_NO_CAPACITY],
    ];
    for (const rolloutState of ['COMPLETED', 'FAILED']) {
      const s = observed(events);
      expect(
        serviceVerdict({ ...s, primary: { ...s.primary!, rolloutState } }, T0, at(3)),
      ).toBeUndefined();
    }
  });

  it('stopped tasks count: Spot interruptions (with their zone), image pulls, secrets', () => {
    const stopped = (
      m: number,
      reason: string,
      stopCode?: string,
      containerReasons: string[] = [],
    ) => ({
      stoppedAt: at(m),
      stoppedReason: reason,
      stopCode,
      availabilityZone: 'us-east-1b',
      capacityProvider: 'FARGATE_SPOT',
      containerReasons,
    });
    const spot = observed([], {
      stoppedTasks: [1, 2, 3].map((m) =>
        stopped(m, 'Your Spot Task was interrupted.', 'SpotInterruption'),
      ),
    });
    expect(serviceVerdict(spot, T0, at(3))).toMatchObject({
      kind: 'spot-capacity',
      availabilityZone: 'us-east-1b',
      failures: 3,
    });
    const pull = observed([], {
      stoppedTasks: [1, 2, 3].map((m) =>
        stopped(m, 'Task failed to start', 'TaskFailedToStart', [PULL]),
      ),
    });
    expect(serviceVerdict(pull, T0, at(3))).toMatchObject({
      kind: 'image-pull',
      message: `Task failed to start: ${PULL}`,
    });
    const init = observed([], {
      stoppedTasks: [1, 2, 3].map((m) => stopped(m, INIT, 'TaskFailedToStart')),
    });
    expect(serviceVerdict(init, T0, at(3))?.kind).toBe('task-initialization');
  });
});

describe('placementError', () => {
  const env = { name: 'feature-new-login', branch: 'feature/new-login', profileName: 'preview' };
  it('says why, what ECS said, what was done, and the fix (on-demand fallback or retry)', () => {
    const e = placementError(
      {
        service: SERVICE,
        kind: 'spot-capacity',
        message: SPOT_NO_CAPACITY,
        failures: 3,
        zeroRunningMinutes: 3,
        availabilityZone: 'us-east-1a',
      },
      env,
      'cancelled the update of x',
    );
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(
      `deploy of feature-new-login stopped: Fargate Spot has no capacity in us-east-1a for service ${SERVICE} (3 failure(s) in a row, no task running for 3 min; the deployment circuit breaker never trips on this); cancelled the update of x. ECS says: ${SPOT_NO_CAPACITY}`,
    );
    expect(e.fix).toBe(
      'deploy again later (branch-env deploy feature/new-login), or keep an on-demand fallback: set profiles.preview.task.minTasks to 2 or more (one task stays on FARGATE) or profiles.preview.task.spot to false',
    );
  });
});

describe('clusterOf', () => {
  it('reads the cluster of a long-format service ARN', () => {
    expect(clusterOf('arn:aws:ecs:us-east-1:111111111111:service/platform-Cluster-1/api')).toBe(
      'platform-Cluster-1',
    );
    expect(clusterOf('arn:aws:ecs:us-east-1:111111111111:service/api')).toBeUndefined();
  });
});

// ---------------------------------------------------------------------------------------------
// deploy through a placement failure: the stateful fake CloudFormation, ECS mocked with its real
// messages, and a toolkit stand-in that waits for the stack the way toolkit-lib does (it polls
// until the stack leaves *_IN_PROGRESS and fails on a rollback).

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'), ROOT);
const preview = resolveEnvironment('feature/new-login', config); // Spot, one task
const MAIN = preview.stacks.main;
const CLUSTER = 'branch-env-demo-platform-ClusterEB0386A7-Ab12Cd34';
const SERVICE_ARN = `arn:aws:ecs:us-east-1:111111111111:service/${CLUSTER}/${SERVICE}`;

const cfn = new FakeCloudFormation();
const ecs = mockClient(ECSClient);
const aws = testClients();
beforeEach(() => {
  cfn.reset();
  ecs.reset();
});

/** The service as DescribeServices shows it while its tasks cannot be placed. */
function describeService(events: string[], since: Date): Service {
  return {
    serviceName: SERVICE,
    serviceArn: SERVICE_ARN,
    capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
    desiredCount: 1,
    runningCount: 0,
    events: events
      .map((message, i) => ({
        id: `e${i}`,
        createdAt: new Date(since.getTime() + i * 1000),
        message,
      }))
      .reverse(),
    deployments: [
      {
        id: 'ecs-svc/1',
        status: 'PRIMARY',
        desiredCount: 1,
        runningCount: 0,
        failedTasks: 0,
        rolloutState: 'IN_PROGRESS',
        createdAt: since,
        capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
      },
    ],
  };
}

/**
 * A toolkit stand-in: puts the main stack in `status` with its ECS service in progress, then
 * waits (one poll per tick, at most `patience` polls, i.e. the job's timeout) for CloudFormation
 * to settle, and fails the way toolkit-lib does when the stack rolled back or went away.
 */
function hangingToolkit(
  status: 'CREATE_IN_PROGRESS' | 'UPDATE_IN_PROGRESS',
  patience = 20_000,
): StackDeployer<string[]> & { timedOut: () => boolean } {
  let timedOut = false;
  const deploy = async () => {
    const s = cfn.live(MAIN) ?? cfn.add(MAIN, status);
    s.status = status;
    s.resources = [
      {
        LogicalResourceId: 'ApiService4B1C',
        PhysicalResourceId: SERVICE_ARN,
        ResourceType: 'AWS::ECS::Service',
        ResourceStatus: status,
        LastUpdatedTimestamp: new Date(),
      },
    ];
    for (let i = 0; i < patience; i++) {
      await new Promise((r) => setTimeout(r, 1));
      const now = cfn.live(MAIN)?.status ?? 'DELETE_COMPLETE';
      if (!now.endsWith('_IN_PROGRESS'))
        throw new Error(
          `The stack named ${MAIN} failed to deploy: ${now}: ${s.statusReason ?? ''}`,
        );
    }
    timedOut = true;
    throw new Error(
      'The job running on runner GitHub Actions 2 has exceeded the maximum execution time of 360 minutes.',
    );
  };
  return Object.assign(deploy, { timedOut: () => timedOut });
}

function ecsSays(events: string[], stopped: Task[] = []) {
  // The events happen while the deploy runs: stamped when ECS is asked.
  ecs
    .on(DescribeServicesCommand)
    .callsFake(() => ({ services: [describeService(events, new Date())] }));
  ecs.on(ListTasksCommand).resolves({ taskArns: stopped.map((t) => t.taskArn!) });
  ecs.on(DescribeTasksCommand).resolves({ tasks: stopped });
}

describe('deploy through a placement failure (fake CloudFormation, ECS messages)', () => {
  const watch = { intervalMs: 2, ecs: new ECSClient({ region: 'us-east-1' }) };

  it('an update whose Spot tasks cannot be placed: cancelled within the first looks, failed with the reason and the fix', async () => {
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    ecsSays([SPOT_NO_CAPACITY, SPOT_NO_CAPACITY, SPOT_NO_CAPACITY]);
    const io = recordingIo();
    const toolkit = hangingToolkit('UPDATE_IN_PROGRESS');
    const error = await deployWithRecovery(aws, preview, io, toolkit, watch).catch((e) => e);
    expect(toolkit.timedOut()).toBe(false);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(
      `deploy of feature-new-login stopped: Fargate Spot has no capacity for service ${SERVICE}`,
    );
    expect(error.message).toContain(`cancelled the update of ${MAIN}`);
    expect(error.message).toContain(`ECS says: ${SPOT_NO_CAPACITY}`);
    expect(error.fix).toMatch(
      /^deploy again later \(branch-env deploy feature\/new-login\), or keep an on-demand fallback: set profiles\.preview\.task\.minTasks to 2/,
    );
    expect(cfn.calls).toContain(`CancelUpdateStack ${MAIN}`);
    expect(cfn.live(MAIN)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(io.stderr()).toContain(
      `placement watchdog: service ${SERVICE} cannot run its tasks (spot-capacity): stopping the deploy`,
    );
    // The service the stack is deploying, in its cluster.
    expect(ecs.commandCalls(DescribeServicesCommand)[0]?.args[0].input).toEqual({
      cluster: CLUSTER,
      services: [SERVICE_ARN],
    });
  });

  it('a first create whose tasks cannot pull their image: deleted (it never completed), and the next deploy creates it again', async () => {
    const stopped: Task[] = [1, 2, 3].map((i) => ({
      taskArn: `arn:aws:ecs:us-east-1:111111111111:task/${CLUSTER}/t${i}`,
      stoppedAt: new Date(Date.now() + i * 1000),
      stoppedReason: 'Task failed to start',
      stopCode: 'TaskFailedToStart',
      availabilityZone: 'us-east-1a',
      containers: [{ name: 'api', reason: PULL }],
    }));
    ecsSays([], stopped);
    const io = recordingIo();
    const error = await deployWithRecovery(
      aws,
      preview,
      io,
      hangingToolkit('CREATE_IN_PROGRESS'),
      watch,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(`the tasks of service ${SERVICE} cannot pull their image`);
    expect(error.message).toContain(`deleted ${MAIN}, whose first create cannot complete`);
    expect(error.fix).toContain('the subnets reach ECR');
    expect(cfn.calls).toContain(`DeleteStack ${MAIN}`);
    expect(cfn.live(MAIN)).toBeUndefined();

    // Fixed: the next deploy is a first create again.
    ecs.reset();
    const out = await deployWithRecovery(
      aws,
      preview,
      recordingIo(),
      async ({ firstCreate }) => {
        cfn.add(MAIN, 'CREATE_COMPLETE');
        return [String(firstCreate)];
      },
      watch,
    );
    expect(out).toMatchObject({ firstCreate: true, result: ['true'] });
  });

  it('without the watchdog the same deploy waits until the job times out', async () => {
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    ecsSays([SPOT_NO_CAPACITY, SPOT_NO_CAPACITY, SPOT_NO_CAPACITY]);
    const toolkit = hangingToolkit('UPDATE_IN_PROGRESS', 50);
    await expect(deployWithRecovery(aws, preview, recordingIo(), toolkit, false)).rejects.toThrow(
      /exceeded the maximum execution time/,
    );
    expect(toolkit.timedOut()).toBe(true);
  });

  it('its own AWS errors never fail a deploy: it says so and the deploy goes on', async () => {
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    ecs
      .on(DescribeServicesCommand)
      .rejects(
        awsError(
          'AccessDeniedException',
          'User: arn:aws:sts::111111111111:assumed-role/deploy/x is not authorized to perform: ecs:DescribeServices',
        ),
      );
    const io = recordingIo();
    let polls = 0;
    const out = await deployWithRecovery(
      aws,
      preview,
      io,
      async () => {
        const s = cfn.live(MAIN)!;
        s.status = 'UPDATE_IN_PROGRESS';
        s.resources = [
          {
            LogicalResourceId: 'ApiService4B1C',
            PhysicalResourceId: SERVICE_ARN,
            ResourceType: 'AWS::ECS::Service',
            ResourceStatus: 'UPDATE_IN_PROGRESS',
            LastUpdatedTimestamp: new Date(),
          },
        ];
        while (polls++ < 30) await new Promise((r) => setTimeout(r, 1));
        s.status = 'UPDATE_COMPLETE';
        return ['ok'];
      },
      { ...watch, ecs: undefined },
    );
    expect(out.result).toEqual(['ok']);
    expect(io.stderr()).toContain(
      'warning: placement watchdog stopped (User: arn:aws:sts::111111111111:assumed-role/deploy/x is not authorized to perform: ecs:DescribeServices); the deploy goes on without it',
    );
    expect(cfn.calls.filter((c) => c.startsWith('CancelUpdateStack'))).toEqual([]);
  });
});
