import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  GetObjectCommand,
  HeadObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { App, Stack } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CONFIG_BUS } from '@branch-env/core';
import { SiteServer } from '../src/web/site-server.js';
import { siteSource } from '../src/web/site-server/aws.js';
import { lookupOf } from '../src/web/site-server/handler.js';
import {
  cacheControlOf,
  contentTypeOf,
  environmentOfHost,
  isHashedAsset,
  MAX_INLINE_BYTES,
  objectKeysOf,
  objectResult,
  UNKNOWN_HOST_BODY,
  type AlbEvent,
} from '../src/web/site-server/respond.js';
import { serve, type ObjectRead, type SiteSource } from '../src/web/site-server/serve.js';
import { outdir, removeOutdirs } from './helpers.js';

const DOMAIN = 'dev.example.net';

describe('objectKeysOf: the objects a path may be served from', () => {
  it.each([
    ['/', ['index.html']],
    ['/docs/', ['docs/index.html', 'index.html']],
    ['/assets/app-1a2b3c4d.js', ['assets/app-1a2b3c4d.js']],
    ['/favicon.ico', ['favicon.ico']],
    ['/about', ['about', 'about/index.html', 'about.html', 'index.html']],
    [
      '/users/42/edit',
      ['users/42/edit', 'users/42/edit/index.html', 'users/42/edit.html', 'index.html'],
    ],
    ['//a//b.css', ['a/b.css']],
    ['/./a/./b.css', ['a/b.css']],
    ['/a%20b.txt', ['a b.txt']],
  ])('%s -> %j', (path, keys) => {
    expect(objectKeysOf(path)).toEqual(keys);
  });

  it.each([
    '/../secret',
    '/a/../../b',
    '/%2e%2e/b',
    '/a/%2E%2E/b.js',
    '/a%5c..%5cb',
    '/a\\b',
    '/a%00.html',
    '/%E0%A4%A',
    'relative/path',
  ])('refuses %s', (path) => {
    expect(objectKeysOf(path)).toBeUndefined();
  });
});

describe('environmentOfHost: <env>.<domain> names an environment', () => {
  it.each([
    ['feature-new-login.dev.example.net', 'feature-new-login'],
    ['Feature-New-Login.DEV.example.net', 'feature-new-login'],
    ['sandbox.dev.example.net:443', 'sandbox'],
    ['sandbox.dev.example.net.', 'sandbox'],
  ])('%s -> %s', (host, env) => {
    expect(environmentOfHost(host, DOMAIN)).toBe(env);
  });

  it.each([
    undefined,
    'dev.example.net',
    'a.b.dev.example.net',
    '1abc.dev.example.net',
    '_platform.dev.example.net',
    'sandbox.other.net',
    'sandboxdev.example.net',
    '10.0.0.1',
  ])('no environment for %s', (host) => {
    expect(environmentOfHost(host, DOMAIN)).toBeUndefined();
  });
});

describe('content type and caching by file', () => {
  it.each([
    ['index.html', 'text/html; charset=utf-8', 'no-cache'],
    [
      'assets/app-1a2b3c4d.js',
      'text/javascript; charset=utf-8',
      'public, max-age=31536000, immutable',
    ],
    ['assets/index-DiwrgTda.css', 'text/css; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['main.3f2a1b9c.js', 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable'],
    ['my-component.js', 'text/javascript; charset=utf-8', 'public, max-age=300'],
    ['logo.SVG', 'image/svg+xml', 'public, max-age=300'],
    ['fonts/Inter.woff2', 'font/woff2', 'public, max-age=300'],
  ])('%s: %s, %s', (key, type, cache) => {
    expect(contentTypeOf(key)).toBe(type);
    expect(cacheControlOf(key)).toBe(cache);
  });

  it('falls back to what S3 recorded, then to binary', () => {
    expect(contentTypeOf('.well-known/apple-app-site-association', 'application/json')).toBe(
      'application/json',
    );
    expect(contentTypeOf('data.bin')).toBe('application/octet-stream');
    expect(isHashedAsset('CHANGELOG.md')).toBe(false);
  });

  it('answers an object as base64 for the load balancer, with its validators', () => {
    const r = objectResult(
      { key: 'a.txt', etag: '"abc"', lastModified: new Date(Date.UTC(2026, 11, 6, 8)) },
      new TextEncoder().encode('hi'),
    );
    expect(r).toEqual({
      statusCode: 200,
      statusDescription: '200 OK',
      headers: {
        'x-content-type-options': 'nosniff',
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'public, max-age=300',
        etag: '"abc"',
        'last-modified': 'Sun, 06 Dec 2026 08:00:00 GMT',
      },
      body: 'aGk=',
      isBase64Encoded: true,
    });
  });
});

/** A site source over an in-memory bucket, recording what was read. */
function fakeSource(
  objects: Record<string, string | number>,
  options: { bucket?: string | undefined; forbidden?: boolean } = {},
): SiteSource & { reads: string[]; hosts: (string | undefined)[] } {
  const reads: string[] = [];
  const hosts: (string | undefined)[] = [];
  return {
    reads,
    hosts,
    async bucketFor(host) {
      hosts.push(host);
      return 'bucket' in options ? options.bucket : 'site-bucket';
    },
    async read(bucket, key, { head, ifNoneMatch, maxBytes }): Promise<ObjectRead> {
      reads.push(key);
      if (options.forbidden) return { kind: 'forbidden' };
      const content = objects[key];
      if (content === undefined) return { kind: 'missing' };
      const object = { key, etag: `"${key}"` };
      if (ifNoneMatch === object.etag) return { kind: 'not-modified', object };
      const size = typeof content === 'number' ? content : content.length;
      const body =
        head || size > maxBytes || typeof content === 'number'
          ? undefined
          : new TextEncoder().encode(content);
      return { kind: 'found', object, size, body };
    },
    async presign(bucket, key) {
      return `https://${bucket}.s3.amazonaws.com/${key}?X-Amz-Signature=x`;
    },
  };
}

const get = (path: string, headers: Record<string, string> = {}): AlbEvent => ({
  httpMethod: 'GET',
  path,
  headers: { host: `feature-a.${DOMAIN}`, ...headers },
});
const text = (body: string) => Buffer.from(body, 'base64').toString('utf8');

describe('serve: one request', () => {
  const site = { 'index.html': '<h1>app</h1>', 'docs/index.html': '<h1>docs</h1>', 'a.js': 'x' };

  it('serves / from index.html', async () => {
    const r = await serve(get('/'), fakeSource(site));
    expect(r.statusCode).toBe(200);
    expect(text(r.body)).toBe('<h1>app</h1>');
    expect(r.headers['cache-control']).toBe('no-cache');
  });

  it("serves a directory's index.html", async () => {
    const r = await serve(get('/docs/'), fakeSource(site));
    expect(text(r.body)).toBe('<h1>docs</h1>');
  });

  it('falls back to the SPA page for an extension-less path, trying the object, its index and .html first', async () => {
    const source = fakeSource(site);
    const r = await serve(get('/orders/7'), source);
    expect(r.statusCode).toBe(200);
    expect(text(r.body)).toBe('<h1>app</h1>');
    expect(source.reads).toEqual([
      'orders/7',
      'orders/7/index.html',
      'orders/7.html',
      'index.html',
    ]);
  });

  it('answers 404 for a missing asset (no SPA page for a file name)', async () => {
    const source = fakeSource(site);
    const r = await serve(get('/missing.js'), source);
    expect(r.statusCode).toBe(404);
    expect(source.reads).toEqual(['missing.js']);
  });

  it('refuses path traversal before reading anything', async () => {
    const source = fakeSource(site);
    const r = await serve(get('/%2e%2e/other-env/index.html'), source);
    expect(r.statusCode).toBe(400);
    expect(source.reads).toEqual([]);
  });

  it('answers HEAD with the headers and no body', async () => {
    const r = await serve({ ...get('/a.js'), httpMethod: 'HEAD' }, fakeSource(site));
    expect(r).toMatchObject({ statusCode: 200, body: '', isBase64Encoded: false });
    expect(r.headers['content-type']).toBe('text/javascript; charset=utf-8');
  });

  it('answers 304 when If-None-Match is current', async () => {
    const r = await serve(get('/a.js', { 'if-none-match': '"a.js"' }), fakeSource(site));
    expect(r).toMatchObject({ statusCode: 304, body: '' });
    expect(r.headers['etag']).toBe('"a.js"');
  });

  it('redirects to a presigned URL for an object over the 1 MB response limit', async () => {
    const source = fakeSource({ 'video.mp4': MAX_INLINE_BYTES + 1 });
    const r = await serve(get('/video.mp4'), source);
    expect(r.statusCode).toBe(302);
    expect(r.headers['location']).toBe(
      'https://site-bucket.s3.amazonaws.com/video.mp4?X-Amz-Signature=x',
    );
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it("answers the platform's 404 for an unknown host or a site it may not read", async () => {
    for (const source of [
      fakeSource(site, { bucket: undefined }),
      fakeSource(site, { forbidden: true }),
    ]) {
      const r = await serve(get('/'), source);
      expect(r).toMatchObject({ statusCode: 404, body: UNKNOWN_HOST_BODY });
    }
  });

  it('allows GET and HEAD only', async () => {
    const r = await serve({ ...get('/'), httpMethod: 'POST' }, fakeSource(site));
    expect(r.statusCode).toBe(405);
    expect(r.headers['allow']).toBe('GET, HEAD');
  });
});

describe('siteSource: the AWS adapter', () => {
  const s3Mock = mockClient(S3Client);
  const ssmMock = mockClient(SSMClient);
  afterEach(() => {
    s3Mock.reset();
    ssmMock.reset();
  });
  const clients = (now = () => 0) => ({
    s3: new S3Client({ region: 'us-east-1' }),
    ssm: new SSMClient({ region: 'us-east-1' }),
    now,
  });
  const platform = {
    kind: 'config-bus' as const,
    app: 'shop',
    domain: DOMAIN,
    key: CONFIG_BUS.siteBucket.key,
    ttlMs: 60_000,
  };

  it("reads the environment's site bucket from its config-bus parameter, and caches it", async () => {
    ssmMock
      .on(GetParameterCommand, { Name: '/shop/feature-a/storage/site-bucket' })
      .resolves({ Parameter: { Value: 'shop-feature-a-storagesitebucket-abc' } });
    let now = 0;
    const source = siteSource(
      platform,
      clients(() => now),
    );
    expect(await source.bucketFor(`feature-a.${DOMAIN}`)).toBe(
      'shop-feature-a-storagesitebucket-abc',
    );
    expect(await source.bucketFor(`FEATURE-A.${DOMAIN}`)).toBe(
      'shop-feature-a-storagesitebucket-abc',
    );
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(1);
    now = 60_001;
    await source.bucketFor(`feature-a.${DOMAIN}`);
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it('has no bucket for an environment without the parameter, another domain, or a bucket of another app', async () => {
    ssmMock
      .on(GetParameterCommand, { Name: '/shop/gone/storage/site-bucket' })
      .rejects(new ParameterNotFound({ message: 'not found', $metadata: {} }));
    ssmMock
      .on(GetParameterCommand, { Name: '/shop/sneaky/storage/site-bucket' })
      .resolves({ Parameter: { Value: 'other-app-prod-sitebucket-abc' } });
    const source = siteSource(platform, clients());
    expect(await source.bucketFor(`gone.${DOMAIN}`)).toBeUndefined();
    expect(await source.bucketFor(`sneaky.${DOMAIN}`)).toBeUndefined();
    expect(await source.bucketFor('gone.example.com')).toBeUndefined();
    expect(await source.bucketFor(undefined)).toBeUndefined();
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(2);
  });

  it("a dedicated environment's server serves its one bucket and never reads SSM", async () => {
    const source = siteSource({ kind: 'bucket', bucket: 'own-bucket' }, clients());
    expect(await source.bucketFor('anything')).toBe('own-bucket');
    expect(ssmMock.commandCalls(GetParameterCommand)).toHaveLength(0);
  });

  const s3Error = (name: string, status: number) =>
    new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status } });

  it('reads an object (GetObject, with If-None-Match), and tells missing, forbidden and not-modified apart', async () => {
    const body = { transformToByteArray: async () => new TextEncoder().encode('hello') };
    s3Mock.on(GetObjectCommand, { Bucket: 'b', Key: 'a.txt' }).resolves({
      ContentLength: 5,
      ETag: '"e"',
      ContentType: 'text/plain',
      Body: body as never,
    });
    s3Mock.on(GetObjectCommand, { Bucket: 'b', Key: 'gone' }).rejects(s3Error('NoSuchKey', 404));
    s3Mock
      .on(GetObjectCommand, { Bucket: 'b', Key: 'private' })
      .rejects(s3Error('AccessDenied', 403));
    s3Mock.on(GetObjectCommand, { Bucket: 'b', Key: 'same' }).rejects(s3Error('NotModified', 304));
    const source = siteSource({ kind: 'bucket', bucket: 'b' }, clients());
    const options = { head: false, maxBytes: MAX_INLINE_BYTES, ifNoneMatch: '"old"' };
    const found = await source.read('b', 'a.txt', options);
    expect(found).toMatchObject({ kind: 'found', size: 5, object: { etag: '"e"' } });
    expect(found.kind === 'found' && new TextDecoder().decode(found.body)).toBe('hello');
    expect(s3Mock.commandCalls(GetObjectCommand)[0]!.args[0].input).toEqual({
      Bucket: 'b',
      Key: 'a.txt',
      IfNoneMatch: '"old"',
    });
    expect(await source.read('b', 'gone', options)).toEqual({ kind: 'missing' });
    expect(await source.read('b', 'private', options)).toEqual({ kind: 'forbidden' });
    expect(await source.read('b', 'same', options)).toMatchObject({ kind: 'not-modified' });
  });

  it('does not download an object too big to answer inline, and HEADs without a body', async () => {
    const destroy = vi.fn();
    const transform = vi.fn();
    s3Mock.on(GetObjectCommand).resolves({
      ContentLength: MAX_INLINE_BYTES + 1,
      Body: { destroy, transformToByteArray: transform } as never,
    });
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 3, ETag: '"h"' });
    const source = siteSource({ kind: 'bucket', bucket: 'b' }, clients());
    const big = await source.read('b', 'big.mp4', { head: false, maxBytes: MAX_INLINE_BYTES });
    expect(big).toMatchObject({ kind: 'found', size: MAX_INLINE_BYTES + 1, body: undefined });
    expect(destroy).toHaveBeenCalled();
    expect(transform).not.toHaveBeenCalled();
    const head = await source.read('b', 'a.js', { head: true, maxBytes: MAX_INLINE_BYTES });
    expect(head).toMatchObject({
      kind: 'found',
      size: 3,
      body: undefined,
      object: { etag: '"h"' },
    });
  });

  it('presigns a short-lived GET URL (computed locally, no call)', async () => {
    const s3Client = new S3Client({
      region: 'us-east-1',
      credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
    });
    const source = siteSource({ kind: 'bucket', bucket: 'b' }, { ...clients(), s3: s3Client });
    const url = new URL(await source.presign('shop-a-site', 'video.mp4'));
    expect(url.hostname).toBe('shop-a-site.s3.us-east-1.amazonaws.com');
    expect(url.pathname).toBe('/video.mp4');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('the handler', () => {
  it('takes its bucket, or the platform settings, from its environment', () => {
    expect(lookupOf({ SITE_BUCKET: 'own' })).toEqual({ kind: 'bucket', bucket: 'own' });
    expect(
      lookupOf({ APP: 'shop', DOMAIN, SITE_BUCKET_KEY: 'storage/site-bucket', CACHE_SECONDS: '5' }),
    ).toEqual({
      kind: 'config-bus',
      app: 'shop',
      domain: DOMAIN,
      key: 'storage/site-bucket',
      ttlMs: 5000,
    });
    expect(() => lookupOf({ APP: 'shop' })).toThrow(/needs SITE_BUCKET, or APP, DOMAIN/);
  });

  it('is bundled at synth (esbuild, the AWS SDK included) into one ESM file that loads and answers', async () => {
    const app = new App({ outdir: outdir(), analyticsReporting: false });
    const stack = new Stack(app, 'Bundle', {
      env: { account: '111111111111', region: 'us-east-1' },
    });
    new SiteServer(stack, 'SiteServer', {
      source: { kind: 'bucket', bucket: new s3.Bucket(stack, 'Bucket') },
      logRetentionDays: 3,
      removalPolicy: 'destroy' as never,
    });
    const assembly = app.synth();
    const assets = readdirSync(assembly.directory).filter((f) => f.startsWith('asset.'));
    const bundles = assets.filter((a) =>
      readdirSync(join(assembly.directory, a)).includes('index.mjs'),
    );
    expect(bundles).toHaveLength(1);
    process.env['SITE_BUCKET'] = 'bundle-test';
    try {
      const mod = (await import(
        pathToFileURL(join(assembly.directory, bundles[0]!, 'index.mjs')).href
      )) as { handler: (e: AlbEvent) => Promise<{ statusCode: number }> };
      // A method the server refuses before any AWS call: the bundle runs without credentials.
      const r = await mod.handler({ httpMethod: 'DELETE', path: '/', headers: {} });
      expect(r.statusCode).toBe(405);
    } finally {
      delete process.env['SITE_BUCKET'];
      removeOutdirs();
    }
  });
});
