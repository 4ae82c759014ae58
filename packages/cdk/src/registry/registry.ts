import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import { Construct } from 'constructs';

export interface RegistryProps {
  /** DESTROY empties and deletes the repository with the stack; RETAIN keeps it. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Tagged images kept; older ones expire.
   * @default 10
   */
  readonly keepImages?: number;
  /**
   * Days after which untagged images expire.
   * @default 1
   */
  readonly untaggedExpiryDays?: number;
}

/**
 * The environment's own ECR repository (named by CloudFormation): images are scanned on push,
 * tags are immutable, a lifecycle policy bounds storage, and an unprotected environment's
 * repository is emptied and deleted with the stack (`EmptyOnDelete`, no custom resource).
 */
export class Registry extends Construct {
  readonly repository: ecr.Repository;

  constructor(scope: Construct, id: string, props: RegistryProps) {
    super(scope, id);
    const destroy = props.removalPolicy === 'destroy';
    this.repository = new ecr.Repository(this, 'Repository', {
      imageScanOnPush: true,
      imageTagMutability: ecr.TagMutability.IMMUTABLE,
      encryption: ecr.RepositoryEncryption.AES_256,
      removalPolicy: props.removalPolicy,
      emptyOnDelete: destroy,
      lifecycleRules: [
        {
          description: 'Expire untagged images',
          tagStatus: ecr.TagStatus.UNTAGGED,
          maxImageAge: Duration.days(props.untaggedExpiryDays ?? 1),
          rulePriority: 1,
        },
        {
          description: 'Keep the most recent images',
          tagStatus: ecr.TagStatus.ANY,
          maxImageCount: props.keepImages ?? 10,
          rulePriority: 2,
        },
      ],
    });
  }
}
