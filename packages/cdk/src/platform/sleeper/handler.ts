import { ApplicationAutoScalingClient } from '@aws-sdk/client-application-auto-scaling';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { TAG_KEYS } from '@branch-env/core';
import type { AlbResult } from '../../web/site-server/respond.js';
import { sleeperAws, type SleeperAws } from './aws.js';
import {
  decideSweep,
  decideWake,
  environmentOfHost,
  environmentsOf,
  hostOf,
  requestsByEnvironment,
  sweepNeeds,
  wakeNeedsHealth,
  wokenDuringSleep,
  SLEEPER_ENV,
  type Decision,
  type EnvironmentFacts,
  type ServiceFacts,
  type SleeperSettings,
  type Step,
} from './decide.js';
import {
  failedResult,
  isWakerEvent,
  unknownHostResult,
  wakingResult,
  type WakerEvent,
} from './page.js';

/**
 * The platform's sleeper (docs/platform.md, "Sleep and wake"): one Lambda for three events.
 * - Every 5 minutes (EventBridge, input `{ "kind": "sweep", "wakers": [{ listenerArn,
 *   targetGroupArn }] }`): puts idle shared environments to sleep and brings the rules of woken
 *   ones back.
 * - A request on a sleeping environment's rule (the load balancer forwards it to a waker target
 *   group, this function): wakes that environment, found by the request's Host header only.
 * - The router's `{ "branchEnvWake": "<environment>" }` after a deploy of a sleeping environment.
 * Bundled with esbuild at synth (sleeper.ts); the AWS SDK is the runtime's.
 */

export interface Settings {
  readonly app: string;
  /** The platform cluster's ARN (or name). */
  readonly cluster: string;
  readonly listenerArns: readonly string[];
}

export function settingsFrom(env: Readonly<Record<string, string | undefined>>): Settings {
  const app = env[SLEEPER_ENV.app] ?? '';
  const cluster = env[SLEEPER_ENV.cluster] ?? '';
  const listenerArns = (env[SLEEPER_ENV.listenerArns] ?? '').split(',').filter((a) => a !== '');
  if (app === '' || cluster === '' || listenerArns.length === 0) {
    throw new Error('bug: the sleeper needs APP, CLUSTER and LISTENER_ARNS');
  }
  return { app, cluster, listenerArns };
}

const TARGET_GROUP_ARN =
  /^arn:aws[a-z-]*:elasticloadbalancing:[a-z0-9-]+:\d{12}:targetgroup\/[\w-]{1,32}\/[0-9a-f]+$/;

/** The wakers of a sweep event, by listener: only the platform's listeners, only target group ARNs. */
export function wakersOf(event: unknown, settings: Settings): Record<string, string> | undefined {
  const e = event as { kind?: unknown; wakers?: unknown } | null;
  if (e?.kind !== 'sweep' || !Array.isArray(e.wakers)) return undefined;
  const wakers: Record<string, string> = {};
  for (const w of e.wakers as { listenerArn?: unknown; targetGroupArn?: unknown }[]) {
    const { listenerArn, targetGroupArn } = w ?? {};
    if (
      typeof listenerArn === 'string' &&
      settings.listenerArns.includes(listenerArn) &&
      typeof targetGroupArn === 'string' &&
      TARGET_GROUP_ARN.test(targetGroupArn)
    ) {
      wakers[listenerArn] = targetGroupArn;
    }
  }
  return wakers;
}

/** A step in the log: what and on which resource, never a rule's whole configuration. */
function stepLine(step: Step): string {
  switch (step.kind) {
    case 'modify-rule':
      return `modify-rule ${step.rule}`;
    case 'tag-service':
      return `tag-service ${step.service} ${Object.keys(step.tags).join(',')}`;
    case 'set-desired':
      return `set-desired ${step.service} ${step.count}`;
    default:
      return `${step.kind} ${step.resourceId}`;
  }
}

function log(fields: Record<string, unknown>): void {
  console.log(JSON.stringify(fields));
}

async function runSteps(aws: SleeperAws, decision: Decision): Promise<void> {
  for (const step of decision.steps) await aws.run(step);
}

/** One sweep: decide every environment of the app, run the steps, one environment at a time. */
export async function sweep(
  settings: Settings,
  wakers: Readonly<Record<string, string>>,
  aws: SleeperAws,
  now: number,
): Promise<Decision[]> {
  const sleeper: SleeperSettings = { app: settings.app, wakers };
  const rules = await aws.rules(settings.listenerArns, settings.app);
  const services = await aws.services(
    settings.cluster,
    (s) => s.tags[TAG_KEYS.app] === settings.app,
  );
  const envs = environmentsOf(settings.app, rules, services);
  const needs = sweepNeeds(envs, sleeper, now);
  const longest = Math.max(0, ...needs.requests.map((q) => q.windowMinutes));
  const series = await aws.requestSeries(
    needs.requests,
    new Date(now - longest * 60_000),
    new Date(now),
  );
  const requests = requestsByEnvironment(needs.requests, series, now);
  const healthy = await aws.healthyTargetGroups(needs.health);
  const decisions: Decision[] = [];
  for (const env of envs) {
    const decision = decideSweep(env, sleeper, { requests: requests.get(env.name), healthy }, now);
    decisions.push(decision);
    try {
      let outcome: string | undefined;
      if (decision.kind === 'sleep') outcome = await runSleep(aws, env, decision);
      else await runSteps(aws, decision);
      if (decision.steps.length > 0) {
        log({
          message: 'sweep',
          environment: env.name,
          decision: decision.kind,
          why: outcome ?? decision.why,
          steps: decision.steps.map(stepLine),
        });
      }
    } catch (error) {
      // The next sweep starts from what is there: every state between two steps converges.
      log({
        message: 'sweep failed',
        environment: env.name,
        decision: decision.kind,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
  const count = (kind: string) => decisions.filter((d) => d.kind === kind).length;
  log({
    message: 'sweep done',
    environments: envs.length,
    sleep: count('sleep'),
    wake: count('wake'),
    restore: count('restore'),
    resume: count('resume'),
  });
  return decisions;
}

/**
 * A sleep's steps, with one check before the first scale to 0: if a request woke the environment
 * while its rules were moving (a rule forwards to its own target group again), stop there.
 */
async function runSleep(
  aws: SleeperAws,
  env: EnvironmentFacts,
  decision: Decision,
): Promise<string | undefined> {
  let checked = false;
  for (const step of decision.steps) {
    if (!checked && step.kind === 'set-desired' && step.count === 0) {
      checked = true;
      const current = await aws.ruleActions(env.rules.map((r) => r.arn));
      if (wokenDuringSleep(env, current)) return 'woken during the sleep: services left running';
    }
    await aws.run(step);
  }
  return undefined;
}

/**
 * Which services an environment has, remembered by a warm function for a minute: a browser on the
 * waking page asks every 5 seconds, and listing and describing the whole cluster each time would
 * cost one DescribeServices per 10 services. The services themselves are always described afresh.
 */
const SERVICES_MEMORY_MS = 60_000;
const servicesOfEnvironment = new Map<string, { readonly arns: string[]; readonly at: number }>();

async function servicesOf(
  aws: SleeperAws,
  settings: Settings,
  environment: string,
  now: number,
): Promise<ServiceFacts[]> {
  const ours = (s: ServiceFacts): boolean =>
    s.tags[TAG_KEYS.app] === settings.app && s.tags[TAG_KEYS.environment] === environment;
  const known = servicesOfEnvironment.get(environment);
  if (known !== undefined && now - known.at < SERVICES_MEMORY_MS && known.arns.length > 0) {
    return aws.services(settings.cluster, ours, known.arns);
  }
  const services = await aws.services(settings.cluster, ours);
  servicesOfEnvironment.set(environment, { arns: services.map((s) => s.arn), at: now });
  return services;
}

/** Forget the services remembered (tests). */
export function forgetServices(): void {
  servicesOfEnvironment.clear();
}

/**
 * A request reached a waker: the environment is the one whose rule's host condition matches the
 * Host header (of this app, on the platform's listeners); nothing else of the request is used.
 */
export async function wake(
  event: WakerEvent,
  settings: Settings,
  aws: SleeperAws,
  now: number,
): Promise<AlbResult> {
  const host = hostOf(event.headers?.['host']);
  if (host === undefined) return unknownHostResult(event);
  const rules = await aws.rules(settings.listenerArns, settings.app);
  const env = environmentOfHost(environmentsOf(settings.app, rules, []), host);
  if (env === undefined) {
    log({ message: 'wake: unknown host', host });
    return unknownHostResult(event);
  }
  // The waker this request came through is the one its rules forward to while asleep.
  const wakers = Object.fromEntries(
    env.rules.map((r) => [r.listenerArn, event.requestContext.elb.targetGroupArn]),
  );
  const decision = await wakeEnvironment(env, wakers, settings, aws, now);
  log({
    message: 'wake',
    host,
    environment: env.name,
    decision: decision.kind,
    outcome: decision.outcome,
    why: decision.why,
    steps: decision.steps.map(stepLine),
  });
  return wakingResult(event, env.name, decision.outcome);
}

/** Wake one environment (its rules known) and bring its rules back if it is healthy already. */
async function wakeEnvironment(
  env: EnvironmentFacts,
  wakers: Readonly<Record<string, string>>,
  settings: Settings,
  aws: SleeperAws,
  now: number,
): Promise<ReturnType<typeof decideWake>> {
  const sleeper: SleeperSettings = { app: settings.app, wakers };
  const services = await servicesOf(aws, settings, env.name, now);
  const facts = { ...env, services };
  const healthy = await aws.healthyTargetGroups(wakeNeedsHealth(facts, sleeper));
  const decision = decideWake(facts, sleeper, healthy, now);
  await runSteps(aws, decision);
  return decision;
}

/**
 * The router's nudge when a deploy updates a sleeping environment (its rule stays on the waker):
 * `{ "branchEnvWake": "<environment>" }`, invoked asynchronously. Wakes the services; the rules
 * come back at the next request or sweep once healthy.
 */
export function wakeRequestOf(event: unknown): string | undefined {
  const name = (event as { branchEnvWake?: unknown } | null)?.branchEnvWake;
  return typeof name === 'string' && /^[a-z][a-z0-9-]{0,62}$/.test(name) ? name : undefined;
}

export async function wakeByName(
  name: string,
  settings: Settings,
  aws: SleeperAws,
  now: number,
): Promise<void> {
  const rules = await aws.rules(settings.listenerArns, settings.app);
  const env = environmentsOf(settings.app, rules, []).find((e) => e.name === name);
  if (env === undefined) {
    log({ message: 'wake: no such environment', environment: name });
    return;
  }
  const decision = await wakeEnvironment(env, {}, settings, aws, now);
  log({
    message: 'wake',
    environment: name,
    decision: decision.kind,
    why: decision.why,
    steps: decision.steps.map(stepLine),
  });
}

let aws: SleeperAws | undefined;

function awsOf(): SleeperAws {
  const region = process.env['AWS_REGION'];
  aws ??= sleeperAws({
    elb: new ElasticLoadBalancingV2Client({ region }),
    ecs: new ECSClient({ region }),
    cloudwatch: new CloudWatchClient({ region }),
    scaling: new ApplicationAutoScalingClient({ region }),
  });
  return aws;
}

export async function handler(
  event: unknown,
): Promise<AlbResult | { decisions: number } | undefined> {
  const settings = settingsFrom(process.env);
  const named = wakeRequestOf(event);
  if (named !== undefined) {
    await wakeByName(named, settings, awsOf(), Date.now());
    return undefined;
  }
  if (isWakerEvent(event)) {
    try {
      return await wake(event, settings, awsOf(), Date.now());
    } catch (error) {
      log({
        message: 'wake failed',
        host: hostOf(event.headers?.['host']),
        error: error instanceof Error ? error.message : String(error),
      });
      return failedResult(event);
    }
  }
  const wakers = wakersOf(event, settings);
  if (wakers === undefined) throw new Error('bug: neither a waker request nor a sweep');
  const decisions = await sweep(settings, wakers, awsOf(), Date.now());
  return { decisions: decisions.length };
}
