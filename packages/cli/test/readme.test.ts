import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadConfig, resolveEnvironment } from '@branch-env/core';
import { buildPlan, type Plan } from '../src/commands/plan/plan.js';
import { synthesizeEnvironment } from '../src/private/synth.js';

/**
 * The README states figures the code computes (cost per profile, modelled time to ready) and the
 * two set-up commands CI and users run. These tests keep the text equal to the code.
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'));

const plans = new Map<string, Promise<Plan>>();
/** The plan of a branch of the root config, synthesized once per file. */
function planOf(branch: string): Promise<Plan> {
  const cached = plans.get(branch);
  if (cached) return cached;
  const plan = (async () => {
    const env = resolveEnvironment(branch, config);
    const synthesis = await synthesizeEnvironment(env, { stageAssets: false });
    rmSync(synthesis.directory, { recursive: true, force: true });
    return buildPlan(env, synthesis);
  })();
  plans.set(branch, plan);
  return plan;
}

/** The README's table row whose first cell contains `label`, split into its cells. */
function row(label: string): string[] {
  const line = readme
    .split('\n')
    .find((l) => l.startsWith('|') && l.split('|')[1]?.includes(label));
  expect(line, `README row "${label}"`).toBeDefined();
  return line!
    .split('|')
    .slice(1, -1)
    .map((c) => c.trim());
}

describe('README.md', () => {
  it('starts with the main-job command and the test command, the test command being what .ci/run runs', () => {
    const block = /```bash\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
    const commands = block
      .trim()
      .split('\n')
      .map((l) => l.split('#')[0]!.trim());
    expect(commands).toEqual([
      'npm ci && npx branch-env plan feature/new-login',
      'npm ci && npm test',
    ]);
    expect(readme.indexOf('```bash')).toBeLessThan(readme.indexOf('\n## '));
    const ci = readFileSync(join(ROOT, '.ci', 'run'), 'utf8');
    expect(ci).toMatch(/^npm ci\b.*$/m);
    expect(ci).toMatch(/^npm test$/m);
  });

  it('states the cost per hour and per month that plan computes for preview and full', async () => {
    const preview = await planOf('feature/new-login');
    const full = await planOf('sandbox');
    expect([preview.environment.profile, full.environment.profile]).toEqual(['preview', 'full']);
    const [, previewTotal, fullTotal] = row('**total per hour**');
    expect(previewTotal).toContain(`$${preview.cost.perHour.toFixed(4)}`);
    expect(fullTotal).toContain(`$${full.cost.perHour.toFixed(4)}`);
    const [, previewMonth, fullMonth] = row('per month (730 h)');
    expect(previewMonth).toBe(`$${preview.cost.perMonth.toFixed(2)}`);
    expect(fullMonth).toBe(`$${full.cost.perMonth.toFixed(2)}`);
    // Asleep: the preview without its task; full is dedicated and never sleeps.
    const [, previewAsleep, fullAsleep] = row('asleep per hour (after 30 idle min, no Fargate)');
    expect(preview.cost.asleep).not.toBeNull();
    expect(previewAsleep).toBe(`$${preview.cost.asleep!.perHour.toFixed(4)}`);
    expect(full.cost.asleep).toBeNull();
    expect(fullAsleep).toContain('never sleeps');
    // The targets the README claims are met.
    expect(preview.cost.perHour).toBeLessThanOrEqual(0.06);
    expect(full.cost.perHour).toBeLessThanOrEqual(0.18);
    // Line items: each priced line of the model appears in its column.
    for (const [plan, column] of [
      [preview, 1],
      [full, 2],
    ] as const) {
      const perItem = (item: RegExp) =>
        plan.cost.lines.filter((l) => item.test(l.item)).reduce((s, l) => s + l.perHour, 0);
      expect(row('Application Load Balancer')[column]).toBe(
        perItem(/^Application Load Balancer$/).toFixed(4),
      );
      expect(row('ALB public IPv4')[column]).toBe(perItem(/^Public IPv4 \(ALB/).toFixed(4));
      expect(row('Fargate ARM64')[column]).toContain(perItem(/^Fargate /).toFixed(4));
    }
    const nat = full.cost.lines.find((l) => l.item === 'NAT gateway')!;
    expect(row('NAT gateway')[2]).toContain(nat.perHour.toFixed(4));
    const docdb = full.cost.lines.find((l) => l.item.startsWith('DocumentDB'))!;
    expect(row('database')[2]).toContain(docdb.perHour.toFixed(4));
    expect(preview.cost.lines.some((l) => l.item.startsWith('DocumentDB'))).toBe(false);
  });

  it('states the modelled time to ready that plan computes, and which resources set it', async () => {
    const preview = await planOf('feature/new-login');
    const full = await planOf('sandbox');
    expect(row('preview')[1]).toContain(`**${preview.timeToReady.totalMinutes.toFixed(1)} min**`);
    expect(row('full')[1]).toContain(`**${full.timeToReady.totalMinutes.toFixed(1)} min**`);
    const previewPath = preview.timeToReady.stacks[0]!.criticalPath.map((s) => s.type);
    // Preview is shared: the load balancer is the platform's, not on the branch's path.
    expect(previewPath).not.toContain('AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(previewPath).toContain('AWS::ECS::Service');
    const fullPath = full.timeToReady.stacks.flatMap((s) => s.criticalPath.map((c) => c.type));
    expect(fullPath).toEqual(
      expect.arrayContaining(['AWS::DocDB::DBCluster', 'AWS::DocDB::DBInstance']),
    );
  });
});
