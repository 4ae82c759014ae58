import { createRequire } from 'node:module';
import { join } from 'node:path';
import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as Esbuild from 'esbuild';

export interface EsbuildCodeOptions {
  /**
   * Modules left out of the bundle: the Lambda runtime's, or optional add-ons of a dependency.
   * @default ['@aws-sdk/*'] (the runtime's AWS SDK)
   */
  readonly external?: readonly string[];
}

/**
 * Lambda code bundled by esbuild in-process at synth (no Docker): the compiled `entry` (a `.js`
 * file of `directory`, in dist/) with its dependencies as one ESM file `index.mjs` (handler
 * `index.handler`), for Node 22+. CommonJS dependencies may `require()` Node built-ins (a banner
 * gives the ESM file a `require`). The asset hash is the bundle's, so an unchanged handler is not
 * uploaded again.
 */
export function esbuildCode(
  directory: string,
  entry: string,
  options: EsbuildCodeOptions = {},
): lambda.Code {
  return lambda.Code.fromAsset(directory, {
    assetHashType: AssetHashType.OUTPUT,
    exclude: ['*.d.ts', '*.map'],
    bundling: {
      // Never used: local bundling always succeeds or throws.
      image: DockerImage.fromRegistry('public.ecr.aws/docker/library/node:22-slim'),
      local: {
        tryBundle(outputDir) {
          // Loaded only when a stack has such a function (esbuild is a build-time dependency).
          const { buildSync } = createRequire(import.meta.url)('esbuild') as typeof Esbuild;
          buildSync({
            entryPoints: [join(directory, `${entry}.js`)],
            outfile: join(outputDir, 'index.mjs'),
            bundle: true,
            platform: 'node',
            target: 'node22',
            format: 'esm',
            minify: true,
            legalComments: 'none',
            logLevel: 'error',
            banner: {
              js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
            },
            external: [...(options.external ?? ['@aws-sdk/*'])],
          });
          return true;
        },
      },
    },
  });
}
