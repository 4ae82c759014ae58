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
 * The listener rule an environment gets, given the claims that exist: its own claim when it has
 * one (a redeploy keeps its rule); else the first free priority from {@link preferredPriority} on
 * (linear probe, wrapping to 1), on the load balancer with the fewest rules (the lowest index on a
 * tie). Throws a UserError when every load balancer holds its quota of rules.
 */
export function allocateListenerRule(
  environment: string,
  claims: readonly ListenerRuleClaim[],
  options: { readonly loadBalancers: number; readonly rulesPerLoadBalancer?: number },
): ListenerRuleClaim {
  const own = claims.find((c) => c.environment === environment);
  if (own !== undefined) return own;
  const perLoadBalancer = options.rulesPerLoadBalancer ?? RULES_PER_LOAD_BALANCER;
  const counts = Array.from({ length: options.loadBalancers }, (_, n) =>
    claims.reduce((sum, c) => sum + (c.loadBalancer === n ? 1 : 0), 0),
  );
  const fewest = Math.min(...counts);
  if (counts.length === 0 || fewest >= perLoadBalancer) {
    throw new UserError(
      `the platform is full: its ${options.loadBalancers} load balancer(s) hold ${perLoadBalancer} listener rules each`,
      'raise the quota "Rules per Application Load Balancer" (Service Quotas, elasticloadbalancing) or add a load balancer (accounts.<key>.platform.loadBalancers) and run branch-env bootstrap',
    );
  }
  const taken = new Set(claims.map((c) => c.priority));
  const start = preferredPriority(environment);
  for (let i = 0; i < MAX_LISTENER_RULE_PRIORITY; i++) {
    const priority = ((start - 1 + i) % MAX_LISTENER_RULE_PRIORITY) + 1;
    if (!taken.has(priority))
      return { environment, loadBalancer: counts.indexOf(fewest), priority };
  }
  // Unreachable below 50,000 claims: five load balancers hold at most a few hundred rules.
  throw new Error('bug: every listener-rule priority is taken');
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
