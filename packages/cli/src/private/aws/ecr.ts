import { BatchDeleteImageCommand, ListImagesCommand } from '@aws-sdk/client-ecr';
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
