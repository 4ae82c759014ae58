import {
  collectEnvironments,
  type Config,
  type DeployedEnvironment,
  type StackSummary,
} from '@branch-env/core';
import { awsClients, type AwsClients } from './aws/clients.js';
import { describeStack, listAppStacks, stackSummary } from './aws/cloudformation.js';
import { callerIdentity, type CallerIdentity } from './aws/credentials.js';
import { parametersUnder } from './aws/ssm.js';
import type { Io } from './io.js';
import type { EnvironmentTarget } from './target.js';

/** Region of the CloudFront certificate stacks. */
export const CERTIFICATE_REGION = 'us-east-1';

export interface AccountScan {
  readonly key: string;
  readonly id: string;
  readonly region: string;
  readonly production: boolean;
  /** False when the current credentials are for another account. */
  readonly reachable: boolean;
  readonly note?: string | undefined;
  readonly environments: readonly DeployedEnvironment[];
}

/** The configured accounts, one entry per account id and region. */
export function configuredAccounts(config: Config) {
  const seen = new Map<string, { key: string; id: string; region: string; production: boolean }>();
  for (const [key, a] of Object.entries(config.accounts)) {
    const k = `${a.id}/${a.region}`;
    if (!seen.has(k)) seen.set(k, { key, id: a.id, region: a.region, production: a.production });
  }
  return [...seen.values()];
}

/**
 * Environments in every configured account the current credentials reach: stacks tagged
 * `branch-env:app=<app>` (in the account's region, plus the us-east-1 certificate stacks of those
 * environments: `collectEnvironments` drops every other us-east-1 stack) joined with the `meta/*`
 * records under `/<app>/`. Accounts of other credentials are listed as
 * unreachable; CI runs once per account with that account's role.
 */
export async function scanAccounts(
  config: Config,
  io: Io,
  what: string,
  clientsFor: (region: string) => AwsClients = awsClients,
): Promise<{ caller: CallerIdentity; accounts: AccountScan[] }> {
  const accounts = configuredAccounts(config);
  const caller = await callerIdentity(clientsFor(accounts[0]?.region ?? CERTIFICATE_REGION), what);
  const out: AccountScan[] = [];
  for (const a of accounts) {
    if (a.id !== caller.account) {
      out.push({
        ...a,
        reachable: false,
        note: `credentials are for account ${caller.account}; run again with credentials for ${a.id} to include it`,
        environments: [],
      });
      continue;
    }
    io.err(`scanning ${a.key} (${a.id} ${a.region}) for ${config.app} environments...\n`);
    const regions = [...new Set([a.region, CERTIFICATE_REGION])];
    const stacks = (
      await Promise.all(regions.map((r) => listAppStacks(clientsFor(r), config.app, a.id)))
    ).flat();
    const parameters = await parametersUnder(clientsFor(a.region), `/${config.app}/`);
    const environments = collectEnvironments({
      app: config.app,
      account: a.id,
      region: a.region,
      stacks,
      parameters,
    });
    out.push({ ...a, reachable: true, environments });
  }
  return { caller, accounts: out };
}

/**
 * One environment, looked at afresh: its two stacks by name (DescribeStacks) and its records under
 * its SSM prefix, joined the way {@link scanAccounts} joins them. `undefined` when nothing of it is
 * found. Reap calls it right before each destroy, with the target it then destroys.
 */
export async function scanEnvironment(
  target: Pick<
    EnvironmentTarget,
    'app' | 'environment' | 'account' | 'region' | 'stacks' | 'ssmPrefix'
  >,
  clientsFor: (region: string) => AwsClients = awsClients,
): Promise<DeployedEnvironment | undefined> {
  const found = await Promise.all(
    (
      [
        [target.stacks.main, target.region],
        [target.stacks.certificate, CERTIFICATE_REGION],
      ] as const
    ).map(async ([name, region]) => {
      const stack = await describeStack(clientsFor(region), name);
      return stack && stackSummary(stack, region, target.account.id);
    }),
  );
  const stacks = found.filter((s): s is StackSummary => s !== undefined);
  const parameters = await parametersUnder(clientsFor(target.region), target.ssmPrefix);
  return collectEnvironments({
    app: target.app,
    account: target.account.id,
    region: target.region,
    stacks,
    parameters,
  }).find((e) => e.environment === target.environment);
}
