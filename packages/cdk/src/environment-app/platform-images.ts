import type { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import {
  catchAllService,
  imageRepositoryOf,
  usesPlatformImages,
  type ImageUnit,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { ServiceImage } from '../service/service.js';

/**
 * On an account with a platform, every built image of the environment is the commit's image in
 * the platform's repository of the environment's protection class (`branch-env image push` built
 * it, docs/images.md), not a CDK image asset: built once, run by any environment. Elsewhere, and
 * for prebuilt images, the image is unchanged.
 *
 * @param key a service's name, or `job:<name>` for a job with a build of its own
 */
function platformImage(
  env: ResolvedEnvironment,
  key: string,
  image: ServiceImage,
  tag: string,
): ServiceImage {
  if (!usesPlatformImages(env.account)) return image;
  const unit: ImageUnit = key.startsWith('job:')
    ? { kind: 'job', name: key.slice('job:'.length) }
    : { kind: 'service', name: key };
  const source = (unit.kind === 'job' ? env.jobs : env.services).find(
    (u) => u.name === unit.name,
  )?.source;
  if (source?.kind !== 'build') return image;
  return { ...image, registry: { repositoryName: imageRepositoryOf(env, unit), tag } };
}

/** The images by key (`platformImage`), each on the platform where the account has one. */
export function platformImages(
  env: ResolvedEnvironment,
  images: Readonly<Record<string, ServiceImage>>,
  tag: string,
): Record<string, ServiceImage> {
  return Object.fromEntries(
    Object.entries(images).map(([key, image]) => [key, platformImage(env, key, image, tag)]),
  );
}

/** The primary service's image (`applicationOf()`), on the platform where the account has one. */
export function primaryPlatformImage(
  env: ResolvedEnvironment,
  image: ServiceImage,
  tag: string,
): ServiceImage {
  const primary = catchAllService(env.services);
  return primary === undefined ? image : platformImage(env, primary.name, image, tag);
}

/**
 * URI of the repository `image` runs from when it is a platform image (the config bus's
 * `ecr-repository`; `destroy` recognises the platform's and never empties it), else undefined.
 */
export function platformRepositoryUri(scope: Stack, image: ServiceImage): string | undefined {
  if (image.registry === undefined) return undefined;
  const id = 'PlatformImageRepository';
  const existing = scope.node.tryFindChild(id) as ecr.IRepository | undefined;
  return (existing ?? ecr.Repository.fromRepositoryName(scope, id, image.registry.repositoryName))
    .repositoryUri;
}
