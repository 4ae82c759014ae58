import {
  DeleteObjectCommand,
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { S3ClientConfig } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Item attachments in the environment's private bucket; the browser moves the bytes. */
export interface AttachmentStorage {
  readonly bucket: string;
  /**
   * Presigned PUT; the upload must send exactly this Content-Type and a Content-Length of exactly
   * `size` bytes (both are signed, so S3 refuses any other), which is how the declared size limit
   * holds for the bytes actually stored.
   */
  uploadUrl(key: string, contentType: string, size: number): Promise<string>;
  /** Presigned GET that downloads under `fileName`. */
  downloadUrl(key: string, fileName: string): Promise<string>;
  delete(key: string): Promise<void>;
}

/** Seconds a presigned URL is valid. */
export const PRESIGN_EXPIRES_SECONDS = 300;

/** RFC 6266/5987 attachment disposition; the name is percent-encoded so nothing can be injected. */
export function contentDisposition(fileName: string): string {
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename*=UTF-8''${encoded}`;
}

/**
 * The S3 client for presigning. Since @aws-sdk/client-s3 3.729 the default checksum mode signs the
 * CRC32 of the (empty) body at presign time into a PUT URL (`x-amz-checksum-crc32=AAAAAA==`), so
 * every real upload fails; checksums only when an operation requires them fixes that
 * (aws/aws-sdk-js-v3#6994).
 */
export function attachmentS3Client(config: S3ClientConfig = {}): S3Client {
  return new S3Client({
    ...config,
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

export function createS3AttachmentStorage(client: S3Client, bucket: string): AttachmentStorage {
  return {
    bucket,
    uploadUrl: (key, contentType, size) =>
      getSignedUrl(
        client,
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          ContentType: contentType,
          ContentLength: size,
        }),
        {
          expiresIn: PRESIGN_EXPIRES_SECONDS,
          // Sign Content-Type and Content-Length so the upload must be what the item records: a
          // body of another length (e.g. over the 10 MiB the API checked) fails the signature.
          signableHeaders: new Set(['content-type', 'content-length']),
        },
      ),
    downloadUrl: (key, fileName) =>
      getSignedUrl(
        client,
        new GetObjectCommand({
          Bucket: bucket,
          Key: key,
          ResponseContentDisposition: contentDisposition(fileName),
        }),
        { expiresIn: PRESIGN_EXPIRES_SECONDS },
      ),
    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
    },
  };
}
