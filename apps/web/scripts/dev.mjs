// `npm run dev` (repository root): the API on http://127.0.0.1:8080 with the in-memory store and
// no AWS, rebuilt and restarted on change, and the Vite dev server on http://127.0.0.1:5173
// proxying /api to it (as CloudFront routes /api/* in an environment). Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const apiPort = process.env.PORT ?? '8080';
const tsc = join(root, 'node_modules', '.bin', 'tsc');
const vite = join(root, 'node_modules', '.bin', 'vite');

// Local: no config bus, no bucket, no database server. Never inherit AWS environment settings.
const apiEnv = { ...process.env, DATABASE_ENGINE: 'memory', PORT: apiPort, LOG_LEVEL: 'warn' };
for (const name of ['BRANCH_ENV_APP', 'BRANCH_ENV_ENVIRONMENT', 'DATA_BUCKET']) delete apiEnv[name];

console.log('[dev] building apps/api…');
const first = spawnSync(tsc, ['-b', 'apps/api'], { cwd: root, stdio: 'inherit' });
if (first.status !== 0) process.exit(first.status ?? 1);

const children = [
  spawn(tsc, ['-b', 'apps/api', '--watch', '--preserveWatchOutput'], {
    cwd: root,
    stdio: 'inherit',
  }),
  spawn(process.execPath, ['--watch', 'dist/main.js'], {
    cwd: join(root, 'apps', 'api'),
    env: apiEnv,
    stdio: 'inherit',
  }),
  spawn(vite, ['--host', '127.0.0.1', '--port', '5173', '--strictPort'], {
    cwd: join(root, 'apps', 'web'),
    env: { ...process.env, API_URL: `http://127.0.0.1:${apiPort}` },
    stdio: 'inherit',
  }),
];
console.log(`[dev] API http://127.0.0.1:${apiPort} (memory store) · web http://127.0.0.1:5173`);

let stopping = false;
const stop = (code) => {
  if (stopping) return;
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  process.exitCode = code;
};
for (const c of children) c.on('exit', (code) => stop(code ?? 0));
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
