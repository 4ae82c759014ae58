import { SetStackPolicyCommand } from '@aws-sdk/client-cloudformation';
import type { AwsClients } from '../../private/aws/clients.js';
import { withRetry } from '../../private/aws/retry.js';

/**
 * After `bootstrap` deployed the account platform: set its stack policy
 * (`platformStackPolicy`, packages/cdk/src/platform/stack-policy.ts), so that CloudFormation
 * refuses any later update that would replace the VPC, cluster, load balancers, listeners,
 * certificate, wildcard record or repositories, or delete the VPC, cluster, certificate or
 * repositories. Runs with bootstrap's administrator credentials; the deploy roles may not change
 * the platform stack at all.
 */
export async function protectPlatformStack(aws: AwsClients, stackName: string): Promise<void> {
  const { platformStackPolicy } = await import('@branch-env/cdk');
  await withRetry(
    () =>
      aws.cloudformation.send(
        new SetStackPolicyCommand({
          StackName: stackName,
          StackPolicyBody: JSON.stringify(platformStackPolicy()),
        }),
      ),
    aws.retry,
  );
}
