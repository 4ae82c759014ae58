import { GetOpenIDConnectProviderCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { GetHostedZoneCommand } from '@aws-sdk/client-route-53';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import {
  modelCapacity,
  platformShapeOf,
  QUOTAS_2026_12,
  type CapacityModel,
  type Occupant,
  type QuotaKey,
} from '@branch-env/core';
import type { AwsClients } from '../../private/aws/clients.js';
import { describeStack } from '../../private/aws/cloudformation.js';
import { SERVICE_LINKED_ROLES, type AccountFacts } from './checks.js';

/** Public DNS, injectable (tests); `node:dns/promises` in the command. */
export interface NsResolver {
  resolveNs(name: string): Promise<string[]>;
}

/** The account as the config describes it (the parts `doctor` reads). */
export interface DoctorAccount {
  readonly key: string;
  readonly id: string;
  readonly region: string;
  readonly domain?: { readonly name: string; readonly hostedZoneId: string } | undefined;
  readonly platform?: unknown;
}

const isNoSuch = (e: unknown) =>
  e instanceof Error && /NoSuchEntity|NoSuchHostedZone|NoSuchResource/.test(e.name);

async function exists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    if (isNoSuch(error)) return false;
    throw error;
  }
}

/** Applied values of these quotas (Service Quotas GetServiceQuota); a quota it does not list keeps the default. */
async function appliedQuotaValues(
  quotas: ServiceQuotasClient,
  keys: readonly QuotaKey[],
): Promise<Partial<Record<QuotaKey, number>>> {
  const out: Partial<Record<QuotaKey, number>> = {};
  for (const key of keys) {
    const q = QUOTAS_2026_12.quotas[key];
    if (!q.quotaCode) continue;
    try {
      const r = await quotas.send(
        new GetServiceQuotaCommand({ ServiceCode: q.serviceCode, QuotaCode: q.quotaCode }),
      );
      if (typeof r.Quota?.Value === 'number') out[key] = r.Quota.Value;
    } catch (error) {
      if (!isNoSuch(error)) throw error;
    }
  }
  return out;
}

/**
 * Read (never write) what a first deploy into `account` needs: the CDK bootstrap and deploy-role
 * stacks, the GitHub OIDC provider, the service-linked roles, the hosted zone and its public
 * delegation, and the applied quota values against the environments the config implies.
 */
export async function readAccount(
  aws: AwsClients,
  account: DoctorAccount,
  options: {
    readonly deployRoleStack: string;
    readonly resolver: NsResolver;
    /** Environments the config implies in the account (long-lived ones), with their quota use. */
    readonly occupants: readonly Occupant[];
    readonly iam?: IAMClient;
    readonly quotas?: ServiceQuotasClient;
  },
): Promise<AccountFacts> {
  const iam = options.iam ?? new IAMClient({ region: account.region });
  const quotas = options.quotas ?? new ServiceQuotasClient({ region: account.region });
  const bootstrap = await describeStack(aws, 'CDKToolkit');
  const role = await describeStack(aws, options.deployRoleStack);
  const oidcProvider = await exists(() =>
    iam.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: `arn:aws:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`,
      }),
    ),
  );
  const serviceLinkedRoles: Record<string, boolean> = {};
  for (const slr of SERVICE_LINKED_ROLES)
    serviceLinkedRoles[slr.role] = await exists(() =>
      iam.send(new GetRoleCommand({ RoleName: slr.role })),
    );

  let hostedZone: AccountFacts['hostedZone'];
  if (account.domain) {
    const { name, hostedZoneId } = account.domain;
    let nameServers: string[] | undefined;
    try {
      const zone = await aws.route53.send(new GetHostedZoneCommand({ Id: hostedZoneId }));
      nameServers = zone.DelegationSet?.NameServers ?? [];
    } catch (error) {
      if (!isNoSuch(error)) throw error;
    }
    let publicNameServers: string[] | undefined;
    try {
      publicNameServers = await options.resolver.resolveNs(name);
    } catch {
      publicNameServers = undefined; // ENOTFOUND / ENODATA: not delegated at all
    }
    hostedZone = { id: hostedZoneId, name, nameServers, publicNameServers };
  }

  const input = {
    region: account.region,
    usage: {},
    isolation: 'dedicated' as const,
    platform: platformShapeOf(account, 'dedicated'),
    occupants: options.occupants,
  };
  const byDefault = modelCapacity(input);
  const values = await appliedQuotaValues(
    quotas,
    byDefault.rows.map((r) => r.quota),
  );
  const capacity: CapacityModel = modelCapacity({ ...input, values });

  return {
    account: account.id,
    region: account.region,
    bootstrapStack: bootstrap?.StackStatus,
    deployRoleStack: { name: options.deployRoleStack, status: role?.StackStatus },
    oidcProvider,
    serviceLinkedRoles,
    hostedZone,
    capacity,
  };
}
