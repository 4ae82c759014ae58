/**
 * The reusable workflows (`workflow_call`) an adopting repository calls (docs/github.md), the
 * scripts their jobs run from branch-env's checkout (run as processes with stand-in commands), and
 * the image build for the service's architecture.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { ACTION_DIR, ROOT } from './run-action.js';
import { standInCommands } from './stand-in-commands.js';
import { callerWorkflow } from '../../cli/dist/commands/init/workflow.js';

type Step = {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
};
type Job = { steps?: Step[]; permissions?: Record<string, string> };
type Input = { type: string; default?: unknown; required?: boolean };
type Workflow = {
  on: Record<string, { inputs?: Record<string, Input> } | null>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
};

const workflow = (f: string) =>
  parse(readFileSync(join(ROOT, '.github/workflows', f), 'utf8'), {
    uniqueKeys: true,
    strict: true,
  }) as Workflow;
const REUSABLE = ['environment.yml', 'reaper.yml'];
const SCRIPTS = join(ROOT, '.github/scripts');
const BRANCH_ENV_CHECKOUT = {
  'persist-credentials': false,
  repository: "${{ inputs.branch-env-version && 'branch-env/branch-env' || github.repository }}",
  path: '.branch-env',
  'sparse-checkout': 'packages/action\n.github/scripts\n',
};

describe.each(REUSABLE)('%s as a reusable workflow', (f) => {
  const wf = workflow(f);

  it('is callable with a config file and a branch-env version, and keeps its own triggers', () => {
    const inputs = wf.on.workflow_call?.inputs ?? {};
    expect(inputs.config).toEqual(
      expect.objectContaining({ type: 'string', default: 'branch-env.config.json' }),
    );
    expect(inputs['branch-env-version']).toEqual(
      expect.objectContaining({ type: 'string', default: '' }),
    );
    expect(Object.keys(wf.on)).toContain('workflow_dispatch');
    // The CLI (and the reaper's account list) read the config named by the input.
    expect(wf.env?.BRANCH_ENV_CONFIG).toBe("${{ inputs.config || 'branch-env.config.json' }}");
  });

  it('uses branch-env’s actions and scripts from branch-env’s repository at v<version>, never the caller’s', () => {
    for (const [name, job] of Object.entries(wf.jobs)) {
      const steps = job.steps ?? [];
      const local = steps.filter(
        (s) => s.uses?.startsWith('./') || /\.github\/scripts\//.test(s.run ?? ''),
      );
      for (const s of local) {
        const target = s.uses ?? s.run ?? '';
        expect(target, `${f} ${name}`).toMatch(/^(\.\/|bash )\.branch-env\//);
      }
      if (local.length === 0) continue;
      const checkout = steps.findIndex(
        (s) => s.uses?.startsWith('actions/checkout@') && s.with?.path === '.branch-env',
      );
      expect(checkout, `${f} ${name} checks out branch-env`).toBeGreaterThanOrEqual(0);
      const first = steps.findIndex((s) => local.includes(s));
      expect(checkout, `${f} ${name}: before its first use`).toBeLessThan(first);
      const step = steps[checkout] as Step;
      expect(step.with).toMatchObject(BRANCH_ENV_CHECKOUT);
      expect(step.with?.ref).toMatch(
        /^\$\{\{ inputs\.branch-env-version && format\('v\{0\}', inputs\.branch-env-version\) \|\| /,
      );
      // ... after the caller's own checkout, which would otherwise clean it away
      expect(checkout, `${f} ${name}`).toBe(
        steps.findIndex((s) => s.uses?.startsWith('actions/checkout@')) + 1,
      );
    }
  });

  it('installs the CLI at branch-env-version (or the workspace’s) wherever it runs npx branch-env', () => {
    for (const [name, job] of Object.entries(wf.jobs)) {
      const steps = job.steps ?? [];
      const npx = steps.findIndex((s) => s.run?.includes('npx branch-env'));
      if (npx < 0) continue;
      const install = steps.findIndex(
        (s) => s.run === 'bash .branch-env/.github/scripts/install-cli.sh',
      );
      expect(install, `${f} ${name}`).toBeGreaterThanOrEqual(0);
      expect(install, `${f} ${name}`).toBeLessThan(npx);
      expect(steps[install]?.env).toEqual({
        BRANCH_ENV_VERSION: '${{ inputs.branch-env-version }}',
      });
      expect(steps.some((s) => s.run?.includes('npm ci'))).toBe(false);
      // No npm cache without a lockfile: only this repository's own runs cache.
      const node = steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
      expect(node?.with?.cache, `${f} ${name}`).toBe(
        "${{ !inputs.branch-env-version && 'npm' || '' }}",
      );
    }
  });
});

describe('environment.yml builds images for the service’s architecture', () => {
  const wf = workflow('environment.yml');

  it.each(['deploy', 'deploy-reviewed'])(
    '%s sets up QEMU and buildx before the deploy and hands CDK the buildx wrapper',
    (name) => {
      const steps = wf.jobs[name]?.steps ?? [];
      const at = (prefix: string) => steps.findIndex((s) => s.uses?.startsWith(prefix));
      const qemu = at('docker/setup-qemu-action@');
      const buildx = at('docker/setup-buildx-action@');
      const runtime = at('crazy-max/ghaction-github-runtime@');
      const deploy = steps.findIndex((s) => s.id === 'deploy');
      expect(qemu).toBeGreaterThanOrEqual(0);
      const credentials = at('aws-actions/configure-aws-credentials@');
      // in order, and before the AWS credentials (third-party actions never see them)
      expect([
        qemu < buildx,
        buildx < runtime,
        runtime < credentials,
        credentials < deploy,
      ]).toEqual([true, true, true, true]);
      // Both architectures a service may have (config: architecture arm64 | x86_64).
      expect(String(steps[qemu]?.with?.platforms).split(',').sort()).toEqual(['amd64', 'arm64']);
      expect(steps[deploy]?.env?.CDK_DOCKER).toBe(
        '${{ github.workspace }}/.branch-env/.github/scripts/docker-buildx.sh',
      );
    },
  );

  it.each(['deploy', 'deploy-reviewed'])(
    '%s pushes the images in the background from the credentials on, beside diff, and waits for them before deploying',
    (name) => {
      const steps = wf.jobs[name]?.steps ?? [];
      const at = (pick: (s: Step) => boolean) => steps.findIndex(pick);
      const credentials = at((s) => !!s.uses?.startsWith('aws-actions/configure-aws-credentials@'));
      const start = at((s) => s.name === 'start image push');
      const diff = at((s) => s.name === 'diff');
      const current = at((s) => s.id === 'current');
      const wait = at((s) => s.name === 'wait for images');
      const deploy = at((s) => s.id === 'deploy');
      // The branch re-check stays right before the deploy (as late as possible).
      expect([credentials < start, start < diff, diff < wait, wait < current, current + 1]).toEqual(
        [true, true, true, true, deploy],
      );
      expect(steps[start]?.run).toBe('bash .branch-env/.github/scripts/image-push.sh start');
      // The commit deploy tags its stacks with is the one the images are built from.
      expect(steps[start]?.env?.COMMIT).toBe(steps[deploy]?.env?.COMMIT);
      expect(steps[start]?.env?.BRANCH).toBe('${{ needs.resolve.outputs.branch }}');
      expect(steps[wait]?.run).toBe('bash .branch-env/.github/scripts/image-push.sh wait');
      // A deploy never runs without its images: a failed push fails the job.
      expect(steps[wait]).not.toHaveProperty('if');
      expect(steps[wait]).not.toHaveProperty('continue-on-error');
    },
  );

  it('leaves the image’s platform to CDK, which sets it from the service’s architecture', () => {
    // The construct that builds the image asset (packages/cdk/src/service/*.ts).
    const dir = join(ROOT, 'packages/cdk/src/service');
    const sources = readdirSync(dir)
      .filter((f) => f.endsWith('.ts'))
      .map((f) => readFileSync(join(dir, f), 'utf8'));
    const builder = sources.find((src) =>
      /platform: arm \? ecrAssets\.Platform\.LINUX_ARM64 : ecrAssets\.Platform\.LINUX_AMD64/.test(
        src,
      ),
    );
    expect(builder).toBeDefined();
    expect(builder).toMatch(/const arm = props\.task\.architecture === 'arm64'/);
  });
});

/** A directory of stand-in commands that log their argv (JSON lines). */
function standIns(names: string[], extra: Record<string, string> = {}) {
  const { bin, cwd, calls } = standInCommands('reusable-', names, extra);
  const run = (script: string, args: string[], env: Record<string, string>) => {
    const r = spawnSync('bash', [join(SCRIPTS, script), ...args], {
      cwd,
      encoding: 'utf8',
      env: { PATH: `${bin}:${process.env.PATH}`, HOME: cwd, ...env },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr, calls: calls() };
  };
  return { cwd, run };
}

describe('.github/scripts/install-cli.sh (run with a stand-in npm)', () => {
  it('installs this repository’s workspace when no version is given', () => {
    const { run } = standIns(['npm']);
    const r = run('install-cli.sh', [], { BRANCH_ENV_VERSION: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([['npm', 'ci', '--no-audit', '--no-fund']]);
  });

  it('installs the CLI from npm at the version, after the repository’s own lockfile', () => {
    const bare = standIns(['npm']);
    let r = bare.run('install-cli.sh', [], { BRANCH_ENV_VERSION: '1.4.0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      ['npm', 'install', '--global', '--no-audit', '--no-fund', 'branch-env@1.4.0'],
    ]);
    const locked = standIns(['npm']);
    writeFileSync(join(locked.cwd, 'package-lock.json'), '{}');
    r = locked.run('install-cli.sh', [], { BRANCH_ENV_VERSION: '1.4.0-rc.1' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([
      ['npm', 'ci', '--no-audit', '--no-fund'],
      ['npm', 'install', '--global', '--no-audit', '--no-fund', 'branch-env@1.4.0-rc.1'],
    ]);
  });

  it('warns when the repository’s own branch-env (which npx runs) differs from the version', () => {
    const box = standIns(['npm']);
    mkdirSync(join(box.cwd, 'node_modules/branch-env'), { recursive: true });
    writeFileSync(
      join(box.cwd, 'node_modules/branch-env/package.json'),
      JSON.stringify({ name: 'branch-env', version: '1.3.0' }),
    );
    const r = box.run('install-cli.sh', [], { BRANCH_ENV_VERSION: '1.4.0' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('::warning::this repository depends on branch-env 1.3.0');
  });

  it.each([
    'latest',
    '../evil',
    'file:/tmp/x',
    '1.2',
    '1.2.3 --registry=https://x',
    'https://x/y.tgz',
  ])('refuses %s (not a version) without running npm', (version) => {
    const { run } = standIns(['npm']);
    const r = run('install-cli.sh', [], { BRANCH_ENV_VERSION: version });
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('::error::branch-env-version must be an npm version');
    expect(r.calls).toEqual([]);
  });
});

describe('.github/scripts/docker-buildx.sh (CDK_DOCKER; run with a stand-in docker)', () => {
  // What cdk-assets runs for an arm64 service (@aws-cdk/cdk-assets-lib docker.js build()).
  const build = [
    'build',
    '--build-arg',
    'A=b c',
    '--tag',
    'cdkasset-0123',
    '--file',
    'services/api/Dockerfile',
    '--platform',
    'linux/arm64',
    '.',
  ];

  it('builds with buildx for the platform CDK asks for, loaded into the engine, cached in the Actions cache', () => {
    const { run } = standIns(['docker']);
    const r = run('docker-buildx.sh', build, { ACTIONS_RUNTIME_TOKEN: 't' });
    expect(r.code, r.stderr).toBe(0);
    const [call] = r.calls;
    expect(call?.slice(0, 4)).toEqual(['docker', 'buildx', 'build', '--load']);
    const scope = call?.[5]?.match(/^type=gha,scope=(branch-env-[0-9a-f]{16})$/)?.[1];
    expect(scope).toBeDefined();
    expect(call?.slice(4, 8)).toEqual([
      '--cache-from',
      `type=gha,scope=${scope}`,
      '--cache-to',
      `type=gha,mode=max,scope=${scope}`,
    ]);
    // CDK's own arguments, unchanged (the platform among them)
    expect(call?.slice(8)).toEqual(build.slice(1));
    // One scope per image and platform: amd64 does not share arm64's cache.
    const amd = run(
      'docker-buildx.sh',
      build.map((a) => (a === 'linux/arm64' ? 'linux/amd64' : a)),
      { ACTIONS_RUNTIME_TOKEN: 't' },
    );
    expect(amd.calls[1]?.[5]).not.toBe(call?.[5]);
  });

  it('builds without a cache when the job exposes no cache runtime', () => {
    const { run } = standIns(['docker']);
    const r = run('docker-buildx.sh', build, {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([['docker', 'buildx', 'build', '--load', ...build.slice(1)]]);
  });

  it('passes every other docker command through unchanged', () => {
    const { run } = standIns(['docker']);
    const r = run('docker-buildx.sh', ['tag', 'cdkasset-0123', '1.dkr.ecr/x:y'], {});
    expect(r.code, r.stderr).toBe(0);
    expect(r.calls).toEqual([['docker', 'tag', 'cdkasset-0123', '1.dkr.ecr/x:y']]);
  });
});

describe('.github/scripts/image-push.sh (run with a stand-in npx)', () => {
  // The stand-in `branch-env image push`: logs its argv, prints a line on each stream, sleeps a
  // little (the push runs while the job goes on), exits with $FAKE_PUSH_EXIT.
  const npx = [
    'process.stdout.write(\'{"images": []}\\n\');',
    "process.stderr.write('[image service:api] pushed\\n');",
    'setTimeout(() => process.exit(Number(process.env.FAKE_PUSH_EXIT ?? 0)), 300);',
  ].join('\n');
  const env = (cwd: string, extra: Record<string, string> = {}) => ({
    RUNNER_TEMP: cwd,
    BRANCH: 'feature/new-login',
    COMMIT: '0123456789abcdef0123456789abcdef01234567',
    ...extra,
  });

  it('starts the push in the background and returns at once; wait prints its output and succeeds with it', () => {
    const { cwd, run } = standIns(['npx'], { npx });
    const started = Date.now();
    const start = run('image-push.sh', ['start'], env(cwd));
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toContain('started in the background');
    expect(Date.now() - started).toBeLessThan(2000);
    const wait = run('image-push.sh', ['wait'], env(cwd));
    expect(wait.code, wait.stderr).toBe(0);
    expect(wait.stdout).toContain('[image service:api] pushed');
    expect(wait.calls).toEqual([
      [
        'npx',
        'branch-env',
        'image',
        'push',
        'refs/heads/feature/new-login',
        '--commit',
        '0123456789abcdef0123456789abcdef01234567',
        '--json',
      ],
    ]);
    expect(readFileSync(join(cwd, 'branch-env-image-push', 'images.json'), 'utf8')).toContain(
      'images',
    );
  });

  it('fails the wait (and so the deploy) with the push’s exit code', () => {
    const { cwd, run } = standIns(['npx'], { npx });
    expect(run('image-push.sh', ['start'], env(cwd, { FAKE_PUSH_EXIT: '1' })).code).toBe(0);
    const wait = run('image-push.sh', ['wait'], env(cwd));
    expect(wait.code).toBe(1);
    expect(wait.stdout).toContain('::error::branch-env image push failed (exit 1)');
  });

  it('gives up after its timeout, and refuses to wait for a push never started', () => {
    const { cwd, run } = standIns(['npx'], {
      npx: 'setTimeout(() => {}, 10_000);',
    });
    expect(run('image-push.sh', ['start'], env(cwd)).code).toBe(0);
    const wait = run('image-push.sh', ['wait'], env(cwd, { IMAGE_PUSH_TIMEOUT_SECONDS: '2' }));
    expect(wait.code).toBe(1);
    expect(wait.stdout).toContain('did not finish within 2 s');
    const other = standIns(['npx']);
    const never = other.run('image-push.sh', ['wait'], env(other.cwd));
    expect(never.code).toBe(1);
    expect(never.stdout).toContain('no image push was started');
  });
});

describe('packages/action as owner/repo@tag', () => {
  it.each(['action.yml', 'report/action.yml'])(
    '%s runs a committed bundle by a path relative to the action',
    (file) => {
      const action = parse(readFileSync(join(ACTION_DIR, file), 'utf8')) as {
        runs: { using: string; main: string };
      };
      expect(action.runs.using).toBe('node24');
      expect(action.runs.main).toMatch(/^dist\/[\w.-]+\.js$/);
      const main = join(ACTION_DIR, file, '..', action.runs.main);
      const tracked = spawnSync('git', ['ls-files', '--error-unmatch', main], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(tracked.status, `${main} is committed`).toBe(0);
    },
  );
});

/** The caller workflow as docs/github.md and docs/adopting.md show it and `branch-env init` writes it. */
const yamlBlock = (file: string, heading: RegExp): string =>
  readFileSync(join(ROOT, file), 'utf8').match(
    new RegExp(`${heading.source}[\\s\\S]*?\`\`\`yaml\n([\\s\\S]*?)\`\`\``),
  )?.[1] ?? '';
const CALLERS: [string, () => string][] = [
  [
    'docs/github.md',
    () => yamlBlock('docs/github.md', /## In your repository: the reusable workflows/),
  ],
  ['docs/adopting.md', () => yamlBlock('docs/adopting.md', /## 4\. The workflow/)],
  ['branch-env init', () => callerWorkflow('branch-env.config.json')],
];

describe.each(CALLERS)('the caller workflow of %s', (_source, text) => {
  const caller = parse(text()) as {
    permissions: Record<string, string>;
    jobs: Record<
      string,
      { uses: string; permissions: Record<string, string>; with: Record<string, unknown> }
    >;
  };
  const RANK: Record<string, number> = { none: 0, read: 1, write: 2 };

  it('grants each calling job every permission a job of the called workflow asks for', () => {
    expect(caller.permissions).toEqual({});
    const jobs = Object.values(caller.jobs);
    expect(jobs.map((j) => j.uses.replace(/^.*\/([\w-]+\.yml)@.*$/, '$1')).sort()).toEqual(
      REUSABLE,
    );
    for (const job of jobs) {
      const called = workflow(job.uses.replace(/^.*\/([\w-]+\.yml)@.*$/, '$1'));
      for (const [name, calledJob] of Object.entries(called.jobs))
        for (const [scope, level] of Object.entries(calledJob.permissions ?? {}))
          expect(
            RANK[job.permissions[scope] ?? 'none'],
            `${job.uses} ${name} ${scope}`,
          ).toBeGreaterThanOrEqual(RANK[level] ?? 3);
      // ... and only those: nothing the called jobs never use
      const used = new Set(
        Object.values(called.jobs).flatMap((j) => Object.keys(j.permissions ?? {})),
      );
      expect(Object.keys(job.permissions).filter((s) => !used.has(s))).toEqual([]);
    }
  });

  it('passes only inputs the called workflows declare, the version matching the tag', () => {
    for (const job of Object.values(caller.jobs)) {
      const called = workflow(job.uses.replace(/^.*\/([\w-]+\.yml)@.*$/, '$1'));
      const declared = Object.keys(called.on.workflow_call?.inputs ?? {});
      for (const input of Object.keys(job.with)) expect(declared).toContain(input);
      expect(job.uses).toMatch(
        new RegExp(`@v${String(job.with['branch-env-version']).replace(/\./g, '\\.')}$`),
      );
    }
  });
});
