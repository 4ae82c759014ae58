import { DefaultStackSynthesizer, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { classRoles, protectionClassOf, type ResolvedEnvironment } from '@branch-env/core';

/**
 * How an environment's stacks deploy: as the class's OIDC role (the role CI assumed; it may assume
 * itself, so the toolkit's role switch is a no-op), through the class's scoped CloudFormation
 * execution role, publishing assets itself under the class's prefix of the CDK asset bucket, with
 * no CDK bootstrap role at all. Decided over `cdk bootstrap --cloudformation-execution-policies`:
 * one CDK bootstrap has one deploy role (`cloudformation:*` on every stack) and one execution role
 * for the whole account, so it cannot keep previews away from protected environments. The CDK
 * bootstrap stays only for its asset bucket and image repository.
 */
export function environmentSynthesizer(
  env: Pick<ResolvedEnvironment, 'account' | 'protected'>,
): DefaultStackSynthesizer {
  const roles = classRoles(env.account, protectionClassOf(env.account, env.protected));
  return new DefaultStackSynthesizer({
    deployRoleArn: roles.deployRoleArn,
    fileAssetPublishingRoleArn: roles.deployRoleArn,
    imageAssetPublishingRoleArn: roles.deployRoleArn,
    cloudFormationExecutionRole: roles.executionRoleArn,
    bucketPrefix: roles.assetPrefix,
    dockerTagPrefix: roles.assetPrefix.replace('/', '-'),
    generateBootstrapVersionRule: false,
  });
}

/** Every IAM role the stack creates carries the class's permissions boundary. */
export function applyPermissionsBoundary(
  stack: Stack,
  env: Pick<ResolvedEnvironment, 'account' | 'protected'>,
): void {
  const roles = classRoles(env.account, protectionClassOf(env.account, env.protected));
  iam.PermissionsBoundary.of(stack).apply(
    iam.ManagedPolicy.fromManagedPolicyArn(
      stack,
      'ClassPermissionsBoundary',
      roles.permissionsBoundaryArn,
    ),
  );
}
