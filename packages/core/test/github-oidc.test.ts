import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  branchToStringLike,
  compilePattern,
  matches,
  oidcTrust,
  parseConfig,
  routeOf,
  stringLikeAny,
  stringLikeMatches,
  trustConditions,
  trustPolicyDocument,
  TRUST_POLICY_MAX_CHARS,
  UserError,
} from '../src/index.js';
import { editedConfig, repoConfig } from './helpers.js';

const REPO = 'acme/shop';
const ref = (branch: string) => `repo:${REPO}:ref:refs/heads/${branch}`;
const PR = `repo:${REPO}:pull_request`;

describe('stringLikeMatches (IAM StringLike semantics)', () => {
  it.each([
    ['prod/*', 'prod/a/b', true],
    ['prod/*', 'prod/', true],
    ['prod*', 'prod/evil', true],
    ['prod?', 'prod/', true],
    ['prod?', 'prodx', true],
    ['prod?', 'prod', false],
    ['prod?', 'prod12', false],
    ['main', 'main', true],
    ['main', 'Main', false],
    ['main', 'main2', false],
    ['a.b', 'axb', false],
    ['a${*}b', 'a*b', true],
    ['a${*}b', 'axb', false],
    ['a${$}b', 'a$b', true],
    ['a${?}', 'ax', false],
    ['', '', true],
  ])('%s against %s is %s', (pattern, value, expected) => {
    expect(stringLikeMatches(pattern, value)).toBe(expected);
  });
});

describe('branchToStringLike', () => {
  it.each([
    ['main', ['main'], true],
    ['prod/**', ['prod/*'], true],
    ['prod[1-3]', ['prod1', 'prod2', 'prod3'], true],
    ['v[12].[0-1]', ['v1.0', 'v1.1', 'v2.0', 'v2.1'], true],
    ['qa*', ['qa*'], false],
    ['prod?', ['prod?'], false],
    ['x[!0-9]', ['x?'], false],
    ['/dev-[a-z][a-z0-9]*-[0-9]+/', ['dev-*'], false],
    ['/ab?c/', ['a*'], false],
    ['/main|master/', ['*'], false],
    ['cost$', ['cost${$}'], true],
  ])('%s becomes %j (exact: %s)', (pattern, patterns, exact) => {
    const like = branchToStringLike(pattern);
    expect(like.patterns).toEqual(patterns);
    expect(like.exact).toBe(exact);
  });

  it('gives up listing classes past the cap instead of emitting a huge policy', () => {
    const like = branchToStringLike('r[a-z][a-z]', 64);
    expect(like.exact).toBe(false);
    expect(like.reason).toMatch(/more than 64 patterns/);
  });

  // A branch alphabet with the characters that matter: '/', digits, letters that patterns use.
  const branch = fc
    .array(fc.constantFrom('p', 'r', 'o', 'd', 'h', 'x', '1', '5', '9', '0', '/', '-'), {
      minLength: 1,
      maxLength: 12,
    })
    .map((cs) => cs.join(''));

  it.each(['prod/**', 'hotfix/**', 'prod[1-9]', 'main', 'p**d', 'x[0-5]/**'])(
    'exact translation of %s admits exactly the branches the glob matches',
    (pattern) => {
      const like = branchToStringLike(pattern);
      expect(like.exact).toBe(true);
      const glob = compilePattern(pattern);
      fc.assert(
        fc.property(branch, (b) => stringLikeAny(like.patterns, b) === matches(glob, b)),
        { numRuns: 500 },
      );
    },
  );

  it.each(['qa*', 'prod?', '/dev-[a-z][a-z0-9]*-[0-9]+/', 'x[!0-9]'])(
    'inexact translation of %s is a superset of the glob (never narrower)',
    (pattern) => {
      const like = branchToStringLike(pattern);
      const glob = compilePattern(pattern);
      fc.assert(
        fc.property(branch, (b) => !matches(glob, b) || stringLikeAny(like.patterns, b)),
        { numRuns: 500 },
      );
      expect(['qa/x', 'prod/', 'dev-', 'x1']).toSatisfy((bs: string[]) =>
        bs.some((b) => stringLikeAny(like.patterns, b) && !matches(glob, b)),
      );
    },
  );
});

describe('oidcTrust for the repository config', () => {
  const config = repoConfig();
  // The UNSAFE opt-out: production branch subjects instead of a reviewed environment. Exactness of
  // its patterns is still guaranteed.
  const prod = oidcTrust(config, {
    repository: REPO,
    account: 'production',
    unsafeProductionBranchTrust: true,
  });
  const dev = oidcTrust(config, { repository: REPO, account: 'development' });
  const devUnprotected = oidcTrust(config, {
    repository: REPO,
    account: 'development',
    protectionClass: 'unprotected',
  });
  const assumesProd = (sub: string) => stringLikeAny(prod.subjects, sub);
  const assumesDev = (sub: string) => stringLikeAny(dev.subjects, sub);
  const assumesDevUnprotected = (sub: string) => stringLikeAny(devUnprotected.subjects, sub);

  it('trusts only the reviewed production environment by default', () => {
    const safe = oidcTrust(config, { repository: REPO, account: 'production' });
    expect(safe.subjects).toEqual([`repo:${REPO}:environment:production`]);
    for (const b of ['main', 'hotfix/x', 'prod1'])
      expect(stringLikeAny(safe.subjects, ref(b))).toBe(false);
    expect(stringLikeAny(safe.subjects, PR)).toBe(false);
  });

  it('warns loudly when the production role trusts branches', () => {
    expect(prod.notes.join('\n')).toMatch(/UNSAFE/);
  });

  it('trusts exactly the protected production branch patterns with the unsafe opt-out', () => {
    expect(prod.production).toBe(true);
    expect(prod.subjects).toEqual([
      ref('main'),
      ref('prod/*'),
      ref('hotfix/*'),
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => ref(`prod${n}`)),
    ]);
    expect(prod.explained.every((e) => e.exact)).toBe(true);
  });

  it.each(['main', 'prod/new-api', 'prod/a/b', 'hotfix/cve-1', 'prod1', 'prod9'])(
    'lets %s assume the production role',
    (b) => expect(assumesProd(ref(b))).toBe(true),
  );

  it.each([
    'feature/new-login',
    'feature/prod/x',
    'bugfix/main',
    'prod0',
    'prod10',
    'prodx',
    'prod',
    'production',
    'mainline',
    'sandbox',
    'qa1',
    'dev-ana-1',
    'ai/prod/1',
  ])('does not let %s assume the production role', (b) => {
    expect(assumesProd(ref(b))).toBe(false);
  });

  it('does not let pull-request runs, tags, environments or other repositories assume production', () => {
    expect(assumesProd(PR)).toBe(false);
    expect(assumesProd(`repo:${REPO}:ref:refs/tags/main`)).toBe(false);
    expect(assumesProd(`repo:${REPO}:environment:production`)).toBe(false);
    expect(assumesProd('repo:evil/shop:ref:refs/heads/main')).toBe(false);
    expect(assumesProd(`repo:${REPO}-fork:ref:refs/heads/main`)).toBe(false);
  });

  it('never lets a branch that routes elsewhere assume production (property)', () => {
    const branch = fc
      .array(
        fc.constantFrom('prod', 'hotfix', 'main', 'feature', 'qa', '/', '1', '9', '0', 'x', '-'),
        { minLength: 1, maxLength: 6 },
      )
      .map((cs) => cs.join(''));
    fc.assert(
      fc.property(branch, (b) => {
        if (!assumesProd(ref(b))) return true;
        return routeOf(b, config)?.rule.account === 'production';
      }),
      { numRuns: 2000 },
    );
  });

  it('gives each development class its own branches and the default branch, never pull requests', () => {
    for (const b of ['sandbox', 'qa1', 'staging2', 'dev-ana-1']) {
      expect(assumesDev(ref(b)), b).toBe(true);
      expect(assumesDevUnprotected(ref(b)), b).toBe(false);
    }
    for (const b of ['feature/new-login', 'bugfix/x', 'ai/agent-1']) {
      expect(assumesDevUnprotected(ref(b)), b).toBe(true);
      expect(assumesDev(ref(b)), b).toBe(false);
    }
    for (const assumes of [assumesDev, assumesDevUnprotected]) {
      expect(assumes(PR)).toBe(false);
      expect(assumes(ref('main'))).toBe(true);
      expect(assumes(ref('prod/x'))).toBe(false);
      expect(assumes(ref('hotfix/x'))).toBe(false);
    }
  });

  it('reports every widening it accepts in a non-production account', () => {
    expect(dev.notes.join('\n')).toMatch(/qa\*/);
    expect(dev.notes.join('\n')).toMatch(/dev-\[a-z\]/);
    expect(dev.subjects).toContain(ref('dev-*'));
  });

  it('measures the trust policy the way IAM counts it, within the default quota', () => {
    expect(prod.policyChars).toBe(JSON.stringify(trustPolicyDocument(prod, '222222222222')).length);
    expect(prod.policyChars).toBeLessThan(TRUST_POLICY_MAX_CHARS);
    expect(dev.policyChars).toBeLessThan(TRUST_POLICY_MAX_CHARS);
  });

  describe('with a GitHub environment (required reviewers) for production', () => {
    const gated = oidcTrust(config, {
      repository: REPO,
      account: 'production',
      githubEnvironments: ['production'],
    });
    const devToo = oidcTrust(config, {
      repository: REPO,
      account: 'development',
      githubEnvironments: ['production'],
    });

    it('trusts ONLY the environment in production: no branch can skip the reviewers', () => {
      expect(gated.subjects).toEqual([`repo:${REPO}:environment:production`]);
      expect(stringLikeAny(gated.subjects, `repo:${REPO}:environment:production`)).toBe(true);
      // a push to a production branch whose edited workflow skips the reviewed job
      for (const b of ['main', 'prod/x', 'hotfix/x', 'prod1', 'feature/x'])
        expect(stringLikeAny(gated.subjects, ref(b)), b).toBe(false);
      expect(stringLikeAny(gated.subjects, PR)).toBe(false);
      expect(stringLikeAny(gated.subjects, `repo:${REPO}:environment:staging`)).toBe(false);
      expect(gated.notes.join('\n')).toMatch(
        /trusts no branch, only jobs that run in the GitHub environment production: .*main, prod\/\*\*, hotfix\/\*\*, prod\[1-9\]/,
      );
    });

    it('applies to production accounts only: the development role does not trust it', () => {
      expect(devToo.subjects).toEqual(dev.subjects);
      expect(stringLikeAny(devToo.subjects, `repo:${REPO}:environment:production`)).toBe(false);
      expect(devToo.notes.join('\n')).toMatch(/gate production accounts only/);
    });
  });

  it('builds the IAM condition block with the audience and the subjects', () => {
    expect(trustConditions(prod)).toEqual({
      StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
      StringLike: { 'token.actions.githubusercontent.com:sub': prod.subjects },
    });
  });
});

describe('oidcTrust failures', () => {
  const withProdRule = (branch: string) =>
    parseConfig(
      editedConfig((c) => {
        // Last: ahead of prod[1-9], 'prod?' would leave that rule unreachable (config check).
        c.rules.push({
          branch,
          account: 'production',
          profile: 'production',
          protected: true,
        });
      }),
    );

  it.each([
    ['/release-[0-9]+/', /regular expression/],
    ['prod?', /'\?' also matches/],
    ['release-*', /stays within one path segment/],
  ])('fails for the production rule %s that IAM cannot express exactly', (rule, reason) => {
    const config = withProdRule(rule);
    const unsafe = { repository: REPO, account: 'production', unsafeProductionBranchTrust: true };
    expect(() => oidcTrust(config, unsafe)).toThrow(UserError);
    expect(() => oidcTrust(config, unsafe)).toThrow(reason);
    const error = (() => {
      try {
        oidcTrust(config, unsafe);
      } catch (e) {
        return e as UserError;
      }
      return undefined;
    })();
    expect(error?.fix).toMatch(/--github-environment/);
  });

  it('accepts such a rule only through a GitHub environment, and never emits its pattern', () => {
    const trust = oidcTrust(withProdRule('/release-[0-9]+/'), {
      repository: REPO,
      account: 'production',
      githubEnvironments: ['production'],
    });
    expect(trust.subjects).toEqual([`repo:${REPO}:environment:production`]);
    expect(trust.subjects.some((s) => s.includes('release'))).toBe(false);
    expect(stringLikeAny(trust.subjects, ref('release-12'))).toBe(false);
    expect(trust.notes.join()).toMatch(/GitHub environment production/);
  });

  it('notes a policy over the default quota and refuses one over the hard maximum', () => {
    const many = (n: number) =>
      parseConfig(
        editedConfig((c) => {
          const extra = Array.from({ length: n }, (_, i) => ({
            branch: `release/line-${String(i).padStart(3, '0')}`,
            account: 'production',
            profile: 'production',
            protected: true,
          }));
          c.rules.splice(1, 0, ...extra);
        }),
      );
    const unsafe = { repository: REPO, account: 'production', unsafeProductionBranchTrust: true };
    const big = oidcTrust(many(40), unsafe);
    expect(big.policyChars).toBeGreaterThan(TRUST_POLICY_MAX_CHARS);
    expect(big.notes.join()).toMatch(/quota increase/);
    expect(() => oidcTrust(many(90), unsafe)).toThrow(/IAM allows at most 4096/);
  });

  it('fails for an unknown account, a malformed repository and an account no rule routes to', () => {
    const config = repoConfig();
    expect(() => oidcTrust(config, { repository: REPO, account: 'staging' })).toThrow(
      /no account 'staging'/,
    );
    expect(() => oidcTrust(config, { repository: 'acme', account: 'production' })).toThrow(
      /owner\/repo/,
    );
    const unused = parseConfig(
      editedConfig((c) => {
        c.accounts.spare = {
          ...c.accounts.production,
          id: '333333333333',
          deployRoleArn: 'arn:aws:iam::333333333333:role/branch-env-deploy',
          production: true,
        };
      }),
    );
    expect(() => oidcTrust(unused, { repository: REPO, account: 'spare' })).toThrow(
      /would trust nobody/,
    );
    expect(() =>
      oidcTrust(unused, { repository: REPO, account: 'spare', githubEnvironments: ['production'] }),
    ).toThrow(/would trust nobody/);
  });
});
