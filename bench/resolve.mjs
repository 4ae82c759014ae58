#!/usr/bin/env node
// Whole-process time of `branch-env resolve` as a ratio to `node -e 0`, measured side by side in one
// run (interleaved, so both see the same machine load). Target: under 3x. Not a test.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../packages/cli/bin/branch-env.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 20);

function time(args) {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const baseline = [];
const resolve = [];
const json = [];
time(['-e', '0']); // warm the file cache
time([bin, 'resolve', 'feature/new-login']);
for (let i = 0; i < runs; i++) {
  baseline.push(time(['-e', '0']));
  resolve.push(time([bin, 'resolve', 'feature/new-login']));
  json.push(time([bin, 'resolve', 'feature/new-login', '--json']));
}
const b = median(baseline);
console.log(`runs: ${runs} each, interleaved; medians`);
console.log(`node -e 0                        ${b.toFixed(1)} ms  1.00x`);
console.log(
  `branch-env resolve <branch>      ${median(resolve).toFixed(1)} ms  ${(median(resolve) / b).toFixed(2)}x  (target < 3x)`,
);
console.log(
  `branch-env resolve <b> --json    ${median(json).toFixed(1)} ms  ${(median(json) / b).toFixed(2)}x`,
);
