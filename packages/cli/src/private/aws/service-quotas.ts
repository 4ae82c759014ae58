import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { Quota, QuotaKey } from '@branch-env/core';
import type { AwsClients } from './clients.js';

/**
 * The applied values of `quotas` in the clients' region (Service Quotas `GetServiceQuota`), for
 * the deploy's capacity check. A quota Service Quotas does not list (no code), has no applied value
 * for the account, or cannot be read stays out of `values` and is named in `unread`: the caller
 * counts it at its AWS default.
 */
export async function appliedQuotaValues(
  aws: Pick<AwsClients, 'serviceQuotas'>,
  quotas: readonly Quota[],
): Promise<{ values: Partial<Record<QuotaKey, number>>; unread: QuotaKey[] }> {
  const values: Partial<Record<QuotaKey, number>> = {};
  const unread: QuotaKey[] = [];
  for (const quota of quotas) {
    if (quota.quotaCode === undefined) {
      unread.push(quota.key);
      continue;
    }
    try {
      const answer = await aws.serviceQuotas.send(
        new GetServiceQuotaCommand({ ServiceCode: quota.serviceCode, QuotaCode: quota.quotaCode }),
      );
      const value = answer.Quota?.Value;
      if (typeof value === 'number' && Number.isFinite(value)) values[quota.key] = value;
      else unread.push(quota.key);
    } catch {
      // NoSuchResourceException (no applied value in this region), AccessDenied (a deploy role
      // from before this check), throttling: the default is the conservative figure.
      unread.push(quota.key);
    }
  }
  return { values, unread };
}
