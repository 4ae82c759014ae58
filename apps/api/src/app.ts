import Fastify from 'fastify';
import type { FastifyInstance } from 'fastify';

/** Paths the load balancer and ECS probe; the Dockerfile HEALTHCHECK uses HEALTH_PATHS.liveness. */
export const HEALTH_PATHS = { liveness: '/healthz', readiness: '/readyz' } as const;

export function buildApp(): FastifyInstance {
  const app = Fastify({ logger: false });
  app.get(HEALTH_PATHS.liveness, async () => ({ status: 'ok' }));
  return app;
}
