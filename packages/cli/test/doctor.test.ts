import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetHostedZoneCommand, Route53Client } from '@aws-sdk/client-route-53';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { Occupant } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { doctorChecks } from '../src/commands/doctor/checks.js';
import { run, type DoctorDeps } from '../src/commands/doctor/doctor.js';
import { awsError, recordingIo, testClients } from './helpers/aws-clients.js';
import { FakeCloudFormation } from './helpers/fake-cloudformation.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const CONFIG = join(ROOT, 'branch-env.config.json');
const DEV = '111111111111';
const ZONE_NS = [
  'ns-1536.awsdns-00.co.uk',
  'ns-0.awsdns-00.com',
  'ns-1024.awsdns-00.org',
  'ns-512.awsdns-00.net',
];

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const quotas = mockClient(ServiceQuotasClient);
const route53 = mockClient(Route53Client);
const cfn = new FakeCloudFormation();

/** Recorded Service Quotas answers (GetServiceQuota), value per quota code. */
function recordQuotas(values: Record<string, number>): void {
  quotas
    .on(GetServiceQuotaCommand)
    .callsFake((input: { ServiceCode: string; QuotaCode: string }) => {
      const value = values[input.QuotaCode];
      if (value === undefined)
        throw awsError(
          'NoSuchResourceException',
          `The request failed because the specified service does not exist.`,
        );
      return {
        Quota: {
          ServiceCode: input.ServiceCode,
          QuotaCode: input.QuotaCode,
          QuotaArn: `arn:aws:servicequotas:us-east-1:${DEV}:${input.ServiceCode}/${input.QuotaCode}`,
          Value: value,
          Adjustable: true,
          GlobalQuota: false,
        },
      };
    });
}

/** A fresh account with everything in place: bootstrap, deploy role, OIDC, roles, zone. */
beforeEach(() => {
  for (const m of [sts, iam, quotas, route53]) m.reset();
  cfn.reset();
  sts
    .on(GetCallerIdentityCommand)
    .resolves({ Account: DEV, Arn: `arn:aws:sts::${DEV}:assumed-role/admin/x` });
  cfn.add('CDKToolkit', 'UPDATE_COMPLETE');
  cfn.add('branch-env-demo-github-deploy-role', 'CREATE_COMPLETE', { terminationProtection: true });
  iam.on(GetOpenIDConnectProviderCommand).resolves({ Url: 'token.actions.githubusercontent.com' });
  iam.on(GetRoleCommand).resolves({
    Role: {
      RoleName: 'x',
      Path: '/aws-service-role/',
      Arn: 'arn',
      RoleId: 'AROA',
      CreateDate: new Date(),
    },
  });
  route53.on(GetHostedZoneCommand).resolves({
    HostedZone: {
      Id: '/hostedzone/Z0DEVEXAMPLE00000001',
      Name: 'branch-env-dev.example.net.',
      CallerReference: 'x',
    },
    DelegationSet: { NameServers: ZONE_NS },
  });
  recordQuotas({
    'L-F678F1CE': 5,
    'L-A4707A72': 5,
    'L-0263D0A3': 5,
    'L-FE5A380F': 5,
    'L-53DA6B97': 50,
  });
});

const delegated = { resolveNs: async () => ZONE_NS.map((n) => `${n.toUpperCase()}.`) };
const fullEnv = (name: string): Occupant => ({
  name,
  isolation: 'dedicated',
  usage: {
    vpcsPerRegion: 1,
    internetGatewaysPerRegion: 1,
    elasticIps: 1,
    natGatewaysPerAz: 1,
    albsPerRegion: 1,
  },
});
const deps = (over: Partial<DoctorDeps> = {}): DoctorDeps => ({
  clientsFor: () => testClients(),
  resolver: delegated,
  occupants: async (key) => (key === 'development' ? [fullEnv('sandbox')] : []),
  ...over,
});

async function doctorJson(d: DoctorDeps) {
  const io = recordingIo();
  const code = await run({ positionals: [], values: { json: true, config: CONFIG } }, io, d);
  return {
    code,
    out: JSON.parse(io.stdout()) as {
      blocking: boolean;
      accounts: {
        key: string;
        checked: boolean;
        note?: string;
        checks: { id: string; status: string; blocking: boolean; message: string; fix?: string }[];
      }[];
    },
  };
}
const dev = (out: Awaited<ReturnType<typeof doctorJson>>['out']) =>
  out.accounts.find((a) => a.key === 'development')!;

describe('doctor (AWS mocked with recorded responses)', () => {
  // The development account has an account platform (its VPC counts) and its default VPC.
  it('an account with everything in place: exit 0, every check ok; the other account needs its credentials', async () => {
    const { code, out } = await doctorJson(deps());
    expect(code).toBe(0);
    expect(out.blocking).toBe(false);
    const checks = dev(out).checks;
    expect(checks.filter((c) => c.status !== 'ok')).toEqual([]);
    expect(checks.map((c) => c.id)).toEqual(
      expect.arrayContaining([
        'cdk-bootstrap',
        'deploy-role',
        'github-oidc',
        'service-linked-role:AWSServiceRoleForECS',
        'dns-delegation',
        'quota:vpcsPerRegion',
      ]),
    );
    expect(checks.find((c) => c.id === 'quota:vpcsPerRegion')?.message).toBe(
      "'VPCs per Region' 5: 3 implied, 2 free",
    );
    expect(out.accounts.find((a) => a.key === 'production')).toMatchObject({
      checked: false,
      note: `credentials are for account ${DEV}; run again with credentials for 222222222222 to check it`,
    });
  });

  it('a fresh account: each gap with its fix, exit 1', async () => {
    cfn.reset();
    iam
      .on(GetOpenIDConnectProviderCommand)
      .rejects(
        awsError(
          'NoSuchEntityException',
          `OpenIDConnect Provider not found for arn arn:aws:iam::${DEV}:oidc-provider/token.actions.githubusercontent.com`,
        ),
      );
    iam
      .on(GetRoleCommand, { RoleName: 'AWSServiceRoleForECS' })
      .rejects(
        awsError(
          'NoSuchEntityException',
          'The role with name AWSServiceRoleForECS cannot be found.',
        ),
      );
    const { code, out } = await doctorJson(
      deps({
        resolver: {
          resolveNs: async () =>
            Promise.reject(Object.assign(new Error('queryNs ENOTFOUND'), { code: 'ENOTFOUND' })),
        },
      }),
    );
    expect(code).toBe(1);
    const gaps = dev(out).checks.filter((c) => c.status === 'gap');
    expect(gaps.map((c) => [c.id, c.fix])).toEqual([
      [
        'cdk-bootstrap',
        `npx cdk bootstrap aws://${DEV}/us-east-1 (and aws://${DEV}/us-east-1 for the CloudFront certificate stacks)`,
      ],
      [
        'deploy-role',
        'branch-env bootstrap --repository <owner/repo> with credentials for this account',
      ],
      [
        'github-oidc',
        'branch-env bootstrap creates it (or --import-oidc-provider when another stack owns one)',
      ],
      [
        'service-linked-role:AWSServiceRoleForECS',
        'aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com',
      ],
      [
        'dns-delegation',
        `in the parent zone of branch-env-dev.example.net, set its NS record to ${[...ZONE_NS].sort().join(' ')}`,
      ],
    ]);
  });

  it('quotas: the environments the config implies do not fit the applied VPC quota', async () => {
    const many = ['sandbox', 'qa1', 'qa2', 'staging', 'dev-ann-1'].map(fullEnv);
    const { code, out } = await doctorJson(
      deps({ occupants: async (k) => (k === 'development' ? many : []) }),
    );
    expect(code).toBe(1);
    const vpc = dev(out).checks.find((c) => c.id === 'quota:vpcsPerRegion');
    expect(vpc).toMatchObject({ status: 'gap', blocking: true });
    expect(vpc?.message).toBe(
      "'VPCs per Region' is 5 (applied); the environments the config implies need 7 (platform 1, long-lived 6)",
    );
    expect(vpc?.fix).toContain(
      '--service-code vpc --quota-code L-F678F1CE --desired-value 7 --region us-east-1',
    );
  });

  it('an applied value above the default is what counts', async () => {
    const many = ['sandbox', 'qa1', 'qa2', 'staging', 'dev-ann-1'].map(fullEnv);
    recordQuotas({
      'L-F678F1CE': 60,
      'L-A4707A72': 60,
      'L-0263D0A3': 10,
      'L-FE5A380F': 10,
      'L-53DA6B97': 50,
    });
    const { out } = await doctorJson(
      deps({ occupants: async (k) => (k === 'development' ? many : []) }),
    );
    expect(dev(out).checks.find((c) => c.id === 'quota:vpcsPerRegion')?.message).toBe(
      "'VPCs per Region' 60: 7 implied, 53 free",
    );
  });

  it('text output: one line per check, the fix under each gap, the verdict last', async () => {
    iam
      .on(GetRoleCommand, { RoleName: 'AWSServiceRoleForECS' })
      .rejects(
        awsError(
          'NoSuchEntityException',
          'The role with name AWSServiceRoleForECS cannot be found.',
        ),
      );
    const io = recordingIo();
    const code = await run({ positionals: [], values: { config: CONFIG } }, io, deps());
    expect(code).toBe(1);
    expect(io.stdout()).toContain(
      '  GAP  AWSServiceRoleForECS does not exist yet: ECS creates it inside the first CreateCluster',
    );
    expect(io.stdout()).toContain(
      '       fix: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com\n',
    );
    expect(io.stdout().trimEnd().split('\n').at(-1)).toBe(
      '1 blocking gap(s): fix them before the first deploy',
    );
  });
});

describe('doctorChecks (pure)', () => {
  const base = {
    account: DEV,
    region: 'us-east-1',
    bootstrapStack: 'CREATE_COMPLETE',
    deployRoleStack: { name: 'r', status: 'CREATE_COMPLETE' },
    oidcProvider: true,
    serviceLinkedRoles: {
      AWSServiceRoleForECS: true,
      AWSServiceRoleForElasticLoadBalancing: false,
      AWSServiceRoleForRDS: false,
    },
  };
  it('missing ELB / RDS service-linked roles are warnings, not blocking (created with the first resource)', () => {
    const c = doctorChecks(base).filter((x) => x.status !== 'ok');
    expect(c.map((x) => [x.id, x.status, x.blocking])).toEqual([
      ['service-linked-role:AWSServiceRoleForElasticLoadBalancing', 'warning', false],
      ['service-linked-role:AWSServiceRoleForRDS', 'warning', false],
    ]);
  });
  it('a bootstrap stack in ROLLBACK_COMPLETE and a hosted zone that does not exist are gaps', () => {
    const c = doctorChecks({
      ...base,
      bootstrapStack: 'ROLLBACK_COMPLETE',
      hostedZone: {
        id: 'Z1',
        name: 'a.example.com',
        nameServers: undefined,
        publicNameServers: undefined,
      },
    }).filter((x) => x.blocking);
    expect(c.map((x) => x.id)).toEqual(['cdk-bootstrap', 'hosted-zone']);
  });
});
