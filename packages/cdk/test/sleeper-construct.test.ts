import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { App, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { afterAll, describe, expect, it } from 'vitest';
import { nagFindings, Sleeper } from '@branch-env/cdk';
import { sleeperAcknowledgements } from '../src/compliance/acknowledgements.js';
import { policiesOfRole } from './iam-simulation.js';
import { outdir, removeOutdirs, resourcesOf, type Template } from './helpers.js';

const ACCOUNT = '111111111111';

function build() {
  const app = new App({ outdir: outdir(), analyticsReporting: false });
  const stack = new Stack(app, 'Platform', { env: { account: ACCOUNT, region: 'us-east-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    maxAzs: 2,
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
  });
  const cluster = new ecs.Cluster(stack, 'Cluster', { vpc });
  const loadBalancers = [0, 1].map((n) => {
    const loadBalancer = new elbv2.ApplicationLoadBalancer(stack, `Lb${n}`, {
      vpc,
      internetFacing: true,
    });
    const httpsListener = loadBalancer.addListener('Https', {
      port: 80,
      open: false,
      defaultAction: elbv2.ListenerAction.fixedResponse(404),
    });
    return { loadBalancer, httpsListener };
  });
  const sleeper = new Sleeper(stack, 'Sleeper', {
    app: 'shop',
    cluster,
    loadBalancers,
    logRetentionDays: 14,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  for (const ack of sleeperAcknowledgements(sleeper)) {
    for (const target of ack.on)
      Validations.of(target).acknowledge({ id: ack.id, reason: ack.reason });
  }
  const assembly = app.synth();
  const template = assembly.getStackByName('Platform').template as Template;
  return { app, stack, sleeper, template, assembly };
}

const built = build();
const { template } = built;
afterAll(removeOutdirs);

const logicalId = (type: string, prefix: string): string => {
  const found = resourcesOf(template, type).filter(([id]) => id.startsWith(prefix));
  if (found.length !== 1) throw new Error(`${found.length} ${type} ${prefix}*`);
  return found[0]![0];
};
const FUNCTION = logicalId('AWS::Lambda::Function', 'SleeperFunction');
const ROLE = logicalId('AWS::IAM::Role', 'SleeperRole');
const CLUSTER_ID = logicalId('AWS::ECS::Cluster', 'Cluster');
const LB_IDS = [0, 1].map((n) => logicalId('AWS::ElasticLoadBalancingV2::LoadBalancer', `Lb${n}`));
const LOGS = logicalId('AWS::Logs::LogGroup', 'SleeperLogs');

describe('the Sleeper construct', () => {
  it('is a Node 24 arm64 function with its own log group (retention) and only non-secret settings', () => {
    const fn = template.Resources[FUNCTION]!.Properties!;
    expect(fn).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      Handler: 'index.handler',
      Timeout: 60,
      LoggingConfig: { LogGroup: { Ref: LOGS } },
      Role: { 'Fn::GetAtt': [ROLE, 'Arn'] },
    });
    expect(template.Resources[LOGS]!.Properties).toEqual({ RetentionInDays: 14 });
    const variables = (fn.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(variables).toEqual({
      APP: 'shop',
      CLUSTER: { 'Fn::GetAtt': [CLUSTER_ID, 'Arn'] },
      LISTENER_ARNS: {
        'Fn::Join': [
          ',',
          [0, 1].map((n) => ({
            Ref: logicalId('AWS::ElasticLoadBalancingV2::Listener', `Lb${n}Https`),
          })),
        ],
      },
    });
    expect(JSON.stringify(variables)).not.toMatch(/secret|password|token|resolve:/i);
  });

  it('has a Lambda waker target group per load balancer, invocable by load balancers only', () => {
    const groups = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(groups.map(([id]) => id.replace(/[0-9A-F]{8}$/, ''))).toEqual([
      'SleeperWaker0',
      'SleeperWaker1',
    ]);
    for (const [, g] of groups) {
      expect(g.Properties).toEqual({
        TargetType: 'lambda',
        Targets: [{ Id: { 'Fn::GetAtt': [FUNCTION, 'Arn'] } }],
      });
      expect(g.DependsOn).toContain(
        logicalId('AWS::Lambda::Permission', 'SleeperLoadBalancerInvoke'),
      );
    }
    expect(built.sleeper.wakerTargetGroups).toHaveLength(2);
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').map(
      ([, p]) => p.Properties,
    );
    expect(permissions).toContainEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [FUNCTION, 'Arn'] },
      Principal: 'elasticloadbalancing.amazonaws.com',
      SourceAccount: ACCOUNT,
      SourceArn: {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            `:elasticloadbalancing:us-east-1:${ACCOUNT}:targetgroup/*`,
          ],
        ],
      },
    });
  });

  it('sweeps every 5 minutes with the wakers of each listener as input', () => {
    const [[ruleId, rule]] = resourcesOf(template, 'AWS::Events::Rule') as [
      [string, { Properties: Record<string, unknown> }],
    ];
    expect(rule.Properties.ScheduleExpression).toBe('rate(5 minutes)');
    const target = (rule.Properties.Targets as Record<string, unknown>[])[0]!;
    expect(target.Arn).toEqual({ 'Fn::GetAtt': [FUNCTION, 'Arn'] });
    const input = JSON.stringify(target.Input);
    for (const n of [0, 1]) {
      expect(input).toContain(logicalId('AWS::ElasticLoadBalancingV2::Listener', `Lb${n}Https`));
      expect(input).toContain(
        logicalId('AWS::ElasticLoadBalancingV2::TargetGroup', `SleeperWaker${n}`),
      );
    }
    expect(input).toContain('\\"kind\\":\\"sweep\\"');
    const permissions = resourcesOf(template, 'AWS::Lambda::Permission').map(
      ([, p]) => p.Properties,
    );
    expect(permissions).toContainEqual({
      Action: 'lambda:InvokeFunction',
      FunctionName: { 'Fn::GetAtt': [FUNCTION, 'Arn'] },
      Principal: 'events.amazonaws.com',
      SourceArn: { 'Fn::GetAtt': [ruleId, 'Arn'] },
    });
  });

  it('passes cdk-nag AwsSolutions, every acknowledgement justified', () => {
    const findings = nagFindings(built.sleeper);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f.reason, f.rule).toMatch(/.{40,}/);
  });
});

describe("the sleeper's role, evaluated by the IAM simulator", () => {
  const CLUSTER_NAME = 'shop-platform-Cluster-Xyz';
  const CLUSTER_ARN = `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/${CLUSTER_NAME}`;
  const LB_FULL = ['app/shop-lb0/50dc6c495c0c9188', 'app/shop-lb1/60dc6c495c0c9188'];
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    [CLUSTER_ID]: CLUSTER_NAME,
    [`${CLUSTER_ID}.Arn`]: CLUSTER_ARN,
    [`${LOGS}.Arn`]: `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:Platform-SleeperLogs-AbC`,
    ...Object.fromEntries(LB_IDS.map((id, n) => [`${id}.LoadBalancerFullName`, LB_FULL[n]!])),
  };
  const policies = policiesOfRole(template, ROLE, refs);
  const SESSION = `arn:aws:sts::${ACCOUNT}:assumed-role/Platform-SleeperRole/sleeper`;

  async function decide(
    action: string,
    resource: string,
    context: Record<string, string | string[]> = {},
  ) {
    const r = await runSimulation(
      {
        request: {
          principal: SESSION,
          action,
          resource: { resource, accountId: ACCOUNT },
          contextVariables: context,
        },
        identityPolicies: policies.map((p) => ({ name: p.name, policy: p.policy as never })),
        serviceControlPolicies: [],
        resourceControlPolicies: [],
      },
      {},
    );
    if (r.resultType === 'error')
      throw new Error(`${action} ${resource}: ${JSON.stringify(r.errors)}`);
    // 'wildcard' for a '*' resource of an action with an optional resource type (GetMetricData).
    return r.overallResult;
  }

  const ruleOf = (n: number) =>
    `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/${LB_FULL[n]}/f2f7dc8efc522ab2/9683b2d02a6cabee`;
  const service = (name: string, cluster = CLUSTER_NAME) =>
    `arn:aws:ecs:us-east-1:${ACCOUNT}:service/${cluster}/${name}`;
  const shop = { 'aws:ResourceTag/branch-env:app': 'shop' };
  const target = `arn:aws:application-autoscaling:us-east-1:${ACCOUNT}:scalable-target/0123456789abcdef0123456789abcdef`;
  const ecsScaling = {
    'application-autoscaling:service-namespace': 'ecs',
    'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
  };

  it.each([
    ['elasticloadbalancing:ModifyRule', ruleOf(0), shop],
    ['elasticloadbalancing:ModifyRule', ruleOf(1), shop],
    ['elasticloadbalancing:DescribeRules', '*', {}],
    ['elasticloadbalancing:DescribeTags', '*', {}],
    ['elasticloadbalancing:DescribeTargetHealth', '*', {}],
    ['ecs:ListServices', '*', { 'ecs:cluster': CLUSTER_ARN }],
    ['ecs:DescribeServices', service('shop-feature-a-api'), {}],
    ['ecs:UpdateService', service('shop-feature-a-api'), shop],
    [
      'ecs:TagResource',
      service('shop-feature-a-api'),
      { ...shop, 'aws:TagKeys': ['branch-env:awake-count'] },
    ],
    [
      'ecs:TagResource',
      service('shop-feature-a-api'),
      { ...shop, 'aws:TagKeys': ['branch-env:woken-at'] },
    ],
    ['application-autoscaling:DescribeScalableTargets', '*', {}],
    ['application-autoscaling:RegisterScalableTarget', target, ecsScaling],
    ['cloudwatch:GetMetricData', '*', {}],
    [
      'logs:PutLogEvents',
      `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:Platform-SleeperLogs-AbC:log-stream:x`,
      {},
    ],
  ])('allows %s on %s', async (action, resource, context) => {
    expect(await decide(action, resource, context)).toBe('Allowed');
  });

  it.each([
    [
      'ModifyRule of another app',
      'elasticloadbalancing:ModifyRule',
      ruleOf(0),
      { 'aws:ResourceTag/branch-env:app': 'other' },
    ],
    ['ModifyRule of an untagged rule', 'elasticloadbalancing:ModifyRule', ruleOf(0), {}],
    [
      'ModifyRule on another load balancer',
      'elasticloadbalancing:ModifyRule',
      `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener-rule/app/other/1111111111111111/f2/96`,
      shop,
    ],
    [
      'ModifyListener',
      'elasticloadbalancing:ModifyListener',
      `arn:aws:elasticloadbalancing:us-east-1:${ACCOUNT}:listener/${LB_FULL[0]}/f2f7dc8efc522ab2`,
      shop,
    ],
    ['DeleteRule', 'elasticloadbalancing:DeleteRule', ruleOf(0), shop],
    [
      'ListServices of another cluster',
      'ecs:ListServices',
      '*',
      { 'ecs:cluster': `arn:aws:ecs:us-east-1:${ACCOUNT}:cluster/other` },
    ],
    [
      'UpdateService of another app',
      'ecs:UpdateService',
      service('x'),
      { 'aws:ResourceTag/branch-env:app': 'other' },
    ],
    ['UpdateService in another cluster', 'ecs:UpdateService', service('x', 'other'), shop],
    [
      'TagResource of another key',
      'ecs:TagResource',
      service('x'),
      { ...shop, 'aws:TagKeys': ['branch-env:app'] },
    ],
    [
      'TagResource of another app',
      'ecs:TagResource',
      service('x'),
      { 'aws:ResourceTag/branch-env:app': 'other', 'aws:TagKeys': ['branch-env:awake-count'] },
    ],
    ['DeleteService', 'ecs:DeleteService', service('x'), shop],
    [
      'RegisterScalableTarget of another service namespace',
      'application-autoscaling:RegisterScalableTarget',
      target,
      { ...ecsScaling, 'application-autoscaling:service-namespace': 'dynamodb' },
    ],
    ['DeleteScalingPolicy', 'application-autoscaling:DeleteScalingPolicy', target, ecsScaling],
    [
      'PutMetricAlarm',
      'cloudwatch:PutMetricAlarm',
      `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:x`,
      {},
    ],
  ])('denies %s', async (_, action, resource, context) => {
    expect(await decide(action, resource, context)).not.toBe('Allowed');
  });
});

describe('the bundled handler', () => {
  const assets = readdirSync(built.assembly.directory).filter((f) => f.startsWith('asset.'));
  const bundles = assets.filter((a) =>
    readdirSync(join(built.assembly.directory, a)).includes('index.mjs'),
  );

  it('is one ESM file that leaves the AWS SDK (all four clients) to the runtime', () => {
    expect(bundles).toHaveLength(1);
    const code = readFileSync(join(built.assembly.directory, bundles[0]!, 'index.mjs'), 'utf8');
    expect(code).toContain('@aws-sdk/client-elastic-load-balancing-v2');
    expect(code).toContain('@aws-sdk/client-cloudwatch');
    expect(code).toContain('@aws-sdk/client-application-auto-scaling');
    expect(code).not.toContain('class ElasticLoadBalancingV2Client');
  });

  it('loads and answers a waker request: it asks the load balancer API for the rules of the Host', async () => {
    // A stand-in for the Elastic Load Balancing endpoint (query protocol): no rule of the app.
    const requests: string[] = [];
    const server: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        requests.push(body);
        res.writeHead(200, { 'content-type': 'text/xml' });
        res.end(
          '<DescribeRulesResponse xmlns="http://elasticloadbalancing.amazonaws.com/doc/2015-12-01/"><DescribeRulesResult><Rules/></DescribeRulesResult><ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata></DescribeRulesResponse>',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    // Next to the workspace's node_modules, as the Lambda runtime provides @aws-sdk/*.
    const dir = mkdtempSync(join(import.meta.dirname, '.bundle-'));
    cpSync(join(built.assembly.directory, bundles[0]!, 'index.mjs'), join(dir, 'index.mjs'));
    const saved = { ...process.env };
    Object.assign(process.env, {
      APP: 'shop',
      CLUSTER: 'arn:aws:ecs:us-east-1:111111111111:cluster/c',
      LISTENER_ARNS: 'arn:aws:elasticloadbalancing:us-east-1:111111111111:listener/app/lb/1/2',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'not-a-real-key',
      AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2: `http://127.0.0.1:${port}`,
    });
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as {
        handler: (e: unknown) => Promise<{ statusCode: number; body: string }>;
      };
      const r = await mod.handler({
        httpMethod: 'GET',
        path: '/',
        headers: { host: 'feature-a.dev.example.net', accept: 'text/html' },
        requestContext: {
          elb: {
            targetGroupArn:
              'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/w/0123456789abcdef',
          },
        },
      });
      expect(r).toMatchObject({ statusCode: 404, body: 'No environment answers at this name.\n' });
      expect(requests).toHaveLength(1);
      expect(requests[0]).toContain('Action=DescribeRules');
      expect(requests[0]).toContain(encodeURIComponent('listener/app/lb/1/2'));
      expect(lines.map((l) => JSON.parse(l) as object)).toEqual([
        { message: 'wake: unknown host', host: 'feature-a.dev.example.net' },
      ]);
    } finally {
      console.log = log;
      process.env = saved;
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
