#!/usr/bin/env node
// The sample service's HTTP app over a real PostgreSQL table, started by bench/cache-load.mjs in
// its own process (so the load generator and the server do not share one event loop).
// argv: <table> <cacheTtlMs>. Prints the URL it listens on as the first stdout line.
// Over IPC, the message 'latency' answers with the service-side request latencies recorded since
// the previous 'latency' message: the `RequestLatency` values of the EMF records the service
// builds for every request in production (the figure the dashboard's p50/p95/p99 show).
import {
  buildApp,
  createEnvConfigSource,
  createPostgresItemStore,
  EmfMetrics,
  ItemService,
  LATENCY_METRIC,
  loadSettings,
  ReadThroughCache,
} from '../apps/api/dist/index.js';

const [table, ttl] = process.argv.slice(2);
const store = createPostgresItemStore({
  connection: { connectionString: process.env.POSTGRES_URL, max: 10 },
  table,
});
await store.init();
const settings = loadSettings({ DATABASE_ENGINE: 'memory' });
/** EMF lines as the service writes them to stdout in ECS; parsed only when the bench asks. */
let records = [];
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
  metrics: new EmfMetrics({ environment: 'bench', write: (line) => records.push(line) }),
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(url);
process.on('message', (message) => {
  if (message !== 'latency') return;
  const latencies = records.map((line) => JSON.parse(line)[LATENCY_METRIC]);
  records = [];
  process.send(latencies.filter((v) => typeof v === 'number'));
});
process.on('SIGTERM', async () => {
  await app.close();
  await store.close();
  process.exit(0);
});
