#!/usr/bin/env node
// In-process synthesis of environments vs a plain `cdk synth` of the same app, measured side by
// side in one run. Not a test. Run after `npm run build`:
//   node bench/synth.mjs
// Prints: the CLI synth time (process, as a user runs it: nag and template validation on), then
// in-process times for 1 environment and for 10 environments (a fresh App each), with the same
// settings and with aws-cdk-lib's template validation off, each as a ratio to the CLI time.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const infra = join(root, 'apps', 'infra');
const branch = 'feature/new-login';
const tmp = mkdtempSync(join(tmpdir(), 'branch-env-bench-'));
const env = {
  ...process.env,
  CDK_DISABLE_CLI_TELEMETRY: 'true',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const ms = (start) => Number(process.hrtime.bigint() - start) / 1e6;

// 1. A plain `cdk synth` of apps/infra (CLI process + app process).
let start = process.hrtime.bigint();
const cli = spawnSync(
  'npx',
  ['cdk', 'synth', '-c', `branch=${branch}`, '--no-notices', '-q', '-o', join(tmp, 'cli')],
  { cwd: infra, env, encoding: 'utf8' },
);
const cliMs = ms(start);
if (cli.status !== 0) throw new Error(`cdk synth failed:\n${cli.stderr}`);

// 2. In process: load the modules once, then build and synthesize environments.
start = process.hrtime.bigint();
const { createEnvironmentApp } = await import('@branch-env/cdk');
const { loadConfig, resolveEnvironment } = await import('@branch-env/core');
const importMs = ms(start);
const { config } = loadConfig(undefined, root);

let n = 0;
function synthOne(b, validate) {
  const environment = resolveEnvironment(b, config);
  const { app } = createEnvironmentApp({
    environment,
    validate,
    outdir: join(tmp, `in-process-${n++}`),
  });
  app.synth();
}
const branches = Array.from({ length: 10 }, (_, i) => `feature/bench-${i}`);
function run(count, validate) {
  const s = process.hrtime.bigint();
  for (const b of branches.slice(0, count)) synthOne(b, validate);
  return ms(s);
}
const firstMs = run(1, true); // includes first-use JIT / lazy requires of aws-cdk-lib
const oneMs = run(1, true);
const tenMs = run(10, true);
const oneNoValidationMs = run(1, false);
const tenNoValidationMs = run(10, false);
rmSync(tmp, { recursive: true, force: true });

const row = (label, value) =>
  console.log(
    `${label.padEnd(58)} ${value.toFixed(0).padStart(7)} ms  ${(value / cliMs).toFixed(2)}x`,
  );
console.log(
  `branch ${branch}; one run of each, same machine, same process for the in-process rows`,
);
row('cdk synth (CLI process, nag + template validation)', cliMs);
row('in-process: import @branch-env/cdk + core', importMs);
row('in-process: first environment (cold, validation on)', firstMs);
row('in-process: 1 environment (warm, validation on)', oneMs);
row('in-process: 10 environments (warm, validation on)', tenMs);
row('in-process: 1 environment (warm, validate: false)', oneNoValidationMs);
row('in-process: 10 environments (warm, validate: false)', tenNoValidationMs);
