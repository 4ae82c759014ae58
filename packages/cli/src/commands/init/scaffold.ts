import { basename } from 'node:path';
import type { ConfigInput } from '@branch-env/core';
import type { DetectedDockerfile } from './detect.js';
import { SCHEMA_URL } from './workflow.js';

/** The port a service gets when its Dockerfile `EXPOSE`s none. */
export const DEFAULT_PORT = 8080;

/** The health check path a service gets when its Dockerfile has no `HEALTHCHECK` URL. */
export const DEFAULT_HEALTH_PATH = '/healthz';

/** A placeholder account id: `init` says to replace it (plan works offline with it). */
export const PLACEHOLDER_ACCOUNT_ID = '123456789012';

export interface ScaffoldInput {
  /** The repository folder's name: the app name when `--app` is not given. */
  readonly folder: string;
  readonly app?: string | undefined;
  readonly accountId?: string | undefined;
  readonly region: string;
  readonly defaultBranch: string;
  readonly dockerfiles: readonly DetectedDockerfile[];
}

/** One service `init` writes, and where each of its values came from. */
export interface ScaffoldedService {
  readonly name: string;
  readonly context: string;
  readonly dockerfile: string;
  readonly port: number | undefined;
  readonly portFrom: 'EXPOSE' | 'default' | 'none (worker)';
  readonly healthPath: string | undefined;
  readonly healthFrom: 'HEALTHCHECK' | 'default' | 'none (worker)';
  readonly expose: { readonly routes: readonly string[] } | 'none';
}

export interface Scaffold {
  readonly config: ConfigInput;
  readonly services: readonly ScaffoldedService[];
  readonly placeholders: readonly string[];
}

/** A name the config accepts (`pattern`), made from any folder name, or `fallback`. */
function nameFrom(raw: string, maxLength: number, fallback: string): string {
  const cleaned = raw
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, maxLength)
    .replace(/-+$/, '');
  return cleaned.length >= 2 ? cleaned : fallback;
}

/** The app name: `--app`, else the repository folder's name made valid (SSM refuses /aws…, /ssm…). */
export function appName(folder: string, app?: string): string {
  if (app !== undefined) return app;
  const name = nameFrom(folder, 32, 'app');
  return /^(aws|ssm)/.test(name) ? nameFrom(`app-${name}`, 32, 'app') : name;
}

/** Service names from the Dockerfiles' folders (the root's is `web`), unique. */
function serviceNames(dockerfiles: readonly DetectedDockerfile[]): string[] {
  const used = new Set<string>();
  return dockerfiles.map((d) => {
    const base = d.context === '.' ? 'web' : nameFrom(basename(d.context), 24, 'service');
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base.slice(0, 21)}-${i}`;
    used.add(name);
    return name;
  });
}

/**
 * The config `init` writes: one development account, a cheap dedicated preview profile, the
 * default branch protected (no TTL), every other branch a preview that expires, and a service per
 * Dockerfile. The first service with a port takes `/`, the others `/<name>/*`; a Dockerfile that
 * exposes no port is a worker, unless none does (then the first is served on 8080).
 */
export function scaffoldConfig(input: ScaffoldInput): Scaffold {
  const names = serviceNames(input.dockerfiles);
  const anyPort = input.dockerfiles.some((d) => d.port !== undefined);
  let routed = 0;
  const services = input.dockerfiles.map((d, i): ScaffoldedService => {
    const name = names[i]!;
    const worker = d.port === undefined && (anyPort || i > 0);
    const base = { name, context: d.context, dockerfile: d.dockerfile };
    if (worker)
      return {
        ...base,
        port: undefined,
        portFrom: 'none (worker)',
        healthPath: undefined,
        healthFrom: 'none (worker)',
        expose: 'none',
      };
    const route = routed++ === 0 ? '/' : `/${name}/*`;
    return {
      ...base,
      port: d.port ?? DEFAULT_PORT,
      portFrom: d.port === undefined ? 'default' : 'EXPOSE',
      healthPath: d.healthPath ?? DEFAULT_HEALTH_PATH,
      healthFrom: d.healthPath === undefined ? 'default' : 'HEALTHCHECK',
      expose: { routes: [route] },
    };
  });
  const accountId = input.accountId ?? PLACEHOLDER_ACCOUNT_ID;
  const placeholders =
    input.accountId === undefined
      ? [
          `accounts.development.id is ${PLACEHOLDER_ACCOUNT_ID}, a placeholder: set your AWS account id (and the deployRoleArn's)`,
        ]
      : [];
  const config = {
    $schema: SCHEMA_URL,
    app: appName(input.folder, input.app),
    accounts: {
      development: {
        id: accountId,
        region: input.region,
        deployRoleArn: `arn:aws:iam::${accountId}:role/branch-env-deploy`,
        production: false,
      },
    },
    profiles: {
      preview: {
        description:
          'A preview per branch: its own VPC without NAT, one Spot task per service, no database, served on the load balancer URL.',
        isolation: 'dedicated',
        database: { engine: 'none' },
        natGateways: 0,
        cloudfront: false,
        customDomain: false,
        task: {
          cpu: 256,
          memoryMiB: 512,
          architecture: 'arm64',
          spot: true,
          minTasks: 1,
          maxTasks: 1,
        },
        logRetentionDays: 3,
      },
    },
    defaults: { profile: 'preview', ttlHours: 72 },
    rules: [
      {
        branch: input.defaultBranch,
        account: 'development',
        profile: 'preview',
        protected: true,
        description: 'The default branch: protected, never expires.',
      },
      {
        branch: '**',
        account: 'development',
        profile: 'preview',
        ttlHours: 72,
        description: 'Every other branch: a preview that expires 72 hours after its last deploy.',
      },
    ],
    services: Object.fromEntries(
      services.map((s) => [
        s.name,
        {
          build: { context: s.context, dockerfile: s.dockerfile },
          ...(s.port === undefined ? {} : { port: s.port }),
          ...(s.healthPath === undefined ? {} : { healthCheck: { path: s.healthPath } }),
          expose: s.expose === 'none' ? ('none' as const) : { routes: [...s.expose.routes] },
        },
      ]),
    ),
  } satisfies ConfigInput;
  return { config, services, placeholders };
}
