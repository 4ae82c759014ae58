import type { Config } from '../config/schema.js';
import { UserError } from '../errors.js';
import { routeOf, type ResolvedEnvironment } from '../routing/resolve.js';
import { destroyCommand } from '../shell/commands.js';
import { branchOf, type DeployedEnvironment } from './environments.js';

/**
 * The environments of `env`'s rule that exist in its account: those found there (the list scan)
 * whose branch routes to the same rule now. `env` itself is left out.
 */
function environmentsOfRule(
  env: Pick<ResolvedEnvironment, 'name' | 'rule' | 'account' | 'region'>,
  found: readonly DeployedEnvironment[],
  config: Config,
): DeployedEnvironment[] {
  return found.filter((e) => {
    if (e.environment === env.name) return false;
    if (e.account !== env.account.id || e.region !== env.region) return false;
    const branch = branchOf(e);
    if (branch === undefined) return false;
    try {
      return routeOf(branch, config)?.index === env.rule.index;
    } catch {
      return false;
    }
  });
}

/**
 * Whether deploying `env` would create one environment more than its rule's `maxEnvironments`
 * (docs/security.md: protected environments are created deliberately). Redeploying an
 * environment that exists is never refused. Decides from the environments the account scan found.
 */
export function ruleCapacityError(
  env: Pick<ResolvedEnvironment, 'name' | 'rule' | 'account' | 'region' | 'protected'>,
  found: readonly DeployedEnvironment[],
  config: Config,
): UserError | undefined {
  const max = env.rule.maxEnvironments;
  if (max === undefined) return undefined;
  if (found.some((e) => e.environment === env.name && e.account === env.account.id))
    return undefined;
  const others = environmentsOfRule(env, found, config);
  if (others.length < max) return undefined;
  const names = others.map((e) => e.environment).sort();
  return new UserError(
    `rules[${env.rule.index}] ('${env.rule.branch}') allows at most ${max} environment${max === 1 ? '' : 's'} in account ${env.account.key}, and ${others.length} exist (${names.join(', ')}); '${env.name}' would be one more`,
    `destroy one first (${destroyCommand({ environment: names[0] ?? env.name, forceProtected: env.protected })}), or raise rules[${env.rule.index}].maxEnvironments in branch-env.config.json (a reviewed change)`,
  );
}
