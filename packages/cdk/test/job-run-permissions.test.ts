import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { JOB_RUN_RESOURCE_TYPE, parseConfigText } from '@branch-env/core';
import { afterAll, describe, expect, it } from 'vitest';
import { DeployRoleStack } from '../src/deploy-role/deploy-role-stack.js';
import {
  multiServiceConfig,
  removeOutdirs,
  resourcesOf,
  ROOT,
  synthesize,
  type Template as Synthesized,
} from './helpers.js';

/**
 * The job-run handler's synthesized policy (service/job-runs.ts), its tokens made literal, under
 * the unprotected class's permissions boundary, evaluated by a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate) against the requests the handler makes, with the condition keys
 * each action really has: it can run, tag, watch and stop its jobs, and nothing else.
 */
afterAll(removeOutdirs);

const DEV = '111111111111';
const config = parseConfigText(readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8'));
const deployRoles = Template.fromStack(
  new DeployRoleStack(new App(), 'Dev', {
    config,
    account: 'development',
    repository: 'acme/shop',
  }),
).toJSON() as Synthesized;
const [[, boundaryResource]] = resourcesOf(deployRoles, 'AWS::IAM::ManagedPolicy').filter(([id]) =>
  id.startsWith('PermissionsBoundaryUnprotected'),
) as [[string, { Properties?: Record<string, unknown> }]];
const boundary = boundaryResource.Properties!.PolicyDocument;

const built = synthesize(
  'bare/multi',
  {
    serviceImage: undefined,
    configDirectory: join(import.meta.dirname, 'fixtures'),
    siteDirectory: null,
  },
  multiServiceConfig(),
);
const t = built.main;
const env = built.environment;
const CLUSTER_NAME = `${env.stacks.main}-ServiceCluster-AbC`;
const CLUSTER = `arn:aws:ecs:us-east-1:${DEV}:cluster/${CLUSTER_NAME}`;
const STACK_ID = `arn:aws:cloudformation:us-east-1:${DEV}:stack/${env.stacks.main}/0f0e`;

/** What CloudFormation makes of a reference, for the resources the handler's policy names. */
function literal(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(literal);
  if (value === null || typeof value !== 'object') return value;
  const v = value as Record<string, unknown>;
  if ('Ref' in v) {
    const id = v.Ref as string;
    if (id === 'AWS::Partition') return 'aws';
    if (id === 'AWS::StackId') return STACK_ID;
    const r = t.Resources[id];
    if (r?.Type === 'AWS::ECS::Cluster') return CLUSTER_NAME;
    if (r?.Type === 'AWS::Logs::LogGroup') return r.Properties?.LogGroupName ?? id;
    throw new Error(`no literal for Ref ${id}`);
  }
  if ('Fn::GetAtt' in v) {
    const [id, attribute] = v['Fn::GetAtt'] as [string, string];
    const r = t.Resources[id];
    if (attribute !== 'Arn' || r === undefined)
      throw new Error(`no literal for ${id}.${attribute}`);
    if (r.Type === 'AWS::ECS::Cluster') return CLUSTER;
    if (r.Type === 'AWS::IAM::Role')
      return `arn:aws:iam::${DEV}:role${(r.Properties?.Path as string | undefined) ?? '/'}${env.stacks.main}-${id}`;
    if (r.Type === 'AWS::Logs::LogGroup')
      return `arn:aws:logs:us-east-1:${DEV}:log-group:${(r.Properties?.LogGroupName as string | undefined) ?? id}:*`;
    throw new Error(`no literal for ${r.Type}.Arn`);
  }
  if ('Fn::Join' in v) {
    const [separator, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(literal).join(separator);
  }
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
}

const [[, handlerPolicy]] = resourcesOf(t, 'AWS::IAM::Policy').filter(([id]) =>
  id.startsWith('ServicesJobRunsHandlerPolicy'),
) as [[string, { Properties?: Record<string, unknown> }]];
const policy = literal(handlerPolicy.Properties!.PolicyDocument);
const SESSION = `arn:aws:sts::${DEV}:assumed-role/${env.stacks.main}-ServicesJobRunsHandlerRole-AbC/fn`;
const roleOf = (pattern: RegExp) => {
  const id = resourcesOf(t, 'AWS::IAM::Role').find(([x]) => pattern.test(x))?.[0];
  return literal({ 'Fn::GetAtt': [id, 'Arn'] }) as string;
};
const run = resourcesOf(t, JOB_RUN_RESOURCE_TYPE)[0]![1].Properties as { LogGroup: unknown };
const logGroup = literal(run.LogGroup) as string;
const task = `arn:aws:ecs:us-east-1:${DEV}:task/${CLUSTER_NAME}/0123456789abcdef`;
const family = (name: string) =>
  `arn:aws:ecs:us-east-1:${DEV}:task-definition/branch-env-demo-${env.name}-${name}`;

async function decide(action: string, resource: string, context: Record<string, string> = {}) {
  const r = await runSimulation(
    {
      request: {
        principal: SESSION,
        action,
        resource: { resource, accountId: DEV },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'handler', policy }],
      permissionBoundaryPolicies: [{ name: 'boundary', policy: boundary }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
    },
    {},
  );
  if (r.resultType === 'error')
    throw new Error(`${action} ${resource}: ${JSON.stringify(r.errors)}`);
  return r.overallResult;
}

describe("the job-run handler's role (its synthesized policy within the unprotected boundary)", () => {
  const onCluster = { 'ecs:cluster': CLUSTER };
  it.each([
    ['ecs:RunTask', `${family('job-migrate')}:12`, onCluster],
    // RunTask tags the task with its task definition's tags (propagateTags).
    ['ecs:TagResource', task, { 'ecs:CreateAction': 'RunTask' }],
    ['ecs:DescribeTasks', task, onCluster],
    ['ecs:StopTask', task, onCluster],
    [
      'iam:PassRole',
      roleOf(/^ServicesJobmigrateTaskRole/),
      { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    ],
    [
      'iam:PassRole',
      roleOf(/^ServicesJobseedExecutionRole/),
      { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
    ],
    [
      'logs:GetLogEvents',
      `arn:aws:logs:us-east-1:${DEV}:log-group:${logGroup}:log-stream:migrate/migrate/0123`,
      {},
    ],
    ['cloudformation:DescribeStacks', STACK_ID, {}],
  ] as const)('allows %s on %s', async (action, resource, context) => {
    expect(await decide(action, resource, context)).toBe('Allowed');
  });

  it.each([
    ['ecs:RunTask', `${family('ServiceTask')}:3`, onCluster, 'a task definition that is no job'],
    [
      'ecs:RunTask',
      `${family('job-migrate')}:12`,
      { 'ecs:cluster': `arn:aws:ecs:us-east-1:${DEV}:cluster/branch-env-demo-platform-Cluster` },
      'another cluster',
    ],
    ['ecs:TagResource', task, {}, 'tagging outside RunTask'],
    [
      'ecs:StopTask',
      task,
      { 'ecs:cluster': `arn:aws:ecs:us-east-1:${DEV}:cluster/branch-env-demo-sandbox-Cluster` },
      "another cluster's task",
    ],
    [
      'iam:PassRole',
      roleOf(/^ServicesJobmigrateTaskRole/),
      { 'iam:PassedToService': 'lambda.amazonaws.com' },
      'a job role to another service',
    ],
    [
      'iam:PassRole',
      roleOf(/^ServiceTaskTaskRole/),
      { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' },
      "a service's role",
    ],
    [
      'logs:GetLogEvents',
      `arn:aws:logs:us-east-1:${DEV}:log-group:/branch-env-demo/${env.name}/service/api:log-stream:x`,
      {},
      "a service's log",
    ],
    [
      'cloudformation:DescribeStacks',
      `arn:aws:cloudformation:us-east-1:${DEV}:stack/branch-env-demo-sandbox/1`,
      {},
      'another stack',
    ],
  ] as const)('denies %s on %s (%s)', async (action, resource, context) => {
    expect(await decide(action, resource, context)).not.toBe('Allowed');
  });
});
