import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  branchArgument,
  branchHash,
  environmentName,
  gitBranchProblem,
  isValidEnvironmentName,
  LIMITS,
  nameBudget,
  readablePrefix,
  sourceBranch,
  BranchError,
} from '../src/index.js';

const BUDGET = 37; // the repository config: 64 - 1 - len("branch-env-dev.example.net")

describe('environmentName', () => {
  it.each([
    ['feature/new-login', 'feature-new-login', 'plain'],
    ['main', 'main', 'plain'],
    ['qa1', 'qa1', 'plain'],
    ['dev-gary-1', 'dev-gary-1', 'plain'],
    ['feature/a/b', 'feature-a-b', 'plain'],
  ] as const)('keeps plain branch %s readable as %s', (branch, name, form) => {
    expect(environmentName(branch, BUDGET)).toEqual({ name, form });
  });

  it.each([
    ['Feature-X', 'feature-x', 'not-plain'],
    ['feature_x', 'feature-x', 'not-plain'],
    ['feature/X', 'feature-x', 'not-plain'],
    ['feature//x'.replace('//', '/-'), 'feature-x', 'not-plain'],
    ['feature.x', 'feature-x', 'not-plain'],
    ['ai/ünïcode', 'ai-unicode', 'not-plain'],
    ['123-fix', 'b-123-fix', 'not-plain'],
    ['日本語', 'b', 'not-plain'],
  ] as const)('hashes non-plain branch %s behind the prefix %s', (branch, prefix, reason) => {
    const result = environmentName(branch, BUDGET);
    expect(result.form).toBe('hashed');
    expect(result.reason).toBe(reason);
    expect(result.name).toBe(`${prefix}--${branchHash(branch)}`);
  });

  it('shortens a long plain branch to a readable prefix plus the hash of the exact branch', () => {
    const branch = `feature/${'very-long-description-'.repeat(4)}end`;
    const result = environmentName(branch, BUDGET);
    expect(result).toEqual({
      name: `feature-very-long-descrip--${branchHash(branch)}`,
      form: 'hashed',
      reason: 'too-long',
    });
    expect(result.name).toHaveLength(BUDGET);
  });

  it('never produces a reserved "xn--"-style label (-- at positions 3-4)', () => {
    expect(environmentName('AB', BUDGET).name).toBe(`abx--${branchHash('AB')}`);
    expect(environmentName('Xn', BUDGET).name.slice(2, 4)).not.toBe('--');
  });

  it('separates the variants plain normalization would merge', () => {
    const variants = [
      'feature/x',
      'Feature/x',
      'feature/X',
      'feature_x',
      'FEATURE/X',
      'feature/x.',
    ];
    const names = variants
      .filter((v) => !gitBranchProblem(v))
      .map((v) => environmentName(v, BUDGET).name);
    expect(new Set(names).size).toBe(names.length);
  });

  it('fails for a budget too small to hold a hashed name', () => {
    expect(() => environmentName('x', 12)).toThrow(/too small/);
  });
});

describe('readablePrefix', () => {
  it('strips diacritics and folds everything else to single dashes', () => {
    expect(readablePrefix('Crème/Brûlée__2')).toBe('creme-brulee-2');
  });
});

describe('branchHash', () => {
  it('is 10 base32 characters of SHA-256 of the exact UTF-8 bytes', () => {
    expect(branchHash('main')).toMatch(/^[a-z2-7]{10}$/);
    expect(branchHash('main')).toBe(branchHash('main'));
    expect(branchHash('main')).not.toBe(branchHash('Main'));
    // é precomposed vs e + combining accent: different bytes, different environments
    expect(branchHash('caf\u00e9')).not.toBe(branchHash('cafe\u0301'));
  });
});

describe('git branch validation', () => {
  it.each([
    ['', /empty/],
    ['a b', /U\+0020/],
    ['a~b', /'~'/],
    ['a^b', /'\^'/],
    ['a:b', /':'/],
    ['a?b', /'\?'/],
    ['a*b', /'\*'/],
    ['a[b', /'\['/],
    ['a\\b', /'\\'/],
    ['a\tb', /U\+0009/],
    ['a..b', /\.\./],
    ['a@{b', /@\{/],
    ['@', /'@' alone/],
    ['HEAD', /'HEAD' is not a valid branch name/],
    ['-a', /starts with -/],
    ['a/', /ends with \//],
    ['/a', /starts or ends with \//],
    ['a//b', /\/\//],
    ['a.', /ends with \./],
    ['a/.b', /starts with \./],
    ['a.lock', /\.lock/],
    ['a/b.lock/c', /\.lock/],
    ['x'.repeat(256), /256 bytes/],
    ['é'.repeat(128), /256 bytes/],
  ])('rejects %j like git does', (branch, message) => {
    expect(gitBranchProblem(branch)).toMatch(message);
  });

  it.each([
    'main',
    'feature/new-login',
    'a.b',
    'a@b',
    'ü/ñ',
    'x'.repeat(255),
    'é'.repeat(127) + 'x',
    'feature/🚀',
    'head',
    'HEAD/x',
    'x/HEAD',
  ])('accepts %j', (branch) => {
    expect(gitBranchProblem(branch)).toBeUndefined();
  });
});

describe('sourceBranch', () => {
  it('takes bare names and refs/heads/ refs', () => {
    expect(sourceBranch('feature/x')).toBe('feature/x');
    expect(sourceBranch('refs/heads/feature/x')).toBe('feature/x');
  });

  it('resolves pull request refs to their head branch, never to n-merge', () => {
    expect(sourceBranch({ ref: 'refs/pull/42/merge', headBranch: 'feature/x' })).toBe('feature/x');
    expect(sourceBranch({ ref: '42/merge', headBranch: 'feature/x' })).toBe('feature/x');
    expect(sourceBranch({ ref: 'refs/pull/42/head', headBranch: 'feature/x' })).toBe('feature/x');
  });

  it('takes the head branch literally: a branch NAMED refs/heads/x is never x', () => {
    expect(sourceBranch({ ref: '42/merge', headBranch: 'refs/heads/feature/victim' })).toBe(
      'refs/heads/feature/victim',
    );
    expect(sourceBranch('refs/heads/refs/heads/feature/victim')).toBe('refs/heads/feature/victim');
  });

  it('branchArgument prints an argument sourceBranch reads back as exactly the branch', () => {
    expect(branchArgument('feature/x')).toBe('feature/x');
    expect(branchArgument('refs/heads/feature/victim')).toBe(
      'refs/heads/refs/heads/feature/victim',
    );
    expect(branchArgument('refs/tags/v1')).toBe('refs/heads/refs/tags/v1');
    expect(branchArgument('7/merge')).toBe('refs/heads/7/merge');
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ minLength: 1, maxLength: 40 }),
          fc.constantFrom('refs/heads/main', 'refs/pull/1/merge', '12/merge', 'refs/x'),
        ),
        (branch) => {
          fc.pre(gitBranchProblem(branch) === undefined);
          expect(sourceBranch(branchArgument(branch))).toBe(branch);
        },
      ),
    );
  });

  it('fails for a pull request ref without its head branch, naming the fix', () => {
    expect(() => sourceBranch('refs/pull/42/merge')).toThrow(BranchError);
    expect(() => sourceBranch('42/merge')).toThrow(/pull request #42's merge ref/);
    try {
      sourceBranch('refs/pull/42/merge');
    } catch (e) {
      expect((e as BranchError).fix).toMatch(/--head-ref/);
    }
  });

  it('fails for tags and other non-branch refs', () => {
    expect(() => sourceBranch('refs/tags/v1')).toThrow(/not a branch ref/);
  });

  it('fails for --head-ref given with a plain branch', () => {
    expect(() => sourceBranch({ ref: 'feature/x', headBranch: 'feature/y' })).toThrow(
      /only for pull request refs/,
    );
  });

  it('fails for names git rejects, with the reason', () => {
    expect(() => sourceBranch('feature/a..b')).toThrow(
      /not a valid git branch name: it contains \.\./,
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over generated branch names
// ---------------------------------------------------------------------------------------------

/** Branch-like strings: segments of mixed ASCII, digits, separators and some Unicode. */
const segment = fc.string({
  unit: fc.constantFrom(
    ...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.éüñ日🚀'.split('').concat(['🚀']),
  ),
  minLength: 1,
  maxLength: 40,
});
const branchArb = fc
  .array(segment, { minLength: 1, maxLength: 6 })
  .map((parts) => parts.join('/'))
  .filter((b) => gitBranchProblem(b) === undefined);
const plainArb = fc
  .array(fc.stringMatching(/^[a-z0-9]{1,12}$/), { minLength: 1, maxLength: 8 })
  .chain((parts) =>
    fc
      .array(fc.constantFrom('-', '/'), {
        minLength: parts.length - 1,
        maxLength: parts.length - 1,
      })
      .map((seps) => parts.reduce((acc, p, i) => (i === 0 ? p : `${acc}${seps[i - 1]}${p}`), '')),
  )
  .map((b) => (/^[a-z]/.test(b) ? b : `f${b}`));

const domains = [
  'branch-env-dev.example.net',
  'a.io',
  'previews.eu-west-1.apps.company.example.uk',
];

describe('naming properties', () => {
  it('is deterministic', () => {
    fc.assert(
      fc.property(branchArb, fc.integer({ min: 20, max: 63 }), (branch, budget) => {
        expect(environmentName(branch, budget)).toEqual(environmentName(branch, budget));
      }),
    );
  });

  it('always fits every limit of the reference table derived from the name', () => {
    fc.assert(
      fc.property(branchArb, fc.constantFrom(...domains), (branch, domain) => {
        const budget = nameBudget('branch-env-demo', [domain]);
        const { name } = environmentName(branch, budget.maxLength);
        expect(isValidEnvironmentName(name, budget.maxLength)).toBe(true);
        expect(name).toMatch(/^[a-z](?:[a-z0-9-]*[a-z0-9])?$/);
        expect(name.length).toBeLessThanOrEqual(LIMITS.dnsLabel);
        expect(`${name}.${domain}`.length).toBeLessThanOrEqual(LIMITS.acmFirstName);
        expect(`branch-env-demo-${name}-certificate`.length).toBeLessThanOrEqual(LIMITS.stackName);
        expect(`${name}.${domain}`.length).toBeLessThanOrEqual(253);
      }),
      { numRuns: 500 },
    );
  });

  it('gives different branches different names unless both are plain spellings of one name', () => {
    fc.assert(
      fc.property(branchArb, branchArb, (a, b) => {
        fc.pre(a !== b);
        const na = environmentName(a, BUDGET);
        const nb = environmentName(b, BUDGET);
        if (na.name === nb.name) {
          // The one ambiguity kept for readability, detected by findNameCollisions and the owner claim.
          expect(na.form).toBe('plain');
          expect(nb.form).toBe('plain');
          expect(a.replaceAll('/', '-')).toBe(b.replaceAll('/', '-'));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never lets a hashed name equal a plain one', () => {
    fc.assert(
      fc.property(branchArb, plainArb, (a, b) => {
        const na = environmentName(a, BUDGET);
        const nb = environmentName(b, BUDGET);
        if (na.form === 'hashed' && nb.form === 'plain') expect(na.name).not.toBe(nb.name);
        if (nb.form === 'plain') expect(nb.name).not.toContain('--');
      }),
      { numRuns: 1000 },
    );
  });

  it('maps plain branches readably: / becomes -', () => {
    fc.assert(
      fc.property(plainArb, (b) => {
        fc.pre(b.length <= BUDGET);
        expect(environmentName(b, BUDGET)).toEqual({ name: b.replaceAll('/', '-'), form: 'plain' });
      }),
    );
  });

  it('accepts 255-byte Unicode branches and keeps them within budget', () => {
    const branch = `feature/${'ü'.repeat(123)}x`; // 8 + 246 + 1 = 255 bytes
    expect(Buffer.byteLength(branch)).toBe(255);
    expect(gitBranchProblem(branch)).toBeUndefined();
    const { name } = environmentName(branch, BUDGET);
    expect(name.length).toBeLessThanOrEqual(BUDGET);
    expect(name.startsWith('feature-uuuu')).toBe(true);
  });
});
