import { TAG_KEYS } from '@branch-env/core';
import { baselineServiceUrls } from '../private/physical-names.js';
import {
  DefaultStackSynthesizer,
  Stack,
  Validations,
  type CfnElement,
  type Resource,
} from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import type { EnvironmentStack } from '../environment-stack/environment-stack.js';
import type { CloudFrontOnlyOrigin } from '../web/cloudfront-only-origin.js';

/**
 * Every cdk-nag AwsSolutions acknowledgement of branch-env, with its reason: the one place to
 * review what the environment deliberately does differently from the rule pack. Each entry names
 * the exact finding (cdk-nag 3 acknowledges findings one by one, e.g. `AwsSolutions-IAM5[...]`)
 * and the constructs it applies to; an entry whose construct does not exist in a profile (no
 * database, no CloudFront, ...) applies to nothing.
 */
export interface Acknowledgement {
  /** Finding id, e.g. `AwsSolutions-S1` or `AwsSolutions-IAM5[Resource::*]`. */
  readonly id: string;
  readonly reason: string;
  /** The constructs (and their children) the finding is acknowledged on. */
  readonly on: (stack: EnvironmentStack) => readonly (IConstruct | undefined)[];
  /** Only for environments this returns true for. @default always */
  readonly when?: (stack: EnvironmentStack) => boolean;
}

/** SMG4 on the generated credentials of a DocumentDB or Aurora cluster. */
function noRotation(s: EnvironmentStack): string {
  const why =
    'The password is generated once, when the secret is created, and does not change: redeploying keeps it. Rotating it needs a rotation Lambda inside the VPC (it must reach the database), whose ENIs delay the teardown of the VPC by 20-45 minutes, and the service reads the password only at task start (ECS secrets), so after a rotation its new connections fail until its tasks are replaced.';
  return s.branchEnvironment.protected
    ? `${why} This environment is protected (long-lived): to rotate, add cluster.addRotationSingleUser() (a rotation Lambda from the Secrets Manager templates, in the private subnets, reaching Secrets Manager through the NAT gateway) and force a new deployment of the service after each rotation; until then, rotate by hand (set a new password on the cluster and in the secret, then force a new deployment).`
    : `${why} This unprotected environment and its secret are deleted together with the stack.`;
}

const SIDECAR_NO_ROTATION =
  'The MongoDB sidecar creates its root user from this secret when its task starts on empty storage; a rotation Lambda cannot reach it (it listens on the task localhost only). The password is generated once, when the secret is created, and is deleted with the environment (protected environments may not use the sidecar).';

/** DOC5: the audit log export, on for protected environments only. */
function documentDbLogs(s: EnvironmentStack): string {
  return s.branchEnvironment.protected
    ? "The cluster exports its audit log (EnableCloudwatchLogsExports ['audit'], parameter group audit_logs=enabled) to /aws/docdb/<cluster>/audit: it records authenticate, createIndex and dropCollection events among others. cdk-nag's DOC5 looks for those event names in EnableCloudwatchLogsExports, whose only valid values are audit and profiler, so it reports them even then (cdklabs/cdk-nag#1421)."
    : 'Unprotected environments export no database log: DocumentDB creates the exported log group /aws/docdb/<cluster>/audit itself, outside CloudFormation, so it would outlive the teardown of the environment (teardown audit kind database-log-export). Nothing records authentication or DDL events of these disposable clusters; protected environments export the audit log.';
}

/** `<LogicalId.Arn>` the way cdk-nag prints a reference to a resource's ARN. */
function arnOf(resource: Resource): string {
  const stack = Stack.of(resource);
  return `<${stack.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
}

/** CDK's BucketDeployment singleton (a stack-level construct with a generated id). */
function bucketDeployment(stack: EnvironmentStack): IConstruct | undefined {
  return stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
}

/** The stack's CDK file-asset bucket, as BucketDeployment's policy names it. */
function assetBucketObjects(stack: EnvironmentStack): string {
  const qualifier = DefaultStackSynthesizer.DEFAULT_QUALIFIER;
  return `Resource::arn:<AWS::Partition>:s3:::cdk-${qualifier}-assets-${stack.account}-${stack.region}/*`;
}

function parameterPath(stack: EnvironmentStack, prefix: string): string {
  return `Resource::arn:<AWS::Partition>:ssm:${stack.region}:${stack.account}:parameter${prefix}*`;
}

const db = (s: EnvironmentStack): IConstruct | undefined => s.database.cluster;

export const ENVIRONMENT_ACKNOWLEDGEMENTS: readonly ((s: EnvironmentStack) => Acknowledgement[])[] =
  [
    (s) => [
      {
        id: 'AwsSolutions-S1',
        reason:
          'Server access logs need a log bucket per environment, itself emptied on destroy. Without them there is no record of object-level access: CloudTrail records bucket-level management calls by default, object reads and writes only where the account turns on S3 data events (billed per event). The data bucket is private and written only by the task role; the site bucket is read only by CloudFront (Origin Access Control).',
        on: () => [s.storage.dataBucket, s.storage.siteBucket],
      },
      {
        id: 'AwsSolutions-SMG4',
        reason: noRotation(s),
        // The generated secret itself (DocumentDB and Aurora expose an attachment of it).
        on: () => [s.database.cluster?.node.tryFindChild('Secret')],
      },
      {
        id: 'AwsSolutions-SMG4',
        reason: SIDECAR_NO_ROTATION,
        on: () => [s.database.secret],
        when: () => s.database.engine === 'mongodb-container',
      },
      {
        id: 'AwsSolutions-ECS4',
        reason: `Container Insights is a profile knob (it bills custom metrics per task); profile '${s.branchEnvironment.profile.name}' turns it off and the dashboard charts CPU and memory from the free AWS/ECS metrics.`,
        on: () => [s.service.cluster],
        when: () => !s.branchEnvironment.profile.containerInsights,
      },
      {
        id: 'AwsSolutions-ECS2',
        reason:
          'Only non-secret settings (names, endpoint, bucket) are plain environment variables; database credentials are ECS secrets read from Secrets Manager at task start.',
        on: () => [s.service.taskDefinition],
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf(s.storage.dataBucket)}/*]`,
        reason:
          'The service reads and writes any object of its own data bucket (object keys are not known in advance); nothing outside that bucket.',
        on: () => [s.service.taskDefinition.taskRole],
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${s.region}:${s.account}:parameter${baselineServiceUrls(s.branchEnvironment) ?? ''}]`,
        reason:
          "Service discovery's fallback reads the baseline environment's service URLs (`<service>/service-url`, any service: which ones a branch lacks is only known at run time); GetParameter only, nothing else of the baseline.",
        on: () => [s.service.taskDefinition.taskRole],
        when: () => s.branchEnvironment.baseline !== undefined,
      },
      {
        id: `AwsSolutions-IAM5[${parameterPath(s, s.branchEnvironment.ssmPrefix)}]`,
        reason:
          'The service reads and writes its own config bus keys (experiments, discovery records) under its environment prefix only.',
        on: () => [s.service.taskDefinition.taskRole],
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken (pulling the service image) does not support resource-level permissions.',
        on: () => [s.service.taskDefinition.executionRole],
      },
      {
        id: 'AwsSolutions-EC23',
        reason:
          'Without CloudFront the load balancer is the public entry point of the environment: it accepts 443 (HTTPS) and 80 (redirect to HTTPS, or plain HTTP in a development account without a domain) only. Behind CloudFront it admits only the CloudFront origin-facing prefix list (no finding).',
        on: () => [s.service.loadBalancerSecurityGroup],
      },
      {
        id: 'AwsSolutions-ELB2',
        reason:
          'Access logs need a log bucket per environment, itself emptied on destroy; request counts, errors and latency are on the environment dashboard.',
        on: () => [s.service.loadBalancer],
      },
    ],
    // aws-cdk-lib's built-in CloudFormation template validation (not cdk-nag)
    (s) => [
      {
        id: 'CloudFormation-Validate::W3010',
        reason:
          'Availability zones are fixed in the stack (<region>a and <region>b) on purpose: synthesis needs no lookup and gives the same template offline and in CI.',
        on: () => [s.network.vpc],
      },
    ],
    // DocumentDB
    (s) => [
      {
        id: 'AwsSolutions-DOC2',
        reason:
          'A non-default port is obscurity, not security: the cluster is in private subnets and its security group admits only the service tasks, over TLS.',
        on: () => [db(s)],
      },
      {
        id: 'AwsSolutions-DOC3',
        reason:
          "The master user name and password are Secrets Manager dynamic references to the generated secret ({{resolve:secretsmanager:<secret>:SecretString:...}}, built with Fn::Join over the secret's Ref); cdk-nag's DOC3 cannot resolve the intrinsic and reports a rule error instead of passing.",
        on: () => [db(s)],
      },
      {
        id: 'AwsSolutions-DOC4',
        reason: `Backup retention is the profile's backups.retentionDays (${s.branchEnvironment.profile.backups.retentionDays}); ${s.branchEnvironment.protected ? 'this protected environment also keeps a final snapshot' : 'unprotected environments are disposable copies'}.`,
        on: () => [db(s)],
        when: () => s.branchEnvironment.profile.backups.retentionDays < 7,
      },
      ...['authenticate', 'createIndex', 'dropCollection'].map((kind) => ({
        id: `AwsSolutions-DOC5[LogExport::${kind}]`,
        reason: documentDbLogs(s),
        on: () => [db(s)],
      })),
    ],
    // Aurora PostgreSQL
    (s) => [
      {
        id: 'AwsSolutions-RDS6',
        reason:
          'The service authenticates with the generated Secrets Manager credentials (ECS secrets); IAM database authentication would need token refresh in the service.',
        on: () => [db(s)],
      },
      {
        id: 'AwsSolutions-RDS10',
        reason:
          'Unprotected environments must be destroyable by deleting the stack (teardown guarantee); protected environments have deletion protection on.',
        on: () => [db(s)],
        when: () => !s.branchEnvironment.protected,
      },
    ],
    // CloudFront
    (s) => [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'The environment serves a global audience: no geo restriction.',
        on: () => [s.web?.distribution],
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No AWS WAF web ACL is given (Web webAclArn): a web ACL costs $5/month plus $1 per rule-month and $0.60 per million requests, so branch-env creates none by default; the distribution has the managed security-headers policy and the service validates its input. An environment that takes customer traffic should pass a CloudFront-scope web ACL (us-east-1) as webAclArn; until it does, it runs without WAF.',
        on: () => [s.web?.distribution],
        when: () => s.web?.webAclArn === undefined,
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'Standard logs need an ACL-enabled log bucket per environment, itself emptied on destroy; request metrics are in CloudWatch.',
        on: () => [s.web?.distribution],
      },
    ],
    // CDK's BucketDeployment helper (uploads the static site)
    (s) => {
      const deployment = bucketDeployment(s);
      const reason =
        'CDK BucketDeployment helper: it copies the built site from the CDK asset bucket into the site bucket and is managed by aws-cdk-lib (runtime, managed logging policy, object-level wildcards on those two buckets, cloudfront:CreateInvalidation which has no resource-level permissions).';
      return [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        `AwsSolutions-IAM5[${assetBucketObjects(s)}]`,
        `AwsSolutions-IAM5[Resource::${arnOf(s.storage.siteBucket)}/*]`,
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
      ].map((id) => ({ id, reason, on: () => [deployment] }));
    },
    // Behind CloudFront: the secret origin header and the prefix list lookup (CloudFrontOnlyOrigin)
    (s) => {
      const edge = s.node.tryFindChild('Edge') as CloudFrontOnlyOrigin | undefined;
      return [
        {
          id: 'AwsSolutions-SMG4',
          reason:
            "The secret is the origin header CloudFront sends and the load balancer's listener rule requires (a shared value, not a credential of a person or service): both read it through a CloudFormation dynamic reference, so a rotation takes effect only with a stack update of the distribution and the listener together, and a rotation Lambda would leave a window where they disagree (403s). It is generated with the stack, never in the template, and deleted with it; the prefix list keeps everyone but CloudFront off the load balancer either way. To rotate: put a new value in the secret and redeploy.",
          on: () => [edge?.secret],
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            "ec2:DescribeManagedPrefixLists (reading the id of CloudFront's origin-facing prefix list at deploy time, instead of a context lookup) supports no resource-level permissions; read-only.",
          on: () => [edge?.node.tryFindChild('PrefixList')],
        },
      ];
    },
    // CDK's AwsCustomResource provider (CloudFront certificate ARN from us-east-1, prefix list id)
    (s) => {
      const reader = s.node.tryFindChild('CloudFrontCertificateArn');
      const provider = s.node.children.find((c) =>
        c.node.id.startsWith('AWS679f53fac002430cb0da5b7982bd2287'),
      );
      const reason =
        "CDK AwsCustomResource helper that reads the CloudFront certificate ARN from us-east-1 (an environment in another region) and the id of CloudFront's origin-facing prefix list; managed by aws-cdk-lib.";
      return [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-L1',
      ].map((id) => ({ id, reason, on: () => [reader, provider] }));
    },
  ];

/** Acknowledgements of the certificate stack (none today: it holds a certificate and, maybe, a parameter). */
export const CERTIFICATE_ACKNOWLEDGEMENTS: readonly Acknowledgement[] = [];

/** Apply every acknowledgement that concerns `stack`. Returns how many were recorded. */
export function acknowledgeEnvironmentStack(stack: EnvironmentStack): number {
  let count = 0;
  for (const group of ENVIRONMENT_ACKNOWLEDGEMENTS) {
    for (const ack of group(stack)) {
      if (ack.when && !ack.when(stack)) continue;
      for (const target of ack.on(stack)) {
        if (target === undefined) continue;
        Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
        count++;
      }
    }
  }
  return count;
}

export function acknowledgeCertificateStack(stack: Stack): number {
  for (const ack of CERTIFICATE_ACKNOWLEDGEMENTS) {
    Validations.of(stack).acknowledge({ id: ack.id, reason: ack.reason });
  }
  return CERTIFICATE_ACKNOWLEDGEMENTS.length;
}

/**
 * Acknowledgements of the GitHub OIDC deploy-role stack (`branch-env bootstrap`, owned by
 * packages/cdk/src/deploy-role). Every wildcard is scoped to the app's own names in this account
 * or is an action without resource-level permissions; nothing grants deploy rights directly (the
 * CDK bootstrap roles do that).
 */
export interface DeployRoleAcknowledgementTarget {
  readonly app: string;
  readonly accountId: string;
  /** The account's region and us-east-1 (certificates). */
  readonly regions: readonly string[];
  /** The deploy policy the findings are on. */
  readonly policy: IConstruct;
}

export function deployRoleAcknowledgements(
  t: DeployRoleAcknowledgementTarget,
): { readonly id: string; readonly reason: string }[] {
  const res = (service: string, region: string, resource: string) =>
    `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:${service}:${region}:${t.accountId}:${resource}]`;
  return [
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'tag:GetResources (the tag scan proving nothing of a destroyed environment is left), cloudformation:DescribeStacks/ListStacks (listing environments), pricing:GetProducts, servicequotas:GetServiceQuota (the deploy capacity check reads applied quota values) and secretsmanager:ListSecrets (deploy checks that every application secret has a value: names only, never values) have no resource-level permissions; all five are read-only.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::${t.accountId}:role/aws-service-role/*]`,
      reason:
        '`branch-env doctor` checks that the service-linked roles a first deploy needs (ECS, ELB, RDS) exist: iam:GetRole only, read-only, only service-linked roles.',
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.app}-*]`,
      reason: `Environment buckets are named by CloudFormation after their stack (${t.app}-<env>-...); destroy lists their object versions to empty them. Only buckets of this app.`,
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.app}-*/*]`,
      reason: `Destroy deletes the objects of the app's own buckets (${t.app}-*) so CloudFormation can delete them.`,
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${t.app}-*/experiments/*]`,
      reason: `\`branch-env experiment record\` puts results too large for SSM into the environment's data bucket under experiments/<id>/ and \`compare\` reads them back; only that prefix of the app's buckets.`,
    },
    ...t.regions.flatMap((r) => [
      {
        id: res('ssm', r, `parameter/${t.app}/*`),
        reason: `The config bus of every environment of the app lives under /${t.app}/<env>/; deploy records the owner there and destroy deletes it. Nothing outside the app's path.`,
      },
      {
        id: res('cloudformation', r, `stack/${t.app}-*/*`),
        reason: `Destroy and reap delete the app's environment stacks (${t.app}-<env>...) through their CloudFormation service role; stack names are per environment, so only a prefix can name them.`,
      },
      {
        id: res('ecr', r, `repository/${t.app}-*`),
        reason: `Registries are named by CloudFormation after their stack (${t.app}-<env>-...); destroy empties them. Only this app's repositories.`,
      },
      {
        id: res('logs', r, 'log-group:*'),
        reason:
          'logs:DescribeLogGroups is authorized on the log-group:* resource only; it is read-only (finding log groups left behind).',
      },
      {
        id: res('logs', r, `log-group:/${t.app}/*`),
        reason: `Destroy deletes the environment log groups the stack names /${t.app}/<env>/... when CloudFormation retained them.`,
      },
      {
        id: res('logs', r, `log-group:${t.app}-*`),
        reason: `Log groups named by CloudFormation after the environment stack (${t.app}-<env>-...); deleted on destroy.`,
      },
      {
        id: res('logs', r, `log-group:/aws/lambda/${t.app}-*`),
        reason: `Log groups of the app's helper Lambda functions (${t.app}-<env>-...); deleted on destroy.`,
      },
      {
        id: res('logs', r, `log-group:/aws/ecs/containerinsights/${t.app}-*`),
        reason: `Container Insights writes /aws/ecs/containerinsights/<cluster>/performance outside the stack; the cluster is named by CloudFormation after the environment stack (${t.app}-<env>-...), so destroy deletes it by that prefix.`,
      },
      ...['docdb', 'rds/cluster'].map((service) => ({
        id: res('logs', r, `log-group:/aws/${service}/${t.app}-*`),
        reason: `A database's log exports (DocumentDB's audit log, Aurora's postgresql log) go to /aws/${service}/<cluster>/..., created outside the stack; the cluster is named by CloudFormation after the environment stack (${t.app}-<env>-...), so destroy deletes them by that prefix.`,
      })),
      {
        id: res('secretsmanager', r, 'secret:*'),
        reason: `destroy tells a secret pending deletion from an active one (DescribeSecret, read-only) for secrets tagged ${TAG_KEYS.app}=${t.app} only (condition aws:ResourceTag); secret names are generated, so only the tag can scope them.`,
      },
      {
        id: res('secretsmanager', r, `secret:/${t.app}/*/secrets/*`),
        reason: `destroy schedules the application secrets set for one environment (/${t.app}/<env>/secrets/<NAME>, \`branch-env secret set --environment\`) for deletion, for secrets tagged ${TAG_KEYS.app}=${t.app} only; environment names are per branch, so only a wildcard can name them. App-wide secrets (/${t.app}/secrets/<NAME>) do not match.`,
      },
    ]),
  ];
}

/** Record the deploy-role acknowledgements on its policy. Returns how many were recorded. */
export function acknowledgeDeployRoleStack(t: DeployRoleAcknowledgementTarget): number {
  const acks = deployRoleAcknowledgements(t);
  for (const ack of acks) Validations.of(t.policy).acknowledge({ id: ack.id, reason: ack.reason });
  return acks.length;
}
