import * as iam from 'aws-cdk-lib/aws-iam';
import {
  databaseProvisionerName,
  listenerRouterName,
  platformLoadBalancerPrefix,
  imageRepositoryPrefix,
  JOB_ROLE_PATH,
  listenerRuleClaimsPrefix,
  RESERVED,
  TAG_KEYS,
  type ClassRoles,
  type ClassScopes,
  type ProtectionClass,
} from '@branch-env/core';

/**
 * The policies of one protection class, as plain statements with literal ARNs (no tokens), so the
 * synthesized documents can be evaluated as they are (test/deploy-role-simulation.test.ts):
 * - the OIDC role's own permissions (what `destroy`, `reap`, `list` call directly, publishing
 *   assets, and driving CloudFormation on its class's stacks);
 * - the CloudFormation execution role's (what the class's stacks create);
 * - the permissions boundary on every role of the class and every role its stacks create.
 *
 * The unprotected class is scoped by the environment-name prefixes of the unprotected rules
 * (`classScopes()`): `<app>-<prefix>*` stacks, buckets, repositories, functions, roles and log
 * groups, `/<app>/<prefix>*` parameters and log groups, the `branch-env:environment` tag. On top,
 * explicit denies keep it off protected environments (by name and tag), the platform, the roles and
 * the bootstrap stacks, whatever a stack or a role it creates asks for.
 */
export interface ClassPolicyContext {
  readonly app: string;
  readonly partition: string;
  readonly accountId: string;
  /** The account's region and us-east-1 (CloudFront certificates). */
  readonly regions: readonly string[];
  readonly qualifier: string;
  readonly protectionClass: ProtectionClass;
  readonly roles: ClassRoles;
  /** Every class's roles in the account (the boundary protects them all). */
  readonly allRoles: readonly ClassRoles[];
  /** Environment-name prefixes of the account's classes. */
  readonly scopes: ClassScopes;
  /** The account's domain, when environments get DNS names. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string } | undefined;
}

/**
 * Services whose resources carry the environment's tags (CloudFormation propagates stack tags):
 * the unprotected class may do nothing (`<service>:*`) to a resource tagged with a protected
 * environment. Whole services rather than verb lists: every mutation is covered (including tag
 * removal, security-group rules and target registration), and the boundary carrying it stays
 * well under IAM's 6,144 characters for the longest app name (a test checks).
 */
const TAGGED_SERVICES = [
  'ec2',
  'ecs',
  'elasticloadbalancing',
  'rds',
  'secretsmanager',
  'sns',
  'cloudwatch',
  'cloudfront',
  'application-autoscaling',
  'ecr',
  'lambda',
] as const;

function roleName(arn: string): string {
  return arn.slice(arn.lastIndexOf('/') + 1);
}

/** Name patterns of the environments a class may change (`*` = every environment of the app). */
function namePatterns(ctx: ClassPolicyContext): string[] {
  return ctx.protectionClass === 'unprotected' ? ctx.scopes.unprotected.map((p) => `${p}*`) : ['*'];
}

/** Name patterns of the protected environments (exact names stay exact). */
function protectedPatterns(ctx: ClassPolicyContext): string[] {
  return ctx.scopes.protected.map((p) => `${p}*`);
}

/**
 * ARNs of the resources of environments whose names match `envPatterns`, in any region of the
 * account (environments live in the account's region and us-east-1).
 */
function arnsOf(ctx: ClassPolicyContext, envPatterns: readonly string[]) {
  const { app, partition: p, accountId: a } = ctx;
  const at = (service: string, resource: string) => `arn:${p}:${service}:*:${a}:${resource}`;
  return {
    stacks: envPatterns.map((e) => at('cloudformation', `stack/${app}-${e}/*`)),
    parameters: envPatterns.map((e) => at('ssm', `parameter/${app}/${e}`)),
    buckets: envPatterns.flatMap((e) => [
      `arn:${p}:s3:::${app}-${e}`,
      `arn:${p}:s3:::${app}-${e}/*`,
    ]),
    repositories: envPatterns.map((e) => at('ecr', `repository/${app}-${e}`)),
    functions: envPatterns.map((e) => at('lambda', `function:${app}-${e}`)),
    /** Lambda layers named after the stack (the site upload's AWS CLI layer, `<stack>-awscli`). */
    layers: envPatterns.map((e) => at('lambda', `layer:${app}-${e}`)),
    roles: envPatterns.map((e) => `arn:${p}:iam::${a}:role/${app}-${e}`),
    /** The jobs' task and execution roles (IAM path `JOB_ROLE_PATH`). */
    jobRoles: envPatterns.map((e) => `arn:${p}:iam::${a}:role${JOB_ROLE_PATH}${app}-${e}`),
    // `/<app>/<env>/...` and every group named after a stack or cluster (`<app>-<env>-...`,
    // `/aws/lambda/<app>-<env>-...`, `/aws/ecs/containerinsights/<app>-<env>-...`,
    // `/aws/docdb/<app>-<env>-...`, `/aws/rds/cluster/<app>-<env>-...`).
    logGroups: envPatterns.flatMap((e) => [
      at('logs', `log-group:/${app}/${e}`),
      at('logs', `log-group:*${app}-${e}`),
    ]),
  };
}

/** Resources of the platform and branch-env's own stacks, for the denies. */
function reservedArns(ctx: ClassPolicyContext) {
  const { app, partition: p, accountId: a } = ctx;
  const platform = RESERVED.platformStack(app);
  const at = (service: string, resource: string) => `arn:${p}:${service}:*:${a}:${resource}`;
  return {
    stacks: [
      at('cloudformation', `stack/${platform}*/*`),
      at('cloudformation', `stack/${RESERVED.bootstrapStack(app)}*/*`),
      at('cloudformation', `stack/${RESERVED.cdkToolkitStack}/*`),
    ],
    platformData: [
      at('ssm', `parameter${RESERVED.platformParameters(app)}*`),
      `arn:${p}:s3:::${platform}*`,
      at('ecr', `repository/${platform}*`),
      at('lambda', `function:${platform}*`),
      at('logs', `log-group:*${platform}*`),
      at('logs', `log-group:/${app}/_platform/*`),
      `arn:${p}:iam::${a}:role/${platform}*`,
      at('secretsmanager', `secret:${platform}*`),
      // The listeners and rules of the platform's (named) load balancers.
      ...['listener', 'listener-rule'].map((kind) =>
        at('elasticloadbalancing', `${kind}/app/${platformLoadBalancerPrefix(app)}-*`),
      ),
    ],
    roles: ctx.allRoles.flatMap((c) => [
      `arn:${p}:iam::${a}:role/${roleName(c.deployRoleArn)}`,
      `arn:${p}:iam::${a}:role/${roleName(c.executionRoleArn)}`,
    ]),
    boundaries: ctx.allRoles.map((c) => c.permissionsBoundaryArn),
    functions: at('lambda', `function:${platform}*`),
    executionRoles: ctx.allRoles.map((c) => c.executionRoleArn),
  };
}

/** Every CloudFormation action that creates, changes or deletes a stack. */
const STACK_WRITES = [
  'cloudformation:C*',
  'cloudformation:Delete*',
  'cloudformation:Update*',
  'cloudformation:ExecuteChangeSet',
  'cloudformation:Set*',
];

/** The denies both the boundary and the execution policy carry. */
function guardStatements(ctx: ClassPolicyContext): iam.PolicyStatement[] {
  const reserved = reservedArns(ctx);
  const statements = [
    new iam.PolicyStatement({
      sid: 'DenyBootstrapAndPlatformStacks',
      effect: iam.Effect.DENY,
      actions: STACK_WRITES,
      resources: reserved.stacks,
    }),
    new iam.PolicyStatement({
      sid: 'DenyPlatformWrites',
      effect: iam.Effect.DENY,
      actions: [
        'ssm:PutParameter',
        // DeleteParameter and DeleteParameters; Add-, Remove- (and List-) TagsToResource: short
        // patterns, since the boundary must stay under IAM's 6,144 characters.
        'ssm:DeleteParameter*',
        'ssm:*Tags*Resource',
        's3:Delete*',
        's3:Put*',
        'ecr:Delete*',
        'ecr:BatchDeleteImage',
        // Not ecr:PutImage: each class pushes its images to its own platform repositories
        // (PushPlatformImages); their lifecycle, scanning, tag mutability and policy stay denied.
        'ecr:PutImageS*',
        'ecr:PutImageT*',
        'ecr:PutL*',
        'ecr:SetR*',
        'logs:Delete*',
        'logs:Put*',
        'iam:*Role*',
        // The shared clusters' master secrets: only the platform's provisioner reads them.
        'secretsmanager:GetSecretValue',
        // The platform's load balancers, listeners and rules: only its router writes rules
        // (SetRulePriorities has no tag condition key; listeners carry no tags).
        'elasticloadbalancing:*',
      ],
      resources: reserved.platformData,
    }),
    new iam.PolicyStatement({
      sid: 'DenyChangingTheDeployRoles',
      effect: iam.Effect.DENY,
      // Not iam:PassRole and iam:GetRole: the roles pass their execution role.
      actions: [
        'Create*',
        'Delete*',
        'Update*',
        'Put*',
        'Attach*',
        'Detach*',
        'Tag*',
        'Untag*',
      ].map((v) => `iam:${v}`),
      resources: reserved.roles,
    }),
    new iam.PolicyStatement({
      sid: 'DenyChangingTheBoundaries',
      effect: iam.Effect.DENY,
      actions: [
        'iam:CreatePolicyVersion',
        'iam:DeletePolicy',
        'iam:DeletePolicyVersion',
        'iam:SetDefaultPolicyVersion',
        'iam:TagPolicy',
        'iam:UntagPolicy',
      ],
      resources: reserved.boundaries,
    }),
    new iam.PolicyStatement({
      sid: 'DenyRolesOutsideTheBoundary',
      effect: iam.Effect.DENY,
      actions: [
        'iam:CreateRole',
        'iam:PutRolePermissionsBoundary',
        'iam:PutRolePolicy',
        'iam:AttachRolePolicy',
      ],
      resources: ['*'],
      conditions: {
        StringNotEquals: { 'iam:PermissionsBoundary': ctx.roles.permissionsBoundaryArn },
      },
    }),
    // The shared database provisioner derives the environment from the calling stack: only
    // CloudFormation (an execution role) may call it (docs/platform.md, "Shared databases").
    new iam.PolicyStatement({
      sid: 'DenyInvokingThePlatform',
      effect: iam.Effect.DENY,
      actions: ['lambda:Invoke*'],
      resources: [reserved.functions],
      conditions: { ArnNotLike: { 'aws:PrincipalArn': reserved.executionRoles } },
    }),
    new iam.PolicyStatement({
      sid: 'DenyLongLivedCredentials',
      effect: iam.Effect.DENY,
      actions: [
        'iam:DeleteRolePermissionsBoundary',
        'iam:*User*',
        'iam:*AccessKey*',
        'iam:*LoginProfile*',
        'iam:*OpenIDConnectProvider*',
        'iam:*SAMLProvider*',
      ],
      resources: ['*'],
    }),
  ];
  if (ctx.protectionClass === 'unprotected' && ctx.scopes.protected.length > 0) {
    const prot = arnsOf(ctx, protectedPatterns(ctx));
    statements.push(
      new iam.PolicyStatement({
        sid: 'DenyProtectedEnvironmentsByName',
        effect: iam.Effect.DENY,
        actions: [
          ...STACK_WRITES,
          'ssm:Put*',
          'ssm:Delete*',
          's3:Delete*',
          's3:Put*',
          'logs:Delete*',
          'logs:Put*',
          'iam:*Role*',
        ],
        resources: [
          ...prot.stacks,
          ...prot.parameters,
          // `<app>-<prefix>*` already matches the objects (`*` matches `/` in an ARN pattern).
          ...prot.buckets.filter((b) => !b.endsWith('*/*')),
          ...prot.logGroups,
          ...prot.roles,
        ],
      }),
      new iam.PolicyStatement({
        sid: 'DenyProtectedEnvironmentsByTag',
        effect: iam.Effect.DENY,
        actions: TAGGED_SERVICES.map((s) => `${s}:*`),
        resources: ['*'],
        conditions: {
          StringLike: { [`aws:ResourceTag/${TAG_KEYS.environment}`]: protectedPatterns(ctx) },
        },
      }),
    );
  }
  return statements;
}

/**
 * The permissions boundary of a class: anything (each role's own policy narrows it), except the
 * guards: no change to the boundaries, the deploy and execution roles, the bootstrap, CDK toolkit
 * and platform stacks; no role without this boundary; no IAM users, keys or identity providers;
 * for the unprotected class, nothing that changes a protected environment.
 */
export function boundaryStatements(ctx: ClassPolicyContext): iam.PolicyStatement[] {
  return [
    new iam.PolicyStatement({ sid: 'WithinTheGuards', actions: ['*'], resources: ['*'] }),
    // Without their Sids (named in the source): the boundary must stay under IAM's 6,144
    // characters for every app name (a test checks the longest, 32).
    ...guardStatements(ctx).map((st) => {
      const json = { ...(st.toStatementJson() as Record<string, unknown>) };
      delete json['Sid'];
      return iam.PolicyStatement.fromJson(json);
    }),
  ];
}

/**
 * What CloudFormation may do for the class's stacks (its execution role): the services an
 * environment is built from. Services whose ARNs carry a name CloudFormation derives from the
 * stack name (`<app>-<env>-…`) are scoped to the class's names; IAM roles only with this class's
 * boundary; the rest by the guards' tag denies.
 */
export function executionStatements(ctx: ClassPolicyContext): iam.PolicyStatement[] {
  const own = arnsOf(ctx, namePatterns(ctx));
  const { partition: p, accountId: a, regions, qualifier } = ctx;
  const tagPatterns = namePatterns(ctx);
  const statements = [
    new iam.PolicyStatement({
      sid: 'EnvironmentServices',
      actions: [
        'ec2:*',
        'ecs:*',
        'elasticloadbalancing:*',
        'application-autoscaling:*',
        'cloudwatch:*',
        'sns:*',
        'cloudfront:*',
        'acm:*',
        'rds:*',
        'servicediscovery:*',
        'logs:DescribeLogGroups',
        'logs:CreateLogDelivery',
        'logs:DeleteLogDelivery',
        'logs:GetLogDelivery',
        'logs:ListLogDeliveries',
        'secretsmanager:GetRandomPassword',
        'ecr:GetAuthorizationToken',
        'ssm:DescribeParameters',
        'kms:DescribeKey',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'OwnBuckets',
      actions: ['s3:*'],
      resources: own.buckets,
    }),
    new iam.PolicyStatement({
      sid: 'ReadOwnAssets',
      actions: ['s3:GetObject', 's3:GetBucketLocation', 's3:ListBucket'],
      resources: regions.flatMap((r) => [
        `arn:${p}:s3:::cdk-${qualifier}-assets-${a}-${r}`,
        `arn:${p}:s3:::cdk-${qualifier}-assets-${a}-${r}/${ctx.roles.assetPrefix}*`,
      ]),
    }),
    new iam.PolicyStatement({
      sid: 'OwnParameters',
      actions: ['ssm:*'],
      resources: own.parameters,
    }),
    new iam.PolicyStatement({
      sid: 'ReadAppParameters',
      actions: ['ssm:GetParameter', 'ssm:GetParameters'],
      resources: regions.flatMap((r) => [
        `arn:${p}:ssm:${r}:${a}:parameter/${ctx.app}/*`,
        `arn:${p}:ssm:${r}:${a}:parameter/cdk-bootstrap/${qualifier}/*`,
      ]),
    }),
    new iam.PolicyStatement({ sid: 'OwnLogGroups', actions: ['logs:*'], resources: own.logGroups }),
    new iam.PolicyStatement({
      sid: 'OwnRepositories',
      actions: ['ecr:*'],
      resources: own.repositories,
    }),
    new iam.PolicyStatement({
      sid: 'OwnFunctions',
      actions: ['lambda:*'],
      resources: [...own.functions, ...own.layers],
    }),
    new iam.PolicyStatement({
      // Custom::SharedDatabase and Custom::BranchEnvListenerRule: CloudFormation invokes the
      // platform's database provisioner and listener-rule router with this role.
      sid: 'PlatformCustomResources',
      actions: ['lambda:InvokeFunction'],
      resources: [databaseProvisionerName(ctx.app), listenerRouterName(ctx.app)].map(
        (name) => `arn:${p}:lambda:*:${a}:function:${name}`,
      ),
    }),
    new iam.PolicyStatement({
      sid: 'CreateOwnSecrets',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:TagResource'],
      resources: [`arn:${p}:secretsmanager:*:${a}:secret:*`],
      conditions: {
        StringEquals: { [`aws:RequestTag/${TAG_KEYS.app}`]: ctx.app },
        StringLike: { [`aws:RequestTag/${TAG_KEYS.environment}`]: tagPatterns },
      },
    }),
    new iam.PolicyStatement({
      sid: 'OwnSecrets',
      actions: ['secretsmanager:*'],
      resources: [`arn:${p}:secretsmanager:*:${a}:secret:*`],
      conditions: {
        StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: ctx.app },
        StringLike: { [`aws:ResourceTag/${TAG_KEYS.environment}`]: tagPatterns },
      },
    }),
    new iam.PolicyStatement({
      sid: 'OwnRolesWithinTheBoundary',
      actions: ['iam:CreateRole', 'iam:PutRolePolicy', 'iam:AttachRolePolicy'],
      resources: [...own.roles, ...own.jobRoles],
      conditions: {
        StringEquals: { 'iam:PermissionsBoundary': ctx.roles.permissionsBoundaryArn },
      },
    }),
    new iam.PolicyStatement({
      sid: 'OwnRoles',
      actions: [
        'iam:GetRole',
        'iam:GetRolePolicy',
        'iam:ListRolePolicies',
        'iam:ListAttachedRolePolicies',
        'iam:DeleteRole',
        'iam:DeleteRolePolicy',
        'iam:DetachRolePolicy',
        'iam:UpdateAssumeRolePolicy',
        'iam:TagRole',
        'iam:UntagRole',
        'iam:PassRole',
      ],
      resources: [...own.roles, ...own.jobRoles],
    }),
    new iam.PolicyStatement({
      sid: 'ServiceLinkedRoles',
      actions: ['iam:CreateServiceLinkedRole'],
      resources: [`arn:${p}:iam::${a}:role/aws-service-role/*`],
      conditions: {
        StringEquals: {
          'iam:AWSServiceName': [
            'ecs.amazonaws.com',
            'elasticloadbalancing.amazonaws.com',
            'rds.amazonaws.com',
            'ecs.application-autoscaling.amazonaws.com',
          ],
        },
      },
    }),
  ];
  if (ctx.protectionClass === 'unprotected') statements.push(...sharedLoadBalancerGuards(ctx));
  if (ctx.domain) {
    const zone = `arn:${p}:route53:::hostedzone/${ctx.domain.hostedZoneId}`;
    const domain = ctx.domain.name.toLowerCase();
    statements.push(
      new iam.PolicyStatement({
        sid: 'ReadZone',
        actions: ['route53:GetHostedZone', 'route53:ListResourceRecordSets', 'route53:GetChange'],
        resources: [zone, `arn:${p}:route53:::change/*`],
      }),
      new iam.PolicyStatement({
        sid: 'OwnRecords',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zone],
        conditions:
          ctx.protectionClass === 'unprotected'
            ? {
                'ForAllValues:StringLike': {
                  'route53:ChangeResourceRecordSetsNormalizedRecordNames': tagPatterns.flatMap(
                    (e) => [`${e}.${domain}`, `_*.${e}.${domain}`],
                  ),
                },
              }
            : undefined,
      }),
    );
  }
  // The guards (denies) are in the boundary every role of the class carries.
  return statements;
}

/**
 * The shared load balancer (docs/platform.md): an unprotected class's stacks create listener
 * rules on the platform's listener and their own target groups, each tagged with its environment
 * (`branch-env:environment`, from the stack's tags). Its execution role may change or delete only
 * load-balancing resources tagged with one of its class's environments, so never the platform's
 * load balancer or listener (tagged with the app only) nor a rule or target group of another
 * class's environment; and may create rules, target groups and listeners only with such a tag
 * (ELB tags on create; the `AddTags` of a create, `elasticloadbalancing:CreateAction`, is the
 * create's). Rules on the platform's listeners are the router's alone: the guards deny every rule
 * change on the platform's load balancers by ARN (SetRulePriorities has no resource-tag condition
 * key), so these denies matter for target groups and a dedicated environment's own load balancer.
 * In the execution policy, not the boundary: the boundary must stay under IAM's 6,144 characters,
 * and the class's OIDC role has no load-balancing permission of its own.
 */
function sharedLoadBalancerGuards(ctx: ClassPolicyContext): iam.PolicyStatement[] {
  const environments = namePatterns(ctx);
  return [
    new iam.PolicyStatement({
      sid: 'DenyOthersLoadBalancing',
      effect: iam.Effect.DENY,
      actions: [
        'Modify*',
        'Delete*',
        'Add*',
        'Remove*',
        'RegisterTargets',
        'DeregisterTargets',
        'SetSecurityGroups',
        'SetSubnets',
        'SetIpAddressType',
      ].map((a) => `elasticloadbalancing:${a}`),
      resources: ['*'],
      conditions: {
        StringNotLike: { [`aws:ResourceTag/${TAG_KEYS.environment}`]: environments },
        Null: { 'elasticloadbalancing:CreateAction': 'true' },
      },
    }),
    new iam.PolicyStatement({
      sid: 'DenyLoadBalancingCreatesForOthers',
      effect: iam.Effect.DENY,
      actions: ['CreateRule', 'CreateTargetGroup', 'CreateListener'].map(
        (a) => `elasticloadbalancing:${a}`,
      ),
      resources: ['*'],
      conditions: {
        StringNotLike: { [`aws:RequestTag/${TAG_KEYS.environment}`]: environments },
      },
    }),
  ];
}

/**
 * The OIDC role's own permissions: publish the class's assets, drive CloudFormation on the class's
 * stacks with the class's execution role, and what `destroy`, `reap`, `list` and `experiment`
 * call directly, each on the class's names.
 */
export function deployStatements(ctx: ClassPolicyContext): iam.PolicyStatement[] {
  const own = arnsOf(ctx, namePatterns(ctx));
  const { partition: p, accountId: a, regions, qualifier, app } = ctx;
  const statements = [
    new iam.PolicyStatement({
      sid: 'ReadStacks',
      actions: [
        'cloudformation:DescribeStacks',
        'cloudformation:ListStacks',
        'cloudformation:ListExports',
        'cloudformation:GetTemplateSummary',
      ],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'DeployAndDeleteOwnStacks',
      actions: [
        'cloudformation:CreateChangeSet',
        'cloudformation:DescribeChangeSet',
        'cloudformation:ExecuteChangeSet',
        'cloudformation:DeleteChangeSet',
        'cloudformation:ListChangeSets',
        'cloudformation:CancelUpdateStack',
        'cloudformation:DeleteStack',
        'cloudformation:DescribeStackEvents',
        'cloudformation:ListStackResources',
        'cloudformation:GetTemplate',
        'cloudformation:UpdateTerminationProtection',
        'cloudformation:TagResource',
      ],
      resources: own.stacks,
      // Stacks carry the app's tag: another app whose stack names start with these is not ours.
      conditions: { StringEqualsIfExists: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
    }),
    new iam.PolicyStatement({
      sid: 'AssumeItself',
      actions: ['sts:AssumeRole', 'sts:TagSession'],
      resources: [ctx.roles.deployRoleArn],
    }),
    new iam.PolicyStatement({
      sid: 'PassOwnExecutionRole',
      actions: ['iam:PassRole'],
      resources: [ctx.roles.executionRoleArn],
      conditions: { StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' } },
    }),
    new iam.PolicyStatement({
      sid: 'PublishOwnFileAssets',
      actions: ['s3:GetObject', 's3:PutObject', 's3:GetBucketLocation', 's3:ListBucket'],
      resources: regions.flatMap((r) => [
        `arn:${p}:s3:::cdk-${qualifier}-assets-${a}-${r}`,
        `arn:${p}:s3:::cdk-${qualifier}-assets-${a}-${r}/${ctx.roles.assetPrefix}*`,
      ]),
    }),
    new iam.PolicyStatement({
      sid: 'PublishImageAssets',
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:BatchGetImage',
        'ecr:DescribeImages',
        'ecr:DescribeRepositories',
      ],
      resources: regions.map(
        (r) => `arn:${p}:ecr:${r}:${a}:repository/cdk-${qualifier}-container-assets-${a}-${r}`,
      ),
    }),
    // `branch-env image push` (docs/images.md): the commit's images into this class's repositories
    // of the account platform, with the BuildKit cache read back (BatchGetImage,
    // GetDownloadUrlForLayer); never another class's, so no branch pushes what a protected
    // environment runs.
    new iam.PolicyStatement({
      sid: 'PushPlatformImages',
      actions: [
        'ecr:BatchCheckLayerAvailability',
        'ecr:InitiateLayerUpload',
        'ecr:UploadLayerPart',
        'ecr:CompleteLayerUpload',
        'ecr:PutImage',
        'ecr:BatchGetImage',
        'ecr:GetDownloadUrlForLayer',
        'ecr:DescribeImages',
      ],
      resources: regions.map(
        (r) =>
          `arn:${p}:ecr:${r}:${a}:repository/${imageRepositoryPrefix(app, ctx.protectionClass)}*`,
      ),
    }),
    new iam.PolicyStatement({
      sid: 'RegistryLogin',
      actions: ['ecr:GetAuthorizationToken'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'ReadConfigBus',
      actions: [
        'ssm:GetParameter',
        'ssm:GetParameters',
        'ssm:GetParametersByPath',
        'ssm:ListTagsForResource',
      ],
      // `parameter/<app>` too: GetParametersByPath on `/<app>/` is authorized on the path itself.
      resources: regions.flatMap((r) => [
        `arn:${p}:ssm:${r}:${a}:parameter/${app}`,
        `arn:${p}:ssm:${r}:${a}:parameter/${app}/*`,
        `arn:${p}:ssm:${r}:${a}:parameter/cdk-bootstrap/${qualifier}/*`,
      ]),
    }),
    new iam.PolicyStatement({
      sid: 'WriteOwnConfigBus',
      actions: [
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:DeleteParameters',
        'ssm:AddTagsToResource',
      ],
      resources: own.parameters,
    }),
    new iam.PolicyStatement({
      sid: 'TagScanAfterDestroy',
      actions: ['tag:GetResources'],
      resources: ['*'],
    }),
    new iam.PolicyStatement({
      sid: 'EmptyOwnBuckets',
      actions: ['s3:ListBucketVersions', 's3:DeleteObject', 's3:DeleteObjectVersion'],
      resources: own.buckets,
    }),
    new iam.PolicyStatement({
      sid: 'ExperimentResultObjects',
      actions: ['s3:GetObject', 's3:PutObject'],
      resources: namePatterns(ctx).map((e) => `arn:${p}:s3:::${app}-${e}/experiments/*`),
    }),
    new iam.PolicyStatement({
      sid: 'ReadAppSecretState',
      actions: ['secretsmanager:DescribeSecret'],
      resources: [`arn:${p}:secretsmanager:*:${a}:secret:*`],
      conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
    }),
    new iam.PolicyStatement({
      sid: 'CleanOwnRegistries',
      actions: [
        'ecr:DescribeRepositories',
        'ecr:ListImages',
        'ecr:BatchDeleteImage',
        'ecr:DeleteRepository',
      ],
      resources: own.repositories,
    }),
    new iam.PolicyStatement({
      sid: 'FindLogGroups',
      actions: ['logs:DescribeLogGroups'],
      resources: [`arn:${p}:logs:*:${a}:log-group:*`],
    }),
    new iam.PolicyStatement({
      sid: 'DeleteOwnLogGroups',
      actions: ['logs:DeleteLogGroup'],
      resources: own.logGroups,
    }),
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
    // Listener-rule priorities of shared environments: claimed by deploy (Overwrite=false), released
    // by destroy. Another class's claim can be deleted, at worst failing a deploy on a duplicate
    // priority (docs/platform.md); the platform's own parameters (/<app>/_platform/) stay denied by the boundary.
    new iam.PolicyStatement({
      sid: 'ClaimListenerRules',
      actions: [
        'ssm:PutParameter',
        'ssm:DeleteParameter',
        'ssm:AddTagsToResource',
        'ssm:GetParametersByPath',
      ],
      resources: regions.flatMap((r) => [
        `arn:${p}:ssm:${r}:${a}:parameter${listenerRuleClaimsPrefix(app).replace(/\/$/, '')}`,
        `arn:${p}:ssm:${r}:${a}:parameter${listenerRuleClaimsPrefix(app)}*`,
      ]),
    }),
    // `branch-env doctor` (read-only): service-linked roles and the GitHub OIDC provider exist.
    new iam.PolicyStatement({
      sid: 'DoctorIdentity',
      actions: ['iam:GetRole', 'iam:GetOpenIDConnectProvider'],
      resources: [
        `arn:${p}:iam::${a}:role/aws-service-role/*`,
        `arn:${p}:iam::${a}:oidc-provider/token.actions.githubusercontent.com`,
      ],
    }),
    // deploy's placement watchdog reads the services it deploys (named <stack>-<id>-<hash> by
    // CloudFormation, in the platform's or their own cluster) and their stopped tasks (read-only).
    new iam.PolicyStatement({
      sid: 'WatchOwnServices',
      actions: ['ecs:DescribeServices'],
      resources: namePatterns(ctx).map((e) => `arn:${p}:ecs:*:${a}:service/*/${app}-${e}`),
    }),
    new iam.PolicyStatement({
      sid: 'WatchStoppedTasks',
      actions: ['ecs:ListTasks', 'ecs:DescribeTasks'],
      resources: ['*'],
    }),
    // deploy checks that every application secret has a value (names only, never values).
    new iam.PolicyStatement({
      sid: 'ListAppSecrets',
      actions: ['secretsmanager:ListSecrets'],
      resources: ['*'],
    }),
    // destroy schedules the environment's own application secrets (/<app>/<env>/secrets/*) for deletion.
    new iam.PolicyStatement({
      sid: 'DeleteOwnAppSecrets',
      actions: ['secretsmanager:DeleteSecret'],
      resources: namePatterns(ctx).map(
        (e) => `arn:${p}:secretsmanager:*:${a}:secret:/${app}/${e}/secrets/*`,
      ),
      conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
    }),
  ];
  if (ctx.domain) {
    const zone = `arn:${p}:route53:::hostedzone/${ctx.domain.hostedZoneId}`;
    const domain = ctx.domain.name.toLowerCase();
    statements.push(
      // ACM leaves its DNS validation CNAMEs in the zone; destroy deletes its own environment's.
      new iam.PolicyStatement({
        sid: 'FindValidationRecords',
        actions: ['route53:ListResourceRecordSets', 'route53:GetHostedZone'],
        resources: [zone],
      }),
      new iam.PolicyStatement({
        sid: 'DeleteValidationRecords',
        actions: ['route53:ChangeResourceRecordSets'],
        resources: [zone],
        conditions: {
          'ForAllValues:StringEquals': {
            'route53:ChangeResourceRecordSetsActions': ['DELETE'],
            'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
          },
          'ForAllValues:StringLike': {
            'route53:ChangeResourceRecordSetsNormalizedRecordNames': namePatterns(ctx).map(
              (e) => `_*.${e}.${domain}`,
            ),
          },
        },
      }),
    );
  }
  // The guards (denies) are in the boundary every role of the class carries.
  return statements;
}
