import { dirname } from 'node:path';
import { imageBuildsOf, imageTagOf, UserError, usesPlatformImages } from '@branch-env/core';
import { awsClients } from '../../private/aws/clients.js';
import { requireAccount } from '../../private/aws/credentials.js';
import type { ParsedArgs } from '../../private/command.js';
import { environmentFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { pushImages, type ImageOutcome } from '../../private/lifecycle/images.js';

/** The stable `--json` shape of `branch-env image push` (docs/cli.md). */
export interface ImagePushJson {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  readonly tag: string;
  /** `none`: the account has no platform, `deploy` builds CDK image assets instead. */
  readonly mode: 'platform' | 'none';
  readonly images: readonly ImageOutcome[];
}

/**
 * `branch-env image push <branch> --commit <sha>`: build each service and job image of the
 * environment for its architecture and push it, tagged with the commit, to the platform's
 * repository of the environment's protection class; an image already there is not built again
 * (docs/images.md). The deploy workflow runs it beside `diff`; `deploy --ci` waits for it.
 */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { env, file } = environmentFrom(args, io, { checkFiles: true });
  const commit =
    typeof args.values.commit === 'string' ? args.values.commit : (io.env.GITHUB_SHA ?? '');
  if (!/^[0-9a-f]{7,40}$/i.test(commit))
    throw new UserError(
      commit === ''
        ? 'image push needs the commit the images are built from'
        : `--commit '${commit}' is not a commit SHA`,
      'pass --commit "$(git rev-parse HEAD)" (in CI: --commit "$GITHUB_SHA")',
    );
  const tag = imageTagOf(commit);
  const out = (mode: ImagePushJson['mode'], images: readonly ImageOutcome[]): number => {
    const json: ImagePushJson = {
      environment: env.name,
      account: env.account.id,
      region: env.region,
      tag,
      mode,
      images,
    };
    if (args.values.json) printJson(io, json);
    else if (mode === 'none')
      io.out(
        `${env.account.key} has no account platform: deploy builds ${env.name}'s images as CDK image assets\n`,
      );
    else if (images.length === 0) io.out(`${env.name} runs prebuilt images only\n`);
    else io.out(images.map((i) => `${i.unit}  ${i.status}  ${i.image}\n`).join(''));
    return EXIT.ok;
  };
  if (!usesPlatformImages(env.account)) return out('none', []);
  if (imageBuildsOf(env).length === 0) return out('platform', []);

  const aws = awsClients(env.region);
  await requireAccount(aws, env, 'image push');
  const images = await pushImages(aws, env, { tag, configDirectory: dirname(file), io });
  return out('platform', images);
}
