import type { ConfigBus } from '@branch-env/config-bus';
import type { ConfigSource } from './config-source.js';

/** Key read by the readiness check: every environment stack writes it. */
const PROBE_KEY = 'meta/profile';

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The environment's config bus (SSM `/<app>/<env>/`) through @branch-env/config-bus. */
export function createConfigBusSource(
  bus: Pick<ConfigBus, 'environment' | 'get' | 'serviceUrl'>,
): ConfigSource {
  return {
    kind: 'config-bus',
    async check() {
      try {
        const r = await bus.get(PROBE_KEY);
        if (r.stale) return { ok: true, detail: `SSM unavailable; serving cached ${r.name}` };
        return {
          ok: true,
          detail: r.found ? `read ${r.name}` : `SSM answered; ${r.name} is not set`,
        };
      } catch (e) {
        return { ok: false, detail: message(e) };
      }
    },
    async get(key) {
      const r = await bus.get(key);
      return r.found ? r.value : undefined;
    },
    async serviceUrl(service) {
      try {
        const r = await bus.serviceUrl(service);
        return {
          service,
          url: r.url,
          environment: r.environment,
          fallback: r.fallback,
          stale: r.stale,
        };
      } catch (e) {
        return { service, url: null, environment: null, fallback: false, error: message(e) };
      }
    },
  };
}
