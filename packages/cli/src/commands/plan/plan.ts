import { dirname } from 'node:path';
import { rmSync } from 'node:fs';
import {
  BLOCKER_KINDS,
  PRICES_2026_11,
  auditTeardown,
  complianceGroups,
  complianceSummary,
  estimateCost,
  mdCell,
  mdCode,
  mdText,
  mdTextWithLinks,
  mdUsd,
  modelTimeToReady,
  sleepAfterIdleMinutes,
  type ComplianceSummary,
  type CostLine,
  type PathStep,
  type PriceTable,
  type ResolvedEnvironment,
  type TeardownBlocker,
  type UnpricedItem,
} from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import type { Synthesis } from '../../private/synth.js';
import { userAppOf } from '../../private/user-app.js';
import {
  buildSpeedAndCapacity,
  speedAndCapacityHeadline,
  speedAndCapacityMarkdown,
  speedAndCapacityMarkdownRows,
  speedAndCapacityText,
  type CapacityContext,
  type PlanSpeedAndCapacity,
} from './capacity-section.js';
import {
  planJobs,
  planServices,
  servicesMarkdown,
  servicesText,
  type PlanJob,
  type PlanService,
} from './services-section.js';

/** Version of the `plan --json` shape (docs/cli.md). Bumped on any breaking change. */
export const PLAN_SCHEMA = 'branch-env/plan@1';

export interface BlockSummary {
  readonly block: string;
  readonly resources: number;
  /** Resource types in the block with their counts, most frequent first. */
  readonly types: readonly { readonly type: string; readonly count: number }[];
}

export interface StackTime {
  readonly stack: string;
  readonly totalMinutes: number;
  readonly criticalPath: readonly PathStep[];
}

/** The stable `plan --json` document. */
export interface Plan extends PlanSpeedAndCapacity {
  readonly schema: typeof PLAN_SCHEMA;
  readonly environment: {
    readonly name: string;
    readonly branch: string;
    readonly app: string;
    readonly rule: { readonly index: number; readonly branch: string };
    readonly account: { readonly key: string; readonly id: string; readonly production: boolean };
    readonly region: string;
    readonly deployRoleArn: string;
    readonly profile: string;
    readonly protected: boolean;
    readonly ttlHours: number | null;
    readonly url: string | null;
    readonly ssmPrefix: string;
  };
  readonly stacks: readonly {
    readonly name: string;
    readonly account: string;
    readonly region: string;
    readonly resources: number;
  }[];
  readonly resources: { readonly total: number; readonly blocks: readonly BlockSummary[] };
  /** Each service: how it is reached (routes, internal, worker), its size and its idle cost. */
  readonly services: readonly PlanService[];
  /** The jobs deploy runs. */
  readonly jobs: readonly PlanJob[];
  readonly teardown: {
    readonly mode: 'unprotected' | 'protected';
    /** No blocker: a destroy leaves nothing behind (unprotected) / data is protected (protected). */
    readonly passed: boolean;
    readonly blockers: readonly (TeardownBlocker & {
      readonly stack: string;
      readonly fix: string;
    })[];
  };
  readonly compliance: ComplianceSummary;
  readonly cost: {
    readonly perHour: number;
    readonly perMonth: number;
    readonly lines: readonly (CostLine & { readonly stack: string })[];
    readonly unpriced: readonly (UnpricedItem & { readonly stack: string })[];
    readonly priceTable: { readonly date: string; readonly source: string };
    /**
     * The idle cost while asleep, for a profile that sleeps (docs/platform.md, "Sleep and wake"):
     * the same line items with every ECS service at 0 tasks. Null when the profile never sleeps.
     */
    readonly asleep: {
      readonly perHour: number;
      readonly perMonth: number;
      readonly lines: readonly (CostLine & { readonly stack: string })[];
      readonly unpriced: readonly (UnpricedItem & { readonly stack: string })[];
    } | null;
  };
  readonly timeToReady: {
    /** Stacks deploy one after the other (the certificate stack first), so their paths add up. */
    readonly totalMinutes: number;
    readonly stacks: readonly StackTime[];
    readonly sources: readonly string[];
  };
  readonly synth: { readonly milliseconds: number; readonly validation: boolean };
}

const round = (n: number, digits: number) => Math.round(n * 10 ** digits) / 10 ** digits;

/** Everything `plan` says, from a resolved environment and its synthesized stacks. Pure. */
export function buildPlan(
  env: ResolvedEnvironment,
  synthesis: Synthesis,
  options: {
    readonly prices?: PriceTable;
    readonly validation?: boolean;
    /** Environments already holding quota in the account (capacity section). */
    readonly capacity?: CapacityContext;
  } = {},
): Plan {
  const prices = options.prices ?? PRICES_2026_11;
  const blocks = new Map<string, Map<string, number>>();
  const blockers: Plan['teardown']['blockers'][number][] = [];
  const lines: Plan['cost']['lines'][number][] = [];
  const unpriced: Plan['cost']['unpriced'][number][] = [];
  const times: StackTime[] = [];
  const sources = new Set<string>();
  let perHour = 0;
  let perMonth = 0;
  let priceTable = { date: prices.date, source: prices.source };
  const sleeps = sleepAfterIdleMinutes(env) !== null;
  const asleep = { perHour: 0, perMonth: 0, lines: [] as Plan['cost']['lines'][number][] };
  const asleepUnpriced: Plan['cost']['unpriced'][number][] = [];
  for (const stack of synthesis.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources ?? {})) {
      const block = stack.blocks[logicalId] ?? 'Stack';
      const types = blocks.get(block) ?? new Map<string, number>();
      types.set(resource.Type, (types.get(resource.Type) ?? 0) + 1);
      blocks.set(block, types);
    }
    for (const b of auditTeardown(stack.template, { protected: env.protected })) {
      blockers.push({ ...b, stack: stack.name, fix: BLOCKER_KINDS[b.kind].fix });
    }
    const cost = estimateCost(stack.template, { prices });
    perHour += cost.perHour;
    perMonth += cost.perMonth;
    priceTable = cost.priceTable;
    lines.push(...cost.lines.map((l) => ({ ...l, stack: stack.name })));
    unpriced.push(...cost.unpriced.map((u) => ({ ...u, stack: stack.name })));
    if (sleeps) {
      const idle = estimateCost(stack.template, { prices, asleep: true });
      asleep.perHour += idle.perHour;
      asleep.perMonth += idle.perMonth;
      asleep.lines.push(...idle.lines.map((l) => ({ ...l, stack: stack.name })));
      asleepUnpriced.push(...idle.unpriced.map((u) => ({ ...u, stack: stack.name })));
    }
    const time = modelTimeToReady(stack.template);
    times.push({
      stack: stack.name,
      totalMinutes: time.totalMinutes,
      criticalPath: time.criticalPath,
    });
    for (const s of time.sources) sources.add(s);
  }
  const blockList: BlockSummary[] = [...blocks.entries()]
    .map(([block, types]) => ({
      block,
      resources: [...types.values()].reduce((a, b) => a + b, 0),
      types: [...types.entries()]
        .map(([type, count]) => ({ type, count }))
        .sort((a, b) => b.count - a.count || a.type.localeCompare(b.type)),
    }))
    .sort((a, b) => b.resources - a.resources || a.block.localeCompare(b.block));
  return {
    schema: PLAN_SCHEMA,
    environment: {
      name: env.name,
      branch: env.branch,
      app: env.app,
      rule: env.rule,
      account: { key: env.account.key, id: env.account.id, production: env.account.production },
      region: env.region,
      deployRoleArn: env.deployRoleArn,
      profile: env.profile.name,
      protected: env.protected,
      ttlHours: env.ttlHours,
      url: env.dnsName ? `https://${env.dnsName}` : null,
      ssmPrefix: env.ssmPrefix,
    },
    stacks: synthesis.stacks.map((s) => ({
      name: s.name,
      account: s.account,
      region: s.region,
      resources: Object.keys(s.template.Resources ?? {}).length,
    })),
    resources: { total: blockList.reduce((a, b) => a + b.resources, 0), blocks: blockList },
    services: planServices(env, synthesis.stacks, prices),
    jobs: planJobs(env),
    teardown: {
      mode: env.protected ? 'protected' : 'unprotected',
      passed: blockers.length === 0,
      blockers,
    },
    compliance: complianceSummary(synthesis.findings),
    cost: {
      perHour: round(perHour, 4),
      perMonth: round(perMonth, 2),
      lines,
      unpriced,
      priceTable,
      asleep: sleeps
        ? {
            perHour: round(asleep.perHour, 4),
            perMonth: round(asleep.perMonth, 2),
            lines: asleep.lines,
            unpriced: asleepUnpriced,
          }
        : null,
    },
    timeToReady: {
      totalMinutes: round(
        times.reduce((a, t) => a + t.totalMinutes, 0),
        1,
      ),
      stacks: times,
      sources: [...sources],
    },
    synth: { milliseconds: Math.round(synthesis.ms), validation: options.validation ?? false },
    ...buildSpeedAndCapacity(env, synthesis.stacks, options.capacity, options.prices),
  };
}

const usd = (n: number, digits = 3) => `$${n.toFixed(digits)}`;

function headline(plan: Plan): string[] {
  const c = plan.compliance;
  const perTtl = costPerTtl(plan);
  return [
    `cost:        ${plan.cost.unpriced.length ? 'AT LEAST ' : ''}${usd(plan.cost.perHour)}/h idle, about ${usd(plan.cost.perMonth, 2)}/month${plan.cost.unpriced.length ? ` (lower bound: ${plan.cost.unpriced.length} item(s) unpriced)` : ''}${perTtl === null ? '' : `, ${usd(perTtl, 2)} per ${plan.environment.ttlHours} h TTL`}`,
    `ready in:    ~${plan.timeToReady.totalMinutes} min of CloudFormation (modelled critical path; push → URL below)`,
    `resources:   ${plan.resources.total} in ${plan.stacks.length} stack(s)`,
    `teardown:    ${plan.teardown.passed ? (plan.teardown.mode === 'protected' ? 'data protected' : 'leaves nothing behind') : `${plan.teardown.blockers.length} blocker(s)`}`,
    `compliance:  ${c.passed ? 'passed' : 'FAILED'} (${c.errors.open} open error(s), ${c.warnings.open} open warning(s), ${c.errors.acknowledged + c.warnings.acknowledged} acknowledged)`,
  ];
}

/** Human text for the terminal. */
export function planText(plan: Plan): string {
  const e = plan.environment;
  const out: string[] = [
    `environment: ${e.name} (branch ${e.branch}, rules[${e.rule.index}] ${e.rule.branch})`,
    `route:       ${e.account.key} ${e.account.id} ${e.region}${e.account.production ? ' (production)' : ''}, profile ${e.profile}${e.protected ? ', protected' : ''}, ${e.ttlHours === null ? 'no TTL' : `TTL ${e.ttlHours} h`}`,
    `url:         ${e.url ?? 'the load balancer address, known after deploy'}`,
    `stacks:      ${plan.stacks.map((s) => `${s.name} (${s.region}, ${s.resources})`).join(', ')}`,
    ...headline(plan),
    ...speedAndCapacityHeadline(plan, plan.cost.perHour, plan.cost.asleep?.perHour ?? null),
    '',
    ...servicesText(plan.services, plan.jobs),
    '',
    'building blocks:',
    ...plan.resources.blocks.map(
      (b) =>
        `  ${b.block.padEnd(20)} ${String(b.resources).padStart(3)}  ${b.types
          .slice(0, 4)
          .map((t) => `${t.type.replace(/^AWS::/, '')}${t.count > 1 ? ` x${t.count}` : ''}`)
          .join(', ')}${b.types.length > 4 ? ', ...' : ''}`,
    ),
    '',
    `cost line items (prices ${plan.cost.priceTable.date}):`,
    ...plan.cost.lines
      .filter((l) => l.perHour > 0)
      .map(
        (l) => `  ${usd(l.perHour, 4).padStart(9)}/h  ${l.item} x${round(l.quantity, 3)} ${l.unit}`,
      ),
    ...plan.cost.unpriced.map((u) => `  unpriced    ${u.logicalId} (${u.type}): ${u.reason}`),
    ...costCaveats(plan).map((c) => `  note: ${c}`),
    ...(plan.cost.asleep === null
      ? []
      : [
          '',
          `asleep after ${plan.capacity.sleepAfterIdleMinutes} idle min: ${usd(plan.cost.asleep.perHour, 4)}/h idle (no Fargate), about ${usd(plan.cost.asleep.perMonth, 2)}/month:`,
          ...plan.cost.asleep.lines
            .filter((l) => l.perHour > 0 || l.item.startsWith('ECS service asleep'))
            .map(
              (l) =>
                `  ${usd(l.perHour, 4).padStart(9)}/h  ${l.item} x${round(l.quantity, 3)} ${l.unit}`,
            ),
        ]),
    '',
    `time to ready (critical path; ${READY_SCOPE}):`,
    ...plan.timeToReady.stacks.flatMap((s) => [
      `  ${s.stack}: ${s.totalMinutes} min`,
      ...s.criticalPath.map(
        (p) => `    ${String(p.minutes).padStart(5)} min  ${p.logicalId} (${p.type})`,
      ),
    ]),
  ];
  out.push('', ...speedAndCapacityText(plan));
  if (plan.teardown.blockers.length > 0) {
    out.push('', 'teardown audit:');
    for (const b of plan.teardown.blockers)
      out.push(`  ${b.kind}: ${b.logicalId} (${b.type}) ${b.reason}`);
  }
  const open = plan.compliance.rows.filter((r) => r.open > 0);
  if (open.length > 0) {
    out.push('', 'compliance (open):');
    for (const r of open)
      out.push(`  ${r.level} ${r.rule}: ${r.open} (${r.resources.slice(0, 3).join(', ')})`);
  }
  return `${out.join('\n')}\n`;
}

/** What the idle cost figure leaves out, said next to it in every output. */
export function costCaveats(plan: Plan): string[] {
  const caveats = [
    `idle: no traffic; usage (data transfer, load balancer LCUs, logs, storage GB, requests${plan.cost.lines.some((l) => /NAT/i.test(l.item)) ? ', NAT GB processed' : ''}) is not counted`,
    `${plan.cost.priceTable.source}, not your account's discounts or the environment's region`,
  ];
  if (plan.cost.lines.some((l) => /Spot/.test(l.item)))
    caveats.push('Fargate Spot taken at the full 70% discount: a lower bound');
  if (plan.cost.unpriced.length > 0)
    caveats.push(
      `LOWER BOUND: ${plan.cost.unpriced.length} item(s) with a standing charge are not priced (${[...new Set(plan.cost.unpriced.map((u) => u.reason))].join('; ')})`,
    );
  return caveats;
}

/** Cost of one TTL (an expiring environment runs at most that long per push), else null. */
export function costPerTtl(plan: Plan): number | null {
  const ttl = plan.environment.ttlHours;
  return ttl === null || plan.environment.protected ? null : round(plan.cost.perHour * ttl, 2);
}

/** What the time figure is: CloudFormation only, not push to URL. */
export const READY_SCOPE =
  'CloudFormation only (modelled critical path); the runner queue, npm ci and the image build and push come on top';

/** Markdown for the pull-request comment body (the plan section of `renderPrComment`). */
export function planMarkdown(plan: Plan): string {
  const e = plan.environment;
  const c = plan.compliance;
  const perTtl = costPerTtl(plan);
  const lowerBound = plan.cost.unpriced.length > 0;
  const md: string[] = [
    `#### Plan for ${mdCode(e.name)} (${mdText(e.profile)} profile, ${mdText(e.account.key)} ${mdText(e.region)})`,
    '',
    `| | |`,
    `|---|---|`,
    `| Cost | ${lowerBound ? 'at least ' : ''}**${mdUsd(plan.cost.perHour)}/h** idle, about ${mdUsd(plan.cost.perMonth, 2)}/month${perTtl === null ? '' : `, ${mdUsd(perTtl, 2)} per ${e.ttlHours} h TTL`}${lowerBound ? `; **lower bound: ${plan.cost.unpriced.length} item(s) unpriced**` : ''} |`,
    `| Ready in | ~${plan.timeToReady.totalMinutes} min of CloudFormation (modelled; push to URL takes longer) |`,
    ...speedAndCapacityMarkdownRows(plan),
    `| Resources | ${plan.resources.total} in ${plan.stacks.map((s) => mdCell(s.name)).join(', ')} |`,
    `| Teardown | ${plan.teardown.passed ? (plan.teardown.mode === 'protected' ? '✅ data protected' : '✅ leaves nothing behind') : `⚠️ ${plan.teardown.blockers.length} blocker(s)`} |`,
    `| Compliance | ${c.passed ? '✅ passed' : '❌ failed'}: ${c.errors.open} open error(s), ${c.warnings.open} open warning(s), ${c.errors.acknowledged + c.warnings.acknowledged} acknowledged |`,
    '',
    `<details><summary>Services: ${plan.services.length}${plan.jobs.length ? `, jobs: ${plan.jobs.length}` : ''}</summary>`,
    '',
    ...servicesMarkdown(plan.services, plan.jobs, { code: mdCode, text: mdText }),
    '',
    '</details>',
    '',
    '<details><summary>Resources by building block</summary>',
    '',
    '| Block | Resources | Types |',
    '|---|---:|---|',
    ...plan.resources.blocks.map(
      (b) =>
        `| ${mdText(b.block)} | ${b.resources} | ${mdText(b.types.map((t) => `${t.type.replace(/^AWS::/, '')}${t.count > 1 ? ` ×${t.count}` : ''}`).join(', '))} |`,
    ),
    '',
    '</details>',
    '',
    '<details><summary>Cost line items</summary>',
    '',
    '| Item | Quantity | USD/h | USD/month | Note |',
    '|---|---:|---:|---:|---|',
    ...plan.cost.lines.map(
      (l) =>
        `| ${mdText(l.item)} | ${round(l.quantity, 3)} ${mdText(l.unit)} | ${l.perHour.toFixed(4)} | ${l.perMonth.toFixed(2)} | ${mdTextWithLinks(l.note ?? '')} |`,
    ),
    ...plan.cost.unpriced.map(
      (u) =>
        `| ${mdText(u.type)} ${mdCell(u.logicalId)} | | unpriced | | ${mdTextWithLinks(u.reason)} |`,
    ),
    '',
    ...costCaveats(plan).map((caveat) => `- ${mdTextWithLinks(caveat)}`),
    ...(plan.cost.asleep === null
      ? []
      : [
          `- asleep (after ${plan.capacity.sleepAfterIdleMinutes} idle min): **${mdUsd(plan.cost.asleep.perHour)}/h**, every service at 0 tasks (no Fargate vCPU, memory or task address)`,
        ]),
    '',
    '</details>',
    '',
    '<details><summary>Time to ready: critical path</summary>',
    '',
    `${mdText(READY_SCOPE)}.`,
    '',
    '| Stack | Resource | Type | Minutes |',
    '|---|---|---|---:|',
    ...plan.timeToReady.stacks.flatMap((s) =>
      s.criticalPath.map(
        (p) => `| ${mdText(s.stack)} | ${mdCell(p.logicalId)} | ${mdText(p.type)} | ${p.minutes} |`,
      ),
    ),
    '',
    ...plan.timeToReady.sources.map((s) => `- ${mdTextWithLinks(s)}`),
    '',
    '</details>',
    '',
    ...speedAndCapacityMarkdown(plan),
  ];
  if (plan.teardown.blockers.length > 0) {
    md.push(
      '',
      '<details open><summary>Teardown audit</summary>',
      '',
      '| Resource | Kind | Why | Fix |',
      '|---|---|---|---|',
    );
    for (const b of plan.teardown.blockers)
      md.push(
        `| ${mdCell(b.logicalId)} (${mdText(b.type)}) | ${mdText(b.kind)} | ${mdTextWithLinks(b.reason)} | ${mdTextWithLinks(b.fix)} |`,
      );
    md.push('', '</details>');
  }
  const groups = complianceGroups(c.rows);
  if (groups.length > 0) {
    md.push(
      '',
      `<details${c.passed ? '' : ' open'}><summary>Compliance (cdk-nag AwsSolutions): ${groups.length} rule(s)</summary>`,
      '',
      '| Rule | Open | Acknowledged | Why |',
      '|---|---:|---:|---|',
    );
    for (const g of groups)
      md.push(
        `| ${mdCell(g.rule)} ${g.level} | ${g.open} | ${g.acknowledged} | ${[...g.reasons.map(mdTextWithLinks), ...(g.sameReasonAs.length > 0 ? [`as for ${g.sameReasonAs.map(mdCell).join(', ')}`] : [])].join('<br>') || (g.open > 0 ? '**open**' : '')} |`,
      );
    md.push('', '</details>');
  }
  return `${md.join('\n')}\n`;
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { env, config, file } = environmentFrom(args, io, { checkFiles: true });
  if (args.values.json && args.values.markdown) {
    const { UserError } = await import('@branch-env/core');
    throw new UserError('--json and --markdown cannot be combined', 'pick one output format');
  }
  io.err(
    `synthesizing ${env.name} (${env.profile.name} profile) ${config.cdk ? `with your CDK app (${config.cdk.app})` : 'in-process'}...\n`,
  );
  const { synthesizeEnvironment } = await import('../../private/synth.js');
  const synthesis = await synthesizeEnvironment(env, {
    configDirectory: dirname(file),
    commit: typeof args.values.commit === 'string' ? args.values.commit : undefined,
    stageAssets: false,
    app: userAppOf(config, file, io),
  });
  rmSync(synthesis.directory, { recursive: true, force: true });
  io.err(
    `synthesized ${synthesis.stacks.length} stack(s) in ${(synthesis.ms / 1000).toFixed(1)} s\n`,
  );
  let prices: PriceTable | undefined;
  if (args.values['refresh-prices']) {
    // After the synth: the DocumentDB instance classes to refresh are the templates' own.
    const { documentDbInstanceClasses, refreshPrices } =
      await import('../../private/aws/pricing.js');
    io.err('refreshing prices from the AWS Price List API...\n');
    const classes = documentDbInstanceClasses(synthesis.stacks.map((s) => s.template));
    prices = await refreshPrices(PRICES_2026_11, env.region, io, { documentDbClasses: classes });
  }
  const { longLivedOccupants } = await import('../../private/capacity.js');
  const capacity = await longLivedOccupants(env, config, io);
  const plan = buildPlan(env, synthesis, { ...(prices ? { prices } : {}), capacity });
  if (args.values.json) printJson(io, plan);
  else if (args.values.markdown) io.out(planMarkdown(plan));
  else io.out(planText(plan));
  return EXIT.ok;
}
