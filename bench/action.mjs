// Whole-process time of the bundled extract-env action (packages/action/dist/index.js), started the
// way the Actions runner starts it, as a ratio to `node -e 0` measured side by side in this run
// (interleaved, medians). Also prints the bundle size. Not a test: `node bench/action.mjs [runs]`.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const bundle = join(root, 'packages/action/dist/index.js');
const runs = Number(process.argv[2] ?? 30);

const dir = mkdtempSync(join(tmpdir(), 'branch-env-bench-action-'));
writeFileSync(
  join(dir, 'branch-env.config.json'),
  readFileSync(join(root, 'branch-env.config.json')),
);
writeFileSync(
  join(dir, 'event.json'),
  JSON.stringify({ pull_request: { head: { ref: 'feature/new-login' } } }),
);
const files = ['output', 'env', 'summary'].map((f) => join(dir, f));
const env = {
  PATH: process.env.PATH,
  GITHUB_ACTIONS: 'true',
  GITHUB_WORKSPACE: dir,
  GITHUB_EVENT_NAME: 'pull_request',
  GITHUB_EVENT_PATH: join(dir, 'event.json'),
  GITHUB_REF: 'refs/pull/1/merge',
  GITHUB_HEAD_REF: 'feature/new-login',
  GITHUB_OUTPUT: files[0],
  GITHUB_ENV: files[1],
  GITHUB_STEP_SUMMARY: files[2],
  INPUT_BRANCH: '',
  INPUT_CONFIG: 'branch-env.config.json',
};

function time(args) {
  for (const f of files) writeFileSync(f, '');
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed: ${r.stdout}${r.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
time(['-e', '0']);
time([bundle]); // warm the file cache
const baseline = [];
const action = [];
for (let i = 0; i < runs; i++) {
  baseline.push(time(['-e', '0']));
  action.push(time([bundle]));
}
if (!readFileSync(files[0], 'utf8').includes('feature-new-login'))
  throw new Error('the action did not resolve');

const size = statSync(bundle).size;
const gz = gzipSync(readFileSync(bundle)).length;
const ratio = median(action) / median(baseline);
console.log(`node ${process.version}, ${runs} interleaved runs each (medians)`);
console.log(`node -e 0:               ${median(baseline).toFixed(1)} ms`);
console.log(`extract-env (bundled):   ${median(action).toFixed(1)} ms`);
console.log(
  `ratio:                   ${ratio.toFixed(2)}x (target < 3x) ${ratio < 3 ? 'OK' : 'OVER TARGET'}`,
);
console.log(
  `bundle:                  ${(size / 1024).toFixed(1)} KiB (${(gz / 1024).toFixed(1)} KiB gzipped), 1 file`,
);
