import { GetResourcesCommand } from '@aws-sdk/client-resource-groups-tagging-api';
import { TAG_KEYS, type TaggedResource } from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/**
 * Every resource in the client's region tagged `branch-env:app=<app>` AND
 * `branch-env:environment=<env>` (tag:GetResources ANDs filters with different keys).
 */
export async function scanTagged(
  aws: AwsClients,
  app: string,
  environment: string,
): Promise<TaggedResource[]> {
  const out: TaggedResource[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        aws.tagging.send(
          new GetResourcesCommand({
            TagFilters: [
              { Key: TAG_KEYS.environment, Values: [environment] },
              { Key: TAG_KEYS.app, Values: [app] },
            ],
            ResourcesPerPage: 100,
            PaginationToken: token || undefined,
          }),
        ),
      aws.retry,
    );
    for (const r of page.ResourceTagMappingList ?? []) {
      if (!r.ResourceARN) continue;
      out.push({
        arn: r.ResourceARN,
        tags: Object.fromEntries((r.Tags ?? []).map((t) => [t.Key ?? '', t.Value ?? ''])),
      });
    }
    token = page.PaginationToken;
  } while (token);
  return out;
}
