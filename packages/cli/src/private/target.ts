import {
  BranchError,
  NoRouteError,
  NotAllowedError,
  STACK_SUFFIXES,
  UserError,
  isValidEnvironmentName,
  resolveEnvironment,
  ssmPrefix,
  type Config,
  type ResolvedEnvironment,
} from '@branch-env/core';

/** An environment to act on (destroy, reap), resolved from a branch or an environment name. */
export interface EnvironmentTarget {
  readonly app: string;
  readonly environment: string;
  /** The branch, when the argument was a branch or the owner record named it. */
  readonly branch?: string | undefined;
  readonly account: { readonly key: string; readonly id: string; readonly production: boolean };
  readonly region: string;
  /** `undefined` until known (an environment name found only in AWS). */
  readonly protected: boolean | undefined;
  readonly stacks: { readonly main: string; readonly certificate: string };
  readonly ssmPrefix: string;
  /** The account's hosted zone, when it has one: destroy removes the ACM validation records there. */
  readonly domain?: { readonly name: string; readonly hostedZoneId: string } | undefined;
  /**
   * Final database snapshots (and the credentials secret kept with them) stay on purpose: a
   * protected environment's database is deleted with a snapshot by design.
   */
  readonly keepSnapshots: boolean;
  /** How the argument was understood. */
  readonly via: 'branch' | 'fixed-environment' | 'environment-name';
}

export function targetOf(env: ResolvedEnvironment): EnvironmentTarget {
  return {
    app: env.app,
    environment: env.name,
    branch: env.branch,
    account: { key: env.account.key, id: env.account.id, production: env.account.production },
    region: env.region,
    protected: env.protected,
    stacks: {
      main: env.stacks.main,
      certificate: env.stacks.certificate ?? `${env.app}-${env.name}${STACK_SUFFIXES.certificate}`,
    },
    ssmPrefix: env.ssmPrefix,
    domain: env.account.domain,
    keepSnapshots: env.protected,
    via: 'branch',
  };
}

/** A target in a given account for an environment name (stack names follow the naming contract). */
export function targetForName(
  config: Config,
  environment: string,
  accountKey: string,
  protectedFlag: boolean | undefined,
  via: EnvironmentTarget['via'],
  branch?: string,
): EnvironmentTarget {
  const account = config.accounts[accountKey];
  if (!account) throw new Error(`bug: unknown account ${accountKey}`);
  const stem = `${config.app}-${environment}`;
  const isProtected = protectedFlag ?? (account.production ? true : undefined);
  return {
    app: config.app,
    environment,
    branch,
    account: { key: accountKey, id: account.id, production: account.production },
    region: account.region,
    protected: isProtected,
    stacks: {
      main: `${stem}${STACK_SUFFIXES.main}`,
      certificate: `${stem}${STACK_SUFFIXES.certificate}`,
    },
    ssmPrefix: ssmPrefix(config.app, environment),
    domain: account.domain,
    keepSnapshots: isProtected === true,
    via,
  };
}

/**
 * Understand `destroy`'s argument offline: a branch that routes (its environment), else an
 * environment name that a rule fixes (`"environment": "customer-facing"`), else an environment
 * name to look for in the configured accounts (returned as `lookup`).
 */
export function targetFromArgument(
  arg: string,
  config: Config,
): { readonly target: EnvironmentTarget } | { readonly lookup: string } {
  let routeError: unknown;
  try {
    return { target: targetOf(resolveEnvironment(arg, config)) };
  } catch (error) {
    // A branch outside its rule's `allow` list may still name an environment made before the list.
    if (!(
      error instanceof NoRouteError ||
      error instanceof BranchError ||
      error instanceof NotAllowedError
    ))
      throw error;
    routeError = error;
  }
  const fixed = config.rules.find((r) => r.environment === arg);
  if (fixed) {
    return {
      target: targetForName(config, arg, fixed.account, fixed.protected, 'fixed-environment'),
    };
  }
  if (isValidEnvironmentName(arg, 63)) return { lookup: arg };
  throw new UserError(
    `'${arg}' is neither a branch that gets an environment nor an environment name`,
    routeError instanceof UserError && routeError.fix
      ? routeError.fix
      : 'pass the branch (feature/x) or the environment name (feature-x) as `branch-env list` shows it',
  );
}
