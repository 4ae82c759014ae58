import { parameterName } from '@branch-env/core';

/**
 * SSM Parameter Store limits (docs/reference/aws-name-limits.md and the SSM quotas page):
 * names of at most 1011 characters and 15 levels of `[a-zA-Z0-9_.-/]`, not starting with `aws` or
 * `ssm`; standard-tier values of at most 4 KB.
 */
export const SSM_LIMITS = {
  nameLength: 1011,
  levels: 15,
  /** Standard tier. Advanced parameters (8 KB) cost money per parameter per month: not used. */
  valueBytes: 4096,
} as const;

interface KeyRule {
  readonly problem: string;
  readonly broken: (key: string) => boolean;
}

/** Rules for a key below `/<app>/<env>/`, as data: each breaks when `broken` is true. */
export const KEY_RULES: readonly KeyRule[] = [
  { problem: 'is empty', broken: (k) => k.length === 0 },
  {
    problem: 'starts with / (keys are relative to the environment prefix)',
    broken: (k) => k.startsWith('/'),
  },
  { problem: 'ends with /', broken: (k) => k.length > 0 && k.endsWith('/') },
  { problem: 'contains an empty level (//)', broken: (k) => k.includes('//') },
  {
    problem: "has a '.' or '..' level, which would escape the environment prefix",
    broken: (k) => k.split('/').some((s) => s === '.' || s === '..'),
  },
  {
    problem: 'has characters SSM rejects (allowed: a-z A-Z 0-9 _ . - /)',
    broken: (k) => /[^a-zA-Z0-9_./-]/.test(k),
  },
];

/** Every problem of `key` placed under `prefix`; empty when the parameter name is valid. */
export function keyProblems(prefix: string, key: string): string[] {
  const problems = KEY_RULES.filter((r) => r.broken(key)).map((r) => r.problem);
  if (problems.length > 0) return problems;
  const name = `${prefix}${key}`;
  if (name.length > SSM_LIMITS.nameLength)
    problems.push(
      `makes a parameter name of ${name.length} characters; SSM allows ${SSM_LIMITS.nameLength}`,
    );
  const levels = name.split('/').length - 1;
  if (levels > SSM_LIMITS.levels)
    problems.push(`makes a parameter name of ${levels} levels; SSM allows ${SSM_LIMITS.levels}`);
  if (/^\/?(aws|ssm)/i.test(name))
    problems.push(`makes a name starting with 'aws' or 'ssm', which SSM reserves`);
  return problems;
}

/** UTF-8 size of a value. */
export function valueBytes(value: string): number {
  return Buffer.byteLength(value, 'utf8');
}

/** Every problem of a parameter value: empty, or larger than the standard tier allows. */
export function valueProblems(value: string): string[] {
  if (value.length === 0) return ['is empty (SSM needs at least one character)'];
  const bytes = valueBytes(value);
  return bytes > SSM_LIMITS.valueBytes
    ? [`is ${bytes} bytes; a standard SSM parameter holds at most ${SSM_LIMITS.valueBytes}`]
    : [];
}

/** Full name of `key` under `prefix`, or the list of problems. */
export function checkedName(
  prefix: string,
  key: string,
): { name: string; problems: [] } | { name?: undefined; problems: string[] } {
  const problems = keyProblems(prefix, key);
  return problems.length > 0 ? { problems } : { name: parameterName(prefix, key), problems: [] };
}
