// Bundles the compiled service (dist/main.js) and its runtime dependencies into dist/bundle/server.mjs:
// one architecture-independent file, so the container image needs no node_modules at all.
// Used by the Dockerfile and by test/bundle.test.ts (which boots the result).
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = process.argv[2] ?? join(root, 'dist', 'bundle');

await mkdir(outdir, { recursive: true });
await build({
  entryPoints: [join(root, 'dist', 'main.js')],
  outfile: join(outdir, 'server.mjs'),
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  legalComments: 'linked',
  logLevel: 'warning',
  // CommonJS dependencies call require(): give the ESM bundle a real one.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  // Optional peer modules the drivers load inside try/catch only when a feature asks for them
  // (Kerberos, compression, client-side encryption, MONGODB-AWS auth, pg-native, Cloudflare sockets).
  external: [
    'kerberos',
    'snappy',
    '@mongodb-js/zstd',
    'mongodb-client-encryption',
    'gcp-metadata',
    'socks',
    'aws4',
    '@aws-sdk/credential-providers',
    'pg-native',
    'cloudflare:sockets',
  ],
});
// The runtime stage runs `node server.mjs`; a package.json keeps the directory self-describing.
await writeFile(
  join(outdir, 'package.json'),
  JSON.stringify({ name: 'branch-env-api-bundle', private: true, type: 'module' }, null, 2) + '\n',
);
