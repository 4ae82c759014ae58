import { DescribeSecretCommand } from '@aws-sdk/client-secrets-manager';
import { isPermissionError } from '../aws-errors.js';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/**
 * Whether a secret is scheduled for deletion (`DeletedDate` set: in its recovery window, no charge)
 * or still active; `gone` once deleted; `undefined` when the credentials may not look
 * (secretsmanager:DescribeSecret), so the caller falls back to what the rules assume.
 */
export async function secretState(
  aws: AwsClients,
  arn: string,
): Promise<'active' | 'pending-deletion' | 'gone' | undefined> {
  try {
    const out = await withRetry(
      () => aws.secretsManager.send(new DescribeSecretCommand({ SecretId: arn })),
      aws.retry,
    );
    return out.DeletedDate ? 'pending-deletion' : 'active';
  } catch (error) {
    if (error instanceof Error && error.name === 'ResourceNotFoundException') return 'gone';
    if (isPermissionError(error)) return undefined;
    throw error;
  }
}
