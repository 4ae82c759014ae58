import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { PutParameterCommand } from '@aws-sdk/client-ssm';
import { mockClient } from 'aws-sdk-client-mock';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UserError } from '@branch-env/core';
import {
  ConfigBusInputError,
  createConfigBus,
  planResults,
  silentLogger,
  type MetricSpec,
} from '@branch-env/config-bus';
import { memorySsm } from './memory-ssm.js';

const metrics: MetricSpec[] = [
  { name: 'p95_latency_ms', direction: 'lower', role: 'primary' },
  {
    name: 'error_rate',
    direction: 'lower',
    role: 'guard',
    tolerance: { kind: 'absolute', value: 0.01 },
  },
];
const baseline = { environment: 'sandbox', branch: 'sandbox', region: 'us-east-1' };
const now = new Date('2026-11-22T06:00:00.000Z');

function setup(initial: Record<string, string> = {}) {
  const ssm = memorySsm({ '/shop/sandbox/storage/data-bucket': 'x', ...initial });
  const s3 = new S3Client({ region: 'us-east-1' });
  const s3mock = mockClient(s3);
  s3mock.on(PutObjectCommand).resolves({});
  const bus = createConfigBus({
    app: 'shop',
    environment: 'ai-cache',
    baseline: 'sandbox',
    client: ssm.client,
    s3,
    logger: silentLogger,
    cacheTtlMs: 0,
  });
  const start = () =>
    bus.experiments.start({
      id: 'cache-128',
      branch: 'ai/cache',
      hypothesis: 'A 128-entry cache cuts p95 latency by 10%',
      metrics,
      baseline,
      settings: { 'cache.size': '128' },
      now,
    });
  const writes = () => ssm.mock.commandCalls(PutParameterCommand).length;
  return { bus, ssm, s3mock, start, writes };
}

const reference = JSON.stringify({ metrics: { p95_latency_ms: 200, error_rate: 0.01 } });

describe('experiments', () => {
  it('start writes the hypothesis and a configuration that round-trips through the schema', async () => {
    const { bus, ssm, start } = setup();
    const e = await start();
    expect(e.status).toBe('started');
    expect(ssm.params.get('/shop/ai-cache/experiments/cache-128/hypothesis')?.Value).toBe(
      'A 128-entry cache cuts p95 latency by 10%',
    );
    const config = JSON.parse(
      ssm.params.get('/shop/ai-cache/experiments/cache-128/configuration')?.Value ?? '',
    );
    expect(config).toEqual({
      schema: 1,
      id: 'cache-128',
      branch: 'ai/cache',
      environment: 'ai-cache',
      baseline,
      metrics,
      threshold: { kind: 'relative', value: 0.05 },
      settings: { 'cache.size': '128' },
      startedAt: '2026-11-22T06:00:00.000Z',
    });
    expect((await bus.experiments.list()).map((x) => [x.id, x.status, x.problems])).toEqual([
      ['cache-128', 'started', []],
    ]);
  });

  it('start derives an id from the time when none is given', async () => {
    const { bus } = setup();
    const e = await bus.experiments.start({
      branch: 'ai/cache',
      hypothesis: 'h',
      metrics,
      baseline,
      now,
    });
    expect(e.id).toBe('20261122-060000');
  });

  it('start collects every problem at once and writes nothing', async () => {
    const { bus, writes } = setup();
    const error = await bus.experiments
      .start({
        id: 'Bad_Id',
        branch: 'ai/cache',
        hypothesis: 'x'.repeat(5000),
        metrics: [
          { name: 'a', direction: 'lower', role: 'guard' },
          { name: 'a', direction: 'lower', role: 'secondary' },
        ],
        baseline,
        now,
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigBusInputError);
    const problems = (error as ConfigBusInputError).problems.join('\n');
    expect(problems).toContain('id: an experiment id is 1-63 of a-z 0-9 -');
    expect(problems).toContain('needs exactly one primary metric, has 0');
    expect(problems).toContain('metric a is declared twice');
    expect(problems).toContain('a guard needs a tolerance');
    expect(problems).toContain('hypothesis: is 5000 bytes');
    expect(writes()).toBe(0);
  });

  it('refuses a second experiment while one is undecided', async () => {
    const { bus, start, writes } = setup();
    await start();
    const before = writes();
    await expect(
      bus.experiments.start({
        id: 'other',
        branch: 'ai/cache',
        hypothesis: 'h',
        metrics,
        baseline,
        now,
      }),
    ).rejects.toThrow(/already runs experiment cache-128, still undecided/);
    expect(writes()).toBe(before);
  });

  it('record stores small results inline and compare gives the change per metric', async () => {
    const { bus, start } = setup({
      '/shop/sandbox/experiments/reference/results': JSON.stringify({
        schema: 1,
        recordedAt: now.toISOString(),
        metrics: { p95_latency_ms: 200, error_rate: 0.01 },
      }),
    });
    await start();
    const { results } = await bus.experiments.record(
      undefined,
      JSON.stringify({ metrics: { p95_latency_ms: 170, error_rate: 0.012 }, notes: 'k6, 5 min' }),
      { now },
    );
    expect(results).toEqual({
      schema: 1,
      recordedAt: now.toISOString(),
      metrics: { p95_latency_ms: 170, error_rate: 0.012 },
      notes: 'k6, 5 min',
    });
    const c = await bus.experiments.compare();
    expect(c.evaluation.recommendation).toBe('promote');
    expect(c.evaluation.changes.map((x) => [x.metric, x.change, x.relativeChange])).toEqual([
      ['p95_latency_ms', -30, -0.15],
      ['error_rate', 0.002, 0.2],
    ]);
  });

  it('record puts results too big for SSM in the data bucket with a pointer', async () => {
    const { bus, ssm, s3mock, start } = setup({
      '/shop/ai-cache/storage/data-bucket': 'shop-ai-cache-data',
    });
    await start();
    const file = JSON.stringify({
      metrics: { p95_latency_ms: 170, error_rate: 0.01 },
      details: { samples: Array.from({ length: 2000 }, (_, i) => i) },
    });
    const { results } = await bus.experiments.record('cache-128', file, { now });
    expect(results.object).toEqual({
      bucket: 'shop-ai-cache-data',
      key: 'experiments/cache-128/results.json',
      bytes: Buffer.byteLength(file),
      sha256: createHash('sha256').update(file).digest('hex'),
    });
    expect(results.details).toBeUndefined();
    expect(s3mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: 'shop-ai-cache-data',
      Key: 'experiments/cache-128/results.json',
      Body: file,
    });
    const stored = ssm.params.get('/shop/ai-cache/experiments/cache-128/results')?.Value ?? '';
    expect(Buffer.byteLength(stored)).toBeLessThanOrEqual(4096);
    expect(JSON.parse(stored).metrics).toEqual({ p95_latency_ms: 170, error_rate: 0.01 });
  });

  it.each([
    ['not JSON', '{"metrics":', /results file: is not JSON/],
    [
      'a metric that is not a number',
      JSON.stringify({ metrics: { p95_latency_ms: 'fast', error_rate: 0 } }),
      /metrics\.p95_latency_ms: .*number/,
    ],
    [
      'a declared metric missing',
      JSON.stringify({ metrics: { p95_latency_ms: 1 } }),
      /metrics\.error_rate is missing/,
    ],
    [
      'an unknown top-level field',
      JSON.stringify({ metrics: { p95_latency_ms: 1, error_rate: 0 }, extra: 1 }),
      /Unrecognized key/,
    ],
    [
      'too big and no bucket',
      JSON.stringify({ metrics: { p95_latency_ms: 1, error_rate: 0 }, details: 'x'.repeat(5000) }),
      /publishes no data bucket \(storage\/data-bucket\)/,
    ],
  ])('record fails on %s and writes nothing', async (_, file, message) => {
    const { bus, start, writes, s3mock } = setup();
    await start();
    const before = writes();
    await expect(bus.experiments.record(undefined, file, { now })).rejects.toThrow(message);
    expect(writes()).toBe(before);
    expect(s3mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it('record fails when the metrics alone overflow a parameter, writing nothing', async () => {
    const { bus, start, writes } = setup({ '/shop/ai-cache/storage/data-bucket': 'b-bucket' });
    await start();
    const many: Record<string, number> = { p95_latency_ms: 1, error_rate: 0 };
    for (let i = 0; i < 200; i++) many[`metric_number_${i}`] = i;
    const before = writes();
    await expect(
      bus.experiments.record(undefined, JSON.stringify({ metrics: many }), { now }),
    ).rejects.toThrow(/metrics and notes take \d+ bytes with the S3 pointer/);
    expect(writes()).toBe(before);
  });

  it('an unknown experiment is a UserError naming the known ones', async () => {
    const { bus, start } = setup();
    await start();
    await expect(bus.experiments.record('nope', '{}')).rejects.toThrow(
      /no experiment 'nope' in environment ai-cache/,
    );
    await expect(bus.experiments.record('nope', '{}')).rejects.toBeInstanceOf(UserError);
  });

  it('decide follows the recommendation, records it once, and refuses a contradiction without force', async () => {
    const { bus, ssm, start, writes } = setup();
    await start();
    await bus.environmentBus('sandbox').experiments.recordReference(reference, { now });
    await bus.experiments.record(
      undefined,
      JSON.stringify({ metrics: { p95_latency_ms: 199, error_rate: 0.01 } }),
      { now },
    );
    const before = writes();
    await expect(bus.experiments.decide(undefined, 'promote', 'faster')).rejects.toThrow(
      /recommends archive, not promote: p95_latency_ms 200 -> 199 .*did not improve by the threshold 5%/,
    );
    expect(writes()).toBe(before);
    const { decision } = await bus.experiments.decide(undefined, 'archive', 'too small a gain', {
      now,
    });
    expect(decision).toMatchObject({
      decision: 'archive',
      recommendation: 'archive',
      overridden: false,
    });
    expect(
      JSON.parse(ssm.params.get('/shop/ai-cache/experiments/cache-128/decision')?.Value ?? ''),
    ).toMatchObject({ decision: 'archive', reason: 'too small a gain' });
    await expect(bus.experiments.decide('cache-128', 'archive', 'again')).rejects.toThrow(
      /already decided/,
    );
    expect((await bus.experiments.list())[0]?.status).toBe('archived');
  });

  it('decide promote against the recommendation with force is recorded as overridden', async () => {
    const { bus, start } = setup();
    await start();
    await bus.environmentBus('sandbox').experiments.recordReference(reference, { now });
    await bus.experiments.record(
      undefined,
      JSON.stringify({ metrics: { p95_latency_ms: 199, error_rate: 0.01 } }),
      { now },
    );
    const { decision } = await bus.experiments.decide(undefined, 'promote', 'cleaner code', {
      force: true,
      now,
    });
    expect(decision).toMatchObject({
      decision: 'promote',
      recommendation: 'archive',
      overridden: true,
    });
  });

  it('compare without a baseline reference says how to record one', async () => {
    const { bus, start } = setup();
    await start();
    await bus.experiments.record(undefined, reference, { now });
    await expect(bus.experiments.compare()).rejects.toThrow(
      /baseline environment sandbox has no reference results/,
    );
  });

  it('reports stored parameters that do not parse as problems instead of failing the listing', async () => {
    const { bus } = setup({ '/shop/ai-cache/experiments/manual/configuration': '{not json' });
    expect(await bus.experiments.list()).toEqual([
      expect.objectContaining({ id: 'manual', problems: ['configuration is not JSON'] }),
    ]);
  });
});

describe('planResults (what goes to SSM, what goes to S3)', () => {
  it('always yields a parameter within 4096 bytes, or refuses (property)', () => {
    const metricsArb = fc.dictionary(
      fc.stringMatching(/^[a-z][a-z0-9_]{0,40}$/),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      { maxKeys: 150 },
    );
    fc.assert(
      fc.property(
        metricsArb,
        fc.option(fc.string({ maxLength: 1000 }), { nil: undefined }),
        fc.string({ maxLength: 8000 }),
        (metrics, notes, details) => {
          const file = { metrics, ...(notes === undefined ? {} : { notes }), details };
          const text = JSON.stringify(file);
          let plan;
          try {
            plan = planResults(text, file, now.toISOString(), 'k.json', () => 'bucket-name');
          } catch (error) {
            expect(error).toBeInstanceOf(ConfigBusInputError);
            expect((error as Error).message).toMatch(
              /metrics and notes take \d+ bytes with the S3 pointer/,
            );
            return;
          }
          const value = JSON.stringify(plan.stored);
          expect(Buffer.byteLength(value)).toBeLessThanOrEqual(4096);
          expect(plan.stored.metrics).toEqual(metrics);
          const inline = JSON.stringify({ schema: 1, recordedAt: now.toISOString(), ...file });
          expect(plan.object !== undefined).toBe(Buffer.byteLength(inline) > 4096);
          if (plan.object) {
            expect(plan.object.body).toBe(text);
            expect(plan.stored.object?.sha256).toBe(
              createHash('sha256').update(text).digest('hex'),
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
