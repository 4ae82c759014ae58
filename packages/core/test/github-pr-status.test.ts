import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  commentRunId,
  diffStacks,
  firstFailure,
  jobRunFailureReason,
  mayReplaceComment,
  measureStack,
  planFigures,
  PR_COMMENT_MAX_CHARS,
  publishPrStatus,
  renderPrComment,
  runPrStatusStep,
  type GithubRequest,
  type PrCommentInput,
  type PrCommentStatus,
  type StackEventLike,
} from '../src/index.js';
import { renderDiff } from '../src/private/github/pr-sections.js';
import {
  createDeploymentRequest,
  deploymentState,
  deploymentStatusRequest,
  listDeploymentsRequest,
  pullRequestOfBranch,
  pullRequestsForBranchRequest,
} from '../src/private/github/pr-status.js';
import {
  outputEntry,
  reapedEnvironments,
  statusFromResults,
} from '../src/private/github/pr-status-step.js';
import { codeSpans, decode, expectWellFormed, tablesOf } from './gfm.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const NOW = new Date('2026-12-06T05:30:00Z');
const repo = { owner: 'acme', repo: 'shop' };

/** A plan@1 document with the figures the comment reads (the rest of plan --json left out). */
const PLAN = {
  schema: 'branch-env/plan@1',
  stacks: [{ name: 'branch-env-demo-feature-x' }],
  resources: { total: 39, blocks: [] },
  cost: { perHour: 0.0138 },
  timeToReady: { totalMinutes: 2.5 },
  pushToUrl: {
    totalMinutes: 3.9,
    rangeMinutes: { low: 3.35, high: 5.2 },
    cloudFormationMinutes: 2.5,
  },
};

/** The timeline document `branch-env timeline --json` prints, built from recorded events. */
function timelineFrom(fixture: string): unknown {
  const { stack, events } = JSON.parse(
    readFileSync(join(FIXTURES, 'stack-events', fixture), 'utf8'),
  ) as { stack: string; events: StackEventLike[] };
  return {
    schema: 'branch-env/timeline@1',
    environment: { name: 'feature-x', branch: 'feature/x' },
    stacks: [
      {
        name: stack,
        region: 'us-east-1',
        modelledMinutes: 2.5,
        measured: measureStack(stack, events),
      },
    ],
    totals: { measuredMinutes: 0, modelledMinutes: 0 },
  };
}

const base: PrCommentInput = {
  environment: 'feature-x',
  branch: 'feature/x',
  account: 'development (111111111111)',
  status: 'deploying',
  protected: false,
  ttlHours: 72,
  url: 'https://feature-x.dev.example.com',
  now: NOW,
  startedAt: new Date('2026-12-06T05:20:00Z'),
  runId: 42,
  figures: planFigures(PLAN),
};

const rowsOf = (body: string) => {
  const [summary] = tablesOf(expectWellFormed(body));
  return new Map(summary!.rows.map((r) => [r[0]!, r[1]!]));
};

describe('planFigures', () => {
  it('reads cost, both times and the resources from plan --json', () => {
    expect(planFigures(PLAN)).toEqual({
      costPerHour: 0.0138,
      cloudFormationMinutes: 2.5,
      pushToUrlMinutes: 3.9,
      pushToUrlRange: { low: 3.35, high: 5.2 },
      resources: 39,
      stacks: 1,
    });
  });

  it('reads nothing from another document or a broken one', () => {
    expect(planFigures({ ...PLAN, schema: 'other@1' })).toEqual({});
    expect(planFigures(null)).toEqual({});
    expect(planFigures({ schema: 'branch-env/plan@1', cost: { perHour: 'x' } })).toEqual({});
  });
});

describe('firstFailure (from recorded CloudFormation events)', () => {
  const timeline = timelineFrom('service-circuit-breaker.json');

  it('names the resource that failed first and its reason, not the ones cancelled because of it', () => {
    expect(firstFailure(timeline)).toEqual({
      stack: 'branch-env-demo-feature-x',
      logicalId: 'Service9571FDD8',
      type: 'AWS::ECS::Service',
      reason: expect.stringContaining('ECS Deployment Circuit Breaker was triggered') as string,
      at: '2026-12-06T05:27:50.000Z',
    });
  });

  it('ignores an operation that started before this deploy (an old failure is not this one)', () => {
    expect(firstFailure(timeline, new Date('2026-12-06T05:25:00Z'))).toBeUndefined();
    expect(firstFailure(timeline, new Date('2026-12-06T05:20:00Z'))?.logicalId).toBe(
      'Service9571FDD8',
    );
  });

  it('falls back to the stack when only the stack failed, and reads nothing from other documents', () => {
    const stackOnly = {
      schema: 'branch-env/timeline@1',
      stacks: [
        {
          name: 's',
          measured: {
            startedAt: '2026-12-06T05:21:00Z',
            status: 'ROLLBACK_COMPLETE',
            resources: [],
          },
        },
      ],
    };
    expect(firstFailure(stackOnly)).toEqual({
      stack: 's',
      logicalId: 's',
      type: 'AWS::CloudFormation::Stack',
      reason: 'ROLLBACK_COMPLETE',
    });
    expect(firstFailure({ stacks: [] })).toBeUndefined();
    expect(firstFailure('nope')).toBeUndefined();
  });
});

describe('renderPrComment: the live statuses', () => {
  it('deploying: the ETA from the deploy start, push → URL and CloudFormation labelled apart', () => {
    const rows = rowsOf(renderPrComment(base));
    expect(rows.get('Status')).toBe('⏳ deploying');
    expect(rows.get('Ready (estimate)')).toMatch(
      /^about 2026-12-06 05:23 UTC: push → URL 3\.9 min \(3\.4 min to 5\.2 min\), modelled from the plan; it includes runner start, install, synth, change sets, CloudFormation, image build and push, and the health check$/,
    );
    expect(rows.get('CloudFormation')).toBe(
      '2.5 min of it (modelled critical path of a first create; an update is usually shorter)',
    );
    expect(rows.get('Resources')).toBe('39 in 1 stack');
    expect(rows.get('Started')).toBe('2026-12-06 05:20 UTC');
    expect(rows.get('URL')).toContain('(answers when the deploy is done)');
    expect(rows.get('Cost')).toContain('<span>$</span>0.014/h');
  });

  it('deploying to production: waits for the reviewers, so the ETA counts from the approval', () => {
    const rows = rowsOf(renderPrComment({ ...base, awaitingReview: true }));
    expect(rows.get('Status')).toBe(
      "⏳ deploying: waiting for the production environment's reviewers to approve",
    );
    expect(rows.get('Ready (estimate)')).toMatch(/^after the approval, push → URL 3\.9 min/);
  });

  it('failed: the failing resource and CloudFormation’s reason; no URL, cost or expiry', () => {
    const failure = firstFailure(timelineFrom('service-circuit-breaker.json'));
    const body = renderPrComment({ ...base, status: 'failed', failure, costPerHour: 0.5 });
    const rows = rowsOf(body);
    expect(rows.get('Status')).toBe('❌ deploy failed');
    expect(codeSpans(rows.get('Failed resource')!)).toEqual([
      'Service9571FDD8',
      'branch-env-demo-feature-x',
    ]);
    expect(decode(rows.get('Reason')!)).toContain("'ECS Deployment Circuit Breaker was triggered'");
    for (const gone of ['URL', 'Cost', 'Expires', 'Ready (estimate)'])
      expect(rows.has(gone)).toBe(false);
    expect(body).not.toContain('feature-x.dev.example.com');
    // a half-created environment can still be destroyed
    expect(body).toContain('**Destroy:**');
  });

  it('failed on a job: the job, its exit code, the fix and its last log lines, inert', () => {
    const reason = jobRunFailureReason({
      job: 'migrate',
      failure: { kind: 'exited', exitCode: 3, reason: 'Essential container in task exited' },
      logGroup: '/shop/feature-x/job/migrate',
      logStream: 'migrate/migrate/0123',
      logLines: ['applying 0042', '```', '<img src=x onerror=alert(1)> @octocat | ~x~'],
    });
    const body = renderPrComment({
      ...base,
      status: 'failed',
      failure: {
        stack: 'branch-env-demo-feature-x',
        logicalId: 'ServicesJobRunsRunmigrate2ECF261D',
        type: 'Custom::BranchEnvJobRun',
        reason: `Received response status [FAILED] from custom resource. Message returned: ${reason} (RequestId: 77)`,
      },
    });
    const rows = rowsOf(body);
    expect(decode(rows.get('Failed job')!)).toBe(
      '<code>migrate</code> failed with exit code 3: Essential container in task exited; the stack rolled back and the previous release still serves',
    );
    expect(decode(rows.get('Fix')!)).toBe(
      "fix the job's command (jobs.migrate.command) or the code it runs, then deploy again",
    );
    expect(rows.has('Reason')).toBe(false);
    expect(body).toContain(
      '````\napplying 0042\n```\n<img src=x onerror=alert(1)> @octocat | ~x~\n````',
    );
    const html = expectWellFormed(body);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt; @octocat | ~x~');
    const outside = html.replace(/<code>[\s\S]*?<\/code>/g, '');
    expect(outside).not.toMatch(/<img|@octocat/);
  });

  it('failed without a CloudFormation failure says so and points at the run', () => {
    const rows = rowsOf(renderPrComment({ ...base, status: 'failed' }));
    expect(rows.get('Failed resource')).toContain('none reported by CloudFormation');
    expect(rows.has('Reason')).toBe(false);
  });

  it('destroyed: when and why, and nothing that only a live environment has', () => {
    const ended = {
      at: new Date('2026-12-06T06:00:00Z'),
      reason: 'the reaper: TTL expired at 2026-12-06T05:00:00Z',
    };
    const body = renderPrComment({ ...base, status: 'destroyed', ended });
    const rows = rowsOf(body);
    expect(decode(rows.get('Destroyed')!)).toBe(
      '2026-12-06 06:00 UTC: the reaper: TTL expired at 2026-12-06T05:00:00Z',
    );
    for (const gone of ['URL', 'Cost', 'Expires', 'Ready (estimate)'])
      expect(rows.has(gone)).toBe(false);
  });

  it.each([
    'feature/`x`|<img src=x onerror=alert(1)>~$1~ @octocat',
    'feature/\u202Eexe',
    'feature/``a``|b',
  ])('every status renders the hostile branch %j inertly (GFM)', (branch) => {
    const statuses: PrCommentStatus[] = [
      'deploying',
      'deployed',
      'failed',
      'destroyed',
      'destroy-failed',
      'superseded',
    ];
    for (const status of statuses) {
      const body = renderPrComment({
        ...base,
        branch,
        status,
        failure: {
          stack: 's',
          logicalId: 'Db',
          type: 'AWS::RDS::DBInstance',
          reason: `bad ${branch}`,
        },
        ended: { at: NOW, reason: `branch ${branch} deleted` },
        diff: {
          stacks: [
            { stack: 's', changes: [{ change: 'add', logicalId: 'X', type: 'AWS::S3::Bucket' }] },
          ],
          omitted: 0,
        },
      });
      const html = expectWellFormed(body);
      const outside = html.replace(/<code>[\s\S]*?<\/code>/g, '');
      expect(outside, status).not.toMatch(/<img|@octocat/);
    }
  });

  it('records the run and never lets an older run replace a newer run’s comment', () => {
    const body = renderPrComment(base);
    expect(commentRunId(body)).toBe(42);
    expect(mayReplaceComment(body, 42)).toBe(true);
    expect(mayReplaceComment(body, 43)).toBe(true);
    expect(mayReplaceComment(body, 41)).toBe(false);
    expect(mayReplaceComment('no marker', 1)).toBe(true);
    // a plan that carries a run line cannot fake one
    expect(
      commentRunId(renderPrComment({ ...base, runId: 5, plan: '<!-- branch-env:run 999 -->' })),
    ).toBe(5);
  });
});

describe('the infrastructure diff section', () => {
  const diffDoc = {
    environment: 'feature-x',
    stacks: [
      {
        stack: 'branch-env-demo-feature-x',
        permissionsBroadened: true,
        changes: [
          { change: 'add', logicalId: 'Queue1', type: 'AWS::SQS::Queue', extra: 'dropped' },
          { change: 'replace', logicalId: 'Db|`x`', type: 'AWS::RDS::DBInstance' },
          { change: 'bogus', logicalId: 'Nope', type: 'X' },
        ],
      },
    ],
  };

  it('keeps the fields it shows, drops unknown changes, and counts what it leaves out', () => {
    expect(diffStacks(diffDoc)).toEqual({
      stacks: [
        {
          stack: 'branch-env-demo-feature-x',
          permissionsBroadened: true,
          changes: [
            { change: 'add', logicalId: 'Queue1', type: 'AWS::SQS::Queue' },
            { change: 'replace', logicalId: 'Db|`x`', type: 'AWS::RDS::DBInstance' },
          ],
        },
      ],
      omitted: 0,
    });
    expect(diffStacks(diffDoc, 1)?.omitted).toBe(1);
    expect(diffStacks({})).toBeUndefined();
  });

  it('is collapsed in the comment, escaped, and warns about replacements and IAM', () => {
    const body = renderPrComment({ ...base, status: 'deployed', diff: diffStacks(diffDoc) });
    expect(body).toContain(
      '<details><summary>Infrastructure changes against what was deployed (2)</summary>',
    );
    const html = expectWellFormed(body);
    const diffTable = tablesOf(html)[1]!;
    expect(diffTable.header).toEqual(['Change', 'Resource', 'Type']);
    expect(diffTable.rows.map((r) => codeSpans(r[1]!))).toEqual([['Queue1'], ['Db|`x`']]);
    expect(body).toContain('⚠️ 1 replaced: data in them is lost.');
    expect(body).toContain('⚠️ broadens IAM permissions');
  });

  it('says so when nothing changes', () => {
    expect(renderDiff({ stacks: [{ stack: 's', changes: [] }], omitted: 0 }, 1000)).toBe(
      'No infrastructure changes against what is deployed.',
    );
  });

  it('cuts at a row, with a note, and keeps the whole comment under GitHub’s limit', () => {
    const huge = {
      stacks: [
        {
          stack: 's',
          changes: Array.from({ length: 400 }, (_, i) => ({
            change: 'add' as const,
            logicalId: `Resource${i}${'x'.repeat(150)}`,
            type: 'AWS::S3::Bucket',
          })),
        },
      ],
      omitted: 25,
    };
    const section = renderDiff(huge, 5_000);
    expect(section.length).toBeLessThanOrEqual(5_000);
    expect(section).toMatch(/… \d+ more change\(s\) not shown; see the workflow run\.$/);
    const shownRows = section.split('\n').filter((l) => l.startsWith('| ➕')).length;
    expect(section).toContain(`… ${425 - shownRows} more change(s)`);
    const body = renderPrComment({
      ...base,
      status: 'deployed',
      diff: huge,
      plan: 'p'.repeat(80_000),
    });
    expect(body.length).toBeLessThanOrEqual(PR_COMMENT_MAX_CHARS);
    expectWellFormed(body);
    expect(body).toContain('plan truncated');
  });
});

describe('GitHub deployment requests', () => {
  it('creates a deployment of the commit per environment, never merging, without waiting for checks', () => {
    expect(
      createDeploymentRequest(repo, {
        ref: 'abc123',
        environment: 'feature-x',
        production: false,
        transient: true,
      }),
    ).toEqual({
      method: 'POST',
      path: '/repos/acme/shop/deployments',
      body: {
        ref: 'abc123',
        environment: 'feature-x',
        auto_merge: false,
        required_contexts: [],
        transient_environment: true,
        production_environment: false,
        description: 'branch-env feature-x',
      },
    });
  });

  it('posts statuses: the URL only on success, the run as the log, descriptions capped at 140', () => {
    expect(
      deploymentStatusRequest(repo, 7, {
        state: 'success',
        environmentUrl: 'https://x',
        logUrl: 'https://run',
        description: 'd'.repeat(200),
      }),
    ).toEqual({
      method: 'POST',
      path: '/repos/acme/shop/deployments/7/statuses',
      body: {
        state: 'success',
        environment_url: 'https://x',
        log_url: 'https://run',
        description: 'd'.repeat(140),
      },
    });
    expect(
      deploymentStatusRequest(repo, 7, { state: 'failure', environmentUrl: 'https://x' }).body,
    ).toEqual({
      state: 'failure',
    });
  });

  it('maps each comment status to a deployment state', () => {
    expect(
      (
        [
          'deploying',
          'deployed',
          'failed',
          'superseded',
          'destroyed',
          'destroying',
          'destroy-failed',
        ] as const
      ).map(deploymentState),
    ).toEqual(['in_progress', 'success', 'failure', 'error', 'inactive', undefined, undefined]);
  });

  it('encodes what it puts in a path or query', () => {
    expect(listDeploymentsRequest(repo, 'a&b=c').path).toBe(
      '/repos/acme/shop/deployments?environment=a%26b%3Dc&per_page=100',
    );
    expect(pullRequestsForBranchRequest(repo, 'feature/a&state=open#x').path).toBe(
      '/repos/acme/shop/pulls?state=all&per_page=100&head=acme%3Afeature%2Fa%26state%3Dopen%23x',
    );
  });

  it('finds the newest pull request of the branch from this repository, never a fork’s', () => {
    const pulls = [
      { number: 9, head: { ref: 'feature/x', repo: { full_name: 'fork/shop' } } },
      { number: 8, head: { ref: 'feature/x', repo: { full_name: 'Acme/Shop' } } },
      { number: 7, head: { ref: 'feature/x', repo: { full_name: 'acme/shop' } } },
    ];
    expect(pullRequestOfBranch(pulls, repo, 'feature/x')).toBe(8);
    expect(pullRequestOfBranch(pulls, repo, 'feature/y')).toBeUndefined();
  });
});

/** A stand-in GitHub: serves comments and deployments, records every write. */
function fakeGithub(
  options: { comments?: unknown[]; deployments?: unknown[]; pulls?: unknown[]; fail?: RegExp } = {},
) {
  const calls: GithubRequest[] = [];
  const api = (r: GithubRequest): Promise<unknown> => {
    calls.push(r);
    if (options.fail?.test(`${r.method} ${r.path}`))
      return Promise.reject(new Error(`HTTP 500 on ${r.path}`));
    if (r.method === 'GET' && r.path.includes('/comments'))
      return Promise.resolve(options.comments ?? []);
    if (r.method === 'GET' && r.path.includes('/deployments'))
      return Promise.resolve(options.deployments ?? []);
    if (r.method === 'GET' && r.path.includes('/pulls'))
      return Promise.resolve(options.pulls ?? []);
    if (r.method === 'POST' && r.path.endsWith('/deployments')) return Promise.resolve({ id: 555 });
    return Promise.resolve({ id: 1 });
  };
  const writes = () => calls.filter((c) => c.method !== 'GET').map((c) => `${c.method} ${c.path}`);
  return { api, calls, writes };
}

const bot = { login: 'github-actions[bot]' };

describe('publishPrStatus', () => {
  const deployment = {
    ref: 'abc',
    environment: 'feature-x',
    production: false,
    transient: true,
    logUrl: 'https://run',
  };

  it('deploying: creates the deployment (in progress) and the comment', async () => {
    const gh = fakeGithub();
    const result = await publishPrStatus(gh.api, {
      repo,
      pullRequest: 12,
      comment: base,
      deployment,
    });
    expect(result).toEqual({ comment: 'created', deploymentId: 555, warnings: [] });
    expect(gh.writes()).toEqual([
      'POST /repos/acme/shop/deployments',
      'POST /repos/acme/shop/deployments/555/statuses',
      'POST /repos/acme/shop/issues/12/comments',
    ]);
    expect(gh.calls[1]?.body).toMatchObject({ state: 'in_progress' });
  });

  it('deployed: reuses the run’s deployment, success with the URL, edits its own comment', async () => {
    const gh = fakeGithub({
      comments: [
        { id: 3, body: 'x <!-- branch-env:pr-comment -->', user: { login: 'someone' } },
        { id: 4, body: '<!-- branch-env:pr-comment -->\n<!-- branch-env:run 42 -->', user: bot },
      ],
    });
    const result = await publishPrStatus(gh.api, {
      repo,
      pullRequest: 12,
      comment: { ...base, status: 'deployed' },
      deployment: { ...deployment, id: 77 },
    });
    expect(result.comment).toBe('updated');
    expect(gh.writes()).toEqual([
      'POST /repos/acme/shop/deployments/77/statuses',
      'PATCH /repos/acme/shop/issues/comments/4',
    ]);
    expect(gh.calls[0]?.body).toMatchObject({
      state: 'success',
      environment_url: 'https://feature-x.dev.example.com',
    });
  });

  it('reads every page of comments before deciding to create one', async () => {
    const page1 = Array.from({ length: 100 }, (_, i) => ({
      id: i,
      body: 'hi',
      user: { login: 'p' },
    }));
    const calls: GithubRequest[] = [];
    const api = (r: GithubRequest) => {
      calls.push(r);
      if (r.path.endsWith('&page=1')) return Promise.resolve(page1);
      if (r.path.endsWith('&page=2'))
        return Promise.resolve([{ id: 500, body: '<!-- branch-env:pr-comment -->', user: bot }]);
      return Promise.resolve({});
    };
    const result = await publishPrStatus(api, {
      repo,
      pullRequest: 1,
      comment: { ...base, status: 'deployed' },
    });
    expect(result.comment).toBe('updated');
    expect(calls.at(-1)?.path).toBe('/repos/acme/shop/issues/comments/500');
  });

  it('leaves a newer run’s comment alone', async () => {
    const gh = fakeGithub({
      comments: [
        { id: 4, body: '<!-- branch-env:pr-comment -->\n<!-- branch-env:run 50 -->', user: bot },
      ],
    });
    const result = await publishPrStatus(gh.api, {
      repo,
      pullRequest: 12,
      comment: { ...base, status: 'failed' },
    });
    expect(result.comment).toBe('newer-run');
    expect(gh.writes()).toEqual([]);
  });

  it('destroyed: marks every deployment of the environment inactive', async () => {
    const gh = fakeGithub({ deployments: [{ id: 1 }, { id: 2 }] });
    await publishPrStatus(gh.api, {
      repo,
      pullRequest: undefined,
      comment: { ...base, status: 'destroyed' },
      deployment,
    });
    expect(gh.calls[0]?.path).toBe(
      '/repos/acme/shop/deployments?environment=feature-x&per_page=100',
    );
    expect(gh.writes()).toEqual([
      'POST /repos/acme/shop/deployments/1/statuses',
      'POST /repos/acme/shop/deployments/2/statuses',
    ]);
    expect(gh.calls.filter((c) => c.method === 'POST').map((c) => c.body?.state)).toEqual([
      'inactive',
      'inactive',
    ]);
  });

  it('a failing deployment API does not stop the comment (a warning), both failing throws', async () => {
    const gh = fakeGithub({ fail: /deployments/ });
    const result = await publishPrStatus(gh.api, {
      repo,
      pullRequest: 12,
      comment: base,
      deployment,
    });
    expect(result.comment).toBe('created');
    expect(result.warnings).toEqual([
      expect.stringContaining('the GitHub deployment was not updated'),
    ]);
    const both = fakeGithub({ fail: /./ });
    await expect(
      publishPrStatus(both.api, { repo, pullRequest: 12, comment: base, deployment }),
    ).rejects.toThrow('HTTP 500');
  });
});

describe('runPrStatusStep', () => {
  function deps(gh: ReturnType<typeof fakeGithub>, files: Record<string, string> = {}) {
    const out: Record<string, string> = {};
    const log: string[] = [];
    return {
      out,
      log,
      deps: {
        api: gh.api,
        readFile: (p: string) => files[p],
        appendFile: (p: string, t: string) => {
          out[p] = (out[p] ?? '') + t;
        },
        log: (l: string) => log.push(l),
        now: () => NOW,
      },
    };
  }
  const ctx = { GITHUB_REPOSITORY: 'acme/shop', GITHUB_RUN_ID: '42', GITHUB_OUTPUT: 'out' };

  it('derives the status from the job results like the workflow expects', () => {
    expect(statusFromResults('success', 'skipped')).toBe('deployed');
    expect(statusFromResults('failure', 'skipped')).toBe('failed');
    expect(statusFromResults('cancelled', 'skipped')).toBe('superseded');
    expect(statusFromResults('skipped', 'success')).toBe('destroyed');
    expect(statusFromResults('skipped', 'failure')).toBe('destroy-failed');
    expect(statusFromResults('skipped', 'cancelled')).toBe('superseded');
  });

  it('status: renders from env and files, and outputs the deployment id', async () => {
    const gh = fakeGithub();
    const d = deps(gh, { 'plan.json': JSON.stringify(PLAN) });
    await runPrStatusStep(
      {
        ...ctx,
        BRANCH_ENV_REPORT: 'status',
        STATUS: 'deploying',
        PR_NUMBER: '12',
        ENVIRONMENT: 'feature-x',
        BRANCH: 'feature/x',
        ACCOUNT: 'development (111111111111)',
        PROTECTED: 'false',
        PRODUCTION: 'false',
        TTL_HOURS: '72',
        COMMIT: 'abc',
        PLAN_JSON_FILE: 'plan.json',
        STARTED_AT: '2026-12-06T05:20:00Z',
      },
      d.deps,
    );
    const body = String(
      gh.calls.find((c) => c.path.endsWith('/issues/12/comments') && c.method === 'POST')?.body
        ?.body,
    );
    expect(body).toContain('| Ready (estimate) | about 2026-12-06 05:23 UTC');
    expect(body).toContain('<!-- branch-env:run 42 -->');
    expect(body).toContain('[workflow run](https://github.com/acme/shop/actions/runs/42)');
    expect(d.out.out).toMatch(/^deployment-id<<(ghadelimiter_[\w-]+)\n555\n\1\n$/);
  });

  it('failure: writes the first failed resource of the timeline as JSON', async () => {
    const d = deps(fakeGithub(), {
      't.json': JSON.stringify(timelineFrom('service-circuit-breaker.json')),
    });
    await runPrStatusStep(
      {
        ...ctx,
        BRANCH_ENV_REPORT: 'failure',
        TIMELINE_FILE: 't.json',
        SINCE: '2026-12-06T05:20:00Z',
      },
      d.deps,
    );
    const value = /^failure<<(\S+)\n(.*)\n\1\n$/.exec(d.out.out ?? '')?.[2];
    expect(JSON.parse(value ?? 'null')).toMatchObject({
      logicalId: 'Service9571FDD8',
      type: 'AWS::ECS::Service',
    });
  });

  it('reaped: the pull request of each destroyed branch gets why, deployments go inactive', async () => {
    const reap = {
      dryRun: false,
      decisions: [
        {
          environment: 'feature-x',
          branch: 'feature/x',
          action: 'destroy',
          reasons: ['TTL expired at 2026-12-06T05:00:00.000Z'],
        },
        { environment: 'feature-y', branch: 'feature/y', action: 'keep', reasons: [] },
      ],
      results: [{ environment: 'feature-x', report: { clean: true } }],
    };
    expect(reapedEnvironments(reap)).toEqual([
      {
        environment: 'feature-x',
        branch: 'feature/x',
        status: 'destroyed',
        reason: 'the reaper: TTL expired at 2026-12-06T05:00:00.000Z',
      },
    ]);
    expect(reapedEnvironments({ ...reap, dryRun: true })).toEqual([]);
    const gh = fakeGithub({
      pulls: [{ number: 31, head: { ref: 'feature/x', repo: { full_name: 'acme/shop' } } }],
      deployments: [{ id: 9 }],
    });
    const d = deps(gh, { 'reap.json': JSON.stringify(reap) });
    await runPrStatusStep(
      { ...ctx, BRANCH_ENV_REPORT: 'reaped', REAP_FILE: 'reap.json', ACCOUNT: 'development' },
      d.deps,
    );
    expect(gh.writes()).toEqual([
      'POST /repos/acme/shop/deployments/9/statuses',
      'POST /repos/acme/shop/issues/31/comments',
    ]);
    const body = String(gh.calls.at(-1)?.body?.body);
    expect(body).toContain('| Status | 🗑️ destroyed |');
    expect(body).toContain(
      '| Destroyed | 2026-12-06 05:30 UTC: the reaper: TTL expired at 2026-12-06T05:00:00.000Z |',
    );
  });

  it('refuses an unknown report kind', async () => {
    await expect(
      runPrStatusStep({ BRANCH_ENV_REPORT: 'x' }, deps(fakeGithub()).deps),
    ).rejects.toThrow('BRANCH_ENV_REPORT must be');
  });

  it('writes outputs with a delimiter the value does not contain', () => {
    const entry = outputEntry('diff', 'a\nb');
    const [, delimiter] = /^diff<<(.+)\n/.exec(entry) ?? [];
    expect(entry).toBe(`diff<<${delimiter}\na\nb\n${delimiter}\n`);
  });
});
