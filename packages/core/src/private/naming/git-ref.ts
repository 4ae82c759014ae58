import { BranchError } from '../errors.js';

/** What `resolve` was asked about: a ref or a bare branch, plus the head branch of a pull request. */
export interface RefInput {
  /** `refs/heads/<branch>`, `refs/pull/<n>/merge|head`, `<n>/merge` (github.ref_name) or a bare branch. */
  readonly ref: string;
  /** The pull request's head branch (`github.head_ref`); required for pull-request refs. */
  readonly headBranch?: string | undefined;
}

/** Git's own limit on a ref name component as stored on disk; the reference table says 255 bytes. */
export const MAX_BRANCH_BYTES = 255;

// eslint-disable-next-line no-control-regex -- git forbids control characters; this is the check
const FORBIDDEN_CHARS = /[\u0000-\u0020\u007f~^:?*[\\]/u;

/**
 * Why git would reject `branch` as a branch name (`git check-ref-format --branch`), or undefined
 * when it is valid. Pure; mirrors the rules of git-check-ref-format(1).
 */
export function gitBranchProblem(branch: string): string | undefined {
  if (branch.length === 0) return 'it is empty';
  const bytes = Buffer.byteLength(branch, 'utf8');
  if (bytes > MAX_BRANCH_BYTES)
    return `it is ${bytes} bytes long; git refs are at most ${MAX_BRANCH_BYTES} bytes`;
  const bad = FORBIDDEN_CHARS.exec(branch);
  if (bad) {
    const ch = bad[0];
    const shown =
      ch.charCodeAt(0) < 0x21 || ch === '\u007f'
        ? `U+${ch.charCodeAt(0).toString(16).padStart(4, '0').toUpperCase()}`
        : `'${ch}'`;
    return `it contains ${shown}; git forbids control characters, space and ~ ^ : ? * [ \\`;
  }
  if (branch === '@') return "'@' alone is not a valid branch name";
  if (branch === 'HEAD') return "'HEAD' is not a valid branch name (git reserves it)";
  if (branch.startsWith('-')) return 'it starts with -';
  if (branch.startsWith('/') || branch.endsWith('/')) return 'it starts or ends with /';
  if (branch.includes('//')) return 'it contains //';
  if (branch.includes('..')) return 'it contains ..';
  if (branch.includes('@{')) return 'it contains @{';
  if (branch.endsWith('.')) return 'it ends with .';
  for (const component of branch.split('/')) {
    if (component.startsWith('.')) return `its component '${component}' starts with .`;
    if (component.endsWith('.lock')) return `its component '${component}' ends with .lock`;
  }
  if (/[\uD800-\uDFFF]/u.test(branch.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/gu, ''))) {
    return 'it is not valid Unicode (a lone surrogate)';
  }
  return undefined;
}

/** Throws a {@link BranchError} naming the problem when git would reject `branch`. */
export function assertGitBranch(branch: string): void {
  const problem = gitBranchProblem(branch);
  if (problem !== undefined) {
    throw new BranchError(
      `'${printable(branch)}' is not a valid git branch name: ${problem}`,
      'pass the exact branch name as git shows it (git branch --show-current)',
    );
  }
}

const PULL_REF = /^refs\/pull\/(\d+)\/(merge|head)$/;
const PULL_REF_NAME = /^(\d+)\/merge$/;

/**
 * The command-line argument that {@link sourceBranch} reads back as exactly `branch`: the bare
 * name, or `refs/heads/<branch>` when the bare name would be read as a ref (a branch literally
 * named `refs/heads/x` or `7/merge`). Printed commands name branches this way.
 */
export function branchArgument(branch: string): string {
  return branch.startsWith('refs/') || PULL_REF_NAME.test(branch) ? `refs/heads/${branch}` : branch;
}

/**
 * The exact source branch of a ref. Accepts `refs/heads/<b>`, bare `<b>`, and pull-request refs
 * (`refs/pull/<n>/merge`, `refs/pull/<n>/head`, or GitHub's ref_name `<n>/merge`) together with
 * their head branch. A pull request never resolves to its merge ref: that is how the system this
 * replaces deployed `n-merge` environments.
 */
export function sourceBranch(input: RefInput | string): string {
  const { ref, headBranch } =
    typeof input === 'string' ? { ref: input, headBranch: undefined } : input;
  const trimmed = ref;
  let branch: string;
  const pull = PULL_REF.exec(trimmed) ?? PULL_REF_NAME.exec(trimmed);
  if (pull) {
    if (!headBranch) {
      throw new BranchError(
        `'${trimmed}' is pull request #${pull[1]}'s ${pull[2] ?? 'merge'} ref, not a branch`,
        'pass the pull request head branch too: --head-ref "$GITHUB_HEAD_REF" (or name the branch as refs/heads/<branch>)',
      );
    }
    // The head branch is a short name (github.head_ref, a payload's head.ref): taken literally, so
    // a branch named refs/heads/x stays that branch and never becomes x.
    branch = headBranch;
  } else if (trimmed.startsWith('refs/heads/')) {
    branch = trimmed.slice('refs/heads/'.length);
  } else if (trimmed.startsWith('refs/')) {
    throw new BranchError(
      `'${printable(trimmed)}' is not a branch ref; only branches get environments`,
      'pass a branch: refs/heads/<branch> or the bare branch name',
    );
  } else {
    if (headBranch) {
      throw new BranchError(
        `--head-ref is only for pull request refs, but '${printable(trimmed)}' is a branch`,
        'drop --head-ref, or pass the pull request ref (refs/pull/<n>/merge)',
      );
    }
    branch = trimmed;
  }
  assertGitBranch(branch);
  return branch;
}

/**
 * A branch made safe to print in one line: control characters, and the invisible and bidirectional
 * formatting characters that make text display as something else (`feature/\u202egnp.exe`), are
 * escaped as `\uXXXX`.
 */
export function printable(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex -- escaping control characters is the point
    /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]/gu,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
