import { DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import {
  attachmentS3Client,
  contentDisposition,
  createS3AttachmentStorage,
} from '../src/attachments/attachment-storage.js';
import { testApp } from './test-app.js';

const s3mock = mockClient(S3Client);
afterEach(() => s3mock.reset());

// Presigning is local computation (no request is sent); static fake credentials make it deterministic.
function storage() {
  const client = attachmentS3Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIAEXAMPLEEXAMPLE00', secretAccessKey: 'not-a-real-secret' },
  });
  return createS3AttachmentStorage(client, 'demo-feature-x-data');
}

describe('S3 attachment storage', () => {
  it('presigns a PUT bound to the key, the content type and the length, valid 5 minutes', async () => {
    const url = new URL(await storage().uploadUrl('items/abc/def', 'image/png', 1234));
    expect(url.hostname).toBe('demo-feature-x-data.s3.eu-west-1.amazonaws.com');
    expect(url.pathname).toBe('/items/abc/def');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // S3 refuses an upload whose Content-Type or Content-Length differs from the signed ones
    expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(
      expect.arrayContaining(['content-type', 'content-length']),
    );
    // no checksum of the empty body signed in (it would make every real upload fail)
    expect(
      [...url.searchParams.keys()].filter((k) => k.toLowerCase().includes('checksum')),
    ).toEqual([]);
  });

  it('presigns a GET that downloads under the original file name', async () => {
    const url = new URL(await storage().downloadUrl('items/abc/def', 'report (final).pdf'));
    expect(url.pathname).toBe('/items/abc/def');
    expect(url.searchParams.get('response-content-disposition')).toBe(
      "attachment; filename*=UTF-8''report%20%28final%29.pdf",
    );
  });

  it('encodes file names so no header can be injected', () => {
    expect(contentDisposition('a";\r\nx-evil: 1.txt')).toBe(
      "attachment; filename*=UTF-8''a%22%3B%0D%0Ax-evil%3A%201.txt",
    );
  });

  it('deletes an object with exactly one DeleteObject call', async () => {
    s3mock.on(DeleteObjectCommand).resolves({});
    await storage().delete('items/abc/def');
    expect(s3mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input)).toEqual([
      { Bucket: 'demo-feature-x-data', Key: 'items/abc/def' },
    ]);
  });
});

describe('attachment routes', () => {
  it('records an attachment, returns an upload URL, serves a download URL, deletes the object with the item', async () => {
    s3mock.on(DeleteObjectCommand).resolves({});
    const t = testApp({ attachments: storage() });
    const item = (
      await t.app.inject({ method: 'POST', url: '/api/items', payload: { name: 'with file' } })
    ).json<{ id: string }>();
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/items/${item.id}/attachment`,
      payload: { fileName: 'photo.png', contentType: 'image/png', size: 1234 },
    });
    expect(r.statusCode).toBe(201);
    const body = r.json<{
      item: { attachment: unknown };
      upload: { url: string; method: string; headers: Record<string, string> };
    }>();
    expect(body.item.attachment).toEqual({
      fileName: 'photo.png',
      contentType: 'image/png',
      size: 1234,
    });
    expect(body.upload.method).toBe('PUT');
    expect(body.upload.headers).toEqual({ 'content-type': 'image/png' });
    const key = new URL(body.upload.url).pathname.slice(1);
    expect(key).toMatch(new RegExp(`^items/${item.id}/[0-9a-f-]{36}$`));

    const dl = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}/attachment` });
    expect(dl.statusCode).toBe(200);
    expect(new URL(dl.json<{ url: string }>().url).pathname).toBe(`/${key}`);

    expect(
      (await t.app.inject({ method: 'DELETE', url: `/api/items/${item.id}` })).statusCode,
    ).toBe(204);
    expect(s3mock.commandCalls(DeleteObjectCommand).map((c) => c.args[0].input.Key)).toEqual([key]);
    await t.app.close();
  });

  it.each([
    [
      { fileName: 'a.png', contentType: 'image/png', size: 11 * 1024 * 1024 },
      /\/size must be <= 10485760/,
    ],
    [
      { fileName: '../etc/passwd', contentType: 'text/plain', size: 1 },
      /\/fileName must not contain/,
    ],
    [
      { fileName: 'a.png', contentType: 'Image/PNG; x=1', size: 1 },
      /\/contentType must be a lowercase media type/,
    ],
    [{ fileName: 'a.png', contentType: 'image/png' }, /\/size must have required property/],
  ])('rejects %j with a 400', async (payload, message) => {
    const t = testApp({ attachments: storage() });
    const item = (
      await t.app.inject({ method: 'POST', url: '/api/items', payload: { name: 'x' } })
    ).json<{ id: string }>();
    const r = await t.app.inject({
      method: 'POST',
      url: `/api/items/${item.id}/attachment`,
      payload,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json<{ message: string }>().message).toMatch(message);
    await t.app.close();
  });

  it('answers 503 with the reason when the environment has no data bucket', async () => {
    const t = testApp();
    const item = (
      await t.app.inject({ method: 'POST', url: '/api/items', payload: { name: 'x' } })
    ).json<{ id: string }>();
    const r = await t.app.inject({ method: 'GET', url: `/api/items/${item.id}/attachment` });
    expect(r.statusCode).toBe(503);
    expect(r.json()).toMatchObject({ error: 'attachments_unavailable', message: /DATA_BUCKET/ });
    await t.app.close();
  });
});
