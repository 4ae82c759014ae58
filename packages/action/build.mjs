// Bundles the action into one deterministic ESM file: `node build.mjs [outdir]` (default dist/).
// @branch-env/core is bundled from its TypeScript sources, so the bundle never depends on
// whether `tsc -b` ran; the stale-dist test rebuilds into a temp dir and compares bytes.
import { readdirSync, readFileSync } from 'node:fs';
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '../..');

// @actions/core imports its OIDC client (and with it undici, ~400 kB) at module level, and
// @branch-env/core's index re-exports modules (cost and time models, ...) the action never calls.
// None of these modules has import-time effects the action relies on, so declaring them
// side-effect free lets esbuild drop whatever is unused: a smaller bundle that changes only when
// code the action runs changes.
const PURE = [
  /[\\/]node_modules[\\/](@actions|undici|tunnel)[\\/]/,
  /[\\/]packages[\\/]core[\\/]src[\\/]/,
];
const sideEffectFree = {
  name: 'side-effect-free',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      if (args.pluginData === 'side-effect-free' || args.kind === 'entry-point') return undefined;
      const resolved = await b.resolve(args.path, {
        kind: args.kind,
        resolveDir: args.resolveDir,
        importer: args.importer,
        pluginData: 'side-effect-free',
      });
      if (resolved.errors.length > 0) return { errors: resolved.errors };
      if (resolved.external || !PURE.some((re) => re.test(resolved.path))) return resolved;
      return { ...resolved, sideEffects: false };
    });
  },
};

// zod ships every locale (~260 kB minified) behind `z.locales`; branch-env reports in English
// only (zod's default `en`, which its schemas import directly), so the other locales are left out.
const englishOnly = {
  name: 'zod-english-only',
  setup(b) {
    b.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, () => ({
      contents: 'export { default as en } from "./en.js";',
      loader: 'js',
    }));
  },
};

// `import { z } from 'zod'` hands out one namespace object holding all of zod (JSON Schema
// conversion, ISO dates, coercion, ...), so nothing in it can be tree-shaken. The bundle gets a `z`
// with only the members @branch-env/core calls (found in its sources), which halves the bundle. A
// member missing from it fails loudly at start-up, which every process test would show.
const TYPE_ONLY_OR_UNUSED = new Set(['input', 'output', 'infer', 'toJSONSchema']);
async function zodMembersUsedByCore() {
  const { z } = await import('zod');
  const names = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = resolve(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        for (const m of readFileSync(path, 'utf8').matchAll(/\bz\s*\.\s*([A-Za-z_$][\w$]*)/g))
          names.add(m[1]);
      }
    }
  };
  walk(resolve(root, 'packages/core/src'));
  return [...names].filter((n) => !TYPE_ONLY_OR_UNUSED.has(n) && z[n] !== undefined).sort();
}

function zodSubset(members) {
  const all = [...new Set([...members, 'config'])].sort();
  return {
    name: 'zod-subset',
    setup(b) {
      b.onResolve({ filter: /^zod$/ }, () => ({ path: 'zod', namespace: 'zod-subset' }));
      b.onLoad({ filter: /.*/, namespace: 'zod-subset' }, () => ({
        resolveDir: resolve(root, 'node_modules/zod'),
        loader: 'js',
        contents: [
          `import { ${all.map((m) => `${m} as m_${m}`).join(', ')} } from './v4/classic/external.js';`,
          `const members = { ${members.map((m) => `${JSON.stringify(m)}: m_${m}`).join(', ')} };`,
          'export const config = m_config;',
          'export const z = new Proxy(members, {',
          '  get(target, key) {',
          '    if (key in target) return target[key];',
          '    throw new Error(`bug: z.${String(key)} is not in the action bundle; rebuild it (packages/action/build.mjs)`);',
          '  },',
          '});',
        ].join('\n'),
      }));
    },
  };
}

/**
 * The two actions: extract-env (`src/index.ts` → `dist/index.js`) and report (`src/report.ts` →
 * `report/dist/index.js`), each one self-contained file.
 */
export const ENTRIES = [
  { entry: 'src/index.ts', out: 'dist/index.js' },
  { entry: 'src/report.ts', out: 'report/dist/index.js' },
];

/** Bundle every entry under `outdir` (default: the package itself, i.e. the committed files). */
export async function bundleAll(outdir = here) {
  for (const { entry, out } of ENTRIES) await bundle(resolve(outdir, out, '..'), entry);
}

export async function bundle(outdir = resolve(here, 'dist'), entry = 'src/index.ts') {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(here, entry)],
    outfile: resolve(outdir, 'index.js'),
    bundle: true,
    platform: 'node',
    target: 'node24',
    format: 'esm',
    minify: true,
    legalComments: 'none',
    sourcemap: false,
    metafile: true,
    logLevel: 'warning',
    plugins: [zodSubset(await zodMembersUsedByCore()), sideEffectFree, englishOnly],
    alias: { '@branch-env/core': resolve(root, 'packages/core/src/index.ts') },
  });
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  await bundleAll(out);
}
