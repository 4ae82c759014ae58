/**
 * The report action (`packages/action/report`, its committed bundle) run as the runner runs it: a
 * real `node report/dist/index.js` process with the step's env (the workflow's expressions replaced
 * by what GitHub would put there) and its input as INPUT_GITHUB-TOKEN, against a stand-in GitHub
 * REST API on localhost that records every request.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ACTION_DIR, parseFileCommands, ROOT } from './run-action.js';

type Step = {
  id?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
};
type Workflow = { jobs: Record<string, { steps: Step[] }> };
const workflow = (f: string) =>
  parse(readFileSync(join(ROOT, '.github/workflows', f), 'utf8')) as Workflow;
/** The job's report step with this id (or, without one, its only report step of `kind`). */
const reportStep = (f: string, job: string, kind: string, id?: string): Step => {
  const found = workflow(f).jobs[job]?.steps.find(
    (s) => s.env?.BRANCH_ENV_REPORT === kind && (id === undefined || s.id === id),
  );
  if (!found) throw new Error(`no ${kind} report step in ${f} ${job}`);
  return found;
};

interface Recorded {
  method: string;
  path: string;
  auth: string | undefined;
  body: Record<string, unknown> | undefined;
}

/** The stand-in GitHub: answers from `routes`, records the requests. */
let server: Server;
let api = '';
let recorded: Recorded[] = [];
let routes: (r: Recorded) => unknown = () => ({});
beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    let data = '';
    req.on('data', (c: Buffer) => (data += c.toString()));
    req.on('end', () => {
      const r: Recorded = {
        method: req.method ?? '',
        path: req.url ?? '',
        auth: req.headers.authorization,
        body: data ? (JSON.parse(data) as Record<string, unknown>) : undefined,
      };
      recorded.push(r);
      const answer = routes(r);
      res.writeHead(answer === 500 ? 500 : 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer === 500 ? { message: 'boom' } : answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  api = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

let temp: string;
beforeEach(() => {
  recorded = [];
  routes = (r) =>
    r.method === 'POST' && r.path.endsWith('/deployments')
      ? { id: 901 }
      : r.method === 'GET'
        ? []
        : { id: 1 };
  temp = mkdtempSync(join(tmpdir(), 'branch-env-report-'));
});

/** Run the step's script with its env names given `values` (what the runner substitutes). */
function run(step: Step, values: Record<string, string>) {
  const output = join(temp, 'output');
  writeFileSync(output, '');
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    // the input's default, ${{ github.token }}
    'INPUT_GITHUB-TOKEN': values.GITHUB_TOKEN ?? 'ghs_token',
    GITHUB_WORKSPACE: temp,
    GITHUB_API_URL: api,
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '4242',
    GITHUB_OUTPUT: output,
    RUNNER_TEMP: temp,
  };
  for (const [name, value] of Object.entries(step.env ?? {})) {
    // Constants stay; expressions take the test's value (every one must be given).
    if (!value.includes('${{')) env[name] = value;
    else if (name in values) env[name] = values[name] as string;
    else if (value.startsWith('${{ runner.temp }}/'))
      env[name] = join(temp, value.slice('${{ runner.temp }}/'.length));
    else throw new Error(`the test gives no value for ${name} (${value})`);
  }
  expect(step.uses).toBe('./.branch-env/packages/action/report');
  return new Promise<{ code: number; stdout: string; outputs: Record<string, string> }>(
    (resolve) => {
      execFile(
        process.execPath,
        [join(ACTION_DIR, 'report/dist/index.js')],
        { cwd: temp, env, encoding: 'utf8', timeout: 20_000 },
        (error, stdout) => {
          resolve({
            code: error ? Number(error.code ?? 1) : 0,
            stdout,
            outputs: parseFileCommands(readFileSync(output, 'utf8')),
          });
        },
      );
    },
  );
}

const BRANCH = 'feature/`x`|<img src=x>~$1~ @octocat $(touch MARKER)';
const resolved = {
  PR_NUMBER: '12',
  ENVIRONMENT: 'feature-x--abc123',
  BRANCH,
  ACCOUNT: 'development (111111111111)',
  PROTECTED: 'false',
  PRODUCTION: 'false',
  TTL_HOURS: '72',
  URL: 'https://feature-x--abc123.dev.example.com',
  COMMIT: '0123456789abcdef0123456789abcdef01234567',
};
const writes = () => recorded.filter((r) => r.method !== 'GET');
const commentBody = () =>
  String(writes().find((r) => /\/issues\/(\d+\/)?comments/.test(r.path))?.body?.body);

describe('environment.yml announce: deploying, right after checkout, then with the plan’s figures', () => {
  const early = reportStep('environment.yml', 'announce', 'status', 'early');
  const step = reportStep('environment.yml', 'announce', 'status', 'report');

  it('right after checkout: creates the deployment (in progress) and the comment, before any estimate', async () => {
    const r = await run(early, { ...resolved, STARTED_AT: '2026-12-06T05:20:00Z' });
    expect(r.code, r.stdout).toBe(0);
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/901/statuses',
      'POST /repos/acme/shop/issues/12/comments',
    ]);
    expect(recorded.every((w) => w.auth === 'Bearer ghs_token')).toBe(true);
    expect(writes()[0]?.body).toMatchObject({
      ref: resolved.COMMIT,
      environment: 'feature-x--abc123',
      transient_environment: true,
      production_environment: false,
      required_contexts: [],
      auto_merge: false,
    });
    expect(writes()[1]?.body).toMatchObject({
      state: 'in_progress',
      log_url: 'https://github.com/acme/shop/actions/runs/4242',
    });
    expect(commentBody()).toContain('| Status | ⏳ deploying |');
    expect(commentBody()).not.toContain('Ready (estimate)');
    expect(r.outputs['deployment-id']).toBe('901');
  });

  it('after the plan: the same deployment, and the comment (edited) with the plan’s ETA', async () => {
    const plan = {
      schema: 'branch-env/plan@1',
      stacks: [{}],
      resources: { total: 39 },
      cost: { perHour: 0.0138 },
      pushToUrl: {
        totalMinutes: 3.9,
        rangeMinutes: { low: 3.35, high: 5.2 },
        cloudFormationMinutes: 2.5,
      },
    };
    writeFileSync(join(temp, 'plan.json'), JSON.stringify(plan));
    routes = (r) =>
      r.method === 'GET' && r.path.includes('/comments')
        ? [
            {
              id: 5,
              body: '<!-- branch-env:pr-comment -->\n<!-- branch-env:run 4242 -->',
              user: { login: 'github-actions[bot]' },
            },
          ]
        : { id: 1 };
    const r = await run(step, {
      ...resolved,
      STARTED_AT: '2026-12-06T05:20:00Z',
      DEPLOYMENT_ID: '901',
      PLAN_JSON_FILE: join(temp, 'plan.json'),
    });
    expect(r.code, r.stdout).toBe(0);
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /repos/acme/shop/deployments/901/statuses',
      'PATCH /repos/acme/shop/issues/comments/5',
    ]);
    const body = commentBody();
    expect(body).toContain('| Status | ⏳ deploying |');
    expect(body).toContain('| Ready (estimate) | about 2026-12-06 05:23 UTC: push → URL 3.9 min');
    expect(body).toContain('| CloudFormation | 2.5 min of it');
    expect(body).toContain('<!-- branch-env:run 4242 -->');
    // the hostile branch is data: in a code element, never markup
    expect(body).toContain('<code>feature&#47;&#96;x&#96;&#124;&#60;img');
    expect(r.outputs['deployment-id']).toBe('901');
  });

  it('without the plan (it failed) still announces, with no estimate', async () => {
    const r = await run(step, {
      ...resolved,
      STARTED_AT: '2026-12-06T05:20:00Z',
      DEPLOYMENT_ID: '',
      PLAN_JSON_FILE: join(temp, 'missing.json'),
    });
    expect(r.code).toBe(0);
    expect(commentBody()).toContain('| Status | ⏳ deploying |');
    expect(commentBody()).not.toContain('Ready (estimate)');
  });

  it('a push without a pull request only gets the deployment', async () => {
    const r = await run(early, { ...resolved, PR_NUMBER: '', STARTED_AT: '' });
    expect(r.code).toBe(0);
    expect(writes().map((w) => w.path)).toEqual([
      '/repos/acme/shop/deployments',
      '/repos/acme/shop/deployments/901/statuses',
    ]);
  });
});

describe('environment.yml comment: the end of a deploy or destroy', () => {
  const step = reportStep('environment.yml', 'comment', 'status');
  const finished = {
    ...resolved,
    DEPLOY_RESULT: 'success',
    DESTROY_RESULT: 'skipped',
    COST_PER_HOUR: '0.0712',
    DEPLOYMENT_ID: '901',
    DIFF: '',
    FAILURE: '',
    PLAN_FILE: '',
  };
  const own = (body: string) => [
    { id: 1, body: 'LGTM', user: { login: 'alice' } },
    { id: 5, body, user: { login: 'github-actions[bot]' } },
  ];

  it('deployed: success with the URL on the run’s deployment, its comment edited in place, the diff collapsed', async () => {
    routes = (r) =>
      r.method === 'GET' && r.path.includes('/comments')
        ? own('<!-- branch-env:pr-comment -->\n<!-- branch-env:run 4242 -->')
        : { id: 1 };
    const diff = JSON.stringify({
      stacks: [
        { stack: 's', changes: [{ change: 'add', logicalId: 'Q', type: 'AWS::SQS::Queue' }] },
      ],
      omitted: 0,
    });
    const r = await run(step, { ...finished, DIFF: diff });
    expect(r.code, r.stdout).toBe(0);
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /repos/acme/shop/deployments/901/statuses',
      'PATCH /repos/acme/shop/issues/comments/5',
    ]);
    expect(writes()[0]?.body).toMatchObject({
      state: 'success',
      environment_url: 'https://feature-x--abc123.dev.example.com',
    });
    const body = commentBody();
    expect(body).toContain('| Status | ✅ deployed |');
    expect(body).toContain(
      '<summary>Infrastructure changes against what was deployed (1)</summary>',
    );
  });

  it('failed: failure state without URL, the failing resource and reason in the comment', async () => {
    const failure = JSON.stringify({
      stack: 'branch-env-demo-feature-x',
      logicalId: 'Service9571FDD8',
      type: 'AWS::ECS::Service',
      reason: 'ECS Deployment Circuit Breaker was triggered',
    });
    const r = await run(step, { ...finished, DEPLOY_RESULT: 'failure', FAILURE: failure });
    expect(r.code, r.stdout).toBe(0);
    expect(writes()[0]?.body).toEqual({
      state: 'failure',
      log_url: 'https://github.com/acme/shop/actions/runs/4242',
      description: 'the deploy failed; the pull request comment says which resource and why',
    });
    const body = commentBody();
    expect(body).toContain('| Failed resource | `Service9571FDD8` (AWS::ECS::Service)');
    expect(body).toContain('| Reason | ECS Deployment Circuit Breaker was triggered |');
    expect(body).not.toContain('| URL |');
    expect(body).not.toContain('| Cost |');
  });

  it('destroyed (branch deleted): every deployment inactive, the comment says when and why', async () => {
    routes = (r) =>
      r.method === 'GET' && r.path.includes('/deployments?')
        ? [{ id: 7 }, { id: 8 }]
        : r.method === 'GET'
          ? []
          : { id: 1 };
    const r = await run(step, {
      ...finished,
      DEPLOY_RESULT: 'skipped',
      DESTROY_RESULT: 'success',
      DEPLOYMENT_ID: '',
      COST_PER_HOUR: '',
    });
    expect(r.code, r.stdout).toBe(0);
    expect(writes().map((w) => `${w.method} ${w.path} ${String(w.body?.state ?? '')}`)).toEqual([
      'POST /repos/acme/shop/deployments/7/statuses inactive',
      'POST /repos/acme/shop/deployments/8/statuses inactive',
      'POST /repos/acme/shop/issues/12/comments ',
    ]);
    expect(commentBody()).toMatch(
      /\| Destroyed \| \d{4}-\d\d-\d\d \d\d:\d\d UTC: the branch was deleted \|/,
    );
  });

  it('never overwrites what a newer run wrote', async () => {
    routes = (r) =>
      r.method === 'GET' && r.path.includes('/comments')
        ? own('<!-- branch-env:pr-comment -->\n<!-- branch-env:run 9999 -->')
        : { id: 1 };
    const r = await run(step, { ...finished, DEPLOY_RESULT: 'failure' });
    expect(r.code).toBe(0);
    expect(writes().map((w) => w.method + ' ' + w.path)).toEqual([
      'POST /repos/acme/shop/deployments/901/statuses',
    ]);
  });

  it('fails the step, with the reason as an error annotation, when GitHub refuses both', async () => {
    routes = () => 500;
    const r = await run(step, finished);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toMatch(/^::error::branch-env report failed: .*HTTP 500/m);
    expect(r.stdout).not.toContain('ghs_token');
  });
});

describe('environment.yml deploy: the failure and diff steps', () => {
  it('failure: reads the timeline and outputs the first failed resource', async () => {
    const step = reportStep('environment.yml', 'deploy', 'failure');
    expect(step.if).toBe("failure() && steps.deploy.outcome == 'failure'");
    writeFileSync(
      join(temp, 'timeline.json'),
      JSON.stringify({
        schema: 'branch-env/timeline@1',
        stacks: [
          {
            name: 's',
            measured: {
              startedAt: '2026-12-06T05:21:00.000Z',
              status: 'UPDATE_ROLLBACK_COMPLETE',
              resources: [
                {
                  logicalId: 'A',
                  type: 'AWS::CloudWatch::Alarm',
                  status: 'failed',
                  endedAt: '2026-12-06T05:22:00.000Z',
                  reason: 'Resource update cancelled',
                },
                {
                  logicalId: 'Db',
                  type: 'AWS::RDS::DBInstance',
                  status: 'failed',
                  endedAt: '2026-12-06T05:23:00.000Z',
                  reason: 'quota exceeded',
                },
              ],
            },
          },
        ],
      }),
    );
    // (the `timeline` step before it wrote the file)
    const r = await run(step, {
      TIMELINE_FILE: join(temp, 'timeline.json'),
      SINCE: '2026-12-06T05:20:00Z',
    });
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.outputs.failure ?? '')).toEqual({
      stack: 's',
      logicalId: 'Db',
      type: 'AWS::RDS::DBInstance',
      reason: 'quota exceeded',
      at: '2026-12-06T05:23:00.000Z',
    });
    expect(recorded).toEqual([]);
  });
});

describe('environment.yml deploy: the diff step', () => {
  it('reads `diff --json` (written by the step before) into a compact JSON output', async () => {
    const step = reportStep('environment.yml', 'deploy', 'diff');
    writeFileSync(
      join(temp, 'diff.json'),
      JSON.stringify({
        environment: 'feature-x',
        stacks: [
          {
            stack: 's',
            permissionsBroadened: false,
            changes: [{ change: 'add', logicalId: 'Q', type: 'AWS::SQS::Queue', details: 'x' }],
          },
        ],
      }),
    );
    const r = await run(step, {});
    expect(r.code, r.stdout).toBe(0);
    expect(JSON.parse(r.outputs.diff ?? '')).toEqual({
      stacks: [
        { stack: 's', changes: [{ change: 'add', logicalId: 'Q', type: 'AWS::SQS::Queue' }] },
      ],
      omitted: 0,
    });
  });
});

describe('reaper.yml: what the reaper destroyed is reported on the branch’s pull request', () => {
  it('finds the pull request by branch, marks it destroyed with the reaper’s reason', async () => {
    const step = reportStep('reaper.yml', 'reap', 'reaped');
    expect(step.if).toBe('always()');
    writeFileSync(
      join(temp, 'reap.json'),
      JSON.stringify({
        dryRun: false,
        decisions: [
          {
            environment: 'feature-x',
            branch: BRANCH,
            action: 'destroy',
            reasons: ['TTL expired at 2026-12-06T04:00:00.000Z'],
          },
        ],
        results: [{ environment: 'feature-x', report: { clean: true } }],
      }),
    );
    routes = (r) =>
      r.method === 'GET' && r.path.includes('/pulls?')
        ? [{ number: 31, head: { ref: BRANCH, repo: { full_name: 'acme/shop' } } }]
        : r.method === 'GET' && r.path.includes('/deployments?')
          ? [{ id: 3 }]
          : r.method === 'GET'
            ? []
            : { id: 1 };
    const r = await run(step, {
      REAP_FILE: join(temp, 'reap.json'),
      ACCOUNT: 'development',
      GITHUB_TOKEN: 't',
    });
    expect(r.code, r.stdout).toBe(0);
    const pulls = recorded.find((x) => x.path.includes('/pulls?'));
    expect(new URL(`http://x${pulls?.path ?? ''}`).searchParams.get('head')).toBe(`acme:${BRANCH}`);
    expect(writes().map((w) => `${w.method} ${w.path}`)).toEqual([
      'POST /repos/acme/shop/deployments/3/statuses',
      'POST /repos/acme/shop/issues/31/comments',
    ]);
    expect(commentBody()).toContain('the reaper: TTL expired at 2026-12-06T04:00:00.000Z');
  });
});
