import {
  CreateSecretCommand,
  DeleteSecretCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  paginateListSecrets,
} from '@aws-sdk/client-secrets-manager';
import { appSecretPrefix, environmentSecretPrefix, type SecretsPresent } from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/**
 * The application's secrets in Secrets Manager (names from `@branch-env/core`'s secrets module):
 * listing names (never values), writing a value, scheduling a deletion. Values only ever go from
 * the caller to `CreateSecret`/`PutSecretValue`; nothing here reads one back.
 */

/**
 * Names of the (not deleted) secrets whose name starts with `prefix`, without the prefix: direct
 * children only (`<prefix><NAME>`), or with `nested` every name below it.
 */
export async function secretNamesUnder(
  aws: AwsClients,
  prefix: string,
  options: { readonly nested?: boolean } = {},
): Promise<string[]> {
  const names: string[] = [];
  const pages = paginateListSecrets(
    { client: aws.secretsManager },
    { Filters: [{ Key: 'name', Values: [prefix] }], IncludePlannedDeletion: false },
  );
  for await (const page of pages) {
    for (const s of page.SecretList ?? []) {
      // The filter is a prefix match (case-sensitive); check it again all the same.
      const rest = s.Name?.startsWith(prefix) ? s.Name.slice(prefix.length) : undefined;
      if (rest && (options.nested || !rest.includes('/'))) names.push(rest);
    }
  }
  return names.sort();
}

/** Which secret names have a value for the environment and for the whole app. */
export async function secretsPresent(
  aws: AwsClients,
  app: string,
  environment: string,
): Promise<SecretsPresent> {
  const [own, shared] = await Promise.all([
    secretNamesUnder(aws, environmentSecretPrefix(app, environment)),
    secretNamesUnder(aws, appSecretPrefix(app)),
  ]);
  return { environment: new Set(own), app: new Set(shared) };
}

function isAwsError(error: unknown, name: string, message?: RegExp): boolean {
  return (
    error instanceof Error &&
    error.name === name &&
    (message === undefined || message.test(error.message))
  );
}

/**
 * Set the value of secret `id`: create it (tagged, described) or put a new version; a secret in
 * its recovery window after `remove` is restored first. Returns whether it was created.
 */
export async function putSecret(
  aws: AwsClients,
  input: {
    readonly id: string;
    readonly value: string;
    readonly description: string;
    readonly tags: Readonly<Record<string, string>>;
  },
): Promise<'created' | 'updated'> {
  const put = () =>
    withRetry(
      () =>
        aws.secretsManager.send(
          new PutSecretValueCommand({ SecretId: input.id, SecretString: input.value }),
        ),
      aws.retry,
    );
  try {
    await withRetry(
      () =>
        aws.secretsManager.send(
          new CreateSecretCommand({
            Name: input.id,
            SecretString: input.value,
            Description: input.description,
            Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
          }),
        ),
      aws.retry,
    );
    return 'created';
  } catch (error) {
    if (isAwsError(error, 'ResourceExistsException')) {
      await put();
      return 'updated';
    }
    if (isAwsError(error, 'InvalidRequestException', /scheduled for deletion/i)) {
      await withRetry(
        () => aws.secretsManager.send(new RestoreSecretCommand({ SecretId: input.id })),
        aws.retry,
      );
      await put();
      return 'updated';
    }
    throw error;
  }
}

/** Days a removed secret can still be restored (by `secret set` again). */
export const SECRET_RECOVERY_DAYS = 7;

/** Schedule secret `id` for deletion; false when there is no such secret. */
export async function removeSecret(aws: AwsClients, id: string): Promise<boolean> {
  try {
    await withRetry(
      () =>
        aws.secretsManager.send(
          new DeleteSecretCommand({ SecretId: id, RecoveryWindowInDays: SECRET_RECOVERY_DAYS }),
        ),
      aws.retry,
    );
    return true;
  } catch (error) {
    if (isAwsError(error, 'ResourceNotFoundException')) return false;
    // Already scheduled for deletion: nothing left to remove.
    if (isAwsError(error, 'InvalidRequestException', /scheduled for deletion/i)) return false;
    throw error;
  }
}
