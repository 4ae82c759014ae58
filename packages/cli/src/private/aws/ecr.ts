import {
  BatchDeleteImageCommand,
  DescribeImagesCommand,
  GetAuthorizationTokenCommand,
  ListImagesCommand,
} from '@aws-sdk/client-ecr';
import { UserError } from '@branch-env/core';
import type { AwsClients } from './clients.js';
import { withRetry } from './retry.js';

/** Repository name of an ECR URI (`<acct>.dkr.ecr.<region>.amazonaws.com/<name>`) or a bare name. */
export function repositoryName(uriOrName: string): string {
  const slash = uriOrName.indexOf('/');
  return uriOrName.includes('.dkr.ecr.') && slash > 0 ? uriOrName.slice(slash + 1) : uriOrName;
}

/**
 * Delete every image of a repository, so CloudFormation can delete the repository (CI pushes
 * images outside the stack). A missing repository counts as empty. Returns images deleted.
 */
export async function deleteAllImages(aws: AwsClients, repository: string): Promise<number> {
  const ids: { imageDigest?: string; imageTag?: string }[] = [];
  let token: string | undefined;
  try {
    do {
      const page = await withRetry(
        () => aws.ecr.send(new ListImagesCommand({ repositoryName: repository, nextToken: token })),
        aws.retry,
      );
      for (const id of page.imageIds ?? []) {
        if (id.imageDigest) ids.push({ imageDigest: id.imageDigest });
      }
      token = page.nextToken;
    } while (token);
  } catch (error) {
    if (error instanceof Error && error.name === 'RepositoryNotFoundException') return 0;
    throw error;
  }
  const unique = [...new Map(ids.map((i) => [i.imageDigest, i])).values()];
  let deleted = 0;
  for (let i = 0; i < unique.length; i += 100) {
    const batch = unique.slice(i, i + 100);
    const out = await withRetry(
      () =>
        aws.ecr.send(new BatchDeleteImageCommand({ repositoryName: repository, imageIds: batch })),
      aws.retry,
    );
    deleted += out.imageIds?.length ?? 0;
  }
  return deleted;
}

/**
 * Whether `repository` holds an image tagged `tag` (DescribeImages). A missing repository is a
 * user error: the platform's repositories are created by `branch-env bootstrap`.
 */
export async function imageTagExists(
  aws: AwsClients,
  repository: string,
  tag: string,
): Promise<boolean> {
  try {
    await withRetry(
      () =>
        aws.ecr.send(
          new DescribeImagesCommand({ repositoryName: repository, imageIds: [{ imageTag: tag }] }),
        ),
      aws.retry,
    );
    return true;
  } catch (error) {
    if (error instanceof Error && error.name === 'ImageNotFoundException') return false;
    if (error instanceof Error && error.name === 'RepositoryNotFoundException')
      throw new UserError(
        `the platform has no image repository ${repository} in ${aws.region}`,
        'run `branch-env bootstrap` for the account: it creates a repository per service and job of the config, per protection class (docs/images.md)',
      );
    throw error;
  }
}

/** Registry credentials for `docker login` (GetAuthorizationToken; valid 12 hours). */
export async function registryLogin(
  aws: AwsClients,
): Promise<{ readonly server: string; readonly username: string; readonly password: string }> {
  const out = await withRetry(() => aws.ecr.send(new GetAuthorizationTokenCommand({})), aws.retry);
  const data = out.authorizationData?.[0];
  if (!data?.authorizationToken || !data.proxyEndpoint)
    throw new Error('bug: GetAuthorizationToken returned no token');
  const decoded = Buffer.from(data.authorizationToken, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return {
    server: data.proxyEndpoint.replace(/^https:\/\//, ''),
    username: decoded.slice(0, colon),
    password: decoded.slice(colon + 1),
  };
}
