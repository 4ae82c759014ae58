import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { DeployRoleStack } from '@branch-env/cdk';
import { loadConfig } from '@branch-env/core';

/**
 * The deploy role (`branch-env bootstrap`) is what CI's `deploy`, `destroy`, `reap`, `list` and
 * `experiment` run with. Every AWS SDK call the CLI and the config-bus client make, found in their
 * sources, must be allowed by the role's policy — otherwise the command fails in CI with
 * AccessDenied although every mocked test passes.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'));

/** IAM service prefix of each SDK client package the sources use. */
const SERVICE_OF: Record<string, string> = {
  'client-cloudformation': 'cloudformation',
  'client-cloudwatch-logs': 'logs',
  'client-ecr': 'ecr',
  'client-ecs': 'ecs',
  'client-iam': 'iam',
  'client-service-quotas': 'servicequotas',
  'client-pricing': 'pricing',
  'client-resource-groups-tagging-api': 'tag',
  'client-route-53': 'route53',
  'client-s3': 's3',
  'client-secrets-manager': 'secretsmanager',
  'client-service-quotas': 'servicequotas',
  'client-ssm': 'ssm',
  'client-sts': 'sts',
};

/** IAM actions of commands whose action is not `<service>:<CommandName>`. */
const ACTIONS_OF: Record<string, readonly string[]> = {
  's3:ListObjectVersions': ['s3:ListBucketVersions'],
  's3:DeleteObjects': ['s3:DeleteObject', 's3:DeleteObjectVersion'],
  // Needs no permission: it answers for any valid credentials.
  'sts:GetCallerIdentity': [],
  // `branch-env secret set` writes application secret values: people run it with their own
  // credentials; CI's role must not be able to (docs/services.md#secrets).
  'secretsmanager:CreateSecret': [],
  'secretsmanager:PutSecretValue': [],
  'secretsmanager:RestoreSecret': [],
  // `branch-env bootstrap` sets the platform's stack policy with administrator credentials; the
  // deploy roles must not change the platform stack (the boundary denies it).
  'cloudformation:SetStackPolicy': [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/**
 * `<service>:<Command>` for every `new XxxCommand(` and `paginateXxx(` of a file, by the client it
 * imports Xxx from.
 */
function callsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const clientOf = new Map<string, string>();
  for (const m of text.matchAll(
    /import\s*(?:type\s*)?\{([^}]*)\}\s*from\s*'@aws-sdk\/([a-z0-9-]+)'/g,
  )) {
    for (const name of m[1]!.split(',').map((n) => n.trim().split(/\s+as\s+/)[0]!)) {
      if (name.endsWith('Command')) clientOf.set(name, m[2]!);
      if (name.startsWith('paginate'))
        clientOf.set(`${name.slice('paginate'.length)}Command`, m[2]!);
    }
  }
  return [
    ...text.matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(/g),
    ...text.matchAll(/\bpaginate([A-Z][A-Za-z0-9]+)\(/g),
  ].map((m) => {
    const client = clientOf.get(`${m[1]}Command`);
    const service = client && SERVICE_OF[client];
    if (!service) throw new Error(`${file}: ${m[1]}Command from an unmapped client ${client}`);
    return `${service}:${m[1]}`;
  });
}

/** The Allow actions of each protection class's deploy (OIDC) role policy. */
function allowedActions(account: string): Map<string, Set<string>> {
  const stack = new DeployRoleStack(new App(), `Role-${account}`, {
    config,
    account,
    repository: 'acme/shop',
  });
  const template = Template.fromStack(stack);
  const policies = template.findResources('AWS::IAM::Policy');
  const byClass = new Map<string, Set<string>>();
  for (const [cls, c] of Object.entries(stack.classes)) {
    const id = stack.getLogicalId(c.policy.node.defaultChild as never);
    const statements = policies[id]?.Properties.PolicyDocument.Statement as {
      Effect: string;
      Action: string | string[];
    }[];
    byClass.set(
      cls,
      new Set(statements.filter((s) => s.Effect === 'Allow').flatMap((s) => [s.Action].flat())),
    );
  }
  return byClass;
}

describe('deploy role permissions', () => {
  const calls = new Set(
    [join(ROOT, 'packages/cli/src'), join(ROOT, 'packages/config-bus/src')]
      .flatMap(sourceFiles)
      .flatMap(callsOf),
  );

  it('finds the SDK calls of the sources (the scan itself works)', () => {
    expect(calls.size).toBeGreaterThan(15);
    for (const c of [
      'cloudformation:DeleteStack',
      'cloudformation:DescribeStackEvents',
      'ssm:PutParameter',
      'route53:ChangeResourceRecordSets',
    ])
      expect(calls).toContain(c);
  });

  // Every class: deploy and destroy run with the environment's class's role; reap and the
  // delete-event destroy with the default branch's token, which both classes trust.
  it.each(Object.keys(config.accounts))(
    'allows every AWS call the CLI and the config bus make (%s account, every class)',
    (account) => {
      const byClass = allowedActions(account);
      expect(byClass.size).toBe(config.accounts[account]?.production ? 1 : 2);
      const needed = [...calls].flatMap((c) => ACTIONS_OF[c] ?? [c]);
      for (const [cls, allowed] of byClass) {
        const missing = needed.filter((a) => !allowed.has(a));
        expect(missing, cls).toEqual([]);
      }
    },
    120_000,
  );
});
