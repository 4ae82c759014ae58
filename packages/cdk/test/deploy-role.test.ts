import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import {
  parseConfig,
  parseConfigText,
  stringLikeMatches,
  TRUST_POLICY_MAX_CHARS,
  UserError,
  type Config,
} from '@branch-env/core';
import { describe, expect, it } from 'vitest';
import { nagFindings } from '../src/compliance/nag-findings.js';
import { DeployRoleStack, roleNameOf } from '../src/deploy-role/deploy-role-stack.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const REPO = 'acme/shop';
const configText = readFileSync(`${ROOT}branch-env.config.json`, 'utf8');
const config = parseConfigText(configText);

// One app, both accounts, shared by the whole file.
const app = new App();
const prod = new DeployRoleStack(app, 'Prod', { config, account: 'production', repository: REPO });
const dev = new DeployRoleStack(app, 'Dev', { config, account: 'development', repository: REPO });
const prodTemplate = Template.fromStack(prod);
const devTemplate = Template.fromStack(dev);

type Statement = {
  Effect: string;
  Sid?: string;
  Action: string | string[];
  Principal?: { Federated?: unknown };
  Condition?: Record<string, Record<string, string | string[]>>;
  Resource?: unknown;
};

function roleOf(
  template: Template,
): { AssumeRolePolicyDocument: { Statement: Statement[] } } & Record<string, unknown> {
  const roles = Object.values(template.findResources('AWS::IAM::Role'));
  expect(roles).toHaveLength(1);
  return (roles[0] as { Properties: never }).Properties;
}

/**
 * Evaluate a synthesized trust policy for a GitHub token the way IAM does for
 * sts:AssumeRoleWithWebIdentity: some Allow statement whose every condition operator holds, each
 * operator holding when some of its values matches the claim (StringEquals exactly, StringLike
 * with IAM wildcards). Operators this evaluator does not know fail closed.
 */
function canAssume(template: Template, claims: { sub: string; aud?: string }): boolean {
  const { Statement } = roleOf(template).AssumeRolePolicyDocument;
  const claimOf = (key: string) =>
    key === 'token.actions.githubusercontent.com:sub'
      ? claims.sub
      : key === 'token.actions.githubusercontent.com:aud'
        ? (claims.aud ?? 'sts.amazonaws.com')
        : undefined;
  return Statement.some((s) => {
    const actions = [s.Action].flat();
    if (s.Effect !== 'Allow' || !actions.includes('sts:AssumeRoleWithWebIdentity')) return false;
    return Object.entries(s.Condition ?? {}).every(([op, block]) =>
      Object.entries(block).every(([key, values]) => {
        const claim = claimOf(key);
        if (claim === undefined) return false;
        const list = [values].flat();
        if (op === 'StringEquals') return list.includes(claim);
        if (op === 'StringLike') return list.some((p) => stringLikeMatches(p, claim));
        return false;
      }),
    );
  });
}

const ref = (b: string) => `repo:${REPO}:ref:refs/heads/${b}`;

describe('the production deploy role trust policy (evaluated)', () => {
  it.each(['main', 'prod/new-api', 'prod/team/x', 'hotfix/cve-2026-1', 'prod1', 'prod9'])(
    '%s can assume it',
    (b) => expect(canAssume(prodTemplate, { sub: ref(b) })).toBe(true),
  );

  it.each([
    'feature/new-login',
    'feature/prod/x',
    'bugfix/hotfix',
    'prodx',
    'prod10',
    'prod',
    'main2',
    'sandbox',
    'qa1',
    'staging2',
    'dev-ana-1',
  ])('%s cannot assume it', (b) => expect(canAssume(prodTemplate, { sub: ref(b) })).toBe(false));

  it('refuses pull-request runs, tags, other repositories and other audiences', () => {
    expect(canAssume(prodTemplate, { sub: `repo:${REPO}:pull_request` })).toBe(false);
    expect(canAssume(prodTemplate, { sub: `repo:${REPO}:ref:refs/tags/main` })).toBe(false);
    expect(canAssume(prodTemplate, { sub: 'repo:acme/other:ref:refs/heads/main' })).toBe(false);
    expect(canAssume(prodTemplate, { sub: ref('main'), aud: 'sigstore' })).toBe(false);
  });

  it('is federated to the GitHub OIDC provider for sts:AssumeRoleWithWebIdentity only', () => {
    const [statement, ...rest] = roleOf(prodTemplate).AssumeRolePolicyDocument.Statement;
    expect(rest).toEqual([]);
    expect(statement?.Action).toBe('sts:AssumeRoleWithWebIdentity');
    expect(statement?.Principal?.Federated).toEqual({
      Ref: expect.stringMatching(/^GitHubOidcProvider/),
    });
  });

  it('fits in the default 2,048-character trust policy quota', () => {
    const doc = JSON.stringify(roleOf(prodTemplate).AssumeRolePolicyDocument).replace(
      /\{"Ref":"[^"]+"\}/,
      '"arn:aws:iam::222222222222:oidc-provider/token.actions.githubusercontent.com"',
    );
    expect(doc.length).toBeLessThan(TRUST_POLICY_MAX_CHARS);
  });
});

describe('the development deploy role trust policy (evaluated)', () => {
  it('admits development branches, pull-request runs and the default branch (delete/schedule runs)', () => {
    for (const b of [
      'feature/new-login',
      'bugfix/x',
      'ai/run-7',
      'sandbox',
      'qa1',
      'staging2',
      'dev-ana-1',
      'main',
    ])
      expect(canAssume(devTemplate, { sub: ref(b) }), b).toBe(true);
    expect(canAssume(devTemplate, { sub: `repo:${REPO}:pull_request` })).toBe(true);
  });

  it('does not admit production branches', () => {
    for (const b of ['prod/x', 'hotfix/y', 'prod1'])
      expect(canAssume(devTemplate, { sub: ref(b) }), b).toBe(false);
  });
});

describe('DeployRoleStack resources', () => {
  it('creates the GitHub OIDC provider for sts.amazonaws.com and retains it', () => {
    prodTemplate.hasResource('AWS::IAM::OIDCProvider', {
      Properties: {
        Url: 'https://token.actions.githubusercontent.com',
        ClientIdList: ['sts.amazonaws.com'],
      },
      DeletionPolicy: 'Retain',
    });
  });

  it('names the role after accounts.<key>.deployRoleArn and allows 4-hour sessions', () => {
    prodTemplate.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'branch-env-deploy',
      Path: '/',
      MaxSessionDuration: 14_400,
    });
    expect(prod.stackName).toBe('branch-env-demo-github-deploy-role');
    expect(prod.account).toBe('222222222222');
    expect(prod.terminationProtection).toBe(true);
  });

  it('grants no administrator access: no managed policies, no "*" actions, no IAM beyond PassRole to CloudFormation and doctor\'s reads', () => {
    const role = roleOf(prodTemplate);
    expect(role.ManagedPolicyArns).toBeUndefined();
    const policies = Object.values(prodTemplate.findResources('AWS::IAM::Policy'));
    expect(policies).toHaveLength(1);
    const statements = (
      policies[0] as { Properties: { PolicyDocument: { Statement: Statement[] } } }
    ).Properties.PolicyDocument.Statement;
    const actions = statements.flatMap((s) => [s.Action].flat());
    for (const a of actions) expect(a, a).not.toMatch(/\*/);
    expect(actions.filter((a) => a.startsWith('iam:'))).toEqual([
      'iam:PassRole',
      'iam:GetRole',
      'iam:GetOpenIDConnectProvider',
    ]);
    const reads = statements.find((s) => s.Sid === 'DoctorIdentity');
    expect(reads?.Resource).toEqual([
      {
        'Fn::Join': [
          '',
          ['arn:', { Ref: 'AWS::Partition' }, ':iam::222222222222:role/aws-service-role/*'],
        ],
      },
      {
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':iam::222222222222:oidc-provider/token.actions.githubusercontent.com',
          ],
        ],
      },
    ]);
    const passRole = statements.find((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRole?.Condition).toEqual({
      StringEquals: { 'iam:PassedToService': 'cloudformation.amazonaws.com' },
    });
  });

  it('assumes exactly the CDK bootstrap roles of its region and us-east-1', () => {
    prodTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'AssumeCdkBootstrapRoles',
            Action: 'sts:AssumeRole',
            Resource: [
              'deploy-role',
              'file-publishing-role',
              'image-publishing-role',
              'lookup-role',
            ].map((r) => ({
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  `:iam::222222222222:role/cdk-hnb659fds-${r}-222222222222-us-east-1`,
                ],
              ],
            })),
          }),
        ]),
      },
    });
  });

  it('reads and writes the config bus under /<app>/ only', () => {
    prodTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'ConfigBus',
            Action: Match.arrayWith([
              'ssm:GetParametersByPath',
              'ssm:PutParameter',
              'ssm:DeleteParameters',
            ]),
            Resource: ['parameter/branch-env-demo', 'parameter/branch-env-demo/*'].map((p) => ({
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, `:ssm:us-east-1:222222222222:${p}`],
              ],
            })),
          }),
        ]),
      },
    });
  });

  it('may delete only ACM validation CNAMEs (_*.<domain>) in its own hosted zone', () => {
    prodTemplate.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Sid: 'DeleteValidationRecords',
            Action: 'route53:ChangeResourceRecordSets',
            Resource: {
              'Fn::Join': [
                '',
                ['arn:', { Ref: 'AWS::Partition' }, ':route53:::hostedzone/Z0PRODEXAMPLE0000001'],
              ],
            },
            Condition: {
              'ForAllValues:StringEquals': {
                'route53:ChangeResourceRecordSetsActions': ['DELETE'],
                'route53:ChangeResourceRecordSetsRecordTypes': ['CNAME'],
              },
              'ForAllValues:StringLike': {
                'route53:ChangeResourceRecordSetsNormalizedRecordNames': [
                  '_*.branch-env.example.com',
                ],
              },
            },
          }),
        ]),
      },
    });
  });

  it('is cdk-nag AwsSolutions clean, every acknowledgement with a reason', () => {
    const findings = nagFindings(app);
    expect(findings.filter((f) => !f.acknowledged)).toEqual([]);
    expect(findings.length).toBeGreaterThan(0);
    for (const f of findings) expect(f.reason?.length ?? 0, f.rule).toBeGreaterThan(40);
  });
});

describe('DeployRoleStack options and failures', () => {
  it('imports an existing OIDC provider instead of creating a second one', () => {
    const arn = 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com';
    const stack = new DeployRoleStack(new App(), 'Imported', {
      config,
      account: 'development',
      repository: REPO,
      existingOidcProviderArn: arn,
    });
    const t = Template.fromStack(stack);
    t.resourceCountIs('AWS::IAM::OIDCProvider', 0);
    expect(roleOf(t).AssumeRolePolicyDocument.Statement[0]?.Principal?.Federated).toBe(arn);
  });

  it('trusts only the GitHub environment in production when asked to: main, prod/* and hotfix/* deploy through it', () => {
    const stack = new DeployRoleStack(new App(), 'Env', {
      config,
      account: 'production',
      repository: REPO,
      githubEnvironments: ['production'],
    });
    const t = Template.fromStack(stack);
    // the deploy-reviewed job of any production branch (its token's subject is the environment)
    expect(canAssume(t, { sub: `repo:${REPO}:environment:production` })).toBe(true);
    expect(canAssume(t, { sub: `repo:${REPO}:environment:staging` })).toBe(false);
    // a push whose (edited) workflow assumes the role outside the environment skips no reviewer
    for (const b of ['main', 'prod/new-api', 'hotfix/x', 'prod1', 'feature/new-login'])
      expect(canAssume(t, { sub: ref(b) }), b).toBe(false);
    expect(canAssume(t, { sub: `repo:${REPO}:pull_request` })).toBe(false);
  });

  it('does not let the development role trust a GitHub environment', () => {
    const stack = new DeployRoleStack(new App(), 'DevEnv', {
      config,
      account: 'development',
      repository: REPO,
      githubEnvironments: ['production'],
    });
    const t = Template.fromStack(stack);
    expect(canAssume(t, { sub: `repo:${REPO}:environment:production` })).toBe(false);
    expect(canAssume(t, { sub: ref('feature/new-login') })).toBe(true);
  });

  it('fails for a production rule IAM cannot express exactly', () => {
    const raw = JSON.parse(configText) as { rules: unknown[] };
    raw.rules.splice(1, 0, { branch: '/release-\\d+/', account: 'production', protected: true });
    const withRegex: Config = parseConfig(raw);
    expect(
      () =>
        new DeployRoleStack(new App(), 'Bad', {
          config: withRegex,
          account: 'production',
          repository: REPO,
        }),
    ).toThrow(/regular expression/);
  });

  it.each([
    ['arn:aws:iam::999999999999:role/branch-env-deploy', /is in account 999999999999/],
    ['arn:aws:iam::111111111111:user/someone', /not an IAM role ARN/],
  ])('fails for deployRoleArn %s', (arn, message) => {
    expect(() => roleNameOf(arn, '111111111111')).toThrow(UserError);
    expect(() => roleNameOf(arn, '111111111111')).toThrow(message);
  });

  it('splits a role path from its name', () => {
    expect(roleNameOf('arn:aws:iam::111111111111:role/ci/github/deploy', '111111111111')).toEqual({
      path: '/ci/github/',
      roleName: 'deploy',
    });
  });
});
