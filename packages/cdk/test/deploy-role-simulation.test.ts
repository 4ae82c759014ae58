import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { runSimulation, runUnsafeSimulation } from '@cloud-copilot/iam-simulate';
import { parseConfigText } from '@branch-env/core';
import { describe, expect, it } from 'vitest';
import { nagFindings } from '../src/compliance/nag-findings.js';
import { DeployRoleStack } from '../src/deploy-role/deploy-role-stack.js';

/**
 * The synthesized bootstrap templates, evaluated by a real IAM policy evaluator
 * (@cloud-copilot/iam-simulate): trust policies against GitHub OIDC tokens, and the unprotected
 * development role's identity policy plus its permissions boundary (and its CloudFormation
 * execution role's) against requests with their context.
 */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const config = parseConfigText(readFileSync(`${ROOT}branch-env.config.json`, 'utf8'));
const REPO = 'acme/shop';
const DEV = '111111111111';
const PROD = '222222222222';

const app = new App();
const prodStack = new DeployRoleStack(app, 'Prod', {
  config,
  account: 'production',
  repository: REPO,
});
const devStack = new DeployRoleStack(app, 'Dev', {
  config,
  account: 'development',
  repository: REPO,
});
const prod = Template.fromStack(prodStack).toJSON();
const dev = Template.fromStack(devStack).toJSON();

type Resources = Record<string, { Type: string; Properties: Record<string, any> }>;
const res = (t: Record<string, unknown>) => t.Resources as Resources;
function one(t: Record<string, unknown>, idPattern: RegExp): Record<string, any> {
  const found = Object.entries(res(t)).filter(([id]) => idPattern.test(id));
  expect(found, String(idPattern)).toHaveLength(1);
  return found[0]![1].Properties;
}

/** The trust policy with the provider reference made literal (it is the only token). */
function trustOf(t: Record<string, unknown>, role: RegExp, account: string) {
  const doc = JSON.parse(JSON.stringify(one(t, role).AssumeRolePolicyDocument));
  for (const s of doc.Statement) {
    if (s.Principal?.Federated)
      s.Principal.Federated = `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`;
  }
  return doc;
}

/**
 * Whether a GitHub token with `sub` may assume the role. The unvalidated entry point: the STS
 * service reference does not list an OIDC provider's claim keys, so the validated one would drop
 * `token.actions.githubusercontent.com:sub` from the request and deny everything.
 */
function canAssume(trust: unknown, account: string, sub: string, aud = 'sts.amazonaws.com') {
  return runUnsafeSimulation(
    {
      request: {
        principal: `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
        action: 'sts:AssumeRoleWithWebIdentity',
        resource: {
          resource: `arn:aws:iam::${account}:role/branch-env-deploy`,
          accountId: account,
        },
        contextVariables: {
          'token.actions.githubusercontent.com:sub': sub,
          'token.actions.githubusercontent.com:aud': aud,
        },
      },
      identityPolicies: [],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      // The library's validated-policy form, which carries the name its analysis reports.
      resourcePolicy: { __validated: true, policyDocument: trust, metadata: { name: 'trust' } },
    },
    {},
  );
}

const ref = (b: string) => `repo:${REPO}:ref:refs/heads/${b}`;
const prodTrust = trustOf(prod, /^DeployRole[0-9A-F]{8}$/, PROD);
const devProtectedTrust = trustOf(dev, /^DeployRole[0-9A-F]{8}$/, DEV);
const devUnprotectedTrust = trustOf(dev, /^DeployRoleUnprotected[0-9A-F]{8}$/, DEV);

describe('no token but the reviewed production environment assumes a production role', () => {
  it.each([
    ['the production branch main', ref('main')],
    ['a production branch hotfix/x', ref('hotfix/x')],
    ['a production branch prod1', ref('prod1')],
    ['an unprotected branch', ref('feature/x')],
    ['a pull request', `repo:${REPO}:pull_request`],
    ['a tag', `repo:${REPO}:ref:refs/tags/main`],
    ['a fork', 'repo:someone/shop:environment:production'],
    ['another repository', 'repo:acme/shop-fork:environment:production'],
    ['another environment', `repo:${REPO}:environment:staging`],
    ['a case variant', `repo:${REPO}:environment:Production`],
    ['appended claims', `repo:${REPO}:environment:production:job_workflow_ref:x`],
  ])('denies %s', async (_what, sub) => {
    expect(canAssume(prodTrust, PROD, sub)).not.toBe('Allowed');
  });
  it('allows the production environment (required reviewers) with the sts audience only', async () => {
    expect(canAssume(prodTrust, PROD, `repo:${REPO}:environment:production`)).toBe('Allowed');
    expect(canAssume(prodTrust, PROD, `repo:${REPO}:environment:production`, 'other')).not.toBe(
      'Allowed',
    );
  });
});

describe('the development roles trust their class only, never pull requests', () => {
  it.each([
    ['unprotected', ref('feature/x'), 'Allowed', 'not'],
    ['unprotected', ref('ai/agent/1'), 'Allowed', 'not'],
    ['protected', ref('sandbox'), 'not', 'Allowed'],
    ['protected', ref('qa1'), 'not', 'Allowed'],
    ['default branch (delete and schedule runs)', ref('main'), 'Allowed', 'Allowed'],
    ['pull request', `repo:${REPO}:pull_request`, 'not', 'not'],
    ['production branch', ref('hotfix/x'), 'not', 'not'],
    ['other repository', 'repo:evil/shop:ref:refs/heads/feature/x', 'not', 'not'],
  ])('%s %s: unprotected role %s, protected role %s', async (_c, sub, unprot, prot) => {
    const u = canAssume(devUnprotectedTrust, DEV, sub);
    const p = canAssume(devProtectedTrust, DEV, sub);
    expect(u === 'Allowed' ? 'Allowed' : 'not').toBe(unprot);
    expect(p === 'Allowed' ? 'Allowed' : 'not').toBe(prot);
  });
});

function policyDoc(t: Record<string, unknown>, id: RegExp) {
  return one(t, id).PolicyDocument;
}

async function decide(
  identity: unknown,
  boundary: unknown,
  principal: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
) {
  const r = await runSimulation(
    {
      request: {
        principal,
        action,
        resource: { resource, accountId: DEV },
        contextVariables: context,
      },
      identityPolicies: [{ name: 'identity', policy: identity }],
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

const unprotectedBoundary = policyDoc(dev, /^PermissionsBoundaryUnprotected/);
const unprotectedDeploy = policyDoc(dev, /^DeployPolicyUnprotected/);
const unprotectedExec = policyDoc(dev, /^ExecutionPolicyUnprotected/);
const OIDC_SESSION = `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy-unprotected/ci`;
const EXEC_SESSION = `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy-unprotected-cfn/cfn`;
const A = 'branch-env-demo';
const stack = (name: string) => `arn:aws:cloudformation:us-east-1:${DEV}:stack/${A}-${name}/abc`;
const param = (p: string) => `arn:aws:ssm:us-east-1:${DEV}:parameter/${A}/${p}`;
const secret = `arn:aws:secretsmanager:us-east-1:${DEV}:secret:DatabaseSecret-abc`;
const tags = (env: string) => ({
  [`aws:ResourceTag/branch-env:app`]: A,
  [`aws:ResourceTag/branch-env:environment`]: env,
});
const BOUNDARY = `arn:aws:iam::${DEV}:policy/branch-env-deploy-unprotected-boundary`;

type Case = readonly [string, string, string, Record<string, string | string[]>?];

describe('the unprotected development role (identity policy + boundary) cannot touch protected environments, the platform or the roles', () => {
  const denied: Case[] = [
    ['cloudformation:DeleteStack', stack('sandbox'), 'protected stack'],
    ['cloudformation:CreateChangeSet', stack('qa1'), 'protected stack update'],
    ['cloudformation:UpdateTerminationProtection', stack('staging'), 'protected stack'],
    ['cloudformation:DeleteStack', stack('platform'), 'platform stack'],
    ['cloudformation:CancelUpdateStack', stack('sandbox'), 'protected stack update'],
    ['cloudformation:CancelUpdateStack', stack('platform'), 'platform stack update'],
    ['cloudformation:DeleteStack', stack('github-deploy-role'), 'bootstrap stack'],
    ['ssm:PutParameter', param('sandbox/meta/owner-branch'), 'protected parameter'],
    ['ssm:DeleteParameter', param('qa1/database/secret-arn'), 'protected parameter'],
    ['ssm:PutParameter', param('_platform/vpc-id'), 'platform parameter'],
    [
      's3:DeleteObjectVersion',
      `arn:aws:s3:::${A}-sandbox-storagedatabucket-abc/customers.db`,
      'protected object version',
    ],
    [
      'ecr:BatchDeleteImage',
      `arn:aws:ecr:us-east-1:${DEV}:repository/${A}-sandbox-registry`,
      'protected images',
    ],
    [
      'logs:DeleteLogGroup',
      `arn:aws:logs:us-east-1:${DEV}:log-group:/${A}/sandbox/service/api`,
      'protected logs',
    ],
    ['iam:CreateRole', `arn:aws:iam::${DEV}:role/x`, 'a role'],
    [
      'ecs:RunTask',
      `arn:aws:ecs:us-east-1:${DEV}:task-definition/${A}-sandbox-job-migrate:3`,
      "a protected environment's job",
    ],
    [
      'ecs:RunTask',
      `arn:aws:ecs:us-east-1:${DEV}:task-definition/${A}-feature-x-ServiceTask:3`,
      'a task definition that is not a job',
    ],
    [
      'iam:PassRole',
      `arn:aws:iam::${DEV}:role/${A}-feature-x-ServiceTaskRole-abc`,
      "a service's role (not a job's)",
    ],
    // Jobs run inside the stack update (the stack's own handler): the deploy role runs none.
    [
      'ecs:RunTask',
      `arn:aws:ecs:us-east-1:${DEV}:task-definition/${A}-feature-x-job-migrate:3`,
      'even its own job',
    ],
    [
      'iam:PassRole',
      `arn:aws:iam::${DEV}:role/branch-env-jobs/${A}-feature-x-ServicesJobmigrateTaskRole-abc`,
      "its job's task role",
    ],
    [
      'iam:UpdateAssumeRolePolicy',
      `arn:aws:iam::${DEV}:role/branch-env-deploy-unprotected`,
      'its own trust',
    ],
    [
      'cloudformation:DeleteStack',
      `arn:aws:cloudformation:us-east-1:${DEV}:stack/${A}-admin-portal/abc`,
      "another app's stack",
    ],
  ].map(([a, r, w]) => [a, r, w] as Case);
  it.each(denied)('denies %s on %s (%s)', async (action, resource) => {
    expect(
      await decide(unprotectedDeploy, unprotectedBoundary, OIDC_SESSION, action, resource),
    ).not.toBe('Allowed');
  });

  const allowed: Case[] = [
    ['cloudformation:CreateChangeSet', stack('feature-x'), 'its stack'],
    ['cloudformation:ExecuteChangeSet', stack('feature-x'), 'its stack'],
    ['cloudformation:DeleteStack', stack('feature-x'), 'its stack', tags('feature-x')],
    [
      'cloudformation:CancelUpdateStack',
      stack('feature-x'),
      'placement watchdog: its stack',
      tags('feature-x'),
    ],
    [
      'ecs:DescribeServices',
      `arn:aws:ecs:us-east-1:${DEV}:service/${A}-platform-Cluster-1/${A}-feature-x-ApiService-abc`,
      'placement watchdog: its service',
    ],
    [
      'ecs:DescribeTasks',
      `arn:aws:ecs:us-east-1:${DEV}:task/${A}-platform-Cluster-1/0123abcd`,
      'placement watchdog: stopped tasks',
    ],
    [
      'iam:PassRole',
      `arn:aws:iam::${DEV}:role/branch-env-deploy-unprotected-cfn`,
      'its execution role',
      { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    ],
    ['ssm:PutParameter', param('feature-x/meta/owner-branch'), 'its parameters'],
    [
      's3:DeleteObjectVersion',
      `arn:aws:s3:::${A}-feature-x-storagedatabucket-abc/a`,
      'emptying its bucket',
    ],
    [
      's3:PutObject',
      `arn:aws:s3:::cdk-hnb659fds-assets-${DEV}-us-east-1/unprotected/abc.zip`,
      'publishing its assets',
    ],
    [
      'ecr:BatchDeleteImage',
      `arn:aws:ecr:us-east-1:${DEV}:repository/${A}-feature-x-registry`,
      'its images',
    ],
    [
      'logs:DeleteLogGroup',
      `arn:aws:logs:us-east-1:${DEV}:log-group:/${A}/feature-x/service/api`,
      'its logs',
    ],
    [
      'sts:AssumeRole',
      `arn:aws:iam::${DEV}:role/branch-env-deploy-unprotected`,
      'itself (CDK toolkit)',
    ],
  ];
  it.each(allowed)('allows %s on %s (%s)', async (action, resource, _w, context) => {
    expect(
      await decide(unprotectedDeploy, unprotectedBoundary, OIDC_SESSION, action, resource, context),
    ).toBe('Allowed');
  });
  it('may not publish assets where a protected deploy reads them', async () => {
    expect(
      await decide(
        unprotectedDeploy,
        unprotectedBoundary,
        OIDC_SESSION,
        's3:PutObject',
        `arn:aws:s3:::cdk-hnb659fds-assets-${DEV}-us-east-1/protected/abc.zip`,
      ),
    ).not.toBe('Allowed');
  });
});

describe("the unprotected class's CloudFormation execution role (policy + boundary)", () => {
  const run = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide(unprotectedExec, unprotectedBoundary, EXEC_SESSION, action, resource, context);
  it.each([
    ['secretsmanager:DeleteSecret', secret, tags('sandbox')],
    ['secretsmanager:PutSecretValue', secret, tags('qa1')],
    ['ec2:DeleteVpc', `arn:aws:ec2:us-east-1:${DEV}:vpc/vpc-1`, tags('staging')],
    ['ecs:UpdateService', `arn:aws:ecs:us-east-1:${DEV}:service/c/s`, tags('sandbox')],
    ['rds:DeleteDBCluster', `arn:aws:rds:us-east-1:${DEV}:cluster:c`, tags('qa1')],
    ['ssm:PutParameter', param('sandbox/api/service-url'), {}],
    ['s3:DeleteBucket', `arn:aws:s3:::${A}-sandbox-storagedatabucket-abc`, {}],
    ['iam:CreateRole', `arn:aws:iam::${DEV}:role/${A}-feature-x-TaskRole`, {}],
    [
      'iam:CreateRole',
      `arn:aws:iam::${DEV}:role/${A}-feature-x-TaskRole`,
      { 'iam:PermissionsBoundary': `arn:aws:iam::${DEV}:policy/other` },
    ],
    [
      'iam:PutRolePolicy',
      `arn:aws:iam::${DEV}:role/${A}-sandbox-TaskRole`,
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    ['iam:CreateUser', `arn:aws:iam::${DEV}:user/x`, {}],
    ['iam:CreatePolicyVersion', BOUNDARY, {}],
    ['iam:DeleteRolePermissionsBoundary', `arn:aws:iam::${DEV}:role/${A}-feature-x-TaskRole`, {}],
    ['ssm:PutParameter', param('_platform/alb-arn'), {}],
  ] as const)('denies %s on %s', async (action, resource, context) => {
    expect(await run(action, resource, context)).not.toBe('Allowed');
  });
  it.each([
    [
      'secretsmanager:CreateSecret',
      secret,
      { 'aws:RequestTag/branch-env:app': A, 'aws:RequestTag/branch-env:environment': 'feature-x' },
    ],
    ['secretsmanager:DeleteSecret', secret, tags('feature-x')],
    ['ec2:CreateVpc', `arn:aws:ec2:us-east-1:${DEV}:vpc/*`, {}],
    ['ecs:UpdateService', `arn:aws:ecs:us-east-1:${DEV}:service/c/s`, tags('feature-x')],
    [
      'iam:CreateRole',
      `arn:aws:iam::${DEV}:role/${A}-feature-x-TaskRole`,
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    ['iam:PassRole', `arn:aws:iam::${DEV}:role/${A}-feature-x-TaskRole`, {}],
    ['ssm:PutParameter', param('feature-x/api/service-url'), {}],
    ['s3:CreateBucket', `arn:aws:s3:::${A}-feature-x-storagedatabucket-abc`, {}],
    ['ssm:GetParameter', param('sandbox/api/service-url'), {}],
    // The job runs (Custom::BranchEnvJobRun): the handler, its role, policy and log group, and
    // CloudFormation invoking it.
    [
      'lambda:CreateFunction',
      `arn:aws:lambda:us-east-1:${DEV}:function:${A}-feature-x-ServicesJobRunsHandler-AbC`,
      {},
    ],
    [
      'lambda:InvokeFunction',
      `arn:aws:lambda:us-east-1:${DEV}:function:${A}-feature-x-ServicesJobRunsHandler-AbC`,
      {},
    ],
    [
      'iam:CreateRole',
      `arn:aws:iam::${DEV}:role/${A}-feature-x-ServicesJobRunsHandlerRole-AbC`,
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    [
      'iam:PutRolePolicy',
      `arn:aws:iam::${DEV}:role/${A}-feature-x-ServicesJobRunsHandlerRole-AbC`,
      { 'iam:PermissionsBoundary': BOUNDARY },
    ],
    ['iam:PassRole', `arn:aws:iam::${DEV}:role/${A}-feature-x-ServicesJobRunsHandlerRole-AbC`, {}],
    [
      'logs:CreateLogGroup',
      `arn:aws:logs:us-east-1:${DEV}:log-group:${A}-feature-x-ServicesJobRunsHandlerLogs-AbC`,
      {},
    ],
  ] as const)(
    'allows %s on %s (a preview deploy and destroy)',
    async (action, resource, context) => {
      expect(await run(action, resource, context)).toBe('Allowed');
    },
  );
});

describe('the static site: what a preview\'s stack creates for it (docs/services.md, "The site")', () => {
  const run = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide(unprotectedExec, unprotectedBoundary, EXEC_SESSION, action, resource, context);
  const fn = (name: string) => `arn:aws:lambda:us-east-1:${DEV}:function:${A}-${name}`;
  it.each([
    // The site bucket's policy (a shared stack's grant to the platform site server).
    ['s3:PutBucketPolicy', `arn:aws:s3:::${A}-feature-x-storagesitebucket-abc`],
    // BucketDeployment's function and the dedicated site server (named after the stack).
    ['lambda:CreateFunction', fn('feature-x-CustomCDKBucketDeployment8693BB-abc')],
    ['lambda:CreateFunction', fn('feature-x-SiteServerFunction-abc')],
    ['lambda:AddPermission', fn('feature-x-SiteServerFunction-abc')],
    // BucketDeployment's AWS CLI layer, named after the stack (SiteContent).
    ['lambda:PublishLayerVersion', `arn:aws:lambda:us-east-1:${DEV}:layer:${A}-feature-x-awscli`],
    ['lambda:GetLayerVersion', `arn:aws:lambda:us-east-1:${DEV}:layer:${A}-feature-x-awscli:3`],
    ['lambda:DeleteLayerVersion', `arn:aws:lambda:us-east-1:${DEV}:layer:${A}-feature-x-awscli:3`],
    ['iam:PassRole', `arn:aws:iam::${DEV}:role/${A}-feature-x-SiteServerRole-abc`],
    // The Lambda target group of a dedicated site server, on its own load balancer.
    [
      'elasticloadbalancing:RegisterTargets',
      `arn:aws:elasticloadbalancing:us-east-1:${DEV}:targetgroup/branc-SiteS-abc/0123456789abcdef`,
      tags('feature-x'),
    ],
  ] as const)('allows %s on %s', async (action, resource, context = {}) => {
    expect(await run(action, resource, context)).toBe('Allowed');
  });
  it.each([
    // Another environment's or the platform's buckets and functions stay out of reach.
    ['s3:PutBucketPolicy', `arn:aws:s3:::${A}-sandbox-storagesitebucket-abc`],
    ['s3:PutBucketPolicy', `arn:aws:s3:::${A}-platform-bucket`],
    ['lambda:AddPermission', fn('platform-SiteServerFunction-abc')],
    ['lambda:DeleteLayerVersion', `arn:aws:lambda:us-east-1:${DEV}:layer:${A}-sandbox-awscli:1`],
    ['lambda:PublishLayerVersion', `arn:aws:lambda:us-east-1:${DEV}:layer:AwsCliLayerF44AAF94`],
    ['lambda:UpdateFunctionCode', fn('platform-SiteServerFunction-abc')],
    ['iam:PutRolePolicy', `arn:aws:iam::${DEV}:role/${A}-platform-SiteServerRole-abc`],
    ['ssm:PutParameter', param('_platform/site-server/role-arn')],
  ] as const)('denies %s on %s', async (action, resource) => {
    expect(await run(action, resource)).not.toBe('Allowed');
  });
});

describe("the shared load balancer: an unprotected stack changes only its class's target groups and its own load balancer's rules, never the platform's listener, load balancer or rules (the router's alone)", () => {
  const run = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide(unprotectedExec, unprotectedBoundary, EXEC_SESSION, action, resource, context);
  const elb = (r: string) => `arn:aws:elasticloadbalancing:us-east-1:${DEV}:${r}`;
  // The platform's load balancers are named platformLoadBalancerName(app, n).
  const platformLb = elb(`loadbalancer/app/${A}-platform-0/50dc6c495c0c9188`);
  const platformListener = elb(`listener/app/${A}-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2`);
  const rule = elb(
    `listener-rule/app/${A}-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`,
  );
  // A dedicated environment of the class: its own load balancer, listener and rules.
  const ownListener = elb(`listener/app/${A}-featu-Alb-1x2y/1a2b3c4d5e6f7a8b/0a1b2c3d4e5f6a7b`);
  const ownRule = elb(
    `listener-rule/app/${A}-featu-Alb-1x2y/1a2b3c4d5e6f7a8b/0a1b2c3d4e5f6a7b/9f8e7d6c5b4a3a2b`,
  );
  const targetGroup = elb(`targetgroup/${A}-feature-x-Tg/73e2d6bc24d8a067`);
  // The platform's resources carry the app's tag only; an environment's its own environment tag.
  const platformTags = { 'aws:ResourceTag/branch-env:app': A };
  const requestTags = (env: string) => ({
    'aws:RequestTag/branch-env:app': A,
    'aws:RequestTag/branch-env:environment': env,
  });
  it.each([
    [
      'elasticloadbalancing:ModifyListener',
      platformListener,
      platformTags,
      "the platform's listener",
    ],
    [
      'elasticloadbalancing:DeleteListener',
      platformListener,
      platformTags,
      "the platform's listener",
    ],
    [
      'elasticloadbalancing:AddListenerCertificates',
      platformListener,
      platformTags,
      "the platform's listener",
    ],
    [
      'elasticloadbalancing:DeleteLoadBalancer',
      platformLb,
      platformTags,
      "the platform's load balancer",
    ],
    [
      'elasticloadbalancing:ModifyLoadBalancerAttributes',
      platformLb,
      platformTags,
      "the platform's load balancer",
    ],
    [
      'elasticloadbalancing:AddTags',
      platformLb,
      { ...platformTags, ...requestTags('feature-x') },
      'relabel the platform',
    ],
    ['elasticloadbalancing:ModifyRule', rule, tags('sandbox'), "a protected environment's rule"],
    ['elasticloadbalancing:DeleteRule', rule, tags('qa1'), "a protected environment's rule"],
    ['elasticloadbalancing:ModifyRule', rule, tags('admin-x'), "another class's rule"],
    ['elasticloadbalancing:ModifyRule', rule, {}, 'an untagged rule'],
    [
      'elasticloadbalancing:DeleteTargetGroup',
      targetGroup,
      tags('sandbox'),
      "a protected environment's target group",
    ],
    [
      'elasticloadbalancing:RegisterTargets',
      targetGroup,
      tags('qa1'),
      "a protected environment's target group",
    ],
    [
      'elasticloadbalancing:CreateRule',
      platformListener,
      { ...platformTags, ...requestTags('sandbox') },
      'a rule tagged as a protected environment',
    ],
    ['elasticloadbalancing:CreateRule', platformListener, platformTags, 'an untagged rule'],
    [
      'elasticloadbalancing:CreateTargetGroup',
      targetGroup,
      requestTags('qa1'),
      'a target group tagged as another environment',
    ],
    ['elasticloadbalancing:CreateListener', platformLb, platformTags, 'a listener on the platform'],
    // Rules on the platform's listeners are the router's (Custom::BranchEnvListenerRule): not
    // even the environment's own, so no template can route another environment's host there.
    [
      'elasticloadbalancing:CreateRule',
      platformListener,
      { ...platformTags, ...requestTags('feature-x') },
      "a rule of its own on the platform's listener",
    ],
    ['elasticloadbalancing:ModifyRule', rule, tags('feature-x'), 'its own rule on the platform'],
    ['elasticloadbalancing:DeleteRule', rule, tags('feature-x'), 'its own rule on the platform'],
    ['elasticloadbalancing:SetRulePriorities', rule, {}, "any rule's priority on the platform"],
    // The evaluator's data lists RemoveTags on load balancers only (ELB authorizes rules the same way).
    [
      'elasticloadbalancing:RemoveTags',
      elb(`loadbalancer/app/${A}-qa1-Alb/1`),
      tags('qa1'),
      "a protected environment's tag",
    ],
  ] as const)('denies %s on %s (%s)', async (action, resource, context) => {
    expect(await run(action, resource, context)).not.toBe('Allowed');
  });
  it.each([
    ['elasticloadbalancing:CreateRule', ownListener, requestTags('feature-x')],
    // The tagging of a create: the new resource has no tag yet (the evaluator's data lists
    // AddTags on load balancers only; ELB authorizes it the same way for rules and target groups).
    [
      'elasticloadbalancing:AddTags',
      elb(`loadbalancer/app/${A}-feature-x-Alb/1`),
      { ...requestTags('feature-x'), 'elasticloadbalancing:CreateAction': 'CreateLoadBalancer' },
    ],
    ['elasticloadbalancing:ModifyRule', ownRule, tags('feature-x')],
    ['elasticloadbalancing:DeleteRule', ownRule, tags('feature-x')],
    ['elasticloadbalancing:SetRulePriorities', ownRule, {}],
    ['elasticloadbalancing:CreateTargetGroup', targetGroup, requestTags('feature-x')],
    ['elasticloadbalancing:ModifyTargetGroupAttributes', targetGroup, tags('feature-x')],
    ['elasticloadbalancing:DeleteTargetGroup', targetGroup, tags('feature-x')],
    // A dedicated environment of the class: its own load balancer.
    [
      'elasticloadbalancing:CreateLoadBalancer',
      elb(`loadbalancer/app/${A}-feature-x-Alb/1`),
      requestTags('feature-x'),
    ],
    [
      'elasticloadbalancing:DeleteLoadBalancer',
      elb(`loadbalancer/app/${A}-feature-x-Alb/1`),
      tags('feature-x'),
    ],
  ] as const)('allows %s on %s (its own environment)', async (action, resource, context) => {
    expect(await run(action, resource, context)).toBe('Allowed');
  });
  it("the class's OIDC role has no load-balancing permission of its own", async () => {
    expect(
      await decide(
        unprotectedDeploy,
        unprotectedBoundary,
        OIDC_SESSION,
        'elasticloadbalancing:ModifyRule',
        rule,
        tags('feature-x'),
      ),
    ).not.toBe('Allowed');
  });
});

describe("image push: each class pushes to its own class's platform repositories only (docs/images.md)", () => {
  const protectedBoundary = policyDoc(dev, /^PermissionsBoundary[0-9A-F]{8}$/);
  const protectedDeploy = policyDoc(dev, /^DeployPolicy[0-9A-F]{8}$/);
  const PROTECTED_SESSION = `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy/ci`;
  const repo = (cls: string, unit = 'services/api') =>
    `arn:aws:ecr:us-east-1:${DEV}:repository/${A}-platform/${cls}/${unit}`;
  const PUSH = [
    'ecr:BatchCheckLayerAvailability',
    'ecr:InitiateLayerUpload',
    'ecr:UploadLayerPart',
    'ecr:CompleteLayerUpload',
    'ecr:PutImage',
    'ecr:BatchGetImage',
    'ecr:GetDownloadUrlForLayer',
    'ecr:DescribeImages',
  ];

  it.each(PUSH)('lets the unprotected role %s on its own class’s repositories', async (action) => {
    for (const unit of ['services/api', 'jobs/migrate'])
      expect(
        await decide(
          unprotectedDeploy,
          unprotectedBoundary,
          OIDC_SESSION,
          action,
          repo('unprotected', unit),
        ),
      ).toBe('Allowed');
  });

  it.each(PUSH)('lets the protected role %s on its own class’s repositories', async (action) => {
    expect(
      await decide(
        protectedDeploy,
        protectedBoundary,
        PROTECTED_SESSION,
        action,
        repo('protected'),
      ),
    ).toBe('Allowed');
  });

  it('never lets an unprotected role push what a protected environment runs', async () => {
    for (const action of ['ecr:PutImage', 'ecr:InitiateLayerUpload', 'ecr:CompleteLayerUpload'])
      expect(
        await decide(
          unprotectedDeploy,
          unprotectedBoundary,
          OIDC_SESSION,
          action,
          repo('protected'),
        ),
        action,
      ).not.toBe('Allowed');
  });

  it.each([
    'ecr:PutLifecyclePolicy',
    'ecr:PutImageTagMutability',
    'ecr:PutImageScanningConfiguration',
    'ecr:SetRepositoryPolicy',
    'ecr:BatchDeleteImage',
    'ecr:DeleteRepository',
  ])(
    'denies %s on a platform repository to both roles and to the execution role',
    async (action) => {
      expect(
        await decide(
          unprotectedDeploy,
          unprotectedBoundary,
          OIDC_SESSION,
          action,
          repo('unprotected'),
        ),
      ).not.toBe('Allowed');
      expect(
        await decide(
          protectedDeploy,
          protectedBoundary,
          PROTECTED_SESSION,
          action,
          repo('protected'),
        ),
      ).not.toBe('Allowed');
      expect(
        await decide(
          policyDoc(dev, /^ExecutionPolicy[0-9A-F]{8}$/),
          protectedBoundary,
          `arn:aws:sts::${DEV}:assumed-role/branch-env-deploy-cfn/cfn`,
          action,
          repo('protected'),
        ),
      ).not.toBe('Allowed');
    },
  );

  it('pushes nowhere else: not the CDK asset repository of the other class, not a repository outside the platform', async () => {
    expect(
      await decide(
        unprotectedDeploy,
        unprotectedBoundary,
        OIDC_SESSION,
        'ecr:PutImage',
        `arn:aws:ecr:us-east-1:${DEV}:repository/someone-elses/app`,
      ),
    ).not.toBe('Allowed');
  });
});

describe('the shared database provisioner and master secrets (docs/platform.md, "Shared databases")', () => {
  const provisioner = `arn:aws:lambda:us-east-1:${DEV}:function:${A}-platform-database-provisioner`;
  const executor = `arn:aws:lambda:us-east-1:${DEV}:function:${A}-platform-DatabasesExecutor3D65F962-abc`;
  const master = `arn:aws:secretsmanager:us-east-1:${DEV}:secret:${A}-platform/databases/aurora-postgres/master-AbCdEf`;
  const EXEC_ROLE = `arn:aws:iam::${DEV}:role/branch-env-deploy-unprotected-cfn`;
  /** The worst role a branch could create: anything, within the boundary. */
  const anything = {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
  };
  const TASK_ROLE = `arn:aws:iam::${DEV}:role/${A}-feature-x-ServiceTaskRole-abc`;
  const TASK_SESSION = `arn:aws:sts::${DEV}:assumed-role/${A}-feature-x-ServiceTaskRole-abc/task`;

  it("lets the execution role invoke the provisioner (CloudFormation's custom resource), and nothing else of the platform", async () => {
    const ctx = { 'aws:PrincipalArn': EXEC_ROLE };
    expect(
      await decide(
        unprotectedExec,
        unprotectedBoundary,
        EXEC_SESSION,
        'lambda:InvokeFunction',
        provisioner,
        ctx,
      ),
    ).toBe('Allowed');
    expect(
      await decide(
        unprotectedExec,
        unprotectedBoundary,
        EXEC_SESSION,
        'lambda:InvokeFunction',
        executor,
        ctx,
      ),
    ).not.toBe('Allowed');
    expect(
      await decide(
        unprotectedExec,
        unprotectedBoundary,
        EXEC_SESSION,
        'secretsmanager:GetSecretValue',
        master,
        ctx,
      ),
    ).not.toBe('Allowed');
  });

  it.each([
    ['the provisioner', 'lambda:InvokeFunction', provisioner],
    ['the executor', 'lambda:InvokeFunction', executor],
    ['the master secret', 'secretsmanager:GetSecretValue', master],
  ])(
    'denies a role a branch creates (policy "*", the boundary) %s',
    async (_what, action, resource) => {
      expect(
        await decide(anything, unprotectedBoundary, TASK_SESSION, action, resource, {
          'aws:PrincipalArn': TASK_ROLE,
        }),
      ).not.toBe('Allowed');
    },
  );

  it('denies the deploy role itself the provisioner and the master secret', async () => {
    const ctx = { 'aws:PrincipalArn': `arn:aws:iam::${DEV}:role/branch-env-deploy-unprotected` };
    for (const [action, resource] of [
      ['lambda:InvokeFunction', provisioner],
      ['secretsmanager:GetSecretValue', master],
    ] as const) {
      expect(
        await decide(anything, unprotectedBoundary, OIDC_SESSION, action, resource, ctx),
      ).not.toBe('Allowed');
    }
  });

  it('still lets a branch role read its own secret (the deny is the platform only)', async () => {
    expect(
      await decide(
        anything,
        unprotectedBoundary,
        TASK_SESSION,
        'secretsmanager:GetSecretValue',
        secret,
        {
          'aws:PrincipalArn': TASK_ROLE,
        },
      ),
    ).toBe('Allowed');
  });
});

describe("a protected environment's tagged resources: the unprotected class can do nothing to them, whatever the verb", () => {
  const run = (action: string, resource: string, context: Record<string, string | string[]> = {}) =>
    decide(unprotectedExec, unprotectedBoundary, EXEC_SESSION, action, resource, context);
  const at = (service: string, resource: string) =>
    `arn:aws:${service}:us-east-1:${DEV}:${resource}`;
  // Verbs a list of Create/Delete/Put/Update/Modify/Tag/Untag would miss.
  it.each([
    ['ec2:AuthorizeSecurityGroupIngress', at('ec2', 'security-group/sg-0123456789abcdef0')],
    ['ec2:RevokeSecurityGroupEgress', at('ec2', 'security-group/sg-0123456789abcdef0')],
    ['ec2:DeleteTags', at('ec2', 'security-group/sg-0123456789abcdef0')],
    [
      'elasticloadbalancing:RegisterTargets',
      at('elasticloadbalancing', 'targetgroup/x/0123456789abcdef'),
    ],
    ['elasticloadbalancing:RemoveTags', at('elasticloadbalancing', 'loadbalancer/app/x/1')],
    ['rds:RemoveTagsFromResource', at('rds', 'cluster:branch-env-demo-qa1')],
    ['rds:RebootDBInstance', at('rds', 'db:branch-env-demo-qa1-1')],
    ['secretsmanager:GetSecretValue', at('secretsmanager', 'secret:qa1-db-AbCdEf')],
    ['lambda:AddPermission', at('lambda', 'function:x')],
    ['ecs:StopTask', at('ecs', 'task/x/0123456789abcdef')],
    [
      'application-autoscaling:RegisterScalableTarget',
      at('application-autoscaling', 'scalable-target/x'),
    ],
  ] as const)('denies %s on a resource of qa1', async (action, resource) => {
    expect(await run(action, resource, tags('qa1'))).not.toBe('Allowed');
  });
  it('still lets it act on its own environment (the same verbs)', async () => {
    expect(
      await run(
        'ec2:AuthorizeSecurityGroupIngress',
        at('ec2', 'security-group/sg-0123456789abcdef0'),
        tags('feature-x'),
      ),
    ).toBe('Allowed');
  });
});

describe('IAM size limits', () => {
  it('keeps the permissions boundary within 6,144 characters for the longest app name (32) and every protected rule of the config', () => {
    const long = { ...config, app: 'a'.repeat(14) + '-' + 'b'.repeat(17) };
    expect(long.app).toHaveLength(32);
    const longApp = new App();
    const t = Template.fromStack(
      new DeployRoleStack(longApp, 'DevLong', {
        config: long,
        account: 'development',
        repository: REPO,
      }),
    ).toJSON();
    const boundaries = Object.entries(res(t)).filter(
      ([, r]) => r.Type === 'AWS::IAM::ManagedPolicy',
    );
    expect(boundaries.length).toBeGreaterThan(0);
    for (const [id, r] of boundaries)
      expect(JSON.stringify(r.Properties.PolicyDocument).length, id).toBeLessThanOrEqual(6144);
  });

  it("keeps every managed policy within 6,144 and every role's inline policies within 10,240 characters", () => {
    for (const t of [dev, prod]) {
      for (const [id, r] of Object.entries(res(t))) {
        const size = JSON.stringify(r.Properties.PolicyDocument ?? {}).length;
        if (r.Type === 'AWS::IAM::ManagedPolicy') expect(size, id).toBeLessThanOrEqual(6144);
        if (r.Type === 'AWS::IAM::Policy') expect(size, id).toBeLessThanOrEqual(10240);
      }
    }
  });
});

describe('compliance', () => {
  it('is cdk-nag AwsSolutions clean, every acknowledgement with a reason', () => {
    for (const stack of [devStack, prodStack]) {
      const findings = nagFindings(stack);
      expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
      expect(findings.every((f) => (f.reason ?? '').length > 20)).toBe(true);
    }
  });
});
