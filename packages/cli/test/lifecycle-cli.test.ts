import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { planMarkdown, planText, type Plan } from '../src/commands/plan/plan.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'packages/cli/bin/branch-env.js');

/** The environment of a machine with no AWS credentials at all (and no instance metadata). */
function noAwsEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('AWS_')) env[k] = v;
  const empty = join(mkdtempSync(join(tmpdir(), 'be-noaws-')), 'none');
  return {
    ...env,
    BRANCH_ENV_CONFIG: '',
    AWS_CONFIG_FILE: empty,
    AWS_SHARED_CREDENTIALS_FILE: empty,
    AWS_EC2_METADATA_DISABLED: 'true',
    ...extra,
  };
}

/** Run the built CLI as a real process. */
async function cli(args: string[], env: NodeJS.ProcessEnv = noAwsEnv()) {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], {
      cwd: ROOT,
      env,
      maxBuffer: 32 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number; stdout: string; stderr: string };
    return { code: err.code ?? -1, stdout: err.stdout, stderr: err.stderr };
  }
}

const NO_STACK = /\n\s+at /;

describe('branch-env plan feature/new-login (two synth runs in all)', () => {
  let json: { code: number; stdout: string; stderr: string };
  let markdown: { code: number; stdout: string; stderr: string };
  let plan: Plan;
  beforeAll(async () => {
    // Sequential: the machine is shared; two synths of ~3 s each.
    json = await cli(['plan', 'feature/new-login', '--json']);
    markdown = await cli(['plan', 'feature/new-login', '--markdown']);
    plan = JSON.parse(json.stdout) as Plan;
  }, 120_000);

  it('--json: works offline, reports progress on stderr, stable document', () => {
    expect(json.code).toBe(0);
    expect(json.stderr).toMatch(
      /^synthesizing feature-new-login \(preview profile\) in-process\.\.\.\nsynthesized 1 stack\(s\) in \d+\.\d s\ncounting the long-lived environments of development: sandbox\n$/,
    );
    expect(plan.schema).toBe('branch-env/plan@1');
    expect(plan.environment).toMatchObject({
      name: 'feature-new-login',
      branch: 'feature/new-login',
      account: { key: 'development', id: '111111111111', production: false },
      region: 'us-east-1',
      profile: 'preview',
      protected: false,
      ttlHours: 72,
      url: 'https://feature-new-login.branch-env-dev.example.net',
      ssmPrefix: '/branch-env-demo/feature-new-login/',
    });
    expect(plan.stacks.map((s) => s.name)).toEqual(['branch-env-demo-feature-new-login']);
    expect(plan.synth.validation).toBe(false);
  });

  it('groups every resource into a building block: a thin stack on the platform (shared preview)', () => {
    const blocks = plan.resources.blocks.map((b) => b.block);
    for (const b of ['Service', 'ConfigBus', 'Observability', 'Storage', 'Database'])
      expect(blocks).toContain(b);
    // The VPC, load balancer, certificate and repository are the account platform's.
    for (const b of ['Network', 'Registry', 'Domain']) expect(blocks).not.toContain(b);
    expect(plan.resources.blocks.reduce((a, b) => a + b.resources, 0)).toBe(plan.resources.total);
    expect(plan.resources.total).toBe(plan.stacks[0]?.resources);
    const service = plan.resources.blocks.find((b) => b.block === 'Service');
    // Its host rule, written on the platform listener by the platform's router.
    expect(service?.types).toContainEqual({ type: 'Custom::BranchEnvListenerRule', count: 1 });
  });

  it('cost: the shared preview has no NAT gateway and no load balancer of its own, a Spot task, priced from the dated table', () => {
    const items = plan.cost.lines.map((l) => l.item);
    expect(items.some((i) => /NAT/i.test(i))).toBe(false);
    expect(items).not.toContain('Application Load Balancer');
    expect(items.some((i) => /Fargate vCPU.*Spot/.test(i))).toBe(true);
    const sum = plan.cost.lines.reduce((a, l) => a + l.perHour, 0);
    expect(plan.cost.perHour).toBeCloseTo(sum, 3);
    expect(plan.cost.perHour).toBeGreaterThan(0.005);
    expect(plan.cost.perHour).toBeLessThan(0.015);
    expect(plan.cost.priceTable.date).toBe('2026-11');
  });

  it('time to ready: a critical path with cited sources, and the teardown audit and compliance pass', () => {
    expect(plan.timeToReady.totalMinutes).toBeGreaterThan(1);
    expect(plan.timeToReady.totalMinutes).toBeLessThanOrEqual(3);
    const path = plan.timeToReady.stacks[0]?.criticalPath ?? [];
    expect(path.map((p) => p.type)).toContain('AWS::ECS::Service');
    expect(path.map((p) => p.type)).not.toContain('AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(plan.timeToReady.sources.length).toBeGreaterThan(0);
    expect(plan.teardown).toMatchObject({ mode: 'unprotected', passed: true, blockers: [] });
    expect(plan.compliance.passed).toBe(true);
    expect(plan.compliance.errors.open).toBe(0);
  });

  it('capacity and push → URL: counted with sandbox (the long-lived environment of the account), labelled apart from CloudFormation', () => {
    expect(plan.capacity.occupants).toEqual(['sandbox']);
    const limited = plan.capacity.rows.filter((r) => r.fits !== null && r.bounds === 'fit');
    expect(plan.capacity.environments).toBe(Math.min(...limited.map((r) => r.fits ?? 0)));
    expect(plan.capacity.rows[0]?.quota).toBe(plan.capacity.binding);
    expect(plan.pushToUrl.cloudFormationMinutes).toBeCloseTo(plan.timeToReady.totalMinutes, 1);
    expect(plan.pushToUrl.totalMinutes).toBeGreaterThan(plan.timeToReady.totalMinutes);
    expect(plan.pushToUrl.sources.length).toBeGreaterThanOrEqual(7);
    expect(markdown.stdout).toContain('| Push → URL | ~');
  });

  it('sleep: the preview sleeps after 30 idle minutes; ≥ 90 fit at every default quota, Fargate bounds only those awake at once', () => {
    expect(plan.capacity.sleepAfterIdleMinutes).toBe(30);
    expect(plan.capacity.environments).toBeGreaterThanOrEqual(90);
    expect(plan.capacity.binding).toBe('targetGroupsPerAlb');
    expect(plan.capacity.awakeAtOnce).toMatchObject({
      environments: 24,
      binding: 'fargateSpotVcpu',
      fix: expect.stringContaining('--quota-code L-36FBB829 --desired-value 7'),
    });
    expect(plan.capacity.rows.find((r) => r.quota === 'fargateSpotVcpu')?.bounds).toBe('awake');
    expect(markdown.stdout).toContain('24 awake at once (Fargate Spot vCPU resource count)');
  });

  it('wake: modelled next to push → URL, each step with its source', () => {
    const wake = plan.wake;
    expect(wake).not.toBeNull();
    expect(wake!.steps.map((s) => s.label)).toContain(
      'ECS task start on Fargate (placement, image pull, container start)',
    );
    expect(wake!.steps.every((s) => s.source.length > 20)).toBe(true);
    // Task start 1 min + one 15 s health check interval of the preview's target group + the rest.
    expect(wake!.totalMinutes).toBeGreaterThan(1.25);
    expect(wake!.totalMinutes).toBeLessThan(plan.pushToUrl.totalMinutes);
    expect(wake!.rangeMinutes.low).toBeLessThanOrEqual(wake!.totalMinutes);
    expect(wake!.rangeMinutes.high).toBeGreaterThanOrEqual(wake!.totalMinutes);
    expect(markdown.stdout).toMatch(
      /\| Sleep \| after 30 idle min; the first request then waits ~1\.\d+ min/,
    );
  });

  it('cost asleep: the awake line items without Fargate, beside the awake figure', () => {
    const asleep = plan.cost.asleep;
    expect(asleep).not.toBeNull();
    const fargate = plan.cost.lines
      .filter((l) => /Fargate/.test(l.item))
      .reduce((t, l) => t + l.perHour, 0);
    expect(fargate).toBeGreaterThan(0);
    expect(asleep!.lines.some((l) => /Fargate/.test(l.item))).toBe(false);
    expect(asleep!.lines.map((l) => l.item)).toContain('ECS service asleep (0 tasks)');
    expect(asleep!.perHour).toBeCloseTo(plan.cost.perHour - fargate, 3);
    expect(asleep!.perHour).toBeLessThan(plan.cost.perHour);
  });

  it('--markdown is the PR comment section, the same plan rendered', () => {
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toBe(planMarkdown(plan));
    expect(markdown.stdout).toMatch(
      /^#### Plan for `feature-new-login` \(preview profile, development us-east-1\)\n/,
    );
    expect(markdown.stdout).toContain(
      `| Cost | **<span>$</span>${plan.cost.perHour.toFixed(3)}/h** idle`,
    );
    expect(markdown.stdout).toContain('<details><summary>Cost line items</summary>');
  });

  it('text (rendered from the same plan) leads with identity, route, cost and time', () => {
    const text = planText(plan);
    expect(text.split('\n').slice(0, 3)).toEqual([
      'environment: feature-new-login (branch feature/new-login, rules[4] feature/**)',
      'route:       development 111111111111 us-east-1, profile preview, TTL 72 h',
      'url:         https://feature-new-login.branch-env-dev.example.net',
    ]);
    expect(text).toMatch(/\ncost: {8}\$\d\.\d{3}\/h idle, about \$\d+\.\d{2}\/month/);
    expect(text).toMatch(
      /\nready in: {4}~\d+(\.\d+)? min of CloudFormation \(modelled critical path; push → URL below\)\n/,
    );
    expect(text).toMatch(
      /\nwake: {8}~1\.\d+ min modelled \([\d.]+–[\d.]+\) from the first request after 30 idle min/,
    );
    expect(text).toMatch(
      /\nawake: {7}24 of them at once \(binding: Fargate Spot vCPU resource count\); the others sleep\n/,
    );
    expect(text).toContain(
      `idle cost:   environment $${plan.cost.perHour.toFixed(4)}/h awake, $${plan.cost.asleep!.perHour.toFixed(4)}/h asleep + account platform`,
    );
    expect(text).toContain('(awake at once, not fit)');
    expect(text).toMatch(/\n {2}to wake more at once: raise 'Fargate Spot vCPU resource count'/);
  });
});

describe('lifecycle commands as processes, without AWS', () => {
  it('plan of a bad branch: one error and its fix, exit 1, no synth', async () => {
    const r = await cli(['plan', 'bad..branch']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      "error: 'bad..branch' is not a valid git branch name: it contains ..",
    );
    expect(r.stderr).not.toContain('synthesizing');
    expect(r.stderr).not.toMatch(NO_STACK);
  });

  it('plan of an unrouted branch: exit 1 naming the branch', async () => {
    const r = await cli(['plan', 'random-branch', '--json']);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout).error.message).toBe(
      "branch 'random-branch' matches no routing rule, so it gets no environment",
    );
  });

  it('deploy without credentials: says so in one line (plus the fix), exit 1', async () => {
    const r = await cli(['deploy', 'feature/new-login']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe('error: deploy needs AWS credentials and none are usable');
    expect(lines[1]).toMatch(/^ {2}fix: configure the standard AWS chain/);
    expect(lines).toHaveLength(2);
  });

  it('list and diff without credentials fail the same way', async () => {
    const list = await cli(['list']);
    expect(list.code).toBe(1);
    expect(list.stderr.split('\n')[0]).toBe(
      'error: list needs AWS credentials and none are usable',
    );
    const diff = await cli(['diff', 'feature/new-login']);
    expect(diff.code).toBe(1);
    expect(diff.stderr.split('\n')[0]).toBe(
      'error: diff needs AWS credentials and none are usable',
    );
  });

  it('diff reads --commit as deploy does: a value that is no commit SHA is refused before any AWS call', async () => {
    const r = await cli(['diff', 'feature/new-login', '--commit', 'main']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe("error: --commit 'main' is not a commit SHA");
    expect(r.stderr).not.toContain('credentials');
  });

  it('destroy of a protected environment is refused before any AWS call', async () => {
    for (const arg of ['sandbox', 'main', 'customer-facing']) {
      const r = await cli(['destroy', arg]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/^error: environment '(sandbox|customer-facing)' is protected/);
      expect(r.stderr).toContain('--force-protected');
      expect(r.stderr).not.toContain('credentials');
    }
  });

  it('destroy of an unprotected branch gets past protection and needs credentials', async () => {
    const r = await cli(['destroy', 'feature/new-login']);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: destroy needs AWS credentials and none are usable',
    );
  });

  it('reap refuses an empty branch list before touching AWS', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'be-')), 'branches.txt');
    writeFileSync(file, '\n');
    const r = await cli(['reap', '--dry-run', '--branches-from', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toBe(
      'error: the list of live branches is empty; refusing to reap (every environment would look orphaned)',
    );
  });

  it('--help lists the lifecycle commands', async () => {
    const r = await cli(['--help']);
    for (const c of ['plan', 'deploy', 'diff', 'destroy', 'list', 'reap'])
      expect(r.stdout).toContain(`branch-env ${c} `);
  });
});
