/**
 * The site server's decisions, pure (docs/services.md, "The site"): which objects a request path
 * may name, which environment a host is, and the Application Load Balancer responses (a Lambda
 * target answers with a JSON object whose body is base64 for binary content, 1 MB at most).
 */

/** The request an Application Load Balancer sends a Lambda target (multi-value headers off). */
export interface AlbEvent {
  readonly httpMethod: string;
  /** The request path as the client sent it (percent-encoded). */
  readonly path: string;
  /** Header names in lower case. */
  readonly headers?: Readonly<Record<string, string | undefined>> | undefined;
}

/** What a Lambda target answers the load balancer. */
export interface AlbResult {
  readonly statusCode: number;
  readonly statusDescription: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly isBase64Encoded: boolean;
}

/** The platform's answer for a host no environment serves (before the site server: a fixed 404). */
export const UNKNOWN_HOST_BODY = 'No environment answers at this name.';

/**
 * The largest object answered inline. The load balancer takes at most 1 MB of response JSON from
 * a Lambda target (https://docs.aws.amazon.com/elasticloadbalancing/latest/application/lambda-functions.html),
 * and base64 makes 3 bytes 4: 700,000 bytes are 933,336 characters, leaving room for the headers.
 * Bigger objects get a redirect to a short-lived presigned S3 URL.
 */
export const MAX_INLINE_BYTES = 700_000;

/** Seconds a presigned URL for a big object stays valid. */
export const PRESIGNED_URL_SECONDS = 300;

const REASONS: Readonly<Record<number, string>> = {
  200: 'OK',
  302: 'Found',
  304: 'Not Modified',
  400: 'Bad Request',
  404: 'Not Found',
  405: 'Method Not Allowed',
  502: 'Bad Gateway',
};

/**
 * The object keys a request path may be served from, in the order to try them, or undefined when
 * the path is refused (bad percent-encoding, `..`, a backslash or a NUL: nothing outside the
 * bucket's key space is ever asked for, and no key is built from an unchecked segment).
 * - `/` and directories (`/docs/`): their `index.html`, then the SPA's `/index.html`;
 * - a name with an extension (`/assets/app-1a2b3c4d.js`): that object only (a missing asset is a
 *   404, not the SPA's page);
 * - a name without one (`/about`): the object itself, `about/index.html`, `about.html`, then the
 *   SPA's `/index.html` (client-side routes).
 */
export function objectKeysOf(path: string): string[] | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (!decoded.startsWith('/') || /[\\\0]/.test(decoded)) return undefined;
  const segments = decoded.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) return undefined;
  const key = segments.join('/');
  if (key === '') return ['index.html'];
  if (decoded.endsWith('/')) return [`${key}/index.html`, 'index.html'];
  const last = segments[segments.length - 1] ?? '';
  if (/\.[A-Za-z0-9]+$/.test(last)) return [key];
  return [key, `${key}/index.html`, `${key}.html`, 'index.html'];
}

/**
 * The environment a Host header names on the platform's domain: `<env>.<domain>` (any port and a
 * trailing dot ignored, case-insensitive) with `<env>` one DNS label that starts with a letter,
 * as environment names do. Undefined for any other host.
 */
export function environmentOfHost(host: string | undefined, domain: string): string | undefined {
  if (host === undefined) return undefined;
  const name = host.trim().toLowerCase().replace(/:\d+$/, '').replace(/\.$/, '');
  const suffix = `.${domain.toLowerCase().replace(/\.$/, '')}`;
  if (!name.endsWith(suffix)) return undefined;
  const label = name.slice(0, -suffix.length);
  return /^[a-z][a-z0-9-]{0,62}$/.test(label) ? label : undefined;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  map: 'application/json; charset=utf-8',
  json: 'application/json; charset=utf-8',
  webmanifest: 'application/manifest+json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  xml: 'application/xml; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  ico: 'image/x-icon',
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mp3: 'audio/mpeg',
  zip: 'application/zip',
};

/** Content-Type by the key's extension, else what S3 recorded, else binary. */
export function contentTypeOf(key: string, stored?: string): string {
  const extension = /\.([A-Za-z0-9]+)$/.exec(key)?.[1]?.toLowerCase();
  return (
    (extension === undefined ? undefined : CONTENT_TYPES[extension]) ??
    stored ??
    'application/octet-stream'
  );
}

/**
 * A build tool's content-hashed file name (`main.3f2a1b9c.js`, Vite's `index-DiwrgTda.js`): one
 * `.`- or `-`-separated part of 8+ letters and digits with a digit or an upper-case letter in it
 * (so `my-component.js` is not one).
 */
export function isHashedAsset(key: string): boolean {
  const name = key.slice(key.lastIndexOf('/') + 1);
  const parts = name.split(/[.-]/).slice(1, -1);
  return parts.some(
    (p) => /^[A-Za-z0-9_]{8,}$/.test(p) && /[0-9A-Z]/.test(p) && /[a-z]|\d/.test(p),
  );
}

/** HTML is revalidated on every load; hashed assets never change; the rest for five minutes. */
export function cacheControlOf(key: string): string {
  if (/\.html?$/i.test(key)) return 'no-cache';
  if (isHashedAsset(key)) return 'public, max-age=31536000, immutable';
  return 'public, max-age=300';
}

function result(
  statusCode: number,
  headers: Record<string, string>,
  body: string,
  isBase64Encoded = false,
): AlbResult {
  return {
    statusCode,
    statusDescription: `${statusCode} ${REASONS[statusCode] ?? ''}`.trim(),
    headers: { 'x-content-type-options': 'nosniff', ...headers },
    body,
    isBase64Encoded,
  };
}

/** A short plain-text answer (errors, the unknown-host 404). */
export function textResult(statusCode: number, text: string, head = false): AlbResult {
  return result(
    statusCode,
    { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-cache' },
    head ? '' : text,
  );
}

export function methodNotAllowed(): AlbResult {
  const text = textResult(405, 'Only GET and HEAD.');
  return { ...text, headers: { ...text.headers, allow: 'GET, HEAD' } };
}

/** What is known of an object before its body is sent. */
export interface ObjectFacts {
  readonly key: string;
  readonly etag?: string | undefined;
  readonly lastModified?: Date | undefined;
  /** The Content-Type S3 recorded at upload. */
  readonly contentType?: string | undefined;
}

/** An object, inline (base64): the body is omitted for HEAD. */
export function objectResult(object: ObjectFacts, body: Uint8Array | undefined): AlbResult {
  const headers: Record<string, string> = {
    'content-type': contentTypeOf(object.key, object.contentType),
    'cache-control': cacheControlOf(object.key),
  };
  if (object.etag !== undefined) headers['etag'] = object.etag;
  if (object.lastModified !== undefined)
    headers['last-modified'] = object.lastModified.toUTCString();
  return result(
    200,
    headers,
    body === undefined ? '' : Buffer.from(body).toString('base64'),
    body !== undefined,
  );
}

/** The client's copy is current (If-None-Match matched the object's ETag). */
export function notModifiedResult(object: ObjectFacts): AlbResult {
  const headers: Record<string, string> = { 'cache-control': cacheControlOf(object.key) };
  if (object.etag !== undefined) headers['etag'] = object.etag;
  return result(304, headers, '');
}

/** An object too big to answer inline: a redirect to a short-lived presigned URL. */
export function redirectResult(url: string): AlbResult {
  return result(302, { location: url, 'cache-control': 'no-store' }, '');
}
