import {
  MAX_INLINE_BYTES,
  methodNotAllowed,
  notModifiedResult,
  objectKeysOf,
  objectResult,
  redirectResult,
  textResult,
  UNKNOWN_HOST_BODY,
  type AlbEvent,
  type AlbResult,
  type ObjectFacts,
} from './respond.js';

/** One object read (GetObject, or HeadObject for HEAD), as the site server needs it. */
export type ObjectRead =
  | {
      readonly kind: 'found';
      readonly object: ObjectFacts;
      readonly size: number;
      /** Undefined for HEAD, and when the object is bigger than the read's `maxBytes`. */
      readonly body: Uint8Array | undefined;
    }
  | { readonly kind: 'not-modified'; readonly object: ObjectFacts }
  | { readonly kind: 'missing' }
  /** The bucket does not let the site server read (a private environment grants nothing). */
  | { readonly kind: 'forbidden' };

/** What the site server asks of AWS (aws.ts): its own tests use fakes of this. */
export interface SiteSource {
  /** The bucket of the site the request's host names, or undefined when there is none. */
  bucketFor(host: string | undefined): Promise<string | undefined>;
  read(
    bucket: string,
    key: string,
    options: { readonly head: boolean; readonly ifNoneMatch?: string; readonly maxBytes: number },
  ): Promise<ObjectRead>;
  /** A short-lived presigned GET URL of an object. */
  presign(bucket: string, key: string): Promise<string>;
}

/**
 * Answer one request: the site of the host's environment, the first object of the path's
 * candidates (objectKeysOf) that exists; the platform's 404 for an unknown host, an environment
 * without a site or a site it may not read.
 */
export async function serve(event: AlbEvent, source: SiteSource): Promise<AlbResult> {
  const method = event.httpMethod.toUpperCase();
  const head = method === 'HEAD';
  if (method !== 'GET' && !head) return methodNotAllowed();
  const bucket = await source.bucketFor(event.headers?.['host']);
  if (bucket === undefined) return textResult(404, UNKNOWN_HOST_BODY, head);
  const keys = objectKeysOf(event.path);
  if (keys === undefined) return textResult(400, 'Bad request path.', head);
  const ifNoneMatch = event.headers?.['if-none-match'];
  for (const key of keys) {
    const read = await source.read(bucket, key, {
      head,
      ifNoneMatch,
      maxBytes: MAX_INLINE_BYTES,
    });
    if (read.kind === 'missing') continue;
    if (read.kind === 'forbidden') return textResult(404, UNKNOWN_HOST_BODY, head);
    if (read.kind === 'not-modified') return notModifiedResult(read.object);
    if (head) return objectResult(read.object, undefined);
    if (read.body === undefined || read.size > MAX_INLINE_BYTES)
      return redirectResult(await source.presign(bucket, key));
    return objectResult(read.object, read.body);
  }
  return textResult(404, 'Not found.', head);
}
