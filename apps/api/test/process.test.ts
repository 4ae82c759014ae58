import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const apiDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(apiDir, 'dist', 'main.js');

interface Run {
  child: ChildProcess;
  stdout: string[];
  stderr: string;
  exit: Promise<number | null>;
}

function run(script: string, env: Record<string, string>): Run {
  const child = spawn(process.execPath, [script], {
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const r: Run = {
    child,
    stdout: [],
    stderr: '',
    exit: new Promise((resolve) => child.on('exit', (code) => resolve(code))),
  };
  let buffer = '';
  child.stdout?.on('data', (d: Buffer) => {
    buffer += d.toString();
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    r.stdout.push(...lines);
  });
  child.stderr?.on('data', (d: Buffer) => (r.stderr += d.toString()));
  return r;
}

async function listening(r: Run): Promise<string> {
  for (let i = 0; i < 600; i++) {
    for (const line of r.stdout) {
      const parsed = JSON.parse(line) as { msg?: string; url?: string };
      if (parsed.msg === 'listening' && parsed.url) return parsed.url;
    }
    if (r.child.exitCode !== null) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`service did not start:\n${r.stdout.join('\n')}\n${r.stderr}`);
}

/** Starts the service, creates and reads an item over real HTTP, stops it with SIGTERM. */
async function bootAndStop(script: string): Promise<Run> {
  const r = run(script, { DATABASE_ENGINE: 'memory', PORT: '0', BRANCH_ENV_COMMIT: 'abc' });
  const url = (await listening(r)).replace('0.0.0.0', '127.0.0.1');
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const created = await fetch(`${url}/api/items`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'from a real process' }),
  });
  expect(created.status).toBe(201);
  const { id } = (await created.json()) as { id: string };
  expect(((await (await fetch(`${url}/api/items/${id}`)).json()) as { name: string }).name).toBe(
    'from a real process',
  );
  const started = Date.now();
  r.child.kill('SIGTERM');
  expect(await r.exit).toBe(0);
  expect(Date.now() - started).toBeLessThan(10_000);
  const messages = r.stdout.map((l) => (JSON.parse(l) as { msg?: string }).msg);
  expect(messages).toContain('shutdown complete');
  // every stdout line is JSON (logs and EMF): CloudWatch Logs can parse all of them
  expect(r.stdout.every((l) => l.startsWith('{'))).toBe(true);
  return r;
}

describe('the service process (dist/main.js)', () => {
  beforeAll(() => {
    if (!existsSync(main)) throw new Error(`${main} is missing: run \`npx tsc -b apps/api\` first`);
  });

  it('refuses to start without DATABASE_ENGINE and says what to set', async () => {
    const r = run(main, { PORT: '0' });
    expect(await r.exit).toBe(1);
    expect(r.stderr).toContain('DATABASE_ENGINE is not set');
    expect(r.stdout.join('\n')).not.toContain('listening');
  });

  it('refuses DocumentDB without its endpoint and credentials, and never falls back to memory', async () => {
    const r = run(main, { PORT: '0', DATABASE_ENGINE: 'documentdb' });
    expect(await r.exit).toBe(1);
    expect(r.stderr).toMatch(/DATABASE_ENDPOINT[\s\S]*DATABASE_USERNAME[\s\S]*DATABASE_PASSWORD/);
    expect(r.stdout.join('\n')).not.toContain('listening');
  });

  it('fails fast when the CA bundle for DocumentDB TLS is missing', async () => {
    const r = run(main, {
      PORT: '0',
      DATABASE_ENGINE: 'documentdb',
      DATABASE_ENDPOINT: '127.0.0.1:27017',
      DATABASE_USERNAME: 'u',
      DATABASE_PASSWORD: 'do-not-print-me',
      DATABASE_CA_FILE: '/nonexistent/global-bundle.pem',
    });
    expect(await r.exit).toBe(1);
    const out = r.stdout.join('\n') + r.stderr;
    expect(out).toContain('DATABASE_CA_FILE');
    expect(out).not.toContain('do-not-print-me');
  });

  it('serves, then drains and exits 0 on SIGTERM', async () => {
    await bootAndStop(main);
  });
});

describe('the container bundle (scripts/bundle.mjs, what the Dockerfile runs)', () => {
  const out = mkdtempSync(join(tmpdir(), 'api-bundle-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('bundles into one file that boots without node_modules and serves', async () => {
    const build = spawn(process.execPath, [join(apiDir, 'scripts', 'bundle.mjs'), out], {
      stdio: 'inherit',
    });
    expect(await new Promise((res) => build.on('exit', res))).toBe(0);
    // Outside the repository: no node_modules to resolve from, like /app in the image.
    await bootAndStop(join(out, 'server.mjs'));
  });
});
