import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

/** The two S3 calls experiment results need: results too big for a parameter go to the bucket. */
export interface ObjectStore {
  put(bucket: string, key: string, body: string): Promise<void>;
  get(bucket: string, key: string): Promise<string>;
}

/** Thin adapter over SDK v3's S3Client. */
export function s3Store(client: S3Client): ObjectStore {
  return {
    async put(bucket, key, body) {
      await client.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
        }),
      );
    },
    async get(bucket, key) {
      const out = await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      if (!out.Body) throw new Error(`s3://${bucket}/${key} has no body`);
      return out.Body.transformToString('utf8');
    },
  };
}
