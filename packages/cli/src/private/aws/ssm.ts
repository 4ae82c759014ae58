import {
  DeleteParametersCommand,
  GetParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import {
  checkOwnership,
  ownershipConflict,
  type Ownership,
  type ParameterValue,
} from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

const tagList = (tags: Readonly<Record<string, string>>) =>
  Object.entries(tags).map(([Key, Value]) => ({ Key, Value }));

/**
 * Claim an environment for `branch`, atomically: `PutParameter Overwrite=false` succeeds for
 * exactly one writer. If the record exists, read it: the same branch owns it (fine) or another
 * branch does (refuse, naming both).
 */
export async function claimOwner(
  aws: AwsClients,
  input: {
    readonly environment: string;
    readonly parameter: string;
    readonly branch: string;
    readonly tags: Readonly<Record<string, string>>;
  },
): Promise<Ownership> {
  try {
    await withRetry(
      () =>
        aws.ssm.send(
          new PutParameterCommand({
            Name: input.parameter,
            Value: input.branch,
            Type: 'String',
            Overwrite: false,
            Description: 'branch-env owner record: the exact branch this environment belongs to',
            Tags: tagList(input.tags),
          }),
        ),
      aws.retry,
    );
    return { kind: 'unclaimed' };
  } catch (error) {
    if (!(error instanceof ParameterAlreadyExists)) throw error;
  }
  const out = await withRetry(
    () => aws.ssm.send(new GetParameterCommand({ Name: input.parameter })),
    aws.retry,
  );
  const ownership = checkOwnership(out.Parameter?.Value, input.branch);
  if (ownership.kind === 'conflict') {
    throw ownershipConflict(input.environment, input.parameter, ownership.owner, input.branch);
  }
  return ownership;
}

/**
 * Write parameters: created with the environment's tags (so the tag scan after destroy sees them),
 * overwritten without tags when they exist (SSM refuses Tags together with Overwrite).
 * `createOnly` names keep their first value (e.g. `meta/created-at`).
 */
export async function putParameters(
  aws: AwsClients,
  values: readonly ParameterValue[],
  tags: Readonly<Record<string, string>>,
  createOnly: ReadonlySet<string> = new Set(),
): Promise<void> {
  for (const p of values) {
    try {
      await withRetry(
        () =>
          aws.ssm.send(
            new PutParameterCommand({
              Name: p.name,
              Value: p.value,
              Type: 'String',
              Overwrite: false,
              Tags: tagList(tags),
            }),
          ),
        aws.retry,
      );
    } catch (error) {
      if (!(error instanceof ParameterAlreadyExists)) throw error;
      if (createOnly.has(p.name)) continue;
      await withRetry(
        () =>
          aws.ssm.send(
            new PutParameterCommand({
              Name: p.name,
              Value: p.value,
              Type: 'String',
              Overwrite: true,
            }),
          ),
        aws.retry,
      );
    }
  }
}

/** One parameter's value, or undefined. */
export async function getParameter(aws: AwsClients, name: string): Promise<string | undefined> {
  try {
    const out = await withRetry(
      () => aws.ssm.send(new GetParameterCommand({ Name: name })),
      aws.retry,
    );
    return out.Parameter?.Value;
  } catch (error) {
    if (error instanceof ParameterNotFound) return undefined;
    throw error;
  }
}

/** Every parameter under a path (recursive, paginated; SecureString values stay encrypted). */
export async function parametersUnder(aws: AwsClients, prefix: string): Promise<ParameterValue[]> {
  const path = prefix.length > 1 ? prefix.replace(/\/$/, '') : prefix;
  const out: ParameterValue[] = [];
  let token: string | undefined;
  do {
    const page = await withRetry(
      () =>
        aws.ssm.send(
          new GetParametersByPathCommand({ Path: path, Recursive: true, NextToken: token }),
        ),
      aws.retry,
    );
    for (const p of page.Parameters ?? []) {
      if (p.Name) out.push({ name: p.Name, value: p.Value ?? '' });
    }
    token = page.NextToken;
  } while (token);
  return out;
}

/**
 * Delete every parameter under `/<app>/<env>/` (stack keys are gone with the stack by now; these
 * are the ones deploy and services wrote). DeleteParameters takes 10 names per call.
 */
export async function deleteParametersUnder(aws: AwsClients, prefix: string): Promise<string[]> {
  const names = (await parametersUnder(aws, prefix)).map((p) => p.name);
  const deleted: string[] = [];
  for (let i = 0; i < names.length; i += 10) {
    const batch = names.slice(i, i + 10);
    const out = await withRetry(
      () => aws.ssm.send(new DeleteParametersCommand({ Names: batch })),
      aws.retry,
    );
    deleted.push(...(out.DeletedParameters ?? []));
  }
  return deleted;
}
