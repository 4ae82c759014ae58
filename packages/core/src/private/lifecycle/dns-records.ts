/** The part of a Route 53 record set (ListResourceRecordSets) the decisions read. */
export interface DnsRecord {
  readonly Name?: string | undefined;
  readonly Type?: string | undefined;
  readonly AliasTarget?: unknown;
  readonly ResourceRecords?: readonly { readonly Value?: string | undefined }[] | undefined;
}

/** `<env>.<domain>.`: the apex of an environment's names, lowercase with the trailing dot. */
export function environmentApex(environment: string, domain: string): string {
  return `${environment}.${domain}`.toLowerCase().replace(/\.?$/, '.');
}

function absolute(name: string): string {
  return name.toLowerCase().replace(/\.?$/, '.');
}

/** Whether a record name is `<env>.<domain>` or under it (`x.origin.<env>.<domain>`). */
export function inEnvironmentSubtree(name: string, environment: string, domain: string): boolean {
  const apex = environmentApex(environment, domain);
  const n = absolute(name);
  return n === apex || n.endsWith(`.${apex}`);
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The DNS validation CNAME ACM adds for a certificate of `<env>.<domain>` (and of its SAN
 * `origin.<env>.<domain>`) and never removes when the certificate is deleted
 * (aws-cloudformation/cloudformation-coverage-roadmap#1603): named `_<token>.<env>.<domain>.` or
 * `_<token>.origin.<env>.<domain>.`, a plain CNAME whose value ends with `.acm-validations.aws.`.
 * Nothing else matches: no alias, no other type, no other name under the environment.
 */
export function isAcmValidationRecord(
  record: DnsRecord,
  environment: string,
  domain: string,
): boolean {
  if (record.Type !== 'CNAME' || record.AliasTarget !== undefined) return false;
  const name = new RegExp(
    `^_[^.]+\\.(origin\\.)?${escape(environment.toLowerCase())}\\.${escape(domain.toLowerCase().replace(/\.$/, ''))}\\.$`,
  );
  if (!name.test(absolute(record.Name ?? ''))) return false;
  const values = record.ResourceRecords ?? [];
  return (
    values.length > 0 &&
    values.every((v) => /^[^\s]+\.acm-validations\.aws\.?$/i.test(v.Value ?? ''))
  );
}
