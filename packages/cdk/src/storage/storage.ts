import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

export interface StorageProps {
  /** DESTROY empties (auto-delete objects) and deletes both buckets with the stack. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * The environment's own origin (`https://<env>.<domain>`): the only origin CORS allows on the
   * data bucket (browsers upload and download with presigned URLs).
   * @default - no CORS rule: no cross-origin access at all
   */
  readonly dataBucketOrigin?: string;
  /**
   * The only origin CORS allows on the site bucket. The site is served through CloudFront on the
   * same origin, so this is only needed for direct fetches of site objects from the service's page.
   * @default - no CORS rule
   */
  readonly siteBucketOrigin?: string;
  /**
   * Keep object versions (protected environments).
   * @default false
   */
  readonly versioned?: boolean;
}

/**
 * The service's private data bucket and the static-site bucket. Both: SSE-S3 encryption, every
 * public access blocked, bucket-owner-enforced ownership (no ACLs), TLS-only bucket policy, CORS
 * limited to the environment's own origin, incomplete uploads aborted after a day. Names are chosen
 * by CloudFormation (bucket names are global; they reach the service through the config bus).
 */
export class Storage extends Construct {
  readonly dataBucket: s3.Bucket;
  readonly siteBucket: s3.Bucket;

  constructor(scope: Construct, id: string, props: StorageProps) {
    super(scope, id);
    this.dataBucket = this.bucket('DataBucket', props, props.dataBucketOrigin, [
      s3.HttpMethods.GET,
      s3.HttpMethods.PUT,
      s3.HttpMethods.HEAD,
    ]);
    this.siteBucket = this.bucket('SiteBucket', props, props.siteBucketOrigin, [
      s3.HttpMethods.GET,
      s3.HttpMethods.HEAD,
    ]);
  }

  private bucket(
    id: string,
    props: StorageProps,
    origin: string | undefined,
    methods: s3.HttpMethods[],
  ): s3.Bucket {
    const destroy = props.removalPolicy === 'destroy';
    return new s3.Bucket(this, id, {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      versioned: props.versioned ?? false,
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: destroy,
      lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
      cors:
        origin === undefined
          ? undefined
          : [
              {
                allowedOrigins: [origin],
                allowedMethods: methods,
                allowedHeaders: ['*'],
                exposedHeaders: ['ETag'],
                maxAge: 3000,
              },
            ],
    });
  }
}
