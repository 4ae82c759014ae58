import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  PR_COMMENT_MAX_CHARS,
  loadConfig,
  renderPrComment,
  resolveEnvironment,
} from '@branch-env/core';
import { codeSpans, expectWellFormed, tablesOf } from '../../core/test/gfm.js';
import { buildPlan, planMarkdown, type Plan } from '../src/commands/plan/plan.js';
import { synthesizeEnvironment } from '../src/private/synth.js';

/**
 * The pull-request comment as GitHub shows it: the real `plan --markdown` of every profile of the
 * root config, inside the comment, rendered with a GFM renderer (micromark + GFM extensions).
 */
const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'));

/** One branch per profile of the root config, found through the rules. */
const BY_PROFILE: Record<string, string> = {
  preview: 'feature/x',
  full: 'sandbox',
  production: 'main',
};

const plans = new Map<string, Promise<Plan>>();
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

const HOSTILE = [
  'feature/`tick`|pipe',
  'feature/~a~ ~~b~~',
  'feature/<script>alert(1)</script>',
  'feature/@octocat',
  'feature/\u202Eexe.txt',
  'feature/**x**_y_[z](https://evil.example)',
];

describe('the PR comment with the real plan, rendered as GFM', () => {
  it('covers every profile of the root config', () => {
    expect(Object.keys(config.profiles).sort()).toEqual(Object.keys(BY_PROFILE).sort());
    for (const [profile, branch] of Object.entries(BY_PROFILE))
      expect(resolveEnvironment(branch, config).profile.name).toBe(profile);
  });

  it.each(Object.entries(BY_PROFILE))(
    'profile %s: tables intact, no strikethrough, compact compliance grouped by rule',
    async (_profile, branch) => {
      const plan = await planOf(branch);
      const markdown = planMarkdown(plan);
      for (const hostile of HOSTILE) {
        const body = renderPrComment({
          environment: plan.environment.name,
          branch: hostile,
          account: `${plan.environment.account.key} (${plan.environment.account.id})`,
          status: 'deployed',
          protected: plan.environment.protected,
          ttlHours: plan.environment.ttlHours,
          url: plan.environment.url,
          costPerHour: plan.cost.perHour,
          commit: '0123456789abcdef',
          runUrl: 'https://github.com/acme/shop/actions/runs/1',
          plan: markdown,
        });
        expect(body.length).toBeLessThan(PR_COMMENT_MAX_CHARS);
        const html = expectWellFormed(body);
        expect(html.indexOf('<details')).toBeGreaterThan(0);
        expect(html.split('<details').length).toBe(html.split('</details>').length);
      }
      const html = expectWellFormed(markdown);
      const tables = tablesOf(html);
      const [summary] = tables;
      const cost = summary!.rows.find((r) => r[0] === 'Cost')![1]!;
      expect(cost).toContain(`<span>$</span>${plan.cost.perHour.toFixed(3)}/h`);
      const ready = summary!.rows.find((r) => r[0] === 'Ready in')![1]!;
      expect(ready).toContain('of CloudFormation');
      if (plan.cost.unpriced.length > 0) expect(cost).toContain('lower bound');
      const compliance = tables.find((t) => t.header.join('|') === 'Rule|Open|Acknowledged|Why');
      expect(compliance).toBeDefined();
      const rules = compliance!.rows.map((r) => codeSpans(r[0]!)[0]!);
      // One row per rule: no finding detail (`[Resource::...]`) in the id, no rule twice.
      for (const rule of rules) expect(rule).toMatch(/^[\w:-]+$/);
      expect(new Set(compliance!.rows.map((r) => r[0])).size).toBe(compliance!.rows.length);
      // One reason each: no reason repeated anywhere in the table.
      // (A reason an earlier rule shows is referred to, `as for <rule>`, not repeated.)
      const reasons = compliance!.rows
        .flatMap((r) => r[3]!.split('<br>'))
        .filter((r) => r !== '' && !r.startsWith('as for '));
      expect(new Set(reasons).size).toBe(reasons.length);
      expect(Math.max(...reasons.map((r) => r.length))).toBeLessThanOrEqual(400);
      const findings = plan.compliance.rows.reduce((a, r) => a + r.acknowledged + r.open, 0);
      const shown = compliance!.rows.reduce((a, r) => a + Number(r[1]) + Number(r[2]), 0);
      expect(shown).toBe(findings);
    },
    60_000,
  );
});
