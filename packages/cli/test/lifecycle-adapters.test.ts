import {
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  UpdateTerminationProtectionCommand,
} from '@aws-sdk/client-cloudformation';
import { DeleteLogGroupCommand, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { BatchDeleteImageCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
import { GetProductsCommand, PricingClient } from '@aws-sdk/client-pricing';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import { DeleteObjectsCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { PRICES_2026_11, UserError } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteStack, waitForStable } from '../src/private/aws/cloudformation.js';
import { callerIdentity, requireAccount } from '../src/private/aws/credentials.js';
import { deleteAllImages, repositoryName } from '../src/private/aws/ecr.js';
import { deleteLogGroups } from '../src/private/aws/logs.js';
import {
  documentDbInstanceClasses,
  hourlyPrice,
  refreshPrices,
} from '../src/private/aws/pricing.js';
import { isThrottling, withRetry } from '../src/private/aws/retry.js';
import { emptyBucket } from '../src/private/aws/s3.js';
import {
  claimOwner,
  deleteParametersUnder,
  parametersUnder,
  putParameters,
} from '../src/private/aws/ssm.js';
import { acmValidationRecords, deleteAcmValidationRecords } from '../src/private/aws/route53.js';
import { scanTagged } from '../src/private/aws/tagging.js';
import { awsFailure, deniedAction, isCredentialsError } from '../src/private/aws-errors.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';

const ssm = mockClient(SSMClient);
const cfn = mockClient(CloudFormationClient);
const s3 = mockClient(S3Client);
const logs = mockClient(CloudWatchLogsClient);
const ecr = mockClient(ECRClient);
const tagging = mockClient(ResourceGroupsTaggingAPIClient);
const sts = mockClient(STSClient);
const pricing = mockClient(PricingClient);
const route53 = mockClient(Route53Client);

beforeEach(() => {
  for (const m of [ssm, cfn, s3, logs, ecr, tagging, sts, pricing, route53]) m.reset();
});

const aws = testClients();
const TAGS = { 'branch-env:app': 'demo', 'branch-env:environment': 'feature-a' };
const OWNER = '/demo/feature-a/meta/owner-branch';
const exists = () => new ParameterAlreadyExists({ message: 'exists', $metadata: {} });

describe('claimOwner (meta/owner-branch, PutParameter Overwrite=false)', () => {
  const claim = (branch: string) =>
    claimOwner(aws, { environment: 'feature-a', parameter: OWNER, branch, tags: TAGS });

  it('claims an unclaimed environment with one atomic create, tagged', async () => {
    ssm.on(PutParameterCommand).resolves({ Version: 1 });
    await expect(claim('feature/a')).resolves.toEqual({ kind: 'unclaimed' });
    const calls = ssm.commandCalls(PutParameterCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toMatchObject({
      Name: OWNER,
      Value: 'feature/a',
      Type: 'String',
      Overwrite: false,
      Tags: [
        { Key: 'branch-env:app', Value: 'demo' },
        { Key: 'branch-env:environment', Value: 'feature-a' },
      ],
    });
    expect(ssm.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  it('accepts the same branch that already owns it', async () => {
    ssm.on(PutParameterCommand).rejects(exists());
    ssm.on(GetParameterCommand, { Name: OWNER }).resolves({ Parameter: { Value: 'feature/a' } });
    await expect(claim('feature/a')).resolves.toEqual({ kind: 'owned' });
  });

  it('refuses another branch, naming both branches and the fix', async () => {
    ssm.on(PutParameterCommand).rejects(exists());
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'feature/a.b' } });
    const error = await claim('feature/a-b').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      "environment 'feature-a' belongs to branch 'feature/a.b', not 'feature/a-b'; refusing to deploy over it",
    );
    expect((error as UserError).fix).toContain('branch-env destroy feature-a');
  });

  it('retries a throttled claim', async () => {
    ssm
      .on(PutParameterCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('TooManyUpdates'))
      .resolves({ Version: 1 });
    await expect(claim('feature/a')).resolves.toEqual({ kind: 'unclaimed' });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(3);
  });
});

describe('putParameters', () => {
  it('creates with tags, overwrites existing ones without tags, keeps create-only ones', async () => {
    ssm
      .on(PutParameterCommand, { Name: '/demo/feature-a/meta/commit', Overwrite: false })
      .resolves({})
      .on(PutParameterCommand, { Name: '/demo/feature-a/meta/deployed-at', Overwrite: false })
      .rejects(exists())
      .on(PutParameterCommand, { Name: '/demo/feature-a/meta/created-at', Overwrite: false })
      .rejects(exists())
      .on(PutParameterCommand, { Overwrite: true })
      .resolves({});
    await putParameters(
      aws,
      [
        { name: '/demo/feature-a/meta/commit', value: 'abc1234' },
        { name: '/demo/feature-a/meta/deployed-at', value: '2026-11-22T00:00:00.000Z' },
        { name: '/demo/feature-a/meta/created-at', value: '2026-11-22T00:00:00.000Z' },
      ],
      TAGS,
      new Set(['/demo/feature-a/meta/created-at']),
    );
    const inputs = ssm.commandCalls(PutParameterCommand).map((c) => c.args[0].input);
    expect(
      inputs.map((i) => [i.Name, i.Overwrite, i.Tags === undefined ? 'no tags' : 'tags']),
    ).toEqual([
      ['/demo/feature-a/meta/commit', false, 'tags'],
      ['/demo/feature-a/meta/deployed-at', false, 'tags'],
      ['/demo/feature-a/meta/deployed-at', true, 'no tags'],
      ['/demo/feature-a/meta/created-at', false, 'tags'],
    ]);
  });
});

describe('parameters under a prefix', () => {
  it('pages through GetParametersByPath (path without the trailing slash, recursive)', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .resolvesOnce({ Parameters: [{ Name: '/demo/a/x', Value: '1' }], NextToken: 't1' })
      .resolvesOnce({ Parameters: [{ Name: '/demo/a/y', Value: '2' }] });
    await expect(parametersUnder(aws, '/demo/a/')).resolves.toEqual([
      { name: '/demo/a/x', value: '1' },
      { name: '/demo/a/y', value: '2' },
    ]);
    const inputs = ssm.commandCalls(GetParametersByPathCommand).map((c) => c.args[0].input);
    expect(inputs).toEqual([
      { Path: '/demo/a', Recursive: true, NextToken: undefined },
      { Path: '/demo/a', Recursive: true, NextToken: 't1' },
    ]);
  });

  it('deletes in batches of 10 (the DeleteParameters limit)', async () => {
    const names = Array.from({ length: 23 }, (_, i) => `/demo/a/k${i}`);
    ssm
      .on(GetParametersByPathCommand)
      .resolves({ Parameters: names.map((Name) => ({ Name, Value: 'v' })) });
    ssm
      .on(DeleteParametersCommand)
      .callsFake((input: { Names: string[] }) => ({ DeletedParameters: input.Names }));
    await expect(deleteParametersUnder(aws, '/demo/a/')).resolves.toEqual(names);
    expect(
      ssm.commandCalls(DeleteParametersCommand).map((c) => c.args[0].input.Names?.length),
    ).toEqual([10, 10, 3]);
  });

  it('nothing there: no delete call', async () => {
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    await expect(deleteParametersUnder(aws, '/demo/a/')).resolves.toEqual([]);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
  });
});

describe('throttling', () => {
  it('retries throttled calls with back-off and then succeeds', async () => {
    ssm
      .on(GetParametersByPathCommand)
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .rejectsOnce(awsError('ThrottlingException', 'Rate exceeded'))
      .resolves({ Parameters: [{ Name: '/demo/a/x', Value: '1' }] });
    await expect(parametersUnder(aws, '/demo/a/')).resolves.toHaveLength(1);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(3);
  });

  it('gives up after the attempts and surfaces the throttling error', async () => {
    const waits: number[] = [];
    let calls = 0;
    const call = async () => {
      calls++;
      throw awsError('Throttling', 'Rate exceeded');
    };
    await expect(
      withRetry(call, { attempts: 4, baseMs: 100, sleep: async (ms) => void waits.push(ms) }),
    ).rejects.toThrow('Rate exceeded');
    expect(calls).toBe(4);
    expect(waits).toHaveLength(3);
    waits.forEach((w, i) => expect(w).toBeLessThanOrEqual(100 * 2 ** i));
  });

  it('does not retry other errors', async () => {
    let calls = 0;
    await expect(
      withRetry(async () => {
        calls++;
        throw awsError('AccessDeniedException');
      }),
    ).rejects.toThrow('AccessDeniedException');
    expect(calls).toBe(1);
    expect(isThrottling(awsError('RequestLimitExceeded'))).toBe(true);
  });
});

const STACK_ID = 'arn:aws:cloudformation:us-east-1:111111111111:stack/demo-feature-a/uuid';
const stack = (StackStatus: string, extra: Record<string, unknown> = {}) => ({
  Stacks: [
    {
      StackName: 'demo-feature-a',
      StackId: STACK_ID,
      StackStatus,
      CreationTime: new Date(),
      ...extra,
    },
  ],
});

describe('waitForStable (a stack busy with another operation)', () => {
  it('waits through UPDATE_IN_PROGRESS and returns the settled status', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('UPDATE_IN_PROGRESS'))
      .resolvesOnce(stack('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS'))
      .resolves(stack('UPDATE_COMPLETE'));
    const seen: string[] = [];
    await expect(
      waitForStable(aws, 'demo-feature-a', { onStatus: (s) => seen.push(s) }),
    ).resolves.toBe('UPDATE_COMPLETE');
    expect(seen).toEqual([
      'UPDATE_IN_PROGRESS',
      'UPDATE_COMPLETE_CLEANUP_IN_PROGRESS',
      'UPDATE_COMPLETE',
    ]);
  });

  it('gives a clear message when the stack stays UPDATE_IN_PROGRESS', async () => {
    cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_IN_PROGRESS'));
    const error = await waitForStable(aws, 'demo-feature-a', { timeoutMs: 0 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'stack demo-feature-a is still UPDATE_IN_PROGRESS: another deploy or delete of this environment is running',
    );
  });

  it('REVIEW_IN_PROGRESS (an interrupted first deploy: only a change set) is settled, not waited for', async () => {
    cfn.on(DescribeStacksCommand).resolves(stack('REVIEW_IN_PROGRESS'));
    await expect(waitForStable(aws, 'demo-feature-a', { timeoutMs: 0 })).resolves.toBe(
      'REVIEW_IN_PROGRESS',
    );
  });

  it('a stack that does not exist is settled (undefined)', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id demo-feature-a does not exist'));
    await expect(waitForStable(aws, 'demo-feature-a')).resolves.toBeUndefined();
  });
});

describe('deleteStack', () => {
  const bucketFailure = {
    StackResourceSummaries: [
      {
        LogicalResourceId: 'DataBucket',
        ResourceType: 'AWS::S3::Bucket',
        PhysicalResourceId: 'demo-feature-a-data',
        ResourceStatus: 'DELETE_FAILED',
        ResourceStatusReason: 'The bucket you tried to delete is not empty',
        LastUpdatedTimestamp: new Date(),
      },
      {
        LogicalResourceId: 'Vpc',
        ResourceType: 'AWS::EC2::VPC',
        ResourceStatus: 'DELETE_COMPLETE',
        LastUpdatedTimestamp: new Date(),
      },
    ],
  };

  it('DELETE_FAILED on a non-empty bucket: empties every version, retries, succeeds', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolvesOnce(stack('DELETE_FAILED'))
      .resolvesOnce(stack('DELETE_IN_PROGRESS'))
      .resolves(stack('DELETE_COMPLETE'));
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(ListStackResourcesCommand).resolves(bucketFailure);
    s3.on(ListObjectVersionsCommand)
      .resolvesOnce({
        Versions: [
          { Key: 'a.txt', VersionId: 'v1' },
          { Key: 'a.txt', VersionId: 'v2' },
        ],
        IsTruncated: true,
        NextKeyMarker: 'a.txt',
        NextVersionIdMarker: 'v2',
      })
      .resolves({ DeleteMarkers: [{ Key: 'b.txt', VersionId: 'm1' }], IsTruncated: false });
    s3.on(DeleteObjectsCommand).resolves({ Errors: [] });

    const result = await deleteStack(aws, 'demo-feature-a');
    expect(result).toEqual({
      stack: 'demo-feature-a',
      existed: true,
      failures: [],
      emptied: ['s3://demo-feature-a-data'],
    });
    expect(cfn.commandCalls(DeleteStackCommand).map((c) => c.args[0].input)).toEqual([
      { StackName: STACK_ID },
      { StackName: STACK_ID },
    ]);
    expect(s3.commandCalls(ListObjectVersionsCommand)[1]?.args[0].input).toMatchObject({
      Bucket: 'demo-feature-a-data',
      KeyMarker: 'a.txt',
      VersionIdMarker: 'v2',
    });
    expect(
      s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete?.Objects),
    ).toEqual([
      [
        { Key: 'a.txt', VersionId: 'v1' },
        { Key: 'a.txt', VersionId: 'v2' },
      ],
      [{ Key: 'b.txt', VersionId: 'm1' }],
    ]);
  });

  it('reports what still fails after the retry instead of looping', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolves(stack('DELETE_FAILED'));
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(ListStackResourcesCommand).resolves(bucketFailure);
    s3.on(ListObjectVersionsCommand).resolves({ IsTruncated: false });
    const result = await deleteStack(aws, 'demo-feature-a');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(2);
    expect(result.failures).toEqual([
      {
        logicalId: 'DataBucket',
        type: 'AWS::S3::Bucket',
        physicalId: 'demo-feature-a-data',
        reason: 'The bucket you tried to delete is not empty',
      },
    ]);
  });

  it('DELETE_FAILED on something it cannot empty: reports without a second delete', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolves(stack('DELETE_FAILED'));
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(ListStackResourcesCommand).resolves({
      StackResourceSummaries: [
        {
          LogicalResourceId: 'Sg',
          ResourceType: 'AWS::EC2::SecurityGroup',
          PhysicalResourceId: 'sg-1',
          ResourceStatus: 'DELETE_FAILED',
          ResourceStatusReason: 'has a dependent object',
          LastUpdatedTimestamp: new Date(),
        },
      ],
    });
    const result = await deleteStack(aws, 'demo-feature-a');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    expect(result.failures.map((f) => f.reason)).toEqual(['has a dependent object']);
  });

  it('DELETE_FAILED with no failed resource listed: the stack itself is the failure, never deleted', async () => {
    const reason = 'Role arn:aws:iam::111111111111:role/cfn-exec is invalid or cannot be assumed';
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolvesOnce(stack('CREATE_COMPLETE'))
      .resolves(stack('DELETE_FAILED', { StackStatusReason: reason }));
    cfn.on(DeleteStackCommand).resolves({});
    cfn.on(ListStackResourcesCommand).resolves({ StackResourceSummaries: [] });
    const result = await deleteStack(aws, 'demo-feature-a');
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
    expect(result.failures).toEqual([
      {
        logicalId: 'demo-feature-a',
        type: 'AWS::CloudFormation::Stack',
        reason: `DELETE_FAILED: ${reason}`,
      },
    ]);
  });

  /** A fake clock that moves `stepMin` minutes each time it is read. */
  const clock = (stepMin: number) => {
    let t = 0;
    return () => (t += stepMin * 60_000);
  };

  it('waits out a CloudFront-long delete (50 min: past the 30 min of other waits)', async () => {
    let polls = 0;
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('UPDATE_COMPLETE'))
      .resolvesOnce(stack('UPDATE_COMPLETE'))
      .callsFake(() => stack(++polls <= 50 ? 'DELETE_IN_PROGRESS' : 'DELETE_COMPLETE'));
    cfn.on(DeleteStackCommand).resolves({});
    await expect(deleteStack(aws, 'demo-feature-a', { now: clock(1) })).resolves.toEqual({
      stack: 'demo-feature-a',
      existed: true,
      failures: [],
      emptied: [],
    });
    expect(polls).toBe(51);
  });

  it('a delete still running after the wait (120 min): says so and how to finish, not "another deploy"', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('UPDATE_COMPLETE'))
      .resolvesOnce(stack('UPDATE_COMPLETE'))
      .resolves(stack('DELETE_IN_PROGRESS'));
    cfn.on(DeleteStackCommand).resolves({});
    const error = await deleteStack(aws, 'demo-feature-a', {
      now: clock(10),
      rerun: 'branch-env destroy feature-a',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe(
      'the delete of demo-feature-a is still running after 120 min (CloudFront distributions take 30–60+ min to delete)',
    );
    expect((error as UserError).fix).toBe(
      'run `branch-env destroy feature-a` again to finish: it waits for the running delete, then cleans up',
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(1);
  });

  it('a delete left running by an earlier destroy is waited for as a delete, then found gone', async () => {
    let polls = 0;
    cfn.on(DescribeStacksCommand).callsFake(() => {
      if (++polls <= 40) return stack('DELETE_IN_PROGRESS');
      throw awsError('ValidationError', 'Stack with id demo-feature-a does not exist');
    });
    await expect(
      deleteStack(aws, 'demo-feature-a', { now: clock(1), deleteTimeoutMs: 60 * 60_000 }),
    ).resolves.toMatchObject({ existed: false });
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    // another operation (an update) still gets the 30 min and the "another deploy" message
    cfn.reset();
    cfn.on(DescribeStacksCommand).resolves(stack('UPDATE_IN_PROGRESS'));
    await expect(deleteStack(aws, 'demo-feature-a', { now: clock(10) })).rejects.toThrow(
      'stack demo-feature-a is still UPDATE_IN_PROGRESS: another deploy or delete of this environment is running',
    );
  });

  it('is idempotent: a stack that is not there is no error and no delete call', async () => {
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id demo-feature-a does not exist'));
    await expect(deleteStack(aws, 'demo-feature-a')).resolves.toEqual({
      stack: 'demo-feature-a',
      existed: false,
      failures: [],
      emptied: [],
    });
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it('refuses termination protection unless told, then turns it off first', async () => {
    cfn
      .on(DescribeStacksCommand)
      .resolves(stack('UPDATE_COMPLETE', { EnableTerminationProtection: true }));
    await expect(deleteStack(aws, 'demo-feature-a')).rejects.toThrow(
      'has termination protection on',
    );
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);

    cfn.reset();
    cfn
      .on(DescribeStacksCommand)
      .resolvesOnce(stack('UPDATE_COMPLETE', { EnableTerminationProtection: true }))
      .resolvesOnce(stack('UPDATE_COMPLETE', { EnableTerminationProtection: true }))
      .resolves(stack('DELETE_COMPLETE'));
    cfn.on(UpdateTerminationProtectionCommand).resolves({});
    cfn.on(DeleteStackCommand).resolves({});
    await expect(
      deleteStack(aws, 'demo-feature-a', { disableTerminationProtection: true }),
    ).resolves.toMatchObject({
      existed: true,
      failures: [],
    });
    expect(cfn.commandCalls(UpdateTerminationProtectionCommand)[0]?.args[0].input).toEqual({
      StackName: STACK_ID,
      EnableTerminationProtection: false,
    });
  });
});

describe('out-of-CloudFormation leftovers', () => {
  it('emptyBucket: a bucket that is already gone is empty', async () => {
    s3.on(ListObjectVersionsCommand).rejects(awsError('NoSuchBucket'));
    await expect(emptyBucket(aws, 'gone')).resolves.toBe(0);
  });

  it('emptyBucket: object delete errors are not swallowed', async () => {
    s3.on(ListObjectVersionsCommand).resolves({
      Versions: [{ Key: 'k', VersionId: 'v' }],
      IsTruncated: false,
    });
    s3.on(DeleteObjectsCommand).resolves({
      Errors: [{ Key: 'k', Code: 'AccessDenied', Message: 'denied' }],
    });
    await expect(emptyBucket(aws, 'b')).rejects.toThrow(
      'could not delete 1 object(s) of bucket b: AccessDenied denied',
    );
  });

  it('deleteLogGroups: every group under /<app>/<env>/, already-gone ones skipped', async () => {
    logs
      .on(DescribeLogGroupsCommand)
      .resolvesOnce({
        logGroups: [{ logGroupName: '/demo/feature-a/service/api' }],
        nextToken: 'n',
      })
      .resolves({ logGroups: [{ logGroupName: '/demo/feature-a/agent' }] });
    logs
      .on(DeleteLogGroupCommand, { logGroupName: '/demo/feature-a/agent' })
      .rejects(awsError('ResourceNotFoundException'))
      .on(DeleteLogGroupCommand, { logGroupName: '/demo/feature-a/service/api' })
      .resolves({});
    await expect(deleteLogGroups(aws, '/demo/feature-a/')).resolves.toEqual([
      '/demo/feature-a/service/api',
    ]);
    expect(logs.commandCalls(DescribeLogGroupsCommand)[0]?.args[0].input).toEqual({
      logGroupNamePrefix: '/demo/feature-a/',
      nextToken: undefined,
    });
  });

  it('deleteAllImages: all digests in batches of 100; a missing repository is empty', async () => {
    const ids = Array.from({ length: 150 }, (_, i) => ({
      imageDigest: `sha256:${i}`,
      imageTag: `t${i}`,
    }));
    ecr.on(ListImagesCommand).resolves({ imageIds: ids });
    ecr
      .on(BatchDeleteImageCommand)
      .callsFake((input: { imageIds: unknown[] }) => ({ imageIds: input.imageIds }));
    await expect(deleteAllImages(aws, 'demo/feature-a')).resolves.toBe(150);
    expect(
      ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input.imageIds?.length),
    ).toEqual([100, 50]);
    ecr.reset();
    ecr.on(ListImagesCommand).rejects(awsError('RepositoryNotFoundException'));
    await expect(deleteAllImages(aws, 'gone')).resolves.toBe(0);
    expect(repositoryName('111111111111.dkr.ecr.us-east-1.amazonaws.com/demo/feature-a')).toBe(
      'demo/feature-a',
    );
  });

  it('scanTagged: filters on both tags, pages, returns ARNs with tags', async () => {
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:s3:::b', Tags: [{ Key: 'k', Value: 'v' }] },
        ],
        PaginationToken: 'p',
      })
      .resolves({ ResourceTagMappingList: [], PaginationToken: '' });
    await expect(scanTagged(aws, 'demo', 'feature-a')).resolves.toEqual([
      { arn: 'arn:aws:s3:::b', tags: { k: 'v' } },
    ]);
    const inputs = tagging.commandCalls(GetResourcesCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({
      TagFilters: [
        { Key: 'branch-env:environment', Values: ['feature-a'] },
        { Key: 'branch-env:app', Values: ['demo'] },
      ],
      ResourcesPerPage: 100,
      PaginationToken: undefined,
    });
    expect(inputs[1]?.PaginationToken).toBe('p');
  });
});

describe('ACM validation records (Route 53)', () => {
  const zone = 'Z0DEVEXAMPLE00000001';
  const domain = 'dev.example.com';
  const cname = (name: string, value = '_0a1b.xyz.acm-validations.aws.') => ({
    Name: name,
    Type: 'CNAME' as const,
    TTL: 300,
    ResourceRecords: [{ Value: value }],
  });

  it('pages from <env>.<domain> through its names and stops at the first name past them', async () => {
    // Route 53's order (reversed labels, ASCII, trailing dot): feature-x-2 (com.example.dev.feature-x-2.)
    // sorts before feature-x's apex ('-' < '.'), so it is never listed from there; feature-x's
    // names follow the apex (_a1 < _b2 < api < origin), then feature-xa.
    route53
      .on(ListResourceRecordSetsCommand)
      .resolvesOnce({
        ResourceRecordSets: [
          {
            Name: 'feature-x.dev.example.com.',
            Type: 'A',
            AliasTarget: {
              HostedZoneId: 'Z2',
              DNSName: 'd1.cloudfront.net.',
              EvaluateTargetHealth: false,
            },
          },
          cname('_a1.feature-x.dev.example.com.'),
          cname('_b2.feature-x.dev.example.com.', 'not-acm.example.com.'),
          cname('api.feature-x.dev.example.com.', 'lb.example.com.'),
        ],
        IsTruncated: true,
        NextRecordName: '_c3.origin.feature-x.dev.example.com.',
        NextRecordType: 'CNAME',
        MaxItems: 4,
      })
      .resolvesOnce({
        ResourceRecordSets: [
          cname('_c3.origin.feature-x.dev.example.com.'),
          // past the environment's names: another environment whose name only starts the same
          cname('_e5.feature-xa.dev.example.com.'),
          cname('_f6.feature-y.dev.example.com.'),
        ],
        IsTruncated: true,
        NextRecordName: 'feature-z.dev.example.com.',
        NextRecordType: 'A',
        MaxItems: 3,
      })
      .resolves({ ResourceRecordSets: [cname('_g7.feature-z.dev.example.com.')] });
    const found = await acmValidationRecords(testClients(), zone, 'feature-x', domain);
    expect(found.complete).toBe(true);
    expect(found.records.map((r) => r.Name)).toEqual([
      '_a1.feature-x.dev.example.com.',
      '_c3.origin.feature-x.dev.example.com.',
    ]);
    expect(route53.commandCalls(ListResourceRecordSetsCommand).map((c) => c.args[0].input)).toEqual(
      [
        {
          HostedZoneId: zone,
          StartRecordName: 'feature-x.dev.example.com.',
          StartRecordType: undefined,
          StartRecordIdentifier: undefined,
        },
        {
          HostedZoneId: zone,
          StartRecordName: '_c3.origin.feature-x.dev.example.com.',
          StartRecordType: 'CNAME',
          StartRecordIdentifier: undefined,
        },
      ],
    );
  });

  it('does not read a page that starts past the names', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [cname('_a1.feature-x.dev.example.com.')],
      IsTruncated: true,
      NextRecordName: 'feature-xa.dev.example.com.',
      NextRecordType: 'A',
    });
    const found = await acmValidationRecords(testClients(), zone, 'feature-x', domain);
    expect(found).toEqual({ records: [cname('_a1.feature-x.dev.example.com.')], complete: true });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(1);
  });

  it('never reads more than maxPages, and says when the names went on past them', async () => {
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [cname('_a1.feature-x.dev.example.com.')],
      IsTruncated: true,
      NextRecordName: '_a1.feature-x.dev.example.com.',
      NextRecordType: 'CNAME',
    });
    const found = await acmValidationRecords(testClients(), zone, 'feature-x', domain, {
      maxPages: 3,
    });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)).toHaveLength(3);
    expect(found.complete).toBe(false);
  });

  it('deletes each with the exact record read; one already gone is skipped (idempotent)', async () => {
    const a = cname('_a1.feature-x.dev.example.com.');
    const b = cname('_b2.origin.feature-x.dev.example.com.');
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [a, b] });
    route53
      .on(ChangeResourceRecordSetsCommand)
      .rejectsOnce(
        awsError(
          'InvalidChangeBatch',
          "[Tried to delete resource record set [name='_a1.feature-x.dev.example.com.', type='CNAME'] but it was not found]",
        ),
      )
      .resolves({});
    await expect(
      deleteAcmValidationRecords(testClients(), zone, 'feature-x', domain),
    ).resolves.toEqual({ deleted: ['_b2.origin.feature-x.dev.example.com.'], complete: true });
    expect(
      route53
        .commandCalls(ChangeResourceRecordSetsCommand)
        .map((c) => c.args[0].input.ChangeBatch?.Changes),
    ).toEqual([
      [{ Action: 'DELETE', ResourceRecordSet: a }],
      [{ Action: 'DELETE', ResourceRecordSet: b }],
    ]);
    // other Route 53 errors are not swallowed
    route53.on(ChangeResourceRecordSetsCommand).rejects(awsError('InvalidChangeBatch', 'bad TTL'));
    await expect(
      deleteAcmValidationRecords(testClients(), zone, 'feature-x', domain),
    ).rejects.toThrow('bad TTL');
  });
});

describe('credentials', () => {
  const env = {
    name: 'feature-a',
    branch: 'feature/a',
    account: {
      key: 'development',
      id: '111111111111',
      region: 'us-east-1',
      production: false,
      deployRoleArn: 'arn:role',
    },
    deployRoleArn: 'arn:aws:iam::111111111111:role/deploy',
  } as const;

  it('no credentials: one user error, not a stack trace', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .rejects(
        awsError('CredentialsProviderError', 'Could not load credentials from any providers'),
      );
    const error = await callerIdentity(aws, 'deploy').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).message).toBe('deploy needs AWS credentials and none are usable');
    expect(isCredentialsError(awsError('ExpiredToken'))).toBe(true);
    expect(isCredentialsError(awsError('AccessDenied'))).toBe(false);
  });

  it('maps AWS refusals to user errors naming the action and the fix; other errors stay bugs', () => {
    const denied = awsFailure(
      'destroy',
      awsError(
        'AccessDeniedException',
        'User: arn:aws:sts::1:assumed-role/deploy/x is not authorized to perform: logs:DeleteLogGroup on resource: arn:aws:logs:us-east-1:1:log-group:/aws/ecs/containerinsights/c/performance:* because no identity-based policy allows the logs:DeleteLogGroup action',
      ),
    );
    expect(denied).toBeInstanceOf(UserError);
    expect(denied?.message).toBe(
      'destroy: AWS denied logs:DeleteLogGroup on arn:aws:logs:us-east-1:1:log-group:/aws/ecs/containerinsights/c/performance:* (AccessDeniedException)',
    );
    expect(denied?.fix).toContain('the credentials need logs:DeleteLogGroup');
    expect(denied?.fix).toContain('re-run `branch-env bootstrap`');
    // EC2 style, and S3's bare "Access Denied" (no action named)
    expect(
      awsFailure(
        'deploy',
        awsError(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation. User: arn:x is not authorized to perform: ec2:DescribeVpcs because no identity-based policy allows it',
        ),
      )?.message,
    ).toBe('deploy: AWS denied ec2:DescribeVpcs (UnauthorizedOperation)');
    expect(awsFailure('destroy', awsError('AccessDenied', 'Access Denied'))?.message).toBe(
      'destroy: AWS denied a call (Access Denied) (AccessDenied)',
    );
    // a service exception of another code saying so (CloudFormation's iam:PassRole), mapped
    expect(
      awsFailure(
        'deploy',
        awsError(
          'ValidationError',
          'User: arn:x is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/r',
        ),
      )?.message,
    ).toBe('deploy: AWS denied iam:PassRole on arn:aws:iam::1:role/r (ValidationError)');
    // the same words in an error that is no service exception (a toolkit deploy failure): not mapped
    expect(
      awsFailure(
        'deploy',
        Object.assign(
          new Error(
            'The stack named x failed to deploy: User: arn:y is not authorized to perform: ec2:CreateVpc',
          ),
          { name: 'DeploymentError' },
        ),
      ),
    ).toBeUndefined();
    expect(deniedAction('nothing here')).toEqual({});
    // credentials: expired vs unusable
    expect(awsFailure('reap', awsError('ExpiredToken', 'token expired'))?.fix).toMatch(
      /^re-authenticate/,
    );
    expect(awsFailure('list', awsError('InvalidClientTokenId', 'bad'))?.message).toBe(
      'list needs AWS credentials and none are usable (InvalidClientTokenId)',
    );
    // not AWS's refusal: stays a bug (exit 2)
    expect(awsFailure('list', new TypeError('x is undefined'))).toBeUndefined();
    expect(awsFailure('list', awsError('ValidationError', 'bad input'))).toBeUndefined();
    const mine = new UserError('mine');
    expect(awsFailure('list', mine)).toBe(mine);
  });

  it('credentials for another account are refused before anything changes', async () => {
    sts
      .on(GetCallerIdentityCommand)
      .resolves({ Account: '222222222222', Arn: 'arn:aws:sts::222222222222:assumed-role/x/y' });
    await expect(requireAccount(aws, env, 'deploy')).rejects.toThrow(
      "the AWS credentials are for account 222222222222 (arn:aws:sts::222222222222:assumed-role/x/y), but 'feature/a' routes to development account 111111111111",
    );
    sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn:me' });
    await expect(requireAccount(aws, env, 'deploy')).resolves.toEqual({
      account: '111111111111',
      arn: 'arn:me',
    });
  });
});

describe('price refresh (AWS Price List API)', () => {
  const product = (usagetype: string, usd: string, unit = 'Hrs') =>
    JSON.stringify({
      product: { attributes: { usagetype } },
      terms: {
        OnDemand: { 'X.Y': { priceDimensions: { 'X.Y.Z': { unit, pricePerUnit: { USD: usd } } } } },
      },
    });

  it('reads the hourly on-demand price of the matching usage type', () => {
    expect(
      hourlyPrice(
        [
          product('USE1-NatGateway-Bytes', '0.045', 'GB'),
          product('USE1-NatGateway-Hours', '0.048'),
        ],
        'NatGateway-Hours',
      ),
    ).toBe(0.048);
    expect(hourlyPrice([product('USE1-Other', '1')], 'NatGateway-Hours')).toBeUndefined();
  });

  it('builds a PriceTable: refreshed keys replaced, the rest kept, provenance says which', async () => {
    pricing
      .on(GetProductsCommand)
      .callsFake((input: { ServiceCode: string; Filters: { Field: string; Value: string }[] }) => {
        const filters = Object.fromEntries(input.Filters.map((f) => [f.Field, f.Value]));
        if (filters.regionCode !== 'eu-west-1') return { PriceList: [] };
        if (input.ServiceCode === 'AmazonEC2')
          return { PriceList: [product('EU-NatGateway-Hours', '0.048')] };
        if (input.ServiceCode === 'AmazonECS')
          return {
            PriceList: [
              product('EU-Fargate-vCPU-Hours:perCPU', '0.04456'),
              product('EU-Fargate-GB-Hours', '0.004865'),
            ],
          };
        return { PriceList: [] };
      });
    const io = recordingIo();
    const table = await refreshPrices(PRICES_2026_11, 'eu-west-1', io, {
      client: new PricingClient({ region: 'us-east-1' }),
      retry: { sleep: async () => {} },
    });
    expect(table.region).toBe('eu-west-1');
    expect(table.prices.natGateway.usd).toBe(0.048);
    expect(table.prices.fargateVcpu.usd).toBe(0.04456);
    expect(table.prices.fargateMemoryGb.usd).toBe(0.004865);
    expect(table.prices.applicationLoadBalancer).toEqual(
      PRICES_2026_11.prices.applicationLoadBalancer,
    );
    expect(table.source).toContain('3 refreshed: natGateway, fargateVcpu, fargateMemoryGb');
    expect(io.stderr()).toContain('no Price List answer for applicationLoadBalancer in eu-west-1');
  });

  it("refreshes the DocumentDB instance classes the templates use, not only the table's", async () => {
    pricing
      .on(GetProductsCommand)
      .callsFake((input: { ServiceCode: string; Filters: { Field: string; Value: string }[] }) => {
        const filters = Object.fromEntries(input.Filters.map((f) => [f.Field, f.Value]));
        if (input.ServiceCode === 'AmazonDocDB' && filters.instanceType === 'db.r6g.large')
          return { PriceList: [product('EU-InstanceUsage:db.r6g.large', '0.305')] };
        return { PriceList: [] };
      });
    const classes = documentDbInstanceClasses([
      {
        Resources: {
          Db1: { Type: 'AWS::DocDB::DBInstance', Properties: { DBInstanceClass: 'db.r6g.large' } },
          Db2: { Type: 'AWS::DocDB::DBInstance', Properties: { DBInstanceClass: 'db.r6g.large' } },
          Sls: { Type: 'AWS::DocDB::DBInstance', Properties: { DBInstanceClass: 'db.serverless' } },
          Rds: { Type: 'AWS::RDS::DBInstance', Properties: { DBInstanceClass: 'db.t4g.micro' } },
          Ref: { Type: 'AWS::DocDB::DBInstance', Properties: { DBInstanceClass: { Ref: 'P' } } },
        },
      },
      { Resources: {} },
    ]);
    expect(classes).toEqual(['db.r6g.large']);
    const io = recordingIo();
    const table = await refreshPrices(PRICES_2026_11, 'eu-west-1', io, {
      client: new PricingClient({ region: 'us-east-1' }),
      retry: { sleep: async () => {} },
      documentDbClasses: classes,
    });
    expect(table.documentDbInstances['db.r6g.large']).toEqual({
      usd: 0.305,
      per: 'hour',
      unit: 'instance',
    });
    expect(table.documentDbInstances['db.t3.medium']).toEqual(
      PRICES_2026_11.documentDbInstances['db.t3.medium'],
    );
    expect(table.source).toContain('documentDb db.r6g.large');
    expect(io.stderr()).toContain(
      'no Price List answer for DocumentDB db.t3.medium in eu-west-1; keeping 2026-11 price',
    );
    const docdbCalls = pricing
      .commandCalls(GetProductsCommand)
      .filter((c) => c.args[0].input.ServiceCode === 'AmazonDocDB')
      .map((c) => c.args[0].input.Filters?.find((f) => f.Field === 'instanceType')?.Value);
    expect(docdbCalls).toEqual(['db.r6g.large', 'db.t3.medium']);
  });
});
