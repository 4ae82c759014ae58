import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { beforeEach, describe, expect, it } from 'vitest';
import { ROOT } from './run-action.js';

type Step = { uses?: string; env?: Record<string, string>; with?: { script?: string } };
const workflow = parse(readFileSync(join(ROOT, '.github/workflows/environment.yml'), 'utf8')) as {
  jobs: { comment: { steps: Step[] } };
};
const step = workflow.jobs.comment.steps.find((s) => s.uses?.startsWith('actions/github-script@'));
const script = step?.with?.script ?? '';

interface Comment {
  id: number;
  body: string;
  user: { type: string; login?: string };
  html_url: string;
}

interface Call {
  method: string;
  params: Record<string, unknown>;
}

/**
 * Run the workflow's script the way actions/github-script does, in a real Node process: an async
 * function of `require`, `github`, `context` and `core`, with a stand-in Octokit that serves
 * `existing` comments and records writes. (A child process, because the script's dynamic
 * `import()` of @branch-env/core needs Node's own module loader.)
 */
function runScript(existing: Comment[], env: Record<string, string>, temp: string): Call[] {
  const runner = join(temp, 'runner.mjs');
  writeFileSync(join(temp, 'script.js'), script);
  writeFileSync(
    runner,
    `import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
const existing = ${JSON.stringify(existing)};
const calls = [];
const github = {
  paginate: async (fn, params) => (await fn(params)).data,
  rest: { issues: {
    listComments: () => ({ data: existing }),
    updateComment: async (params) => { calls.push({ method: 'updateComment', params }); return { data: {} }; },
    createComment: async (params) => { calls.push({ method: 'createComment', params }); return { data: { html_url: 'u' } }; },
  } },
};
const context = { serverUrl: 'https://github.com', runId: 99, repo: { owner: 'acme', repo: 'shop' } };
const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
const fn = new AsyncFunction('require', 'github', 'context', 'core', readFileSync(process.argv[2], 'utf8'));
await fn(createRequire(import.meta.url), github, context, { info: () => {} });
console.log(JSON.stringify(calls));
`,
  );
  const r = spawnSync(process.execPath, [runner, join(temp, 'script.js')], {
    env: { PATH: process.env.PATH, ...env },
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as Call[];
}

describe("environment.yml's pull request comment script", () => {
  let temp: string;
  let env: Record<string, string>;
  beforeEach(() => {
    temp = mkdtempSync(join(tmpdir(), 'branch-env-comment-'));
    writeFileSync(join(temp, 'plan.md'), '#### Resources\n\n| AWS::ECS::Service | 1 |\n');
    // The values the workflow passes through `env:` (step.env holds the expressions).
    env = {
      GITHUB_WORKSPACE: ROOT,
      RUNNER_TEMP: temp,
      PR_NUMBER: '7',
      DEPLOY_RESULT: 'success',
      DESTROY_RESULT: 'skipped',
      ENVIRONMENT: 'feature-new-login',
      BRANCH: 'feature/new-login',
      ACCOUNT: 'development (111111111111)',
      PROTECTED: 'false',
      TTL_HOURS: '72',
      URL: 'https://feature-new-login.dev.example.com',
      COST_PER_HOUR: '0.0712',
      COMMIT: '0123456789abcdef',
    };
  });

  it('receives every variable it reads from the step env', () => {
    for (const name of Object.keys(env).filter(
      (n) => !['GITHUB_WORKSPACE', 'RUNNER_TEMP'].includes(n),
    ))
      expect(Object.keys(step?.env ?? {}), name).toContain(name);
    for (const m of script.matchAll(/env\.([A-Z_]+)/g)) expect(Object.keys(env)).toContain(m[1]);
  });

  it('creates the comment when the pull request has none', () => {
    const calls = runScript([], env, temp);
    expect(calls.map((c) => c.method)).toEqual(['createComment']);
    const body = String(calls[0]?.params.body);
    expect(calls[0]?.params.issue_number).toBe(7);
    expect(body).toContain('<!-- branch-env:pr-comment -->');
    expect(body).toContain('| Status | ✅ deployed |');
    expect(body).toContain('(https://feature-new-login.dev.example.com/)');
    expect(body).toContain('<span>$</span>0.071/h');
    expect(body).toContain('| AWS::ECS::Service | 1 |');
    expect(body).toContain('https://github.com/acme/shop/actions/runs/99');
  });

  it('edits its own comment in place instead of adding another', () => {
    const calls = runScript(
      [
        { id: 1, body: 'LGTM', user: { type: 'User' }, html_url: 'u1' },
        {
          id: 2,
          body: 'old <!-- branch-env:pr-comment -->',
          user: { type: 'Bot', login: 'github-actions[bot]' },
          html_url: 'u2',
        },
      ],
      { ...env, DEPLOY_RESULT: 'failure' },
      temp,
    );
    expect(calls.map((c) => c.method)).toEqual(['updateComment']);
    expect(calls[0]?.params.comment_id).toBe(2);
    expect(String(calls[0]?.params.body)).toContain('❌ deploy failed');
  });

  it('does not try to edit another app’s comment that carries the marker (it could not)', () => {
    const calls = runScript(
      [
        {
          id: 4,
          body: 'spoof <!-- branch-env:pr-comment -->',
          user: { type: 'Bot', login: 'some-app[bot]' },
          html_url: 'u4',
        },
      ],
      env,
      temp,
    );
    expect(calls.map((c) => c.method)).toEqual(['createComment']);
  });

  it('does not take over a person’s comment that quotes the marker', () => {
    const calls = runScript(
      [
        {
          id: 3,
          body: 'see <!-- branch-env:pr-comment -->',
          user: { type: 'User' },
          html_url: 'u3',
        },
      ],
      env,
      temp,
    );
    expect(calls.map((c) => c.method)).toEqual(['createComment']);
  });

  it.each([
    ['a deploy', { DEPLOY_RESULT: 'cancelled' }],
    ['a destroy', { DEPLOY_RESULT: 'skipped', DESTROY_RESULT: 'cancelled' }],
  ])(
    'says superseded, not failed, for %s cancelled (replaced in the concurrency queue)',
    (_name, results) => {
      const calls = runScript([], { ...env, ...results }, temp);
      const body = String(calls[0]?.params.body);
      expect(body).toContain('| Status | ⏭️ superseded');
      expect(body).not.toContain('failed');
      expect(body).not.toContain('| Expires |');
    },
  );

  it('reports a destroy', () => {
    const calls = runScript(
      [],
      { ...env, DEPLOY_RESULT: 'skipped', DESTROY_RESULT: 'success' },
      temp,
    );
    expect(String(calls[0]?.params.body)).toContain('🗑️ destroyed');
  });
});
