import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.js';
import type { AttachmentStorage } from '../src/attachments/attachment-storage.js';
import { ReadThroughCache } from '../src/cache/read-through-cache.js';
import type { ConfigSource } from '../src/config/config-source.js';
import type { Item } from '../src/items/item.js';
import { ItemService } from '../src/items/item-service.js';
import { EmfMetrics } from '../src/observability/emf-metrics.js';
import type { Lifecycle } from '../src/routes/health-routes.js';
import type { ItemStore } from '../src/storage/item-store.js';
import { createMemoryItemStore } from '../src/storage/memory-item-store.js';

const okConfig: ConfigSource = {
  kind: 'config-bus',
  check: async () => ({ ok: true, detail: 'read /demo/feature-x/meta/profile' }),
  get: async () => undefined,
  serviceUrl: async (service) => ({
    service,
    url: 'https://main.demo.example.com',
    environment: 'main',
    fallback: true,
  }),
};

export interface TestApp {
  app: FastifyInstance;
  store: ItemStore;
  items: ItemService;
  lifecycle: Lifecycle;
  metricLines: string[];
}

/** The real app over the memory store (or another), configured like a deployed environment. */
export function testApp(
  options: {
    store?: ItemStore;
    config?: ConfigSource;
    attachments?: AttachmentStorage;
    ttlMs?: number;
  } = {},
): TestApp {
  const store = options.store ?? createMemoryItemStore();
  const items = new ItemService({
    store,
    cache: new ReadThroughCache<Item>({ ttlMs: options.ttlMs ?? 10_000, maxEntries: 100 }),
    attachments: options.attachments,
  });
  const metricLines: string[] = [];
  const lifecycle: Lifecycle = { draining: false };
  const app = buildApp({
    identity: {
      app: 'demo',
      environment: 'feature-x',
      branch: 'feature/x',
      commit: 'abc1234',
      profile: 'preview',
      region: 'eu-west-1',
      databaseEngine: 'memory',
    },
    store,
    items,
    config: options.config ?? okConfig,
    discoverServices: ['api', 'payments'],
    metrics: new EmfMetrics({ environment: 'feature-x', write: (l) => metricLines.push(l) }),
    lifecycle,
  });
  return { app, store, items, lifecycle, metricLines };
}
