import {
  DeleteParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import {
  allocateListenerRule,
  claimValue,
  listenerRuleClaimsPrefix,
  parseClaim,
  platformParameterName,
  platformPrefix,
  type ListenerRuleClaim,
} from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';
import { parametersUnder } from './ssm.js';

/** The listener-rule claims that exist under `/<app>/_claims/listener-rules/`. */
export async function listenerRuleClaims(
  aws: AwsClients,
  app: string,
): Promise<ListenerRuleClaim[]> {
  const prefix = listenerRuleClaimsPrefix(app);
  return (await parametersUnder(aws, prefix)).flatMap((p) => {
    const claim = parseClaim(Number(p.name.slice(prefix.length)), p.value);
    return claim ? [claim] : [];
  });
}

/** How often a claim is retried when another deploy took the same priority first. */
const CLAIM_ATTEMPTS = 20;

/**
 * Claim the environment's listener rule on the platform, atomically, before its stack is deployed:
 * read the claims, allocate (pure: its own claim when it has one, else the next free priority from
 * its hash on the least-used load balancer), and create the claim with `Overwrite: false`. When a
 * concurrent deploy created that priority first (`ParameterAlreadyExists`), read again and retry.
 */
export async function claimListenerRule(
  aws: AwsClients,
  input: {
    readonly app: string;
    readonly environment: string;
    readonly loadBalancers: number;
    readonly tags: Readonly<Record<string, string>>;
  },
): Promise<ListenerRuleClaim & { readonly claimed: boolean }> {
  for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
    const claims = await listenerRuleClaims(aws, input.app);
    const rule = allocateListenerRule(input.environment, claims, {
      loadBalancers: input.loadBalancers,
    });
    if (claims.includes(rule)) return { ...rule, claimed: false };
    try {
      await withRetry(
        () =>
          aws.ssm.send(
            new PutParameterCommand({
              Name: platformParameterName(input.app, 'listenerRule', { priority: rule.priority }),
              Value: claimValue(rule),
              Type: 'String',
              Overwrite: false,
              Description: `branch-env: listener-rule priority ${rule.priority} of environment ${input.environment}`,
              Tags: Object.entries(input.tags).map(([Key, Value]) => ({ Key, Value })),
            }),
          ),
        aws.retry,
      );
      return { ...rule, claimed: true };
    } catch (error) {
      if (!(error instanceof ParameterAlreadyExists)) throw error;
    }
  }
  throw new Error(
    `bug: ${CLAIM_ATTEMPTS} listener-rule priorities in a row were taken by concurrent deploys`,
  );
}

/**
 * Release the environment's listener-rule claims (after its stack, and so its rule, is deleted).
 * Returns the parameters deleted; none when it held none.
 */
export async function releaseListenerRule(
  aws: AwsClients,
  input: { readonly app: string; readonly environment: string },
): Promise<string[]> {
  const released: string[] = [];
  for (const claim of await listenerRuleClaims(aws, input.app)) {
    if (claim.environment !== input.environment) continue;
    const name = platformParameterName(input.app, 'listenerRule', { priority: claim.priority });
    try {
      await withRetry(() => aws.ssm.send(new DeleteParameterCommand({ Name: name })), aws.retry);
      released.push(name);
    } catch (error) {
      if (!(error instanceof ParameterNotFound)) throw error;
    }
  }
  return released;
}

/**
 * Whether a repository URI is one of the platform's (`/<app>/_platform/repositories/<service>/uri`):
 * shared by every environment, so destroying one environment must never empty it.
 */
export async function isPlatformRepository(
  aws: AwsClients,
  app: string,
  repositoryUri: string,
): Promise<boolean> {
  const platform = await parametersUnder(aws, `${platformPrefix(app)}repositories/`);
  return platform.some((p) => p.value === repositoryUri);
}
