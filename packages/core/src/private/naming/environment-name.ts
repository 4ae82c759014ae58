import { branchHash, HASH_LENGTH } from './hash.js';

/**
 * The naming contract (docs/naming.md).
 *
 * A branch is *plain* when it is lowercase ASCII letters and digits in segments separated by single
 * `-` or `/`, starts with a letter, and its name fits the budget. A plain branch's environment name
 * is the branch with `/` replaced by `-` (`feature/new-login` -> `feature-new-login`).
 *
 * Every other branch (upper case, `_`, `.`, Unicode, runs of separators, leading digit, too long)
 * gets a *hashed* name: a readable prefix, `--`, and 10 base32 characters of SHA-256 of the exact
 * branch. Plain names never contain `--`, hashed names always do, so a hashed name can never equal a
 * plain one, and two hashed names are equal only if their branches' hashes are (50 bits).
 *
 * What remains is the one ambiguity plain names keep for readability: `feature/x` and `feature-x`
 * are both plain and both name `feature-x`. That collision is detected before anything is deployed:
 * `findNameCollisions` over the live branches (CI runs it before a deploy) and the owner record
 * every deploy claims atomically in the config bus.
 */
export interface EnvironmentName {
  readonly name: string;
  /** How it was formed: the branch itself, or a readable prefix plus hash. */
  readonly form: 'plain' | 'hashed';
  /** Why a hashed name was needed; undefined for plain names. */
  readonly reason?: 'not-plain' | 'too-long' | undefined;
}

const PLAIN = /^[a-z][a-z0-9]*(?:[-/][a-z0-9]+)*$/;
const SEPARATOR = '--';

/** Letters with diacritics lose them; everything else outside [a-z0-9] becomes `-`. */
export function readablePrefix(branch: string): string {
  return branch
    .normalize('NFKD')
    .replace(/\p{M}+/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** Environment name of `branch` within `maxLength` characters (the name budget). Pure. */
export function environmentName(branch: string, maxLength: number): EnvironmentName {
  if (maxLength < HASH_LENGTH + SEPARATOR.length + 3) {
    throw new RangeError(`name budget ${maxLength} is too small for a hashed name`);
  }
  const plain = PLAIN.test(branch);
  if (plain && branch.length <= maxLength) {
    return { name: branch.replaceAll('/', '-'), form: 'plain' };
  }
  let prefix = readablePrefix(branch);
  if (!/^[a-z]/.test(prefix)) prefix = prefix ? `b-${prefix}` : 'b';
  prefix = prefix.slice(0, maxLength - SEPARATOR.length - HASH_LENGTH).replace(/-+$/, '');
  // `ab--…` would put `--` at positions 3-4: a reserved (IDNA "xn--") DNS label form.
  if (prefix.length === 2) prefix += 'x';
  return {
    name: `${prefix}${SEPARATOR}${branchHash(branch)}`,
    form: 'hashed',
    reason: plain ? 'too-long' : 'not-plain',
  };
}

/** Whether `name` is usable as an environment name: a DNS label starting with a letter. */
export function isValidEnvironmentName(name: string, maxLength: number): boolean {
  return (
    name.length <= maxLength &&
    /^[a-z](?:[a-z0-9-]*[a-z0-9])?$/.test(name) &&
    name.slice(2, 4) !== '--'
  );
}
