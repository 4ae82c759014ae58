import { jobTaskFamily } from '@branch-env/core';
import { baselineServiceUrls } from '../private/physical-names.js';
import {
  DefaultStackSynthesizer,
  Stack,
  Validations,
  type CfnElement,
  type Resource,
} from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type { PolicyDocument } from 'aws-cdk-lib/aws-iam';
import type { IConstruct } from 'constructs';
import type { EnvironmentStack } from '../environment-stack/environment-stack.js';
import type { CloudFrontOnlyOrigin } from '../web/cloudfront-only-origin.js';
import type { PlatformStack } from '../platform/platform-stack.js';
import type { SharedEnvironmentStack } from '../shared-environment/shared-environment-stack.js';
import type { SiteServer } from '../web/site-server.js';
import type { ListenerRouter } from '../platform/router.js';
import type { Sleeper } from '../platform/sleeper.js';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import { CONFIG_BUS, platformLoadBalancerPrefix } from '@branch-env/core';

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
/**
 * Every task definition of the environment: the primary service's, the other services' and the
 * jobs'. They share the same kinds of grants (data bucket objects, own config bus prefix, image
 * pull), each on its own roles.
 */
function tasksOf(s: EnvironmentStack | SharedEnvironmentStack): ecs.TaskDefinition[] {
  return [
    s.service.taskDefinition,
    ...[...s.services.services.values()].map((x) => x.taskDefinition),
    ...s.services.jobs.values(),
  ];
}

function arnOf(resource: Resource): string {
  const stack = Stack.of(resource);
  return `<${stack.getLogicalId(resource.node.defaultChild as CfnElement)}.Arn>`;
}

/** CDK's BucketDeployment singleton (a stack-level construct with a generated id). */
function bucketDeployment(stack: Stack): IConstruct | undefined {
  return stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
}

/** The stack's CDK file-asset bucket, as BucketDeployment's policy names it. */
function assetBucketObjects(stack: Stack): string {
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
        on: () => tasksOf(s),
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf(s.storage.dataBucket)}/*]`,
        reason:
          'The service reads and writes any object of its own data bucket (object keys are not known in advance); nothing outside that bucket.',
        on: () => tasksOf(s).map((t) => t.taskRole),
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${s.region}:${s.account}:parameter${baselineServiceUrls(s.branchEnvironment) ?? ''}]`,
        reason:
          "Service discovery's fallback reads the baseline environment's service URLs (`<service>/service-url`, any service: which ones a branch lacks is only known at run time); GetParameter only, nothing else of the baseline.",
        on: () => tasksOf(s).map((t) => t.taskRole),
        when: () => s.branchEnvironment.baseline !== undefined,
      },
      {
        id: `AwsSolutions-IAM5[${parameterPath(s, s.branchEnvironment.ssmPrefix)}]`,
        reason:
          'The service reads and writes its own config bus keys (experiments, discovery records) under its environment prefix only.',
        on: () => tasksOf(s).map((t) => t.taskRole),
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'ecr:GetAuthorizationToken (pulling the service image) does not support resource-level permissions.',
        on: () => tasksOf(s).map((t) => t.executionRole),
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
    (s) => siteUploadAcknowledgements(s).map((a) => ({ ...a, on: () => a.on })),
    // The site server behind the environment's own load balancer (no CloudFront)
    (s) => siteServerAcknowledgements(s.siteServer).map((a) => ({ ...a, on: () => a.on })),
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
    // The jobs' run handler (service/job-runs.ts)
    (s) => jobRunAcknowledgements(s).map((a) => ({ ...a, on: () => a.on })),
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

/**
 * The job-run handler's policy (service/job-runs.ts): RunTask on any revision of the stack's own
 * job families, and the tasks it starts, whose ARNs carry generated ids.
 */
function jobRunAcknowledgements(s: EnvironmentStack | SharedEnvironmentStack): {
  readonly id: string;
  readonly reason: string;
  readonly on: readonly IConstruct[];
}[] {
  const runs = s.services.jobRuns;
  if (runs === undefined) return [];
  const env = s.branchEnvironment;
  const on = [runs.node.findChild('HandlerPolicy')];
  const ecsArn = `arn:<AWS::Partition>:ecs:${s.region}:${s.account}`;
  return [
    ...env.jobs.map((job) => ({
      id: `AwsSolutions-IAM5[Resource::${ecsArn}:task-definition/${jobTaskFamily(env.app, env.name, job.name)}:*]`,
      reason: `ecs:RunTask of job ${job.name}'s own task definition family, any revision: every deploy registers a new revision, and naming the exact revision would change the policy on every deploy, right before the run that needs it (IAM changes take seconds to apply). Only on the environment's cluster (ecs:cluster condition).`,
      on,
    })),
    {
      id: `AwsSolutions-IAM5[Resource::${ecsArn}:task/*]`,
      reason:
        "Task ARNs carry an id ECS generates when RunTask starts the job: DescribeTasks and StopTask of the job's task only on the environment's cluster (ecs:cluster condition), and TagResource only as part of RunTask (ecs:CreateAction; TagResource has no ecs:cluster key), which itself may start only the jobs' task definitions on that cluster.",
      on,
    },
  ];
}

/** CDK's BucketDeployment helper that uploads the static site, in a dedicated or shared stack. */
function siteUploadAcknowledgements(
  s: EnvironmentStack | SharedEnvironmentStack,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  const deployment = bucketDeployment(s);
  if (deployment === undefined) return [];
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
  ].map((id) => ({ id, reason, on: [deployment] }));
}

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
 * Why each statement of the deploy-role stack's policies (deploy-role/class-policies.ts) has a
 * wildcard, by statement id. Every wildcard resource and action cdk-nag reports (AwsSolutions-IAM5)
 * is acknowledged with its statement's reason; a statement without a reason is a bug.
 */
const DEPLOY_ROLE_WILDCARD_REASONS: Readonly<Record<string, string>> = {
  ReadStacks:
    'cloudformation:DescribeStacks/ListStacks/ListExports/GetTemplateSummary are read-only and listing environments needs every stack.',
  DeployAndDeleteOwnStacks:
    "Environment stacks are named <app>-<env>; only a prefix of the class's environment names (and the app tag) can name them.",
  PublishOwnFileAssets:
    "The CDK asset bucket's keys are content hashes; the class writes only under its own prefix (<class>/).",
  RegistryLogin: 'ecr:GetAuthorizationToken has no resource-level permissions.',
  PushPlatformImages:
    "`branch-env image push`: the commit's images into the platform repositories of this class only (<app>-platform/<class>/*, one per service and job); the build cache is read back; settings, policies and deletes stay denied by the boundary.",
  ReadConfigBus:
    "Reading the app's config bus (/<app>/...) and the CDK bootstrap version; writes are scoped separately.",
  WriteOwnConfigBus: "Parameters /<app>/<env>/...: only the class's environment-name prefixes.",
  TagScanAfterDestroy: 'tag:GetResources has no resource-level permissions; read-only.',
  EmptyOwnBuckets:
    "Buckets are named by CloudFormation after their stack (<app>-<env>-...); only the class's prefixes.",
  ExperimentResultObjects:
    "experiment results under experiments/ of the class's environment buckets.",
  ReadAppSecretState:
    'Secret names are generated; DescribeSecret (read-only) only for secrets tagged with the app.',
  CleanOwnRegistries: "Repositories named after their stack; only the class's prefixes.",
  FindLogGroups: 'logs:DescribeLogGroups is authorized on log-group:* only; read-only.',
  DeleteOwnLogGroups: "Log groups named after the environment; only the class's prefixes.",
  RefreshPrices: 'pricing:GetProducts has no resource-level permissions; read-only.',
  ReadQuotas:
    'servicequotas:GetServiceQuota (the deploy capacity check reads applied quota values) is granted on every resource; read-only.',
  FindValidationRecords: 'One hosted zone; read-only.',
  ClaimListenerRules:
    'Listener-rule priority claims are one parameter per priority under /<app>/_claims/listener-rules/; the priority is allocated at deploy time, so only a wildcard can name them.',
  DoctorIdentity:
    '`branch-env doctor` reads (iam:GetRole) the service-linked roles a first deploy needs; read-only, only service-linked roles.',
  ListAppSecrets:
    'secretsmanager:ListSecrets has no resource-level permissions; deploy reads names only, never values.',
  DeleteOwnAppSecrets:
    "Application secrets /<app>/<env>/secrets/<NAME> of the class's environments, tagged with the app; environment names are per branch.",
  WatchOwnServices:
    "deploy's placement watchdog reads (ecs:DescribeServices) the services of the class's stacks, whose names CloudFormation derives from the stack name, in whichever cluster runs them.",
  WatchStoppedTasks:
    "deploy's placement watchdog reads the reasons of stopped tasks; task ARNs carry generated ids and ListTasks is authorized on container instances; read-only.",
  DeleteValidationRecords: "Only DELETE of CNAMEs _*.<class's environment>.<domain>.",
  EnvironmentServices:
    'CloudFormation builds VPCs, ECS, load balancers, CloudFront, certificates, DocumentDB, alarms and topics with generated names; the boundary and the tag denies keep it off protected environments, the platform and the roles.',
  OwnBuckets: "Buckets named after the class's stacks (<app>-<env>-...).",
  ReadOwnAssets: "The class's prefix of the CDK asset bucket (Lambda code).",
  OwnParameters: "Parameters /<app>/<env>/... of the class's environments.",
  ReadAppParameters:
    "Dynamic references read the app's config bus (baseline service URLs, certificate ARN) and the CDK bootstrap version.",
  OwnLogGroups: "Log groups of the class's environments.",
  OwnRepositories: "Repositories named after the class's stacks.",
  OwnFunctions: "Helper Lambda functions named after the class's stacks.",
  PlatformCustomResources:
    "The platform's named database provisioner (Custom::SharedDatabase) and listener-rule router (Custom::BranchEnvListenerRule) in any of the class's regions; each derives the environment from the calling stack's tags.",
  CreateOwnSecrets:
    "Secret names are generated: only with the app's tag and an environment tag of the class.",
  OwnSecrets: 'Secrets tagged with the app and an environment of the class.',
  OwnRolesWithinTheBoundary:
    "Roles named after the class's stacks, created or changed only with the class's permissions boundary.",
  OwnRoles:
    "Roles named after the class's stacks (task, execution and helper roles; the jobs' under the IAM path /branch-env-jobs/).",
  ServiceLinkedRoles: 'Service-linked roles of ECS, ELB, RDS and Application Auto Scaling only.',
  ReadZone: "The account's hosted zone and its change status; read-only.",
  OwnRecords: "Records of the class's environments in the account's hosted zone.",
  WithinTheGuards:
    "A permissions boundary: the maximum, not a grant; each role's own policy narrows it and the boundary's denies hold for every role of the class.",
};

/** Acknowledge every AwsSolutions-IAM5 wildcard of `policy` with its statement's reason. */
export function acknowledgeDeployRolePolicy(
  policy: IConstruct & { readonly document: PolicyDocument },
): number {
  const doc = policy.document.toJSON() as
    | {
        Statement?: {
          Sid?: string;
          Effect: string;
          Action?: string | string[];
          Resource?: string | string[];
        }[];
      }
    | undefined;
  let count = 0;
  for (const st of doc?.Statement ?? []) {
    if (st.Effect !== 'Allow') continue;
    const ids = [
      ...[st.Resource ?? []]
        .flat()
        .filter((r) => r.includes('*'))
        .map((r) => `AwsSolutions-IAM5[Resource::${r}]`),
      ...[st.Action ?? []]
        .flat()
        .filter((a) => a.includes('*'))
        .map((a) => `AwsSolutions-IAM5[Action::${a}]`),
    ];
    if (ids.length === 0) continue;
    const reason = st.Sid ? DEPLOY_ROLE_WILDCARD_REASONS[st.Sid] : undefined;
    if (!reason)
      throw new Error(
        `bug: deploy-role statement ${st.Sid ?? '(no sid)'} has no acknowledgement reason`,
      );
    for (const id of ids) Validations.of(policy).acknowledge({ id, reason });
    count += ids.length;
  }
  return count;
}

/**
 * Acknowledgements of the account platform stack (packages/cdk/src/platform): its shared load
 * balancers are the public entry point of every shared environment.
 */
export function platformAcknowledgements(
  s: PlatformStack,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  return [
    {
      id: 'AwsSolutions-EC23',
      reason:
        "The shared load balancers are the public entry point of the shared environments: they accept 443 (HTTPS) and 80 (redirect to HTTPS) only; what no environment's rule takes goes to the site server (the environment's static site, or a 404 for unknown hosts).",
      on: s.loadBalancers.map((l) => l.securityGroup),
    },
    {
      id: 'AwsSolutions-ELB2',
      reason:
        'Access logs need a log bucket of the platform with a lifecycle and a deletion story of its own; request counts, errors and latency per environment are on each environment dashboard (target group metrics). Turn them on for an account that must keep request records.',
      on: s.loadBalancers.map((l) => l.loadBalancer),
    },
    {
      id: 'AwsSolutions-ECS4',
      reason:
        'Container Insights bills custom metrics per task of every environment on the cluster; environment dashboards chart CPU and memory from the free AWS/ECS metrics.',
      on: [s.cluster],
    },
    {
      id: 'CloudFormation-Validate::W3010',
      reason:
        'Availability zones are the configured accounts.<key>.platform.availabilityZones on purpose: synthesis needs no lookup and gives the same template offline and in CI.',
      on: [s.network.vpc],
    },
    ...platformDatabaseAcknowledgements(s),
    ...siteServerAcknowledgements(s.siteServer),
    ...routerAcknowledgements(s.router),
    ...sleeperAcknowledgements(s.sleeper),
  ];
}

/** The listener-rule router (platform/router.ts): what its wildcards are limited to. */
function routerAcknowledgements(
  router: ListenerRouter,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  const stack = Stack.of(router);
  const app = stack.stackName.replace(/-platform$/, '');
  const at = (service: string, resource: string) =>
    `arn:<AWS::Partition>:${service}:${stack.region}:${stack.account}:${resource}`;
  const on = [router.role];
  return [
    {
      id: `AwsSolutions-IAM5[Resource::${arnOf(router.logGroup)}:*]`,
      reason: 'The router writes log streams of its own log group only.',
      on,
    },
    {
      id: `AwsSolutions-IAM5[Resource::${at('cloudformation', `stack/${app}-*/*`)}]`,
      reason:
        "DescribeStacks on the app's stacks only: the router reads the requesting stack's name and branch-env tags (CloudFormation supplies its id) to derive which environment asks, and refuses mismatches.",
      on,
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'elasticloadbalancing:DescribeRules and DescribeTags support no resource-level permissions; they only read.',
      on,
    },
    {
      id: `AwsSolutions-IAM5[Resource::${at('elasticloadbalancing', `listener-rule/app/${platformLoadBalancerPrefix(app)}-*`)}]`,
      reason:
        "Rules get generated ids: changes are limited to rules on the platform's own (named) load balancers, ModifyRule, DeleteRule and tag changes further to rules tagged with this app; SetRulePriorities has no tag condition key. The router acts only on the rule CloudFormation names as the resource's physical id, after checking its environment tag against the requesting stack.",
      on,
    },
    {
      id: `AwsSolutions-IAM5[Resource::${at('secretsmanager', 'secret:*')}]`,
      reason:
        "OIDC client secrets of private previews have names the account chooses: the statement is limited by condition to secrets carrying the branch-env:oidc-token-endpoint tag, and the router puts a secret into a rule only when that tag names the rule's token endpoint.",
      on,
    },
  ];
}

/** The shared database clusters, the provisioner and the executor (platform/shared-databases.ts). */
function platformDatabaseAcknowledgements(
  s: PlatformStack,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  const d = s.databases;
  if (d === undefined) return [];
  const clusterOf = (engine: string) => d.clusters.find((c) => c.engine === engine)?.cluster;
  const docdb = clusterOf('documentdb');
  const aurora = clusterOf('aurora-postgres');
  const provisionerRole = d.provisioner.role;
  const executorRole = d.executor.role;
  const noRotation =
    "The master password is read only by the platform provisioner (GetSecretValue at each create or drop of an environment database) and never leaves the platform: no service, task or branch role may read it (the deploy roles' boundary denies it). Rotating it needs a rotation Lambda in the VPC reaching Secrets Manager (a NAT gateway or an interface endpoint the platform does not have by default); rotate by hand with `aws rds modify-db-cluster` / `aws docdb modify-db-cluster --master-user-password` and PutSecretValue. Environment users have passwords of their own in their own secrets.";
  return [
    {
      id: 'AwsSolutions-SMG4',
      reason: noRotation,
      // The generated secret itself (the clusters expose an attachment of it).
      on: d.clusters.flatMap((c) => {
        const secret = c.cluster.node.tryFindChild('Secret');
        return secret === undefined ? [] : [secret];
      }),
    },
    ...(docdb === undefined
      ? []
      : [
          { id: 'AwsSolutions-DOC3', reason: noRotation, on: [docdb] },
          {
            id: 'AwsSolutions-DOC2',
            reason:
              'The shared DocumentDB cluster listens on 27017 because every MongoDB client and the connection strings of the environments expect it; it is reachable only from the platform executor and from the service security groups of the environments that added a rule for themselves, never from the internet or the VPC CIDR.',
            on: [docdb],
          },
          ...['authenticate', 'createIndex', 'dropCollection'].map((event) => ({
            id: `AwsSolutions-DOC5[LogExport::${event}]`,
            reason:
              "The shared cluster exports its audit log (EnableCloudwatchLogsExports ['audit'], parameter group audit_logs=enabled) to /aws/docdb/<cluster>/audit, created by the stack with a retention: it records authenticate, createIndex and dropCollection events among others. cdk-nag's DOC5 looks for those event names in EnableCloudwatchLogsExports, whose only valid values are audit and profiler (cdklabs/cdk-nag#1421).",
            on: [docdb],
          })),
        ]),
    ...(aurora === undefined
      ? []
      : [
          {
            id: 'AwsSolutions-RDS6',
            reason:
              'Environments connect with a password user of their own, from their own secret, injected as ECS secrets; IAM database authentication would need a token per connection from every service (and a per-environment rds-db:connect grant). The cluster is reachable only from the executor and the service groups of environments that added a rule for themselves.',
            on: [aurora],
          },
        ]),
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason:
        'The executor writes its own logs (AWS managed basic execution policy); it has no other AWS permission: it talks only to the clusters, on their ports.',
      on: executorRole === undefined ? [] : [executorRole],
    },
    {
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole]',
      reason:
        'The executor runs in the platform VPC to reach the clusters: Lambda manages its network interfaces with these EC2 permissions (AWS managed VPC access policy, the documented minimum).',
      on: executorRole === undefined ? [] : [executorRole],
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(s).getLogicalId(d.node.findChild('ProvisionerLogs').node.defaultChild as CfnElement)}.Arn>:*]`,
      reason: 'The provisioner writes log streams of its own log group only.',
      on: provisionerRole === undefined ? [] : [provisionerRole],
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:cloudformation:${s.region}:${s.account}:stack/${s.stackName.replace(/-platform$/, '')}-*/*]`,
      reason:
        "DescribeStacks on the app's stacks only: the provisioner reads the requesting stack's name and branch-env tags (CloudFormation supplies its id) to derive which environment asks, and refuses mismatches.",
      on: provisionerRole === undefined ? [] : [provisionerRole],
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:secretsmanager:${s.region}:${s.account}:secret:*]`,
      reason:
        "The environments' secrets have generated names; the statement is limited by condition to secrets tagged with this app and an environment (branch-env:app, branch-env:environment), and the provisioner additionally refuses a secret whose aws:cloudformation:stack-id tag is not the requesting stack.",
      on: provisionerRole === undefined ? [] : [provisionerRole],
    },
    {
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(s).getLogicalId(d.executor.node.defaultChild as CfnElement)}.Arn>:*]`,
      reason:
        'lambda:InvokeFunction on the executor and its versions (CDK grantInvoke); nothing else.',
      on: provisionerRole === undefined ? [] : [provisionerRole],
    },
  ];
}

/**
 * The site server (web/site-server.ts) of a dedicated environment or of the platform: its log
 * streams and, by source, its own bucket's objects or the environments' site-bucket parameters.
 */
function siteServerAcknowledgements(
  server: SiteServer | undefined,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  if (server === undefined) return [];
  const stack = Stack.of(server);
  const source = server.source;
  const on = [server.role];
  return [
    {
      id: `AwsSolutions-IAM5[Resource::${arnOf(server.logGroup)}:*]`,
      reason: 'The site server writes log streams of its own log group only.',
      on,
    },
    source.kind === 'config-bus'
      ? {
          id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${stack.region}:${stack.account}:parameter/${source.app}/*/${CONFIG_BUS.siteBucket.key}]`,
          reason:
            "The platform's site server maps a host <env>.<domain> to that environment's site bucket: GetParameter on the one config-bus key every environment publishes its site bucket's name under, nothing else; it has no S3 permission of its own (a public shared environment's bucket policy lets it read that bucket).",
          on,
        }
      : {
          id: `AwsSolutions-IAM5[Resource::${arnOf(source.bucket as s3.Bucket)}/*]`,
          reason:
            "The environment's site server reads any object of its own site bucket (the keys are the built site's paths); GetObject only, nothing outside that bucket.",
          on,
        },
  ];
}

/**
 * The platform's sleeper (platform/sleeper.ts): what its role's wildcards are and why each is the
 * narrowest IAM allows.
 */
export function sleeperAcknowledgements(
  sleeper: Sleeper,
): { readonly id: string; readonly reason: string; readonly on: readonly IConstruct[] }[] {
  const stack = Stack.of(sleeper);
  const logicalId = (c: IConstruct): string =>
    stack.getLogicalId(c.node.defaultChild as CfnElement);
  const arn = `arn:<AWS::Partition>`;
  const on = [sleeper.role];
  return [
    {
      id: `AwsSolutions-IAM5[Resource::${arnOf(sleeper.logGroup)}:*]`,
      reason: 'The sleeper writes log streams of its own log group only.',
      on,
    },
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Read-only calls without resource-level permissions (Service Authorization Reference): elasticloadbalancing:DescribeRules, DescribeTags and DescribeTargetHealth, application-autoscaling:DescribeScalableTargets and cloudwatch:GetMetricData; and ecs:ListServices, limited by its ecs:cluster condition to the platform cluster.',
      on,
    },
    ...sleeper.loadBalancers.map((l) => ({
      id: `AwsSolutions-IAM5[Resource::${arn}:elasticloadbalancing:${stack.region}:${stack.account}:listener-rule/<${logicalId(l)}.LoadBalancerFullName>/*]`,
      reason:
        "ModifyRule on the listener rules of the platform's own load balancer only, and (by condition) only on rules tagged branch-env:app with this app: the router creates them with generated ids at each environment's deploy, so only a wildcard can name them.",
      on,
    })),
    {
      id: `AwsSolutions-IAM5[Resource::${arn}:ecs:${stack.region}:${stack.account}:service/<${logicalId(sleeper.cluster)}>/*]`,
      reason:
        "The services of the platform cluster (created by each environment's stack, named by CloudFormation): DescribeServices; UpdateService and TagResource only on services tagged branch-env:app with this app, TagResource only of the keys branch-env:awake-count and branch-env:woken-at.",
      on,
    },
    {
      id: `AwsSolutions-IAM5[Resource::${arn}:application-autoscaling:${stack.region}:${stack.account}:scalable-target/*]`,
      reason:
        "RegisterScalableTarget (to suspend and resume an environment service's scaling while it sleeps): a scalable target's ARN has a generated id and environment stacks cannot tag it, so the statement is limited by condition to the ecs namespace and the ecs:service:DesiredCount dimension.",
      on,
    },
  ];
}

/** Record the platform acknowledgements. Returns how many were recorded. */
export function acknowledgePlatformStack(stack: PlatformStack): number {
  let count = 0;
  for (const ack of platformAcknowledgements(stack)) {
    for (const target of ack.on) {
      Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
      count++;
    }
  }
  return count;
}

/**
 * Acknowledgements of a shared (thin) environment stack: the same reasons as the dedicated
 * environment's for what it has (buckets, task definition, task and execution roles, sidecar
 * secret); it has no VPC, load balancer or cluster of its own to acknowledge.
 */
export function sharedEnvironmentAcknowledgements(s: SharedEnvironmentStack): {
  readonly id: string;
  readonly reason: string;
  readonly on: readonly (IConstruct | undefined)[];
}[] {
  const env = s.branchEnvironment;
  const baseline = baselineServiceUrls(env);
  return [
    {
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs need a log bucket per environment, itself emptied on destroy. Without them there is no record of object-level access: CloudTrail records bucket-level management calls by default, object reads and writes only where the account turns on S3 data events (billed per event). The data bucket is private and written only by the task role.',
      on: [s.storage.dataBucket, s.storage.siteBucket],
    },
    ...(s.database.engine === 'mongodb-container'
      ? [{ id: 'AwsSolutions-SMG4', reason: SIDECAR_NO_ROTATION, on: [s.database.secret] }]
      : []),
    ...(s.sharedDatabase === undefined
      ? []
      : [
          {
            id: 'AwsSolutions-SMG4',
            reason:
              "The password of the environment's own user on the shared cluster is generated once, when the secret is created; the platform provisioner sets it on the user at create (and again on any update of the resource). A rotation would have to go through the provisioner (only it may reach the cluster), and the service reads the password only at task start (ECS secrets). The secret is deleted with an unprotected environment, together with its user.",
            on: [s.sharedDatabase.secret],
          },
        ]),
    {
      id: 'AwsSolutions-ECS2',
      reason:
        'Only non-secret settings (names, endpoint, bucket) are plain environment variables; database credentials are ECS secrets read from Secrets Manager at task start.',
      on: tasksOf(s),
    },
    {
      id: `AwsSolutions-IAM5[Resource::${arnOf(s.storage.dataBucket)}/*]`,
      reason:
        'The service reads and writes any object of its own data bucket (object keys are not known in advance); nothing outside that bucket.',
      on: tasksOf(s).map((t) => t.taskRole),
    },
    {
      id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${s.region}:${s.account}:parameter${env.ssmPrefix}*]`,
      reason:
        'The service reads and writes its own config bus keys (experiments, discovery records) under its environment prefix only; nothing of the platform prefix or of another environment.',
      on: tasksOf(s).map((t) => t.taskRole),
    },
    ...(baseline === undefined
      ? []
      : [
          {
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ssm:${s.region}:${s.account}:parameter${baseline}]`,
            reason:
              "Service discovery's fallback reads the baseline environment's service URLs (GetParameter only).",
            on: tasksOf(s).map((t) => t.taskRole),
          },
        ]),
    {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecr:GetAuthorizationToken (pulling the service image) does not support resource-level permissions.',
      on: tasksOf(s).map((t) => t.executionRole),
    },
    ...jobRunAcknowledgements(s),
    ...siteUploadAcknowledgements(s),
  ];
}

/** Record the shared environment's acknowledgements. Returns how many were recorded. */
export function acknowledgeSharedEnvironmentStack(stack: SharedEnvironmentStack): number {
  let count = 0;
  for (const ack of sharedEnvironmentAcknowledgements(stack)) {
    for (const target of ack.on) {
      if (target === undefined) continue;
      Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
      count++;
    }
  }
  return count;
}
