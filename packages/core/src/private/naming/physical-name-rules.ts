import { branchHash } from './hash.js';

/**
 * The naming rule of every kind of resource branch-env names itself (docs/reference/aws-name-limits.md).
 * One table, one checker: the CDK's `physicalNames()` runs every name it sets through
 * {@link physicalNameProblems}, and the property tests run every generated environment's names
 * through it.
 */
export interface PhysicalNameRule {
  /** What AWS calls it, for messages. */
  readonly what: string;
  readonly maxLength: number;
  /** Allowed characters and shape. */
  readonly pattern: RegExp;
  /** Extra rules the pattern does not say, each with its wording. */
  readonly forbidden?: readonly { readonly pattern: RegExp; readonly says: string }[];
}

const NO_DOUBLE_HYPHEN = { pattern: /--/, says: 'contains two consecutive hyphens' } as const;
const NO_TRAILING_HYPHEN = { pattern: /-$/, says: 'ends with a hyphen' } as const;

export const PHYSICAL_NAME_RULES = {
  stackName: {
    what: 'CloudFormation stack name',
    maxLength: 128,
    pattern: /^[A-Za-z][A-Za-z0-9-]*$/,
  },
  dnsName: {
    what: 'DNS name',
    maxLength: 253,
    pattern: /^(?!-)[a-z0-9-]{1,63}(?<!-)(?:\.(?!-)[a-z0-9-]{1,63}(?<!-))*$/,
  },
  dashboard: { what: 'CloudWatch dashboard', maxLength: 255, pattern: /^[A-Za-z0-9_-]+$/ },
  logGroup: { what: 'CloudWatch log group', maxLength: 512, pattern: /^[.\-_/#A-Za-z0-9]+$/ },
  ssmParameter: {
    what: 'SSM parameter',
    maxLength: 1011,
    pattern: /^\/[a-zA-Z0-9_.\-/]+$/,
    forbidden: [{ pattern: /^\/(?:aws|ssm)/i, says: "starts with 'aws' or 'ssm'" }],
  },
  /** DocumentDB and RDS DB cluster and DB instance identifiers. */
  databaseIdentifier: {
    what: 'DocumentDB/RDS cluster or instance identifier',
    maxLength: 63,
    pattern: /^[a-z][a-z0-9-]*$/,
    forbidden: [NO_DOUBLE_HYPHEN, NO_TRAILING_HYPHEN],
  },
  /** DocumentDB and RDS (cluster) parameter group names. */
  databaseParameterGroup: {
    what: 'DocumentDB/RDS parameter group name',
    maxLength: 255,
    pattern: /^[a-zA-Z][a-zA-Z0-9-]*$/,
    forbidden: [NO_DOUBLE_HYPHEN, NO_TRAILING_HYPHEN],
  },
} as const satisfies Record<string, PhysicalNameRule>;

export type PhysicalNameKind = keyof typeof PHYSICAL_NAME_RULES;

/** What is wrong with `value` as a name of this kind (empty when it is valid). */
export function physicalNameProblems(kind: PhysicalNameKind, value: string): string[] {
  const rule: PhysicalNameRule = PHYSICAL_NAME_RULES[kind];
  const problems: string[] = [];
  if (value.length > rule.maxLength)
    problems.push(`${rule.what} '${value}' is longer than ${rule.maxLength}`);
  if (!rule.pattern.test(value))
    problems.push(`${rule.what} '${value}' does not match ${String(rule.pattern)}`);
  for (const f of rule.forbidden ?? [])
    if (f.pattern.test(value)) problems.push(`${rule.what} '${value}' ${f.says}`);
  return problems;
}

/** Characters {@link databaseIdentifier} keeps free for a member suffix such as `-writer`. */
export const DATABASE_SUFFIX_RESERVE = 8;

/**
 * The DocumentDB/RDS identifier base of an environment, `<app>-<env>` made valid: lowercase,
 * runs of hyphens collapsed (hashed environment names contain `--`, which these identifiers
 * refuse: sst#1702), a letter first, no trailing hyphen, and short enough that `base + suffix`
 * (at most {@link DATABASE_SUFFIX_RESERVE} characters, e.g. `-writer`, `-1`) fits 63. A base
 * that must be shortened keeps its readable start and ends with a hash of the full
 * `<app>-<env>`, so two environments never share one. Pure and deterministic.
 */
export function databaseIdentifier(app: string, environment: string): string {
  const full = `${app}-${environment}`;
  let base = full
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^[^a-z]+/, '')
    .replace(/-+$/, '');
  if (!base) base = 'db';
  const max = PHYSICAL_NAME_RULES.databaseIdentifier.maxLength - DATABASE_SUFFIX_RESERVE;
  if (base.length > max) {
    const hash = branchHash(full);
    base = `${base.slice(0, max - hash.length - 1).replace(/-+$/, '')}-${hash}`;
  }
  return base;
}
