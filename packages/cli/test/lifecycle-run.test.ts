import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
} from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { ListResourceRecordSetsCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { ListSecretsCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeImagesCommand, ECRClient } from '@aws-sdk/client-ecr';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { UserError } from '@branch-env/core';
import { main } from '../src/cli.js';
import { run as deploy } from '../src/commands/deploy/deploy.js';
import { run as list } from '../src/commands/list/list.js';
import { run as reap } from '../src/commands/reap/reap.js';
import { awsError, recordingIo } from './helpers/aws-clients.js';

// The commands' run() functions in-process, with every AWS client mocked: the wiring from
// credentials through the account scan to the decisions and the destroy calls.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, 'branch-env.config.json');
const DEV = '111111111111';

const sts = mockClient(STSClient);
const cfn = mockClient(CloudFormationClient);
const ssm = mockClient(SSMClient);
const logs = mockClient(CloudWatchLogsClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const route53 = mockClient(Route53Client);
const quotas = mockClient(ServiceQuotasClient);
const secrets = mockClient(SecretsManagerClient);
// The platform's images of the commit exist (docs/images.md: `deploy --ci` waits for them).
const ecr = mockClient(ECRClient);

const stack = (environment: string, branch: string, status = 'UPDATE_COMPLETE') => ({
  StackName: `branch-env-demo-${environment}`,
  StackId: `arn:aws:cloudformation:us-east-1:${DEV}:stack/branch-env-demo-${environment}/id`,
  StackStatus: status,
  CreationTime: new Date('2026-11-20T00:00:00Z'),
  Tags: [
    { Key: 'branch-env:app', Value: 'branch-env-demo' },
    { Key: 'branch-env:environment', Value: environment },
    { Key: 'branch-env:branch', Value: branch },
    { Key: 'branch-env:profile', Value: environment === 'sandbox' ? 'full' : 'preview' },
  ],
});
const meta = (environment: string, branch: string, expiresAt: string) => [
  { Name: `/branch-env-demo/${environment}/meta/owner-branch`, Value: branch },
  { Name: `/branch-env-demo/${environment}/meta/expires-at`, Value: expiresAt },
  { Name: `/branch-env-demo/${environment}/meta/estimated-cost-per-hour`, Value: '0.0490' },
];

beforeEach(() => {
  for (const m of [sts, cfn, ssm, logs, tagging, route53, quotas, secrets, ecr]) m.reset();
  ecr.on(DescribeImagesCommand).resolves({ imageDetails: [{ imageTags: ['x'] }] });
  // No application secrets unless a test says so (destroy looks for the environment's own).
  secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
  route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });
  // No parameter anywhere unless a test says so (e.g. no listener-rule claims on the platform).
  ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: DEV, Arn: `arn:aws:sts::${DEV}:assumed-role/reaper/x` });
  cfn.on(DescribeStacksCommand, { NextToken: undefined }).resolves({
    Stacks: [
      stack('feature-live', 'feature/live'),
      stack('feature-gone', 'feature/gone'),
      stack('feature-old', 'feature/old'),
      stack('sandbox', 'sandbox'),
    ],
  });
  ssm.on(GetParametersByPathCommand, { Path: '/branch-env-demo' }).resolves({
    Parameters: [
      ...meta('feature-live', 'feature/live', '2026-11-24T00:00:00.000Z'),
      ...meta('feature-gone', 'feature/gone', '2026-11-24T00:00:00.000Z'),
      ...meta('feature-old', 'feature/old', '2026-11-21T00:00:00.000Z'),
      { Name: '/branch-env-demo/sandbox/meta/owner-branch', Value: 'sandbox' },
      { Name: '/branch-env-demo/sandbox/meta/expires-at', Value: 'never' },
    ],
  });
});

const branchesFile = () => {
  const file = join(mkdtempSync(join(tmpdir(), 'be-')), 'branches');
  writeFileSync(file, 'main\nsandbox\nfeature/live\nfeature/old\n');
  return file;
};

describe('list (run in-process, AWS mocked)', () => {
  it('lists the environments of the reachable account and skips the other', async () => {
    const io = recordingIo();
    const code = await list({ positionals: [], values: { json: true, config: CONFIG } }, io);
    expect(code).toBe(0);
    const out = JSON.parse(io.stdout());
    expect(out.accounts).toEqual([
      { key: 'development', id: DEV, region: 'us-east-1', production: false, reachable: true },
      {
        key: 'production',
        id: '222222222222',
        region: 'us-east-1',
        production: true,
        reachable: false,
        note: `credentials are for account ${DEV}; run again with credentials for 222222222222 to include it`,
      },
    ]);
    expect(
      out.environments.map((e: { environment: string; protected: boolean }) => [
        e.environment,
        e.protected,
      ]),
    ).toEqual([
      ['feature-gone', false],
      ['feature-live', false],
      ['feature-old', false],
      ['sandbox', true],
    ]);
  });
});

describe('AWS refusals through the command runner (main, in-process)', () => {
  it('list with CloudFormation AccessDenied: exit 1, the denied action and the fix, no stack trace', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(
        awsError(
          'AccessDenied',
          `User: arn:aws:sts::${DEV}:assumed-role/reaper/x is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:${DEV}:stack/*/* because no identity-based policy allows the cloudformation:DescribeStacks action`,
        ),
      );
    const io = recordingIo();
    const code = await main(['list', '--config', CONFIG], io);
    expect(code).toBe(1);
    expect(io.stderr()).toContain(
      `error: list: AWS denied cloudformation:DescribeStacks on arn:aws:cloudformation:us-east-1:${DEV}:stack/*/* (AccessDenied)\n  fix: the credentials need cloudformation:DescribeStacks: in CI the deploy role lacks it, so re-run \`branch-env bootstrap\``,
    );
    expect(io.stderr()).not.toContain('hit a bug');
    expect(io.stderr()).not.toMatch(/\n\s+at /);
  });

  it('credentials that expire mid-run: exit 1, re-authenticate', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejects(
        awsError('ExpiredTokenException', 'The security token included in the request is expired'),
      );
    const io = recordingIo();
    const code = await main(['list', '--config', CONFIG, '--json'], io);
    expect(code).toBe(1);
    expect(JSON.parse(io.stdout()).error).toMatchObject({
      message:
        'list: the AWS credentials expired (ExpiredTokenException: The security token included in the request is expired)',
    });
    expect(io.stderr()).toContain('fix: re-authenticate');
  });
});

describe('reap (run in-process, AWS mocked)', () => {
  it('--dry-run: says what and why, destroys nothing', async () => {
    const io = recordingIo();
    const code = await reap(
      {
        positionals: [],
        values: {
          'dry-run': true,
          'branches-from': branchesFile(),
          now: '2026-11-22T00:00:00Z',
          config: CONFIG,
        },
      },
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout()).toContain(
      "would destroy  feature-gone (feature/gone): branch 'feature/gone' no longer exists\n",
    );
    expect(io.stdout()).toContain(
      'would destroy  feature-old (feature/old): TTL expired 1 d 0 h ago (2026-11-21T00:00:00.000Z)\n',
    );
    expect(io.stdout()).toContain('keep  sandbox (sandbox): protected\n');
    expect(io.stdout()).toContain(
      "keep  feature-live (feature/live): branch 'feature/live' is live; expires in 2 d 0 h\n",
    );
    expect(io.stdout()).toContain('2 to destroy, 2 kept (dry run: nothing was destroyed)\n');
    // the production account was not looked at (other credentials): the text says so
    expect(io.stdout()).toContain(
      `skipped production (222222222222): credentials are for account ${DEV}; run again with credentials for 222222222222 to include it\n`,
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
  });

  const scanned = {
    'feature-gone': ['feature/gone', '2026-11-24T00:00:00.000Z'],
    'feature-old': ['feature/old', '2026-11-21T00:00:00.000Z'],
  } as const;

  it('destroys exactly the two it named, and nothing of the others', async () => {
    for (const [env, [branch]] of Object.entries(scanned)) {
      const s = stack(env, branch);
      cfn
        .on(DescribeStacksCommand, { StackName: s.StackName })
        .resolves({ Stacks: [s] })
        .on(DescribeStacksCommand, { StackName: s.StackId })
        .resolves({ Stacks: [{ ...s, StackStatus: 'DELETE_COMPLETE' }] });
    }
    cfn
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-gone-certificate' })
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'))
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-old-certificate' })
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    cfn.on(DeleteStackCommand).resolves({});
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
    // what the fresh look before each destroy (and then the destroy itself) reads: as scanned
    for (const [env, [branch, expiresAt]] of Object.entries(scanned)) {
      ssm
        .on(GetParametersByPathCommand, { Path: `/branch-env-demo/${env}` })
        .resolves({ Parameters: meta(env, branch, expiresAt) });
    }
    ssm
      .on(DeleteParametersCommand)
      .callsFake((i: { Names: string[] }) => ({ DeletedParameters: i.Names }));
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });

    const io = recordingIo();
    const code = await reap(
      {
        positionals: [],
        values: { 'branches-from': branchesFile(), now: '2026-11-22T00:00:00Z', config: CONFIG },
      },
      io,
    );
    expect(io.stderr()).not.toContain('error:');
    expect(code).toBe(0);
    const deleted = cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName);
    expect(deleted).toEqual([
      stack('feature-gone', 'x').StackId,
      stack('feature-old', 'x').StackId,
    ]);
    // each was looked at again, by name, right before its destroy
    expect(
      ssm
        .commandCalls(GetParametersByPathCommand)
        .map((c) => c.args[0].input.Path)
        .filter((p) => p !== '/branch-env-demo'),
    ).toEqual([
      '/branch-env-demo/feature-gone',
      '/branch-env-demo/feature-gone',
      // after its stack is gone: its listener-rule claim on the platform, if it held one
      '/branch-env-demo/_claims/listener-rules',
      '/branch-env-demo/feature-old',
      '/branch-env-demo/feature-old',
      '/branch-env-demo/_claims/listener-rules',
    ]);
    const params = ssm
      .commandCalls(DeleteParametersCommand)
      .flatMap((c) => c.args[0].input.Names ?? []);
    // exactly the records of the two reaped environments, none of feature-live's or sandbox's
    expect(params).toEqual(
      ['feature-gone', 'feature-old'].flatMap((env) => meta(env, 'x', 'y').map((p) => p.Name)),
    );
    expect(io.stdout()).toContain('feature-gone: destroyed\n');
    expect(io.stdout()).toContain('feature-old: destroyed\n');
  });
  it('refuses a branch list from another repository (only main) before destroying anything', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'be-')), 'branches');
    writeFileSync(file, 'main\n');
    const io = recordingIo();
    const error = await reap(
      { positionals: [], values: { 'branches-from': file, config: CONFIG } },
      io,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "none of the 1 live branch(es) owns a protected environment (their owners: sandbox); the list looks like another repository's or a partial one, so refusing to reap (every unprotected environment would look orphaned)",
    );
    expect(io.stdout()).toBe('');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('looks again before each destroy: skips one redeployed since the scan and one mid-deploy', async () => {
    // feature-gone: a deploy is running now; feature-old: redeployed, expires later than scanned
    cfn
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-gone' })
      .resolves({ Stacks: [stack('feature-gone', 'feature/gone', 'UPDATE_IN_PROGRESS')] })
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-old' })
      .resolves({ Stacks: [stack('feature-old', 'feature/old')] })
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-gone-certificate' })
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'))
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-old-certificate' })
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm
      .on(GetParametersByPathCommand, { Path: '/branch-env-demo/feature-gone' })
      .resolves({ Parameters: meta('feature-gone', 'feature/gone', '2026-11-24T00:00:00.000Z') })
      .on(GetParametersByPathCommand, { Path: '/branch-env-demo/feature-old' })
      .resolves({ Parameters: meta('feature-old', 'feature/old', '2026-11-25T00:00:00.000Z') });

    const io = recordingIo();
    const code = await reap(
      {
        positionals: [],
        values: { 'branches-from': branchesFile(), now: '2026-11-22T00:00:00Z', config: CONFIG },
      },
      io,
    );
    expect(code).toBe(0);
    expect(io.stdout()).toContain(
      'feature-gone: skipped: operation in progress (branch-env-demo-feature-gone is UPDATE_IN_PROGRESS); next run\n',
    );
    expect(io.stdout()).toContain(
      "feature-old: skipped: redeployed since the scan (now expires 2026-11-25T00:00:00.000Z): branch 'feature/old' is live; expires in 3 d 0 h\n",
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
  });
});

describe('deploy (run in-process up to the CloudFormation deploy, AWS mocked)', () => {
  it('refuses when another branch owns the environment, before writing anything else', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('feature-a-b', 'feature/a.b')] });
    ssm
      .on(PutParameterCommand)
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    ssm
      .on(GetParameterCommand, { Name: '/branch-env-demo/feature-a-b/meta/owner-branch' })
      .resolves({
        Parameter: { Value: 'feature/a.b' },
      });
    const error = await deploy(
      { positionals: ['feature/a-b'], values: { config: CONFIG } },
      recordingIo(),
    ).catch((e: unknown) => e);
    expect((error as Error).message).toBe(
      "environment 'feature-a-b' belongs to branch 'feature/a.b', not 'feature/a-b'; refusing to deploy over it",
    );
    // only the claim was attempted
    expect(ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input.Name)).toEqual([
      '/branch-env-demo/feature-a-b/meta/owner-branch',
    ]);
  });

  const newStack = 'branch-env-demo-feature-new';
  const noSuchStack = () =>
    cfn
      .on(DescribeStacksCommand, { StackName: newStack })
      .rejects(awsError('ValidationError', `Stack with id ${newStack} does not exist`));

  /** The repository config with previews that never sleep, next to it (its paths are relative). */
  function neverSleepingConfig(): string {
    const raw = JSON.parse(readFileSync(CONFIG, 'utf8')) as {
      profiles: Record<string, Record<string, unknown>>;
    };
    raw.profiles['preview']!['sleep'] = false;
    const file = join(ROOT, `.branch-env-never-sleeps-${process.pid}.config.json`);
    writeFileSync(file, JSON.stringify(raw));
    return file;
  }

  it('refuses a new environment when the account is full, before claiming anything, naming the quota and the fix', async () => {
    noSuchStack();
    // Applied values: Fargate Spot 0.5 vCPU (a new account can be below the default); the rest
    // has none, so it counts at the AWS default. Live: three previews and sandbox. Previews that
    // never sleep: Fargate bounds how many fit.
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' })
      .resolves({ Quota: { Value: 0.5 } });
    const io = recordingIo();
    const config = neverSleepingConfig();
    const error = await deploy({ positionals: ['feature/new'], values: { config } }, io)
      .catch((e: unknown) => e)
      .finally(() => rmSync(config, { force: true }));
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /^feature-new does not fit: the account is full: '/,
    );
    expect((error as UserError).fix).toContain('aws service-quotas request-service-quota-increase');
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
    expect(quotas.commandCalls(GetServiceQuotaCommand).length).toBeGreaterThan(0);
    expect(io.stderr()).toContain('checking that feature-new fits in development us-east-1');
  }, 120_000);

  it('lets a new environment that fits go on to the claim', async () => {
    noSuchStack();
    cfn.on(DescribeStacksCommand, { NextToken: undefined, StackName: undefined }).resolves({
      Stacks: [stack('sandbox', 'sandbox')],
    });
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' })
      .resolves({ Quota: { Value: 4000 } });
    ssm
      .on(PutParameterCommand)
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    ssm
      .on(GetParameterCommand, { Name: '/branch-env-demo/feature-new/meta/owner-branch' })
      .resolves({ Parameter: { Value: 'feature/other' } });
    const io = recordingIo();
    const error = await deploy(
      { positionals: ['feature/new'], values: { config: CONFIG } },
      io,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/belongs to branch 'feature\/other'/);
    expect(io.stderr()).toMatch(/room for \d+ more preview environment\(s\) \(1 live\)/);
  }, 120_000);

  it('lets a sleeping preview past a full Fargate quota (it bounds only how many are awake), with a warning', async () => {
    noSuchStack();
    // The same account as the refusal above: Fargate Spot 0.5 vCPU, three previews and sandbox.
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' })
      .resolves({ Quota: { Value: 0.5 } });
    ssm
      .on(PutParameterCommand)
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    ssm
      .on(GetParameterCommand, { Name: '/branch-env-demo/feature-new/meta/owner-branch' })
      .resolves({ Parameter: { Value: 'feature/other' } });
    const io = recordingIo();
    const error = await deploy(
      { positionals: ['feature/new'], values: { config: CONFIG } },
      io,
    ).catch((e: unknown) => e);
    // Past the capacity check, on to the claim.
    expect((error as Error).message).toMatch(/belongs to branch 'feature\/other'/);
    // 99 target groups less the site server's... : the three live previews take 3 of them.
    expect(io.stderr()).toMatch(
      /room for 96 more preview environment\(s\) \(4 live\); 2 can be awake at once \(Fargate Spot vCPU resource count\)/,
    );
    expect(io.stderr()).not.toContain('warning: no room to be awake');
  }, 120_000);

  it('warns, without refusing, when a sleeping preview has no Fargate room to be awake', async () => {
    noSuchStack();
    quotas.on(GetServiceQuotaCommand).rejects(awsError('NoSuchResourceException'));
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' })
      .resolves({ Quota: { Value: 0.2 } });
    ssm
      .on(PutParameterCommand)
      .rejects(new ParameterAlreadyExists({ message: 'exists', $metadata: {} }));
    ssm
      .on(GetParameterCommand, { Name: '/branch-env-demo/feature-new/meta/owner-branch' })
      .resolves({ Parameter: { Value: 'feature/other' } });
    const io = recordingIo();
    const error = await deploy(
      { positionals: ['feature/new'], values: { config: CONFIG } },
      io,
    ).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/belongs to branch 'feature\/other'/);
    expect(io.stderr()).toContain(
      'warning: no room to be awake: feature-new deploys, but its tasks cannot start until Fargate vCPU frees up (another environment sleeps)',
    );
    expect(io.stderr()).toContain('--quota-code L-36FBB829 --desired-value 1 ');
  }, 120_000);

  it('refuses credentials of another account before any other call', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:x' });
    await expect(
      deploy({ positionals: ['feature/a'], values: { config: CONFIG } }, recordingIo()),
    ).rejects.toThrow("but 'feature/a' routes to development account 111111111111");
    expect(cfn.calls()).toHaveLength(0);
    expect(ssm.calls()).toHaveLength(0);
  });
});
