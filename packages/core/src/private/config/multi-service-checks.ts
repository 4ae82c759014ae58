import { jsonPath, type ConfigIssue } from '../errors.js';
import { catchAllService, routesOf } from '../services/routing.js';
import type { Expose } from './services.js';
import type { ConfigCheck } from './validate.js';
import { known, type ConfigView } from './view.js';

/**
 * What an environment of several services needs that the schema alone cannot say, so that every
 * config `config check` accepts synthesizes (docs/services.md#routing). Listed in `CONFIG_CHECKS`.
 */

/** Condition values of one Application Load Balancer listener rule (AWS quota, not adjustable). */
const LISTENER_RULE_CONDITION_VALUES = 5;
/** Wildcards (`*`, `?`) of one listener rule (AWS quota, not adjustable). */
const LISTENER_RULE_WILDCARDS = 5;

const path = (...segments: PropertyKey[]): string => jsonPath(segments);

/** The config's own services with a parsed `expose`, in config order. */
function exposed(config: ConfigView): { name: string; expose: Expose }[] {
  return Object.entries(config.services ?? {}).flatMap(([name, s]) =>
    s.expose === undefined ? [] : [{ name, expose: s.expose }],
  );
}

/** The most source CIDRs any profile's access admits (each is a condition value of every rule). */
function mostCidrs(config: ConfigView): { cidrs: number; profile: string | undefined } {
  let most = { cidrs: 0, profile: undefined as string | undefined };
  for (const [key, profile] of Object.entries(config.profiles)) {
    const access = profile.access;
    if (access?.mode === 'cidr' && access.cidrs.length > most.cidrs)
      most = { cidrs: access.cidrs.length, profile: key };
  }
  return most;
}

export const MULTI_SERVICE_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'an environment has a routed service',
    check: (config) => {
      if (config.services === undefined || !known(config, 'services')) return [];
      const services = Object.values(config.services);
      if (services.some((s) => s.expose === undefined)) return []; // reported by the schema
      if (services.some((s) => typeof s.expose === 'object')) return [];
      return [
        {
          path: 'services',
          message:
            services.length === 0
              ? 'no services: an environment needs one service reached on its URL; add one with "expose": { "routes": ["/"] }, or remove "services" to run the sample'
              : 'no service has routes: the environment URL and load balancer need one; give a service "expose": { "routes": ["/"] } (internal services and workers run next to it)',
        },
      ];
    },
  },
  {
    name: "a service's routes fit one listener rule",
    check: (config) => {
      const services = exposed(config);
      const catchAll = catchAllService(services);
      const { cidrs, profile } = mostCidrs(config);
      const out: ConfigIssue[] = [];
      for (const s of services) {
        // The catch-all's rule matches the host alone, unless a site takes the rest (public
        // profiles only: catchAllRulePaths), when it carries its routes too.
        if (s === catchAll && config.site === undefined) continue;
        const routes = routesOf(s);
        const taken = s === catchAll ? 0 : cidrs;
        const room = LISTENER_RULE_CONDITION_VALUES - 1 - taken;
        if (routes.length > room)
          out.push({
            path: path('services', s.name, 'expose', 'routes'),
            message: `service '${s.name}' has ${routes.length} routes; its listener rule holds ${room} (${LISTENER_RULE_CONDITION_VALUES} condition values, one is the host${profile === undefined || taken === 0 ? '' : `, ${cidrs} the source CIDRs of profile '${profile}'`}): merge routes with a wildcard, e.g. /api/*`,
          });
        const wildcards = routes.join('').replace(/[^*?]/g, '').length;
        if (wildcards > LISTENER_RULE_WILDCARDS)
          out.push({
            path: path('services', s.name, 'expose', 'routes'),
            message: `service '${s.name}''s routes have ${wildcards} wildcards; a listener rule allows ${LISTENER_RULE_WILDCARDS}: use fewer * and ?`,
          });
      }
      return out;
    },
  },
  {
    name: 'a MongoDB sidecar database serves one service and no job',
    check: (config) => {
      const out: ConfigIssue[] = [];
      const services = Object.keys(config.services ?? {});
      for (const [key, profile] of Object.entries(config.profiles)) {
        if (profile.database?.engine !== 'mongodb-container') continue;
        if (services.length > 1)
          out.push({
            path: path('profiles', key, 'database', 'engine'),
            message: `profile '${key}' runs MongoDB as a sidecar of one service's task, but the app has ${services.length} services (${services.join(', ')}), which could not share its data; use "documentdb" or a shared platform database (isolation "shared"), or keep one service`,
          });
        const jobs = Object.entries(config.jobs ?? {}).filter(
          ([, j]) => j.profiles === undefined || j.profiles.includes(key),
        );
        if (jobs.length > 0)
          out.push({
            path: path('profiles', key, 'database', 'engine'),
            message: `job(s) ${jobs.map(([n]) => `'${n}'`).join(', ')} run in profile '${key}', whose MongoDB sidecar lives in the service's task and is out of a job's reach; limit the jobs with "profiles" or use "documentdb"`,
          });
      }
      return out;
    },
  },
];
