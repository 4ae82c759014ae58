import { createHash } from 'node:crypto';
import { base32 } from '../naming/hash.js';

/**
 * Names of the platform's listener-rule router (docs/platform.md, "Who writes the listener
 * rules"): the Lambda behind `Custom::BranchEnvListenerRule`, the only writer of rules on the
 * platform's listeners, and the load balancers' names, fixed so that every deploy role's
 * permissions boundary can deny rule changes on them by ARN (ELB listeners carry no tags in
 * CloudFormation, and `SetRulePriorities` has no tag condition key).
 */

/** The resource type of an environment's rule on the platform's listener. */
export const LISTENER_RULE_RESOURCE_TYPE = 'Custom::BranchEnvListenerRule';

/** The router function: `<app>-platform-router` (at most 48 characters). */
export function listenerRouterName(app: string): string {
  return `${app}-platform-router`;
}

/** Load balancer names are at most 32 characters of `[A-Za-z0-9-]`. */
const LOAD_BALANCER_NAME_MAX = 32;

/**
 * The stem every platform load balancer's name starts with: `<app>-platform`, or for an app name
 * too long to leave room for `-<n>`, its first 12 characters, 8 characters of its hash and
 * `-platform` (still unique per app, still a prefix of nothing an environment's load balancer is
 * named: those are CloudFormation-generated from `<app>-<env>`).
 */
export function platformLoadBalancerPrefix(app: string): string {
  const plain = `${app}-platform`;
  if (plain.length + 3 <= LOAD_BALANCER_NAME_MAX) return plain;
  const hash = base32(createHash('sha256').update(app, 'utf8').digest()).slice(0, 8);
  return `${app.slice(0, 12).replace(/-+$/, '')}-${hash}-platform`;
}

/** The name of the platform's load balancer `n` (0-based): `<prefix>-<n>`. */
export function platformLoadBalancerName(app: string, n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 9) throw new Error(`bug: load balancer index ${n}`);
  return `${platformLoadBalancerPrefix(app)}-${n}`;
}
