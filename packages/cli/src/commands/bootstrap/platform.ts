import type { App } from 'aws-cdk-lib';
import { servicesOf, type Config } from '@branch-env/core';

/** The account platform `bootstrap` adds for an account with a `platform` block. */
export interface PlatformPlan {
  readonly stackName: string;
  readonly availabilityZones: readonly string[];
  readonly natGateways: number;
  readonly loadBalancers: number;
  readonly domain: string;
}

/**
 * Add the account platform stack (packages/cdk/src/platform) to the bootstrap app when the
 * account has platform availability zones (config check requires them where a shared profile
 * routes); undefined otherwise. A separate stack from the deploy role's.
 */
export async function addPlatformStack(
  app: App,
  config: Config,
  key: string,
): Promise<PlatformPlan | undefined> {
  const account = config.accounts[key];
  const platform = account?.platform;
  const zones = platform?.availabilityZones;
  if (!account || !platform || !zones || !account.domain) return undefined;
  const { PlatformStack } = await import('@branch-env/cdk');
  const stack = new PlatformStack(app, `Platform-${key}`, {
    app: config.app,
    account: { key, ...account },
    services: Object.keys(servicesOf(config)),
    jobs: Object.entries(config.jobs ?? {}).flatMap(([name, job]) =>
      job.service === undefined && job.build !== undefined ? [name] : [],
    ),
    servicePorts: Object.values(servicesOf(config)).flatMap((s) =>
      s.port === undefined ? [] : [s.port],
    ),
    identityProviderEgress: Object.values(config.profiles).some(
      (p) => p.isolation === 'shared' && p.access.mode === 'oidc',
    ),
  });
  return {
    stackName: stack.stackName,
    availabilityZones: zones,
    natGateways: platform.natGateways,
    loadBalancers: platform.loadBalancers,
    domain: account.domain.name,
  };
}
