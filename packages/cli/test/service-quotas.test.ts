import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { QUOTAS_2026_12 } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { appliedQuotaValues } from '../src/private/aws/service-quotas.js';
import { awsError, testClients } from './helpers/aws-clients.js';

const quotas = mockClient(ServiceQuotasClient);
beforeEach(() => quotas.reset());

describe('appliedQuotaValues (Service Quotas GetServiceQuota)', () => {
  it('reads each listed quota by service and quota code; unlisted, missing and unreadable ones stay at the default', async () => {
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' })
      .resolves({ Quota: { Value: 4000 } });
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' })
      .rejects(awsError('NoSuchResourceException'));
    quotas
      .on(GetServiceQuotaCommand, { ServiceCode: 'elasticloadbalancing', QuotaCode: 'L-7EED9B64' })
      .rejects(awsError('AccessDeniedException'));
    const q = QUOTAS_2026_12.quotas;
    const result = await appliedQuotaValues(testClients(), [
      q.fargateSpotVcpu,
      q.vpcsPerRegion,
      q.rulesPerAlb,
      q.targetGroupsPerAlb,
    ]);
    expect(result).toEqual({
      values: { fargateSpotVcpu: 4000 },
      unread: ['vpcsPerRegion', 'rulesPerAlb', 'targetGroupsPerAlb'],
    });
    expect(quotas.commandCalls(GetServiceQuotaCommand).map((c) => c.args[0].input)).toEqual([
      { ServiceCode: 'fargate', QuotaCode: 'L-36FBB829' },
      { ServiceCode: 'vpc', QuotaCode: 'L-F678F1CE' },
      { ServiceCode: 'elasticloadbalancing', QuotaCode: 'L-7EED9B64' },
    ]);
  });
});
