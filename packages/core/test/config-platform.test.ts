import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  parseConfig,
  platformParameterName,
  platformPrefix,
  listenerRuleClaimsPrefix,
  ssmPrefix,
  PLATFORM_PARAMETERS,
  type ConfigIssue,
  type PlatformEntry,
} from '../src/index.js';
import { editedConfig, repoConfig, ROOT } from './helpers.js';

function issuesOf(raw: unknown): ConfigIssue[] {
  try {
    parseConfig(raw);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected the config to be rejected');
}

describe('the platform block and profile isolation', () => {
  it('parses the repository config: a shared preview on the development platform, production dedicated', () => {
    const config = repoConfig();
    expect(config.profiles.preview?.isolation).toBe('shared');
    expect(config.profiles.production?.isolation).toBe('dedicated');
    expect(config.profiles.full?.isolation).toBe('dedicated');
    expect(config.accounts.development?.platform).toEqual({
      availabilityZones: ['us-east-1a', 'us-east-1b'],
      natGateways: 0,
      loadBalancers: 1,
    });
    expect(config.accounts.production?.platform).toBeUndefined();
  });

  it('applies the platform defaults and shared: false on database engines', () => {
    const config = parseConfig(
      editedConfig((c) => {
        c.accounts.development.platform = { availabilityZones: ['us-east-1a', 'us-east-1c'] };
        c.profiles.full.database = { engine: 'documentdb' };
      }),
    );
    expect(config.accounts.development?.platform).toEqual({
      availabilityZones: ['us-east-1a', 'us-east-1c'],
      natGateways: 0,
      loadBalancers: 1,
    });
    expect(config.profiles.full?.database).toMatchObject({ engine: 'documentdb', shared: false });
  });

  it('accepts a shared profile on a shared database the platform has', () => {
    const config = parseConfig(
      editedConfig((c) => {
        c.accounts.development.platform.databases = { auroraPostgres: {} };
        c.profiles.full.isolation = 'shared';
        c.profiles.full.cloudfront = false;
        c.profiles.full.database = { engine: 'aurora-postgres', shared: true };
      }),
    );
    expect(config.profiles.full?.database).toMatchObject({
      engine: 'aurora-postgres',
      shared: true,
    });
  });

  it('accepts a platform with both shared database clusters', () => {
    const config = parseConfig(
      editedConfig((c) => {
        c.accounts.development.platform.databases = {
          documentdb: {},
          auroraPostgres: { maxCapacity: 4 },
        };
      }),
    );
    expect(config.accounts.development?.platform?.databases).toEqual({
      documentdb: { instanceClass: 'db.t3.medium', instances: 1 },
      auroraPostgres: { minCapacity: 0, maxCapacity: 4 },
    });
  });

  it.each<[string, (c: Record<string, any>) => void, string, RegExp]>([
    [
      'a shared profile routed to an account without platform zones',
      (c) => delete c.accounts.development.platform,
      'accounts.development.platform.availabilityZones',
      /profile 'preview' is shared .*aws ec2 describe-availability-zones --region us-east-1/,
    ],
    [
      'a zone of another region',
      (c) => (c.accounts.development.platform.availabilityZones = ['us-east-1a', 'us-west-2b']),
      'accounts.development.platform.availabilityZones[1]',
      /'us-west-2b' is not an availability zone of us-east-1/,
    ],
    [
      'a zone listed twice',
      (c) => (c.accounts.development.platform.availabilityZones = ['us-east-1a', 'us-east-1a']),
      'accounts.development.platform.availabilityZones[1]',
      /listed twice/,
    ],
    [
      'one zone only',
      (c) => (c.accounts.development.platform.availabilityZones = ['us-east-1a']),
      'accounts.development.platform.availabilityZones',
      /2/,
    ],
    [
      'seven NAT gateways',
      (c) => (c.accounts.development.platform.natGateways = 7),
      'accounts.development.platform.natGateways',
      /3/,
    ],
    [
      'six load balancers',
      (c) => (c.accounts.development.platform.loadBalancers = 6),
      'accounts.development.platform.loadBalancers',
      /5/,
    ],
    [
      'a shared profile in an account without a domain',
      (c) => delete c.accounts.development.domain,
      'rules[4]',
      /profile 'preview' is shared but account 'development' has no domain: .*hosted zone/,
    ],
    [
      'a shared profile routed to the production account',
      (c) => (c.profiles.production.isolation = 'shared'),
      'profiles.production.isolation',
      /production environments stay dedicated/,
    ],
    [
      'a shared database the platform lacks',
      (c) => {
        c.profiles.full.isolation = 'shared';
        c.profiles.full.cloudfront = false;
        c.profiles.full.database = { engine: 'aurora-postgres', shared: true };
      },
      'profiles.full.database.shared',
      /asks for a shared aurora-postgres database but the platform of account 'development' .* has none; add accounts.development.platform.databases.auroraPostgres/,
    ],
    [
      'a shared database on a dedicated profile',
      (c) => (c.profiles.full.database = { engine: 'documentdb', shared: true }),
      'profiles.full.database.shared',
      /only a shared profile runs in/,
    ],
    [
      'CloudFront on a shared profile',
      (c) => (c.profiles.preview.cloudfront = true),
      'profiles.preview.cloudfront',
      /CloudFront in front of it is not supported yet/,
    ],
    [
      'access control on a dedicated profile',
      (c) => (c.profiles.full.access = { mode: 'cidr', cidrs: ['203.0.113.0/24'] }),
      'profiles.full.access',
      /a dedicated profile has a load balancer of its own/,
    ],
    [
      'an OIDC client secret that is not a Secrets Manager ARN',
      (c) =>
        (c.profiles.preview.access = {
          mode: 'oidc',
          issuer: 'https://idp.example.com',
          authorizationEndpoint: 'https://idp.example.com/a',
          tokenEndpoint: 'https://idp.example.com/t',
          userInfoEndpoint: 'https://idp.example.com/u',
          clientId: 'x',
          clientSecretArn: 'plain-text-secret',
        }),
      'profiles.preview.access.clientSecretArn',
      /Secrets Manager secret/,
    ],
    [
      'five CIDRs (a rule has 5 condition values, one is the host)',
      (c) =>
        (c.profiles.preview.access = {
          mode: 'cidr',
          cidrs: ['10.0.0.0/8', '10.1.0.0/16', '10.2.0.0/16', '10.3.0.0/16', '10.4.0.0/16'],
        }),
      'profiles.preview.access.cidrs',
      /4/,
    ],
    [
      'a DocumentDB cluster of its own on a shared profile',
      (c) => (c.profiles.preview.database = { engine: 'documentdb' }),
      'profiles.preview.database.engine',
      /no VPC of its own/,
    ],
    [
      'an unknown isolation',
      (c) => (c.profiles.preview.isolation = 'pooled'),
      'profiles.preview.isolation',
      /shared|dedicated/,
    ],
  ])('fails for %s, at its JSON path', (_what, edit, path, message) => {
    const issues = issuesOf(editedConfig(edit));
    const issue = issues.find((i) => i.path === path && message.test(i.message));
    expect(issue, JSON.stringify(issues)).toBeDefined();
  });

  it('reports a problem once although several rules route the profile to the account', () => {
    const issues = issuesOf(editedConfig((c) => delete c.accounts.development.platform));
    // feature/**, bugfix/** and ai/** all route the shared preview to development.
    expect(
      issues.filter((i) => i.path === 'accounts.development.platform.availabilityZones'),
    ).toHaveLength(1);
  });

  it('still reports a platform problem when another field fails the schema', () => {
    const issues = issuesOf(
      editedConfig((c) => {
        delete c.accounts.development.domain;
        c.profiles.full.task.cpu = 3;
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining(['profiles.full.task.cpu', 'rules[4]']),
    );
  });
});

describe('the platform SSM contract', () => {
  it('lives under a prefix no environment can take', () => {
    expect(platformPrefix('shop')).toBe('/shop/_platform/');
    // Environment names start with a letter (docs/naming.md): '_platform' is none.
    expect(ssmPrefix('shop', '_platform')).toBe(platformPrefix('shop'));
    expect(/^[a-z]/.test('_platform')).toBe(false);
  });

  it('fills the placeholders of a key', () => {
    expect(platformParameterName('shop', 'listenerArn', { n: 0 })).toBe(
      '/shop/_platform/load-balancer/0/listener-arn',
    );
    expect(
      platformParameterName('shop', 'repositoryUri', { repository: 'unprotected/services/api' }),
    ).toBe('/shop/_platform/repositories/unprotected/services/api/uri');
    expect(platformParameterName('shop', 'listenerRule', { priority: 4711 })).toBe(
      `${listenerRuleClaimsPrefix('shop')}4711`,
    );
    expect(() => platformParameterName('shop', 'listenerArn')).toThrow(/needs \{n\}/);
  });
});

describe('docs/platform.md', () => {
  const doc = readFileSync(`${ROOT}docs/platform.md`, 'utf8');
  const rows = new Map(
    [...doc.matchAll(/^\| `([^`]+)` \| (platform|claim) \| `([^`]+)` \|/gm)].map((m) => [
      m[1]!,
      { writer: m[2]!, name: m[3]! },
    ]),
  );

  it('lists every key of the platform SSM contract with its writer and catalogue name, and no other', () => {
    const entries = Object.entries(PLATFORM_PARAMETERS) as [string, PlatformEntry][];
    for (const [name, entry] of entries) {
      expect(rows.get(entry.key), entry.key).toEqual({ writer: entry.writer, name });
    }
    expect(rows.size).toBe(entries.length);
  });
});
