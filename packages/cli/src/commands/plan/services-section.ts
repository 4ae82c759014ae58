import {
  estimateCost,
  PRICES_2026_11,
  reachOf,
  routesOf,
  type CfnResource,
  type CfnTemplate,
  type PriceTable,
  type ResolvedEnvironment,
} from '@branch-env/core';

/**
 * `plan`'s services section (docs/services.md): each service of the environment, how it is
 * reached (its routes, internal or worker), its task size and counts, and what it costs idle; and
 * the jobs deploy runs. Pure, over the resolved environment and the synthesized templates.
 */

export interface PlanService {
  readonly name: string;
  readonly reach: 'routed' | 'internal' | 'worker';
  /** Path patterns on the environment's host ([] unless routed). */
  readonly routes: readonly string[];
  /** `routes /, /api/*`, `internal :9200` or `worker`. */
  readonly summary: string;
  readonly port: number | null;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly architecture: 'arm64' | 'x86_64';
  readonly spot: boolean;
  readonly tasks: { readonly min: number; readonly max: number };
  /** Idle cost of its tasks (Fargate, public IPv4), or null when the template has no such service. */
  readonly perHour: number | null;
  readonly perMonth: number | null;
}

export interface PlanJob {
  readonly name: string;
  readonly service: string | null;
  readonly when: 'before-traffic' | 'first-create';
  readonly timeoutMinutes: number;
}

type Resources = Readonly<Record<string, CfnResource>>;

const ref = (value: unknown): string | undefined =>
  typeof value === 'object' && value !== null && 'Ref' in value
    ? String((value as { Ref: unknown }).Ref)
    : undefined;

/** Logical id of the ECS service whose task definition runs a container named `name`. */
function ecsServiceOf(resources: Resources, name: string): string | undefined {
  for (const [id, r] of Object.entries(resources)) {
    if (r.Type !== 'AWS::ECS::Service') continue;
    const task = resources[ref(r.Properties?.TaskDefinition) ?? ''];
    const containers = (task?.Properties?.ContainerDefinitions ?? []) as { Name?: unknown }[];
    if (containers[0]?.Name === name) return id;
  }
  return undefined;
}

/** The service's idle cost alone: its ECS service, task definition and what sizes it. */
function costOf(
  template: CfnTemplate,
  serviceId: string,
  prices: PriceTable,
): { perHour: number; perMonth: number } {
  const resources = (template.Resources ?? {}) as Resources;
  const service = resources[serviceId]!;
  const taskId = ref(service.Properties?.TaskDefinition);
  const sizing = Object.entries(resources).filter(
    ([, r]) =>
      r.Type === 'AWS::ApplicationAutoScaling::ScalableTarget' ||
      r.Type === 'AWS::ECS::ClusterCapacityProviderAssociations',
  );
  const alone: CfnTemplate = {
    Resources: {
      ...Object.fromEntries(sizing),
      [serviceId]: service,
      ...(taskId && resources[taskId] ? { [taskId]: resources[taskId] } : {}),
    },
  };
  const { perHour, perMonth } = estimateCost(alone, { prices });
  return { perHour, perMonth };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function planServices(
  env: Pick<ResolvedEnvironment, 'services' | 'stacks'>,
  stacks: readonly { readonly name: string; readonly template: CfnTemplate }[],
  prices: PriceTable = PRICES_2026_11,
): PlanService[] {
  const main = stacks.find((s) => s.name === env.stacks.main)?.template ?? { Resources: {} };
  const resources = (main.Resources ?? {}) as Resources;
  return env.services.map((s) => {
    const id = ecsServiceOf(resources, s.name);
    const cost = id === undefined ? undefined : costOf(main, id, prices);
    return {
      name: s.name,
      reach: s.expose === 'none' ? 'worker' : s.expose === 'internal' ? 'internal' : 'routed',
      routes: [...routesOf(s)],
      summary: reachOf(s),
      port: s.port ?? null,
      cpu: s.task.cpu,
      memoryMiB: s.task.memoryMiB,
      architecture: s.task.architecture,
      spot: s.task.spot,
      tasks: { min: s.task.minTasks, max: s.task.maxTasks },
      perHour: cost === undefined ? null : round(cost.perHour, 4),
      perMonth: cost === undefined ? null : round(cost.perMonth, 2),
    };
  });
}

export function planJobs(env: Pick<ResolvedEnvironment, 'jobs'>): PlanJob[] {
  return env.jobs.map((j) => ({
    name: j.name,
    service: j.service ?? null,
    when: j.when,
    timeoutMinutes: j.timeoutMinutes,
  }));
}

/** The terminal lines of the section. */
export function servicesText(services: readonly PlanService[], jobs: readonly PlanJob[]): string[] {
  const width = Math.max(...services.map((s) => s.name.length), 4);
  return [
    'services:',
    ...services.map(
      (s) =>
        `  ${s.name.padEnd(width)}  ${s.summary.padEnd(24)} ${s.cpu} CPU / ${s.memoryMiB} MiB ${s.architecture}${s.spot ? ' Spot' : ''}, ${s.tasks.min === s.tasks.max ? s.tasks.min : `${s.tasks.min}-${s.tasks.max}`} task(s)  ${s.perHour === null ? 'unpriced' : `$${s.perHour.toFixed(4)}/h`}`,
    ),
    ...(jobs.length === 0
      ? []
      : [
          'jobs (run in the stack update, before the services):',
          ...jobs.map(
            (j) =>
              `  ${j.name.padEnd(width)}  ${j.when === 'first-create' ? 'on the first create' : 'on every deploy'}${j.service ? `, in service ${j.service}'s image` : ''}, timeout ${j.timeoutMinutes} min`,
          ),
        ]),
  ];
}

/** The Markdown tables of the section (PR comment / job summary), with the plan's escapers. */
export function servicesMarkdown(
  services: readonly PlanService[],
  jobs: readonly PlanJob[],
  md: { readonly code: (s: string) => string; readonly text: (s: string) => string },
): string[] {
  return [
    '| Service | Reached | Task | Idle cost |',
    '|---|---|---|---:|',
    ...services.map(
      (s) =>
        `| ${md.code(s.name)} | ${md.text(s.summary)} | ${s.cpu} CPU / ${s.memoryMiB} MiB ${s.architecture}, ${s.tasks.min}–${s.tasks.max} task(s) | ${s.perHour === null ? 'unpriced' : `$${s.perHour.toFixed(4)}/h`} |`,
    ),
    ...(jobs.length === 0
      ? []
      : [
          '',
          '| Job | Runs | Image |',
          '|---|---|---|',
          ...jobs.map(
            (j) =>
              `| ${md.code(j.name)} | ${j.when === 'first-create' ? 'on the first create' : 'on every deploy'} | ${j.service ? `service ${md.code(j.service)}` : 'its own'} |`,
          ),
        ]),
  ];
}
