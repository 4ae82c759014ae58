import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CustomResource, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import {
  JOB_RUN_RESOURCE_TYPE,
  jobTaskFamily,
  type JobRunProperties,
  type ResolvedJob,
} from '@branch-env/core';
import { Construct, type IDependable } from 'constructs';
import { esbuildCode } from '../private/esbuild-code.js';

/** dist/service/job-run: the compiled handler esbuild bundles. */
const HANDLER_DIR = join(dirname(fileURLToPath(import.meta.url)), 'job-run');

/** One job to run: its config, task definition and log group. */
export interface JobToRun {
  readonly job: Pick<ResolvedJob, 'name' | 'when' | 'timeoutMinutes'>;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly logGroup: logs.ILogGroup;
  /** The construct holding the job's task definition, roles and log group: the run waits for all of it. */
  readonly scope: IDependable;
}

export interface JobRunsProps {
  /** The config's `app` and the environment's name (task definition families, `startedBy`). */
  readonly app: string;
  readonly environment: string;
  /** In config order: each runs after the one before it. */
  readonly jobs: readonly JobToRun[];
  readonly cluster: ecs.ICluster;
  readonly subnetIds: readonly string[];
  readonly securityGroup: ec2.ISecurityGroup;
  readonly assignPublicIp: boolean;
  /** This deploy creates the environment: `first-create` jobs run. @default false */
  readonly firstCreate?: boolean;
  /**
   * What a job needs before it can start and do its work: the database (cluster, instances and
   * the ingress rules that admit the jobs), the network's route to the internet.
   * @default none
   */
  readonly waitFor?: readonly IDependable[];
  readonly logRetentionDays: number;
  readonly removalPolicy: RemovalPolicy;
}

/**
 * The environment's jobs run inside its stack update, before traffic moves
 * (docs/services.md#jobs): one `Custom::BranchEnvJobRun` per job, served by one small Lambda that
 * runs the job's task with ECS RunTask, waits for it to stop and answers CloudFormation itself
 * (SUCCESS on exit code 0; FAILED with the exit code, ECS's reason and the last log lines). The
 * resource's properties hold the job's task definition ARN, so every new revision (new code, new
 * settings) runs it again; `dependOn()` makes the stack's ECS services wait for every run, so a
 * failed job rolls the stack back with the previous services still serving.
 *
 * The handler may run only the stack's job task definitions on the environment's cluster, pass
 * only the jobs' roles to ECS tasks, describe and stop tasks on that cluster, and read the jobs'
 * log groups.
 */
export class JobRuns extends Construct {
  readonly handler: lambda.Function;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;
  /** One resource per job, in config order. */
  readonly runs: readonly CustomResource[];

  constructor(scope: Construct, id: string, props: JobRunsProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const { partition, region, account } = stack;
    const cluster = props.cluster;

    this.logGroup = new logs.LogGroup(this, 'HandlerLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
    });
    this.role = new iam.Role(this, 'HandlerRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `branch-env ${props.environment}: runs the environment's jobs during its deploy`,
    });
    // Task ARNs carry generated ids: the ecs:cluster condition keeps DescribeTasks and StopTask on
    // the environment's cluster.
    const tasks = `arn:${partition}:ecs:${region}:${account}:task/*`;
    const onCluster = { ArnEquals: { 'ecs:cluster': cluster.clusterArn } };
    const statements = [
      new iam.PolicyStatement({
        sid: 'Logs',
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [`${this.logGroup.logGroupArn}`],
      }),
      new iam.PolicyStatement({
        sid: 'RunTheJobs',
        actions: ['ecs:RunTask'],
        // Any revision of the stack's job families: the ARN changes on every deploy.
        resources: props.jobs.map(
          (j) =>
            `arn:${partition}:ecs:${region}:${account}:task-definition/${jobTaskFamily(props.app, props.environment, j.job.name)}:*`,
        ),
        conditions: onCluster,
      }),
      new iam.PolicyStatement({
        sid: 'TagTheJobTasks',
        actions: ['ecs:TagResource'],
        resources: [tasks],
        // Only the tags RunTask puts on the task it starts (TagResource has no ecs:cluster key;
        // RunTask itself is limited to the jobs and the cluster).
        conditions: { StringEquals: { 'ecs:CreateAction': 'RunTask' } },
      }),
      new iam.PolicyStatement({
        sid: 'WatchTheJobTasks',
        actions: ['ecs:DescribeTasks', 'ecs:StopTask'],
        resources: [tasks],
        conditions: onCluster,
      }),
      new iam.PolicyStatement({
        sid: 'PassTheJobRoles',
        actions: ['iam:PassRole'],
        resources: props.jobs.flatMap((j) => [
          j.taskDefinition.taskRole.roleArn,
          ...(j.taskDefinition.executionRole ? [j.taskDefinition.executionRole.roleArn] : []),
        ]),
        conditions: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      }),
      new iam.PolicyStatement({
        sid: 'ReadTheJobLogs',
        actions: ['logs:GetLogEvents'],
        resources: props.jobs.map((j) => j.logGroup.logGroupArn),
      }),
      new iam.PolicyStatement({
        // Whether the stack is rolling back (then nothing runs).
        sid: 'ReadTheStack',
        actions: ['cloudformation:DescribeStacks'],
        resources: [stack.stackId],
      }),
    ];
    const policy = new iam.Policy(this, 'HandlerPolicy', { statements });
    policy.attachToRole(this.role);

    this.handler = new lambda.Function(this, 'Handler', {
      description: `branch-env ${props.environment}: Custom::BranchEnvJobRun, runs a job (ECS RunTask) and waits for it`,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      handler: 'index.handler',
      code: esbuildCode(HANDLER_DIR, 'handler'),
      // One invocation waits for the job (JOB_RUN_MAX_MINUTES) and answers CloudFormation.
      timeout: Duration.minutes(15),
      memorySize: 256,
      role: this.role,
      logGroup: this.logGroup,
    });
    this.handler.node.addDependency(policy);

    const runs: CustomResource[] = [];
    for (const j of props.jobs) {
      const properties: JobRunProperties = {
        JobName: j.job.name,
        TaskDefinition: j.taskDefinition.taskDefinitionArn,
        Container: j.job.name,
        LogGroup: j.logGroup.logGroupName,
        Cluster: cluster.clusterName,
        Subnets: props.subnetIds,
        SecurityGroups: [props.securityGroup.securityGroupId],
        AssignPublicIp: props.assignPublicIp ? 'true' : 'false',
        TimeoutMinutes: String(j.job.timeoutMinutes),
        When: j.job.when,
        ...(j.job.when === 'first-create'
          ? { EnvironmentCreate: props.firstCreate ? ('true' as const) : ('false' as const) }
          : {}),
        StartedBy: `branch-env-deploy-${props.environment}`,
      };
      const run = new CustomResource(this, `Run-${j.job.name}`, {
        serviceToken: this.handler.functionArn,
        resourceType: JOB_RUN_RESOURCE_TYPE,
        properties: { ...properties },
        // The handler answers within its 15 minutes; a lost answer fails the deploy soon after.
        serviceTimeout: Duration.minutes(16),
      });
      run.node.addDependency(j.scope, ...(props.waitFor ?? []));
      const previous = runs.at(-1);
      if (previous) run.node.addDependency(previous);
      runs.push(run);
    }
    this.runs = runs;
  }

  /** `resource` (an ECS service) is created or updated only once every job ran. */
  dependOn(resource: IDependable & Construct): void {
    for (const run of this.runs) resource.node.addDependency(run);
  }
}
