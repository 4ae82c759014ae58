#!/usr/bin/env node
// Read-through cache benchmark of the sample service (apps/api), on loopback against a real
// PostgreSQL: GET /api/items/:id with Zipf-distributed keys, cache off (TTL 0) vs on (the
// service's default TTL), in one run, the server in its own process. Two phases per mode:
//  1. capacity: closed loop, CONCURRENCY connections -> max throughput;
//  2. latency: open loop at the SAME offered rate for both modes (RATE, default 50 % of the
//     uncached capacity just measured), latency counted from each request's scheduled send time
//     (no coordinated omission) -> p50/p95/p99 and hit rate, twice: service-side (the
//     `RequestLatency` of the EMF record the service builds per request, what the dashboard's
//     p50/p95/p99 show) and client-side (the load generator, which also counts loopback HTTP and
//     the client's own event loop on the same 2 cores as the server and PostgreSQL).
// Targets: hit rate >= 90 %, cached service-side p99 <= 1/5 of uncached. Not a test.
//
//   npx tsc -b apps/api
//   export POSTGRES_URL="$(bash apps/api/scripts/start-postgres.sh)"
//   node bench/cache-load.mjs   # env: KEYS=10000 ZIPF_S=1.1 DURATION_S=10 WARMUP_S=10 CONCURRENCY=32 RATE=<auto>
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { Agent, request } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import pg from 'pg';
import { createPostgresItemStore, loadSettings } from '../apps/api/dist/index.js';

const url = process.env.POSTGRES_URL;
if (!url) {
  console.error(
    'POSTGRES_URL is not set: export POSTGRES_URL="$(bash apps/api/scripts/start-postgres.sh)"',
  );
  process.exit(1);
}
const KEYS = Number(process.env.KEYS ?? 10_000);
const ZIPF_S = Number(process.env.ZIPF_S ?? 1.1);
const DURATION_S = Number(process.env.DURATION_S ?? 10);
const CONCURRENCY = Number(process.env.CONCURRENCY ?? 32);
const WARMUP_S = 3;
/** Open-loop warm-up: long enough for the Zipf tail to reach a steady state (a service that has run a while). */
const STEADY_WARMUP_S = Number(process.env.WARMUP_S ?? 10);
const CAPACITY_S = 5;
const TTL_MS = loadSettings({ DATABASE_ENGINE: 'memory' }).cacheTtlMs; // the service default
const table = `bench_items_${randomBytes(4).toString('hex')}`;

/** Deterministic PRNG (mulberry32) so both runs see the same key sequence. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Zipf(s) over ranks 0..n-1 by inverse CDF. */
function zipf(n, s, random) {
  const cdf = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) cdf[i] = sum += 1 / Math.pow(i + 1, s);
  for (let i = 0; i < n; i++) cdf[i] /= sum;
  return () => {
    const u = random();
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
}

async function seed() {
  const store = createPostgresItemStore({ connection: { connectionString: url }, table });
  await store.init();
  const ids = Array.from({ length: KEYS }, () => randomUUID());
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const now = new Date().toISOString();
  for (let i = 0; i < ids.length; i += 1000) {
    const chunk = ids.slice(i, i + 1000);
    const values = chunk.map(
      (_, j) => `($${j * 2 + 1}, $${j * 2 + 2}, 'bench item', NULL, '${now}', '${now}')`,
    );
    await client.query(
      `INSERT INTO ${table} (id, name, description, attachment, created_at, updated_at) VALUES ${values.join(',')}`,
      chunk.flatMap((id, j) => [id, `item ${i + j}`]),
    );
  }
  await client.end();
  await store.close();
  return ids;
}

function startServer(ttlMs) {
  const child = spawn(
    process.execPath,
    [fileURLToPath(new URL('./cache-server.mjs', import.meta.url)), table, String(ttlMs)],
    { env: process.env, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] },
  );
  return new Promise((resolve, reject) => {
    child.on('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    child.stdout.once('data', (d) => resolve({ child, base: new URL(d.toString().trim()) }));
  });
}

/** Service-side latencies (the EMF `RequestLatency` values) since the previous call. */
function serviceLatencies(child) {
  return new Promise((resolve) => {
    child.once('message', resolve);
    child.send('latency');
  });
}

function get(agent, base, path) {
  return new Promise((resolve, reject) => {
    const req = request(
      { agent, host: base.hostname, port: base.port, path, method: 'GET' },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks) }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** Closed loop: CONCURRENCY workers, each sends its next request when the previous answers. */
async function load(base, ids, seconds, seedValue) {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const next = zipf(ids.length, ZIPF_S, prng(seedValue));
  const latencies = [];
  let errors = 0;
  const end = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < end) {
        const id = ids[next()];
        const t0 = performance.now();
        const r = await get(agent, base, `/api/items/${id}`);
        latencies.push(performance.now() - t0);
        if (r.status !== 200) errors++;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  const stats = JSON.parse((await get(agent, base, '/api/cache')).body.toString());
  agent.destroy();
  return { latencies, errors, elapsed, stats };
}

/** Open loop: request i is due at start + i/rate whatever the answers; latency from that time. */
async function openLoad(base, ids, seconds, rate, seedValue) {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const next = zipf(ids.length, ZIPF_S, prng(seedValue));
  const latencies = [];
  const pending = [];
  let errors = 0;
  const total = Math.floor(seconds * rate);
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const now = performance.now();
    while (sent < total && start + (sent * 1000) / rate <= now) {
      const due = start + (sent * 1000) / rate;
      const id = ids[next()];
      pending.push(
        get(agent, base, `/api/items/${id}`).then(
          (r) => {
            latencies.push(performance.now() - due);
            if (r.status !== 200) errors++;
          },
          () => errors++,
        ),
      );
      sent++;
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(pending);
  const elapsed = (performance.now() - start) / 1000;
  agent.destroy();
  return { latencies, errors, elapsed };
}

const pct = (sorted, p) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function cacheStats(base) {
  const agent = new Agent();
  const r = JSON.parse((await get(agent, base, '/api/cache')).body.toString());
  agent.destroy();
  return r;
}

async function withServer(ttlMs, run) {
  const { child, base } = await startServer(ttlMs);
  try {
    return await run(base, child);
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
  }
}

/** Max throughput, closed loop, after a warm-up (JIT, pool, PostgreSQL buffers, cache). */
function capacity(ttlMs, ids) {
  return withServer(ttlMs, async (base) => {
    await load(base, ids, WARMUP_S, 7);
    const r = await load(base, ids, CAPACITY_S, 11);
    return r.latencies.length / r.elapsed;
  });
}

function latency(label, ttlMs, ids, rate) {
  return withServer(ttlMs, async (base, child) => {
    await openLoad(base, ids, STEADY_WARMUP_S, rate, 7);
    const before = await cacheStats(base);
    await serviceLatencies(child); // drops the warm-up's records
    const r = await openLoad(base, ids, DURATION_S, rate, 42);
    const after = await cacheStats(base);
    const service = (await serviceLatencies(child)).sort((a, b) => a - b);
    const sorted = r.latencies.sort((a, b) => a - b);
    const hits = after.hits - before.hits;
    const misses = after.misses - before.misses;
    const percentiles = (xs) => ({ p50: pct(xs, 50), p95: pct(xs, 95), p99: pct(xs, 99) });
    return {
      label,
      requests: sorted.length,
      errors: r.errors,
      throughput: sorted.length / r.elapsed,
      client: percentiles(sorted),
      service: percentiles(service),
      hitRate: hits + misses === 0 ? 0 : hits / (hits + misses),
    };
  });
}

const ids = await seed();
try {
  console.log(
    `keys ${KEYS} · Zipf s=${ZIPF_S} · PostgreSQL on loopback · load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')} on ${cpus().length} CPUs`,
  );
  const capOff = await capacity(0, ids);
  const capOn = await capacity(TTL_MS, ids);
  console.log(
    `capacity (closed loop, ${CONCURRENCY} connections): cache off ${capOff.toFixed(0)} req/s · cache on ${capOn.toFixed(0)} req/s · x${(capOn / capOff).toFixed(1)}`,
  );
  const rate = Number(process.env.RATE ?? Math.round(capOff * 0.5));
  console.log(
    `latency (open loop at ${rate} req/s for both modes, ${DURATION_S} s each after ${STEADY_WARMUP_S} s warm-up):`,
  );
  const off = await latency('cache off', 0, ids, rate);
  const on = await latency(`cache on (TTL ${TTL_MS / 1000} s)`, TTL_MS, ids, rate);
  const f = (ms) => `${ms.toFixed(2)} ms`.padStart(11);
  const header = (title) =>
    console.log(
      `${title.padEnd(30)}${'p50'.padStart(11)}${'p95'.padStart(11)}${'p99'.padStart(11)}${'req/s'.padStart(9)}  hit rate  errors`,
    );
  const row = (r, view) =>
    console.log(
      `  ${r.label.padEnd(28)}${f(r[view].p50)}${f(r[view].p95)}${f(r[view].p99)}${r.throughput.toFixed(0).padStart(9)}  ${(r.hitRate * 100).toFixed(1).padStart(7)} %  ${r.errors}`,
    );
  header('service-side (EMF RequestLatency)');
  for (const r of [off, on]) row(r, 'service');
  header('client-side (load generator)');
  for (const r of [off, on]) row(r, 'client');
  const serviceRatio = off.service.p99 / on.service.p99;
  const clientRatio = off.client.p99 / on.client.p99;
  console.log(
    `cached p99 = 1/${serviceRatio.toFixed(1)} of uncached service-side (target >= 5), 1/${clientRatio.toFixed(1)} client-side · hit rate ${(on.hitRate * 100).toFixed(1)} % (target >= 90 %) · capacity x${(capOn / capOff).toFixed(1)}`,
  );
  console.log(serviceRatio >= 5 && on.hitRate >= 0.9 ? 'targets met' : 'TARGETS NOT MET');
} finally {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  await c.query(`DROP TABLE IF EXISTS ${table}`);
  await c.end();
}
