import { App } from 'aws-cdk-lib';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import {
  AddTagsCommand,
  CreateRuleCommand,
  DeleteRuleCommand,
  DescribeRulesCommand,
  DescribeTagsCommand,
  ElasticLoadBalancingV2Client,
  ModifyRuleCommand,
  RuleNotFoundException,
  SetRulePrioritiesCommand,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { PlatformStack } from '@branch-env/cdk';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { routerAws } from '../src/platform/router/aws.js';
import {
  checkClientSecret,
  checkTargetGroup,
  LISTENER_RULE_RESOURCE_TYPE,
  ruleActionOf,
  ruleRequestOf,
  type CustomResourceEvent,
  type RouterSettings,
  type RuleFacts,
} from '../src/platform/router/decide.js';
import { route } from '../src/platform/router/handler.js';
import { policiesOfRole } from './iam-simulation.js';
import { outdir, removeOutdirs, testConfig, type Template } from './helpers.js';

const ACCOUNT = '111111111111';
const elb = (r: string) => `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:${r}`;
const LISTENER = elb('listener/app/shop-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2');
const OTHER_LISTENER = elb('listener/app/shop-other-Alb/50dc6c495c0c9188/f2f7dc8efc522ab2');
const RULE = elb(
  'listener-rule/app/shop-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee',
);
const TG = elb('targetgroup/shop-feat-Tg/73e2d6bc24d8a067');
const WAKER = elb('targetgroup/shop-waker-0/0000000000000001');
const STACK = `arn:aws:cloudformation:us-east-1:${ACCOUNT}:stack/shop-feat/11111111-2222`;
const SECRET = `arn:aws:secretsmanager:us-east-1:${ACCOUNT}:secret:previews-oidc-AbCdEf`;

const settings: RouterSettings = {
  app: 'shop',
  domain: 'dev.example.com',
  listenerArns: [LISTENER],
  wakerTargetGroupArns: [WAKER],
};

function event(
  type: CustomResourceEvent['RequestType'],
  props: Record<string, unknown> = {},
  physical?: string,
): CustomResourceEvent {
  return {
    RequestType: type,
    ResponseURL: 'https://cloudformation-custom-resource-response.example/x',
    StackId: STACK,
    RequestId: 'req-1',
    LogicalResourceId: 'ServiceHostRule',
    ResourceType: LISTENER_RULE_RESOURCE_TYPE,
    ...(physical === undefined ? {} : { PhysicalResourceId: physical }),
    ResourceProperties: {
      ServiceToken: 'arn:aws:lambda:us-east-1:111111111111:function:shop-platform-router',
      EnvironmentName: 'feat',
      ListenerArn: LISTENER,
      Priority: '4242',
      Paths: ['/api/*'],
      TargetGroupArn: TG,
      ...props,
    },
  };
}

const ownRule = (extra: Partial<RuleFacts> = {}): RuleFacts => ({
  arn: RULE,
  listenerArn: LISTENER,
  priority: 4242,
  forwardTargetGroupArn: TG,
  tags: { 'branch-env:app': 'shop', 'branch-env:environment': 'feat' },
  ...extra,
});

describe('what a rule request may ask for (ruleRequestOf)', () => {
  it('reads a well-formed request', () => {
    expect(ruleRequestOf(event('Create', { SleepAfterMinutes: '30' }), settings)).toEqual({
      listenerArn: LISTENER,
      priority: 4242,
      paths: ['/api/*'],
      targetGroupArn: TG,
      access: { mode: 'public' },
      sleepAfterMinutes: 30,
    });
  });

  it.each([
    [{ ListenerArn: OTHER_LISTENER }, "not one of the platform's listeners"],
    [{ Priority: '0' }, 'Priority must be an integer from 1 to 50000'],
    [{ Priority: 'abc' }, 'Priority must be an integer'],
    [{ TargetGroupArn: 'arn:aws:s3:::bucket' }, 'not a target group ARN'],
    [{ Paths: ['/a', '/b', '/c', '/d'] }, 'at most 3'],
    [
      {
        Access: { Mode: 'cidr', Cidrs: ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16'] },
        Paths: ['/a', '/b'],
      },
      'at most 5',
    ],
    [{ Access: { Mode: 'cidr', Cidrs: ['not-a-cidr'] } }, 'CIDR'],
    [{ Access: { Mode: 'vpn' } }, 'is not public, cidr or oidc'],
    [
      {
        Access: {
          Mode: 'oidc',
          Issuer: 'http://idp.example.com',
          AuthorizationEndpoint: 'https://idp.example.com/a',
          TokenEndpoint: 'https://idp.example.com/t',
          UserInfoEndpoint: 'https://idp.example.com/u',
          ClientId: 'c',
          ClientSecretArn: SECRET,
        },
      },
      'Access.Issuer must be an https URL',
    ],
  ])('refuses %j (%s)', (props, message) => {
    expect(() => ruleRequestOf(event('Create', props), settings)).toThrow(message);
  });
});

describe('whose target group and secret (checkTargetGroup, checkClientSecret)', () => {
  it("refuses a target group of another stack (CloudFormation's aws: tag says whose)", () => {
    expect(() =>
      checkTargetGroup(event('Create'), {
        arn: TG,
        tags: { 'aws:cloudformation:stack-id': STACK.replace('shop-feat', 'shop-qa1') },
      }),
    ).toThrow('not a resource of the requesting stack');
    expect(() =>
      checkTargetGroup(event('Create'), {
        arn: TG,
        tags: { 'aws:cloudformation:stack-id': STACK },
      }),
    ).not.toThrow();
  });

  it('puts an OIDC client secret into a rule only for the token endpoint its tag names', () => {
    const access = {
      mode: 'oidc' as const,
      issuer: 'https://idp.example.com',
      authorizationEndpoint: 'https://idp.example.com/a',
      tokenEndpoint: 'https://idp.example.com/t',
      userInfoEndpoint: 'https://idp.example.com/u',
      clientId: 'c',
      clientSecretArn: SECRET,
    };
    expect(() =>
      checkClientSecret(access, { 'branch-env:oidc-token-endpoint': 'https://attacker.example/t' }),
    ).toThrow('is not tagged branch-env:oidc-token-endpoint=https://idp.example.com/t');
    expect(() => checkClientSecret(access, {})).toThrow('tag the client secret');
    expect(() =>
      checkClientSecret(access, { 'branch-env:oidc-token-endpoint': 'https://idp.example.com/t' }),
    ).not.toThrow();
  });
});

describe('what to do with the rule (ruleActionOf)', () => {
  const request = ruleRequestOf(event('Create'), settings);
  it('creates on Create, and on an Update whose rule is gone or on another listener', () => {
    expect(ruleActionOf(event('Create'), 'feat', request, undefined, settings)).toEqual({
      kind: 'create',
    });
    expect(ruleActionOf(event('Update', {}, RULE), 'feat', request, undefined, settings).kind).toBe(
      'create',
    );
    expect(
      ruleActionOf(
        event('Update', {}, RULE),
        'feat',
        request,
        ownRule({ listenerArn: elb('listener/app/shop-platform-1/1/2') }),
        { ...settings, listenerArns: [LISTENER, elb('listener/app/shop-platform-1/1/2')] },
      ).kind,
    ).toBe('create');
  });

  it('modifies its own rule in place, and sees when the environment sleeps', () => {
    expect(ruleActionOf(event('Update', {}, RULE), 'feat', request, ownRule(), settings)).toEqual({
      kind: 'modify',
      rule: ownRule(),
      asleep: false,
    });
    const asleep = ownRule({ forwardTargetGroupArn: WAKER });
    expect(
      ruleActionOf(event('Update', {}, RULE), 'feat', request, asleep, settings),
    ).toMatchObject({ kind: 'modify', asleep: true });
  });

  it("refuses to modify another environment's rule, and leaves it alone on Delete", () => {
    const theirs = ownRule({ tags: { 'branch-env:app': 'shop', 'branch-env:environment': 'qa1' } });
    expect(() =>
      ruleActionOf(event('Update', {}, RULE), 'feat', request, theirs, settings),
    ).toThrow("is not environment feat's");
    expect(
      ruleActionOf(event('Delete', {}, RULE), 'feat', undefined, theirs, settings),
    ).toMatchObject({
      kind: 'nothing',
    });
    expect(ruleActionOf(event('Delete', {}, RULE), 'feat', undefined, ownRule(), settings)).toEqual(
      {
        kind: 'delete',
        rule: ownRule(),
      },
    );
  });

  it("deletes nothing for a failed create's placeholder", () => {
    expect(
      ruleActionOf(event('Delete', {}, 'failed/req-0'), 'feat', undefined, undefined, settings),
    ).toMatchObject({ kind: 'nothing' });
  });
});

describe('the router (AWS calls mocked)', () => {
  const cfn = mockClient(CloudFormationClient);
  const elbv2 = mockClient(ElasticLoadBalancingV2Client);
  const sm = mockClient(SecretsManagerClient);
  const lambda = mockClient(LambdaClient);
  afterEach(() => {
    cfn.reset();
    elbv2.reset();
    sm.reset();
    lambda.reset();
  });
  const aws = () =>
    routerAws({
      cloudformation: new CloudFormationClient({}),
      elb: new ElasticLoadBalancingV2Client({}),
      secrets: new SecretsManagerClient({}),
      lambda: new LambdaClient({}),
      sleeper: 'shop-platform-sleeper',
    });
  const stackIs = (environment: string, name = `shop-${environment}`) =>
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackId: STACK,
          StackName: name,
          StackStatus: 'UPDATE_IN_PROGRESS',
          CreationTime: new Date(),
          Tags: [
            { Key: 'branch-env:app', Value: 'shop' },
            { Key: 'branch-env:environment', Value: environment },
          ],
        },
      ],
    });
  const tagsAre = (arn: string, tags: Record<string, string>) =>
    elbv2.on(DescribeTagsCommand, { ResourceArns: [arn] }).resolves({
      TagDescriptions: [
        { ResourceArn: arn, Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
      ],
    });

  it("creates the rule for the requesting stack's own host, tagged for the sleeper", async () => {
    stackIs('feat');
    tagsAre(TG, { 'aws:cloudformation:stack-id': STACK });
    elbv2.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: RULE }] });
    const response = await route(event('Create', { SleepAfterMinutes: '30' }), settings, aws());
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: RULE });
    const [create] = elbv2.commandCalls(CreateRuleCommand);
    expect(create!.args[0].input).toEqual({
      ListenerArn: LISTENER,
      Priority: 4242,
      Conditions: [
        { Field: 'host-header', HostHeaderConfig: { Values: ['feat.dev.example.com'] } },
        { Field: 'path-pattern', PathPatternConfig: { Values: ['/api/*'] } },
      ],
      Actions: [{ Type: 'forward', Order: 1, TargetGroupArn: TG }],
      Tags: [
        { Key: 'branch-env:app', Value: 'shop' },
        { Key: 'branch-env:environment', Value: 'feat' },
        { Key: 'branch-env:target-group', Value: TG },
        { Key: 'branch-env:sleep-after', Value: '30' },
      ],
    });
  });

  it("refuses a stack that names another environment: no rule for the victim's host", async () => {
    stackIs('feat');
    const response = await route(event('Create', { EnvironmentName: 'qa1' }), settings, aws());
    expect(response).toMatchObject({ Status: 'FAILED' });
    expect(response.Reason).toContain("names environment 'qa1'");
    expect(elbv2.commandCalls(CreateRuleCommand)).toHaveLength(0);
  });

  it('refuses a target group of another stack before creating anything', async () => {
    stackIs('feat');
    tagsAre(TG, {
      'aws:cloudformation:stack-id': 'arn:aws:cloudformation:us-east-1:1:stack/shop-qa1/x',
    });
    const response = await route(event('Create'), settings, aws());
    expect(response.Status).toBe('FAILED');
    expect(elbv2.commandCalls(CreateRuleCommand)).toHaveLength(0);
  });

  it('keeps a sleeping environment forwarding to the waker on update, and asks the sleeper to wake it', async () => {
    stackIs('feat');
    tagsAre(TG, { 'aws:cloudformation:stack-id': STACK });
    tagsAre(RULE, { 'branch-env:app': 'shop', 'branch-env:environment': 'feat' });
    elbv2.on(DescribeRulesCommand).resolves({
      Rules: [
        { RuleArn: RULE, Priority: '4242', Actions: [{ Type: 'forward', TargetGroupArn: WAKER }] },
      ],
    });
    const response = await route(event('Update', { Priority: '4243' }, RULE), settings, aws());
    expect(response).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: RULE });
    const [modify] = elbv2.commandCalls(ModifyRuleCommand);
    expect(modify!.args[0].input.Actions).toEqual([
      { Type: 'forward', Order: 1, TargetGroupArn: WAKER },
    ]);
    expect(elbv2.commandCalls(SetRulePrioritiesCommand)[0]!.args[0].input).toEqual({
      RulePriorities: [{ RuleArn: RULE, Priority: 4243 }],
    });
    expect(elbv2.commandCalls(AddTagsCommand)[0]!.args[0].input.Tags).toContainEqual({
      Key: 'branch-env:target-group',
      Value: TG,
    });
    const [wake] = lambda.commandCalls(InvokeCommand);
    expect(wake!.args[0].input).toMatchObject({
      FunctionName: 'shop-platform-sleeper',
      InvocationType: 'Event',
    });
    expect(JSON.parse(new TextDecoder().decode(wake!.args[0].input.Payload as Uint8Array))).toEqual(
      {
        branchEnvWake: 'feat',
      },
    );
  });

  it('reads the OIDC client secret only after checking its tag, and fails without writing a rule when the tag disagrees', async () => {
    stackIs('feat');
    tagsAre(TG, { 'aws:cloudformation:stack-id': STACK });
    sm.on(DescribeSecretCommand).resolves({
      Tags: [{ Key: 'branch-env:oidc-token-endpoint', Value: 'https://idp.example.com/other' }],
    });
    const access = {
      Mode: 'oidc',
      Issuer: 'https://idp.example.com',
      AuthorizationEndpoint: 'https://idp.example.com/a',
      TokenEndpoint: 'https://idp.example.com/t',
      UserInfoEndpoint: 'https://idp.example.com/u',
      ClientId: 'c',
      ClientSecretArn: SECRET,
      ClientSecretField: 'clientSecret',
    };
    const refused = await route(event('Create', { Access: access }), settings, aws());
    expect(refused.Status).toBe('FAILED');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(0);
    expect(elbv2.commandCalls(CreateRuleCommand)).toHaveLength(0);

    sm.on(DescribeSecretCommand).resolves({
      Tags: [{ Key: 'branch-env:oidc-token-endpoint', Value: 'https://idp.example.com/t' }],
    });
    sm.on(GetSecretValueCommand).resolves({ SecretString: '{"clientSecret":"s3cret"}' });
    elbv2.on(CreateRuleCommand).resolves({ Rules: [{ RuleArn: RULE }] });
    const created = await route(event('Create', { Access: access }), settings, aws());
    expect(created.Status).toBe('SUCCESS');
    const actions = elbv2.commandCalls(CreateRuleCommand)[0]!.args[0].input.Actions!;
    expect(actions[0]).toMatchObject({
      Type: 'authenticate-oidc',
      AuthenticateOidcConfig: {
        ClientSecret: 's3cret',
        TokenEndpoint: 'https://idp.example.com/t',
      },
    });
    // Nothing secret goes back to CloudFormation.
    expect(JSON.stringify(created)).not.toContain('s3cret');
  });

  it('deletes its own rule on Delete, and succeeds when it is already gone', async () => {
    stackIs('feat');
    tagsAre(RULE, { 'branch-env:app': 'shop', 'branch-env:environment': 'feat' });
    elbv2.on(DescribeRulesCommand).resolves({ Rules: [{ RuleArn: RULE, Priority: '4242' }] });
    expect((await route(event('Delete', {}, RULE), settings, aws())).Status).toBe('SUCCESS');
    expect(elbv2.commandCalls(DeleteRuleCommand)[0]!.args[0].input).toEqual({ RuleArn: RULE });

    elbv2.reset();
    elbv2
      .on(DescribeRulesCommand)
      .rejects(new RuleNotFoundException({ message: 'gone', $metadata: {} }));
    expect((await route(event('Delete', {}, RULE), settings, aws())).Status).toBe('SUCCESS');
    expect(elbv2.commandCalls(DeleteRuleCommand)).toHaveLength(0);
  });
});

describe("the router's role (IAM simulation of the synthesized policy)", () => {
  let template: Template;
  let roleId: string;
  let routerId: string;
  let sleeperId: string;
  beforeAll(() => {
    const config = structuredClone(testConfig());
    const app = new App({ outdir: outdir(), analyticsReporting: false });
    const stack = new PlatformStack(app, 'Platform', {
      app: config.app,
      account: { key: 'development', ...config.accounts.development! },
    });
    template = app.synth().getStackByName(stack.stackName).template as Template;
    roleId = stack.getLogicalId(stack.router.role.node.defaultChild as never);
    routerId = stack.getLogicalId(stack.router.function.node.defaultChild as never);
    sleeperId = stack.getLogicalId(stack.sleeper.function.node.defaultChild as never);
  });

  it("knows the sleeper's wakers (a rule forwarding there is asleep) and whom to ask to wake an environment", () => {
    const env = (
      template.Resources[routerId]!.Properties as {
        Environment: { Variables: Record<string, unknown> };
      }
    ).Environment.Variables;
    expect(env['SLEEPER']).toEqual({ Ref: sleeperId });
    const wakers = Object.entries(template.Resources)
      .filter(
        ([, r]) =>
          r.Type === 'AWS::ElasticLoadBalancingV2::TargetGroup' &&
          r.Properties?.TargetType === 'lambda' &&
          JSON.stringify(r.Properties?.Targets ?? []).includes(sleeperId),
      )
      .map(([id]) => ({ Ref: id }));
    expect(wakers.length).toBeGreaterThan(0);
    // One waker per load balancer (CDK writes a join of one as the element itself).
    const value = env['WAKER_TARGET_GROUP_ARNS'] as { 'Fn::Join'?: [string, unknown[]] };
    expect(value['Fn::Join']?.[1] ?? [value]).toEqual(wakers);
  });
  afterAll(removeOutdirs);

  const A = 'branch-env-demo';
  const platformListener = elb(`listener/app/${A}-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2`);
  const platformRule = elb(
    `listener-rule/app/${A}-platform-0/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee`,
  );
  const dedicatedRule = elb(
    `listener-rule/app/${A}-featu-Alb-1x2y/1a2b3c4d5e6f7a8b/0a1b2c3d4e5f6a7b/9f8e7d6c5b4a3a2b`,
  );
  async function decide(action: string, resource: string, context: Record<string, string> = {}) {
    const refs: Record<string, string> = {
      'AWS::Partition': 'aws',
      'AWS::Region': 'us-east-1',
      'AWS::AccountId': ACCOUNT,
    };
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type === 'AWS::ElasticLoadBalancingV2::Listener') refs[id] = platformListener;
      if (r.Type === 'AWS::Logs::LogGroup')
        refs[`${id}.Arn`] = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:${id}`;
      if (r.Type === 'AWS::Lambda::Function')
        refs[`${id}.Arn`] = `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${id}`;
    }
    const result = await runSimulation(
      {
        identityPolicies: policiesOfRole(template, roleId, refs).map((p) => ({
          name: p.name,
          policy: p.policy as never,
        })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        request: {
          principal: `arn:aws:iam::${ACCOUNT}:role/router`,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: context,
        },
      },
      {},
    );
    if (result.resultType !== 'single') throw new Error(JSON.stringify(result));
    return result.overallResult;
  }

  it.each([
    ['elasticloadbalancing:CreateRule', platformListener, { 'aws:RequestTag/branch-env:app': A }],
    ['elasticloadbalancing:ModifyRule', platformRule, { 'aws:ResourceTag/branch-env:app': A }],
    ['elasticloadbalancing:DeleteRule', platformRule, { 'aws:ResourceTag/branch-env:app': A }],
    ['elasticloadbalancing:SetRulePriorities', platformRule, {}],
    [
      'secretsmanager:GetSecretValue',
      SECRET,
      { 'aws:ResourceTag/branch-env:oidc-token-endpoint': 'https://idp.example.com/t' },
    ],
  ])('allows %s on %s', async (action, resource, context) => {
    expect(await decide(action, resource, context)).toBe('Allowed');
  });

  it('may invoke the sleeper and no other function', async () => {
    const fn = (id: string) => `arn:aws:lambda:us-east-1:${ACCOUNT}:function:${id}`;
    expect(await decide('lambda:InvokeFunction', fn(sleeperId))).toBe('Allowed');
    expect(await decide('lambda:InvokeFunction', fn(routerId))).not.toBe('Allowed');
  });

  it.each([
    ['elasticloadbalancing:CreateRule', platformListener, {}, 'a rule without the app tag'],
    [
      'elasticloadbalancing:ModifyRule',
      platformRule,
      { 'aws:ResourceTag/branch-env:app': 'other' },
      "another app's rule",
    ],
    [
      'elasticloadbalancing:ModifyRule',
      dedicatedRule,
      { 'aws:ResourceTag/branch-env:app': A },
      "a dedicated environment's own load balancer",
    ],
    ['elasticloadbalancing:SetRulePriorities', dedicatedRule, {}, 'a rule off the platform'],
    [
      'elasticloadbalancing:DeleteLoadBalancer',
      elb(`loadbalancer/app/${A}-platform-0/1`),
      {},
      'the load balancer',
    ],
    ['secretsmanager:GetSecretValue', SECRET, {}, 'a secret without the token-endpoint tag'],
  ])('denies %s on %s (%s)', async (action, resource, context) => {
    expect(await decide(action, resource, context)).not.toBe('Allowed');
  });
});
