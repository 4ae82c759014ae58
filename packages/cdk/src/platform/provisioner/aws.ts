import type { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { InvokeCommand } from '@aws-sdk/client-lambda';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DescribeSecretCommand, GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  Refusal,
  tagRecord,
  type ExecutorRequest,
  type ExecutorResult,
  type SecretFacts,
  type StackFacts,
} from './decide.js';

/**
 * The provisioner's AWS calls, thin: DescribeStacks (the requesting stack's tags), DescribeSecret
 * and GetSecretValue (the environment's secret, the master secret), Invoke (the executor in the
 * VPC). Tested with aws-sdk-client-mock (test/provisioner.test.ts).
 */
export interface ProvisionerAws {
  describeStack(stackId: string): Promise<StackFacts>;
  describeSecret(arn: string): Promise<SecretFacts>;
  /** `username` and `password` of a JSON secret. */
  credentials(arn: string): Promise<{ username: string; password: string }>;
  execute(request: ExecutorRequest): Promise<ExecutorResult>;
}

export interface ProvisionerClients {
  readonly cloudformation: CloudFormationClient;
  readonly secrets: SecretsManagerClient;
  readonly lambda: LambdaClient;
  /** Name or ARN of the executor function. */
  readonly executor: string;
}

/** What DescribeStacks says about a stack (its id, name, status and tags). */
export async function describeStackFacts(
  cloudformation: CloudFormationClient,
  stackId: string,
): Promise<StackFacts> {
  const out = await cloudformation.send(new DescribeStacksCommand({ StackName: stackId }));
  const stack = out.Stacks?.[0];
  if (stack?.StackId === undefined || stack.StackName === undefined) {
    throw new Refusal(`stack ${stackId} not found`);
  }
  return {
    stackId: stack.StackId,
    stackName: stack.StackName,
    status: stack.StackStatus ?? '',
    tags: tagRecord(stack.Tags),
  };
}

export function provisionerAws(clients: ProvisionerClients): ProvisionerAws {
  return {
    describeStack: (stackId) => describeStackFacts(clients.cloudformation, stackId),
    async describeSecret(arn) {
      const out = await clients.secrets.send(new DescribeSecretCommand({ SecretId: arn }));
      return { arn: out.ARN ?? arn, tags: tagRecord(out.Tags) };
    },
    async credentials(arn) {
      const out = await clients.secrets.send(new GetSecretValueCommand({ SecretId: arn }));
      let value: unknown;
      try {
        value = JSON.parse(out.SecretString ?? '');
      } catch {
        throw new Refusal(`secret ${arn} is not JSON`);
      }
      const { username, password } = (value ?? {}) as Record<string, unknown>;
      if (typeof username !== 'string' || typeof password !== 'string') {
        throw new Refusal(`secret ${arn} has no username and password`);
      }
      return { username, password };
    },
    async execute(request) {
      const out = await clients.lambda.send(
        new InvokeCommand({
          FunctionName: clients.executor,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(request)),
        }),
      );
      const text = out.Payload === undefined ? '' : new TextDecoder().decode(out.Payload);
      if (out.FunctionError !== undefined) {
        // The executor's error message (never a credential: it throws only statement descriptions).
        let message = text;
        try {
          message = String((JSON.parse(text) as { errorMessage?: unknown }).errorMessage ?? text);
        } catch {
          // keep the raw text
        }
        throw new Error(`the executor failed: ${message.slice(0, 800)}`);
      }
      return JSON.parse(text) as ExecutorResult;
    },
  };
}
