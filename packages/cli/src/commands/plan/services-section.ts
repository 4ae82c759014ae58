import type { CfnTemplate, CostLine, ResolvedEnvironment } from '@branch-env/core';

/** One service of the environment in `plan --json`: how it is built, reached, sized and priced. */
export interface PlanService {
  readonly name: string;
  /** `build <context>/<dockerfile>` or `image <reference>`. */
  readonly image: string;
  /** `routes` on the environment host, `internal` (other services only) or `none` (a worker). */
  readonly reached: 'routes' | 'internal' | 'none';
  readonly routes: readonly string[];
  readonly port: number | null;
  readonly healthCheckPath: string | null;
  readonly task: ResolvedEnvironment['services'][number]['task'];
  /**
   * Idle cost per hour of its tasks (Fargate vCPU, memory, their public addresses), from the
   * plan's cost lines of its ECS service; null when no ECS service of the template is its.
   */
  readonly perHour: number | null;
}

type Stack = { readonly template: CfnTemplate };
type Line = Pick<CostLine, 'logicalIds' | 'perHour'>;

/** Container names of an ECS service's task definition (`TaskDefinition: { Ref }`). */
function containerNames(template: CfnTemplate, serviceId: string): string[] {
  const ref = (template.Resources?.[serviceId]?.Properties?.TaskDefinition as { Ref?: string })
    ?.Ref;
  const task = ref === undefined ? undefined : template.Resources?.[ref];
  const defs = task?.Properties?.ContainerDefinitions;
  return Array.isArray(defs) ? defs.map((d: { Name?: unknown }) => String(d.Name)) : [];
}

/**
 * The ECS service (logical id) of each config service: the one whose task runs a container of
 * the service's name, else, when the environment has one service and one ECS service, that one.
 */
function ecsServiceIds(
  env: Pick<ResolvedEnvironment, 'services'>,
  stacks: readonly Stack[],
): Map<string, string> {
  const ecs = stacks.flatMap((s) =>
    Object.entries(s.template.Resources ?? {})
      .filter(([, r]) => r.Type === 'AWS::ECS::Service')
      .map(([id]) => ({ id, containers: containerNames(s.template, id) })),
  );
  const out = new Map<string, string>();
  for (const service of env.services) {
    const match = ecs.find((e) => e.containers.includes(service.name));
    if (match) out.set(service.name, match.id);
  }
  const [only] = ecs;
  if (out.size === 0 && env.services.length === 1 && ecs.length === 1 && only)
    out.set(env.services[0]!.name, only.id);
  return out;
}

/** Each service of the environment, in config order, with the cost of its ECS service's lines. */
export function planServices(
  env: Pick<ResolvedEnvironment, 'services'>,
  stacks: readonly Stack[],
  lines: readonly Line[],
): PlanService[] {
  const ids = ecsServiceIds(env, stacks);
  return env.services.map((s) => {
    const id = ids.get(s.name);
    const perHour =
      id === undefined
        ? null
        : Math.round(
            lines.filter((l) => l.logicalIds.includes(id)).reduce((a, l) => a + l.perHour, 0) *
              10_000,
          ) / 10_000;
    const expose = s.expose;
    return {
      name: s.name,
      image:
        s.source.kind === 'image'
          ? `image ${s.source.image}`
          : `build ${s.source.context === '.' ? '' : `${s.source.context}/`}${s.source.dockerfile}`,
      reached: typeof expose === 'string' ? expose : 'routes',
      routes: typeof expose === 'string' ? [] : [...expose.routes],
      port: s.port ?? null,
      healthCheckPath: s.healthCheck?.path ?? null,
      task: s.task,
      perHour,
    };
  });
}

/** The services block of the text output. */
export function servicesText(services: readonly PlanService[]): string[] {
  if (services.length === 0) return [];
  const width = Math.max(...services.map((s) => s.name.length));
  return [
    'services:',
    ...services.map((s) => {
      const reached =
        s.reached === 'routes'
          ? `routes ${s.routes.join(' ')}`
          : s.reached === 'internal'
            ? 'internal'
            : 'worker';
      const t = s.task;
      return `  ${s.name.padEnd(width)}  ${reached}${s.port === null ? '' : `, port ${s.port}`}${s.healthCheckPath === null ? '' : `, health ${s.healthCheckPath}`}; ${s.image}; ${t.cpu} CPU / ${t.memoryMiB} MiB ${t.architecture}${t.spot ? ' Spot' : ''} x${t.minTasks}-${t.maxTasks}; ${s.perHour === null ? 'cost in the lines below' : `$${s.perHour.toFixed(4)}/h`}`;
    }),
    '',
  ];
}
