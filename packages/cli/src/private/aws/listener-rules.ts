import {
  DeleteParameterCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import {
  allocateListenerRules,
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

/** The environment's listener rules as the shared stack takes them (`ListenerRulePlacement`). */
export interface ClaimedListenerRules {
  readonly loadBalancer: number;
  /** The lowest of `priorities`. */
  readonly priority: number;
  /** One per routed service, ascending. */
  readonly priorities: readonly number[];
  /** Some priority was claimed by this call (none when the environment held them all). */
  readonly claimed: boolean;
}

/**
 * Claim the environment's listener rules on the platform (one per routed service), atomically,
 * before its stack is deployed: read the claims, allocate (pure: its own claims first, else the
 * next free priorities from its hash on the least-used load balancer), and create each new claim
 * with `Overwrite: false`. When a concurrent deploy created one of them first
 * (`ParameterAlreadyExists`), read again and retry; the claims already made are its own then.
 * Claims beyond `count` (a service that lost its routes) stay until `destroy` releases them.
 */
export async function claimListenerRule(
  aws: AwsClients,
  input: {
    readonly app: string;
    readonly environment: string;
    readonly loadBalancers: number;
    readonly tags: Readonly<Record<string, string>>;
    /** Routed services of the environment. @default 1 */
    readonly count?: number;
  },
): Promise<ClaimedListenerRules> {
  let claimedAny = false;
  for (let attempt = 1; attempt <= CLAIM_ATTEMPTS; attempt++) {
    const claims = await listenerRuleClaims(aws, input.app);
    const rules = allocateListenerRules(input.environment, input.count ?? 1, claims, {
      loadBalancers: input.loadBalancers,
    });
    const fresh = rules.filter((r) => !claims.some((c) => c.priority === r.priority));
    try {
      for (const rule of fresh) {
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
        claimedAny = true;
      }
      const [first] = rules;
      if (first === undefined) throw new Error('bug: no listener rule allocated');
      return {
        loadBalancer: first.loadBalancer,
        priority: first.priority,
        priorities: rules.map((r) => r.priority),
        claimed: claimedAny,
      };
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
 * Whether a repository URI is one of the platform's (`/<app>/_platform/repositories/.../uri`):
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
