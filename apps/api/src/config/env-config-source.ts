import type { Settings } from '../settings.js';
import type { ConfigSource } from './config-source.js';

/**
 * Local runs (no BRANCH_ENV_APP/BRANCH_ENV_ENVIRONMENT): the configuration is the environment
 * variables already read into `settings`; no service publishes a URL.
 */
export function createEnvConfigSource(settings: Settings): ConfigSource {
  const values: Record<string, string | undefined> = {
    'database/engine': settings.database.engine,
    'database/endpoint':
      settings.database.host === undefined
        ? undefined
        : `${settings.database.host}:${settings.database.port}`,
    'storage/data-bucket': settings.dataBucket,
    'meta/profile': settings.profile,
    'meta/commit': settings.commit,
  };
  return {
    kind: 'environment-variables',
    async check() {
      return { ok: true, detail: 'local run: configuration from environment variables' };
    },
    async get(key) {
      return values[key];
    },
    async serviceUrl(service) {
      return {
        service,
        url: null,
        environment: null,
        fallback: false,
        error: 'local run: no config bus to discover services in',
      };
    },
  };
}
