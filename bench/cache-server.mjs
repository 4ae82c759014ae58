#!/usr/bin/env node
// The sample service's HTTP app over a real PostgreSQL table, started by bench/cache-load.mjs in
// its own process (so the load generator and the server do not share one event loop).
// argv: <table> <cacheTtlMs>. Prints the URL it listens on as the first stdout line.
import {
  buildApp,
  createPostgresItemStore,
  ItemService,
  ReadThroughCache,
} from '../apps/api/dist/index.js';
import { createEnvConfigSource, loadSettings } from '../apps/api/dist/index.js';

const [table, ttl] = process.argv.slice(2);
const store = createPostgresItemStore({
  connection: { connectionString: process.env.POSTGRES_URL, max: 10 },
  table,
});
await store.init();
const settings = loadSettings({ DATABASE_ENGINE: 'memory' });
const app = buildApp({
  identity: {
    app: 'bench',
    environment: 'bench',
    branch: 'bench',
    commit: 'bench',
    profile: 'bench',
    region: null,
    databaseEngine: 'aurora-postgres',
  },
  store,
  items: new ItemService({
    store,
    cache: new ReadThroughCache({ ttlMs: Number(ttl), maxEntries: 100_000 }),
  }),
  config: createEnvConfigSource(settings),
  // EMF records are built per request as in production, written nowhere.
  metrics: undefined,
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(url);
process.on('SIGTERM', async () => {
  await app.close();
  await store.close();
  process.exit(0);
});
