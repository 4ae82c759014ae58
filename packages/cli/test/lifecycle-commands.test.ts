import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStackResourcesCommand,
  ListStacksCommand,
} from '@aws-sdk/client-cloudformation';
import {
  CloudWatchLogsClient,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { BatchDeleteImageCommand, ECRClient, ListImagesCommand } from '@aws-sdk/client-ecr';
import {
  GetResourcesCommand,
  ResourceGroupsTaggingAPIClient,
} from '@aws-sdk/client-resource-groups-tagging-api';
import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterNotFound,
  SSMClient,
} from '@aws-sdk/client-ssm';
import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  Route53Client,
} from '@aws-sdk/client-route-53';
import {
  DeleteSecretCommand,
  DescribeSecretCommand,
  ListSecretsCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import {
  loadConfig,
  protectionOf,
  resolveEnvironment,
  UserError,
  type DeployedEnvironment,
} from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  deployRecords,
  jobSummary,
  stepOutputs,
  type DeployOutcome,
} from '../src/commands/deploy/deploy.js';
import {
  assertDestroyAllowed,
  destroyEnvironment,
  destroyText,
} from '../src/commands/destroy/destroy.js';
import { diffMarkdown, diffText } from '../src/commands/diff/diff.js';
import { buildPlan, planMarkdown, planText } from '../src/commands/plan/plan.js';
import { listRow, listText } from '../src/commands/list/list.js';
import { parseNow, reapText } from '../src/commands/reap/reap.js';
import { StderrIoHost, summarizeDiff, toolkitFailure } from '../src/private/aws/toolkit.js';
import { configuredAccounts, scanAccounts } from '../src/private/accounts.js';
import type { AwsClients } from '../src/private/aws/clients.js';
import { liveBranches, nextLink, parseBranchList } from '../src/private/live-branches.js';
import { targetFromArgument, targetOf } from '../src/private/target.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'), ROOT);
const NOW = new Date('2026-11-22T12:00:00Z');

describe('destroy: what the argument means (offline)', () => {
  it.each([
    ['feature/new-login', 'feature-new-login', 'branch', false],
    ['sandbox', 'sandbox', 'branch', true],
    ['main', 'customer-facing', 'branch', true],
    ['customer-facing', 'customer-facing', 'fixed-environment', true],
  ] as const)('%s -> %s via %s, protected %s', (arg, environment, via, prot) => {
    const r = targetFromArgument(arg, config);
    expect('target' in r && r.target).toMatchObject({ environment, via, protected: prot });
  });

  it('an environment name that is not a branch is looked up in AWS', () => {
    expect(targetFromArgument('feature-new-login', config)).toEqual({
      lookup: 'feature-new-login',
    });
  });

  it('rejects what is neither a branch nor an environment name', () => {
    expect(() => targetFromArgument('Not A Name!', config)).toThrow(UserError);
  });

  it('refuses a protected environment without --force-protected, with the exact command', () => {
    const r = targetFromArgument('sandbox', config);
    if (!('target' in r)) throw new Error('expected a target');
    expect(() => assertDestroyAllowed(r.target, false)).toThrow(
      "environment 'sandbox' is protected (branch 'sandbox'); refusing to destroy it",
    );
    expect(() => assertDestroyAllowed(r.target, true)).not.toThrow();
    const fixed = targetOf(resolveEnvironment('feature/x', config));
    expect(() => assertDestroyAllowed(fixed, false)).not.toThrow();
  });

  it('a protected environment keeps its final snapshot on purpose; an unprotected one does not', () => {
    const keeps = (arg: string) => {
      const r = targetFromArgument(arg, config);
      return 'target' in r && r.target.keepSnapshots;
    };
    expect(keeps('sandbox')).toBe(true);
    expect(keeps('customer-facing')).toBe(true);
    expect(keeps('feature/x')).toBe(false);
  });
});

describe('destroyEnvironment (mocked AWS)', () => {
  const ssm = mockClient(SSMClient);
  const cfn = mockClient(CloudFormationClient);
  const logs = mockClient(CloudWatchLogsClient);
  const ecr = mockClient(ECRClient);
  const tagging = mockClient(ResourceGroupsTaggingAPIClient);
  const sts = mockClient(STSClient);
  const secrets = mockClient(SecretsManagerClient);
  const route53 = mockClient(Route53Client);
  beforeEach(() => {
    for (const m of [ssm, cfn, logs, ecr, tagging, sts, secrets, route53]) m.reset();
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: [] });
    secrets.on(ListSecretsCommand).resolves({ SecretList: [] });
  });
  const zone = 'Z0DEVEXAMPLE00000001';
  const validation = (name: string, value = '_x9.abcdefgh.acm-validations.aws.') => ({
    Name: name,
    Type: 'CNAME' as const,
    TTL: 300,
    ResourceRecords: [{ Value: value }],
  });
  const target = targetOf(resolveEnvironment('feature/new-login', config));
  // One set of clients per region, as in production: a call made in the wrong region is seen.
  const regional = new Map<string, AwsClients>();
  const clientsFor = (region: string): AwsClients => {
    let c = regional.get(region);
    if (!c) regional.set(region, (c = testClients(region)));
    return c;
  };
  /** The region of the client a mocked call was made with (prototype mocks see the instance). */
  const regionOf = (call: { thisValue: unknown }) =>
    [...regional.values()].find((c) => Object.values(c).includes(call.thisValue))?.region;
  const options = { clientsFor, scanPauseMs: 0 };
  const prefix = '/branch-env-demo/feature-new-login/';
  const tags = [
    { Key: 'branch-env:app', Value: 'branch-env-demo' },
    { Key: 'branch-env:environment', Value: 'feature-new-login' },
  ];

  it('deletes images, both stacks, parameters, log groups, then proves nothing is left', async () => {
    ssm.on(GetParameterCommand, { Name: `${prefix}ecr-repository` }).resolves({
      Parameter: {
        Value: '111111111111.dkr.ecr.us-east-1.amazonaws.com/branch-env-demo/feature-new-login',
      },
    });
    ecr
      .on(ListImagesCommand)
      .resolves({ imageIds: [{ imageDigest: 'sha256:1', imageTag: 'abc' }] });
    ecr.on(BatchDeleteImageCommand).resolves({ imageIds: [{ imageDigest: 'sha256:1' }] });
    const id =
      'arn:aws:cloudformation:us-east-1:111111111111:stack/branch-env-demo-feature-new-login/u';
    cfn
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login' })
      .resolves({
        Stacks: [
          { StackName: 'x', StackId: id, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
        ],
      })
      .on(DescribeStacksCommand, { StackName: id })
      .resolves({
        Stacks: [
          { StackName: 'x', StackId: id, StackStatus: 'DELETE_COMPLETE', CreationTime: new Date() },
        ],
      })
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login-certificate' })
      .rejects(
        awsError(
          'ValidationError',
          'Stack with id branch-env-demo-feature-new-login-certificate does not exist',
        ),
      );
    cfn.on(DeleteStackCommand).resolves({});
    ssm.on(GetParametersByPathCommand).resolves({
      Parameters: [
        { Name: `${prefix}meta/owner-branch`, Value: 'feature/new-login' },
        { Name: `${prefix}experiments/x/configuration`, Value: '{}' },
      ],
    });
    ssm
      .on(DeleteParametersCommand)
      .callsFake((i: { Names: string[] }) => ({ DeletedParameters: i.Names }));
    logs
      .on(DescribeLogGroupsCommand)
      .resolves({ logGroups: [{ logGroupName: `${prefix}service/api` }] });
    logs.on(DeleteLogGroupCommand).resolves({});
    tagging
      .on(GetResourcesCommand)
      .resolvesOnce({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:logs:us-east-1:1:log-group:/aws/x', Tags: tags },
        ],
      })
      .resolves({
        ResourceTagMappingList: [
          { ResourceARN: 'arn:aws:ecs:us-east-1:1:task-definition/api:1', Tags: tags },
        ],
      });

    // An application secret set for this environment alone goes too (into its recovery window).
    secrets
      .on(ListSecretsCommand)
      .resolves({ SecretList: [{ Name: `${prefix}secrets/STRIPE_KEY` }] });
    secrets.on(DeleteSecretCommand).resolves({});

    const io = recordingIo();
    const report = await destroyEnvironment(target, io, options);
    expect(secrets.commandCalls(ListSecretsCommand)[0]?.args[0].input.Filters).toEqual([
      { Key: 'name', Values: [`${prefix}secrets/`] },
    ]);
    expect(secrets.commandCalls(DeleteSecretCommand).map((c) => c.args[0].input)).toEqual([
      { SecretId: `${prefix}secrets/STRIPE_KEY`, RecoveryWindowInDays: 7 },
    ]);
    expect(report).toMatchObject({
      environment: 'feature-new-login',
      branch: 'feature/new-login',
      images: 1,
      parameters: [`${prefix}meta/owner-branch`, `${prefix}experiments/x/configuration`],
      logGroups: [`${prefix}service/api`],
      clean: true,
    });
    expect(report.stacks.map((s) => [s.stack, s.existed])).toEqual([
      ['branch-env-demo-feature-new-login', true],
      ['branch-env-demo-feature-new-login-certificate', false],
    ]);
    expect(report.leftovers.map((l) => l.kind)).toEqual(['inactive']);
    // first scan found a billable log group, so it scanned again (the tag index lags deletes)
    expect(tagging.commandCalls(GetResourcesCommand).length).toBeGreaterThanOrEqual(2);
    expect(destroyText(report)).toContain('feature-new-login is gone');
    expect(io.stderr()).toContain(
      '[feature-new-login] deleting stack branch-env-demo-feature-new-login (us-east-1)...',
    );
  });

  describe('the Container Insights log group (named after the CloudFormation-generated cluster)', () => {
    const cluster = 'branch-env-demo-feature-new-login-ServiceCluster1A2B3C4D-xYz';
    const group = `/aws/ecs/containerinsights/${cluster}/performance`;
    const id =
      'arn:aws:cloudformation:us-east-1:111111111111:stack/branch-env-demo-feature-new-login/u';
    beforeEach(() => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
      cfn
        .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login' })
        .resolves({
          Stacks: [
            {
              StackName: 'x',
              StackId: id,
              StackStatus: 'UPDATE_COMPLETE',
              CreationTime: new Date(),
            },
          ],
        })
        .on(DescribeStacksCommand, { StackName: id })
        .resolves({
          Stacks: [
            {
              StackName: 'x',
              StackId: id,
              StackStatus: 'DELETE_COMPLETE',
              CreationTime: new Date(),
            },
          ],
        })
        .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login-certificate' })
        .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
      cfn.on(DeleteStackCommand).resolves({});
      cfn.on(ListStackResourcesCommand).resolves({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'ServiceCluster1A2B3C4D',
            ResourceType: 'AWS::ECS::Cluster',
            PhysicalResourceId: cluster,
            ResourceStatus: 'UPDATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
          {
            LogicalResourceId: 'Vpc',
            ResourceType: 'AWS::EC2::VPC',
            PhysicalResourceId: 'vpc-1',
            ResourceStatus: 'UPDATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
        ],
      });
      ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
      logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
      tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    });

    it('reads the cluster before the stack delete and deletes its log group after it', async () => {
      logs.on(DeleteLogGroupCommand, { logGroupName: group }).resolves({});
      const report = await destroyEnvironment(target, recordingIo(), options);
      expect(report).toMatchObject({ clean: true, logGroups: [group] });
      expect(cfn.commandCalls(ListStackResourcesCommand)[0]?.args[0].input).toEqual({
        StackName: 'branch-env-demo-feature-new-login',
        NextToken: undefined,
      });
      // the cluster was read while the stack existed: before its DeleteStack
      const order = cfn
        .calls()
        .map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);
      expect(order.indexOf('ListStackResourcesCommand')).toBeLessThan(
        order.indexOf('DeleteStackCommand'),
      );
      expect(logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input)).toEqual([
        { logGroupName: group },
      ]);
    });

    it('run again after the stack delete finished: reads the cluster from the newest deleted stack by id', async () => {
      const missing = awsError('ValidationError', 'Stack with id x does not exist');
      const older = `${id}-older`;
      cfn
        .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login' })
        .rejects(missing)
        .on(ListStackResourcesCommand, { StackName: 'branch-env-demo-feature-new-login' })
        .rejects(missing)
        .on(ListStacksCommand, { StackStatusFilter: ['DELETE_COMPLETE'], NextToken: undefined })
        .resolves({
          StackSummaries: [
            {
              StackName: 'branch-env-demo-feature-new-login',
              StackId: older,
              StackStatus: 'DELETE_COMPLETE',
              CreationTime: new Date('2026-10-01T00:00:00Z'),
              DeletionTime: new Date('2026-10-02T00:00:00Z'),
            },
          ],
          NextToken: 'page-2',
        })
        .on(ListStacksCommand, { StackStatusFilter: ['DELETE_COMPLETE'], NextToken: 'page-2' })
        .resolves({
          StackSummaries: [
            {
              StackName: 'branch-env-demo-feature-new-login-2',
              StackId: `${id}-other`,
              StackStatus: 'DELETE_COMPLETE',
              CreationTime: new Date('2026-11-22T00:00:00Z'),
              DeletionTime: new Date('2026-11-22T11:00:00Z'),
            },
            {
              StackName: 'branch-env-demo-feature-new-login',
              StackId: id,
              StackStatus: 'DELETE_COMPLETE',
              CreationTime: new Date('2026-11-20T00:00:00Z'),
              DeletionTime: new Date('2026-11-22T10:00:00Z'),
            },
          ],
        })
        .on(ListStackResourcesCommand, { StackName: older })
        .resolves({ StackResourceSummaries: [] });
      logs.on(DeleteLogGroupCommand, { logGroupName: group }).resolves({});

      const report = await destroyEnvironment(target, recordingIo(), options);

      expect(report).toMatchObject({ clean: true, logGroups: [group] });
      expect(report.stacks[0]).toMatchObject({ existed: false });
      expect(cfn.commandCalls(ListStacksCommand)).toHaveLength(2);
      expect(cfn.commandCalls(ListStackResourcesCommand).map((c) => c.args[0].input)).toEqual([
        { StackName: 'branch-env-demo-feature-new-login', NextToken: undefined },
        { StackName: id, NextToken: undefined },
      ]);
      expect(logs.commandCalls(DeleteLogGroupCommand).map((c) => c.args[0].input)).toEqual([
        { logGroupName: group },
      ]);
    });

    it("one report: a log group it may not delete merges with the tag scan's leftovers, in ARN order", async () => {
      logs
        .on(DeleteLogGroupCommand)
        .rejects(
          awsError(
            'AccessDeniedException',
            `User: x is not authorized to perform: logs:DeleteLogGroup on resource: ${group}`,
          ),
        );
      const bucket = 'arn:aws:s3:::branch-env-demo-feature-new-login-data';
      tagging
        .on(GetResourcesCommand)
        .resolves({ ResourceTagMappingList: [{ ResourceARN: bucket, Tags: tags }] });
      const report = await destroyEnvironment(target, recordingIo(), { ...options, scans: 1 });
      expect(report.clean).toBe(false);
      expect(report.leftovers.map((l) => [l.arn, l.kind])).toEqual([
        [`arn:aws:logs:us-east-1:111111111111:log-group:${group}`, 'billable'],
        [bucket, 'billable'],
      ]);
    });

    it("deletes every log group a database's log exports created (/aws/docdb/<cluster>/…)", async () => {
      const docdb = 'branch-env-demo-feature-new-login-databasecluster-abc';
      cfn.on(ListStackResourcesCommand).resolves({
        StackResourceSummaries: [
          {
            LogicalResourceId: 'DatabaseCluster',
            ResourceType: 'AWS::DocDB::DBCluster',
            PhysicalResourceId: docdb,
            ResourceStatus: 'UPDATE_COMPLETE',
            LastUpdatedTimestamp: new Date(),
          },
        ],
      });
      logs
        .on(DescribeLogGroupsCommand, { logGroupNamePrefix: `/aws/docdb/${docdb}/` })
        .resolves({ logGroups: [{ logGroupName: `/aws/docdb/${docdb}/audit` }] });
      logs.on(DeleteLogGroupCommand).resolves({});
      const report = await destroyEnvironment(target, recordingIo(), options);
      expect(report).toMatchObject({ clean: true, logGroups: [`/aws/docdb/${docdb}/audit`] });
      // one scan of the stack's resources finds clusters and databases alike
      expect(cfn.commandCalls(ListStackResourcesCommand)).toHaveLength(1);
    });

    it('not there (Container Insights off): nothing to report; denied: a leftover with the permission', async () => {
      logs.on(DeleteLogGroupCommand).rejects(awsError('ResourceNotFoundException'));
      const none = await destroyEnvironment(target, recordingIo(), options);
      expect(none).toMatchObject({ clean: true, logGroups: [] });

      logs
        .on(DeleteLogGroupCommand)
        .rejects(
          awsError(
            'AccessDeniedException',
            `User: x is not authorized to perform: logs:DeleteLogGroup on resource: ${group}`,
          ),
        );
      const denied = await destroyEnvironment(target, recordingIo(), options);
      expect(denied.clean).toBe(false);
      expect(denied.leftovers).toEqual([
        {
          arn: `arn:aws:logs:us-east-1:111111111111:log-group:${group}`,
          type: 'logs:log-group',
          kind: 'billable',
          note: expect.stringContaining('(logs:DeleteLogGroup)'),
        },
      ]);
    });
  });

  it('destroy --force-protected: the final snapshot and the kept secret are kept on purpose, exit-0 clean', async () => {
    const sandbox = targetOf(resolveEnvironment('sandbox', config));
    const sandboxTags = [
      { Key: 'branch-env:app', Value: 'branch-env-demo' },
      { Key: 'branch-env:environment', Value: 'sandbox' },
    ];
    const kept = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:sandbox-db-AbCdEf';
    const deleted = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:sandbox-other-GhIjKl';
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        {
          ResourceARN: 'arn:aws:rds:us-east-1:111111111111:cluster-snapshot:sandbox-final',
          Tags: sandboxTags,
        },
        { ResourceARN: kept, Tags: sandboxTags },
        { ResourceARN: deleted, Tags: sandboxTags },
      ],
    });
    secrets
      .on(DescribeSecretCommand, { SecretId: kept })
      .resolves({ ARN: kept })
      .on(DescribeSecretCommand, { SecretId: deleted })
      .resolves({ ARN: deleted, DeletedDate: new Date() });
    const report = await destroyEnvironment(sandbox, recordingIo(), {
      ...options,
      forceProtected: true,
    });
    expect(report.leftovers.map((l) => [l.arn, l.kind])).toEqual([
      ['arn:aws:rds:us-east-1:111111111111:cluster-snapshot:sandbox-final', 'kept'],
      [kept, 'kept'],
      [deleted, 'pending-deletion'],
    ]);
    expect(report.clean).toBe(true);
    expect(destroyText(report)).toContain('sandbox is gone');
  });

  it('an unprotected environment: an active secret is billable; without DescribeSecret the rule stands', async () => {
    const secret = 'arn:aws:secretsmanager:us-east-1:111111111111:secret:db-AbCdEf';
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging
      .on(GetResourcesCommand)
      .resolves({ ResourceTagMappingList: [{ ResourceARN: secret, Tags: tags }] });
    secrets.on(DescribeSecretCommand).resolves({ ARN: secret });
    const active = await destroyEnvironment(target, recordingIo(), { ...options, scans: 1 });
    expect(active.leftovers.map((l) => l.kind)).toEqual(['billable']);
    expect(active.clean).toBe(false);

    secrets.on(DescribeSecretCommand).rejects(awsError('AccessDeniedException', 'no'));
    const unknown = await destroyEnvironment(target, recordingIo(), { ...options, scans: 1 });
    expect(unknown.leftovers.map((l) => l.kind)).toEqual(['pending-deletion']);
  });

  it("removes the environment's ACM validation CNAMEs from the account's hosted zone, nothing else", async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const apex = 'feature-new-login.branch-env-dev.example.net.';
    // in Route 53's order: the apex's names (reversed: ...feature-new-login._a1b2 < .api < .origin),
    // then another environment's (feature-new-login2: '2' > '.')
    const records = [
      validation(`_a1b2.${apex}`),
      validation(`api.${apex}`, 'elsewhere.example.com.'),
      validation(`_c3d4.origin.${apex}`),
      validation('_e5f6.feature-new-login2.branch-env-dev.example.net.'),
    ];
    route53.on(ListResourceRecordSetsCommand).resolves({ ResourceRecordSets: records });
    route53.on(ChangeResourceRecordSetsCommand).resolves({});
    const report = await destroyEnvironment(target, recordingIo(), options);
    expect(report).toMatchObject({
      clean: true,
      dnsRecords: [`_a1b2.${apex}`, `_c3d4.origin.${apex}`],
    });
    expect(route53.commandCalls(ListResourceRecordSetsCommand)[0]?.args[0].input).toMatchObject({
      HostedZoneId: zone,
      StartRecordName: apex,
    });
    expect(
      route53.commandCalls(ChangeResourceRecordSetsCommand).map((c) => c.args[0].input),
    ).toEqual(
      [records[0], records[2]].map((r) => ({
        HostedZoneId: zone,
        ChangeBatch: {
          Comment: 'branch-env destroy feature-new-login: ACM validation record',
          Changes: [{ Action: 'DELETE', ResourceRecordSet: r }],
        },
      })),
    );

    // more names under the environment than one destroy reads: reported, not proven clean
    route53.on(ListResourceRecordSetsCommand).resolves({
      ResourceRecordSets: [validation(`api.${apex}`, 'elsewhere.example.com.')],
      IsTruncated: true,
      NextRecordName: `api.${apex}`,
      NextRecordType: 'CNAME',
    });
    const unread = await destroyEnvironment(target, recordingIo(), options);
    expect(unread.clean).toBe(false);
    expect(unread.leftovers).toEqual([
      {
        arn: `arn:aws:route53:::hostedzone/${zone}`,
        type: 'route53:hostedzone',
        kind: 'unverified',
        note: expect.stringContaining('destroy again to check the rest'),
      },
    ]);

    // without the Route 53 permissions: reported, not proven clean
    route53.on(ListResourceRecordSetsCommand).rejects(awsError('AccessDenied', 'no'));
    const denied = await destroyEnvironment(target, recordingIo(), options);
    expect(denied.clean).toBe(false);
    expect(denied.leftovers.map((l) => [l.arn, l.kind])).toEqual([
      [`arn:aws:route53:::hostedzone/${zone}`, 'unverified'],
    ]);
  });

  it('a stack that failed to delete keeps its validation records (its certificate may need them)', async () => {
    const id =
      'arn:aws:cloudformation:us-east-1:111111111111:stack/branch-env-demo-feature-new-login/u';
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        { StackName: 'x', StackId: id, StackStatus: 'DELETE_FAILED', CreationTime: new Date() },
      ],
    });
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
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const report = await destroyEnvironment(target, recordingIo(), options);
    expect(report.clean).toBe(false);
    expect(route53.calls()).toHaveLength(0);
  });

  it('a second run with nothing there succeeds and changes nothing (idempotent)', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const report = await destroyEnvironment(target, recordingIo(), options);
    expect(report.clean).toBe(true);
    expect(report.stacks.every((s) => !s.existed)).toBe(true);
    expect(cfn.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
    expect(ecr.commandCalls(ListImagesCommand)).toHaveLength(0);
    expect(route53.commandCalls(ChangeResourceRecordSetsCommand)).toHaveLength(0);
    expect(report.dnsRecords).toEqual([]);
  });

  it('never deletes the images of a protected environment (its repository is retained on purpose)', async () => {
    const sandbox = targetOf(resolveEnvironment('sandbox', config));
    ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'branch-env-demo-sandbox-repo' } });
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const report = await destroyEnvironment(sandbox, recordingIo(), {
      ...options,
      forceProtected: true,
    });
    expect(report.images).toBe(0);
    expect(ecr.commandCalls(ListImagesCommand)).toHaveLength(0);
  });

  it('a stack that fails to delete keeps the records for the retry and is reported', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
    const id =
      'arn:aws:cloudformation:us-east-1:111111111111:stack/branch-env-demo-feature-new-login/u';
    cfn
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login' })
      .resolves({
        Stacks: [
          { StackName: 'x', StackId: id, StackStatus: 'UPDATE_COMPLETE', CreationTime: new Date() },
        ],
      })
      .on(DescribeStacksCommand, { StackName: id })
      .resolves({
        Stacks: [
          { StackName: 'x', StackId: id, StackStatus: 'DELETE_FAILED', CreationTime: new Date() },
        ],
      })
      .on(DescribeStacksCommand, { StackName: 'branch-env-demo-feature-new-login-certificate' })
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
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
    tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });
    const report = await destroyEnvironment(target, recordingIo(), options);
    expect(report.clean).toBe(false);
    expect(ssm.commandCalls(GetParametersByPathCommand)).toHaveLength(0);
    expect(ssm.commandCalls(DeleteParametersCommand)).toHaveLength(0);
    expect(logs.commandCalls(DescribeLogGroupsCommand)).toHaveLength(0);
    expect(destroyText(report)).toContain('fix: network interfaces still attached');
  });

  describe('an account outside us-east-1 (development in eu-west-1)', () => {
    const euConfig = {
      ...config,
      accounts: {
        ...config.accounts,
        development: { ...config.accounts.development!, region: 'eu-west-1' },
      },
    };
    const euTarget = targetOf(resolveEnvironment('feature/new-login', euConfig));
    const main = 'branch-env-demo-feature-new-login';
    const certificate = 'branch-env-demo-feature-new-login-certificate';
    const summary = (name: string, environment: string, region: string, status: string) => ({
      StackName: name,
      StackId: `arn:aws:cloudformation:${region}:111111111111:stack/${name}/u`,
      StackStatus: status,
      CreationTime: new Date('2026-11-20T00:00:00Z'),
      Tags: [
        { Key: 'branch-env:app', Value: 'branch-env-demo' },
        { Key: 'branch-env:environment', Value: environment },
      ],
    });

    it('destroy: the environment stack in eu-west-1, its certificate stack in us-east-1', async () => {
      ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'no', $metadata: {} }));
      const gone = new Set<string>();
      cfn.on(DescribeStacksCommand).callsFake((input: { StackName?: string }, getClient) => {
        const region =
          getClient() === clientsFor('eu-west-1').cloudformation ? 'eu-west-1' : 'us-east-1';
        const name = input.StackName?.includes(':stack/')
          ? input.StackName.split('/')[1]
          : input.StackName;
        const home = name === main ? 'eu-west-1' : name === certificate ? 'us-east-1' : undefined;
        if (home !== region || gone.has(name ?? ''))
          throw awsError('ValidationError', `Stack with id ${name} does not exist`);
        return {
          Stacks: [summary(name ?? '', 'feature-new-login', region, 'UPDATE_COMPLETE')],
        };
      });
      cfn.on(DeleteStackCommand).callsFake((input: { StackName: string }) => {
        gone.add(input.StackName.split('/')[1] ?? '');
        return {};
      });
      ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
      logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
      tagging.on(GetResourcesCommand).resolves({ ResourceTagMappingList: [] });

      const report = await destroyEnvironment(euTarget, recordingIo(), options);
      expect(report).toMatchObject({ region: 'eu-west-1', clean: true });
      expect(report.stacks.map((x) => [x.stack, x.existed])).toEqual([
        [main, true],
        [certificate, true],
      ]);
      expect(
        cfn.commandCalls(DeleteStackCommand).map((c) => [c.args[0].input.StackName, regionOf(c)]),
      ).toEqual([
        [`arn:aws:cloudformation:eu-west-1:111111111111:stack/${main}/u`, 'eu-west-1'],
        [`arn:aws:cloudformation:us-east-1:111111111111:stack/${certificate}/u`, 'us-east-1'],
      ]);
      // records and log groups live in the environment's region; the tag scan covers both
      expect(ssm.calls().map(regionOf)).toEqual(ssm.calls().map(() => 'eu-west-1'));
      expect(logs.calls().map(regionOf)).toEqual(['eu-west-1']);
      expect(tagging.calls().map(regionOf).sort()).toEqual(['eu-west-1', 'us-east-1']);
    });

    it('scan: no us-east-1 phantoms, only the certificate stack of an eu-west-1 environment', async () => {
      sts.on(GetCallerIdentityCommand).resolves({ Account: '111111111111', Arn: 'arn:me' });
      cfn.on(DescribeStacksCommand).callsFake((_input, getClient) =>
        getClient() === clientsFor('eu-west-1').cloudformation
          ? { Stacks: [summary(main, 'feature-new-login', 'eu-west-1', 'UPDATE_COMPLETE')] }
          : {
              Stacks: [
                summary(certificate, 'feature-new-login', 'us-east-1', 'UPDATE_COMPLETE'),
                // environments of the account's us-east-1 region are not eu-west-1's
                summary('branch-env-demo-east-only', 'east-only', 'us-east-1', 'CREATE_COMPLETE'),
                summary(
                  'branch-env-demo-east-only-certificate',
                  'east-only',
                  'us-east-1',
                  'CREATE_COMPLETE',
                ),
              ],
            },
      );
      ssm.on(GetParametersByPathCommand).resolves({
        Parameters: [
          {
            Name: '/branch-env-demo/feature-new-login/meta/owner-branch',
            Value: 'feature/new-login',
          },
        ],
      });
      const { accounts } = await scanAccounts(euConfig, recordingIo(), 'list', clientsFor);
      const dev = accounts.find((a) => a.key === 'development');
      expect(dev?.environments.map((e) => e.environment)).toEqual(['feature-new-login']);
      expect(dev?.environments[0]?.stacks.map((x) => [x.name, x.region])).toEqual([
        [main, 'eu-west-1'],
        [certificate, 'us-east-1'],
      ]);
      expect(dev?.environments[0]?.region).toBe('eu-west-1');
      expect(protectionOf(dev!.environments[0]!, euConfig).protected).toBe(false);
      expect(ssm.calls().map(regionOf)).toEqual(['eu-west-1']);
    });
  });

  it('reports a billable leftover that survives every scan and is not clean', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: 'none', $metadata: {} }));
    cfn
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id x does not exist'));
    ssm.on(GetParametersByPathCommand).resolves({ Parameters: [] });
    logs.on(DescribeLogGroupsCommand).resolves({ logGroups: [] });
    tagging.on(GetResourcesCommand).resolves({
      ResourceTagMappingList: [
        { ResourceARN: 'arn:aws:s3:::branch-env-demo-feature-new-login-data', Tags: tags },
      ],
    });
    const report = await destroyEnvironment(target, recordingIo(), { ...options, scans: 2 });
    expect(report.clean).toBe(false);
    // one region (the environment and its certificate stack are both in us-east-1) x two scans
    expect(tagging.commandCalls(GetResourcesCommand)).toHaveLength(2);
    expect(destroyText(report)).toContain(
      'billable         arn:aws:s3:::branch-env-demo-feature-new-login-data',
    );
  });
});

describe('deploy records and CI outputs', () => {
  const env = resolveEnvironment('feature/new-login', config);
  const at = new Date('2026-11-22T10:00:00Z');

  it('writes exactly the deploy-owned config-bus keys', () => {
    expect(deployRecords(env, { commit: 'abc1234', at, costPerHour: 0.04912 })).toEqual([
      { name: '/branch-env-demo/feature-new-login/meta/commit', value: 'abc1234' },
      {
        name: '/branch-env-demo/feature-new-login/meta/created-at',
        value: '2026-11-22T10:00:00.000Z',
      },
      {
        name: '/branch-env-demo/feature-new-login/meta/deployed-at',
        value: '2026-11-22T10:00:00.000Z',
      },
      {
        name: '/branch-env-demo/feature-new-login/meta/expires-at',
        value: '2026-11-25T10:00:00.000Z',
      },
      { name: '/branch-env-demo/feature-new-login/meta/estimated-cost-per-hour', value: '0.0491' },
    ]);
    const sandbox = resolveEnvironment('sandbox', config);
    expect(deployRecords(sandbox, { commit: 'abc1234', at }).at(-1)).toEqual({
      name: '/branch-env-demo/sandbox/meta/expires-at',
      value: 'never',
    });
  });

  const outcome: DeployOutcome = {
    environment: 'feature-new-login',
    branch: 'feature/new-login',
    account: '111111111111',
    region: 'us-east-1',
    url: 'https://feature-new-login.branch-env-dev.example.net',
    stacks: ['branch-env-demo-feature-new-login'],
    commit: 'abc1234',
    claimed: true,
    deployedAt: at.toISOString(),
    expiresAt: '2026-11-25T10:00:00.000Z',
    costPerHour: 0.0491,
  };

  it('step outputs are kebab-case key=value lines', () => {
    expect(stepOutputs(outcome)).toBe(
      [
        'environment=feature-new-login',
        'branch=feature/new-login',
        'url=https://feature-new-login.branch-env-dev.example.net',
        'stack-names=branch-env-demo-feature-new-login',
        'account=111111111111',
        'region=us-east-1',
        'commit=abc1234',
        'expires-at=2026-11-25T10:00:00.000Z',
        'cost-per-hour=0.0491',
        '',
      ].join('\n'),
    );
  });

  it('job summary has the URL and cost', () => {
    const md = jobSummary(outcome);
    expect(md).toContain('| URL | <https://feature-new-login.branch-env-dev.example.net> |');
    expect(md).toContain('| Cost | $0.049/h (modelled, idle) |');
  });
});

describe('diff rendering', () => {
  const fakeDiff = {
    isEmpty: false,
    permissionsBroadened: true,
    resources: {
      forEachDifference(cb: (id: string, c: Record<string, unknown>) => void) {
        cb('NewQueue', { isAddition: true, isRemoval: false, resourceType: 'AWS::SQS::Queue' });
        cb('Db', {
          isAddition: false,
          isRemoval: false,
          resourceType: 'AWS::DocDB::DBCluster',
          changeImpact: 'WILL_REPLACE',
        });
        cb('Old', { isAddition: false, isRemoval: true, resourceType: 'AWS::SNS::Topic' });
        cb('Task', {
          isAddition: false,
          isRemoval: false,
          resourceType: 'AWS::ECS::TaskDefinition',
          changeImpact: 'WILL_UPDATE',
        });
      },
    },
  };

  it('summarizes a TemplateDiff into add/replace/remove/update', () => {
    const d = summarizeDiff('s', fakeDiff);
    expect(d.changes.map((c) => c.change)).toEqual(['add', 'replace', 'remove', 'update']);
    expect(d.permissionsBroadened).toBe(true);
  });

  it('renders markdown and text, warning about replacements', () => {
    const d = summarizeDiff('branch-env-demo-x', fakeDiff);
    const md = diffMarkdown('x', [d]);
    expect(md).toContain('#### Changes to `x` (4 resource change(s))');
    expect(md).toContain('| ! replace | `Db` | AWS::DocDB::DBCluster |');
    expect(md).toContain('⚠️ 1 resource(s) will be replaced');
    expect(diffMarkdown('x', [{ stack: 's', changes: [], permissionsBroadened: false }])).toContain(
      'No infrastructure changes.',
    );
    expect(diffText([d])).toContain('branch-env-demo-x: 4 change(s) (broadens IAM permissions)');
  });
});

describe('toolkit IoHost', () => {
  it('streams progress to stderr, answers the deploy confirmation yes, others by default', async () => {
    const io = recordingIo();
    const host = new StderrIoHost(io);
    const base = { time: new Date(), action: 'deploy' as const, data: undefined };
    await host.notify({
      ...base,
      level: 'info',
      message: 'stack | 3/40 | CREATE_COMPLETE | AWS::EC2::VPC\n',
    });
    await host.notify({ ...base, level: 'debug', message: 'noise' });
    await host.notify({ ...base, level: 'error', message: 'boom' });
    expect(io.stderr()).toBe('stack | 3/40 | CREATE_COMPLETE | AWS::EC2::VPC\nerror: boom\n');
    await expect(
      host.requestResponse({
        ...base,
        level: 'info',
        message: 'deploy?',
        code: 'CDK_TOOLKIT_I5060',
        defaultResponse: false,
      }),
    ).resolves.toBe(true);
    await expect(
      host.requestResponse({
        ...base,
        level: 'info',
        message: 'x?',
        code: 'CDK_TOOLKIT_I7010',
        defaultResponse: false,
      }),
    ).resolves.toBe(false);
  });
});

describe('list and reap rendering', () => {
  const found = (over: Partial<DeployedEnvironment>): DeployedEnvironment => ({
    app: 'branch-env-demo',
    environment: 'feature-a',
    account: '111111111111',
    region: 'us-east-1',
    status: 'deployed',
    stacks: [],
    ...over,
  });

  it('list rows carry protection and expiry from the config', () => {
    const row = listRow(
      found({
        ownerBranch: 'feature/a',
        createdAt: '2026-11-22T09:00:00Z',
        deployedAt: '2026-11-22T09:00:00Z',
        costPerHour: 0.049,
      }),
      config,
      NOW,
    );
    expect(row).toMatchObject({
      branch: 'feature/a',
      protected: false,
      expiresAt: '2026-11-25T09:00:00.000Z',
      expired: false,
    });
    const text = listText([row], [], NOW);
    expect(text).toMatch(
      /^ENVIRONMENT\s+BRANCH\s+PROFILE\s+STATUS\s+URL\s+AGE\s+EXPIRES\s+COST\/H\n/,
    );
    expect(text).toContain('in 2 d 21 h');
    expect(text).toContain('1 environment(s), about $0.05/h in all');
    const sandbox = listRow(found({ environment: 'sandbox', ownerBranch: 'sandbox' }), config, NOW);
    expect(sandbox).toMatchObject({ protected: true, expiresAt: 'never' });
  });

  it('lists unreachable accounts instead of hiding them', () => {
    const text = listText(
      [],
      [
        {
          key: 'production',
          id: '222222222222',
          region: 'us-east-1',
          production: true,
          reachable: false,
          note: 'other creds',
          environments: [],
        },
      ],
      NOW,
    );
    expect(text).toBe('no environments found\nskipped production (222222222222): other creds\n');
    expect(configuredAccounts(config).map((a) => a.key)).toEqual(['development', 'production']);
  });

  it('reap text says what and why; dry run says nothing was destroyed', () => {
    const text = reapText(
      [
        {
          environment: 'feature-gone',
          branch: 'feature/gone',
          account: '1',
          region: 'r',
          action: 'destroy',
          reasons: ["branch 'feature/gone' no longer exists"],
          expiresAt: null,
        },
        {
          environment: 'sandbox',
          branch: 'sandbox',
          account: '1',
          region: 'r',
          action: 'keep',
          reasons: ['protected'],
          expiresAt: null,
        },
      ],
      true,
    );
    expect(text).toBe(
      "would destroy  feature-gone (feature/gone): branch 'feature/gone' no longer exists\nkeep  sandbox (sandbox): protected\n\n1 to destroy, 1 kept (dry run: nothing was destroyed)\n",
    );
    expect(parseNow('2026-11-22T00:00:00Z').toISOString()).toBe('2026-11-22T00:00:00.000Z');
    expect(() => parseNow('tomorrow')).toThrow("--now 'tomorrow' is not a date");
  });
});

describe('live branches', () => {
  it('parses ls-remote output and plain lists', () => {
    expect(
      parseBranchList('abc\trefs/heads/main\ndef\trefs/heads/feature/a\n\n# c\nqa1\n'),
    ).toEqual(['main', 'feature/a', 'qa1']);
    expect(
      nextLink(
        '<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last"',
      ),
    ).toBe('https://api.github.com/x?page=2');
    expect(nextLink(null)).toBeUndefined();
  });

  it('a git failure names the cause from git itself (its first stderr line)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'be-nogit-'));
    const io = { ...recordingIo(), cwd: dir };
    const error = await liveBranches('git', io).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UserError);
    // outside a repository git says "fatal: not a git repository ..."; in one without an origin,
    // "fatal: 'origin' does not appear to be a git repository": either way git's own words.
    expect((error as UserError).message).toMatch(
      /^git ls-remote --heads origin failed: fatal: .*(not a git repository|does not appear to be a git repository)/,
    );
  });

  it('reads a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'be-'));
    writeFileSync(join(dir, 'b.txt'), 'main\nfeature/a\n');
    await expect(liveBranches(join(dir, 'b.txt'), recordingIo())).resolves.toEqual(
      new Set(['main', 'feature/a']),
    );
  });

  it('pages through the GitHub API with the token', async () => {
    const seen: { url: string; auth: string | undefined }[] = [];
    const fake = (async (url: string, init: { headers: Record<string, string> }) => {
      seen.push({ url, auth: init.headers.authorization });
      const page2 = url.endsWith('page=2');
      return new Response(
        JSON.stringify(page2 ? [{ name: 'feature/b' }] : [{ name: 'main' }, { name: 'feature/a' }]),
        {
          headers: page2
            ? {}
            : { link: '<https://api.example/repos/o/r/branches?per_page=100&page=2>; rel="next"' },
        },
      );
    }) as unknown as typeof fetch;
    const io = recordingIo({
      GITHUB_TOKEN: 't0k',
      GITHUB_REPOSITORY: 'o/r',
      GITHUB_API_URL: 'https://api.example',
    });
    await expect(liveBranches('github', io, fake)).resolves.toEqual(
      new Set(['main', 'feature/a', 'feature/b']),
    );
    expect(seen).toEqual([
      { url: 'https://api.example/repos/o/r/branches?per_page=100', auth: 'Bearer t0k' },
      { url: 'https://api.example/repos/o/r/branches?per_page=100&page=2', auth: 'Bearer t0k' },
    ]);
    await expect(liveBranches('github', recordingIo(), fake)).rejects.toThrow(
      'needs GITHUB_TOKEN and GITHUB_REPOSITORY',
    );
  });
});

describe('toolkit failures', () => {
  const toolkitError = (type: string, message: string, cause?: unknown) =>
    Object.assign(new Error(message), { name: 'SomeCode', type, source: 'toolkit', cause });

  it('a failed CloudFormation deploy is a user error naming the environment, not a bug', () => {
    const e = toolkitFailure(
      'deploy',
      'feature-a',
      toolkitError('deployment', 'The stack named x failed creation'),
    );
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe('deploy of feature-a failed: The stack named x failed creation');
  });

  it("a deploy failing on a denial of the stack's execution role keeps the deploy-failure message, not the deploy role fix", () => {
    const message =
      'The stack named branch-env-demo-feature-a failed to deploy: UPDATE_ROLLBACK_COMPLETE: Resource handler returned message: "User: arn:aws:sts::1:assumed-role/cdk-hnb659fds-cfn-exec-role-1-us-east-1/x is not authorized to perform: ec2:CreateVpc with an explicit deny in a service control policy"';
    const e = toolkitFailure('deploy', 'feature-a', toolkitError('deployment', message));
    expect(e).toBeInstanceOf(UserError);
    expect(e.message).toBe(`deploy of feature-a failed: ${message}`);
    expect((e as UserError).fix).toBe(
      'read the stack events above, fix the cause and deploy again; `branch-env destroy` removes a half-created environment',
    );
  });

  it('credentials and our own user errors pass through; synth bugs stay bugs', () => {
    expect(
      toolkitFailure('diff', 'x', toolkitError('toolkit', 'wrap', awsError('ExpiredToken')))
        .message,
    ).toBe('diff: the AWS credentials expired (ExpiredToken: ExpiredToken)');
    expect(
      toolkitFailure(
        'deploy',
        'x',
        toolkitError(
          'toolkit',
          'wrap',
          awsError(
            'AccessDenied',
            'is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::1:role/cdk-x',
          ),
        ),
      ).message,
    ).toBe('deploy: AWS denied sts:AssumeRole on arn:aws:iam::1:role/cdk-x (AccessDenied)');
    const mine = new UserError('bad config');
    expect(
      toolkitFailure('deploy', 'x', toolkitError('assembly', 'Assembly builder failed', mine)),
    ).toBe(mine);
    const bug = toolkitError(
      'assembly',
      'Assembly builder failed',
      new TypeError('x is undefined'),
    );
    expect(toolkitFailure('deploy', 'x', bug)).toBe(bug);
    const plain = new TypeError('boom');
    expect(toolkitFailure('deploy', 'x', plain)).toBe(plain);
  });
});

describe('buildPlan over a hand-written synthesis (no CDK)', () => {
  const env = resolveEnvironment('feature/new-login', config);
  const synthesis = {
    ms: 1234.4,
    directory: '/nowhere',
    findings: [
      {
        rule: 'AwsSolutions-S1',
        level: 'error' as const,
        resource: 'S/Storage/Data',
        acknowledged: false,
      },
      {
        rule: 'AwsSolutions-IAM4',
        level: 'error' as const,
        resource: 'S/Service/Role',
        acknowledged: true,
        reason: 'managed policy',
      },
    ],
    stacks: [
      {
        name: 'branch-env-demo-feature-new-login',
        account: '111111111111',
        region: 'us-east-1',
        blocks: { Nat: 'Network', Eip: 'Network', Data: 'Storage' },
        template: {
          Resources: {
            Eip: { Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc' } },
            Nat: {
              Type: 'AWS::EC2::NatGateway',
              Properties: { AllocationId: { 'Fn::GetAtt': ['Eip', 'AllocationId'] } },
            },
            Data: {
              Type: 'AWS::S3::Bucket',
              DeletionPolicy: 'Retain',
              UpdateReplacePolicy: 'Retain',
            },
            Loose: { Type: 'AWS::SNS::Topic' },
          },
        },
      },
    ],
  };
  const plan = buildPlan(env, synthesis);

  it('groups resources by block (unknown ids under Stack) and counts them', () => {
    expect(plan.resources).toEqual({
      total: 4,
      blocks: [
        {
          block: 'Network',
          resources: 2,
          types: [
            { type: 'AWS::EC2::EIP', count: 1 },
            { type: 'AWS::EC2::NatGateway', count: 1 },
          ],
        },
        { block: 'Stack', resources: 1, types: [{ type: 'AWS::SNS::Topic', count: 1 }] },
        { block: 'Storage', resources: 1, types: [{ type: 'AWS::S3::Bucket', count: 1 }] },
      ],
    });
  });

  it('prices the NAT gateway, fails the teardown audit on the retained bucket and compliance on the open error', () => {
    expect(plan.cost.lines.map((l) => l.item)).toContain('NAT gateway');
    expect(plan.cost.perHour).toBeGreaterThanOrEqual(0.045);
    expect(plan.teardown.passed).toBe(false);
    expect(plan.teardown.blockers.map((b) => [b.logicalId, b.kind, b.stack])).toContainEqual([
      'Data',
      'retained',
      'branch-env-demo-feature-new-login',
    ]);
    expect(plan.compliance).toMatchObject({ passed: false, errors: { open: 1, acknowledged: 1 } });
    expect(plan.synth).toEqual({ milliseconds: 1234, validation: false });
  });

  it('the markdown opens the failing sections and the text lists them', () => {
    const md = planMarkdown(plan);
    expect(md).toContain('| Teardown | ⚠️');
    expect(md).toContain('<details open><summary>Teardown audit</summary>');
    expect(md).toContain(
      '<details open><summary>Compliance (cdk-nag AwsSolutions): 2 rule(s)</summary>',
    );
    expect(md).toContain('| `AwsSolutions-IAM4` error | 0 | 1 | managed policy |');
    const text = planText(plan);
    expect(text).toContain('teardown audit:\n  retained: Data (AWS::S3::Bucket)');
    expect(text).toContain('compliance (open):\n  error AwsSolutions-S1: 1 (S/Storage/Data)');
  });

  it('the text says what the figures include: caveats, cost per TTL, every critical-path step', () => {
    const text = planText(plan);
    expect(text).toMatch(
      /^cost: {8}\$[\d.]+\/h idle, about \$[\d.]+\/month, \$[\d.]+ per 72 h TTL$/m,
    );
    expect(text).toContain('ready in:    ~');
    expect(text).toContain('min of CloudFormation');
    expect(text).toContain('  note: idle: no traffic; usage (data transfer');
    expect(text).toContain('NAT GB processed) is not counted');
    for (const s of plan.timeToReady.stacks)
      for (const step of s.criticalPath) expect(text).toContain(` min  ${step.logicalId} (`);
    // An unpriced standing charge makes the total a lower bound, said in the headline and a note.
    const unpriced = {
      ...plan,
      cost: {
        ...plan.cost,
        unpriced: [
          { logicalId: 'Db', type: 'AWS::DocDB::DBInstance', reason: 'not in the price table' },
        ],
      },
    } as typeof plan;
    const lower = planText(unpriced);
    expect(lower).toMatch(/^cost: {8}AT LEAST \$/m);
    expect(lower).toContain('(lower bound: 1 item(s) unpriced)');
    expect(lower).toContain('  note: LOWER BOUND: 1 item(s) with a standing charge are not priced');
  });
});

describe('buildPlan: capacity, push → URL and the platform cost (no CDK)', () => {
  const dedicated = resolveEnvironment('feature/new-login', config);
  // What a shared preview resolves to once the account has a platform (issue 11's config shape),
  // one that never sleeps (`sleep: false`: Fargate bounds how many fit); `sleeping` is the default.
  const shared = {
    ...dedicated,
    profile: { ...dedicated.profile, isolation: 'shared' as const, sleep: false as const },
    account: {
      ...dedicated.account,
      platform: {
        availabilityZones: ['us-east-1a', 'us-east-1b'],
        natGateways: 0,
        loadBalancers: 1,
      },
    },
  };
  const thin = {
    name: 'branch-env-demo-feature-new-login',
    account: '111111111111',
    region: 'us-east-1',
    blocks: {},
    template: {
      Resources: {
        Tg: {
          Type: 'AWS::ElasticLoadBalancingV2::TargetGroup',
          Properties: { HealthCheckIntervalSeconds: 5, HealthyThresholdCount: 2 },
        },
        Rule: {
          Type: 'AWS::ElasticLoadBalancingV2::ListenerRule',
          Properties: { Actions: [{ TargetGroupArn: { Ref: 'Tg' } }] },
        },
        Role: { Type: 'AWS::IAM::Role' },
        Task: {
          Type: 'AWS::ECS::TaskDefinition',
          Properties: {
            Cpu: '256',
            Memory: '1024',
            TaskRoleArn: { 'Fn::GetAtt': ['Role', 'Arn'] },
          },
        },
        Service: {
          Type: 'AWS::ECS::Service',
          DependsOn: 'Rule',
          Properties: {
            TaskDefinition: { Ref: 'Task' },
            DesiredCount: 1,
            CapacityProviderStrategy: [{ CapacityProvider: 'FARGATE_SPOT', Weight: 1 }],
            LoadBalancers: [{ TargetGroupArn: { Ref: 'Tg' } }],
          },
        },
      },
    },
  };
  const sandbox = {
    name: 'sandbox',
    isolation: 'dedicated' as const,
    stacks: [
      {
        region: 'us-east-1',
        template: {
          Resources: {
            Vpc: { Type: 'AWS::EC2::VPC' },
            Alb: { Type: 'AWS::ElasticLoadBalancingV2::LoadBalancer' },
          },
        },
      },
    ],
  };
  const plan = buildPlan(
    shared,
    { ms: 1, directory: '/nowhere', findings: [], stacks: [thin] },
    { capacity: { occupants: [sandbox] } },
  );

  it('capacity: the shared load balancer and Fargate Spot bind, sandbox holds its VPC', () => {
    expect(plan.capacity).toMatchObject({
      isolation: 'shared',
      profile: 'preview',
      account: 'development',
      environments: 24,
      binding: 'fargateSpotVcpu',
      // The platform's site server takes one target group of the load balancer.
      structural: { environments: 99, binding: 'targetGroupsPerAlb' },
      occupants: ['sandbox'],
    });
    expect(plan.capacity.rows.find((r) => r.quota === 'vpcsPerRegion')).toMatchObject({
      platform: 1,
      occupied: 2,
      perEnvironment: 0,
      fits: null,
    });
    expect(plan.capacity.fix).toContain('--quota-code L-36FBB829 --desired-value 7');
  });

  it('push → URL: the CloudFormation time (≤ 3 min, no load balancer) inside the pipeline model (≤ 5 min)', () => {
    expect(plan.pushToUrl.cloudFormationMinutes).toBeCloseTo(plan.timeToReady.totalMinutes, 1);
    expect(plan.timeToReady.totalMinutes).toBeLessThanOrEqual(3);
    expect(plan.pushToUrl.totalMinutes).toBeGreaterThan(plan.timeToReady.totalMinutes);
    expect(plan.pushToUrl.totalMinutes).toBeLessThanOrEqual(5);
    // As the deploy job runs them: the image push beside the diff, then deploy (docs/images.md).
    expect(plan.pushToUrl.steps.map((s) => [s.term, s.branch ?? '-'])).toEqual([
      ['runnerStart', '-'],
      ['checkoutAndInstall', '-'],
      ['buildTools', '-'],
      ['imageBuildAndPush', 'image'],
      ['diff', 'stacks'],
      ['preDeploy', '-'],
      ['synth', '-'],
      ['changeSet', '-'],
      ['cloudformation', '-'],
      ['readiness', '-'],
    ]);
    expect(plan.pushToUrl.critical).toBe('image');
    const minutes = (term: string) => plan.pushToUrl.steps.find((s) => s.term === term)!.minutes;
    const sequential = plan.pushToUrl.steps
      .filter((s) => s.branch === undefined)
      .reduce((sum, s) => sum + s.minutes, 0);
    expect(plan.pushToUrl.totalMinutes).toBeCloseTo(
      sequential + Math.max(minutes('imageBuildAndPush'), minutes('diff')),
      1,
    );
  });

  it('platform cost once per account, environment cost on its own; both rendered and labelled', () => {
    expect(plan.platformCost?.perHour).toBeCloseTo(0.0225 + 0.01 + 0.5 / 730, 6);
    expect(plan.cost.lines.map((l) => l.item)).not.toContain('Application Load Balancer');
    const text = planText(plan);
    expect(text).toMatch(
      /\npush → URL: {2}~\d+(\.\d+)? min modelled \([\d.]+–[\d.]+\), of which CloudFormation ~[\d.]+ min\n/,
    );
    expect(text).toContain(
      'capacity:    24 preview environment(s) fit in development (shared; binding: Fargate Spot vCPU resource count); 99 by quotas AWS does not raise itself (Target Groups per Application Load Balancer)',
    );
    expect(text).toMatch(
      /\nidle cost: {3}environment \$0\.\d{4}\/h \+ account platform \$0\.0332\/h \(once per account\)\n/,
    );
    const md = planMarkdown(plan);
    expect(md).toContain(
      "| Capacity | 24 preview environment(s) in development, bound by Fargate Spot vCPU resource count; 99 by the platform's shape |",
    );
    expect(md).toContain('<details><summary>Account platform idle cost</summary>');
  });

  it('a sleeping shared preview (the default): 99 fit at every default quota, 24 awake at once, its wake and its cost asleep', () => {
    const sleeping = buildPlan(
      { ...shared, profile: { ...shared.profile, sleep: undefined } },
      { ms: 1, directory: '/nowhere', findings: [], stacks: [thin] },
      { capacity: { occupants: [sandbox] } },
    );
    expect(sleeping.capacity).toMatchObject({
      environments: 99,
      binding: 'targetGroupsPerAlb',
      sleepAfterIdleMinutes: 30,
      awakeAtOnce: { environments: 24, binding: 'fargateSpotVcpu' },
    });
    expect(sleeping.capacity.awakeAtOnce?.fix).toContain(
      '--quota-code L-36FBB829 --desired-value 7',
    );
    expect(sleeping.capacity.fix).toContain(
      "'Target Groups per Application Load Balancer' cannot be raised",
    );
    // One 5 s health check interval of the thin stack's target group.
    expect(sleeping.wake?.steps[2]).toMatchObject({ minutes: 5 / 60 });
    expect(sleeping.cost.asleep?.lines.map((l) => l.item)).toEqual([
      'ECS service asleep (0 tasks)',
    ]);
    expect(sleeping.cost.asleep?.perHour).toBe(0);
    expect(sleeping.cost.perHour).toBeGreaterThan(0);
    const text = planText(sleeping);
    expect(text).toContain(
      'capacity:    99 preview environment(s) fit in development (shared; binding: Target Groups per Application Load Balancer)',
    );
    expect(text).toMatch(
      /\nidle cost: {3}environment \$0\.\d{4}\/h awake, \$0\.0000\/h asleep \+ account platform/,
    );
    expect(text).toContain('asleep after 30 idle min: $0.0000/h idle (no Fargate)');
    // The never-sleeping plan above shows none of it.
    expect(plan.capacity.awakeAtOnce).toBeNull();
    expect(plan.wake).toBeNull();
    expect(plan.cost.asleep).toBeNull();
    expect(planText(plan)).not.toMatch(/\n(wake|awake): /);
    expect(planMarkdown(sleeping)).toContain(
      "| Capacity | 99 preview environment(s) in development, bound by Target Groups per Application Load Balancer; 99 by the platform's shape; 24 awake at once (Fargate Spot vCPU resource count) |",
    );
  });

  it('a dedicated environment without a platform block has no platform cost', () => {
    const { platform: _platform, ...account } = dedicated.account;
    const own = buildPlan(
      { ...dedicated, profile: { ...dedicated.profile, isolation: 'dedicated' as const }, account },
      {
        ms: 1,
        directory: '/nowhere',
        findings: [],
        stacks: [thin],
      },
    );
    expect(own.platformCost).toBeNull();
    expect(own.capacity.isolation).toBe('dedicated');
    expect(planText(own)).not.toContain('idle cost:');
  });
});

describe('destroy report', () => {
  it('names what failed and how to fix it', () => {
    const text = destroyText({
      environment: 'qa1',
      branch: 'qa1',
      account: '111111111111',
      region: 'us-east-1',
      stacks: [
        {
          stack: 'branch-env-demo-qa1',
          existed: true,
          emptied: [],
          failures: [
            {
              logicalId: 'DatabaseCluster',
              type: 'AWS::DocDB::DBCluster',
              physicalId: 'qa1-db',
              reason: 'deletion protection is enabled',
            },
          ],
        },
      ],
      images: 0,
      parameters: [],
      logGroups: [],
      dnsRecords: [],
      leftovers: [],
      clean: false,
    });
    expect(text).toBe(
      'qa1 was NOT completely destroyed:\n' +
        '  stack branch-env-demo-qa1: DatabaseCluster (AWS::DocDB::DBCluster qa1-db) deletion protection is enabled\n' +
        '    fix: deletion protection is on (a protected profile): aws docdb modify-db-cluster --db-cluster-identifier qa1-db --no-deletion-protection --apply-immediately, then destroy again\n',
    );
  });
});
