import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AssetHashType, DockerImage, type BundlingOptions } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as Esbuild from 'esbuild';

export interface BundledCodeOptions {
  /** Folder of the compiled handlers (dist/..., or src/... under the tests: esbuild reads both). */
  readonly directory: string;
  /** The entry's file name without extension, in `directory`. */
  readonly entry: string;
  /**
   * Modules left out of the bundle (the Lambda runtime's, or optional add-ons).
   * @default none: everything is bundled
   */
  readonly external?: readonly string[];
}

/**
 * Lambda code bundled by esbuild in-process at synth (no Docker): one entry of a folder of this
 * package's compiled code with its dependencies, as `index.mjs` (handler `index.handler`), ESM
 * for Node 22+. The asset hash is the bundle's: the same code gives the same asset.
 */
export function bundledCode(options: BundledCodeOptions): lambda.Code {
  const bundling: BundlingOptions = {
    // Never used: local bundling always succeeds or throws.
    image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
    local: {
      tryBundle(outputDir) {
        // Loaded only when a stack has such a function (esbuild is a build-time dependency).
        const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
        buildSync({
          entryPoints: [join(options.directory, `${options.entry}.js`)],
          outfile: join(outputDir, 'index.mjs'),
          bundle: true,
          platform: 'node',
          target: 'node22',
          format: 'esm',
          minify: true,
          legalComments: 'none',
          logLevel: 'error',
          // CommonJS dependencies require() Node built-ins.
          banner: {
            js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
          },
          external: [...(options.external ?? [])],
        });
        return true;
      },
    },
  };
  return lambda.Code.fromAsset(options.directory, {
    assetHashType: AssetHashType.OUTPUT,
    bundling,
    exclude: ['*.d.ts', '*.map'],
  });
}
