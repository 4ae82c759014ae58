import { ruleCapacityError, type Config, type ResolvedEnvironment } from '@branch-env/core';
import { scanAccounts } from './accounts.js';
import { awsClients, type AwsClients } from './aws/clients.js';
import type { Io } from './io.js';

/**
 * Before deploy claims anything: when the environment's rule caps its environments
 * (`maxEnvironments`), count the rule's environments in the account with the `list` scan and
 * throw the refusal (what exists, the command that frees a slot) when this one would be one more.
 */
export async function assertRuleCapacity(
  env: ResolvedEnvironment,
  config: Config,
  io: Io,
  clientsFor: (region: string) => AwsClients = awsClients,
): Promise<void> {
  if (env.rule.maxEnvironments === undefined) return;
  const { accounts } = await scanAccounts(config, io, 'deploy', clientsFor);
  const here = accounts.find((a) => a.id === env.account.id && a.region === env.region);
  const refused = ruleCapacityError(env, here?.environments ?? [], config);
  if (refused) throw refused;
}
