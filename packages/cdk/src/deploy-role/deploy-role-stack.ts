import { Arn, Aws, CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import {
  GITHUB_OIDC,
  oidcTrust,
  TAG_KEYS,
  trustConditions,
  UserError,
  type Config,
  type OidcTrust,
} from '@branch-env/core';
import type { Construct } from 'constructs';
import { acknowledgeDeployRoleStack } from '../compliance/acknowledgements.js';

/** The region CloudFront certificates must live in; environments with CloudFront deploy there too. */
const CERTIFICATE_REGION = 'us-east-1';

export interface DeployRoleStackProps extends StackProps {
  readonly config: Config;
  /** Key of the account in `config.accounts`; the stack deploys into that account and region. */
  readonly account: string;
  /** `owner/repo` whose workflows may assume the role. */
  readonly repository: string;
  /** Default branch of the repository (delete/schedule runs carry its ref). @default 'main' */
  readonly defaultBranch?: string;
  /**
   * GitHub environments (with required reviewers and deployment-branch policies) through which a
   * production account deploys: its role then trusts only `repo:<owner>/<repo>:environment:<name>`,
   * none of the production branches, so no job can skip the reviewers. Ignored for non-production
   * accounts (see `oidcTrust()`).
   * @default [] - a production role trusts its protected branches
   */
  readonly githubEnvironments?: readonly string[];
  /**
   * ARN of the account's existing GitHub OIDC provider. IAM allows one provider per URL and
   * account, so an account that already has one imports it instead of creating it.
   * @default - the stack creates the provider (and retains it on stack deletion)
   */
  readonly existingOidcProviderArn?: string;
  /** CDK bootstrap qualifier of the account. @default 'hnb659fds' */
  readonly qualifier?: string;
  /** Longest session a workflow may request (CloudFront deploys and deletes can pass an hour). @default Duration.hours(4) */
  readonly maxSessionDuration?: Duration;
}

/** `arn:aws:iam::<id>:role/<path><name>` split into what `iam.Role` takes. */
export function roleNameOf(roleArn: string, accountId: string): { roleName: string; path: string } {
  const m = /^arn:aws[a-z-]*:iam::(\d{12}):role(\/(?:[\w+=,.@-]+\/)*)([\w+=,.@-]{1,64})$/.exec(
    roleArn,
  );
  if (!m) {
    throw new UserError(
      `deployRoleArn '${roleArn}' is not an IAM role ARN with a name of at most 64 characters`,
      'set accounts.<key>.deployRoleArn to arn:aws:iam::<account-id>:role/branch-env-deploy',
    );
  }
  if (m[1] !== accountId) {
    throw new UserError(
      `deployRoleArn '${roleArn}' is in account ${m[1]}, but the account's id is ${accountId}`,
      `use a role of account ${accountId} in accounts.<key>.deployRoleArn`,
    );
  }
  return { path: m[2] as string, roleName: m[3] as string };
}

/**
 * One account's GitHub OIDC provider and the deploy role the workflows assume. The trust policy's
 * `sub` conditions are generated from the routing rules (`oidcTrust()` of core): a production
 * account trusts exactly its protected branch patterns (or, given `githubEnvironments`, only jobs of
 * those environments) and never pull-request runs. The role can
 * do little by itself: assume the CDK bootstrap roles (which deploy), and the cleanup `branch-env
 * destroy` and `reap` do directly (config bus, tag scan, emptying the app's buckets and registries,
 * deleting its log groups and stacks through their CloudFormation service role).
 */
export class DeployRoleStack extends Stack {
  readonly role: iam.Role;
  /** The role's permissions. */
  readonly policy: iam.Policy;
  readonly provider: iam.IOidcProvider;
  readonly trust: OidcTrust;
  readonly accountKey: string;

  constructor(scope: Construct, id: string, props: DeployRoleStackProps) {
    const account = props.config.accounts[props.account];
    if (!account) {
      throw new UserError(
        `no account '${props.account}' in the config`,
        `pass one of: ${Object.keys(props.config.accounts).join(', ')}`,
      );
    }
    super(scope, id, {
      stackName: props.stackName ?? `${props.config.app}-github-deploy-role`,
      description:
        props.description ??
        `branch-env: GitHub OIDC deploy role of ${props.repository} in ${props.account}`,
      synthesizer: props.synthesizer,
      tags: props.tags,
      terminationProtection: props.terminationProtection ?? true,
      env: { account: account.id, region: account.region },
    });
    this.accountKey = props.account;
    const app = props.config.app;
    const qualifier = props.qualifier ?? 'hnb659fds';
    const { roleName, path } = roleNameOf(account.deployRoleArn, account.id);

    this.trust = oidcTrust(props.config, {
      repository: props.repository,
      account: props.account,
      defaultBranch: props.defaultBranch,
      githubEnvironments: props.githubEnvironments,
    });

    if (props.existingOidcProviderArn) {
      this.provider = iam.OidcProviderNative.fromOidcProviderArn(
        this,
        'GitHubOidcProvider',
        props.existingOidcProviderArn,
      );
    } else {
      const provider = new iam.OidcProviderNative(this, 'GitHubOidcProvider', {
        url: GITHUB_OIDC.url,
        clientIds: [GITHUB_OIDC.audience],
      });
      // Other roles of the account may use the provider: deleting this stack must not remove it.
      provider.applyRemovalPolicy(RemovalPolicy.RETAIN);
      this.provider = provider;
    }

    this.role = new iam.Role(this, 'DeployRole', {
      roleName,
      path,
      description: `branch-env deploy role for ${props.repository} (${props.account}); trust generated from the routing rules`,
      maxSessionDuration: props.maxSessionDuration ?? Duration.hours(4),
      assumedBy: new iam.WebIdentityPrincipal(
        this.provider.oidcProviderArn,
        trustConditions(this.trust),
      ),
    });

    const regions = [...new Set([account.region, CERTIFICATE_REGION])];
    const hostedZoneArn = (id: string) => `arn:${Aws.PARTITION}:route53:::hostedzone/${id}`;
    const arn = (service: string, region: string, resource: string) =>
      `arn:${Aws.PARTITION}:${service}:${region}:${account.id}:${resource}`;

    const statements: iam.PolicyStatement[] = [
      new iam.PolicyStatement({
        sid: 'AssumeCdkBootstrapRoles',
        actions: ['sts:AssumeRole'],
        resources: regions.flatMap((region) =>
          ['deploy-role', 'file-publishing-role', 'image-publishing-role', 'lookup-role'].map(
            (role) =>
              Arn.format({
                partition: Aws.PARTITION,
                service: 'iam',
                region: '',
                account: account.id,
                resource: 'role',
                resourceName: `cdk-${qualifier}-${role}-${account.id}-${region}`,
              }),
          ),
        ),
      }),
      new iam.PolicyStatement({
        sid: 'ConfigBus',
        actions: [
          'ssm:GetParameter',
          'ssm:GetParameters',
          'ssm:GetParametersByPath',
          'ssm:PutParameter',
          'ssm:DeleteParameter',
          'ssm:DeleteParameters',
          'ssm:AddTagsToResource',
          'ssm:ListTagsForResource',
        ],
        // `parameter/<app>` too: GetParametersByPath on `/<app>/` is authorized on the path itself.
        resources: regions.flatMap((r) => [
          arn('ssm', r, `parameter/${app}`),
          arn('ssm', r, `parameter/${app}/*`),
        ]),
      }),
      new iam.PolicyStatement({
        sid: 'ReadStacks',
        actions: ['cloudformation:DescribeStacks', 'cloudformation:ListStacks'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'DeleteAppStacks',
        actions: [
          'cloudformation:DeleteStack',
          'cloudformation:DescribeStackEvents',
          'cloudformation:ListStackResources',
          'cloudformation:GetTemplate',
          'cloudformation:UpdateTerminationProtection',
        ],
        resources: regions.map((r) => arn('cloudformation', r, `stack/${app}-*/*`)),
      }),
      new iam.PolicyStatement({
        sid: 'DeleteStacksThroughTheirServiceRole',
        actions: ['iam:PassRole'],
        resources: regions.map((region) =>
          Arn.format({
            partition: Aws.PARTITION,
            service: 'iam',
            region: '',
            account: account.id,
            resource: 'role',
            resourceName: `cdk-${qualifier}-cfn-exec-role-${account.id}-${region}`,
          }),
        ),
        conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
      }),
      new iam.PolicyStatement({
        sid: 'TagScanAfterDestroy',
        actions: ['tag:GetResources'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'EmptyAppBuckets',
        actions: ['s3:ListBucketVersions', 's3:DeleteObject', 's3:DeleteObjectVersion'],
        resources: [`arn:${Aws.PARTITION}:s3:::${app}-*`, `arn:${Aws.PARTITION}:s3:::${app}-*/*`],
      }),
      new iam.PolicyStatement({
        sid: 'ExperimentResultObjects',
        actions: ['s3:GetObject', 's3:PutObject'],
        resources: [`arn:${Aws.PARTITION}:s3:::${app}-*/experiments/*`],
      }),
      new iam.PolicyStatement({
        sid: 'ReadAppSecretState',
        actions: ['secretsmanager:DescribeSecret'],
        resources: regions.map((r) => arn('secretsmanager', r, 'secret:*')),
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
      }),
      // Deploy checks that every application secret has a value (names only: ListSecrets cannot
      // be scoped to resources); destroy schedules an environment's own secrets for deletion.
      // Writing values (`branch-env secret set`) is for people, never for CI.
      new iam.PolicyStatement({
        sid: 'ListAppSecretNames',
        actions: ['secretsmanager:ListSecrets'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'DeleteEnvironmentSecrets',
        actions: ['secretsmanager:DeleteSecret'],
        resources: regions.map((r) => arn('secretsmanager', r, `secret:/${app}/*/secrets/*`)),
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
      }),
      new iam.PolicyStatement({
        sid: 'CleanAppRegistries',
        actions: [
          'ecr:DescribeRepositories',
          'ecr:ListImages',
          'ecr:BatchDeleteImage',
          'ecr:DeleteRepository',
        ],
        resources: regions.map((r) => arn('ecr', r, `repository/${app}-*`)),
      }),
      new iam.PolicyStatement({
        sid: 'FindLogGroups',
        actions: ['logs:DescribeLogGroups'],
        resources: regions.map((r) => arn('logs', r, 'log-group:*')),
      }),
      new iam.PolicyStatement({
        sid: 'DeleteAppLogGroups',
        actions: ['logs:DeleteLogGroup'],
        resources: regions.flatMap((r) => [
          arn('logs', r, `log-group:/${app}/*`),
          arn('logs', r, `log-group:${app}-*`),
          arn('logs', r, `log-group:/aws/lambda/${app}-*`),
          // Container Insights' performance log group of a cluster CloudFormation named after the stack.
          arn('logs', r, `log-group:/aws/ecs/containerinsights/${app}-*`),
          // Log exports of a database CloudFormation named after the stack (protected profiles
          // export DocumentDB's audit log).
          arn('logs', r, `log-group:/aws/docdb/${app}-*`),
          arn('logs', r, `log-group:/aws/rds/cluster/${app}-*`),
        ]),
      }),
      ...(account.domain
        ? [
            // ACM leaves its DNS validation CNAMEs in the zone; destroy deletes them.
            new iam.PolicyStatement({
              sid: 'FindValidationRecords',
              actions: ['route53:ListResourceRecordSets'],
              resources: [hostedZoneArn(account.domain.hostedZoneId)],
            }),
            new iam.PolicyStatement({
              sid: 'DeleteValidationRecords',
              actions: ['route53:ChangeResourceRecordSets'],
              resources: [hostedZoneArn(account.domain.hostedZoneId)],
              conditions: {
                'ForAllValues:StringEquals': {
                  'route53:ChangeResourceRecordSetsActions': ['DELETE'],
                  'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
                },
                'ForAllValues:StringLike': {
                  'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
                    `_*.${account.domain.name.toLowerCase()}`,
                  ],
                },
              },
            }),
          ]
        : []),
      new iam.PolicyStatement({
        sid: 'RefreshPrices',
        actions: ['pricing:GetProducts'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'ReadQuotas',
        actions: ['servicequotas:GetServiceQuota'],
        resources: ['*'],
      }),
      // `branch-env doctor` (read-only): what a first deploy needs; quotas are ReadQuotas above.
      new iam.PolicyStatement({
        sid: 'DoctorIdentity',
        actions: ['iam:GetRole', 'iam:GetOpenIDConnectProvider'],
        resources: [
          `arn:${Aws.PARTITION}:iam::${account.id}:role/aws-service-role/*`,
          `arn:${Aws.PARTITION}:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`,
        ],
      }),
      ...(account.domain
        ? [
            new iam.PolicyStatement({
              sid: 'DoctorHostedZone',
              actions: ['route53:GetHostedZone'],
              resources: [hostedZoneArn(account.domain.hostedZoneId)],
            }),
          ]
        : []),
    ];
    this.policy = new iam.Policy(this, 'DeployPolicy', { statements });
    this.policy.attachToRole(this.role);
    acknowledgeDeployRoleStack({ app, accountId: account.id, regions, policy: this.policy });

    new CfnOutput(this, 'RoleArn', {
      value: this.role.roleArn,
      description: `accounts.${props.account}.deployRoleArn in branch-env.config.json`,
    });
    new CfnOutput(this, 'OidcProviderArn', { value: this.provider.oidcProviderArn });
  }
}
