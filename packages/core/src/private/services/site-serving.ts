import type { ResolvedEnvironment } from '../routing/resolve.js';
import { catchAllService, routesOf } from './routing.js';

/**
 * Who serves an environment's static site (`site` of the config) on its URL (docs/services.md,
 * "The site"):
 * - `cloudfront`: the environment's distribution (dedicated profiles with `cloudfront: true`);
 * - `own-load-balancer`: the site server (a Lambda target) behind the environment's own load
 *   balancer, taking what no service route takes (dedicated profiles without CloudFront);
 * - `platform`: the account platform's site server, the default action of the shared load
 *   balancer's HTTPS listener (shared profiles with public access);
 * - `none`: no site, or a shared profile with access control (`cidr`, `oidc`), whose requests
 *   that no rule of its own takes fall through to the platform's default action, which checks no
 *   access: its site is not served (route a service on `/` instead).
 */
export type SiteServing = 'cloudfront' | 'own-load-balancer' | 'platform' | 'none';

export function siteServing(env: Pick<ResolvedEnvironment, 'site' | 'profile'>): SiteServing {
  if (env.site === undefined) return 'none';
  if (env.profile.isolation === 'shared')
    return (env.profile.access?.mode ?? 'public') === 'public' ? 'platform' : 'none';
  return env.profile.cloudfront ? 'cloudfront' : 'own-load-balancer';
}

/**
 * Path patterns of the catch-all service's listener rule: none (the host alone, it takes every
 * request) unless a load balancer serves the site, which then takes what no route takes, so the
 * catch-all keeps only its own routes. `config check` refuses a site next to a service on `/`.
 */
export function catchAllRulePaths(
  env: Pick<ResolvedEnvironment, 'site' | 'profile' | 'services'>,
): string[] {
  const serving = siteServing(env);
  if (serving !== 'own-load-balancer' && serving !== 'platform') return [];
  const catchAll = catchAllService(env.services);
  const routes = catchAll === undefined ? [] : routesOf(catchAll);
  return routes.includes('/') ? [] : [...routes];
}
