import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ECSClient, DescribeServicesCommand } from '@aws-sdk/client-ecs';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
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
  claimValue,
  listenerRuleClaimsPrefix,
  loadConfig,
  preferredPriority,
  resolveEnvironment,
  UserError,
} from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli.js';
import type * as ClientsModule from '../src/private/aws/clients.js';
import type * as ToolkitModule from '../src/private/aws/toolkit.js';
import type { AssemblyProducer, DeployedStack } from '../src/private/aws/toolkit.js';
import { assemblyProblems } from '../src/private/user-app.js';
import { recordingIo } from './helpers/aws-clients.js';
import { FakeCloudFormation } from './helpers/fake-cloudformation.js';

// The config's `cdk.app`: `plan`, `diff` and `deploy` run the user's own CDK app (fixtures/user-app:
// a shared environment plus an SQS queue of its own, added in `extend`) as a subprocess with the
// context deploy computed, check that it built the environment's stacks, and deploy its assembly.

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');
const CONFIG = join(ROOT, 'packages/cli/test/fixtures/user-app/branch-env.config.json');
const BRANCH = 'feature/orders';
const { config } = loadConfig(CONFIG, ROOT);
const env = resolveEnvironment(BRANCH, config);
const MAIN = env.stacks.main;
const ACCOUNT = env.account.id;

/** `branch-env <args>` as a user runs it: a real process, no AWS. */
function cli(args: string[], fixture?: string) {
  const r = spawnSync(process.execPath, [BIN, ...args, '--config', CONFIG], {
    encoding: 'utf8',
    env: {
      ...process.env,
      USER_APP_FIXTURE: fixture,
      CDK_CONTEXT_JSON: undefined,
      CDK_OUTDIR: undefined,
      AWS_EC2_METADATA_DISABLED: 'true',
    },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Template = { Resources: Record<string, { Type: string; Properties?: Record<string, any> }> };
const ofType = (t: Template, type: string) =>
  Object.values(t.Resources).filter((r) => r.Type === type);

describe('branch-env plan with cdk.app (real process)', () => {
  it("shows the app's own queue in the environment's stack, its blocks and compliance", () => {
    const r = cli(['plan', BRANCH, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('with your CDK app (node infra/app.mjs)');
    const plan = JSON.parse(r.stdout);
    expect(plan.stacks.map((s: { name: string }) => s.name)).toEqual([MAIN]);
    const blocks = Object.fromEntries(
      plan.resources.blocks.map((b: { block: string; types: unknown }) => [b.block, b.types]),
    );
    expect(blocks.Orders).toEqual(expect.arrayContaining([{ type: 'AWS::SQS::Queue', count: 1 }]));
    expect(blocks.OrdersFailed).toBeDefined();
    // branch-env's own blocks, as the in-process synthesis names them.
    expect(Object.keys(blocks)).toEqual(expect.arrayContaining(['Service', 'ConfigBus']));
    // cdk-nag ran inside the app: acknowledged findings come back with their reasons.
    expect(plan.compliance.passed).toBe(true);
    expect(plan.compliance.errors.acknowledged).toBeGreaterThan(0);
  }, 120_000);

  it('a failing app: exit 1 with the tail of its stderr and how to run it alone', () => {
    const r = cli(['plan', BRANCH, '--json'], 'fails');
    expect(r.code).toBe(1);
    const { error } = JSON.parse(r.stdout);
    expect(error.kind).toBe('UserError');
    expect(error.message).toMatch(
      /your CDK app \(cdk\.app 'node infra\/app\.mjs' of .*\) failed \(exit code 3\) synthesizing feature-orders; its last output:\nError: the queue name is taken \(from the fixture app\)/,
    );
    expect(error.fix).toContain('npx cdk synth --app');
    expect(error.fix).toContain('branch=feature/orders');
  }, 60_000);

  it('an app that writes no assembly: exit 1 naming app.synth() and CDK_OUTDIR', () => {
    const r = cli(['plan', BRANCH], 'no-app');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('exited 0 but wrote no cloud assembly to CDK_OUTDIR');
    expect(r.stderr).toContain('fix: end the app with `.app.synth()`');
  }, 60_000);

  it('an app that built another branch is refused before anything is deployed', () => {
    const r = cli(['plan', BRANCH], 'other-branch');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `did not build the environment feature-orders of branch ${BRANCH}:\n  - it has no stack ${MAIN} (the environment's)\n  - stack kiosk-feature-someone-else is not one of the environment's`,
    );
  }, 120_000);
});

describe("the toolkit's assembly source over the user's app (as deploy and diff build it)", () => {
  async function synthThroughToolkit() {
    const { toolkitFor, sourceFor, StderrIoHost } = await import('../src/private/aws/toolkit.js');
    const { synthesizeEnvironment } = await import('../src/private/synth.js');
    const io = recordingIo();
    const { toolkit } = await toolkitFor(new StderrIoHost(io));
    const source = await sourceFor(toolkit, async (outdir) => ({
      directory: (
        await synthesizeEnvironment(env, {
          outdir,
          nag: false,
          app: { command: 'node infra/app.mjs', configFile: CONFIG },
        })
      ).directory,
    }));
    return toolkit.synth(source);
  }

  it("loads the app's assembly: the environment's stack", async () => {
    const assembly = await synthThroughToolkit();
    try {
      const stacks = assembly.cloudAssembly.stacksRecursively.map((s) => s.stackName);
      expect(stacks).toEqual([MAIN]);
    } finally {
      await assembly.dispose();
    }
  }, 120_000);

  it("a failing app stays the user error (exit 1) through the toolkit's wrapping", async () => {
    const { toolkitFailure } = await import('../src/private/aws/toolkit.js');
    process.env.USER_APP_FIXTURE = 'fails';
    try {
      const error: unknown = await synthThroughToolkit().then(
        () => undefined,
        (e: unknown) => e,
      );
      const mapped = toolkitFailure('deploy', env.name, error);
      expect(mapped).toBeInstanceOf(UserError);
      expect(mapped.message).toMatch(/failed \(exit code 3\).*the queue name is taken/s);
    } finally {
      delete process.env.USER_APP_FIXTURE;
    }
  }, 120_000);
});

describe('synthesizeUserApp', () => {
  it("reads the context of the app's cdk.json, and says so when it is not JSON", async () => {
    const { synthesizeUserApp } = await import('../src/private/user-app.js');
    const dir = mkdtempSync(join(tmpdir(), 'user-app-cdk-json-'));
    try {
      writeFileSync(join(dir, 'cdk.json'), '{ "app": "node app.mjs", ');
      const app = { command: 'node app.mjs', configFile: join(dir, 'branch-env.config.json') };
      await expect(synthesizeUserApp(env, app, {})).rejects.toThrow(/cdk\.json is not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('assemblyProblems', () => {
  const stack = (overrides: Record<string, unknown> = {}) => ({
    type: 'aws:cloudformation:stack',
    environment: `aws://${ACCOUNT}/${env.region}`,
    properties: { templateFile: `${MAIN}.template.json`, tags: { ...env.tags } },
    ...overrides,
  });

  it("accepts the environment's stacks, tagged with it", () => {
    expect(assemblyProblems(env, { [MAIN]: stack(), Tree: { type: 'cdk:tree' } })).toEqual([]);
  });

  it('refuses stacks of its own, stages, another account or region, and foreign tags', () => {
    expect(
      assemblyProblems(env, {
        [MAIN]: stack({
          environment: `aws://999999999999/${env.region}`,
          properties: { tags: { ...env.tags, 'branch-env:branch': 'feature/other' } },
        }),
        Scratch: stack({ properties: { stackName: 'kiosk-scratch' } }),
        Stage: { type: 'cdk:cloud-assembly' },
      }),
    ).toEqual([
      "it holds a nested assembly 'Stage' (a Stage): branch-env deploys only the environment's own stacks",
      `stack ${MAIN} is for aws://999999999999/${env.region}, not aws://${ACCOUNT}/${env.region}`,
      `stack ${MAIN} has the tag branch-env:branch=feature/other, the environment's is branch-env:branch=${BRANCH}`,
      `stack kiosk-scratch is not one of the environment's (${MAIN}): destroy would leave it behind`,
    ]);
  });
});

// deploy: in-process with the SDK mocked and the toolkit replaced by a stand-in that runs the
// command's own producer (which runs the user's app) and creates the stack in the fake.
const toolkit = vi.hoisted(() => ({
  deploy: undefined as undefined | ((produce: AssemblyProducer) => Promise<DeployedStack[]>),
}));
vi.mock('../src/private/aws/toolkit.js', async (importOriginal) => ({
  ...(await importOriginal<typeof ToolkitModule>()),
  deployAssembly: (produce: AssemblyProducer): Promise<DeployedStack[]> => toolkit.deploy!(produce),
}));
vi.mock('../src/private/aws/clients.js', async (importOriginal) => {
  const { testClients } = await import('./helpers/aws-clients.js');
  return {
    ...(await importOriginal<typeof ClientsModule>()),
    awsClients: (region: string) => testClients(region),
  };
});
// The account-capacity check of a new environment has its own tests (room.test.ts, deploy-run).
vi.mock('../src/private/room.js', () => ({ checkRoom: async () => ({ kind: 'room' }) }));

describe('branch-env deploy with cdk.app (SDK mocked, toolkit stand-in)', () => {
  const cfn = new FakeCloudFormation();
  const sts = mockClient(STSClient);
  const ssm = mockClient(SSMClient);
  const ecs = mockClient(ECSClient);
  const secrets = mockClient(SecretsManagerClient);
  const parameters = new Map<string, string>();
  const work = mkdtempSync(join(tmpdir(), 'user-app-deploy-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  beforeEach(() => {
    cfn.reset();
    for (const m of [sts, ssm, ecs, secrets]) m.reset();
    parameters.clear();
    sts.on(GetCallerIdentityCommand).resolves({
      Account: ACCOUNT,
      Arn: `arn:aws:sts::${ACCOUNT}:assumed-role/branch-env-deploy/ci`,
    });
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
    ecs.on(DescribeServicesCommand).resolves({ services: [] });
    // API_TOKEN has only the app-wide value.
    secrets.on(ListSecretsCommand).callsFake((input: { Filters: { Values: string[] }[] }) => ({
      SecretList:
        input.Filters[0]!.Values[0] === '/kiosk/secrets/'
          ? [{ Name: '/kiosk/secrets/API_TOKEN' }]
          : [],
    }));
  });

  it('deploys the assembly of the app, built with the listener rule, firstCreate and secret sources deploy computed', async () => {
    // Another environment holds this one's preferred priority on load balancer 0: the claim goes
    // to load balancer 1 at the next priority, which the offline placement would never pick.
    const preferred = preferredPriority(env.name);
    parameters.set(
      `${listenerRuleClaimsPrefix(env.app)}${preferred}`,
      claimValue({ environment: 'someone-else', loadBalancer: 0, priority: preferred }),
    );
    let template: Template | undefined;
    let manifest: { artifacts: Record<string, { properties?: { tags?: unknown } }> } | undefined;
    toolkit.deploy = async (produce) => {
      const { directory } = await produce(join(work, 'cdk.out'));
      template = JSON.parse(readFileSync(join(directory, `${MAIN}.template.json`), 'utf8'));
      manifest = JSON.parse(readFileSync(join(directory, 'manifest.json'), 'utf8'));
      cfn.add(MAIN, 'CREATE_COMPLETE');
      return [{ name: MAIN, outputs: {} }];
    };
    const io = recordingIo({ GITHUB_SHA: 'abc1234' });
    const code = await main(['deploy', BRANCH, '--config', CONFIG, '--json'], io);
    expect(io.stderr()).not.toContain('error:');
    expect(code).toBe(0);
    expect(io.stderr()).toContain(
      `priority ${preferred + 1} on platform load balancer 1 (claimed)`,
    );
    expect(JSON.parse(io.stdout())).toMatchObject({ environment: env.name, stacks: [MAIN] });

    const t = template!;
    // The user's constructs.
    expect(ofType(t, 'AWS::SQS::Queue')).toHaveLength(2);
    // The claimed listener rule, on load balancer 1's listener.
    expect(
      ofType(t, 'Custom::BranchEnvListenerRule').map((r) => Number(r.Properties?.Priority)),
    ).toEqual([preferred + 1]);
    expect(JSON.stringify(t)).toContain('/kiosk/_platform/load-balancer/1/listener-arn');
    // firstCreate: the task count of a service that scales is set on the create.
    expect(ofType(t, 'AWS::ECS::Service').map((r) => r.Properties?.DesiredCount)).toEqual([1]);
    // The app-wide secret, as deploy resolved it.
    expect(JSON.stringify(t)).toContain('/kiosk/secrets/API_TOKEN');
    expect(JSON.stringify(t)).not.toContain(`/kiosk/${env.name}/secrets/API_TOKEN`);
    // The commit the services run.
    expect(JSON.stringify(t)).toContain('abc1234');
    expect(manifest!.artifacts[MAIN]!.properties?.tags).toMatchObject(env.tags);
  }, 180_000);
});
