import { Stack, type RemovalPolicy } from 'aws-cdk-lib';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';

export interface SiteContentProps {
  /** The built site (`apps/web/dist`). */
  readonly directory: string;
  readonly bucket: s3.IBucket;
  /**
   * Distribution to invalidate after an upload.
   * @default - none
   */
  readonly distribution?: cloudfront.IDistribution;
  /** DESTROY: the objects go when the stack does (the bucket auto-deletes them too). */
  readonly removalPolicy: RemovalPolicy;
}

/**
 * Uploads the static site into the site bucket (CDK BucketDeployment: a helper Lambda outside any
 * VPC; its log group is made explicit by the environment stack so it goes with the stack).
 */
export class SiteContent extends Construct {
  readonly deployment: s3deploy.BucketDeployment;

  constructor(scope: Construct, id: string, props: SiteContentProps) {
    super(scope, id);
    this.deployment = new s3deploy.BucketDeployment(this, 'Deployment', {
      sources: [s3deploy.Source.asset(props.directory)],
      destinationBucket: props.bucket,
      distribution: props.distribution,
      distributionPaths: props.distribution ? ['/*'] : undefined,
      // Start the invalidation, do not wait for it: the waiter intermittently gives up and fails
      // (and rolls back) the whole deploy over a cache flush (aws-cdk#15891).
      waitForDistributionInvalidation: false,
      prune: true,
      retainOnDelete: props.removalPolicy !== 'destroy',
      memoryLimit: 256,
    });
    // The AWS CLI layer CDK adds would be named after its logical id alone; named after the stack,
    // the deploy roles' execution role can scope it to the class's environments like functions.
    const layer = this.deployment.node.tryFindChild('AwsCliLayer') as
      lambda.LayerVersion | undefined;
    const cfnLayer = layer?.node.defaultChild as lambda.CfnLayerVersion | undefined;
    if (cfnLayer === undefined) throw new Error('bug: BucketDeployment without its AWS CLI layer');
    cfnLayer.layerName = `${Stack.of(this).stackName}-awscli`;
  }
}
