import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { UserError } from '@branch-env/core';
import {
  environmentProblems,
  verifyProductionEnvironment,
  type FetchLike,
} from '../src/commands/bootstrap/github-environment.js';

/**
 * Responses in the shape of the GitHub REST API's documented examples (environments and
 * deployment branch policies, API version 2022-11-28), replayed by a fake fetch that records what
 * it was asked.
 */
const fixture = (name: string) =>
  JSON.parse(
    readFileSync(fileURLToPath(new URL(`fixtures/github/${name}.json`, import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
const BRANCHES = ['main', 'prod/**', 'hotfix/**', 'prod[1-9]'];

function replay(routes: Record<string, [number, unknown]>) {
  const calls: { url: string; headers: Record<string, string> }[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    calls.push({ url, headers: init.headers });
    const path = new URL(url).pathname;
    const [status, body] = routes[path] ?? [404, { message: 'Not Found' }];
    return { status, json: async () => body };
  };
  return { calls, fetchImpl };
}
const ENV = '/repos/acme/shop/environments/production';

async function failure(p: Promise<unknown>): Promise<UserError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof UserError) return e;
    throw e;
  }
  throw new Error('expected a UserError');
}

describe('verifyProductionEnvironment (REST adapter, replayed responses)', () => {
  it('accepts a protected environment whose branches are exactly the production rules', async () => {
    const { calls, fetchImpl } = replay({
      [ENV]: [200, fixture('environment-protected')],
      [`${ENV}/deployment-branch-policies`]: [200, fixture('branch-policies')],
    });
    await verifyProductionEnvironment({
      repository: 'acme/shop',
      name: 'production',
      branches: BRANCHES,
      token: 't0ken',
      fetchImpl,
    });
    expect(calls.map((c) => c.url)).toEqual([
      `https://api.github.com${ENV}`,
      `https://api.github.com${ENV}/deployment-branch-policies?per_page=100&page=1`,
    ]);
    expect(calls[0]?.headers.authorization).toBe('Bearer t0ken');
  });

  it('refuses an environment GitHub created on the fly, naming each fix', async () => {
    const { fetchImpl } = replay({ [ENV]: [200, fixture('environment-created-on-the-fly')] });
    const e = await failure(
      verifyProductionEnvironment({
        repository: 'acme/shop',
        name: 'production',
        branches: BRANCHES,
        token: 't',
        fetchImpl,
      }),
    );
    expect(e.message).toMatch(/no required reviewer/);
    expect(e.message).toMatch(/administrators can bypass/);
    expect(e.message).toMatch(/admits every branch/);
    expect(e.fix).toContain('gh api -X PUT repos/acme/shop/environments/production');
    expect(e.fix).toContain('"can_admins_bypass":false');
    expect(e.fix).toContain("-f name='prod[1-9]' -f type=branch");
  });

  it('refuses a missing environment and a missing token', async () => {
    const { fetchImpl } = replay({});
    const missing = await failure(
      verifyProductionEnvironment({
        repository: 'acme/shop',
        name: 'production',
        branches: BRANCHES,
        token: 't',
        fetchImpl,
      }),
    );
    expect(missing.message).toMatch(/does not exist/);
    const noToken = await failure(
      verifyProductionEnvironment({
        repository: 'acme/shop',
        name: 'production',
        branches: BRANCHES,
        token: undefined,
        fetchImpl,
      }),
    );
    expect(noToken.fix).toMatch(/GH_TOKEN/);
  });

  it('explains a token GitHub refuses', async () => {
    const { fetchImpl } = replay({
      [ENV]: [403, { message: 'Resource not accessible by integration' }],
    });
    const e = await failure(
      verifyProductionEnvironment({
        repository: 'acme/shop',
        name: 'production',
        branches: BRANCHES,
        token: 't',
        fetchImpl,
      }),
    );
    expect(e.message).toMatch(/HTTP 403/);
  });
});

describe('environmentProblems', () => {
  const protectedEnv = fixture('environment-protected') as never;
  const policies = (fixture('branch-policies') as { branch_policies: never[] }).branch_policies;
  const base = {
    repository: 'acme/shop',
    name: 'production',
    environment: protectedEnv,
    policies,
    branches: BRANCHES,
  };

  it('finds nothing wrong with the protected fixture', () => {
    expect(environmentProblems(base)).toEqual([]);
  });

  it.each([
    [
      'self-review',
      {
        protection_rules: [
          { type: 'required_reviewers', prevent_self_review: false, reviewers: [{}] },
        ],
      },
      /approve it/,
    ],
    [
      'no reviewers',
      {
        protection_rules: [
          { type: 'required_reviewers', prevent_self_review: true, reviewers: [] },
        ],
      },
      /no required reviewer/,
    ],
    ['admin bypass', { can_admins_bypass: true }, /bypass/],
    [
      'protected branches',
      { deployment_branch_policy: { protected_branches: true, custom_branch_policies: false } },
      /every protected branch/,
    ],
  ])('reports %s', (_what, change, message) => {
    const problems = environmentProblems({ ...base, environment: { ...protectedEnv, ...change } });
    expect(problems.map((p) => p.problem).join('\n')).toMatch(message);
  });

  it('reports a missing and an extra branch policy, and a rule no policy can express', () => {
    const problems = environmentProblems({
      ...base,
      policies: [
        ...policies.filter((p: { name: string }) => p.name !== 'hotfix/**'),
        { name: 'feature/*', type: 'branch' },
      ],
      branches: [...BRANCHES, '/release-[0-9]+/'],
    });
    const text = problems.map((p) => p.problem).join('\n');
    expect(text).toMatch(/hotfix\/\*\* is not allowed/);
    expect(text).toMatch(/also admits branch feature\/\*/);
    expect(text).toMatch(/regular expression/);
  });

  it('quotes hostile branch names in the commands it prints', () => {
    const [p] = environmentProblems({ ...base, policies: [], branches: ["qa'$(id)'"] });
    expect(p?.fix).toContain(`-f name='qa'\\''$(id)'\\''' -f type=branch`);
  });
});
