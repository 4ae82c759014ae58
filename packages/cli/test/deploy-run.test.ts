import type { StackEvent } from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
} from '@aws-sdk/client-ecs';
import {
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  JOB_RUN_RESOURCE_TYPE,
  jobRunFailureReason,
  loadConfig,
  resolveEnvironment,
} from '@branch-env/core';
import {
  DescribeImagesCommand,
  ECRClient,
  type DescribeImagesCommandInput,
} from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import type * as ClientsModule from '../src/private/aws/clients.js';
import type * as ToolkitModule from '../src/private/aws/toolkit.js';
import type { AssemblyProducer, DeployedStack } from '../src/private/aws/toolkit.js';
import { recordingIo } from './helpers/aws-clients.js';
import { FakeCloudFormation } from './helpers/fake-cloudformation.js';

// `branch-env deploy --ci` end to end in-process: the real command from argument parsing through
// the synthesis to the job summary, with the SDK mocked (a stateful CloudFormation, SSM, STS, ECS)
// and the CDK toolkit replaced by a stand-in that synthesizes through the command's own producer
// and then acts on the fake CloudFormation the way a deploy does.

const toolkit = vi.hoisted(() => ({
  deploy: undefined as
    | undefined
    | ((produce: AssemblyProducer) => Promise<{ name: string; outputs: Record<string, string> }[]>),
}));
vi.mock('../src/private/aws/toolkit.js', async (importOriginal) => ({
  ...(await importOriginal<typeof ToolkitModule>()),
  deployAssembly: (produce: AssemblyProducer): Promise<DeployedStack[]> => toolkit.deploy!(produce),
}));
// The clients of the test helpers: fake keys, no back-off, CloudFormation polled without waiting.
vi.mock('../src/private/aws/clients.js', async (importOriginal) => {
  const { testClients } = await import('./helpers/aws-clients.js');
  return {
    ...(await importOriginal<typeof ClientsModule>()),
    awsClients: (region: string) => testClients(region),
  };
});

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, 'branch-env.config.json');
const { config } = loadConfig(CONFIG, ROOT);
const BRANCH = 'feature/new-login';
const env = resolveEnvironment(BRANCH, config);
const MAIN = env.stacks.main;
const DEV = '111111111111';

const cfn = new FakeCloudFormation();
const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);
const ecs = mockClient(ECSClient);
// The platform's repositories: what `image push` put there (docs/images.md).
const ecr = mockClient(ECRClient);
const pushed = new Set<string>();
const parameters = new Map<string, string>();
let dir: string;

beforeEach(() => {
  cfn.reset();
  for (const m of [sts, ssm, ecs, ecr]) m.reset();
  pushed.clear();
  pushed.add('branch-env-demo-platform/unprotected/services/api:abc1234');
  ecr.on(DescribeImagesCommand).callsFake((input: DescribeImagesCommandInput) => {
    if (!pushed.has(`${input.repositoryName}:${input.imageIds?.[0]?.imageTag}`))
      throw Object.assign(new Error('no such image'), { name: 'ImageNotFoundException' });
    return { imageDetails: [{}] };
  });
  parameters.clear();
  dir = mkdtempSync(join(tmpdir(), 'deploy-run-'));
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: DEV, Arn: `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy/ci` });
  // Parameter Store: PutParameter Overwrite=false fails on an existing name (the claims).
  ssm
    .on(PutParameterCommand)
    .callsFake((input: { Name: string; Value: string; Overwrite?: boolean }) => {
      if (!input.Overwrite && parameters.has(input.Name))
        throw new ParameterAlreadyExists({ message: 'exists', $metadata: {} });
      parameters.set(input.Name, input.Value);
      return { Version: 1 };
    });
  ssm.on(GetParameterCommand).callsFake((input: { Name: string }) => {
    const Value = parameters.get(input.Name);
    if (Value === undefined)
      throw new ParameterNotFound({ message: `${input.Name} not found`, $metadata: {} });
    return { Parameter: { Name: input.Name, Value } };
  });
  ssm.on(GetParametersByPathCommand).callsFake((input: { Path: string }) => ({
    Parameters: [...parameters]
      .filter(([n]) => n.startsWith(input.Path.endsWith('/') ? input.Path : `${input.Path}/`))
      .map(([Name, Value]) => ({ Name, Value })),
  }));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The synthesized template of a stack, from the assembly the command produced. */
function templateOf(
  directory: string,
  stack: string,
): { Resources: Record<string, { Type: string }> } {
  return JSON.parse(readFileSync(join(directory, `${stack}.template.json`), 'utf8'));
}

const minutes = (t0: Date, m: number) => new Date(t0.getTime() + m * 60_000);
function event(
  stack: string,
  logicalId: string,
  type: string,
  status: string,
  at: Date,
  reason?: string,
): StackEvent {
  return {
    StackId: cfn.live(stack)?.id,
    StackName: stack,
    EventId: `${logicalId}-${status}-${at.getTime()}`,
    LogicalResourceId: logicalId,
    ResourceType: type,
    ResourceStatus: status,
    ResourceStatusReason: reason,
    Timestamp: at,
  };
}

function ciIo() {
  const summary = join(dir, 'summary.md');
  const output = join(dir, 'output');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const io = recordingIo({
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_SHA: 'abc1234',
  });
  return {
    io,
    summary: () => readFileSync(summary, 'utf8'),
    output: () => readFileSync(output, 'utf8'),
  };
}

describe('deploy --ci (in-process, SDK mocked, toolkit stand-in)', () => {
  it('writes the deploy and the measured timeline beside the model into the job summary', async () => {
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    const t0 = new Date('2026-12-06T10:00:00Z');
    let serviceId = '';
    toolkit.deploy = async (produce) => {
      const { directory } = await produce(join(dir, 'cdk.out'));
      const resources = templateOf(directory, MAIN).Resources;
      serviceId = Object.keys(resources).find((id) => resources[id]!.Type === 'AWS::ECS::Service')!;
      // The commit's image from the platform, which existed before anything was deployed.
      expect(JSON.stringify(resources)).toContain(
        '/branch-env-demo-platform/unprotected/services/api:abc1234',
      );
      // The update as CloudFormation records it (DescribeStackEvents is newest first).
      const s = cfn.live(MAIN)!;
      s.events = [
        event(MAIN, MAIN, 'AWS::CloudFormation::Stack', 'UPDATE_COMPLETE', minutes(t0, 4)),
        event(
          MAIN,
          MAIN,
          'AWS::CloudFormation::Stack',
          'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
          minutes(t0, 3.9),
        ),
        event(MAIN, serviceId, 'AWS::ECS::Service', 'UPDATE_COMPLETE', minutes(t0, 3.5)),
        event(MAIN, serviceId, 'AWS::ECS::Service', 'UPDATE_IN_PROGRESS', minutes(t0, 0.5)),
        event(MAIN, MAIN, 'AWS::CloudFormation::Stack', 'UPDATE_IN_PROGRESS', t0, 'User Initiated'),
        ...s.events,
      ];
      s.status = 'UPDATE_COMPLETE';
      return [{ name: MAIN, outputs: {} }];
    };
    const { io, summary, output } = ciIo();
    const code = await main(
      ['deploy', BRANCH, '--config', CONFIG, '--ci', '--commit', 'abc1234'],
      io,
    );
    expect(io.stderr()).not.toContain('error:');
    expect(code).toBe(0);

    const md = summary();
    expect(md).toContain(`### branch-env: deployed \`${env.name}\``);
    expect(md).toContain(`| URL | <https://${env.dnsName}> |`);
    expect(md).toContain('#### Measured timeline (CloudFormation events) beside the model');
    expect(md).toMatch(
      new RegExp(
        `\`${MAIN}\`: UPDATE → UPDATE_COMPLETE, \\*\\*4\\.0 min\\*\\* wall clock \\(modelled \\d+\\.\\d min for a fresh create\\)`,
      ),
    );
    expect(md).toMatch(
      new RegExp(
        `\\| \`${serviceId}\` \\| AWS::ECS::Service \\| 3\\.0 \\| \\d+\\.\\d \\| complete \\|`,
      ),
    );
    expect(md).toMatch(/Total: measured 4\.0 min, modelled \d+\.\d min\./);
    // The deploy section comes before the timeline, both once.
    expect(md.indexOf('### branch-env: deployed')).toBeLessThan(
      md.indexOf('#### Measured timeline'),
    );
    expect(md.match(/#### Measured timeline/g)).toHaveLength(1);
    expect(output()).toContain(`stack-names=${MAIN}\n`);
  }, 120_000);

  it('a Spot service that cannot be placed: the update is cancelled and deploy exits 1 in minutes with the reason and the fix, no success summary', async () => {
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    const service = `${MAIN}-ServiceD69D759B-Xy12Ab34`;
    const cluster = 'branch-env-demo-platform-ClusterEB0386A7-Ab12Cd34';
    const serviceArn = `arn:aws:ecs:us-east-1:${DEV}:service/${cluster}/${service}`;
    const unplaced = `(service ${service}) was unable to place a task. Reason: Capacity is unavailable at this time. Please try again later or in a different availability zone. For more information, see the Troubleshooting section of the Amazon ECS Developer Guide.`;
    ecs.on(DescribeServicesCommand).callsFake(() => {
      const now = Date.now();
      return {
        services: [
          {
            serviceName: service,
            serviceArn,
            capacityProviderStrategy: [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }],
            desiredCount: 1,
            runningCount: 0,
            events: [2, 1, 0].map((i) => ({
              id: `e${i}`,
              createdAt: new Date(now + i),
              message: unplaced,
            })),
            deployments: [
              {
                id: 'ecs-svc/2',
                status: 'PRIMARY',
                desiredCount: 1,
                runningCount: 0,
                failedTasks: 0,
                rolloutState: 'IN_PROGRESS',
                createdAt: new Date(now),
              },
              {
                id: 'ecs-svc/1',
                status: 'ACTIVE',
                desiredCount: 1,
                runningCount: 1,
                failedTasks: 0,
                rolloutState: 'COMPLETED',
                createdAt: new Date(now - 86_400_000),
              },
            ],
          },
        ],
      };
    });
    ecs.on(ListTasksCommand).resolves({ taskArns: [] });
    ecs.on(DescribeTasksCommand).resolves({ tasks: [] });
    let waitedTicks = 0;
    toolkit.deploy = async (produce) => {
      await produce(join(dir, 'cdk.out'));
      const s = cfn.live(MAIN)!;
      s.status = 'UPDATE_IN_PROGRESS';
      s.resources = [
        {
          LogicalResourceId: 'ServiceD69D759B',
          PhysicalResourceId: serviceArn,
          ResourceType: 'AWS::ECS::Service',
          ResourceStatus: 'UPDATE_IN_PROGRESS',
          LastUpdatedTimestamp: new Date(),
        },
      ];
      // toolkit-lib waits for the stack; without the watchdog this is the job's 6 h timeout.
      while (cfn.live(MAIN)?.status === 'UPDATE_IN_PROGRESS') {
        if (++waitedTicks > 20_000)
          throw new Error('the job exceeded the maximum execution time of 360 minutes');
        await new Promise((r) => setTimeout(r, 1));
      }
      throw new Error(`The stack named ${MAIN} failed to deploy: ${s.status}: ${s.statusReason}`);
    };
    const { io, summary } = ciIo();
    const code = await main(
      ['deploy', BRANCH, '--config', CONFIG, '--ci', '--commit', 'abc1234'],
      io,
    );
    expect(code).toBe(1);
    expect(cfn.calls).toContain(`CancelUpdateStack ${MAIN}`);
    expect(cfn.live(MAIN)?.status).toBe('UPDATE_ROLLBACK_COMPLETE');
    expect(waitedTicks).toBeLessThan(20_000);
    const err = io.stderr();
    expect(err).toContain(
      `error: deploy of ${env.name} stopped: Fargate Spot has no capacity for service ${service}`,
    );
    expect(err).toContain(`ECS says: ${unplaced}`);
    expect(err).toContain(
      `fix: deploy again later (branch-env deploy ${BRANCH}), or keep an on-demand fallback: set profiles.preview.task.minTasks to 2 or more (one task stays on FARGATE) or profiles.preview.task.spot to false`,
    );
    expect(summary()).not.toContain('deployed');
  }, 120_000);

  it('a job that fails in the stack update: deploy exits 1 with the job, its exit code, its last log lines and the fix', async () => {
    // An app with a migration job (the adopter fixture: account 333333333333, eu-west-1).
    const adopterDir = join(ROOT, 'packages/cli/test/fixtures/adopter');
    const adopterConfig = join(adopterDir, 'branch-env.config.json');
    const adopter = resolveEnvironment(BRANCH, loadConfig(adopterConfig, adopterDir).config);
    const stack = adopter.stacks.main;
    sts.on(GetCallerIdentityCommand).resolves({
      Account: '333333333333',
      Arn: 'arn:aws:sts::333333333333:assumed-role/branch-env-deploy/ci',
    });
    cfn.add(stack, 'UPDATE_COMPLETE');
    let runId = '';
    toolkit.deploy = async (produce) => {
      const { directory } = await produce(join(dir, 'cdk.out'));
      const resources = templateOf(directory, stack).Resources;
      runId = Object.keys(resources).find((id) => resources[id]!.Type === JOB_RUN_RESOURCE_TYPE)!;
      // What CloudFormation records when the job-run handler answers FAILED, then the rollback.
      const reason = jobRunFailureReason({
        job: 'migrate',
        failure: { kind: 'exited', exitCode: 3, reason: 'Essential container in task exited' },
        logGroup: `/shop/${adopter.name}/job/migrate`,
        logStream: 'migrate/migrate/0123abcd',
        logLines: ['applying 0042_add_email', 'ERROR: column "email" already exists'],
      });
      const s = cfn.live(stack)!;
      const now = Date.now();
      s.events = [
        event(
          stack,
          stack,
          'AWS::CloudFormation::Stack',
          'UPDATE_ROLLBACK_COMPLETE',
          new Date(now + 3),
        ),
        event(
          stack,
          runId,
          JOB_RUN_RESOURCE_TYPE,
          'UPDATE_FAILED',
          new Date(now + 2),
          `Received response status [FAILED] from custom resource. Message returned: ${reason} (RequestId: 5b1f0c2e)`,
        ),
        event(stack, runId, JOB_RUN_RESOURCE_TYPE, 'UPDATE_IN_PROGRESS', new Date(now + 1)),
        ...s.events,
      ];
      s.status = 'UPDATE_ROLLBACK_COMPLETE';
      throw new Error(
        `The stack named ${stack} failed to deploy: UPDATE_ROLLBACK_COMPLETE: The following resource(s) failed to update: [${runId}].`,
      );
    };
    const { io, summary } = ciIo();
    const code = await main(
      ['deploy', BRANCH, '--config', adopterConfig, '--ci', '--commit', 'abc1234'],
      io,
    );
    const err = io.stderr();
    expect(code, err).toBe(1);
    expect(runId).not.toBe('');
    expect(err).toContain(
      `error: job 'migrate' of ${adopter.name} failed with exit code 3: Essential container in task exited; the deploy was rolled back and the previous release still serves. Last log lines (/shop/${adopter.name}/job/migrate migrate/migrate/0123abcd):\n  | applying 0042_add_email\n  | ERROR: column "email" already exists`,
    );
    expect(err).toContain(
      "fix: fix the job's command (jobs.migrate.command) or the code it runs, then deploy again",
    );
    expect(summary()).not.toContain('deployed');
  }, 120_000);
});

describe('deploy --ci and the images (docs/images.md)', () => {
  it('waits for the commit’s images and, when they never come, claims nothing and names image push', async () => {
    pushed.clear();
    cfn.add(MAIN, 'UPDATE_COMPLETE');
    toolkit.deploy = async () => {
      throw new Error('the stacks must not be deployed without their images');
    };
    const { io } = ciIo();
    // The test clients poll without waiting: the 15 minutes pass in 90 polls.
    const code = await main(
      ['deploy', BRANCH, '--config', CONFIG, '--ci', '--commit', 'abc1234'],
      io,
    );
    expect(code, io.stderr()).toBe(1);
    expect(ecr.commandCalls(DescribeImagesCommand).length).toBe(91);
    expect(io.stderr()).toContain('waiting for image(s) service:api at abc1234');
    expect(io.stderr()).toContain('branch-env image push feature/new-login --commit abc1234');
    expect([...parameters.keys()].some((k) => k.endsWith('/meta/owner-branch'))).toBe(false);
  });
});
