import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DATABASE_SUFFIX_RESERVE,
  databaseIdentifier,
  gitBranchProblem,
  physicalNameProblems,
  resolveEnvironment,
} from '../src/index.js';
import { LONGEST_SSM_KEY } from '../src/private/naming/limits.js';
import { repoConfig } from './helpers.js';

describe('physicalNameProblems: one rule per kind of name', () => {
  it.each([
    ['databaseIdentifier', 'branch-env-demo-hotfix-jira-123-amjmk76bjw', []],
    [
      'databaseIdentifier',
      'branch-env-demo-hotfix-jira-123--amjmk76bjw',
      [
        "DocumentDB/RDS cluster or instance identifier 'branch-env-demo-hotfix-jira-123--amjmk76bjw' contains two consecutive hyphens",
      ],
    ],
    [
      'databaseIdentifier',
      'db-',
      ["DocumentDB/RDS cluster or instance identifier 'db-' ends with a hyphen"],
    ],
    [
      'databaseIdentifier',
      '1db',
      ["DocumentDB/RDS cluster or instance identifier '1db' does not match /^[a-z][a-z0-9-]*$/"],
    ],
    [
      'databaseIdentifier',
      `a${'b'.repeat(63)}`,
      [`DocumentDB/RDS cluster or instance identifier 'a${'b'.repeat(63)}' is longer than 63`],
    ],
    [
      'databaseParameterGroup',
      'x--params',
      ["DocumentDB/RDS parameter group name 'x--params' contains two consecutive hyphens"],
    ],
    ['stackName', 'branch-env-demo-hotfix-jira-123--amjmk76bjw', []],
    ['dnsName', 'x.-bad.example.com', [expect.stringContaining('does not match')]],
    ['ssmParameter', '/aws/reserved', ["SSM parameter '/aws/reserved' starts with 'aws' or 'ssm'"]],
  ] as const)('%s %s', (kind, value, problems) => {
    expect(physicalNameProblems(kind, value)).toEqual(problems);
  });
});

describe('databaseIdentifier', () => {
  it.each([
    ['branch-env-demo', 'feature-new-login', 'branch-env-demo-feature-new-login'],
    [
      'branch-env-demo',
      'hotfix-jira-123--amjmk76bjw',
      'branch-env-demo-hotfix-jira-123-amjmk76bjw',
    ],
    ['9lives', 'x', 'lives-x'],
    // 15 + 1 + 63 = 79 characters: shortened, ends with a hash of the whole `<app>-<env>`
    [
      'branch-env-demo',
      `${'a'.repeat(51)}--abcdefghij`,
      expect.stringMatching(/^branch-env-demo-a+-[a-z2-7]{10}$/),
    ],
  ])('%s + %s -> %s', (app, env, expected) => {
    expect(databaseIdentifier(app, env)).toEqual(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over generated branch names, resolved with the repository's config (every profile:
// feature/** preview, hotfix/** production with a hashed name for most, sandbox-like full ones)
// ---------------------------------------------------------------------------------------------

const segment = fc.string({
  unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ0123456789-_.éü日'.split('')),
  minLength: 1,
  maxLength: 30,
});
const branchArb = fc
  .tuple(
    fc.constantFrom('feature/', 'hotfix/', 'prod/', 'bugfix/', 'ai/', 'staging'),
    fc.array(segment, { minLength: 1, maxLength: 4 }),
  )
  // `staging*` matches within one path segment (`qa*` allows only qa1-qa3)
  .map(([prefix, parts]) => `${prefix}${prefix.endsWith('/') ? parts.join('/') : parts[0]}`)
  .filter((b) => gitBranchProblem(b) === undefined);

const config = repoConfig();

it('the generated branches cover every profile, hashed names among them', () => {
  const seen = fc
    .sample(branchArb, { numRuns: 300, seed: 1 })
    .map((b) => resolveEnvironment(b, config));
  expect(new Set(seen.map((e) => e.profile.name))).toEqual(
    new Set(['preview', 'full', 'production']),
  );
  expect(seen.some((e) => e.name.includes('--'))).toBe(true);
});

describe('every name an environment sets is valid for the resource it names (properties)', () => {
  it('stacks, DNS name, SSM parameters and database identifiers of any branch', () => {
    fc.assert(
      fc.property(branchArb, (branch) => {
        const env = resolveEnvironment(branch, config);
        const db = databaseIdentifier(env.app, env.name);
        const problems = [
          ...physicalNameProblems('stackName', env.stacks.main),
          ...(env.stacks.certificate
            ? physicalNameProblems('stackName', env.stacks.certificate)
            : []),
          ...(env.dnsName ? physicalNameProblems('dnsName', `origin.${env.dnsName}`) : []),
          ...physicalNameProblems('ssmParameter', `${env.ssmPrefix}${LONGEST_SSM_KEY}`),
          ...physicalNameProblems('databaseIdentifier', db),
          ...physicalNameProblems(
            'databaseIdentifier',
            `${db}-${'x'.repeat(DATABASE_SUFFIX_RESERVE - 1)}`,
          ),
          ...physicalNameProblems('databaseParameterGroup', `${db}-params`),
        ];
        expect(problems, branch).toEqual([]);
      }),
      { numRuns: 1000 },
    );
  });

  it('two environments never share a database identifier unless their names differ only in hyphen runs', () => {
    fc.assert(
      fc.property(branchArb, branchArb, (a, b) => {
        const ea = resolveEnvironment(a, config);
        const eb = resolveEnvironment(b, config);
        fc.pre(ea.name !== eb.name);
        if (databaseIdentifier(ea.app, ea.name) === databaseIdentifier(eb.app, eb.name))
          expect(ea.name.replace(/-+/g, '-')).toBe(eb.name.replace(/-+/g, '-'));
      }),
      { numRuns: 1000 },
    );
  });
});
