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
  /**
   * Physical name (the platform's repositories, which the deploy roles are scoped to by name).
   * @default - named by CloudFormation
   */
  readonly repositoryName?: string;
  /**
   * Tags that stay mutable in the otherwise immutable repository (an exclusion filter): the build
   * cache `branch-env image push` overwrites on every build (`IMAGE_CACHE_TAG`).
   * @default - every tag is immutable
   */
  readonly mutableTags?: readonly string[];
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
    const mutable = props.mutableTags ?? [];
    this.repository = new ecr.Repository(this, 'Repository', {
      repositoryName: props.repositoryName,
      imageScanOnPush: true,
      imageTagMutability:
        mutable.length > 0
          ? ecr.TagMutability.IMMUTABLE_WITH_EXCLUSION
          : ecr.TagMutability.IMMUTABLE,
      imageTagMutabilityExclusionFilters:
        mutable.length > 0
          ? mutable.map((t) => ecr.ImageTagMutabilityExclusionFilter.wildcard(t))
          : undefined,
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
