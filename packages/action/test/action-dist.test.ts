import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_DIR } from './run-action.js';

describe('the committed dist/ bundle', () => {
  it('is exactly what build.mjs produces from the current sources (run `npm run bundle --workspace packages/action`)', async () => {
    const { bundle } = (await import(join(ACTION_DIR, 'build.mjs'))) as {
      bundle: (outdir: string) => Promise<unknown>;
    };
    const out = mkdtempSync(join(tmpdir(), 'branch-env-dist-'));
    await bundle(out);
    const fresh = readFileSync(join(out, 'index.js'), 'utf8');
    const committed = readFileSync(join(ACTION_DIR, 'dist/index.js'), 'utf8');
    expect(readdirSync(out)).toEqual(['index.js']);
    // Compare without printing half a megabyte on failure.
    expect(
      committed === fresh,
      'packages/action/dist/index.js is stale: run `npm run bundle --workspace packages/action` and commit dist/',
    ).toBe(true);
  });

  it('is one self-contained file: no imports of workspace or node_modules packages', () => {
    const code = readFileSync(join(ACTION_DIR, 'dist/index.js'), 'utf8');
    const specifiers = [
      ...code.matchAll(
        /\bfrom\s*["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']\s*\)|\brequire\(\s*["']([^"']+)["']\s*\)/g,
      ),
    ].map((m) => m[1] ?? m[2] ?? m[3]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers)
      expect(s, s).toMatch(
        /^node:|^(fs|os|path|crypto|util|events|stream|http|https|net|tls|assert|url|buffer|zlib|child_process|string_decoder|timers|querystring|perf_hooks|worker_threads|async_hooks|diagnostics_channel|console|dns|process)$/,
      );
  });
});
