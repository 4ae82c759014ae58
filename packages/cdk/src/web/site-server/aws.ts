import { GetObjectCommand, HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { GetParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { environmentOfHost, PRESIGNED_URL_SECONDS } from './respond.js';
import type { ObjectRead, SiteSource } from './serve.js';

/** Where the site server finds the bucket of a request. */
export type BucketLookup =
  /** A dedicated environment's own server: its one bucket, whatever the host. */
  | { readonly kind: 'bucket'; readonly bucket: string }
  /**
   * The platform's server: `<env>.<domain>` -> the environment's config-bus parameter
   * `/<app>/<env>/<key>` (its site bucket), cached for `ttlMs`.
   */
  | {
      readonly kind: 'config-bus';
      readonly app: string;
      readonly domain: string;
      /** The config-bus key of the site bucket (`CONFIG_BUS.siteBucket.key` of core). */
      readonly key: string;
      readonly ttlMs: number;
    };

export interface SiteClients {
  readonly s3: S3Client;
  readonly ssm: SSMClient;
  /** @default Date.now */
  readonly now?: () => number;
}

function statusOf(error: unknown): number | undefined {
  const meta = (error as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata;
  return meta?.httpStatusCode;
}

function nameOf(error: unknown): string | undefined {
  return (error as { name?: string } | undefined)?.name;
}

/**
 * The site server's AWS calls, thin: SSM GetParameter (an environment's site bucket, platform
 * only), S3 GetObject / HeadObject, and a presigned GetObject URL for objects too big to answer
 * inline. Tested with aws-sdk-client-mock (test/site-server.test.ts).
 */
export function siteSource(lookup: BucketLookup, clients: SiteClients): SiteSource {
  const now = clients.now ?? Date.now;
  const cache = new Map<string, { bucket: string | undefined; until: number }>();

  async function bucketOfEnvironment(
    environment: string,
    l: Extract<BucketLookup, { kind: 'config-bus' }>,
  ): Promise<string | undefined> {
    const cached = cache.get(environment);
    if (cached !== undefined && cached.until > now()) return cached.bucket;
    let bucket: string | undefined;
    try {
      const out = await clients.ssm.send(
        new GetParameterCommand({ Name: `/${l.app}/${environment}/${l.key}` }),
      );
      bucket = out.Parameter?.Value;
    } catch (error) {
      if (nameOf(error) !== 'ParameterNotFound') throw error;
    }
    // CloudFormation names buckets after their stack, `<app>-<env>...` (the deploy roles' bucket
    // scope relies on it too): a parameter naming another app's bucket is not served.
    const prefix = `${l.app}-${environment}`.toLowerCase();
    if (bucket !== undefined && !bucket.startsWith(prefix)) bucket = undefined;
    cache.set(environment, { bucket, until: now() + l.ttlMs });
    return bucket;
  }

  return {
    async bucketFor(host) {
      if (lookup.kind === 'bucket') return lookup.bucket;
      const environment = environmentOfHost(host, lookup.domain);
      return environment === undefined ? undefined : bucketOfEnvironment(environment, lookup);
    },

    async read(bucket, key, options): Promise<ObjectRead> {
      const input = { Bucket: bucket, Key: key, IfNoneMatch: options.ifNoneMatch };
      try {
        if (options.head) {
          const out = await clients.s3.send(new HeadObjectCommand(input));
          return {
            kind: 'found',
            object: {
              key,
              etag: out.ETag,
              lastModified: out.LastModified,
              contentType: out.ContentType,
            },
            size: out.ContentLength ?? 0,
            body: undefined,
          };
        }
        const out = await clients.s3.send(new GetObjectCommand(input));
        const object = {
          key,
          etag: out.ETag,
          lastModified: out.LastModified,
          contentType: out.ContentType,
        };
        const size = out.ContentLength ?? 0;
        if (size > options.maxBytes) {
          // Do not download what cannot be answered inline: close the stream.
          (out.Body as { destroy?: () => void } | undefined)?.destroy?.();
          return { kind: 'found', object, size, body: undefined };
        }
        const body =
          out.Body === undefined ? new Uint8Array() : await out.Body.transformToByteArray();
        return { kind: 'found', object, size: body.byteLength, body };
      } catch (error) {
        const status = statusOf(error);
        if (status === 304)
          return { kind: 'not-modified', object: { key, etag: options.ifNoneMatch } };
        if (status === 404 || nameOf(error) === 'NoSuchKey' || nameOf(error) === 'NotFound')
          return { kind: 'missing' };
        if (status === 403) return { kind: 'forbidden' };
        throw error;
      }
    },

    presign(bucket, key) {
      return getSignedUrl(clients.s3, new GetObjectCommand({ Bucket: bucket, Key: key }), {
        expiresIn: PRESIGNED_URL_SECONDS,
      });
    },
  };
}
