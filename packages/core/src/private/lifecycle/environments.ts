import { CONFIG_BUS, ssmPrefix } from '../config-bus/catalogue.js';
import { STACK_SUFFIXES } from '../naming/limits.js';
import { TAG_KEYS } from '../routing/resolve.js';

/** A CloudFormation stack as `list` sees it (DescribeStacks). */
export interface StackSummary {
  readonly name: string;
  readonly status: string;
  readonly region: string;
  readonly account: string;
  readonly createdAt?: string | undefined;
  readonly tags: Readonly<Record<string, string>>;
}

/** One SSM parameter under `/<app>/`. */
export interface ParameterValue {
  readonly name: string;
  readonly value: string;
}

export type EnvironmentStatus = 'deployed' | 'in-progress' | 'failed' | 'no-stack';

/** An environment found in an account: its stacks and its config-bus `meta/*` records. */
export interface DeployedEnvironment {
  readonly app: string;
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** Exact owner branch from `meta/owner-branch`. */
  readonly ownerBranch?: string | undefined;
  /** Branch from the stack's `branch-env:branch` tag (sanitized by `tagValue`, may be lossy). */
  readonly taggedBranch?: string | undefined;
  readonly profile?: string | undefined;
  readonly commit?: string | undefined;
  readonly createdAt?: string | undefined;
  readonly deployedAt?: string | undefined;
  readonly expiresAt?: string | undefined;
  readonly costPerHour?: number | undefined;
  readonly url?: string | undefined;
  readonly status: EnvironmentStatus;
  readonly stacks: readonly StackSummary[];
}

/** The branch an environment belongs to, best evidence first. */
export function branchOf(env: DeployedEnvironment): string | undefined {
  return env.ownerBranch ?? env.taggedBranch;
}

const META_FIELDS = {
  [CONFIG_BUS.ownerBranch.key]: 'ownerBranch',
  [CONFIG_BUS.profile.key]: 'profile',
  [CONFIG_BUS.commit.key]: 'commit',
  [CONFIG_BUS.createdAt.key]: 'createdAt',
  [CONFIG_BUS.deployedAt.key]: 'deployedAt',
  [CONFIG_BUS.expiresAt.key]: 'expiresAt',
  [CONFIG_BUS.serviceUrl.key]: 'url',
} as const;

type MetaField = (typeof META_FIELDS)[keyof typeof META_FIELDS];

/**
 * The first of `stacks` that a deploy, rollback or delete is running on (`*_IN_PROGRESS`), if any.
 * REVIEW_IN_PROGRESS is only an unexecuted change set (an interrupted first deploy): not running.
 */
export function busyStack<S extends Pick<StackSummary, 'status'>>(
  stacks: readonly S[],
): S | undefined {
  return stacks.find((s) => s.status.endsWith('_IN_PROGRESS') && s.status !== 'REVIEW_IN_PROGRESS');
}

/** Status of an environment from its stacks' CloudFormation statuses. */
export function statusOf(stacks: readonly Pick<StackSummary, 'status'>[]): EnvironmentStatus {
  if (stacks.length === 0) return 'no-stack';
  if (busyStack(stacks)) return 'in-progress';
  if (stacks.some((s) => s.status === 'REVIEW_IN_PROGRESS')) return 'failed';
  if (stacks.some((s) => s.status.endsWith('_FAILED') || s.status.startsWith('ROLLBACK_')))
    return 'failed';
  return 'deployed';
}

/**
 * Join stacks (tagged `branch-env:app=<app>`) and parameters (under `/<app>/`) of one account and
 * region into environments. An environment with parameters but no stack (a claim whose deploy
 * failed, or leftovers) is listed too, as `no-stack`: reap and destroy must see it.
 *
 * A CloudFront certificate stack (`<app>-<env>-certificate`, in us-east-1) joins only an
 * environment found in the account's own region by its other stacks or its records, whatever the
 * region: us-east-1 also holds the certificate stacks of another account entry with the same id
 * (in eu-west-1, say), which alone would be phantom environments here. Other stacks of another
 * region (the us-east-1 scan of an account elsewhere) belong to such an entry and are left out.
 */
export function collectEnvironments(input: {
  readonly app: string;
  readonly account: string;
  readonly region: string;
  readonly stacks: readonly StackSummary[];
  readonly parameters: readonly ParameterValue[];
}): DeployedEnvironment[] {
  const stacksByEnv = new Map<string, StackSummary[]>();
  const certificateStacks: [string, StackSummary][] = [];
  for (const stack of input.stacks) {
    if (stack.tags[TAG_KEYS.app] !== input.app) continue;
    if (stack.status === 'DELETE_COMPLETE') continue;
    const env = stack.tags[TAG_KEYS.environment];
    if (!env) continue;
    if (stack.name === `${input.app}-${env}${STACK_SUFFIXES.certificate}`) {
      certificateStacks.push([env, stack]);
      continue;
    }
    if (stack.region !== input.region) continue;
    stacksByEnv.set(env, [...(stacksByEnv.get(env) ?? []), stack]);
  }
  const metaByEnv = new Map<string, Partial<Record<MetaField | 'cost', string>>>();
  const appPrefix = `/${input.app}/`;
  for (const p of input.parameters) {
    if (!p.name.startsWith(appPrefix)) continue;
    const rest = p.name.slice(appPrefix.length);
    const slash = rest.indexOf('/');
    if (slash <= 0) continue;
    const env = rest.slice(0, slash);
    const key = rest.slice(slash + 1);
    const meta = metaByEnv.get(env) ?? {};
    const field = (META_FIELDS as Record<string, MetaField | undefined>)[key];
    if (field) meta[field] = p.value;
    else if (key === CONFIG_BUS.estimatedCostPerHour.key) meta.cost = p.value;
    metaByEnv.set(env, meta);
  }
  // Parameters alone without an owner record are stray service keys, not an environment.
  const recorded = (meta: Partial<Record<MetaField | 'cost', string>> | undefined) =>
    meta?.ownerBranch !== undefined || meta?.deployedAt !== undefined;
  for (const [env, stack] of certificateStacks) {
    if (!stacksByEnv.has(env) && !recorded(metaByEnv.get(env))) continue;
    stacksByEnv.set(env, [...(stacksByEnv.get(env) ?? []), stack]);
  }
  const names = new Set([...stacksByEnv.keys(), ...metaByEnv.keys()]);
  const out: DeployedEnvironment[] = [];
  for (const environment of names) {
    const stacks = stacksByEnv.get(environment) ?? [];
    const meta = metaByEnv.get(environment) ?? {};
    if (stacks.length === 0 && !recorded(meta)) continue;
    const cost = meta.cost === undefined ? undefined : Number(meta.cost);
    const firstCreated = stacks
      .map((s) => s.createdAt)
      .filter((t): t is string => t !== undefined)
      .sort()[0];
    out.push({
      app: input.app,
      environment,
      account: input.account,
      region: input.region,
      ownerBranch: meta.ownerBranch,
      taggedBranch: stacks.map((s) => s.tags[TAG_KEYS.branch]).find((b) => b !== undefined),
      profile: meta.profile ?? stacks.map((s) => s.tags[TAG_KEYS.profile]).find(Boolean),
      commit: meta.commit,
      createdAt: meta.createdAt ?? firstCreated,
      deployedAt: meta.deployedAt,
      expiresAt: meta.expiresAt,
      costPerHour: cost !== undefined && Number.isFinite(cost) ? cost : undefined,
      url: meta.url,
      status: statusOf(stacks),
      stacks,
    });
  }
  return out.sort((a, b) => a.environment.localeCompare(b.environment));
}

/** The SSM prefix of a found environment. */
export function prefixOf(env: Pick<DeployedEnvironment, 'app' | 'environment'>): string {
  return ssmPrefix(env.app, env.environment);
}
