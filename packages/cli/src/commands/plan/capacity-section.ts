import {
  combineStackTimes,
  environmentQuotaUsage,
  estimatePlatformCost,
  isolationOf,
  modelCapacity,
  modelPushToUrl,
  modelWake,
  moreRoomFix,
  sleepAfterIdleMinutes,
  usesPlatformImages,
  modelTimeToReady,
  platformShapeOf,
  type CapacityIsolation,
  type CapacityModel,
  type CostEstimate,
  type Occupant,
  type PlatformShape,
  type PriceTable,
  type PushToUrlModel,
  type QuotaKey,
  type ResolvedEnvironment,
  type WakeModel,
} from '@branch-env/core';
import type { SynthesizedStack } from '../../private/synth.js';

/**
 * The plan's capacity, push → URL and platform cost sections: built from the environment's
 * synthesized stacks and the environments already holding quota in its account, rendered as text
 * and markdown next to the rest of the plan.
 */
interface PlanCapacity extends Omit<CapacityModel, 'awakeAtOnce'> {
  readonly isolation: CapacityIsolation;
  readonly profile: string;
  readonly account: string;
  /** How to get past the binding quota (null when nothing limits the profile). */
  readonly fix: string | null;
  /** Idle minutes after which the profile's environments sleep; null: they never do. */
  readonly sleepAfterIdleMinutes: number | null;
  /**
   * For a profile that sleeps: how many of its environments can be awake at once, the running-task
   * quota that binds (Fargate vCPU) and how to raise it; null for a profile that never sleeps.
   */
  readonly awakeAtOnce: {
    readonly environments: number | null;
    readonly binding: QuotaKey | null;
    readonly fix: string | null;
  } | null;
}

export interface PlanSpeedAndCapacity {
  readonly capacity: PlanCapacity;
  readonly pushToUrl: PushToUrlModel;
  /**
   * For a profile that sleeps: modelled minutes from the first request after idle until its
   * service answers (docs/platform.md, "Sleep and wake"); null when it never sleeps.
   */
  readonly wake: WakeModel | null;
  /** The account platform's idle cost, once per account; null when the account has none. */
  readonly platformCost: CostEstimate | null;
}

export interface CapacityContext {
  /** Long-lived (or live) environments of the account, each with its synthesized stacks. */
  readonly occupants?: readonly {
    readonly name: string;
    readonly isolation: CapacityIsolation;
    /** It sleeps when idle (`sleepAfterIdleMinutes`). @default false */
    readonly sleeps?: boolean;
    readonly stacks: readonly Pick<SynthesizedStack, 'template' | 'region'>[];
  }[];
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

export function buildSpeedAndCapacity(
  env: ResolvedEnvironment,
  stacks: readonly SynthesizedStack[],
  context: CapacityContext = {},
  prices?: PriceTable,
): PlanSpeedAndCapacity {
  const isolation = isolationOf(env.profile);
  const sleepAfter = sleepAfterIdleMinutes(env);
  const platform: PlatformShape | undefined = platformShapeOf(env.account, isolation);
  const occupants: Occupant[] = (context.occupants ?? []).map((o) => ({
    name: o.name,
    isolation: o.isolation,
    sleeps: o.sleeps ?? false,
    usage: environmentQuotaUsage(o.stacks, env.region),
  }));
  const model = modelCapacity({
    region: env.region,
    usage: environmentQuotaUsage(stacks, env.region),
    isolation,
    sleeps: sleepAfter !== null,
    platform,
    occupants,
  });
  const fixOf = (key: QuotaKey | null) => {
    const row = model.rows.find((r) => r.quota === key);
    return row === undefined ? null : moreRoomFix(row, env.region);
  };
  const wake = sleepAfter === null ? null : modelWake(stacks.map((s) => s.template));
  const cloudFormation = combineStackTimes(
    stacks.map((s) => ({ stack: s.name, model: modelTimeToReady(s.template) })),
  );
  const pushToUrl = modelPushToUrl(
    cloudFormation,
    stacks.map((s) => s.template),
    { images: usesPlatformImages(env.account) ? 'platform' : 'assets' },
  );
  return {
    capacity: {
      ...model,
      isolation,
      profile: env.profile.name,
      account: env.account.key,
      fix: fixOf(model.binding),
      sleepAfterIdleMinutes: sleepAfter,
      awakeAtOnce:
        model.awakeAtOnce === null
          ? null
          : { ...model.awakeAtOnce, fix: fixOf(model.awakeAtOnce.binding) },
    },
    pushToUrl: {
      ...pushToUrl,
      totalMinutes: round(pushToUrl.totalMinutes, 2),
      cloudFormationMinutes: round(pushToUrl.cloudFormationMinutes, 2),
      rangeMinutes: {
        low: round(pushToUrl.rangeMinutes.low, 2),
        high: round(pushToUrl.rangeMinutes.high, 2),
      },
    },
    wake:
      wake === null
        ? null
        : {
            ...wake,
            totalMinutes: round(wake.totalMinutes, 2),
            rangeMinutes: {
              low: round(wake.rangeMinutes.low, 2),
              high: round(wake.rangeMinutes.high, 2),
            },
          },
    platformCost:
      platform === undefined
        ? null
        : estimatePlatformCost(platform, prices === undefined ? {} : { prices }),
  };
}

const fits = (n: number | null) => (n === null ? 'unlimited' : String(n));
/** A quota row's fit: '-' when this profile uses none of the quota. */
const rowFits = (n: number | null) => (n === null ? '-' : String(n));
const quotaName = (m: CapacityModel, key: string | null) =>
  m.rows.find((r) => r.quota === key)?.name ?? 'none';

/** Headline lines for the terminal; `asleepPerHour` is the environment's idle cost asleep. */
export function speedAndCapacityHeadline(
  s: PlanSpeedAndCapacity,
  perHour: number,
  asleepPerHour: number | null = null,
): string[] {
  const c = s.capacity;
  const p = s.pushToUrl;
  const environment =
    asleepPerHour === null
      ? `environment $${perHour.toFixed(4)}/h`
      : `environment $${perHour.toFixed(4)}/h awake, $${asleepPerHour.toFixed(4)}/h asleep`;
  return [
    `push → URL:  ~${p.totalMinutes} min modelled (${p.rangeMinutes.low}–${p.rangeMinutes.high}), of which CloudFormation ~${p.cloudFormationMinutes} min`,
    ...(s.wake === null
      ? []
      : [
          `wake:        ~${s.wake.totalMinutes} min modelled (${s.wake.rangeMinutes.low}–${s.wake.rangeMinutes.high}) from the first request after ${c.sleepAfterIdleMinutes} idle min ("waking up" page meanwhile)`,
        ]),
    `capacity:    ${fits(c.environments)} ${c.profile} environment(s) fit in ${c.account} (${c.isolation}; binding: ${quotaName(c, c.binding)}); ${fits(c.structural.environments)} by quotas AWS does not raise itself (${quotaName(c, c.structural.binding)})`,
    ...(c.awakeAtOnce === null
      ? []
      : [
          `awake:       ${fits(c.awakeAtOnce.environments)} of them at once (binding: ${quotaName(c, c.awakeAtOnce.binding)}); the others sleep`,
        ]),
    ...(s.platformCost === null && asleepPerHour === null
      ? []
      : [
          `idle cost:   ${environment}${s.platformCost === null ? '' : ` + account platform $${s.platformCost.perHour.toFixed(4)}/h (once per account)`}`,
        ]),
  ];
}

/** The detailed text section. */
export function speedAndCapacityText(s: PlanSpeedAndCapacity): string[] {
  const c = s.capacity;
  const out = [
    'push → URL (modelled pipeline; CloudFormation is one step of it):',
    ...s.pushToUrl.steps.map(
      (step) =>
        `  ${String(round(step.minutes, 2)).padStart(5)} min  ${step.branch ? `[${step.branch}] ` : ''}${step.label}`,
    ),
    `  critical branch: ${s.pushToUrl.critical}; assumes ${s.pushToUrl.assumptions.join('; ')}`,
    ...(s.wake === null
      ? []
      : [
          '',
          `wake after ${c.sleepAfterIdleMinutes} idle min (modelled, first request → service answers):`,
          ...s.wake.steps.map(
            (step) => `  ${String(round(step.minutes, 2)).padStart(5)} min  ${step.label}`,
          ),
        ]),
    '',
    `capacity (default quotas, ${c.quotaTable.date}):`,
    ...c.rows.map(
      (r) =>
        `  ${rowFits(r.fits).padStart(5)}  ${r.name}: limit ${r.limit}, platform ${round(r.platform, 2)}, others ${round(r.occupied, 2)}, this ${round(r.perEnvironment, 2)} each${r.adjustable ? '' : ' (not adjustable)'}${r.bounds === 'awake' ? ' (awake at once, not fit)' : ''}`,
    ),
    ...(c.fix === null ? [] : [`  to fit more: ${c.fix}`]),
    ...(c.awakeAtOnce?.fix == null ? [] : [`  to wake more at once: ${c.awakeAtOnce.fix}`]),
    ...c.assumptions.map((a) => `  assumes ${a}`),
  ];
  if (s.platformCost !== null) {
    out.push(
      '',
      `account platform idle cost: $${s.platformCost.perHour.toFixed(4)}/h`,
      ...s.platformCost.lines
        .filter((l) => l.perHour > 0)
        .map(
          (l) =>
            `  $${l.perHour.toFixed(4).padStart(7)}/h  ${l.item} x${round(l.quantity, 3)} ${l.unit}`,
        ),
      ...s.platformCost.unpriced.map((u) => `  unpriced    ${u.logicalId}: ${u.reason}`),
    );
  }
  return out;
}

const cell = (v: string) => v.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Summary-table rows for the pull-request comment. */
export function speedAndCapacityMarkdownRows(s: PlanSpeedAndCapacity): string[] {
  const c = s.capacity;
  return [
    `| Push → URL | ~${s.pushToUrl.totalMinutes} min (modelled pipeline; CloudFormation ~${s.pushToUrl.cloudFormationMinutes} min of it) |`,
    `| Capacity | ${fits(c.environments)} ${cell(c.profile)} environment(s) in ${cell(c.account)}, bound by ${cell(quotaName(c, c.binding))}; ${fits(c.structural.environments)} by the platform's shape${c.awakeAtOnce === null ? '' : `; ${fits(c.awakeAtOnce.environments)} awake at once (${cell(quotaName(c, c.awakeAtOnce.binding))})`} |`,
    ...(s.wake === null
      ? []
      : [
          `| Sleep | after ${c.sleepAfterIdleMinutes} idle min; the first request then waits ~${s.wake.totalMinutes} min (modelled) on a "waking up" page |`,
        ]),
    ...(s.platformCost === null
      ? []
      : [`| Platform | $${s.platformCost.perHour.toFixed(3)}/h idle, once per account |`]),
  ];
}

/** Detail sections for the pull-request comment. */
export function speedAndCapacityMarkdown(s: PlanSpeedAndCapacity): string[] {
  const c = s.capacity;
  const md = [
    '<details><summary>Push → URL: pipeline model</summary>',
    '',
    '| Step | Branch | Minutes |',
    '|---|---|---:|',
    ...s.pushToUrl.steps.map(
      (step) => `| ${cell(step.label)} | ${step.branch ?? ''} | ${round(step.minutes, 2)} |`,
    ),
    '',
    ...s.pushToUrl.assumptions.map((a) => `- assumes ${cell(a)}`),
    ...s.pushToUrl.sources.map((src) => `- ${cell(src)}`),
    '',
    '</details>',
    '',
    `<details><summary>Capacity under default quotas (${c.quotaTable.date})</summary>`,
    '',
    '| Quota | Limit | Platform | Others | This environment | Fits |',
    '|---|---:|---:|---:|---:|---:|',
    ...c.rows.map(
      (r) =>
        `| ${cell(r.name)}${r.adjustable ? '' : ' (not adjustable)'}${r.bounds === 'awake' ? ' (awake at once)' : ''} | ${r.limit} | ${round(r.platform, 2)} | ${round(r.occupied, 2)} | ${round(r.perEnvironment, 2)} | ${rowFits(r.fits)} |`,
    ),
    '',
    ...(c.fix === null ? [] : [`To fit more: ${cell(c.fix)}`, '']),
    ...(c.awakeAtOnce?.fix == null ? [] : [`To wake more at once: ${cell(c.awakeAtOnce.fix)}`, '']),
    ...c.assumptions.map((a) => `- assumes ${cell(a)}`),
    '',
    '</details>',
  ];
  if (s.platformCost !== null) {
    md.push(
      '',
      '<details><summary>Account platform idle cost</summary>',
      '',
      '| Item | Quantity | $/h | Note |',
      '|---|---:|---:|---|',
      ...s.platformCost.lines.map(
        (l) =>
          `| ${cell(l.item)} | ${round(l.quantity, 3)} ${cell(l.unit)} | ${l.perHour.toFixed(4)} | ${cell(l.note ?? '')} |`,
      ),
      ...s.platformCost.unpriced.map(
        (u) => `| ${cell(u.logicalId)} | | unpriced | ${cell(u.reason)} |`,
      ),
      '',
      '</details>',
    );
  }
  return md;
}
