import {
  ChangeResourceRecordSetsCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
  type RRType,
} from '@aws-sdk/client-route-53';
import { environmentApex, inEnvironmentSubtree, isAcmValidationRecord } from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

export interface ValidationRecordOptions {
  /** Pages of ListResourceRecordSets read at most (300 records each). @default 10 */
  readonly maxPages?: number;
  /** Pages still read after the first record past the environment's names. @default 1 */
  readonly pagesPastSubtree?: number;
}

/**
 * The ACM DNS validation CNAMEs of an environment in the account's hosted zone
 * (`isAcmValidationRecord`), exactly as Route 53 returns them.
 *
 * ListResourceRecordSets orders names with their labels reversed (`com.example.dev.feature-x.`),
 * compared as strings, and starts at `StartRecordName`. Every name of the environment ends in
 * `.<env>.<domain>.`, so reversed they all start with `<domain reversed>.<env>.`: one contiguous
 * run that begins at `<env>.<domain>` itself (string order and label order agree on that; they
 * differ only outside it, e.g. where `feature-x-2` sorts). Reading stops once past that run, after
 * `pagesPastSubtree` more pages in case Route 53 orders some escaped name otherwise, and never
 * reads more than `maxPages`.
 */
export async function acmValidationRecords(
  aws: AwsClients,
  hostedZoneId: string,
  environment: string,
  domain: string,
  options: ValidationRecordOptions = {},
): Promise<ResourceRecordSet[]> {
  const maxPages = options.maxPages ?? 10;
  const pagesPast = options.pagesPastSubtree ?? 1;
  const found: ResourceRecordSet[] = [];
  let next: { name: string; type?: RRType; id?: string } | undefined = {
    name: environmentApex(environment, domain),
  };
  let past: number | undefined;
  for (let page = 0; next !== undefined && page < maxPages; page++) {
    const start: { name: string; type?: RRType; id?: string } = next;
    const out = await withRetry(
      () =>
        aws.route53.send(
          new ListResourceRecordSetsCommand({
            HostedZoneId: hostedZoneId,
            StartRecordName: start.name,
            StartRecordType: start.type,
            StartRecordIdentifier: start.id,
          }),
        ),
      aws.retry,
    );
    for (const r of out.ResourceRecordSets ?? []) {
      if (!inEnvironmentSubtree(r.Name ?? '', environment, domain)) past ??= 0;
      else if (isAcmValidationRecord(r, environment, domain)) found.push(r);
    }
    if (past !== undefined && past++ >= pagesPast) break;
    next =
      out.IsTruncated && out.NextRecordName
        ? {
            name: out.NextRecordName,
            ...(out.NextRecordType ? { type: out.NextRecordType } : {}),
            ...(out.NextRecordIdentifier ? { id: out.NextRecordIdentifier } : {}),
          }
        : undefined;
  }
  return found;
}

/**
 * Delete the environment's ACM validation CNAMEs (one change each, with the exact record read, so
 * Route 53 deletes nothing else). A record already gone is skipped: safe to run again. Returns
 * the names deleted.
 */
export async function deleteAcmValidationRecords(
  aws: AwsClients,
  hostedZoneId: string,
  environment: string,
  domain: string,
  options: ValidationRecordOptions = {},
): Promise<string[]> {
  const records = await acmValidationRecords(aws, hostedZoneId, environment, domain, options);
  const deleted: string[] = [];
  for (const record of records) {
    try {
      await withRetry(
        () =>
          aws.route53.send(
            new ChangeResourceRecordSetsCommand({
              HostedZoneId: hostedZoneId,
              ChangeBatch: {
                Comment: `branch-env destroy ${environment}: ACM validation record`,
                Changes: [{ Action: 'DELETE', ResourceRecordSet: record }],
              },
            }),
          ),
        aws.retry,
      );
      deleted.push(record.Name ?? '');
    } catch (error) {
      // Deleted meanwhile (another destroy): Route 53 says the record set was not found.
      if (
        error instanceof Error &&
        error.name === 'InvalidChangeBatch' &&
        /not found/i.test(error.message)
      )
        continue;
      throw error;
    }
  }
  return deleted;
}
