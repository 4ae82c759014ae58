import { createHash } from 'node:crypto';
import { UserError } from '../errors.js';

/** Listener-rule priorities an Application Load Balancer listener accepts: 1..50,000. */
export const MAX_LISTENER_RULE_PRIORITY = 50_000;

/** Rules per Application Load Balancer (default quota, not counting the default action). */
export const RULES_PER_LOAD_BALANCER = 100;

/** Where an environment's listener rule is: which load balancer of the platform, which priority. */
export interface ListenerRuleClaim {
  readonly environment: string;
  /** 0-based index of the platform load balancer. */
  readonly loadBalancer: number;
  /** 1..50,000, unique across the platform. */
  readonly priority: number;
}

/** The priority an environment tries first: a hash of its name into 1..50,000. */
export function preferredPriority(environment: string): number {
  const digest = createHash('sha256').update(environment, 'utf8').digest();
  return (digest.readUInt32BE(0) % MAX_LISTENER_RULE_PRIORITY) + 1;
}

/**
 * The listener rule an environment gets, given the claims that exist: its first rule of
 * {@link allocateListenerRules} (an environment with one routed service).
 */
export function allocateListenerRule(
  environment: string,
  claims: readonly ListenerRuleClaim[],
  options: { readonly loadBalancers: number; readonly rulesPerLoadBalancer?: number },
): ListenerRuleClaim {
  const [first] = allocateListenerRules(environment, 1, claims, options);
  if (first === undefined) throw new Error('bug: no listener rule allocated');
  return first;
}

/**
 * The `count` listener rules an environment gets (one per routed service), sorted by priority,
 * given the claims that exist. Its own claims come first (a redeploy keeps its rules; the lowest
 * `count` of them when it holds more); the rules it still needs are the first free priorities
 * from {@link preferredPriority} on (linear probe, wrapping to 1). All of an environment's rules
 * are on one load balancer (its host name points there): the one of its existing claims, else
 * the load balancer with the fewest rules (the lowest index on a tie). Throws a UserError when
 * that load balancer cannot hold them.
 */
export function allocateListenerRules(
  environment: string,
  count: number,
  claims: readonly ListenerRuleClaim[],
  options: { readonly loadBalancers: number; readonly rulesPerLoadBalancer?: number },
): ListenerRuleClaim[] {
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`bug: ${count} listener rules asked for`);
  const own = claims
    .filter((c) => c.environment === environment)
    .sort((a, b) => a.priority - b.priority);
  if (own.length >= count) return own.slice(0, count);
  const perLoadBalancer = options.rulesPerLoadBalancer ?? RULES_PER_LOAD_BALANCER;
  const counts = Array.from({ length: options.loadBalancers }, (_, n) =>
    claims.reduce((sum, c) => sum + (c.loadBalancer === n ? 1 : 0), 0),
  );
  const needed = count - own.length;
  const loadBalancer = own[0]?.loadBalancer ?? counts.indexOf(Math.min(...counts));
  const used = counts[loadBalancer];
  if (counts.length === 0 || used === undefined || used + needed > perLoadBalancer) {
    throw new UserError(
      own.length > 0
        ? `environment '${environment}' needs ${needed} more listener rule(s) on platform load balancer ${loadBalancer}, which holds ${used ?? 0} of its ${perLoadBalancer}`
        : `the platform is full: its ${options.loadBalancers} load balancer(s) cannot hold ${count} more listener rule(s) (${perLoadBalancer} each)`,
      'raise the quota "Rules per Application Load Balancer" (Service Quotas, elasticloadbalancing) or add a load balancer (accounts.<key>.platform.loadBalancers) and run branch-env bootstrap',
    );
  }
  const taken = new Set(claims.map((c) => c.priority));
  const fresh: ListenerRuleClaim[] = [];
  const start = preferredPriority(environment);
  for (let i = 0; i < MAX_LISTENER_RULE_PRIORITY && fresh.length < needed; i++) {
    const priority = ((start - 1 + i) % MAX_LISTENER_RULE_PRIORITY) + 1;
    if (!taken.has(priority)) fresh.push({ environment, loadBalancer, priority });
  }
  // Unreachable below 50,000 claims: five load balancers hold at most a few hundred rules.
  if (fresh.length < needed) throw new Error('bug: every listener-rule priority is taken');
  return [...own, ...fresh].sort((a, b) => a.priority - b.priority);
}

/** The SSM value of a claim: `<environment>@<load balancer>`. */
export function claimValue(claim: ListenerRuleClaim): string {
  return `${claim.environment}@${claim.loadBalancer}`;
}

/** The claim a `listener-rules/<priority>` parameter holds, or undefined when it is not one. */
export function parseClaim(priority: number, value: string): ListenerRuleClaim | undefined {
  const m = /^([a-z][a-z0-9-]*)@(\d)$/.exec(value);
  if (m === null || !Number.isInteger(priority)) return undefined;
  if (priority < 1 || priority > MAX_LISTENER_RULE_PRIORITY) return undefined;
  return { environment: m[1]!, loadBalancer: Number(m[2]), priority };
}
