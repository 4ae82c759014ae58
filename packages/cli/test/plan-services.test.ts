import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Plan } from '../src/commands/plan/plan.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');

/**
 * `plan` of an app that is not the sample, in a folder of its own: a Python API on 5000 with its
 * own health path, a front-end on /, an internal search service, a worker, a migration job and a
 * seed on the first create. Run as a real process, offline.
 */
function appFolder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'be-plan-services-'));
  const config = JSON.parse(readFileSync(join(ROOT, 'branch-env.config.json'), 'utf8')) as Record<
    string,
    any
  >;
  delete config.$schema;
  delete config.site;
  for (const profile of Object.values(config.profiles) as { database?: { engine: string } }[])
    if (profile.database?.engine === 'mongodb-container') profile.database = { engine: 'none' };
  config.services = {
    web: {
      build: { context: 'web' },
      port: 3000,
      healthCheck: { path: '/health' },
      expose: { routes: ['/'] },
    },
    api: {
      build: { context: 'api' },
      port: 5000,
      healthCheck: { path: '/api/healthz' },
      cpu: 512,
      memoryMiB: 1024,
      expose: { routes: ['/api/*'] },
    },
    search: { image: 'public.ecr.aws/docker/library/nginx:1.27', port: 9200, expose: 'internal' },
    worker: { build: { context: 'api' }, command: ['python', '-m', 'worker'], expose: 'none' },
  };
  config.jobs = {
    migrate: { service: 'api', command: ['python', '-m', 'migrate'] },
    seed: { service: 'api', command: ['python', '-m', 'seed'], when: 'first-create' },
  };
  for (const sub of ['web', 'api']) {
    mkdirSync(join(dir, sub));
    writeFileSync(
      join(dir, sub, 'Dockerfile'),
      'FROM public.ecr.aws/docker/library/python:3.13-slim\n',
    );
  }
  writeFileSync(join(dir, 'branch-env.config.json'), JSON.stringify(config, null, 2));
  return dir;
}

describe('branch-env plan of an app of several services and jobs', () => {
  let result: { code: number; stdout: string; stderr: string };
  let text: { code: number; stdout: string; stderr: string };
  beforeAll(async () => {
    const dir = appFolder();
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
    const empty = join(dir, 'no-aws');
    Object.assign(env, {
      BRANCH_ENV_CONFIG: '',
      AWS_CONFIG_FILE: empty,
      AWS_SHARED_CREDENTIALS_FILE: empty,
      AWS_EC2_METADATA_DISABLED: 'true',
    });
    const run = async (args: string[]) => {
      try {
        const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
          cwd: dir,
          env,
          maxBuffer: 32 * 1024 * 1024,
        });
        return { code: 0, stdout, stderr };
      } catch (e) {
        const err = e as { code?: number; stdout: string; stderr: string };
        return { code: err.code ?? -1, stdout: err.stdout, stderr: err.stderr };
      }
    };
    result = await run(['plan', 'feature/two-services', '--json']);
    text = await run(['plan', 'sandbox']);
  }, 240_000);

  it('shows each service, its route (or internal / worker) and its cost', () => {
    expect(result.code, result.stderr).toBe(0);
    const plan = JSON.parse(result.stdout) as Plan;
    expect(
      plan.services.map((s) => ({ name: s.name, reach: s.reach, routes: s.routes, port: s.port })),
    ).toEqual([
      { name: 'web', reach: 'routed', routes: ['/'], port: 3000 },
      { name: 'api', reach: 'routed', routes: ['/api/*'], port: 5000 },
      { name: 'search', reach: 'internal', routes: [], port: 9200 },
      { name: 'worker', reach: 'worker', routes: [], port: null },
    ]);
    for (const s of plan.services) expect(s.perHour, s.name).toBeGreaterThan(0);
    // The API is twice the size of the web service (512 / 1024 against the profile's 256 / 512);
    // both pay one public IPv4 address per task.
    const cost = Object.fromEntries(plan.services.map((s) => [s.name, s.perHour ?? 0]));
    expect(cost.api).toBeGreaterThan(cost.web!);
    // The services' own costs are part of the environment's.
    expect(plan.services.reduce((a, s) => a + (s.perHour ?? 0), 0)).toBeLessThanOrEqual(
      plan.cost.perHour,
    );
    expect(plan.jobs).toEqual([
      { name: 'migrate', service: 'api', when: 'before-traffic', timeoutMinutes: 10 },
      { name: 'seed', service: 'api', when: 'first-create', timeoutMinutes: 10 },
    ]);
  });

  it('a sleeping shared profile prices every service asleep at $0 and wakes on the slowest health check', () => {
    const plan = JSON.parse(result.stdout) as Plan;
    expect(plan.capacity.sleepAfterIdleMinutes).toBe(30);
    const asleep = plan.cost.asleep?.lines.find((l) => l.item === 'ECS service asleep (0 tasks)');
    expect(asleep).toMatchObject({ quantity: 4, perHour: 0 });
    expect(plan.cost.asleep!.perHour).toBeLessThan(
      plan.cost.perHour - plan.services.reduce((a, s) => a + (s.perHour ?? 0), 0) + 1e-4,
    );
    expect(plan.wake?.steps.map((s) => s.label)).toContain(
      'target group health check until the load balancer forwards',
    );
  });

  it('a dedicated profile (sandbox) never sleeps: no wake, no awake-at-once, no asleep cost', () => {
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/\ncapacity: {4}\d+ full environment\(s\) fit/);
    expect(text.stdout).not.toMatch(/\n(wake|awake): /);
    expect(text.stdout).not.toContain('asleep');
    expect(text.stdout).not.toContain('(awake at once, not fit)');
  });

  it('the text plan lists the services with their routes and the jobs', () => {
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/services:\n {2}web +routes \/ /);
    expect(text.stdout).toMatch(/\n {2}api +routes \/api\/\* +512 CPU \/ 1024 MiB/);
    expect(text.stdout).toMatch(/\n {2}search +internal :9200 /);
    expect(text.stdout).toMatch(/\n {2}worker +worker /);
    expect(text.stdout).toMatch(
      /jobs \(run in the stack update, before the services\):\n {2}migrate +on every deploy/,
    );
  });
});
