import { z } from 'zod';
import type { ConfigCheck } from './validate.js';

/**
 * `cdk`: the user's own CDK app (`environmentAppFromContext({ extend })`), which `deploy`, `diff`
 * and `plan` run instead of synthesizing branch-env's environment in-process
 * (docs/adopting.md#6-your-own-constructs-your-own-cdk-app). Imported by `schema.ts`.
 */
export const CdkAppSchema = z
  .strictObject({
    app: z.string().trim().min(1).meta({
      description:
        "The command that runs your CDK app, as cdk.json's `app`, run from the config file's folder, e.g. node infra/app.mjs. It must build the environment of the branch in its CDK context (environmentAppFromContext does).",
    }),
  })
  .meta({
    description:
      "Your own CDK app, which adds constructs to the environment (`extend`): deploy, diff and plan run it instead of branch-env's built-in synthesis. @default branch-env's environment, synthesized in-process",
  });

/** Words of a command line (quotes removed; enough to find the script it runs). */
function words(command: string): string[] {
  return [...command.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3] ?? '');
}

const SCRIPT = /\.(?:[cm]?js|[cm]?ts|tsx|py)$/;

/** Checks of `cdk` that the schema alone cannot express. Listed in `CONFIG_CHECKS`. */
export const CDK_APP_CHECKS: readonly ConfigCheck[] = [
  {
    name: 'cdk.app is the app, not the CDK CLI',
    check: (config) => {
      const command = config.cdk?.app;
      if (command === undefined) return [];
      const [first, second] = words(command);
      const cli =
        first === 'cdk' || (first === 'npx' && (second === 'cdk' || second === 'aws-cdk'));
      return cli
        ? [
            {
              path: 'cdk.app',
              message: `'${command}' runs the CDK CLI; cdk.app is the command that runs your app, as cdk.json's "app" (e.g. "node infra/app.mjs"): branch-env itself deploys what the app synthesizes`,
            },
          ]
        : [];
    },
  },
  {
    name: 'the script cdk.app runs exists',
    check: (config, context) => {
      const command = config.cdk?.app;
      const exists = context?.fileExists;
      if (command === undefined || exists === undefined) return [];
      return words(command)
        .filter(
          (w) =>
            SCRIPT.test(w) &&
            !w.startsWith('-') &&
            !w.startsWith('/') &&
            !/^[A-Za-z]:/.test(w) &&
            !w.includes('$'),
        )
        .filter((script) => !exists(script))
        .map((script) => ({
          path: 'cdk.app',
          message: `'${script}' (run by '${command}') does not exist next to the config file; cdk.app runs from the config file's folder: write the path relative to it`,
        }));
    },
  },
];
