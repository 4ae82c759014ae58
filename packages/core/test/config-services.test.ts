import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  loadConfig,
  parseConfig,
  resolveEnvironment,
  secretNamesOf,
  type CheckContext,
  type ConfigIssue,
} from '../src/index.js';
import { editedConfig, repoConfig, ROOT } from './helpers.js';

/** The repository config with an application of several services, a worker and a job. */
function withApp(edit: (c: Record<string, any>) => void = () => {}): unknown {
  return editedConfig((c) => {
    c.services = {
      api: {
        build: { context: 'services/api', dockerfile: 'Dockerfile', target: 'runtime' },
        port: 3000,
        healthCheck: { path: '/health' },
        secrets: ['STRIPE_KEY'],
        environment: { LOG_LEVEL: 'info' },
        expose: { routes: ['/api/*'] },
      },
      catalog: {
        image: 'public.ecr.aws/nginx/nginx:1.27',
        port: 80,
        expose: 'internal',
      },
      worker: {
        build: { context: 'services/worker' },
        command: ['python', '-m', 'worker'],
        secrets: ['QUEUE_TOKEN'],
        architecture: 'x86_64',
        cpu: 512,
        memoryMiB: 1024,
        expose: 'none',
      },
    };
    c.jobs = {
      migrate: { service: 'api', command: ['npm', 'run', 'migrate'], secrets: ['DB_ADMIN'] },
      seed: { image: 'public.ecr.aws/x/seed:1', command: ['seed'], profiles: ['preview'] },
    };
    c.profiles.production.services = {
      api: { minTasks: 3, maxTasks: 9, cpu: 2048, memoryMiB: 4096 },
    };
    // A MongoDB sidecar lives in one service's task: several services and jobs need a database
    // of their own (multi-service-checks.ts).
    c.profiles.preview.database = { engine: 'none' };
    edit(c);
  });
}

function issuesOf(raw: unknown, context?: CheckContext): ConfigIssue[] {
  try {
    parseConfig(raw, undefined, context);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return [...(e as ConfigError).issues];
  }
  throw new Error('expected the config to be rejected');
}

describe('services, jobs and the site in the config', () => {
  it('accepts an application of a routed service, an internal one, a worker and jobs', () => {
    expect(() => parseConfig(withApp())).not.toThrow();
  });

  it.each<[string, (c: Record<string, any>) => void, string, RegExp]>([
    [
      'a routed service without a port',
      (c) => delete c.services.api.port,
      'services.api.port',
      /service 'api' is routed but has no port; add "port": <the port its container listens on>/,
    ],
    [
      'an internal service without a port',
      (c) => delete c.services.catalog.port,
      'services.catalog.port',
      /service 'catalog' is reached by other services but has no port/,
    ],
    [
      'a routed service without a health check',
      (c) => delete c.services.api.healthCheck,
      'services.api.healthCheck',
      /routed but has no health check; add "healthCheck": \{ "path": "\/healthz" \}/,
    ],
    [
      'two services on one route',
      (c) => (c.services.catalog.expose = { routes: ['/shop', '/api/*'] }),
      'services.catalog.expose.routes[1]',
      /route '\/api\/\*' is already service 'api''s; each route goes to one service/,
    ],
    [
      'a route listed twice',
      (c) => (c.services.api.expose.routes = ['/api/*', '/api/*']),
      'services.api.expose.routes[1]',
      /route '\/api\/\*' is listed twice/,
    ],
    [
      'a service routing / next to the site',
      (c) => ((c.services.api.expose.routes = ['/']), (c.site = { directory: 'apps/web/dist' })),
      'site',
      /the site is served on \/ but service 'api' routes \//,
    ],
    [
      'a job naming an unknown service',
      (c) => (c.jobs.migrate.service = 'apii'),
      'jobs.migrate.service',
      /unknown service 'apii'; known: api, catalog, worker/,
    ],
    [
      'a job naming an unknown profile',
      (c) => (c.jobs.seed.profiles = ['previews']),
      'jobs.seed.profiles[0]',
      /unknown profile 'previews'; known: preview, full, production/,
    ],
    [
      'a job named like a service',
      (c) => (c.jobs.api = { service: 'api', command: ['x'] }),
      'jobs.api',
      /a service is named 'api' too/,
    ],
    [
      'a job with both a service and an image',
      (c) => (c.jobs.migrate.image = 'x:1'),
      'jobs.migrate',
      /job 'migrate' sets "service" and "image"; keep one/,
    ],
    [
      'a service with neither build nor image',
      (c) => delete c.services.catalog.image,
      'services.catalog',
      /service 'catalog' has no image; set "build" or "image"/,
    ],
    [
      'a service with both build and image',
      (c) => (c.services.worker.image = 'x:1'),
      'services.worker',
      /sets "build" and "image"; keep one/,
    ],
    [
      'a reserved environment variable',
      (c) => (c.services.api.environment.PORT = '1'),
      'services.api.environment.PORT',
      /PORT is set by branch-env on every service/,
    ],
    [
      'a reserved prefix as a secret',
      (c) => c.services.api.secrets.push('AWS_SECRET_ACCESS_KEY'),
      'services.api.secrets[1]',
      /names starting with AWS_ are reserved/,
    ],
    [
      'a secret that is a plain variable too',
      (c) => (c.services.api.environment.STRIPE_KEY = 'sk_test'),
      'services.api.secrets[0]',
      /'STRIPE_KEY' is both a plain environment variable and a secret/,
    ],
    [
      'a secret listed twice',
      (c) => c.services.worker.secrets.push('QUEUE_TOKEN'),
      'services.worker.secrets[1]',
      /secret 'QUEUE_TOKEN' is listed twice/,
    ],
    [
      'a profile override of an unknown service',
      (c) => (c.profiles.full.services = { apl: { minTasks: 2 } }),
      'profiles.full.services.apl',
      /no service 'apl' in "services"; known: api, catalog, worker/,
    ],
    [
      'a memory size Fargate does not offer with the CPU',
      (c) => (c.profiles.production.services.api.memoryMiB = 1024),
      'profiles.production.services.api.memoryMiB',
      /service 'api' in profile 'production': 1024 MiB is not valid with 2048 CPU units/,
    ],
    [
      'more minimum than maximum tasks',
      (c) => (c.services.worker.minTasks = 5),
      'services.worker.minTasks',
      /service 'worker' in profile 'preview': minTasks 5 is above maxTasks 1/,
    ],
    [
      'an app without a routed service',
      (c) => (c.services.api.expose = 'internal'),
      'services',
      /no service has routes: the environment URL and load balancer need one/,
    ],
    [
      'more routes on one service than its listener rule holds',
      (c) => {
        c.services.catalog.healthCheck = { path: '/health' };
        c.services.catalog.expose = { routes: ['/a/*', '/b/*', '/c/*', '/d/*', '/e/*'] };
      },
      'services.catalog.expose.routes',
      /service 'catalog' has 5 routes; its listener rule holds 4 \(5 condition values, one is the host\)/,
    ],
    [
      'more routes on the catch-all than its rule holds, next to a site (it takes the rest)',
      (c) => {
        c.site = { directory: 'apps/web/dist' };
        c.services.api.expose = { routes: ['/a/*', '/b/*', '/c/*', '/d/*', '/e/*'] };
      },
      'services.api.expose.routes',
      /service 'api' has 5 routes; its listener rule holds 4 \(5 condition values, one is the host\)/,
    ],
    [
      'routes that together hold more wildcards than a listener rule',
      (c) => {
        c.services.catalog.healthCheck = { path: '/health' };
        c.services.catalog.expose = { routes: ['/a/*/*/*', '/b/*/*/*'] };
      },
      'services.catalog.expose.routes',
      /routes have 6 wildcards; a listener rule allows 5/,
    ],
    [
      'a MongoDB sidecar profile with several services',
      (c) => (c.profiles.preview.database = { engine: 'mongodb-container' }),
      'profiles.preview.database.engine',
      /runs MongoDB as a sidecar of one service's task, but the app has 3 services/,
    ],
    [
      'a job to be run into the MongoDB sidecar profile',
      (c) => {
        c.profiles.preview.database = { engine: 'mongodb-container' };
        c.services = { api: c.services.api };
      },
      'profiles.preview.database.engine',
      /job\(s\) 'migrate', 'seed' run in profile 'preview', whose MongoDB sidecar/,
    ],
    ['a port out of range', (c) => (c.services.api.port = 70000), 'services.api.port', /65535/],
    [
      'a job longer than a deploy can wait for it (one Lambda invocation)',
      (c) => (c.jobs.migrate.timeoutMinutes = 30),
      'jobs.migrate.timeoutMinutes',
      /14/,
    ],
    [
      'a route that is not a path pattern',
      (c) => (c.services.api.expose.routes = ['api/*']),
      'services.api.expose.routes[0]',
      /a path pattern such as \/ or \/api\/\*/,
    ],
    [
      'an invalid service name',
      (c) => (c.services.Api = c.services.api),
      'services.Api',
      /a service or job name/,
    ],
    [
      'a missing expose',
      (c) => delete c.services.worker.expose,
      'services.worker.expose',
      /how the service is reached/,
    ],
    [
      'a build context outside the repository',
      (c) => (c.services.worker.build.context = '../other'),
      'services.worker.build.context',
      /a path inside the repository \(no \.\.\)/,
    ],
  ])('fails for %s', (_, edit, path, message) => {
    const issues = issuesOf(withApp(edit));
    const issue = issues.find((i) => i.path === path);
    expect(issue, JSON.stringify(issues, null, 2)).toBeDefined();
    expect(issue?.message).toMatch(message);
  });

  it('still reports the cross-checks of services when another part fails the schema', () => {
    const issues = issuesOf(
      withApp((c) => {
        c.app = 'AWS';
        c.jobs.migrate.service = 'nope';
      }),
    );
    expect(issues.map((i) => i.path)).toEqual(['app', 'jobs.migrate.service']);
  });

  it('names a Dockerfile that does not exist, relative to the config file, when it can read files', () => {
    const present = new Set(['services/api', 'services/api/Dockerfile', 'services/worker']);
    const issues = issuesOf(withApp(), { fileExists: (p) => present.has(p) });
    expect(issues).toEqual([
      {
        path: 'services.worker.build.dockerfile',
        message: expect.stringMatching(
          /^Dockerfile 'services\/worker\/Dockerfile' does not exist \("dockerfile" is relative to "context"/,
        ),
      },
    ]);
    expect(issuesOf(withApp(), { fileExists: () => false }).map((i) => i.path)).toEqual([
      'services.api.build.context',
      'services.worker.build.context',
    ]);
  });

  it('loadConfig, asked to, checks Dockerfiles on the file system, next to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'branch-env-services-'));
    const file = join(dir, 'branch-env.config.json');
    writeFileSync(file, JSON.stringify(withApp()));
    expect(loadConfig(file).config.services?.api?.port).toBe(3000);
    expect(() => loadConfig(file, undefined, { checkFiles: true })).toThrow(
      /services\.api\.build\.context \(line 1:\d+\): build context 'services\/api' does not exist/,
    );
    for (const s of ['api', 'worker']) {
      mkdirSync(join(dir, 'services', s), { recursive: true });
      writeFileSync(join(dir, 'services', s, 'Dockerfile'), 'FROM scratch\n');
    }
    expect(loadConfig(file, undefined, { checkFiles: true }).config.services?.api?.port).toBe(3000);
  });

  it('the repository config declares its own api and site, and its Dockerfile exists', () => {
    const config = loadConfig(`${ROOT}branch-env.config.json`, undefined, {
      checkFiles: true,
    }).config;
    expect(config.services?.api).toMatchObject({
      build: { context: '.', dockerfile: 'apps/api/Dockerfile' },
      port: 8080,
      healthCheck: { path: '/healthz' },
    });
    expect(config.site?.directory).toBe('apps/web/dist');
  });
});

describe('resolving the application of an environment', () => {
  const config = parseConfig(withApp());

  it('sizes each service from the profile, the service and the profile override, in that order', () => {
    const preview = resolveEnvironment('feature/x', config);
    expect(preview.services.map((s) => [s.name, s.task])).toEqual([
      [
        'api',
        { cpu: 256, memoryMiB: 1024, architecture: 'arm64', spot: true, minTasks: 1, maxTasks: 1 },
      ],
      [
        'catalog',
        { cpu: 256, memoryMiB: 1024, architecture: 'arm64', spot: true, minTasks: 1, maxTasks: 1 },
      ],
      [
        'worker',
        { cpu: 512, memoryMiB: 1024, architecture: 'x86_64', spot: true, minTasks: 1, maxTasks: 1 },
      ],
    ]);
    const production = resolveEnvironment('main', config);
    expect(production.services[0]?.task).toEqual({
      cpu: 2048,
      memoryMiB: 4096,
      architecture: 'arm64',
      spot: false,
      minTasks: 3,
      maxTasks: 9,
    });
    expect(production.services[0]).toMatchObject({
      sample: false,
      source: {
        kind: 'build',
        context: 'services/api',
        dockerfile: 'Dockerfile',
        target: 'runtime',
      },
      port: 3000,
      healthCheck: { path: '/health', gracePeriodSeconds: 60 },
      expose: { routes: ['/api/*'] },
    });
    expect(production.services[1]?.source).toEqual({
      kind: 'image',
      image: 'public.ecr.aws/nginx/nginx:1.27',
    });
  });

  it('runs jobs in the profiles they name, in the image and with the secrets of their service', () => {
    const preview = resolveEnvironment('feature/x', config);
    expect(preview.jobs.map((j) => j.name)).toEqual(['migrate', 'seed']);
    expect(preview.jobs[0]).toMatchObject({
      service: 'api',
      source: { kind: 'build', context: 'services/api' },
      command: ['npm', 'run', 'migrate'],
      environment: { LOG_LEVEL: 'info' },
      secrets: ['STRIPE_KEY', 'DB_ADMIN'],
      timeoutMinutes: 10,
    });
    expect(resolveEnvironment('sandbox', config).jobs.map((j) => j.name)).toEqual(['migrate']);
    expect(secretNamesOf(preview)).toEqual(['DB_ADMIN', 'QUEUE_TOKEN', 'STRIPE_KEY']);
  });

  it("gives a config without services branch-env's sample API and site", () => {
    const sample = parseConfig(
      editedConfig((c) => {
        delete c.services;
        delete c.site;
      }),
    );
    const env = resolveEnvironment('feature/x', sample);
    expect(env.services).toEqual([
      {
        name: 'api',
        sample: true,
        source: { kind: 'build', context: '.', dockerfile: 'apps/api/Dockerfile' },
        port: 8080,
        healthCheck: { path: '/healthz', gracePeriodSeconds: 60 },
        task: {
          cpu: 256,
          memoryMiB: 1024,
          architecture: 'arm64',
          spot: true,
          minTasks: 1,
          maxTasks: 1,
        },
        command: undefined,
        environment: {},
        secrets: [],
        expose: { routes: ['/api/*'] },
      },
    ]);
    expect(env.site).toEqual({
      directory: 'apps/web/dist',
      build: 'npm run build -w apps/web',
      sample: true,
    });
    expect(env.jobs).toEqual([]);
  });

  it('declares the same service as the sample in the repository config', () => {
    const own = resolveEnvironment('feature/x', repoConfig());
    const sample = resolveEnvironment(
      'feature/x',
      parseConfig(editedConfig((c) => (delete c.services, delete c.site))),
    );
    expect(own.services.map((s) => ({ ...s, sample: true }))).toEqual(sample.services);
    expect({ ...own.site, sample: true }).toEqual(sample.site);
  });
});
