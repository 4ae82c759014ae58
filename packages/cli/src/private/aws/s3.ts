import { DeleteObjectsCommand, ListObjectVersionsCommand } from '@aws-sdk/client-s3';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/**
 * Delete every object version and delete marker of a bucket, so CloudFormation can delete it.
 * Returns how many were deleted; a bucket that no longer exists counts as empty.
 */
export async function emptyBucket(aws: AwsClients, bucket: string): Promise<number> {
  let deleted = 0;
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    let page;
    try {
      page = await withRetry(
        () =>
          aws.s3.send(
            new ListObjectVersionsCommand({
              Bucket: bucket,
              KeyMarker: keyMarker,
              VersionIdMarker: versionMarker,
            }),
          ),
        aws.retry,
      );
    } catch (error) {
      if (error instanceof Error && error.name === 'NoSuchBucket') return deleted;
      throw error;
    }
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])]
      .filter((o) => o.Key !== undefined)
      .map((o) => ({ Key: o.Key as string, VersionId: o.VersionId }));
    for (let i = 0; i < objects.length; i += 1000) {
      const batch = objects.slice(i, i + 1000);
      const out = await withRetry(
        () =>
          aws.s3.send(
            new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: batch, Quiet: true } }),
          ),
        aws.retry,
      );
      const errors = out.Errors ?? [];
      if (errors.length > 0) {
        throw new Error(
          `could not delete ${errors.length} object(s) of bucket ${bucket}: ${errors[0]?.Code} ${errors[0]?.Message}`,
        );
      }
      deleted += batch.length;
    }
    if (!page.IsTruncated) return deleted;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
}
