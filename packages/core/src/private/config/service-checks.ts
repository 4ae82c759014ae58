import { posix } from 'node:path';
import { jsonPath, type ConfigIssue } from '../errors.js';
import { SAMPLE_SERVICE } from '../services/resolve-services.js';
import type { ServiceConfig } from './services.js';
import { fargateMemoryProblem, type ConfigCheck } from './validate.js';
import { entryOf, known, type ConfigView, type Salvaged } from './view.js';

/**
 * Checks of the application part of the config (`services`, `jobs`, `site`, the per-profile
 * service overrides): what the schema alone cannot say. Listed in `CONFIG_CHECKS`.
 */

/**
 * Environment variables branch-env sets on every service (or ECS and the AWS SDK read): a service
 * may not set them itself, as a plain variable or as a secret.
 */
const RESERVED_ENVIRONMENT = {
  names: [
    'PORT',
    'DATA_BUCKET',
    'DATABASE_ENGINE',
    'DATABASE_ENDPOINT',
    'DATABASE_NAME',
    'DATABASE_USERNAME',
    'DATABASE_PASSWORD',
  ],
  prefixes: ['BRANCH_ENV_', 'AWS_', 'ECS_'],
} as const;

/** Why `name` may not be set by the config, or undefined when it may. */
function reservedEnvironmentProblem(name: string): string | undefined {
  const upper = name.toUpperCase();
  if ((RESERVED_ENVIRONMENT.names as readonly string[]).includes(upper))
    return `${name} is set by branch-env on every service; use another name`;
  const prefix = RESERVED_ENVIRONMENT.prefixes.find((p) => upper.startsWith(p));
  return prefix === undefined
    ? undefined
    : `names starting with ${prefix} are reserved for branch-env, ECS and the AWS SDK; use another name`;
}

type Services = Readonly<Record<string, Salvaged<ServiceConfig>>>;

/** The services the config runs: its own, or the sample when it declares none. */
function servicesOf(config: ConfigView): Services | undefined {
  if (!known(config, 'services')) return undefined;
  return config.services ?? { [SAMPLE_SERVICE.name]: SAMPLE_SERVICE.config };
}

const path = (...segments: PropertyKey[]): string => jsonPath(segments);

function knownList(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.join(', ');
}

/** Each service (and job) has exactly one of `build` and `image`. */
function oneSource(
  kind: 'services' | 'jobs',
  name: string,
  unit: { build?: unknown; image?: unknown; service?: unknown },
  fields: readonly ('build' | 'image' | 'service')[],
): ConfigIssue[] {
  const set = fields.filter((f) => unit[f] !== undefined);
  if (set.length === 1) return [];
  const unset = fields.filter((f) => !known(unit as Salvaged<object>, f));
  if (unset.length > 0) return []; // one of them failed the schema: reported there
  const choices = fields.map((f) => `"${f}"`).join(' or ');
  return [
    {
      path: path(kind, name),
      message:
        set.length === 0
          ? `${kind === 'jobs' ? 'job' : 'service'} '${name}' has no image; set ${choices}${fields.includes('build') ? ' (e.g. "build": { "context": ".", "dockerfile": "Dockerfile" })' : ''}`
          : `${kind === 'jobs' ? 'job' : 'service'} '${name}' sets ${set.map((f) => `"${f}"`).join(' and ')}; keep one`,
    },
  ];
}

/** Environment variables and secrets: reserved names, and a name that is both. */
function environmentIssues(
  kind: 'services' | 'jobs',
  name: string,
  unit: { environment?: Readonly<Record<string, string>>; secrets?: readonly string[] },
): ConfigIssue[] {
  const out: ConfigIssue[] = [];
  for (const key of Object.keys(unit.environment ?? {})) {
    const problem = reservedEnvironmentProblem(key);
    if (problem) out.push({ path: path(kind, name, 'environment', key), message: problem });
  }
  const seen = new Set<string>();
  (unit.secrets ?? []).forEach((secret, i) => {
    const at = path(kind, name, 'secrets', i);
    const problem = reservedEnvironmentProblem(secret);
    if (problem) out.push({ path: at, message: problem });
    if (seen.has(secret))
      out.push({ path: at, message: `secret '${secret}' is listed twice; remove one` });
    seen.add(secret);
    if (unit.environment !== undefined && Object.hasOwn(unit.environment, secret))
      out.push({
        path: at,
        message: `'${secret}' is both a plain environment variable and a secret; keep it only in "secrets"`,
      });
  });
  return out;
}

export const SERVICE_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'services and jobs have one image source',
    check: (config) => [
      ...Object.entries(config.services ?? {}).flatMap(([name, s]) =>
        oneSource('services', name, s, ['build', 'image']),
      ),
      ...Object.entries(config.jobs ?? {}).flatMap(([name, j]) =>
        oneSource('jobs', name, j, ['service', 'build', 'image']),
      ),
    ],
  },
  {
    name: 'reached services have a port, routed ones a health check',
    check: (config) =>
      Object.entries(config.services ?? {}).flatMap(([name, s]): ConfigIssue[] => {
        const { expose } = s;
        if (expose === undefined || expose === 'none') return [];
        const out: ConfigIssue[] = [];
        const how = expose === 'internal' ? 'reached by other services' : 'routed';
        if (s.port === undefined && known(s, 'port'))
          out.push({
            path: path('services', name, 'port'),
            message: `service '${name}' is ${how} but has no port; add "port": <the port its container listens on>, or set "expose": "none" for a worker`,
          });
        if (expose !== 'internal' && s.healthCheck === undefined && known(s, 'healthCheck'))
          out.push({
            path: path('services', name, 'healthCheck'),
            message: `service '${name}' is routed but has no health check; add "healthCheck": { "path": "/healthz" } with a path that answers 200 while the process is up`,
          });
        return out;
      }),
  },
  {
    name: 'each route goes to one service',
    check: (config) => {
      const owner = new Map<string, string>();
      const out: ConfigIssue[] = [];
      for (const [name, s] of Object.entries(config.services ?? {})) {
        if (typeof s.expose !== 'object') continue;
        s.expose.routes.forEach((route, i) => {
          const first = owner.get(route);
          if (first !== undefined)
            out.push({
              path: path('services', name, 'expose', 'routes', i),
              message:
                first === name
                  ? `route '${route}' is listed twice; remove one`
                  : `route '${route}' is already service '${first}''s; each route goes to one service, so give one of them another path`,
            });
          else owner.set(route, name);
        });
      }
      const root = owner.get('/');
      if (root !== undefined && config.site !== undefined)
        out.push({
          path: 'site',
          message: `the site is served on / but service '${root}' routes /; route the service on a path such as /api/* or remove "site"`,
        });
      return out;
    },
  },
  {
    name: 'jobs name known services and profiles; names are unique',
    check: (config) => {
      const services = servicesOf(config);
      const out: ConfigIssue[] = [];
      for (const [name, job] of Object.entries(config.jobs ?? {})) {
        if (services !== undefined && job.service !== undefined && !entryOf(services, job.service))
          out.push({
            path: path('jobs', name, 'service'),
            message: `unknown service '${job.service}'; known: ${knownList(Object.keys(services))}`,
          });
        if (known(config, 'profiles'))
          (job.profiles ?? []).forEach((p, i) => {
            if (entryOf(config.profiles, p) === undefined)
              out.push({
                path: path('jobs', name, 'profiles', i),
                message: `unknown profile '${p}'; known: ${knownList(Object.keys(config.profiles))}`,
              });
          });
        if (services !== undefined && entryOf(services, name) !== undefined)
          out.push({
            path: path('jobs', name),
            message: `a service is named '${name}' too; give the job its own name (its task and logs are named after it)`,
          });
      }
      return out;
    },
  },
  {
    name: 'environment variables and secrets are the application’s own',
    check: (config) => [
      ...Object.entries(config.services ?? {}).flatMap(([n, s]) =>
        environmentIssues('services', n, s),
      ),
      ...Object.entries(config.jobs ?? {}).flatMap(([n, j]) => environmentIssues('jobs', n, j)),
    ],
  },
  {
    name: 'profile overrides name known services; every service fits Fargate in every profile',
    check: (config) => {
      const services = servicesOf(config);
      if (services === undefined) return [];
      const out: ConfigIssue[] = [];
      for (const [key, profile] of Object.entries(config.profiles)) {
        for (const name of Object.keys(profile.services ?? {})) {
          if (entryOf(services, name) === undefined)
            out.push({
              path: path('profiles', key, 'services', name),
              message: `no service '${name}' in "services"; known: ${knownList(Object.keys(services))}`,
            });
        }
        const task = profile.task;
        if (task === undefined) continue;
        for (const [name, s] of Object.entries(services)) {
          const o = entryOf(profile.services ?? {}, name);
          const at = (field: 'memoryMiB' | 'minTasks'): string =>
            o?.[field] !== undefined
              ? path('profiles', key, 'services', name, field)
              : s[field] !== undefined
                ? path('services', name, field)
                : path('profiles', key, 'task', field);
          const cpu = o?.cpu ?? s.cpu ?? task.cpu;
          const memory = o?.memoryMiB ?? s.memoryMiB ?? task.memoryMiB;
          const min = o?.minTasks ?? s.minTasks ?? task.minTasks;
          const max = o?.maxTasks ?? s.maxTasks ?? task.maxTasks;
          // The profile's own task block is checked by 'profiles are consistent'.
          const own = o === undefined && s.cpu === undefined && s.memoryMiB === undefined;
          const problem = own ? undefined : fargateMemoryProblem(cpu, memory);
          if (problem)
            out.push({
              path: at('memoryMiB'),
              message: `service '${name}' in profile '${key}': ${problem}`,
            });
          const ownCounts =
            o?.minTasks === undefined &&
            o?.maxTasks === undefined &&
            s.minTasks === undefined &&
            s.maxTasks === undefined;
          if (!ownCounts && min > max)
            out.push({
              path: at('minTasks'),
              message: `service '${name}' in profile '${key}': minTasks ${min} is above maxTasks ${max}`,
            });
        }
      }
      return out;
    },
  },
  {
    name: 'Dockerfiles exist',
    check: (config, context) => {
      const exists = context?.fileExists;
      if (exists === undefined) return [];
      const out: ConfigIssue[] = [];
      const units = [
        ...Object.entries(config.services ?? {}).map(([n, u]) => ['services', n, u] as const),
        ...Object.entries(config.jobs ?? {}).map(([n, u]) => ['jobs', n, u] as const),
      ];
      for (const [kind, name, unit] of units) {
        const build = unit.build;
        if (build === undefined) continue;
        if (!exists(build.context)) {
          out.push({
            path: path(kind, name, 'build', 'context'),
            message: `build context '${build.context}' does not exist (paths are relative to the config file's folder); fix the path`,
          });
          continue;
        }
        const file = posix.join(build.context, build.dockerfile);
        if (!exists(file))
          out.push({
            path: path(kind, name, 'build', 'dockerfile'),
            message: `Dockerfile '${file}' does not exist ("dockerfile" is relative to "context", which is relative to the config file's folder); fix the path or add the Dockerfile`,
          });
      }
      return out;
    },
  },
];
