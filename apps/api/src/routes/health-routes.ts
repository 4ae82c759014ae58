import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ConfigSource } from '../config/config-source.js';
import type { ItemStore } from '../storage/item-store.js';

export const HEALTH_PATHS = { liveness: '/healthz', readiness: '/readyz' } as const;
/** Readiness under /api: the web page reaches only /api/* through CloudFront. */
const API_HEALTH_PATH = '/api/health';

const CHECK_TIMEOUT_MS = 2_000;

export interface Lifecycle {
  /**
   * Set on SIGTERM: readiness answers 503 and responses close their connections. (ECS has already
   * deregistered the task from the load balancer, whose health check is the liveness `/healthz`.)
   */
  draining: boolean;
}

interface Check {
  ok: boolean;
  detail: string;
  latencyMs: number;
}

async function timed(run: () => Promise<{ ok: boolean; detail: string }>): Promise<Check> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const r = await Promise.race([
      run(),
      new Promise<{ ok: boolean; detail: string }>((resolve) => {
        timer = setTimeout(
          () => resolve({ ok: false, detail: `no answer within ${CHECK_TIMEOUT_MS} ms` }),
          CHECK_TIMEOUT_MS,
        );
      }),
    ]);
    return { ...r, latencyMs: Math.round(performance.now() - start) };
  } catch (e) {
    return {
      ok: false,
      detail: e instanceof Error ? e.message : String(e),
      latencyMs: Math.round(performance.now() - start),
    };
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealthRoutes(
  app: FastifyInstance,
  deps: { store: ItemStore; config: ConfigSource; lifecycle: Lifecycle },
): void {
  app.get(HEALTH_PATHS.liveness, async () => ({ status: 'ok' }));

  const readiness = async (_request: unknown, reply: FastifyReply) => {
    const [database, configBus] = await Promise.all([
      timed(async () => {
        await deps.store.ping();
        return { ok: true, detail: `${deps.store.kind} answered` };
      }),
      timed(() => deps.config.check()),
    ]);
    const status = deps.lifecycle.draining
      ? 'draining'
      : database.ok && configBus.ok
        ? 'ready'
        : 'not_ready';
    return reply
      .code(status === 'ready' ? 200 : 503)
      .header('cache-control', 'no-store')
      .send({ status, checks: { database, configBus } });
  };
  app.get(HEALTH_PATHS.readiness, readiness);
  app.get(API_HEALTH_PATH, readiness);
}
