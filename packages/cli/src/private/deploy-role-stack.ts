import type { Config } from '@branch-env/core';

/**
 * The deploy-role stack `bootstrap` creates for an account, read by `doctor`: `<app>-github-deploy-role`,
 * with `-<key>` when two account keys share one AWS account (their stacks need distinct names).
 */
export function deployRoleStackName(config: Config, key: string): string {
  const id = config.accounts[key]?.id;
  const shared = Object.values(config.accounts).filter((a) => a.id === id).length > 1;
  return `${config.app}-github-deploy-role${shared ? `-${key}` : ''}`;
}
