import {
  CloudFormationClient,
  DescribeStackEventsCommand,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, resolveEnvironment } from '@branch-env/core';
import { main } from '../src/cli.js';
import { latestOperationEvents } from '../src/private/aws/stack-timeline.js';
import { timelineSummary, type Timeline } from '../src/commands/timeline/timeline.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';

// `timeline` in-process: the real synthesis for the model, DescribeStackEvents mocked with
// recorded-shape events (newest first, two pages, an older update before the latest one).
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, 'branch-env.config.json');
const BRANCH = 'feature/timing';
const env = resolveEnvironment({ ref: BRANCH }, loadConfig(CONFIG, ROOT).config);
const STACK = env.stacks.main;
const STACK_ID = `arn:aws:cloudformation:${env.region}:111111111111:stack/${STACK}/abc`;

const cfn = mockClient(CloudFormationClient);

const ev = (
  logicalId: string,
  type: string,
  status: string,
  iso: string,
  reason?: string,
): StackEvent => ({
  StackId: STACK_ID,
  StackName: STACK,
  EventId: `${logicalId}-${status}-${iso}`,
  LogicalResourceId: logicalId,
  PhysicalResourceId: logicalId === STACK ? STACK_ID : `${logicalId}-physical`,
  ResourceType: type,
  ResourceStatus: status,
  Timestamp: new Date(iso),
  ...(reason ? { ResourceStatusReason: reason } : {}),
});
const self = (status: string, iso: string) => ev(STACK, 'AWS::CloudFormation::Stack', status, iso);

// Newest first. Page 1 holds the latest create; page 2 an older operation that must not be read.
const PAGE_1: StackEvent[] = [
  self('CREATE_COMPLETE', '2026-12-01T10:09:00Z'),
  ev('Service', 'AWS::ECS::Service', 'CREATE_COMPLETE', '2026-12-01T10:08:30Z'),
  ev('Alb', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'CREATE_COMPLETE', '2026-12-01T10:03:00Z'),
  ev('Service', 'AWS::ECS::Service', 'CREATE_IN_PROGRESS', '2026-12-01T10:03:10Z'),
  ev(
    'Alb',
    'AWS::ElasticLoadBalancingV2::LoadBalancer',
    'CREATE_IN_PROGRESS',
    '2026-12-01T10:00:30Z',
  ),
];
const PAGE_2: StackEvent[] = [
  self('CREATE_IN_PROGRESS', '2026-12-01T10:00:00Z'),
  self('DELETE_COMPLETE', '2026-11-30T09:00:00Z'),
  self('ROLLBACK_COMPLETE', '2026-11-30T08:50:00Z'),
];
const PAGE_3: StackEvent[] = [self('CREATE_IN_PROGRESS', '2026-11-30T08:00:00Z')];

beforeEach(() => {
  cfn.reset();
  cfn
    .on(DescribeStackEventsCommand)
    .callsFake((input: { StackName?: string; NextToken?: string }) => {
      if (input.StackName !== STACK) {
        throw awsError('ValidationError', `Stack with id ${input.StackName} does not exist`);
      }
      if (input.NextToken === undefined) return { StackEvents: PAGE_1, NextToken: 'p2' };
      if (input.NextToken === 'p2') return { StackEvents: PAGE_2, NextToken: 'p3' };
      return { StackEvents: PAGE_3 };
    });
});

describe('latestOperationEvents', () => {
  it("reads pages until the stack's own latest start and no further", async () => {
    const events = await latestOperationEvents(testClients(), STACK);
    expect(events).toHaveLength(6);
    expect(events.at(-1)?.ResourceStatus).toBe('CREATE_IN_PROGRESS');
    expect(cfn.commandCalls(DescribeStackEventsCommand)).toHaveLength(2);
  });

  it('is empty for a stack that does not exist, and rethrows other errors', async () => {
    expect(await latestOperationEvents(testClients(), 'no-such-stack')).toEqual([]);
    cfn.on(DescribeStackEventsCommand).rejects(awsError('AccessDenied', 'not authorized'));
    await expect(latestOperationEvents(testClients(), STACK)).rejects.toThrow('not authorized');
  });
});

describe('branch-env timeline', () => {
  it('--json: measured minutes per resource beside the modelled ones, stable keys', async () => {
    const io = recordingIo({
      AWS_REGION: env.region,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    const code = await main(['timeline', BRANCH, '--config', CONFIG, '--json'], io);
    expect(io.stderr()).not.toMatch(/error/i);
    expect(code).toBe(0);
    const t = JSON.parse(io.stdout()) as Timeline;
    expect(t.schema).toBe('branch-env/timeline@1');
    expect(t.environment).toEqual({ name: env.name, branch: BRANCH });
    const main_ = t.stacks.find((s) => s.name === STACK);
    expect(main_?.measured).toMatchObject({
      operation: 'CREATE',
      status: 'CREATE_COMPLETE',
      wallClockMinutes: 9,
      longest: ['Service', 'Alb'],
    });
    expect(main_?.measured?.resources.map((r) => [r.logicalId, r.measuredMinutes])).toEqual([
      ['Alb', 2.5],
      ['Service', 5.33],
    ]);
    // Logical ids not in the synthesized template have no modelled figure; the stack total does.
    expect(main_?.measured?.resources.every((r) => r.modelledMinutes === null)).toBe(true);
    expect(main_?.modelledMinutes).toBeGreaterThan(0);
    expect(t.totals).toEqual({ measuredMinutes: 9, modelledMinutes: main_?.modelledMinutes });
    // Other stacks of the environment (none deployed here) are listed without a measurement.
    for (const s of t.stacks.filter((x) => x.name !== STACK)) expect(s.measured).toBeNull();
  }, 120_000);

  it('text: a table per stack and the totals', async () => {
    const io = recordingIo({
      AWS_REGION: env.region,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    expect(await main(['timeline', BRANCH, '--config', CONFIG], io)).toBe(0);
    const out = io.stdout();
    expect(out).toMatch(/resource\s+type\s+measured min\s+modelled min\s+status/);
    expect(out).toMatch(/Service\s+AWS::ECS::Service\s+5\.3\s+-\s+complete/);
    expect(out).toContain('9.0 min wall clock');
    expect(out).toMatch(/total: measured 9\.0 min, modelled \d+\.\d min/);
  }, 120_000);

  it('exit 1 with the fix when no stack of the environment was ever deployed', async () => {
    cfn
      .on(DescribeStackEventsCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    const io = recordingIo({
      AWS_REGION: env.region,
      AWS_ACCESS_KEY_ID: 'AKIDTEST',
      AWS_SECRET_ACCESS_KEY: 'test',
    });
    expect(await main(['timeline', BRANCH, '--config', CONFIG], io)).toBe(1);
    expect(io.stderr()).toContain(`branch-env deploy ${BRANCH}`);
  }, 120_000);
});

describe('timelineSummary (deploy --ci job summary)', () => {
  const template = {
    Resources: {
      Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
      Service: { Type: 'AWS::ECS::Service' },
    },
  };

  it('a Markdown table per measured stack with the modelled minutes of the same logical ids', async () => {
    const md = await timelineSummary(env, [{ name: STACK, region: env.region, template }], () =>
      testClients(env.region),
    );
    expect(md).toContain(`\`${STACK}\`: CREATE → CREATE_COMPLETE, **9.0 min** wall clock`);
    expect(md).toContain(
      '| `Alb` | AWS::ElasticLoadBalancingV2::LoadBalancer | 2.5 | 2.6 | complete |',
    );
    // ECS service without a target group: the 1 min task start only.
    expect(md).toContain('| `Service` | AWS::ECS::Service | 5.3 | 1.0 | complete |');
    expect(md).toMatch(/Total: measured 9\.0 min, modelled \d+\.\d min\./);
  });

  it('never throws: a denied read becomes one line naming the command to run', async () => {
    cfn.on(DescribeStackEventsCommand).rejects(awsError('AccessDenied', 'not | authorized'));
    const md = await timelineSummary(env, [{ name: STACK, region: env.region, template }], () =>
      testClients(env.region),
    );
    expect(md).toBe(
      `Measured timeline unavailable (AccessDenied: not \\| authorized); run \`branch-env timeline ${BRANCH}\`.\n`,
    );
  });
});
