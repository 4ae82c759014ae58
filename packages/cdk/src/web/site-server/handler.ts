import { S3Client } from '@aws-sdk/client-s3';
import { SSMClient } from '@aws-sdk/client-ssm';
import { siteSource, type BucketLookup } from './aws.js';
import { textResult, type AlbEvent, type AlbResult } from './respond.js';
import { serve } from './serve.js';

/**
 * The site server: a Lambda target of an Application Load Balancer that serves a static site from
 * S3 (docs/services.md, "The site"). Bundled with esbuild at synth (site-server.ts), the AWS SDK
 * included. Settings from its environment variables:
 * - `SITE_BUCKET`: a dedicated environment's own bucket; or
 * - `APP`, `DOMAIN`, `SITE_BUCKET_KEY`: the platform's, which maps `<env>.<domain>` to the
 *   environment's site bucket through the config bus (cached `CACHE_SECONDS`, default 60).
 */
export function lookupOf(variables: Readonly<Record<string, string | undefined>>): BucketLookup {
  const bucket = variables['SITE_BUCKET'];
  if (bucket !== undefined && bucket !== '') return { kind: 'bucket', bucket };
  const { APP: app, DOMAIN: domain, SITE_BUCKET_KEY: key } = variables;
  if (!app || !domain || !key)
    throw new Error('bug: the site server needs SITE_BUCKET, or APP, DOMAIN and SITE_BUCKET_KEY');
  const seconds = Number(variables['CACHE_SECONDS'] ?? '60');
  return {
    kind: 'config-bus',
    app,
    domain,
    key,
    ttlMs: (Number.isFinite(seconds) && seconds >= 0 ? seconds : 60) * 1000,
  };
}

let source: ReturnType<typeof siteSource> | undefined;

export async function handler(event: AlbEvent): Promise<AlbResult> {
  source ??= siteSource(lookupOf(process.env), { s3: new S3Client({}), ssm: new SSMClient({}) });
  try {
    return await serve(event, source);
  } catch (error) {
    console.error(
      JSON.stringify({ message: 'site server error', path: event.path, error: String(error) }),
    );
    return textResult(502, 'The site is not available right now.');
  }
}
