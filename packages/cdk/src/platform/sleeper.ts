import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duration, Fn, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { TAG_KEYS } from '@branch-env/core';
import { Construct } from 'constructs';
import { esbuildCode } from '../private/esbuild-code.js';
import { ECS_DESIRED_COUNT, SLEEPER_ENV, WOKEN_AT_TAG, type SweepEvent } from './sleeper/decide.js';

/** dist/platform/sleeper: the compiled handler esbuild bundles (it ships in the package). */
const SLEEPER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'sleeper');

/** A platform load balancer and the HTTPS listener the environments' rules are on. */
export interface SleeperLoadBalancer {
  readonly loadBalancer: elbv2.ApplicationLoadBalancer;
  readonly httpsListener: elbv2.IApplicationListener;
}

export interface SleeperProps {
  /** The config's `app`: only rules and services tagged `branch-env:app` = app are touched. */
  readonly app: string;
  /** The platform's cluster, where the shared environments' services run. */
  readonly cluster: ecs.ICluster;
  /** The platform's load balancers (a waker target group each) and their HTTPS listeners. */
  readonly loadBalancers: readonly SleeperLoadBalancer[];
  readonly logRetentionDays: number;
  /** Of the log group. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * How often the sweep runs.
   * @default Duration.minutes(5)
   */
  readonly sweepEvery?: Duration;
}

/**
 * Sleep and wake of the shared environments (issue 11; the tags are the contract with the
 * router): a Node.js Lambda (arm64) that, every five minutes, puts environments that had no
 * request for their `branch-env:sleep-after` minutes to sleep (their rules forward to a waker
 * target group of this function, their services scale to 0) and brings back the rules of woken
 * ones; and that, as the target of the waker target groups, wakes the environment a request's Host
 * names and answers a small "waking" page. No cost while idle beyond the sweep's invocations and
 * GetMetricData.
 *
 * Its role may modify only this app's rules (tag condition) on the platform's load balancers,
 * update and tag only this app's services (tag condition) in the platform cluster, suspend or
 * resume only ECS desired-count scaling, and read what it decides from.
 */
export class Sleeper extends Construct {
  readonly function: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** One waker target group per load balancer, in the order of `loadBalancers`. */
  readonly wakerTargetGroups: readonly elbv2.ApplicationTargetGroup[];
  readonly schedule: events.Rule;
  readonly cluster: ecs.ICluster;
  readonly loadBalancers: readonly elbv2.ApplicationLoadBalancer[];

  constructor(scope: Construct, id: string, props: SleeperProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const { app, cluster } = props;
    this.cluster = cluster;
    this.loadBalancers = props.loadBalancers.map((l) => l.loadBalancer);
    if (props.loadBalancers.length === 0) {
      throw new Error('bug: the sleeper needs at least one load balancer');
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `branch-env ${app} platform sleeper: scales idle shared environments to 0 and back`,
    });
    const allow = (
      sid: string,
      actions: string[],
      resources: string[],
      conditions?: Record<string, Record<string, unknown>>,
    ): void => {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid,
          actions,
          resources,
          ...(conditions === undefined ? {} : { conditions }),
        }),
      );
    };
    const appTag = { [`aws:ResourceTag/${TAG_KEYS.app}`]: app };
    const services = `arn:${partition}:ecs:${region}:${account}:service/${cluster.clusterName}/*`;

    allow(
      'Logs',
      ['logs:CreateLogStream', 'logs:PutLogEvents'],
      [`${this.logGroup.logGroupArn}:*`],
    );
    // Describe* of Elastic Load Balancing have no resource-level permissions.
    allow(
      'ReadRules',
      [
        'elasticloadbalancing:DescribeRules',
        'elasticloadbalancing:DescribeTags',
        'elasticloadbalancing:DescribeTargetHealth',
      ],
      ['*'],
    );
    allow(
      'ModifyAppRules',
      ['elasticloadbalancing:ModifyRule'],
      props.loadBalancers.map(
        (l) =>
          `arn:${partition}:elasticloadbalancing:${region}:${account}:listener-rule/${l.loadBalancer.loadBalancerFullName}/*`,
      ),
      { StringEquals: appTag },
    );
    allow('ListServices', ['ecs:ListServices'], ['*'], {
      ArnEquals: { 'ecs:cluster': cluster.clusterArn },
    });
    allow('DescribeServices', ['ecs:DescribeServices'], [services]);
    allow('ScaleAppServices', ['ecs:UpdateService'], [services], { StringEquals: appTag });
    allow('TagAppServices', ['ecs:TagResource'], [services], {
      StringEquals: appTag,
      'ForAllValues:StringEquals': { 'aws:TagKeys': [TAG_KEYS.awakeCount, WOKEN_AT_TAG] },
    });
    // DescribeScalableTargets has no resource-level permissions; RegisterScalableTarget cannot be
    // scoped by the target's resource id (the ARN has a generated id): by namespace and dimension.
    allow('ReadScaling', ['application-autoscaling:DescribeScalableTargets'], ['*']);
    allow(
      'SuspendServiceScaling',
      ['application-autoscaling:RegisterScalableTarget'],
      [`arn:${partition}:application-autoscaling:${region}:${account}:scalable-target/*`],
      {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': ECS_DESIRED_COUNT,
        },
      },
    );
    // GetMetricData has no resource-level permissions for metric queries.
    allow('ReadRequestCounts', ['cloudwatch:GetMetricData'], ['*']);

    this.function = new lambda.Function(this, 'Function', {
      description: `branch-env ${app}: puts idle shared environments to sleep and wakes them on the next request`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: esbuildCode(SLEEPER_DIR, 'handler'),
      memorySize: 256,
      // A sweep reads every rule, service and series; a wake answers the load balancer in time.
      timeout: Duration.minutes(1),
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        [SLEEPER_ENV.app]: app,
        [SLEEPER_ENV.cluster]: cluster.clusterArn,
        [SLEEPER_ENV.listenerArns]: Fn.join(
          ',',
          props.loadBalancers.map((l) => l.httpsListener.listenerArn),
        ),
      },
    });
    // Load balancers invoke it from target groups of this account and region (the groups' own
    // ARNs would be a cycle: a group registers the function after this permission exists).
    const invoke = new lambda.CfnPermission(this, 'LoadBalancerInvoke', {
      action: 'lambda:InvokeFunction',
      functionName: this.function.functionArn,
      principal: 'elasticloadbalancing.amazonaws.com',
      sourceAccount: account,
      sourceArn: `arn:${partition}:elasticloadbalancing:${region}:${account}:targetgroup/*`,
    });
    const fn = this.function;
    this.wakerTargetGroups = props.loadBalancers.map((_, n) => {
      const group = new elbv2.ApplicationTargetGroup(this, `Waker${n}`, {
        targetType: elbv2.TargetType.LAMBDA,
        targets: [
          {
            attachToApplicationTargetGroup: () => ({
              targetType: elbv2.TargetType.LAMBDA,
              targetJson: { id: fn.functionArn },
            }),
          },
        ],
      });
      group.node.addDependency(invoke);
      return group;
    });

    // The waker target groups go to the function in the sweep's input, not in its environment:
    // each group registers the function, so the function cannot name the groups.
    const input: SweepEvent = {
      kind: 'sweep',
      wakers: props.loadBalancers.map((l, n) => ({
        listenerArn: l.httpsListener.listenerArn,
        targetGroupArn: this.wakerTargetGroups[n]!.targetGroupArn,
      })),
    };
    this.schedule = new events.Rule(this, 'Sweep', {
      description: `branch-env ${app}: the sleeper's sweep (idle shared environments to sleep, woken ones back)`,
      schedule: events.Schedule.rate(props.sweepEvery ?? Duration.minutes(5)),
    });
    this.schedule.addTarget(
      new eventTargets.LambdaFunction(this.function, {
        event: events.RuleTargetInput.fromObject(input),
        retryAttempts: 0,
      }),
    );
  }
}
