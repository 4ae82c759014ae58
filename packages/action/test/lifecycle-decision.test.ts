import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ROOT } from './run-action.js';

type Step = { id?: string; run?: string; env?: Record<string, string> };
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/environment.yml'), 'utf8')) as {
  jobs: { resolve: { steps: Step[] }; deploy: { steps: Step[] } };
};
const decide = workflow.jobs.resolve.steps.find((s) => s.id === 'decide');
const current = workflow.jobs.deploy.steps.find((s) => s.id === 'current');

interface Scenario {
  readonly event: string;
  readonly action?: string;
  readonly deleted?: boolean;
  readonly sameRepo?: boolean;
  /** What the extract-env action exported. */
  readonly routed?: boolean;
  readonly production?: boolean;
  readonly protected?: boolean;
  /** What `gh pr list … --jq` prints for the branch's open pull request: `<number> <mergeable>`. */
  readonly openPr?: string;
}

/**
 * Run the resolve job's `decide` step as the runner would: bash with the step's env (event fields
 * filled in), the BRANCH_ENV_* variables the action exported, GITHUB_OUTPUT/GITHUB_STEP_SUMMARY
 * files, and a stand-in `gh` on PATH.
 */
function run(s: Scenario) {
  const dir = mkdtempSync(join(tmpdir(), 'branch-env-decide-'));
  const gh = join(dir, 'gh');
  writeFileSync(gh, `#!/bin/sh\necho "$@" >> "${dir}/gh-calls"\nprintf '%s' "$FAKE_OPEN_PR"\n`);
  chmodSync(gh, 0o755);
  const output = join(dir, 'output');
  writeFileSync(output, '');
  const r = spawnSync(
    'bash',
    ['--noprofile', '--norc', '-eo', 'pipefail', '-c', decide?.run ?? 'exit 99'],
    {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: join(dir, 'summary'),
        EVENT: s.event,
        ACTION: s.action ?? '',
        PUSH_DELETED: String(s.deleted ?? false),
        SAME_REPO: String(s.sameRepo ?? true),
        PR_EVENT_NUMBER: s.event === 'pull_request' ? '7' : '',
        GH_TOKEN: 'token',
        GH_REPO: 'acme/shop',
        FAKE_OPEN_PR: s.openPr ?? '',
        BRANCH_ENV_ROUTED: String(s.routed ?? true),
        BRANCH_ENV_REASON: s.routed === false ? "branch 'x' matches no routing rule" : '',
        BRANCH_ENV_BRANCH: s.production ? 'prod/x' : 'feature/x',
        BRANCH_ENV_ENVIRONMENT: s.production ? 'prod-x' : 'feature-x',
        BRANCH_ENV_PRODUCTION: String(s.production ?? false),
        BRANCH_ENV_PROTECTED: String(s.protected ?? s.production ?? false),
        BRANCH_ENV_DESTROY_COMMAND: s.production
          ? 'npx branch-env destroy prod/x --force-protected'
          : 'npx branch-env destroy feature/x',
      },
    },
  );
  if (r.status !== 0) throw new Error(`decide failed: ${r.stderr}`);
  const out = Object.fromEntries(
    readFileSync(output, 'utf8')
      .trim()
      .split('\n')
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return { operation: out.operation, pr: out['pr-number'], stdout: r.stdout };
}

describe("environment.yml's resolve/decide step", () => {
  it('passes every event field it reads through env (no inline expressions)', () => {
    expect(Object.keys(decide?.env ?? {}).sort()).toEqual(
      [
        'ACTION',
        'EVENT',
        'GH_REPO',
        'GH_TOKEN',
        'PR_EVENT_NUMBER',
        'PUSH_DELETED',
        'SAME_REPO',
      ].sort(),
    );
  });

  it.each<[string, Scenario, string, string]>([
    ['push, no pull request', { event: 'push' }, 'deploy', ''],
    [
      'push with a mergeable pull request (push runs deploy: no role trusts PR tokens)',
      { event: 'push', openPr: '12 MERGEABLE' },
      'deploy',
      '12',
    ],
    [
      'push with a conflicting pull request (GitHub starts no PR run)',
      { event: 'push', openPr: '12 CONFLICTING' },
      'deploy',
      '12',
    ],
    [
      'push while GitHub still computes mergeability',
      { event: 'push', openPr: '12 UNKNOWN' },
      'deploy',
      '12',
    ],
    [
      'push of a production branch with a PR',
      { event: 'push', production: true, openPr: '12 MERGEABLE' },
      'deploy',
      '12',
    ],
    ['push that deleted the branch', { event: 'push', deleted: true }, 'none', ''],
    ['manual run', { event: 'workflow_dispatch', openPr: '12 MERGEABLE' }, 'deploy', '12'],
    ['PR opened', { event: 'pull_request', action: 'opened' }, 'none', '7'],
    ['PR synchronize', { event: 'pull_request', action: 'synchronize' }, 'none', '7'],
    ['PR reopened', { event: 'pull_request', action: 'reopened' }, 'none', '7'],
    [
      'PR opened for a production branch',
      { event: 'pull_request', action: 'opened', production: true },
      'none',
      '7',
    ],
    [
      'PR closed (the delete event or the reaper destroys)',
      { event: 'pull_request', action: 'closed' },
      'none',
      '7',
    ],
    [
      'PR closed, protected',
      { event: 'pull_request', action: 'closed', protected: true },
      'none',
      '7',
    ],
    ['branch deleted', { event: 'delete' }, 'destroy', ''],
    ['protected branch deleted', { event: 'delete', protected: true }, 'none', ''],
    ['unrouted branch', { event: 'push', routed: false }, 'none', ''],
    ['fork pull request', { event: 'pull_request', action: 'opened', sameRepo: false }, 'none', ''],
  ])('%s -> %s', (_name, scenario, operation, pr) => {
    const r = run(scenario);
    expect(r.operation).toBe(operation);
    expect(r.pr).toBe(pr);
  });

  it('tells how to destroy a protected environment whose branch was deleted', () => {
    const r = run({ event: 'delete', protected: true, production: true });
    expect(r.stdout).toContain(
      '::warning::protected environment prod-x is not destroyed automatically; to destroy it: npx branch-env destroy prod/x --force-protected',
    );
  });
});

describe("environment.yml's deploy re-check (superseded by destroy)", () => {
  /** Run the `current` step with a stand-in `gh`: the branch's ref name and the PR's state. */
  function check(o: { ref: string; prState?: string; prNumber?: string; protected?: boolean }) {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-current-'));
    const gh = join(dir, 'gh');
    writeFileSync(
      gh,
      [
        '#!/bin/sh',
        `printf '%s\\n' "$*" >> "${dir}/gh-calls"`,
        'case "$2" in graphql) printf "%s" "$FAKE_REF" ;; *) printf "%s" "$FAKE_PR_STATE" ;; esac',
      ].join('\n'),
    );
    chmodSync(gh, 0o755);
    const output = join(dir, 'output');
    writeFileSync(output, '');
    // The job's workspace: the scripts come from its checkout of branch-env in .branch-env/.
    const workspace = join(dir, 'workspace');
    mkdirSync(workspace);
    symlinkSync(ROOT, join(workspace, '.branch-env'));
    const r = spawnSync(
      'bash',
      ['--noprofile', '--norc', '-eo', 'pipefail', '-c', current?.run ?? 'exit 99'],
      {
        encoding: 'utf8',
        cwd: workspace,
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: join(dir, 'summary'),
          BRANCH: 'feature/x',
          PROTECTED: String(o.protected ?? false),
          PR_NUMBER: o.prNumber ?? '',
          GH_TOKEN: 'token',
          GH_REPO: 'acme/shop',
          FAKE_REF: o.ref,
          FAKE_PR_STATE: o.prState ?? '',
        },
      },
    );
    if (r.status !== 0) throw new Error(`current failed: ${r.stderr}`);
    return {
      superseded: readFileSync(output, 'utf8').trim(),
      stdout: r.stdout,
      calls: readFileSync(join(dir, 'gh-calls'), 'utf8'),
    };
  }

  it('passes everything it reads through env', () => {
    expect(Object.keys(current?.env ?? {}).sort()).toEqual(
      ['BRANCH', 'GH_REPO', 'GH_TOKEN', 'PROTECTED', 'PR_NUMBER'].sort(),
    );
  });

  it.each<[string, Parameters<typeof check>[0], string]>([
    ['push, branch exists', { ref: 'feature/x' }, 'superseded=false'],
    ['push, branch deleted meanwhile', { ref: '' }, 'superseded=true'],
    [
      'pull request still open',
      { ref: 'feature/x', prNumber: '7', prState: 'open' },
      'superseded=false',
    ],
    [
      'pull request closed meanwhile (branch kept)',
      { ref: 'feature/x', prNumber: '7', prState: 'closed' },
      'superseded=true',
    ],
    [
      'pull request closed, protected environment (no destroy follows)',
      { ref: 'feature/x', prNumber: '7', prState: 'closed', protected: true },
      'superseded=false',
    ],
  ])('%s -> %s', (_name, o, expected) => {
    expect(check(o).superseded).toBe(expected);
  });

  it('asks for the exact ref with GraphQL variables (no URL built from the branch name)', () => {
    const r = check({ ref: '', prNumber: '7' });
    expect(r.calls).toContain('-f ref=refs/heads/feature/x');
    expect(r.calls).toContain('-f owner=acme -f name=shop');
    expect(r.stdout).toContain(
      '::notice::superseded by destroy: branch feature/x no longer exists; nothing deployed',
    );
  });
});
