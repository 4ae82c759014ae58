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
}

/** What {@link acmValidationRecords} found. */
export interface ValidationRecords {
  readonly records: ResourceRecordSet[];
  /**
   * False when `maxPages` ran out inside the environment's names: there may be more validation
   * records than `records`, so the zone is not proven clean.
   */
  readonly complete: boolean;
}

/**
 * The ACM DNS validation CNAMEs of an environment in the account's hosted zone
 * (`isAcmValidationRecord`), exactly as Route 53 returns them.
 *
 * ListResourceRecordSets returns names in ASCII order of the name with its labels reversed and a
 * trailing dot (`com.example.dev.feature-x.`), from the first one at or after `StartRecordName`.
 * Every name of the environment is `<env>.<domain>` or ends in `.<env>.<domain>`, so reversed they
 * are exactly the names starting with `<domain reversed>.<env>.`: one contiguous run, and
 * `<env>.<domain>` itself is its first possible name. (Other environments whose names only start
 * the same sort outside it: `feature-x-2` before, since `-` < `.`, and `feature-xa` after.) So
 * reading starts at `<env>.<domain>` and stops at the first name outside the run, or after
 * `maxPages` pages, then `complete: false` unless the next name is outside the run.
 */
export async function acmValidationRecords(
  aws: AwsClients,
  hostedZoneId: string,
  environment: string,
  domain: string,
  options: ValidationRecordOptions = {},
): Promise<ValidationRecords> {
  const maxPages = options.maxPages ?? 10;
  const inRun = (name: string | undefined) => inEnvironmentSubtree(name ?? '', environment, domain);
  const records: ResourceRecordSet[] = [];
  let next: { name: string; type?: RRType; id?: string } = {
    name: environmentApex(environment, domain),
  };
  for (let page = 0; page < maxPages; page++) {
    const start = next;
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
      if (!inRun(r.Name)) return { records, complete: true };
      if (isAcmValidationRecord(r, environment, domain)) records.push(r);
    }
    if (!out.IsTruncated || !out.NextRecordName || !inRun(out.NextRecordName))
      return { records, complete: true };
    next = {
      name: out.NextRecordName,
      ...(out.NextRecordType ? { type: out.NextRecordType } : {}),
      ...(out.NextRecordIdentifier ? { id: out.NextRecordIdentifier } : {}),
    };
  }
  return { records, complete: false };
}

/**
 * Delete the environment's ACM validation CNAMEs (one change each, with the exact record read, so
 * Route 53 deletes nothing else). A record already gone is skipped: safe to run again. Returns
 * the names deleted, and whether every name of the environment was read
 * ({@link ValidationRecords.complete}).
 */
export async function deleteAcmValidationRecords(
  aws: AwsClients,
  hostedZoneId: string,
  environment: string,
  domain: string,
  options: ValidationRecordOptions = {},
): Promise<{ readonly deleted: string[]; readonly complete: boolean }> {
  const { records, complete } = await acmValidationRecords(
    aws,
    hostedZoneId,
    environment,
    domain,
    options,
  );
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
  return { deleted, complete };
}
