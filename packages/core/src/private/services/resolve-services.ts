import type { Config, Profile } from '../config/schema.js';
import type { Build, Expose, ServiceConfig, ServiceOverride } from '../config/services.js';

/** Where a service's or job's image comes from. */
export type ImageSource =
  /** Built from a Dockerfile; `context` is relative to the config file's folder. */
  | ({ readonly kind: 'build' } & Build)
  /** A prebuilt image the task pulls. */
  | { readonly kind: 'image'; readonly image: string };

/** The Fargate task size and scaling of one service in one environment. */
export interface ResolvedTask {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly spot: boolean;
  readonly minTasks: number;
  readonly maxTasks: number;
}

/** One service of an environment: its config with the profile's defaults and overrides applied. */
export interface ResolvedService {
  readonly name: string;
  /**
   * The config declares no `services`: this is branch-env's own sample (`apps/api` of the
   * branch-env repository, found from the installed package, not from the config file).
   */
  readonly sample: boolean;
  readonly source: ImageSource;
  /** Container port; undefined only for workers (`expose: "none"`). */
  readonly port: number | undefined;
  /** The load balancer's health check; set for routed services. */
  readonly healthCheck: { readonly path: string; readonly gracePeriodSeconds: number } | undefined;
  readonly task: ResolvedTask;
  readonly command: readonly string[] | undefined;
  readonly environment: Readonly<Record<string, string>>;
  /** Secret names, received as environment variables of the same name. */
  readonly secrets: readonly string[];
  readonly expose: Expose;
}

/** One job an environment runs on each deploy before traffic moves. */
export interface ResolvedJob {
  readonly name: string;
  /** The service whose image, environment and secrets the job shares, if any. */
  readonly service: string | undefined;
  readonly source: ImageSource;
  readonly command: readonly string[];
  readonly environment: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
  readonly task: Pick<ResolvedTask, 'cpu' | 'memoryMiB' | 'architecture'>;
  readonly timeoutMinutes: number;
  /** `before-traffic`: every deploy; `first-create`: the deploy that creates the environment. */
  readonly when: 'before-traffic' | 'first-create';
}

/** The static site of an environment. */
export interface ResolvedSite {
  /** The built site, relative to the config file's folder. */
  readonly directory: string;
  /** Command that builds it, run from the config file's folder. */
  readonly build: string | undefined;
  /** branch-env's own sample (`apps/web/dist` of the branch-env repository). */
  readonly sample: boolean;
}

/** The service a config without `services` runs: branch-env's sample API (docs/sample-service.md). */
export const SAMPLE_SERVICE = {
  name: 'api',
  config: {
    build: { context: '.', dockerfile: 'apps/api/Dockerfile' },
    port: 8080,
    healthCheck: { path: '/healthz', gracePeriodSeconds: 60 },
    environment: {},
    secrets: [],
    expose: { routes: ['/api/*'] },
  } satisfies ServiceConfig,
} as const;

/** The site a config without `services` and `site` serves: branch-env's sample front-end. */
const SAMPLE_SITE = { directory: 'apps/web/dist', build: 'npm run build -w apps/web' };

/** The services of the config by name: its own, or the sample when it declares none. */
export function servicesOf(
  config: Pick<Config, 'services'>,
): Readonly<Record<string, ServiceConfig>> {
  return config.services ?? { [SAMPLE_SERVICE.name]: SAMPLE_SERVICE.config };
}

function sourceOf(unit: { readonly build?: Build; readonly image?: string }): ImageSource {
  if (unit.image !== undefined) return { kind: 'image', image: unit.image };
  if (unit.build !== undefined) return { kind: 'build', ...unit.build };
  throw new Error('bug: a service or job without build or image passed config check');
}

function taskOf(
  service: ServiceConfig,
  override: ServiceOverride | undefined,
  profile: Profile,
): ResolvedTask {
  return {
    cpu: override?.cpu ?? service.cpu ?? profile.task.cpu,
    memoryMiB: override?.memoryMiB ?? service.memoryMiB ?? profile.task.memoryMiB,
    architecture: service.architecture ?? profile.task.architecture,
    spot: override?.spot ?? profile.task.spot,
    minTasks: override?.minTasks ?? service.minTasks ?? profile.task.minTasks,
    maxTasks: override?.maxTasks ?? service.maxTasks ?? profile.task.maxTasks,
  };
}

/** The services of an environment of profile `profile`, in config order. */
export function resolveServices(
  config: Pick<Config, 'services'>,
  profile: Profile,
): ResolvedService[] {
  const sample = config.services === undefined;
  return Object.entries(servicesOf(config)).map(([name, service]) => ({
    name,
    sample,
    source: sourceOf(service),
    port: service.port,
    healthCheck: service.healthCheck,
    task: taskOf(service, profile.services?.[name], profile),
    command: service.command,
    environment: service.environment,
    secrets: service.secrets,
    expose: service.expose,
  }));
}

/** The jobs an environment of profile `profileName` runs, in config order. */
export function resolveJobs(
  config: Pick<Config, 'services' | 'jobs'>,
  profileName: string,
  profile: Profile,
): ResolvedJob[] {
  const services = servicesOf(config);
  return Object.entries(config.jobs ?? {}).flatMap(([name, job]): ResolvedJob[] => {
    if (job.profiles !== undefined && !job.profiles.includes(profileName)) return [];
    const service = job.service === undefined ? undefined : services[job.service];
    if (job.service !== undefined && service === undefined)
      throw new Error(`bug: job '${name}' names unknown service '${job.service}'`);
    const task = service
      ? taskOf(service, profile.services?.[job.service ?? ''], profile)
      : taskOf({ environment: {}, secrets: [], expose: 'none' }, undefined, profile);
    return [
      {
        name,
        service: job.service,
        source: sourceOf(service ?? job),
        command: job.command,
        environment: { ...service?.environment, ...job.environment },
        secrets: [...new Set([...(service?.secrets ?? []), ...job.secrets])],
        task: { cpu: task.cpu, memoryMiB: task.memoryMiB, architecture: task.architecture },
        timeoutMinutes: job.timeoutMinutes,
        when: job.when,
      },
    ];
  });
}

/** The static site: the config's, the sample's when the config declares no services, else none. */
export function resolveSite(config: Pick<Config, 'services' | 'site'>): ResolvedSite | undefined {
  if (config.site !== undefined)
    return { directory: config.site.directory, build: config.site.build, sample: false };
  return config.services === undefined ? { ...SAMPLE_SITE, sample: true } : undefined;
}

/** Every secret name the environment's services and jobs read, sorted, once each. */
export function secretNamesOf(env: {
  readonly services: readonly Pick<ResolvedService, 'secrets'>[];
  readonly jobs: readonly Pick<ResolvedJob, 'secrets'>[];
}): string[] {
  return [...new Set([...env.services, ...env.jobs].flatMap((u) => u.secrets))].sort();
}
