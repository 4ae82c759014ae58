import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { UserError, type ResolvedEnvironment } from '@branch-env/core';
import { rethrowAws } from '../aws-errors.js';
import type { AwsClients } from './clients.js';

export interface CallerIdentity {
  readonly account: string;
  readonly arn: string;
}

/** STS GetCallerIdentity: proves credentials work before anything else is attempted. */
export async function callerIdentity(aws: AwsClients, what: string): Promise<CallerIdentity> {
  try {
    const out = await aws.sts.send(new GetCallerIdentityCommand({}));
    if (!out.Account || !out.Arn) throw new Error('bug: GetCallerIdentity returned no account');
    return { account: out.Account, arn: out.Arn };
  } catch (error) {
    rethrowAws(what, error);
  }
}

/**
 * Credentials must be for the account the branch routes to: deploying a development branch with
 * production credentials (or the reverse) is refused before any call that changes something.
 */
export async function requireAccount(
  aws: AwsClients,
  env: Pick<ResolvedEnvironment, 'name' | 'branch' | 'account' | 'deployRoleArn'>,
  what: string,
): Promise<CallerIdentity> {
  const me = await callerIdentity(aws, what);
  if (me.account !== env.account.id) {
    throw new UserError(
      `the AWS credentials are for account ${me.account} (${me.arn}), but '${env.branch}' routes to ${env.account.key} account ${env.account.id}`,
      `use credentials for account ${env.account.id} (in CI: assume ${env.deployRoleArn})`,
    );
  }
  return me;
}
