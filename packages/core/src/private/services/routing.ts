import type { ResolvedService } from './resolve-services.js';

/**
 * How an environment's services are reached through its load balancer (docs/services.md#routing):
 * one listener rule per routed service, evaluated in {@link listenerOrder}. The catch-all service
 * (the one routing `/`, else the first routed service in config order) takes every request on the
 * environment's host that no other service's routes take; every other routed service matches its
 * path patterns. Pure: the dedicated and the shared environment stack, `plan` and the listener-rule
 * allocator all read it.
 */

type Routable = Pick<ResolvedService, 'name' | 'expose'>;

/** A service's routes, or [] when it is internal or a worker. */
export function routesOf(service: Pick<ResolvedService, 'expose'>): readonly string[] {
  return typeof service.expose === 'object' ? service.expose.routes : [];
}

/** The service that takes what no other route takes: the one routing `/`, else the first routed. */
export function catchAllService<T extends Routable>(services: readonly T[]): T | undefined {
  const routed = services.filter((s) => routesOf(s).length > 0);
  return routed.find((s) => routesOf(s).includes('/')) ?? routed[0];
}

/** Characters of a path pattern before its first wildcard: the longer, the more specific. */
function literalPrefix(pattern: string): number {
  const wildcard = pattern.search(/[*?]/);
  return wildcard === -1 ? pattern.length + 1 : wildcard;
}

/**
 * The routed services in the order their listener rules are evaluated (lowest priority first):
 * the most specific routes first (longest literal prefix; config order on a tie), the catch-all
 * last. `/api/admin/*` of one service is so matched before `/api/*` of another.
 */
export function listenerOrder<T extends Routable>(services: readonly T[]): T[] {
  const catchAll = catchAllService(services);
  const specificity = (s: T): number => Math.max(...routesOf(s).map(literalPrefix));
  const others = services
    .filter((s) => s !== catchAll && routesOf(s).length > 0)
    .map((s, i) => ({ s, i, k: specificity(s) }))
    .sort((a, b) => b.k - a.k || a.i - b.i)
    .map((x) => x.s);
  return catchAll === undefined ? others : [...others, catchAll];
}

/**
 * The path patterns a service's listener rule matches: none for the catch-all (the host alone),
 * else its routes.
 */
export function rulePaths<T extends Routable>(services: readonly T[], service: T): string[] {
  return service === catchAllService(services) ? [] : [...routesOf(service)];
}

/** Listener-rule priorities an environment's services need: one per routed service. */
export function routedServiceCount(services: readonly Routable[]): number {
  return services.filter((s) => routesOf(s).length > 0).length;
}

/** How a service is reached, in words: `routes /, /api/*`, `internal :8080`, `worker`. */
export function reachOf(service: Pick<ResolvedService, 'expose' | 'port'>): string {
  if (service.expose === 'none') return 'worker';
  if (service.expose === 'internal') return `internal :${service.port ?? '?'}`;
  return `routes ${service.expose.routes.join(', ')}`;
}
