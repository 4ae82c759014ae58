// Bundles the action into one deterministic ESM file: `node build.mjs [outdir]` (default dist/).
// @branch-env/core is bundled from its TypeScript sources, so the bundle never depends on
// whether `tsc -b` ran; the stale-dist test rebuilds into a temp dir and compares bytes.
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

export async function bundle(outdir = resolve(here, 'dist')) {
  const result = await build({
    absWorkingDir: root,
    entryPoints: [resolve(here, 'src/index.ts')],
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
    plugins: [sideEffectFree, englishOnly],
    alias: { '@branch-env/core': resolve(root, 'packages/core/src/index.ts') },
  });
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const out = process.argv[2] ? resolve(process.argv[2]) : undefined;
  await bundle(out);
}
