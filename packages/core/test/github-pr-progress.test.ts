import { describe, expect, it } from 'vitest';
import { deployProgress, progressText, runJobsRequest } from '../src/private/github/pr-progress.js';
import { runPrStatusStep } from '../src/private/github/pr-status-step.js';
import type { GithubRequest } from '../src/private/github/pr-status.js';

/** The shape of GitHub's `GET .../actions/runs/{id}/attempts/{n}/jobs`, as far as it is read. */
function jobs(deploy: Record<string, unknown> | undefined) {
  return {
    total_count: 3,
    jobs: [
      { name: 'resolve', status: 'completed', conclusion: 'success', steps: [] },
      { name: 'announce feature-x', status: 'in_progress', steps: [] },
      ...(deploy ? [{ name: 'deploy feature-x', ...deploy }] : []),
    ],
  };
}
const step = (name: string, status: string, number: number) => ({ name, status, number });
const RUNNING = {
  status: 'in_progress',
  started_at: '2026-12-06T05:00:00Z',
  steps: [
    step('Set up job', 'completed', 1),
    step('Run actions/checkout@v6', 'completed', 2),
    step('install', 'completed', 3),
    step('deploy', 'in_progress', 4),
    step('timeline', 'pending', 5),
    step('Post Run actions/checkout@v6', 'pending', 6),
    step('Complete job', 'pending', 7),
  ],
};

describe('deployProgress', () => {
  it('reads the deploy job’s running step, counting only the workflow’s own steps', () => {
    const p = deployProgress(jobs(RUNNING), 'feature-x');
    expect(p).toEqual({
      state: 'in_progress',
      step: { name: 'deploy', number: 3, count: 4 },
      startedAt: new Date('2026-12-06T05:00:00Z'),
    });
    expect(progressText(p, new Date('2026-12-06T05:04:10Z'))).toBe(
      'step 3 of 4: deploy (4 min in)',
    );
  });

  it('between two steps, shows the last finished one', () => {
    const between = {
      ...RUNNING,
      steps: RUNNING.steps.map((s) =>
        s.status === 'in_progress' ? { ...s, status: 'pending' } : s,
      ),
    };
    const p = deployProgress(jobs(between), 'feature-x');
    expect(p.state === 'in_progress' && p.step.name).toBe('install');
  });

  it('knows queued, waiting for reviewers, completed, and a run without this environment’s deploy', () => {
    expect(deployProgress(jobs({ status: 'queued' }), 'feature-x').state).toBe('queued');
    expect(deployProgress(jobs({ status: 'waiting' }), 'feature-x').state).toBe('waiting');
    expect(deployProgress(jobs({ status: 'completed' }), 'feature-x').state).toBe('completed');
    expect(deployProgress(jobs(undefined), 'feature-x').state).toBe('absent');
    expect(deployProgress(jobs(RUNNING), 'feature-y').state).toBe('absent');
    expect(deployProgress({ message: 'Not Found' }, 'feature-x').state).toBe('absent');
    expect(progressText({ state: 'queued' }, new Date())).toBeUndefined();
  });

  it('finds the reviewed production deploy too', () => {
    const answer = { jobs: [{ name: 'deploy main (reviewed)', ...RUNNING }] };
    expect(deployProgress(answer, 'main').state).toBe('in_progress');
  });

  it('asks for this attempt’s jobs', () => {
    expect(runJobsRequest({ owner: 'acme', repo: 'shop' }, 42, 2)).toEqual({
      method: 'GET',
      path: '/repos/acme/shop/actions/runs/42/attempts/2/jobs?per_page=100',
    });
  });
});

describe('runPrStatusStep progress', () => {
  const env = {
    GITHUB_REPOSITORY: 'acme/shop',
    GITHUB_RUN_ID: '42',
    GITHUB_RUN_ATTEMPT: '1',
    BRANCH_ENV_REPORT: 'progress',
    PR_NUMBER: '12',
    ENVIRONMENT: 'feature-x',
    BRANCH: 'feature/x',
    ACCOUNT: 'development (111111111111)',
    PROTECTED: 'false',
    PRODUCTION: 'false',
    TTL_HOURS: '72',
    COMMIT: 'abc',
    DEPLOYMENT_ID: '555',
  };

  /** GitHub answering the jobs list from `answers` in turn; the comment is created then updated. */
  function github(answers: unknown[]) {
    const calls: GithubRequest[] = [];
    let comment: { id: number; body: string; user: { login: string } } | undefined;
    const api = (r: GithubRequest): Promise<unknown> => {
      calls.push(r);
      if (r.path.includes('/actions/runs/')) {
        const next = answers.shift();
        return next instanceof Error ? Promise.reject(next) : Promise.resolve(next);
      }
      if (r.method === 'GET' && r.path.includes('/comments'))
        return Promise.resolve(comment ? [comment] : []);
      const body = String((r.body as { body?: string } | undefined)?.body ?? '');
      if (r.method === 'POST' && r.path.endsWith('/comments'))
        comment = { id: 7, body, user: { login: 'github-actions[bot]' } };
      if (r.method === 'PATCH' && comment) comment = { ...comment, body };
      return Promise.resolve({ id: 7 });
    };
    const bodies = () =>
      calls
        .filter((c) => c.method !== 'GET' && c.path.includes('/comments'))
        .map((c) => String((c.body as { body: string }).body));
    return { api, calls, bodies };
  }

  function deps(gh: ReturnType<typeof github>) {
    let clock = new Date('2026-12-06T05:01:00Z').getTime();
    const log: string[] = [];
    const sleeps: number[] = [];
    return {
      log,
      sleeps,
      deps: {
        api: gh.api,
        readFile: () => undefined,
        appendFile: () => undefined,
        log: (l: string) => log.push(l),
        now: () => new Date(clock),
        sleep: (ms: number) => {
          sleeps.push(ms);
          clock += ms;
          return Promise.resolve();
        },
      },
    };
  }

  it('puts each new step on the comment (and only the comment), until the deploy job ends', async () => {
    const later = {
      ...RUNNING,
      steps: RUNNING.steps.map((s) =>
        s.name === 'deploy'
          ? { ...s, status: 'completed' }
          : s.name === 'timeline'
            ? { ...s, status: 'in_progress' }
            : s,
      ),
    };
    const gh = github([
      jobs({ status: 'queued' }),
      jobs(RUNNING),
      jobs(RUNNING),
      jobs(later),
      jobs({ status: 'completed' }),
    ]);
    const d = deps(gh);
    await runPrStatusStep(env, d.deps);
    const bodies = gh.bodies();
    expect(bodies).toHaveLength(2); // step 3, then step 4: an unchanged step writes nothing
    expect(bodies[0]).toContain('| Progress | step 3 of 4: deploy (1 min in) |');
    expect(bodies[1]).toContain('| Progress | step 4 of 4: timeline (2 min in) |');
    for (const b of bodies) expect(b).toContain('⏳ deploying');
    // The deployment is already in progress: following writes no deployment status.
    expect(gh.calls.filter((c) => c.path.includes('/deployments'))).toEqual([]);
    expect(d.sleeps).toEqual([20_000, 20_000, 20_000, 20_000]);
    expect(d.log.at(-1)).toBe('branch-env: the deploy job is completed: following ends');
  });

  it('stops at once when the deploy waits for reviewers, and when its time is up', async () => {
    const waiting = github([jobs({ status: 'waiting' })]);
    await runPrStatusStep(env, deps(waiting).deps);
    expect(waiting.bodies()).toEqual([]);

    const forever = github(Array.from({ length: 50 }, () => jobs({ status: 'queued' })));
    const d = deps(forever);
    await runPrStatusStep({ ...env, PROGRESS_MINUTES: '2' }, d.deps);
    expect(d.sleeps).toHaveLength(6); // 2 min at 20 s
    expect(d.log.at(-1)).toBe('branch-env: following the deploy: time is up');
  });

  it('a failing read of the run stops following with a warning, never failing the step', async () => {
    const gh = github([
      new Error('GET /repos/acme/shop/actions/runs/42/attempts/1/jobs: HTTP 403'),
    ]);
    const d = deps(gh);
    await expect(runPrStatusStep(env, d.deps)).resolves.toBeUndefined();
    expect(d.log.join('\n')).toMatch(/::warning::following the deploy stopped: .*HTTP 403/);
  });
});
