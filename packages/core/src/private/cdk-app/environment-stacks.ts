import type { ResolvedEnvironment } from '../routing/resolve.js';

/** The region CloudFront reads certificates from. */
export const CLOUDFRONT_CERTIFICATE_REGION = 'us-east-1';

/** One CloudFormation stack of an environment: its name, account and region. */
export interface EnvironmentStackTarget {
  readonly name: string;
  readonly account: string;
  readonly region: string;
}

/**
 * The stacks of an environment's CDK app (`createEnvironmentApp` of `@branch-env/cdk`), in deploy
 * order: the CloudFront certificate stack in us-east-1 when a dedicated environment has one, then
 * the environment's stack. An app of the user's own must build exactly these.
 */
export function environmentStacks(
  env: Pick<ResolvedEnvironment, 'stacks' | 'profile' | 'account' | 'region'>,
): EnvironmentStackTarget[] {
  const out: EnvironmentStackTarget[] = [];
  if (env.profile.isolation !== 'shared' && env.stacks.certificate !== undefined)
    out.push({
      name: env.stacks.certificate,
      account: env.account.id,
      region: CLOUDFRONT_CERTIFICATE_REGION,
    });
  out.push({ name: env.stacks.main, account: env.account.id, region: env.region });
  return out;
}
