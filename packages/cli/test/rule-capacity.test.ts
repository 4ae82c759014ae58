import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { GetParametersByPathCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { loadConfig, resolveEnvironment, UserError } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AwsClients } from '../src/private/aws/clients.js';
import { assertRuleCapacity } from '../src/private/rule-capacity.js';
import { targetFromArgument } from '../src/private/target.js';
import { recordingIo, testClients } from './helpers/aws-clients.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'), ROOT);

const ssm = mockClient(SSMClient);
const cfn = mockClient(CloudFormationClient);
const sts = mockClient(STSClient);
const clients = new Map<string, AwsClients>();
const clientsFor = (region: string): AwsClients => {
  if (!clients.has(region)) clients.set(region, testClients(region));
  return clients.get(region)!;
};

function stack(environment: string, branch: string) {
  return {
    StackName: `branch-env-demo-${environment}`,
    StackId: `arn:aws:cloudformation:us-east-1:111111111111:stack/branch-env-demo-${environment}/u`,
    StackStatus: 'UPDATE_COMPLETE' as const,
    CreationTime: new Date('2026-11-20T00:00:00Z'),
    Tags: [
      { Key: 'branch-env:app', Value: 'branch-env-demo' },
      { Key: 'branch-env:environment', Value: environment },
      { Key: 'branch-env:branch', Value: branch },
    ],
  };
}

beforeEach(() => {
  for (const m of [ssm, cfn, sts]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves({
    Account: '111111111111',
    Arn: 'arn:aws:sts::111111111111:assumed-role/branch-env-deploy/ci',
  });
});

describe("deploy counts a capped rule's environments before claiming anything (mocked AWS)", () => {
  it('refuses staging3 when staging1 and staging2 exist, naming them and the fix', async () => {
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [stack('staging1', 'staging1'), stack('staging2', 'staging2'), stack('qa1', 'qa1')],
    });
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    const env = resolveEnvironment('staging3', config);
    const error = await assertRuleCapacity(env, config, recordingIo(), clientsFor).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toMatch(
      /allows at most 2 environments in account development, and 2 exist \(staging1, staging2\); 'staging3' would be one more/,
    );
    expect((error as UserError).fix).toMatch(/branch-env destroy staging1 --force-protected/);
    // Read only: nothing was written, let alone the owner record.
    expect(ssm.calls().every((c) => c.args[0] instanceof GetParametersByPathCommand)).toBe(true);
  });

  it('lets staging2 be created next to staging1, and staging1 be redeployed when two exist', async () => {
    cfn.on(DescribeStacksCommand).resolves({ Stacks: [stack('staging1', 'staging1')] });
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    await expect(
      assertRuleCapacity(resolveEnvironment('staging2', config), config, recordingIo(), clientsFor),
    ).resolves.toBeUndefined();
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [stack('staging1', 'staging1'), stack('staging2', 'staging2')],
    });
    await expect(
      assertRuleCapacity(resolveEnvironment('staging1', config), config, recordingIo(), clientsFor),
    ).resolves.toBeUndefined();
  });

  it('makes no AWS call for a rule without a cap', async () => {
    await assertRuleCapacity(resolveEnvironment('qa1', config), config, recordingIo(), clientsFor);
    expect(cfn.calls()).toHaveLength(0);
    expect(sts.calls()).toHaveLength(0);
  });
});

describe("destroy of a branch outside its rule's allow list", () => {
  it('looks the environment up by name instead (one created before the list)', () => {
    expect(targetFromArgument('qa-old', config)).toEqual({ lookup: 'qa-old' });
  });
});
