import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { listenerRouterName, platformLoadBalancerPrefix, TAG_KEYS } from '@branch-env/core';
import { Construct } from 'constructs';
import { esbuildCode } from '../private/esbuild-code.js';
import { OIDC_TOKEN_ENDPOINT_TAG } from './router/decide.js';

/** dist/platform/router: the compiled handler esbuild bundles. */
const ROUTER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'router');

export interface ListenerRouterProps {
  readonly app: string;
  /** The platform's domain: a rule matches `<environment>.<domain>`. */
  readonly domain: string;
  /** The platform's HTTPS listeners. */
  readonly listeners: readonly elbv2.IApplicationListener[];
  /** @default 30 */
  readonly logRetentionDays?: number;
}

/**
 * The listener-rule router (docs/platform.md, "Who writes the listener rules"): the Lambda behind
 * `Custom::BranchEnvListenerRule`, named so that the class execution roles may invoke it. It alone
 * writes rules on the platform's listeners (the deploy roles' boundary denies every rule change on
 * the platform's load balancers), each for the requesting stack's own host and target groups.
 */
export class ListenerRouter extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ListenerRouterProps) {
    super(scope, id);
    const { app } = props;
    const { partition, account, region } = Stack.of(this);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: (props.logRetentionDays ?? 30) as logs.RetentionDays,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `branch-env ${app}: the listener-rule router (writes each shared environment's rules on the platform listeners)`,
    });
    this.function = new lambda.Function(this, 'Function', {
      functionName: listenerRouterName(app),
      description: `branch-env ${app}: Custom::BranchEnvListenerRule, each shared environment's host rules on the platform listeners`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: esbuildCode(ROUTER_DIR, 'handler'),
      timeout: Duration.minutes(1),
      memorySize: 256,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        APP: app,
        DOMAIN: props.domain,
        LISTENER_ARNS: props.listeners.map((l) => l.listenerArn).join(','),
      },
    });

    const rules = `arn:${partition}:elasticloadbalancing:${region}:${account}:listener-rule/app/${platformLoadBalancerPrefix(app)}-*`;
    const statements = [
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}:*`],
      }),
      new iam.PolicyStatement({
        sid: 'RequestingStacks',
        actions: ['cloudformation:DescribeStacks'],
        resources: [`arn:${partition}:cloudformation:${region}:${account}:stack/${app}-*/*`],
      }),
      // Describe calls have no resource-level permissions.
      new iam.PolicyStatement({
        sid: 'ReadRulesAndTags',
        actions: ['elasticloadbalancing:DescribeRules', 'elasticloadbalancing:DescribeTags'],
        resources: ['*'],
      }),
      new iam.PolicyStatement({
        sid: 'CreateRulesOnThePlatformListeners',
        actions: ['elasticloadbalancing:CreateRule'],
        resources: props.listeners.map((l) => l.listenerArn),
        conditions: { StringEquals: { [`aws:RequestTag/${TAG_KEYS.app}`]: app } },
      }),
      new iam.PolicyStatement({
        // The tags of its own creates only (ELB authorizes a create's tags as AddTags).
        sid: 'TagRulesOnCreate',
        actions: ['elasticloadbalancing:AddTags'],
        resources: [rules],
        conditions: { StringEquals: { 'elasticloadbalancing:CreateAction': 'CreateRule' } },
      }),
      new iam.PolicyStatement({
        sid: 'ChangeTheAppsRules',
        actions: [
          'elasticloadbalancing:ModifyRule',
          'elasticloadbalancing:DeleteRule',
          'elasticloadbalancing:AddTags',
          'elasticloadbalancing:RemoveTags',
        ],
        resources: [rules],
        conditions: { StringEquals: { [`aws:ResourceTag/${TAG_KEYS.app}`]: app } },
      }),
      new iam.PolicyStatement({
        // No resource-tag condition key exists for SetRulePriorities: the platform's rules only.
        sid: 'ReorderThePlatformsRules',
        actions: ['elasticloadbalancing:SetRulePriorities'],
        resources: [rules],
      }),
      new iam.PolicyStatement({
        // OIDC client secrets of private previews, only those tagged with the token endpoint they
        // may be sent to; the router checks the tag against the request.
        sid: 'OidcClientSecrets',
        actions: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        resources: [`arn:${partition}:secretsmanager:${region}:${account}:secret:*`],
        conditions: {
          Null: { [`aws:ResourceTag/${OIDC_TOKEN_ENDPOINT_TAG}`]: 'false' },
        },
      }),
    ];
    for (const statement of statements) this.role.addToPolicy(statement);
  }

  /**
   * The platform's sleeper: a rule forwarding to one of its waker target groups is asleep, and an
   * update keeps it there (the tasks are not running yet) and asks the sleeper to wake the
   * environment (`{ branchEnvWake: <env> }`, asynchronously).
   */
  wakeWith(sleeper: lambda.IFunction, wakers: readonly elbv2.ITargetGroup[]): void {
    this.function.addEnvironment('SLEEPER', sleeper.functionName);
    this.function.addEnvironment(
      'WAKER_TARGET_GROUP_ARNS',
      Fn.join(
        ',',
        wakers.map((w) => w.targetGroupArn),
      ),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'WakeTheSleeper',
        actions: ['lambda:InvokeFunction'],
        resources: [sleeper.functionArn],
      }),
    );
  }
}
