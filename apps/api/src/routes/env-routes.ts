import type { FastifyInstance } from 'fastify';
import type { ConfigSource } from '../config/config-source.js';
import type { ItemService } from '../items/item-service.js';

export interface Identity {
  readonly app: string;
  readonly environment: string;
  readonly branch: string;
  readonly commit: string;
  readonly profile: string;
  readonly region: string | null;
  readonly databaseEngine: string;
}

export function registerEnvRoutes(
  app: FastifyInstance,
  deps: {
    identity: Identity;
    config: ConfigSource;
    items: ItemService;
    discoverServices: readonly string[];
  },
): void {
  app.get('/api/env', async (_request, reply) => {
    const services = await Promise.all(deps.discoverServices.map((s) => deps.config.serviceUrl(s)));
    return reply.header('cache-control', 'no-store').send({
      ...deps.identity,
      configSource: deps.config.kind,
      attachments: deps.items.attachmentsEnabled,
      services,
      fallbacks: services.filter((s) => s.fallback).map((s) => s.service),
    });
  });

  app.get('/api/cache', async (_request, reply) =>
    reply.header('cache-control', 'no-store').send(deps.items.cacheStats()),
  );
}
