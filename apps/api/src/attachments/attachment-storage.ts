import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import type { S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

/** Item attachments in the environment's private bucket; the browser moves the bytes. */
export interface AttachmentStorage {
  readonly bucket: string;
  /** Presigned PUT; the upload must send exactly this Content-Type. */
  uploadUrl(key: string, contentType: string): Promise<string>;
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

export function createS3AttachmentStorage(client: S3Client, bucket: string): AttachmentStorage {
  return {
    bucket,
    uploadUrl: (key, contentType) =>
      getSignedUrl(
        client,
        new PutObjectCommand({ Bucket: bucket, Key: key, ContentType: contentType }),
        {
          expiresIn: PRESIGN_EXPIRES_SECONDS,
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
