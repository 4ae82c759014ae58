import { UserError } from '@branch-env/core';

/**
 * Bootstrap's check of the GitHub environment a production role trusts. GitHub creates an
 * environment that a job names on the fly, with no protection at all, and lets admins bypass its
 * reviewers by default: a role that trusts `environment:<name>` is only as strong as that
 * environment. So before deploying the role, bootstrap reads it through the REST API and refuses
 * unless it has at least one required reviewer, prevents self-review, denies admin bypass and
 * limits deployment branches to exactly the production rules' branches.
 */

/** The subset of `GET /repos/{owner}/{repo}/environments/{name}` the check reads. */
export interface GitHubEnvironment {
  readonly name: string;
  readonly can_admins_bypass?: boolean;
  readonly protection_rules?: readonly {
    readonly type: string;
    readonly prevent_self_review?: boolean;
    readonly reviewers?: readonly unknown[];
  }[];
  readonly deployment_branch_policy?: {
    readonly protected_branches: boolean;
    readonly custom_branch_policies: boolean;
  } | null;
}

/** One deployment branch policy (`GET .../deployment-branch-policies`). */
export interface BranchPolicy {
  readonly name: string;
  readonly type?: 'branch' | 'tag';
}

/** What the check needs from `fetch` (the global one satisfies it). */
export type FetchLike = (
  url: string,
  init: { readonly headers: Record<string, string> },
) => Promise<{ readonly status: number; json(): Promise<unknown> }>;

/** POSIX single quotes: the printed commands must not run a hostile branch name. */
function q(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replaceAll("'", `'\\''`)}'`;
}

/** Why the environment does not protect production, each with the `gh api` command that fixes it. */
export function environmentProblems(input: {
  readonly repository: string;
  readonly name: string;
  /** Undefined when the environment does not exist (404). */
  readonly environment: GitHubEnvironment | undefined;
  readonly policies: readonly BranchPolicy[];
  /** The production rules' branch patterns the environment must admit, exactly. */
  readonly branches: readonly string[];
}): { readonly problem: string; readonly fix: string }[] {
  const { repository, name, environment, policies, branches } = input;
  const path = `repos/${repository}/environments/${encodeURIComponent(name)}`;
  const put = `gh api -X PUT ${q(path)} --input - <<'JSON'\n{"prevent_self_review":true,"can_admins_bypass":false,"reviewers":[{"type":"Team","id":<team id>}],"deployment_branch_policy":{"protected_branches":false,"custom_branch_policies":true}}\nJSON`;
  const addPolicy = (b: string) =>
    `gh api -X POST ${q(`${path}/deployment-branch-policies`)} -f name=${q(b)} -f type=branch`;
  const problems: { problem: string; fix: string }[] = [];
  const unexpressible = branches.filter((b) => b.startsWith('/'));
  for (const b of unexpressible) {
    problems.push({
      problem: `the production rule ${b} is a regular expression, which a deployment branch policy cannot express`,
      fix: 'rewrite the rule as a glob (e.g. prod[1-9], release/**) in branch-env.config.json',
    });
  }
  if (!environment) {
    problems.push({ problem: `the GitHub environment '${name}' does not exist`, fix: put });
    for (const b of branches.filter((x) => !x.startsWith('/')))
      problems.push({ problem: `deployment branch ${b} is not allowed`, fix: addPolicy(b) });
    return problems;
  }
  const reviewers = environment.protection_rules?.find((r) => r.type === 'required_reviewers');
  if (!reviewers || (reviewers.reviewers?.length ?? 0) === 0)
    problems.push({ problem: `'${name}' has no required reviewer`, fix: put });
  else if (reviewers.prevent_self_review !== true)
    problems.push({
      problem: `'${name}' lets whoever triggered a deployment approve it`,
      fix: put,
    });
  if (environment.can_admins_bypass !== false)
    problems.push({ problem: `administrators can bypass '${name}''s reviewers`, fix: put });
  const policy = environment.deployment_branch_policy;
  if (!policy || !policy.custom_branch_policies) {
    problems.push({
      problem: `'${name}' ${policy?.protected_branches ? 'admits every protected branch' : 'admits every branch'}, not only the production rules' branches`,
      fix: put,
    });
  }
  const allowed = new Set(
    policies.filter((p) => (p.type ?? 'branch') === 'branch').map((p) => p.name),
  );
  for (const b of branches.filter((x) => !x.startsWith('/'))) {
    if (!allowed.has(b))
      problems.push({ problem: `deployment branch ${b} is not allowed`, fix: addPolicy(b) });
  }
  for (const p of policies) {
    if ((p.type ?? 'branch') === 'tag' || !branches.includes(p.name)) {
      problems.push({
        problem: `'${name}' also admits ${p.type === 'tag' ? 'tag' : 'branch'} ${p.name}, which no production rule routes`,
        fix: `gh api ${q(`${path}/deployment-branch-policies`)} --jq '.branch_policies[] | [.id, .name] | @tsv'  # then delete that policy: gh api -X DELETE ${q(`${path}/deployment-branch-policies`)}/<its id>`,
      });
    }
  }
  return problems;
}

/** Read the environment and its branch policies through the REST API. */
async function readEnvironment(
  repository: string,
  name: string,
  token: string,
  fetchImpl: FetchLike,
): Promise<{ environment: GitHubEnvironment | undefined; policies: BranchPolicy[] }> {
  const headers = {
    accept: 'application/vnd.github+json',
    authorization: `Bearer ${token}`,
    'x-github-api-version': '2022-11-28',
  };
  const base = `https://api.github.com/repos/${repository}/environments/${encodeURIComponent(name)}`;
  const res = await fetchImpl(base, { headers });
  if (res.status === 404) return { environment: undefined, policies: [] };
  if (res.status === 401 || res.status === 403) {
    throw new UserError(
      `GitHub refused to read the environment '${name}' of ${repository} (HTTP ${res.status})`,
      'pass a token that can read the repository administration (GITHUB_TOKEN, GH_TOKEN or --github-token, e.g. GH_TOKEN=$(gh auth token))',
    );
  }
  if (res.status !== 200) throw new Error(`GitHub answered HTTP ${res.status} for ${base}`);
  const environment = (await res.json()) as GitHubEnvironment;
  const policies: BranchPolicy[] = [];
  if (environment.deployment_branch_policy?.custom_branch_policies) {
    for (let page = 1; page <= 10; page++) {
      const r = await fetchImpl(`${base}/deployment-branch-policies?per_page=100&page=${page}`, {
        headers,
      });
      if (r.status !== 200)
        throw new Error(`GitHub answered HTTP ${r.status} for ${base}/deployment-branch-policies`);
      const body = (await r.json()) as { branch_policies?: BranchPolicy[] };
      const batch = body.branch_policies ?? [];
      policies.push(...batch);
      if (batch.length < 100) break;
    }
  }
  return { environment, policies };
}

/**
 * Refuse (one UserError listing every problem and its fix) unless the environment protects
 * production.
 */
export async function verifyProductionEnvironment(input: {
  readonly repository: string;
  readonly name: string;
  readonly branches: readonly string[];
  readonly token: string | undefined;
  readonly fetchImpl: FetchLike;
}): Promise<void> {
  if (!input.token) {
    throw new UserError(
      `bootstrap checks the GitHub environment '${input.name}' before trusting it, and has no GitHub token`,
      'set GITHUB_TOKEN or GH_TOKEN (e.g. GH_TOKEN=$(gh auth token)) or pass --github-token; --synth-only writes the templates without the check',
    );
  }
  const { environment, policies } = await readEnvironment(
    input.repository,
    input.name,
    input.token,
    input.fetchImpl,
  );
  const problems = environmentProblems({ ...input, environment, policies });
  if (problems.length > 0) {
    throw new UserError(
      `the GitHub environment '${input.name}' of ${input.repository} does not protect production:\n${problems.map((p) => `  - ${p.problem}`).join('\n')}`,
      [...new Set(problems.map((p) => p.fix))].join('\n'),
    );
  }
}
