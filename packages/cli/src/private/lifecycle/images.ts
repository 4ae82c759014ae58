import { resolve } from 'node:path';
import {
  IMAGE_CACHE_TAG,
  imageBuildsOf,
  imageTagOf,
  UserError,
  type ImageBuild,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { AwsClients } from '../aws/clients.js';
import { imageTagExists, registryLogin } from '../aws/ecr.js';
import { runDocker } from '../docker.js';
import type { Io } from '../io.js';

/**
 * The images of an environment on an account platform (docs/images.md): built once per commit by
 * `branch-env image push` into the platform's repositories of the environment's protection class,
 * run by every environment of that class at that commit. `deploy` never executes a change set
 * before they exist: in CI it waits for them (the workflow pushes them beside `diff`), on a laptop
 * it builds the missing ones itself.
 */

export interface ImageOutcome {
  /** `service:<name>` or `job:<name>`. */
  readonly unit: string;
  readonly repository: string;
  /** `<registry>/<repository>:<tag>`. */
  readonly image: string;
  /** `exists`: built before (by this commit's first push), not built again. */
  readonly status: 'exists' | 'pushed';
}

/** `<account>.dkr.ecr.<region>.amazonaws.com` (`.amazonaws.com.cn` in the China regions). */
export function registryHost(accountId: string, region: string): string {
  return `${accountId}.dkr.ecr.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}`;
}

const unitOf = (b: ImageBuild) => `${b.unit.kind}:${b.unit.name}`;

/**
 * The `docker buildx build` arguments of one image: for the task's platform, pushed with the commit
 * tag, with a BuildKit registry cache in the same repository (the one mutable tag, IMAGE_CACHE_TAG;
 * OCI image-manifest form, which ECR stores). No provenance attestation: one manifest per tag, so
 * the untagged-image lifecycle rule never expires part of an image index.
 */
export function buildxArgs(
  build: ImageBuild,
  uri: string,
  tag: string,
  configDirectory: string,
): string[] {
  const context = resolve(configDirectory, build.context);
  const cache = `type=registry,ref=${uri}:${IMAGE_CACHE_TAG}`;
  return [
    'buildx',
    'build',
    '--platform',
    build.platform,
    '--file',
    resolve(context, build.dockerfile),
    ...(build.target === undefined ? [] : ['--target', build.target]),
    ...Object.entries(build.args).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]),
    '--tag',
    `${uri}:${tag}`,
    '--cache-from',
    cache,
    '--cache-to',
    `${cache},mode=max,image-manifest=true,oci-mediatypes=true`,
    '--provenance=false',
    '--push',
    context,
  ];
}

export interface PushImagesOptions {
  readonly tag: string;
  /** Folder of the config file: build contexts are relative to it. */
  readonly configDirectory: string;
  readonly io: Io;
}

/**
 * Build and push each image of the environment whose `tag` is not in its repository yet; skip the
 * others (DescribeImages). Two pushes of one commit at once: the slower one's push is refused (the
 * tag is immutable), and the image the faster one pushed counts.
 */
export async function pushImages(
  aws: AwsClients,
  env: ResolvedEnvironment,
  options: PushImagesOptions,
): Promise<ImageOutcome[]> {
  const { io, tag } = options;
  const host = registryHost(env.account.id, env.region);
  const outcomes: ImageOutcome[] = [];
  let loggedIn = false;
  for (const build of imageBuildsOf(env)) {
    const uri = `${host}/${build.repository}`;
    const outcome = { unit: unitOf(build), repository: build.repository, image: `${uri}:${tag}` };
    if (await imageTagExists(aws, build.repository, tag)) {
      io.err(`[image ${outcome.unit}] ${outcome.image} exists: not built again\n`);
      outcomes.push({ ...outcome, status: 'exists' });
      continue;
    }
    if (!loggedIn) {
      const login = await registryLogin(aws);
      const code = await runDocker(
        ['login', '--username', login.username, '--password-stdin', login.server],
        io,
        { prefix: '[image] ', input: login.password },
      );
      if (code !== 0)
        throw new UserError(
          `docker login to ${login.server} failed (exit ${code})`,
          'check that docker runs (`docker info`) and that the credentials may call ecr:GetAuthorizationToken',
        );
      loggedIn = true;
    }
    io.err(`[image ${outcome.unit}] building ${outcome.image} for ${build.platform}...\n`);
    const started = performance.now();
    const code = await runDocker(buildxArgs(build, uri, tag, options.configDirectory), io, {
      prefix: `[image ${outcome.unit}] `,
    });
    if (code !== 0) {
      if (await imageTagExists(aws, build.repository, tag)) {
        io.err(`[image ${outcome.unit}] another build pushed ${outcome.image} first: using it\n`);
        outcomes.push({ ...outcome, status: 'exists' });
        continue;
      }
      throw new UserError(
        `the image of ${outcome.unit} did not build or push (docker buildx exit ${code})`,
        `see the build output above; build it alone with \`docker buildx build --platform ${build.platform} -f ${build.dockerfile} ${build.context}\``,
      );
    }
    io.err(
      `[image ${outcome.unit}] pushed ${outcome.image} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    outcomes.push({ ...outcome, status: 'pushed' });
  }
  return outcomes;
}

export interface AwaitImagesOptions {
  readonly io: Io;
  /** @default 15 minutes */
  readonly timeoutMs?: number;
  /** @default 10 s */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** How long `deploy --ci` waits for `image push` (the workflow starts it beside `diff`). */
export const IMAGE_WAIT_MINUTES = 15;

/**
 * Wait until every image of the environment is in its repository with `tag`; a clear error naming
 * `branch-env image push` when they are not there in time.
 */
export async function awaitImages(
  aws: AwsClients,
  env: ResolvedEnvironment,
  tag: string,
  options: AwaitImagesOptions,
): Promise<void> {
  const timeoutMs = options.timeoutMs ?? IMAGE_WAIT_MINUTES * 60_000;
  const pollMs = options.pollMs ?? 10_000;
  // The clients' poll interval when set (tests: 0), the count of polls from the timeout.
  const sleepMs = aws.pollMs ?? pollMs;
  const sleep = options.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let missing = imageBuildsOf(env);
  for (let poll = 0; ; poll++) {
    const present = await Promise.all(missing.map((b) => imageTagExists(aws, b.repository, tag)));
    missing = missing.filter((_, i) => !present[i]);
    if (missing.length === 0) return;
    if (poll * pollMs >= timeoutMs)
      throw new UserError(
        `the images of ${env.name} at ${tag} are not in the platform's repositories after ${Math.round(timeoutMs / 60_000)} min: ${missing.map((b) => `${b.repository}:${tag}`).join(', ')}`,
        `build and push them with \`branch-env image push ${env.branch} --commit ${tag}\` (the deploy workflow starts it beside diff), or run \`branch-env deploy\` without --ci, which builds them itself`,
      );
    options.io.err(
      `waiting for image(s) ${missing.map(unitOf).join(', ')} at ${tag} (branch-env image push)...\n`,
    );
    await sleep(sleepMs);
  }
}

/**
 * What `deploy` does before anything is claimed: the tag its stacks run, with every image of it
 * in the platform's repositories (CI: waited for; otherwise built here when missing). Nothing to do
 * on an account without a platform (CDK image assets), or when every image is prebuilt.
 */
export async function readyImages(
  aws: AwsClients,
  env: ResolvedEnvironment,
  options: { readonly commit: string; readonly ci: boolean } & Omit<PushImagesOptions, 'tag'> &
    Omit<AwaitImagesOptions, 'io'>,
): Promise<string> {
  const tag = imageTagOf(options.commit);
  if (imageBuildsOf(env).length === 0) return tag;
  if (options.ci) await awaitImages(aws, env, tag, options);
  else await pushImages(aws, env, { ...options, tag });
  return tag;
}
