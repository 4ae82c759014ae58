import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AttachmentStorage } from '../src/attachments/attachment-storage.js';
import type { ItemStore } from '../src/storage/item-store.js';
import { createMemoryItemStore } from '../src/storage/memory-item-store.js';
import * as schemas from '../src/routes/schemas.js';
import { createPostgresItemStore } from '../src/storage/postgres-item-store.js';
import { describeWhenAvailable } from './availability.js';
import { testApp } from './test-app.js';
import type { TestApp } from './test-app.js';

let t: TestApp;
afterEach(async () => {
  await t?.app.close();
});

async function create(name = 'first', description?: string) {
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/items',
    payload: description === undefined ? { name } : { name, description },
  });
  expect(r.statusCode).toBe(201);
  return r.json<{ id: string; name: string; description: string | null }>();
}

/** Every bad input the API must answer with a 4xx and a clear body; `{item}` is an existing item. */
const bad: [
  string,
  {
    method: 'POST' | 'PATCH' | 'GET';
    url: string;
    payload?: unknown;
    headers?: Record<string, string>;
  },
  number,
  string,
  RegExp,
][] = [
  [
    'missing name',
    { method: 'POST', url: '/api/items', payload: {} },
    400,
    'validation_failed',
    /\/name must have required property 'name'/,
  ],
  [
    'name of the wrong type',
    { method: 'POST', url: '/api/items', payload: { name: 5 } },
    400,
    'validation_failed',
    /\/name must be string/,
  ],
  [
    'blank name',
    { method: 'POST', url: '/api/items', payload: { name: '   ' } },
    400,
    'validation_failed',
    /\/name must contain a non-space character/,
  ],
  [
    'empty name',
    { method: 'POST', url: '/api/items', payload: { name: '' } },
    400,
    'validation_failed',
    /\/name must NOT have fewer than 1 characters/,
  ],
  [
    'name too long',
    { method: 'POST', url: '/api/items', payload: { name: 'x'.repeat(201) } },
    400,
    'validation_failed',
    /\/name must NOT have more than 200 characters/,
  ],
  [
    'unknown property',
    { method: 'POST', url: '/api/items', payload: { name: 'a', owner: 'me' } },
    400,
    'validation_failed',
    /unknown property 'owner'/,
  ],
  [
    'array body',
    { method: 'POST', url: '/api/items', payload: [{ name: 'a' }] },
    400,
    'validation_failed',
    /must be object/,
  ],
  [
    'invalid JSON',
    {
      method: 'POST',
      url: '/api/items',
      payload: '{"name":',
      headers: { 'content-type': 'application/json' },
    },
    400,
    'invalid_json',
    /not valid JSON/,
  ],
  [
    'unsupported media type',
    {
      method: 'POST',
      url: '/api/items',
      payload: '<x/>',
      headers: { 'content-type': 'application/xml' },
    },
    415,
    'unsupported_media_type',
    /Unsupported Media Type/i,
  ],
  [
    'body too large',
    {
      method: 'POST',
      url: '/api/items',
      payload: { name: 'a', description: 'x'.repeat(70_000) },
    },
    413,
    'body_too_large',
    /too large/i,
  ],
  [
    'empty update',
    { method: 'PATCH', url: '/api/items/00000000-0000-4000-8000-000000000000', payload: {} },
    400,
    'validation_failed',
    /must NOT have fewer than 1 properties/,
  ],
  [
    'id that is not a UUID',
    { method: 'GET', url: '/api/items/not-an-id' },
    400,
    'validation_failed',
    /\/id must be an item id/,
  ],
  [
    'limit out of range',
    { method: 'GET', url: '/api/items?limit=1000' },
    400,
    'validation_failed',
    /limit must be an integer from 1 to 100/,
  ],
  [
    'limit not a number',
    { method: 'GET', url: '/api/items?limit=ten' },
    400,
    'validation_failed',
    /limit must be an integer/,
  ],
  [
    'unknown query parameter',
    { method: 'GET', url: '/api/items?sort=name' },
    400,
    'validation_failed',
    /unknown property 'sort'/,
  ],
  [
    'unknown route',
    { method: 'GET', url: '/api/nothing-here' },
    404,
    'not_found',
    /no route GET \/api\/nothing-here/,
  ],
  [
    'NUL in a name',
    { method: 'POST', url: '/api/items', payload: { name: 'a\u0000b' } },
    400,
    'validation_failed',
    /\/name must be well-formed Unicode text: no NUL \(U\+0000\)/,
  ],
  [
    'NUL in a description',
    { method: 'POST', url: '/api/items', payload: { name: 'a', description: 'x\u0000' } },
    400,
    'validation_failed',
    /\/description must be well-formed Unicode text/,
  ],
  [
    'unpaired surrogate in a name',
    { method: 'POST', url: '/api/items', payload: { name: 'a\ud800b' } },
    400,
    'validation_failed',
    /\/name must be well-formed Unicode text: .*no unpaired surrogates/,
  ],
  [
    'NUL in an update',
    { method: 'PATCH', url: '/api/items/{item}', payload: { name: 'lamp\u0000' } },
    400,
    'validation_failed',
    /\/name must be well-formed Unicode text/,
  ],
  [
    'unpaired surrogate in an update',
    { method: 'PATCH', url: '/api/items/{item}', payload: { description: '\udc00' } },
    400,
    'validation_failed',
    /\/description must be well-formed Unicode text/,
  ],
  [
    'unpaired surrogate in an attachment file name',
    {
      method: 'POST',
      url: '/api/items/{item}/attachment',
      payload: { fileName: 'a\ud800b.png', contentType: 'image/png', size: 1 },
    },
    400,
    'validation_failed',
    /\/fileName must be well-formed Unicode text/,
  ],
  [
    'NUL in an attachment file name',
    {
      method: 'POST',
      url: '/api/items/{item}/attachment',
      payload: { fileName: 'a\u0000b.png', contentType: 'image/png', size: 1 },
    },
    400,
    'validation_failed',
    /\/fileName must be well-formed Unicode text/,
  ],
];

/** Presigns nothing: the bad-input table only needs attachments to be configured. */
const fakeAttachments: AttachmentStorage = {
  bucket: 'demo-feature-x-data',
  uploadUrl: async (key) => `https://demo-feature-x-data.s3.example.com/${key}`,
  downloadUrl: async (key) => `https://demo-feature-x-data.s3.example.com/${key}`,
  delete: async () => {},
};

/**
 * The bad-input table against one storage adapter: what the schema accepts must be storable, so
 * a bad input is a 4xx before it reaches the database (never a 500 from it).
 */
function badInputSuite(store: () => Promise<ItemStore>): void {
  it.each(bad)(
    'answers %s with a 4xx and a clear body',
    async (_name, request, status, code, message) => {
      t = testApp({ store: await store(), attachments: fakeAttachments });
      const url = request.url.includes('{item}')
        ? request.url.replace('{item}', (await create('lamp')).id)
        : request.url;
      const r = await t.app.inject({ ...request, url } as InjectOptions);
      expect(r.statusCode).toBe(status);
      const body = r.json<{ error: string; message: string }>();
      expect(body.error).toBe(code);
      expect(body.message).toMatch(message);
    },
  );

  it('keeps well-formed non-ASCII text exactly (accents, emoji, a surrogate pair)', async () => {
    t = testApp({ store: await store(), attachments: fakeAttachments });
    const name = 'Café ☕ 😀 𝔘';
    const item = await create(name, 'naïve — “quoted”');
    expect(item).toMatchObject({ name, description: 'naïve — “quoted”' });
    const a = await t.app.inject({
      method: 'POST',
      url: `/api/items/${item.id}/attachment`,
      payload: { fileName: 'résumé 😀.pdf', contentType: 'application/pdf', size: 10 },
    });
    expect(a.statusCode).toBe(201);
    const got = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}` });
    expect(got.json()).toMatchObject({ name, attachment: { fileName: 'résumé 😀.pdf' } });
  });
}

describe('items API', () => {
  it('creates, reads, lists, updates and deletes an item', async () => {
    t = testApp();
    const item = await create('lamp', 'desk lamp');
    expect(item).toMatchObject({ name: 'lamp', description: 'desk lamp', attachment: null });
    expect(item.id).toMatch(/^[0-9a-f-]{36}$/);

    const got = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}` });
    expect(got.json()).toEqual(item);

    const list = await t.app.inject({ method: 'GET', url: '/api/items?limit=10' });
    expect(list.json<{ items: unknown[] }>().items).toEqual([item]);

    const patched = await t.app.inject({
      method: 'PATCH',
      url: `/api/items/${item.id}`,
      payload: { description: null },
    });
    expect(patched.statusCode).toBe(200);
    expect(patched.json()).toMatchObject({ id: item.id, name: 'lamp', description: null });
    // the cache serves the updated item, not the one cached at creation
    const again = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}` });
    expect(again.json()).toMatchObject({ description: null });

    const del = await t.app.inject({ method: 'DELETE', url: `/api/items/${item.id}` });
    expect(del.statusCode).toBe(204);
    const gone = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}` });
    expect(gone.statusCode).toBe(404);
    expect(gone.json()).toEqual({ error: 'not_found', message: `no item ${item.id}` });
  });

  it('serves repeated reads of an item from the cache', async () => {
    t = testApp();
    const item = await create();
    for (let i = 0; i < 9; i++) await t.app.inject({ method: 'GET', url: `/api/items/${item.id}` });
    const stats = (await t.app.inject({ method: 'GET', url: '/api/cache' })).json<{
      hits: number;
      misses: number;
    }>();
    expect(stats).toMatchObject({ hits: 9, misses: 0 });
  });

  badInputSuite(async () => createMemoryItemStore());

  it('checks every string field of every request schema for NUL and unpaired surrogates', () => {
    const strings: string[] = [];
    const walk = (node: unknown, path: string): void => {
      if (typeof node !== 'object' || node === null) return;
      const schema = node as { type?: unknown; format?: unknown; properties?: object };
      if ([schema.type].flat().includes('string')) {
        strings.push(path);
        expect(schema.format, path).toBe(schemas.TEXT_FORMAT);
      }
      for (const [key, child] of Object.entries(schema.properties ?? {}))
        walk(child, `${path}/${key}`);
    };
    for (const [name, schema] of Object.entries(schemas)) walk(schema, name);
    expect(strings).toEqual(
      expect.arrayContaining([
        'createItemBody/name',
        'createItemBody/description',
        'updateItemBody/name',
        'attachmentBody/fileName',
        'attachmentBody/contentType',
      ]),
    );
  });

  it('lists every validation failure at once', async () => {
    t = testApp();
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/items',
      payload: { name: 7, description: 8, colour: 'red' },
    });
    expect(r.statusCode).toBe(400);
    const paths = r.json<{ details: { path: string }[] }>().details.map((d) => d.path);
    expect(paths).toEqual(expect.arrayContaining(['/name', '/description', '/colour']));
  });

  it('answers 404 for an update or delete of an unknown item', async () => {
    t = testApp();
    const id = '00000000-0000-4000-8000-000000000000';
    const p = await t.app.inject({
      method: 'PATCH',
      url: `/api/items/${id}`,
      payload: { name: 'x' },
    });
    expect(p.statusCode).toBe(404);
    const d = await t.app.inject({ method: 'DELETE', url: `/api/items/${id}` });
    expect(d.statusCode).toBe(404);
  });

  it('hides internal errors behind a 500 with a request id, not the error text', async () => {
    const failing: ItemStore = {
      ...createMemoryItemStore(),
      list: async () => {
        throw new Error('connection to 10.0.0.5 password=hunter2 refused');
      },
    };
    t = testApp({ store: failing });
    const r = await t.app.inject({ method: 'GET', url: '/api/items' });
    expect(r.statusCode).toBe(500);
    expect(r.body).not.toContain('hunter2');
    expect(r.json()).toMatchObject({ error: 'internal_error', message: 'internal error' });
  });
});

const postgresUrl = process.env.POSTGRES_URL;
describeWhenAvailable(
  'bad input against the PostgreSQL adapter',
  postgresUrl
    ? undefined
    : 'POSTGRES_URL is not set (apt-get install -y postgresql; export POSTGRES_URL="$(bash apps/api/scripts/start-postgres.sh)")',
  () => {
    const table = `items_http_${randomBytes(4).toString('hex')}`;
    let store: ItemStore;
    beforeAll(async () => {
      store = createPostgresItemStore({ connection: { connectionString: postgresUrl }, table });
      await store.init();
    });
    afterAll(async () => {
      await store?.close();
      const c = new pg.Client({ connectionString: postgresUrl });
      await c.connect();
      await c.query(`DROP TABLE IF EXISTS ${table}`);
      await c.end();
    });
    badInputSuite(async () => store);
  },
);

describe('health', () => {
  it('is live and ready when database and config bus answer', async () => {
    t = testApp();
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    const ready = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toMatchObject({
      status: 'ready',
      checks: { database: { ok: true }, configBus: { ok: true } },
    });
    // the web page reaches readiness under /api (CloudFront routes only /api/* to the service)
    expect((await t.app.inject({ method: 'GET', url: '/api/health' })).json()).toMatchObject({
      status: 'ready',
    });
  });

  it('is not ready when the database does not answer, but still live', async () => {
    const down: ItemStore = {
      ...createMemoryItemStore(),
      ping: async () => {
        throw new Error('ECONNREFUSED 10.0.0.5:5432');
      },
    };
    t = testApp({ store: down });
    const r = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({
      status: 'not_ready',
      checks: { database: { ok: false, detail: 'ECONNREFUSED 10.0.0.5:5432' } },
    });
    expect((await t.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('is not ready when the config bus does not answer', async () => {
    t = testApp({
      config: {
        kind: 'config-bus',
        check: async () => ({ ok: false, detail: 'SSM Parameter Store is unavailable' }),
        get: async () => undefined,
        serviceUrl: async (service) => ({ service, url: null, environment: null, fallback: false }),
      },
    });
    const r = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ checks: { configBus: { ok: false } } });
  });

  it('reports draining (503) after SIGTERM so the load balancer stops sending traffic', async () => {
    t = testApp();
    t.lifecycle.draining = true;
    const r = await t.app.inject({ method: 'GET', url: '/readyz' });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ status: 'draining' });
  });
});

describe('/api/env', () => {
  it('shows identity and service discovery with baseline fallbacks', async () => {
    t = testApp();
    const r = await t.app.inject({ method: 'GET', url: '/api/env' });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      app: 'demo',
      environment: 'feature-x',
      branch: 'feature/x',
      commit: 'abc1234',
      profile: 'preview',
      region: 'eu-west-1',
      databaseEngine: 'memory',
      configSource: 'config-bus',
      attachments: false,
      services: [
        {
          service: 'api',
          url: 'https://main.demo.example.com',
          environment: 'main',
          fallback: true,
        },
        {
          service: 'payments',
          url: 'https://main.demo.example.com',
          environment: 'main',
          fallback: true,
        },
      ],
      fallbacks: ['api', 'payments'],
    });
  });
});

describe('request metrics', () => {
  it('writes one EMF RequestLatency record per API request, none for health probes', async () => {
    t = testApp();
    await t.app.inject({ method: 'GET', url: '/healthz' });
    await t.app.inject({ method: 'GET', url: '/readyz' });
    await t.app.inject({ method: 'GET', url: '/api/items' });
    expect(t.metricLines).toHaveLength(1);
    const record = JSON.parse(t.metricLines[0] as string) as Record<string, unknown>;
    expect(record).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: 'BranchEnv',
            Dimensions: [['Environment']],
            Metrics: [{ Name: 'RequestLatency', Unit: 'Milliseconds' }],
          },
        ],
      },
      Environment: 'feature-x',
      route: '/api/items',
      method: 'GET',
      statusCode: 200,
    });
    expect(typeof record.RequestLatency).toBe('number');
    expect(record.RequestLatency as number).toBeGreaterThanOrEqual(0);
  });
});
