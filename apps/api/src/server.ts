import { createConfigBus } from '@branch-env/config-bus';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { attachmentS3Client, createS3AttachmentStorage } from './attachments/attachment-storage.js';
import { ReadThroughCache } from './cache/read-through-cache.js';
import { createConfigBusSource } from './config/config-bus-source.js';
import type { ConfigSource } from './config/config-source.js';
import { createEnvConfigSource } from './config/env-config-source.js';
import type { Item } from './items/item.js';
import { ItemService } from './items/item-service.js';
import { EmfMetrics } from './observability/emf-metrics.js';
import { logLine } from './observability/log-line.js';
import type { LogWrite } from './observability/log-line.js';
import type { Lifecycle } from './routes/health-routes.js';
import { describeSettings } from './settings.js';
import type { Settings } from './settings.js';
import { createItemStore } from './storage/create-item-store.js';
import type { ItemStore } from './storage/item-store.js';

export interface ServerOptions {
  /** Where log and metric lines go. @default process.stdout */
  readonly write?: LogWrite;
  /** Replaces the config source chosen from the settings (tests). */
  readonly config?: ConfigSource;
  /** Replaces the store chosen from the settings (tests). */
  readonly store?: ItemStore;
  /** How long to keep retrying the first database connection. @default 60_000 */
  readonly connectTimeoutMs?: number;
  /** Listen address. @default 0.0.0.0 */
  readonly host?: string;
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** http://host:port actually bound (PORT=0 picks a free port). */
  readonly url: string;
  /** Stops accepting, drains in-flight requests, closes the database; idempotent. */
  shutdown(reason: string): Promise<void>;
}

const METRICS_INTERVAL_MS = 60_000;

async function connect(
  store: ItemStore,
  timeoutMs: number,
  log: (msg: string, fields?: Record<string, unknown>) => void,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 1; ; attempt++) {
    try {
      await store.init();
      return;
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      if (Date.now() >= deadline)
        throw new Error(`database did not answer within ${timeoutMs} ms: ${error}`);
      log('database not reachable yet; retrying', { attempt, error });
      await new Promise((r) => setTimeout(r, Math.min(2_000, 250 * attempt)));
    }
  }
}

/** Wires the service from its settings, connects the database, listens. */
export async function startServer(
  settings: Settings,
  options: ServerOptions = {},
): Promise<RunningServer> {
  const write = options.write ?? ((l: string) => process.stdout.write(l));
  const quiet = ['warn', 'error', 'fatal', 'silent'].includes(settings.logLevel);
  const log = (
    level: 'info' | 'warn' | 'error',
    msg: string,
    fields: Record<string, unknown> = {},
  ): void => {
    if (level === 'info' && quiet) return;
    logLine(level, msg, fields, write);
  };
  log('info', 'starting', { settings: describeSettings(settings) });

  const store = options.store ?? createItemStore(settings.database);
  await connect(store, options.connectTimeoutMs ?? 60_000, (msg, f) => log('warn', msg, f));

  const config =
    options.config ??
    (settings.configBus
      ? createConfigBusSource(
          createConfigBus({
            app: settings.app,
            environment: settings.environment,
            baseline: settings.baseline,
            region: settings.region,
            logger: {
              info: (m) => log('info', m, { component: 'config-bus' }),
              warn: (m) => log('warn', m, { component: 'config-bus' }),
            },
          }),
        )
      : createEnvConfigSource(settings));

  const cache = new ReadThroughCache<Item>({
    ttlMs: settings.cacheTtlMs,
    maxEntries: settings.cacheMaxEntries,
  });
  const attachments = settings.dataBucket
    ? createS3AttachmentStorage(
        attachmentS3Client(settings.region ? { region: settings.region } : {}),
        settings.dataBucket,
      )
    : undefined;
  const items = new ItemService({
    store,
    cache,
    attachments,
    onOrphan: (key, e) =>
      log('warn', 'attachment object not deleted', {
        key,
        error: e instanceof Error ? e.message : String(e),
      }),
  });
  const metrics = new EmfMetrics({ environment: settings.environment, write });
  const lifecycle: Lifecycle = { draining: false };
  const app = buildApp({
    identity: {
      app: settings.app,
      environment: settings.environment,
      branch: settings.branch,
      commit: settings.commit,
      profile: settings.profile,
      region: settings.region ?? null,
      databaseEngine: settings.database.engine,
    },
    store,
    items,
    config,
    discoverServices: settings.discoverServices,
    metrics,
    lifecycle,
    logger: {
      level: settings.logLevel,
      stream: { write },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
    },
  });
  const timer = setInterval(() => metrics.cache(cache.stats()), METRICS_INTERVAL_MS);
  timer.unref();

  const url = await app.listen({ host: options.host ?? '0.0.0.0', port: settings.port });
  log('info', 'listening', { url, engine: settings.database.engine, configSource: config.kind });

  let closing: Promise<void> | undefined;
  const shutdown = (reason: string): Promise<void> =>
    (closing ??= (async () => {
      const started = Date.now();
      lifecycle.draining = true;
      log('info', 'shutting down', { reason });
      clearInterval(timer);
      await app.close(); // stops accepting; in-flight requests finish; idle keep-alives close
      metrics.cache(cache.stats());
      await store.close();
      log('info', 'shutdown complete', { reason, ms: Date.now() - started });
    })());
  return { app, url, shutdown };
}
