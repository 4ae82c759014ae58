#!/usr/bin/env node
// `branch-env plan` vs plain `cdk synth` of the same environment, side by side in one run
// (interleaved, so both see the same machine load), and the time for each further environment
// planned in one process. Targets: plan <= 0.5x cdk synth; further environment <= 0.15 s.
// Not a test. Needs a build (`npx tsc -b packages/cli apps/infra`). RUNS=3 by default.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = `${root}packages/cli/bin/branch-env.js`;
const cdk = `${root}node_modules/aws-cdk/bin/cdk`;
const runs = Number(process.env.RUNS ?? 3);
const branch = process.env.BRANCH ?? 'feature/new-login';
const env = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true' };

function time(args, cwd) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const infra = `${root}apps/infra`;
// Outside the repository: the service image's build context is the repository root, so an
// assembly written inside it would be copied into its own asset.
const out = mkdtempSync(join(tmpdir(), 'branch-env-bench-'));
const synthArgs = [cdk, 'synth', '-c', `branch=${branch}`, '--no-notices', '--quiet', '-o', out];
const synthNoValidation = [...synthArgs, '--no-validation', '-c', 'validate=false'];
const planArgs = [bin, 'plan', branch, '--json'];

// warm the file cache once each
time(synthArgs, infra);
time(planArgs, root);
const synth = [];
const synthNv = [];
const plan = [];
for (let i = 0; i < runs; i++) {
  synth.push(time(synthArgs, infra));
  synthNv.push(time(synthNoValidation, infra));
  plan.push(time(planArgs, root));
}
rmSync(out, { recursive: true, force: true });
const s = median(synth);
console.log(`environment: ${branch}; ${runs} interleaved runs each, medians, whole process`);
console.log(`cdk synth (CLI 2.1148.1, defaults)          ${(s / 1000).toFixed(2)} s  1.00x`);
console.log(
  `cdk synth --no-validation -c validate=false ${(median(synthNv) / 1000).toFixed(2)} s  ${(median(synthNv) / s).toFixed(2)}x`,
);
console.log(
  `branch-env plan --json (synth + analyses)   ${(median(plan) / 1000).toFixed(2)} s  ${(median(plan) / s).toFixed(2)}x  (target <= 0.5x)`,
);

// Further environments in one process: the first pays module loading, the rest are steady state.
const { loadConfig, resolveEnvironment } = await import('@branch-env/core');
const { synthesizeEnvironment } = await import(`${root}packages/cli/dist/private/synth.js`);
const { buildPlan } = await import(`${root}packages/cli/dist/commands/plan/plan.js`);
const { config } = loadConfig(`${root}branch-env.config.json`);
const branches = [
  'feature/new-login',
  'feature/a',
  'bugfix/b',
  'ai/c',
  'feature/d',
  'sandbox',
  'qa1',
  'main',
];
const times = [];
for (const b of branches) {
  const e = resolveEnvironment(b, config);
  const start = performance.now();
  const synthesis = await synthesizeEnvironment(e, { stageAssets: false });
  buildPlan(e, synthesis);
  times.push({ b, profile: e.profile.name, ms: performance.now() - start });
  rmSync(synthesis.directory, { recursive: true, force: true });
}
console.log('\nin one process (synth + nag + cost/time/teardown analyses):');
for (const t of times)
  console.log(`  ${t.b.padEnd(18)} ${t.profile.padEnd(10)} ${(t.ms / 1000).toFixed(3)} s`);
const further = times.slice(1);
const preview = further.filter((t) => t.profile === 'preview');
console.log(
  `further environment, median: ${(median(further.map((t) => t.ms)) / 1000).toFixed(3)} s (target <= 0.15 s)`,
);
console.log(
  `further preview environment, median: ${(median(preview.map((t) => t.ms)) / 1000).toFixed(3)} s`,
);
