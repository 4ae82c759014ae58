import type { Account } from '../config/schema.js';
import { protectionClassOf, type ProtectionClass } from '../github/deploy-access.js';
import type { ResolvedEnvironment } from '../routing/resolve.js';
import type { ResolvedJob, ResolvedService } from '../services/resolve-services.js';

/**
 * The images of an account platform (docs/images.md): one ECR repository per protection class and
 * service (or job with a build of its own), images tagged by the commit they were built from,
 * built once by `branch-env image push` and run by every environment of that class in the account.
 *
 * The repositories are named (not left to CloudFormation) so that the deploy roles can be scoped
 * to their own class's repositories: an unprotected role (any branch) cannot push an image a
 * protected environment (`sandbox`, `qa1`, production) would then run. Every name starts with the
 * platform stack's name, which the deploy roles' guards already deny deleting from.
 */

/** A unit that runs an image: a service (`service`) or a job with a build of its own (`job`). */
export interface ImageUnit {
  readonly kind: 'service' | 'job';
  readonly name: string;
}

/**
 * The tag of the build cache each repository keeps (`--cache-to type=registry,ref=<repo>:<tag>`):
 * the one mutable tag of the otherwise immutable repositories (an exclusion filter). A commit tag is
 * hexadecimal and a local tag starts with `local-`, so neither can take it.
 */
export const IMAGE_CACHE_TAG = 'buildcache';

/** `<app>-platform/<class>/`: the repositories of a protection class (an IAM resource prefix). */
export function imageRepositoryPrefix(app: string, protectionClass: ProtectionClass): string {
  return `${app}-platform/${protectionClass}/`;
}

/** `<app>-platform/<class>/services/<name>` or `<app>-platform/<class>/jobs/<name>`. */
export function imageRepositoryName(
  app: string,
  protectionClass: ProtectionClass,
  unit: ImageUnit,
): string {
  return `${imageRepositoryPrefix(app, protectionClass)}${unit.kind}s/${unit.name}`;
}

/**
 * Whether environments of this account run images from the platform's repositories: the account
 * has a platform (`bootstrap` creates it where the account has availability zones and a domain).
 * Accounts without one keep CDK image assets, built and published by `deploy`.
 */
export function usesPlatformImages(
  account: Pick<Account, 'platform' | 'domain'> | undefined,
): boolean {
  return account?.platform?.availabilityZones !== undefined && account.domain !== undefined;
}

/** The protection classes whose repositories a platform holds (a production account: protected only). */
export function platformImageClasses(account: Pick<Account, 'production'>): ProtectionClass[] {
  return account.production ? ['protected'] : ['unprotected', 'protected'];
}

/** One image an environment runs that `image push` builds: what, from where, for which platform. */
export interface ImageBuild {
  readonly unit: ImageUnit;
  /** The repository (`imageRepositoryName()`). */
  readonly repository: string;
  /** Build context, relative to the config file's folder. */
  readonly context: string;
  /** Dockerfile, relative to `context`. */
  readonly dockerfile: string;
  readonly target: string | undefined;
  readonly args: Readonly<Record<string, string>>;
  /** `linux/arm64` or `linux/amd64`: the task's architecture. */
  readonly platform: 'linux/arm64' | 'linux/amd64';
}

function buildOf(
  env: Pick<ResolvedEnvironment, 'app' | 'account' | 'protected'>,
  unit: ImageUnit,
  source: ResolvedService['source'],
  architecture: ResolvedService['task']['architecture'],
): ImageBuild[] {
  if (source.kind !== 'build') return [];
  return [
    {
      unit,
      repository: imageRepositoryName(env.app, protectionClassOf(env.account, env.protected), unit),
      context: source.context,
      dockerfile: source.dockerfile,
      target: source.target,
      args: source.args ?? {},
      platform: architecture === 'arm64' ? 'linux/arm64' : 'linux/amd64',
    },
  ];
}

/**
 * The images an environment on a platform runs that are built (not prebuilt `image`s): each service
 * with a `build`, and each job with a build of its own (a job naming a service runs that service's
 * image). Empty for an account without a platform (`usesPlatformImages`).
 */
export function imageBuildsOf(
  env: Pick<ResolvedEnvironment, 'app' | 'account' | 'protected'> & {
    readonly services: readonly Pick<ResolvedService, 'name' | 'source' | 'task'>[];
    readonly jobs: readonly Pick<ResolvedJob, 'name' | 'service' | 'source' | 'task'>[];
  },
): ImageBuild[] {
  if (!usesPlatformImages(env.account)) return [];
  return [
    ...env.services.flatMap((s) =>
      buildOf(env, { kind: 'service', name: s.name }, s.source, s.task.architecture),
    ),
    ...env.jobs
      .filter((j) => j.service === undefined)
      .flatMap((j) => buildOf(env, { kind: 'job', name: j.name }, j.source, j.task.architecture)),
  ];
}

/** The repository a service or job of the environment runs its image from, on a platform. */
export function imageRepositoryOf(
  env: Pick<ResolvedEnvironment, 'app' | 'account' | 'protected'>,
  unit: ImageUnit,
): string {
  return imageRepositoryName(env.app, protectionClassOf(env.account, env.protected), unit);
}

/**
 * The image tag of a deploy: the commit (a SHA) it deploys, or, for a deploy that names no commit
 * (a laptop without `--commit`), `local-<UTC time>`: immutable tags must never be reused for
 * different code.
 */
export function imageTagOf(commit: string, now: Date = new Date()): string {
  if (/^[0-9a-f]{7,40}$/i.test(commit)) return commit.toLowerCase();
  return `local-${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'z')
    .toLowerCase()}`;
}
