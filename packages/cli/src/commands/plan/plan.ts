import { rmSync } from 'node:fs';
import {
  BLOCKER_KINDS,
  PRICES_2026_11,
  auditTeardown,
  complianceSummary,
  estimateCost,
  modelTimeToReady,
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
export interface Plan {
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
  options: { readonly prices?: PriceTable; readonly validation?: boolean } = {},
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
  };
}

const usd = (n: number, digits = 3) => `$${n.toFixed(digits)}`;

function headline(plan: Plan): string[] {
  const c = plan.compliance;
  return [
    `cost:        ${usd(plan.cost.perHour)}/h idle, about ${usd(plan.cost.perMonth, 2)}/month${plan.cost.unpriced.length ? ` (+ ${plan.cost.unpriced.length} unpriced)` : ''}`,
    `ready in:    ~${plan.timeToReady.totalMinutes} min (modelled critical path)`,
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
    '',
    'time to ready (critical path):',
    ...plan.timeToReady.stacks.flatMap((s) => [
      `  ${s.stack}: ${s.totalMinutes} min`,
      ...s.criticalPath
        .filter((p) => p.minutes >= 0.5)
        .map((p) => `    ${String(p.minutes).padStart(5)} min  ${p.logicalId} (${p.type})`),
    ]),
  ];
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

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** Markdown for the pull-request comment body (the plan section of `renderPrComment`). */
export function planMarkdown(plan: Plan): string {
  const e = plan.environment;
  const c = plan.compliance;
  const md: string[] = [
    `#### Plan for \`${e.name}\` (${e.profile} profile, ${e.account.key} ${e.region})`,
    '',
    `| | |`,
    `|---|---|`,
    `| Cost | **${usd(plan.cost.perHour)}/h** idle, about ${usd(plan.cost.perMonth, 2)}/month${plan.cost.unpriced.length ? `, ${plan.cost.unpriced.length} item(s) unpriced` : ''} |`,
    `| Ready in | ~${plan.timeToReady.totalMinutes} min (modelled) |`,
    `| Resources | ${plan.resources.total} in ${plan.stacks.map((s) => `\`${s.name}\``).join(', ')} |`,
    `| Teardown | ${plan.teardown.passed ? (plan.teardown.mode === 'protected' ? '✅ data protected' : '✅ leaves nothing behind') : `⚠️ ${plan.teardown.blockers.length} blocker(s)`} |`,
    `| Compliance | ${c.passed ? '✅ passed' : '❌ failed'}: ${c.errors.open} open error(s), ${c.warnings.open} open warning(s), ${c.errors.acknowledged + c.warnings.acknowledged} acknowledged |`,
    '',
    '<details><summary>Resources by building block</summary>',
    '',
    '| Block | Resources | Types |',
    '|---|---:|---|',
    ...plan.resources.blocks.map(
      (b) =>
        `| ${cell(b.block)} | ${b.resources} | ${b.types.map((t) => `${t.type.replace(/^AWS::/, '')}${t.count > 1 ? ` ×${t.count}` : ''}`).join(', ')} |`,
    ),
    '',
    '</details>',
    '',
    '<details><summary>Cost line items</summary>',
    '',
    '| Item | Quantity | $/h | $/month | Note |',
    '|---|---:|---:|---:|---|',
    ...plan.cost.lines.map(
      (l) =>
        `| ${cell(l.item)} | ${round(l.quantity, 3)} ${cell(l.unit)} | ${l.perHour.toFixed(4)} | ${l.perMonth.toFixed(2)} | ${cell(l.note ?? '')} |`,
    ),
    ...plan.cost.unpriced.map(
      (u) => `| ${cell(u.type)} \`${u.logicalId}\` | | unpriced | | ${cell(u.reason)} |`,
    ),
    '',
    `Prices: ${plan.cost.priceTable.source} (${plan.cost.priceTable.date}).`,
    '',
    '</details>',
    '',
    '<details><summary>Time to ready: critical path</summary>',
    '',
    '| Stack | Resource | Type | Minutes |',
    '|---|---|---|---:|',
    ...plan.timeToReady.stacks.flatMap((s) =>
      s.criticalPath.map((p) => `| ${s.stack} | \`${p.logicalId}\` | ${p.type} | ${p.minutes} |`),
    ),
    '',
    ...plan.timeToReady.sources.map((s) => `- ${s}`),
    '',
    '</details>',
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
        `| \`${b.logicalId}\` (${b.type}) | ${b.kind} | ${cell(b.reason)} | ${cell(b.fix)} |`,
      );
    md.push('', '</details>');
  }
  if (c.rows.length > 0) {
    md.push(
      '',
      `<details${c.passed ? '' : ' open'}><summary>Compliance (cdk-nag AwsSolutions)</summary>`,
      '',
      '| Rule | Level | Open | Acknowledged | Reason |',
      '|---|---|---:|---:|---|',
    );
    for (const r of c.rows)
      md.push(
        `| ${r.rule} | ${r.level} | ${r.open} | ${r.acknowledged} | ${cell(r.reasons.join('; '))} |`,
      );
    md.push('', '</details>');
  }
  return `${md.join('\n')}\n`;
}

export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { env } = environmentFrom(args, io, { checkFiles: true });
  if (args.values.json && args.values.markdown) {
    const { UserError } = await import('@branch-env/core');
    throw new UserError('--json and --markdown cannot be combined', 'pick one output format');
  }
  io.err(`synthesizing ${env.name} (${env.profile.name} profile) in-process...\n`);
  const { synthesizeEnvironment } = await import('../../private/synth.js');
  const synthesis = await synthesizeEnvironment(env, {
    commit: typeof args.values.commit === 'string' ? args.values.commit : undefined,
    stageAssets: false,
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
  const plan = buildPlan(env, synthesis, prices ? { prices } : {});
  if (args.values.json) printJson(io, plan);
  else if (args.values.markdown) io.out(planMarkdown(plan));
  else io.out(planText(plan));
  return EXIT.ok;
}
