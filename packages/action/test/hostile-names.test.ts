/**
 * Hostile branch names, end to end: through the bundled action run as a process, the workflows'
 * `run:` scripts run by bash with the env the action exports, the CLI's hints (the CLI run as a
 * process) and the sync's issue texts. Nothing may execute (no marker file appears), every printed
 * command, run by bash, must hand the exact branch to its program as one argument, and markdown
 * must keep branch and file names inert (no mention, link or HTML).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { branchArgument, shellQuote, sourceBranch, type SyncTarget } from '@branch-env/core';
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { parseFileCommands, ROOT, runAction } from './run-action.js';
import { standInCommands } from './stand-in-commands.js';

type Step = { id?: string; run?: string; env?: Record<string, string> };
type Workflow = { jobs: Record<string, { steps: Step[] }> };
const workflow = (f: string) =>
  parse(readFileSync(join(ROOT, '.github/workflows', f), 'utf8')) as Workflow;
const environmentYml = workflow('environment.yml');
const syncYml = workflow('sync-long-lived.yml');
const step = (wf: Workflow, job: string, match: (s: Step) => boolean): string => {
  const found = wf.jobs[job]?.steps.find(match)?.run;
  if (!found) throw new Error(`no such step in ${job}`);
  return found;
};

/**
 * Valid git branch names (`git check-ref-format --branch` accepts each; checked below) that the
 * example config routes to protected `staging*` environments, each trying to run `touch MARKER`
 * (`staging*` caps its count; `qa*` would refuse them all: its `allow` lists qa1-qa3).
 */
const HOSTILE = [
  "staging'$(touch${IFS}MARKER)'",
  'staging$(touch${IFS}MARKER)',
  'staging`touch${IFS}MARKER`',
  'staging;touch${IFS}MARKER;',
  'staging|touch${IFS}MARKER',
  'staging&&touch${IFS}MARKER',
  'staging\'"$(touch${IFS}MARKER)"\'',
  'staging")]|(env.GH_TOKEN|explode|implode)#',
  'staging`@octocat`<img${IFS}src=x${IFS}onerror=alert(1)>@octocat',
  'staging%0A%25touch',
  'staging\u202egnp.exe',
  'stagingⅿain-ünï',
];

/** A directory with stand-ins for commands: each appends its argv (JSON) to calls.jsonl. */
function sandbox(commands: Record<string, string> = {}) {
  const stand = standInCommands(
    'hostile-',
    ['npx', 'gh', 'git', 'branch-env', ...Object.keys(commands)],
    commands,
  );
  const { dir, cwd } = stand;
  return {
    ...stand,
    /** No marker anywhere the commands ran. */
    marker: () => [dir, cwd, ROOT].some((d) => readdirSync(d).some((f) => f.includes('MARKER'))),
  };
}

/** Run a workflow `run:` script the way the runner does (bash -eo pipefail). */
function runScript(script: string, env: Record<string, string>, cwd: string) {
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    encoding: 'utf8',
    env: { HOME: cwd, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Paste `command` into bash, with the stand-ins first on PATH; the calls they received. */
function paste(command: string) {
  const box = sandbox();
  const r = runScript(command, { PATH: `${box.bin}:${process.env.PATH}` }, box.cwd);
  expect(r.code, r.stderr).toBe(0);
  expect(box.marker(), 'marker file created').toBe(false);
  return box.calls();
}

function render(markdown: string): string {
  return micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()],
  });
}

/** Rendered markdown whose only HTML is markdown's own and whose names stay inside code. */
function expectInert(markdown: string) {
  const html = render(markdown);
  const outsideCode = html.replace(/<pre>[\s\S]*?<\/pre>|<code>[\s\S]*?<\/code>/g, '');
  expect(outsideCode, markdown).not.toMatch(/<a |<img|@octocat|MARKER/);
  return html;
}

describe('hostile branch names', () => {
  it('are all valid git branch names (so the runner can deliver them)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-git-'));
    for (const b of HOSTILE) {
      const r = spawnSync('git', ['check-ref-format', '--branch', b], { cwd: dir });
      expect(r.status, b).toBe(0);
    }
  });

  describe.each(HOSTILE)('%s', (branch) => {
    // one push run of the action per name, shared by the tests below
    let pushed: ReturnType<typeof runAction> | undefined;
    const push = () => (pushed ??= runAction({ eventName: 'push', ref: `refs/heads/${branch}` }));

    it('the action resolves it as data, and its destroy-command passes the exact branch', () => {
      const run = push();
      expect(run.status, run.stdout).toBe(0);
      expect(run.outputs).toMatchObject({ routed: 'true', branch, protected: 'true' });
      expect(run.env.BRANCH_ENV_BRANCH).toBe(branch);
      expectInert(run.summary);
      const calls = paste(run.outputs['destroy-command'] ?? '');
      expect(calls).toEqual([['npx', 'branch-env', 'destroy', branch, '--force-protected']]);
    });

    it('environment.yml: the delete warning’s command, pasted, destroys exactly that branch', () => {
      const run = runAction({
        eventName: 'delete',
        ref: 'refs/heads/main',
        payload: { ref: branch, ref_type: 'branch' },
      });
      expect(run.outputs.branch).toBe(branch);
      const box = sandbox();
      const output = join(box.dir, 'output');
      writeFileSync(output, '');
      const r = runScript(
        step(environmentYml, 'resolve', (s) => s.id === 'decide'),
        {
          ...run.env,
          PATH: `${box.bin}:${process.env.PATH}`,
          GITHUB_OUTPUT: output,
          GITHUB_STEP_SUMMARY: join(box.dir, 'summary'),
          EVENT: 'delete',
          ACTION: '',
          PUSH_DELETED: '',
          SAME_REPO: 'true',
          PR_EVENT_NUMBER: '',
          GH_TOKEN: 'token',
          GH_REPO: 'acme/shop',
        },
        box.cwd,
      );
      expect(r.code, r.stderr).toBe(0);
      expect(box.marker()).toBe(false);
      expect(parseFileCommands(readFileSync(output, 'utf8')).operation).toBe('none');
      const warning = r.stdout.split('\n').find((l) => l.startsWith('::warning::')) ?? '';
      // what the runner shows: %25 decoded back to %
      const command = warning.split('to destroy it: ')[1]?.replace(/%25/g, '%') ?? '';
      const calls = paste(command);
      expect(calls).toEqual([['npx', 'branch-env', 'destroy', branch, '--force-protected']]);
      expect(sourceBranch(calls[0]?.[3] ?? '')).toBe(branch);
    });

    it('environment.yml: the push decision and the deploy pass the branch as one argument', () => {
      const run = push();
      const box = sandbox();
      const output = join(box.dir, 'output');
      writeFileSync(output, '');
      const env = {
        PATH: `${box.bin}:${process.env.PATH}`,
        GITHUB_OUTPUT: output,
        GITHUB_STEP_SUMMARY: join(box.dir, 'summary'),
      };
      const decide = runScript(
        step(environmentYml, 'resolve', (s) => s.id === 'decide'),
        { ...run.env, ...env, EVENT: 'push', SAME_REPO: 'true', GH_TOKEN: 't', GH_REPO: 'a/b' },
        box.cwd,
      );
      expect(decide.code, decide.stderr).toBe(0);
      const current = runScript(
        `bash ${join(ROOT, '.github/scripts/still-current.sh')}`,
        { ...env, BRANCH: branch, PROTECTED: 'true', PR_NUMBER: '', GH_REPO: 'a/b', GH_TOKEN: 't' },
        box.cwd,
      );
      expect(current.code, current.stderr).toBe(0);
      const deploy = runScript(
        step(environmentYml, 'deploy', (s) => s.id === 'deploy'),
        { ...env, BRANCH: branch, COMMIT: 'abc' },
        box.cwd,
      );
      expect(deploy.code, deploy.stderr).toBe(0);
      expect(box.marker()).toBe(false);
      const calls = box.calls();
      expect(calls[0]?.slice(0, 5)).toEqual(['gh', 'pr', 'list', '--head', branch]);
      expect(calls[1]).toContain(`ref=refs/heads/${branch}`);
      expect(calls[2]).toEqual([
        'npx',
        'branch-env',
        'deploy',
        `refs/heads/${branch}`,
        '--ci',
        '--commit',
        'abc',
      ]);
      expect(sourceBranch(calls[2]?.[3] ?? '')).toBe(branch);
    });

    it('environment.yml: the plan, diff and timeline steps pass the branch as one argument', () => {
      const box = sandbox();
      const env = {
        PATH: `${box.bin}:${process.env.PATH}`,
        RUNNER_TEMP: box.dir,
        BRANCH: branch,
        COMMIT: '0123456789abcdef0123456789abcdef01234567',
      };
      const scripts = [
        step(
          environmentYml,
          'announce',
          (s) => s.run?.includes('--json > "$RUNNER_TEMP/plan.json"') === true,
        ),
        step(environmentYml, 'comment', (s) => s.run?.includes('--markdown') === true),
        step(environmentYml, 'deploy', (s) => s.run?.includes('branch-env diff') === true),
        step(environmentYml, 'deploy', (s) => s.run?.includes('branch-env timeline') === true),
      ];
      for (const script of scripts) {
        const r = runScript(script, env, box.cwd);
        expect(r.code, r.stderr).toBe(0);
      }
      expect(box.marker()).toBe(false);
      expect(box.calls()).toEqual([
        ['npx', 'branch-env', 'plan', `refs/heads/${branch}`, '--json'],
        ['npx', 'branch-env', 'plan', `refs/heads/${branch}`, '--markdown'],
        [
          'npx',
          'branch-env',
          'diff',
          `refs/heads/${branch}`,
          '--commit',
          '0123456789abcdef0123456789abcdef01234567',
          '--json',
        ],
        ['npx', 'branch-env', 'timeline', `refs/heads/${branch}`, '--json'],
      ]);
    });
  });

  it('the CLI’s protected-destroy hint (the CLI run as a process), pasted, names the exact branch', () => {
    for (const branch of [HOSTILE[0] as string, HOSTILE[2] as string]) {
      const box = sandbox();
      const r = spawnSync(
        process.execPath,
        [join(ROOT, 'packages/cli/bin/branch-env.js'), 'destroy', branch],
        {
          cwd: box.cwd,
          encoding: 'utf8',
          env: {
            PATH: process.env.PATH,
            HOME: box.cwd,
            BRANCH_ENV_CONFIG: join(ROOT, 'branch-env.config.json'),
          },
        },
      );
      expect(r.status, r.stderr).toBe(1);
      const fix = /if you really mean it: (.*)$/m.exec(r.stderr)?.[1] ?? '';
      expect(fix).toBe(`branch-env destroy ${shellQuote(branch)} --force-protected`);
      expect(paste(fix)).toEqual([['branch-env', 'destroy', branch, '--force-protected']]);
      expect(box.marker()).toBe(false);
    }
  });

  it('a branch NAMED refs/heads/… is printed so that the CLI reads back that branch', () => {
    const branch = 'refs/heads/qa1';
    const calls = paste(`branch-env destroy ${shellQuote(branchArgument(branch))}`);
    expect(sourceBranch(calls[0]?.[2] ?? '')).toBe(branch);
  });
});

describe('sync-long-lived.yml with a hostile long-lived branch', () => {
  const git = (cwd: string, ...args: string[]) =>
    execFileSync('git', args, {
      cwd,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.com',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.com',
        GIT_CONFIG_GLOBAL: '/dev/null',
        GIT_CONFIG_NOSYSTEM: '1',
      },
    });

  /** The `branches` job's list step, for real (core from this repository), with gh listing `names`. */
  function targetsFor(names: readonly string[]): SyncTarget[] {
    const box = sandbox({ gh: `process.stdout.write(process.env.STUB_GH_OUT);` });
    const output = join(box.dir, 'output');
    writeFileSync(output, '');
    const r = runScript(
      step(syncYml, 'branches', (s) => s.id === 'list'),
      {
        PATH: `${box.bin}:${process.env.PATH}`,
        RUNNER_TEMP: box.dir,
        GITHUB_OUTPUT: output,
        DEFAULT_BRANCH: 'main',
        GH_TOKEN: 't',
        GH_REPO: 'acme/shop',
        STUB_GH_OUT: `${names.join('\n')}\n`,
        BRANCH_ENV_CONFIG: join(ROOT, 'branch-env.config.json'),
      },
      ROOT,
    );
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(
      parseFileCommands(readFileSync(output, 'utf8')).targets ?? '',
    ) as SyncTarget[];
  }

  it('lists long-lived branches through core: production branches are not synced', () => {
    const targets = targetsFor(['main', 'prod1', 'qa', 'qa1', ...HOSTILE, 'feature/x']);
    // `qa` is outside qa*'s allow list: it has no environment, so nothing to sync.
    expect(targets.map((t) => t.branch)).toEqual(['qa1', ...HOSTILE]);
  });

  const BRANCH = HOSTILE[0] as string;
  const FILE = 'x`@octocat`$(touch${IFS}MARKER)```.txt';

  /** origin (bare) with main and BRANCH both changing FILE; a checkout of BRANCH like actions/checkout's. */
  function repos(conflict: boolean) {
    const dir = mkdtempSync(join(tmpdir(), 'hostile-sync-'));
    const origin = join(dir, 'origin.git');
    const seed = join(dir, 'seed');
    git(dir, 'init', '-q', '--bare', '-b', 'main', origin);
    git(dir, 'init', '-q', '-b', 'main', seed);
    writeFileSync(join(seed, FILE), 'base\n');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-qm', 'base');
    git(seed, 'push', '-q', origin, 'main');
    git(seed, 'switch', '-qc', BRANCH);
    writeFileSync(join(seed, FILE), 'branch\n');
    git(seed, 'commit', '-qam', 'branch');
    git(seed, 'push', '-q', origin, `HEAD:refs/heads/${BRANCH}`);
    git(seed, 'switch', '-q', 'main');
    writeFileSync(join(seed, conflict ? FILE : 'other.txt'), 'main\n');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-qm', 'main');
    git(seed, 'push', '-q', origin, 'main');
    const work = join(dir, 'work');
    git(dir, 'clone', '-q', origin, work);
    git(work, 'switch', '-q', BRANCH);
    return { dir, origin, seed, work };
  }

  function runSync(work: string, target: SyncTarget) {
    const box = sandbox();
    const files = {
      GITHUB_OUTPUT: join(box.dir, 'output'),
      GITHUB_STEP_SUMMARY: join(box.dir, 'summary'),
    };
    for (const f of Object.values(files)) writeFileSync(f, '');
    const env = {
      PATH: process.env.PATH ?? '',
      RUNNER_TEMP: box.dir,
      ...files,
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    const merge = runScript(
      step(syncYml, 'sync', (s) => s.id === 'merge'),
      {
        ...env,
        BRANCH: target.branch,
        LABEL: target.label,
        MERGE_COMMAND: target.mergeCommand,
        PUSH_COMMAND: target.pushCommand,
        DEFAULT_BRANCH: 'main',
        PUSH_TOKEN: 'ghs_secret',
        SYNC_TOKEN_SET: 'false',
      },
      work,
    );
    expect(merge.code, merge.stderr).toBe(0);
    const outputs = parseFileCommands(readFileSync(files.GITHUB_OUTPUT, 'utf8'));
    const report = existsSync(join(box.dir, 'report.md'))
      ? readFileSync(join(box.dir, 'report.md'), 'utf8')
      : '';
    return {
      box,
      env,
      outputs,
      report,
      stdout: merge.stdout,
      summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'),
    };
  }

  /** The issue step with gh listing `issues`; the gh calls it made. */
  function fileIssue(target: SyncTarget, result: string, issues: unknown[], reportDir: string) {
    const box = sandbox({
      gh: `if (process.argv[3] === 'list') process.stdout.write(process.env.STUB_GH_OUT);`,
    });
    const r = runScript(
      step(syncYml, 'sync', (s) => s.run?.includes('gh issue create') === true),
      {
        PATH: `${box.bin}:${process.env.PATH}`,
        RUNNER_TEMP: reportDir,
        GH_TOKEN: 'ghs_secret',
        CONFLICT_TITLE: target.conflictTitle,
        REJECTED_TITLE: target.rejectedTitle,
        RESULT: result,
        STUB_GH_OUT: JSON.stringify(issues),
      },
      box.cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(box.marker()).toBe(false);
    return box.calls().filter((c) => c[2] !== 'list');
  }

  it('a conflict: report, summary and issue keep names inert; the pasted command switches to the exact branch', () => {
    const [target] = targetsFor([BRANCH]);
    if (!target) throw new Error('no target');
    const { work } = repos(true);
    const run = runSync(work, target);
    expect(run.outputs.result).toBe('conflict');
    expect(run.box.marker()).toBe(false);
    expect(run.stdout).not.toContain('ghs_secret');
    for (const text of [run.report, run.summary]) {
      const html = expectInert(text);
      // the file list is a code block holding the exact name
      expect(html).toContain(FILE.replace(/&/g, '&amp;'));
    }
    const command = /^(`{3,})bash\n(.*)\n\1$/m.exec(run.report)?.[2] ?? '';
    expect(paste(command)).toEqual([
      ['git', 'fetch', 'origin'],
      ['git', 'switch', BRANCH],
      ['git', 'merge', 'origin/main'],
    ]);
    // the title is data for jq: a matching open issue gets the comment, nothing else does
    expectInert(target.conflictTitle);
    const other = { number: 3, title: 'branch-env sync: merging into `qa` conflicts' };
    expect(
      fileIssue(
        target,
        'conflict',
        [other, { number: 5, title: target.conflictTitle }],
        run.box.dir,
      ),
    ).toEqual([['gh', 'issue', 'comment', '5', '--body-file', join(run.box.dir, 'report.md')]]);
    expect(fileIssue(target, 'conflict', [other], run.box.dir)).toEqual([
      [
        'gh',
        'issue',
        'create',
        '--title',
        target.conflictTitle,
        '--body-file',
        join(run.box.dir, 'report.md'),
      ],
    ]);
  });

  it('a jq-program branch name cannot steer which issue gets the report', () => {
    const [target] = targetsFor(['staging")]|3#']);
    if (!target) throw new Error('no target');
    const dir = mkdtempSync(join(tmpdir(), 'hostile-issue-'));
    writeFileSync(join(dir, 'report.md'), 'report');
    const calls = fileIssue(
      target,
      'push-rejected',
      [{ number: 3, title: 'a person’s issue' }],
      dir,
    );
    expect(calls).toEqual([
      [
        'gh',
        'issue',
        'create',
        '--title',
        target.rejectedTitle,
        '--body-file',
        join(dir, 'report.md'),
      ],
    ]);
  });

  it('a rejected push (the branch moved): the report names the branch inertly and the push command is exact', () => {
    const [target] = targetsFor([BRANCH]);
    if (!target) throw new Error('no target');
    const { work, seed, origin } = repos(false);
    // someone pushes to the branch after the checkout: the sync's push is refused, never forced
    git(seed, 'switch', '-q', BRANCH);
    writeFileSync(join(seed, 'late.txt'), 'late\n');
    git(seed, 'add', '-A');
    git(seed, 'commit', '-qm', 'late');
    git(seed, 'push', '-q', origin, `HEAD:refs/heads/${BRANCH}`);
    const run = runSync(work, target);
    expect(run.outputs.result).toBe('push-rejected');
    expect(run.box.marker()).toBe(false);
    expectInert(run.report);
    expect(run.report).toContain(`${target.label} moved while the sync ran`);
    const command = /^(`{3,})bash\n(.*)\n\1$/m.exec(run.report)?.[2] ?? '';
    expect(paste(command)).toEqual([
      ['git', 'fetch', 'origin'],
      ['git', 'switch', BRANCH],
      ['git', 'merge', 'origin/main'],
      ['git', 'push'],
    ]);
    // the credential was given to the push only, never written to the checkout's config
    expect(readFileSync(join(work, '.git/config'), 'utf8')).not.toContain('ghs_secret');
    expect(readFileSync(join(work, '.git/config'), 'utf8')).not.toContain('extraheader');
  });

  it('a merged push: pushed to the exact branch, and the redeploy dispatch names it as one argument', () => {
    const [target] = targetsFor([BRANCH]);
    if (!target) throw new Error('no target');
    const { work, origin } = repos(false);
    const run = runSync(work, target);
    expect(run.outputs).toMatchObject({ result: 'merged', redeploy: 'true' });
    expect(git(origin, 'log', '-1', '--format=%s', `refs/heads/${BRANCH}`).trim()).toBe(
      `Merge main into ${BRANCH} (branch-env sync)`,
    );
    expectInert(run.summary);
    const box = sandbox();
    const r = runScript(
      step(syncYml, 'sync', (s) => s.run?.includes('gh workflow run') === true),
      { PATH: `${box.bin}:${process.env.PATH}`, GH_TOKEN: 't', BRANCH: target.branch },
      box.cwd,
    );
    expect(r.code, r.stderr).toBe(0);
    expect(box.calls()).toEqual([['gh', 'workflow', 'run', 'environment.yml', '--ref', BRANCH]]);
  });
});
