import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ACTION_DIR } from './run-action.js';

/** The committed bundles: extract-env's and the report action's (both run by their action.yml). */
const BUNDLES = ['dist/index.js', 'report/dist/index.js'];

describe('the committed bundles', () => {
  it('is exactly what build.mjs produces from the current sources (run `npm run bundle --workspace packages/action`)', async () => {
    const { bundleAll, ENTRIES } = (await import(join(ACTION_DIR, 'build.mjs'))) as {
      bundleAll: (outdir: string) => Promise<unknown>;
      ENTRIES: { entry: string; out: string }[];
    };
    const out = mkdtempSync(join(tmpdir(), 'branch-env-dist-'));
    await bundleAll(out);
    expect(ENTRIES.map((e) => e.out)).toEqual(BUNDLES);
    expect(readdirSync(join(out, 'dist'))).toEqual(['index.js']);
    for (const file of BUNDLES) {
      const fresh = readFileSync(join(out, file), 'utf8');
      const committed = readFileSync(join(ACTION_DIR, file), 'utf8');
      // Compare without printing half a megabyte on failure.
      expect(
        committed === fresh,
        `packages/action/${file} is stale: run \`npm run bundle --workspace packages/action\` and commit it`,
      ).toBe(true);
    }
  });

  it.each(BUNDLES)(
    '%s is one self-contained file: no imports of workspace or node_modules packages',
    (file) => {
      const code = readFileSync(join(ACTION_DIR, file), 'utf8');
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
    },
  );
});
