import { deployRoleStackName } from '../../private/deploy-role-stack.js';
import { join, relative, resolve } from 'node:path';
import {
  DEFAULT_GITHUB_ENVIRONMENT,
  UserError,
  type ClassRoles,
  type Config,
  type OidcTrust,
  type ProtectionClass,
} from '@branch-env/core';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';
import { addPlatformStack, type PlatformPlan } from './platform.js';
import { repositoryFrom } from './repository.js';

/** What `bootstrap` makes for one account. */
export interface BootstrapPlan {
  readonly account: string;
  readonly accountId: string;
  readonly region: string;
  readonly production: boolean;
  readonly stackName: string;
  readonly roleArn: string;
  readonly oidcProvider: 'create' | 'import';
  /** The protected class's trust (the only class of a production account). */
  readonly trust: OidcTrust;
  /** Every protection class's roles and trust (development accounts have two). */
  readonly classes: readonly ({
    readonly protectionClass: ProtectionClass;
    readonly trust: OidcTrust;
  } & ClassRoles)[];
  /** The account platform stack, for accounts with a `platform` block (docs/platform.md). */
  readonly platform?: PlatformPlan | undefined;
}

export interface BootstrapOptions {
  readonly repository: string;
  readonly accounts: readonly string[];
  readonly defaultBranch: string;
  readonly githubEnvironments: readonly string[];
  /** UNSAFE: production roles trust branch names instead of the reviewed environment. */
  readonly unsafeProductionBranchTrust: boolean;
  readonly importOidcProvider: boolean;
  /** For the GitHub environment check: --github-token, else GITHUB_TOKEN, else GH_TOKEN. */
  readonly githubToken: string | undefined;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

function list(v: unknown): string[] {
  return (Array.isArray(v) ? v : v === undefined ? [] : [v]).filter(
    (x): x is string => typeof x === 'string' && x !== '',
  );
}

export function optionsFrom(args: ParsedArgs, io: Io, config: Config): BootstrapOptions {
  const keys = Object.keys(config.accounts);
  const account = str(args.values.account);
  if (account !== undefined && !keys.includes(account)) {
    throw new UserError(`no account '${account}' in the config`, `pass one of: ${keys.join(', ')}`);
  }
  const accounts = account ? [account] : keys;
  const explicitEnvironments = list(args.values['github-environment']);
  const unsafeProductionBranchTrust = args.values['unsafe-production-branch-trust'] === true;
  if (unsafeProductionBranchTrust && explicitEnvironments.length > 0) {
    throw new UserError(
      '--unsafe-production-branch-trust and --github-environment contradict each other',
      'drop --unsafe-production-branch-trust: production deploys go through the reviewed environment',
    );
  }
  const githubEnvironments = unsafeProductionBranchTrust
    ? []
    : explicitEnvironments.length > 0
      ? explicitEnvironments
      : [DEFAULT_GITHUB_ENVIRONMENT];
  if (explicitEnvironments.length > 0 && !accounts.some((k) => config.accounts[k]?.production)) {
    throw new UserError(
      `--github-environment gates production deploys only, and ${accounts.join(', ')} ${accounts.length > 1 ? 'are' : 'is'} not a production account`,
      'drop --github-environment, or bootstrap the production account with it: npx branch-env bootstrap --account <production account> --github-environment <name>',
    );
  }
  return {
    repository: repositoryFrom(str(args.values.repository), io.env, io.cwd),
    accounts,
    defaultBranch: str(args.values['default-branch']) ?? 'main',
    githubEnvironments,
    unsafeProductionBranchTrust,
    importOidcProvider: args.values['import-oidc-provider'] === true,
    githubToken:
      str(args.values['github-token']) ?? str(io.env.GITHUB_TOKEN) ?? str(io.env.GH_TOKEN),
  };
}

/** Build the app (one DeployRoleStack per account) into `outdir`; returns the plans. */
async function buildApp(config: Config, options: BootstrapOptions, outdir: string | undefined) {
  const [{ App }, { DeployRoleStack }] = await Promise.all([
    import('aws-cdk-lib'),
    import('@branch-env/cdk'),
  ]);
  const app = new App({ outdir, analyticsReporting: false });
  const plans: BootstrapPlan[] = [];
  for (const key of options.accounts) {
    const account = config.accounts[key];
    if (!account) throw new Error(`bug: unknown account ${key}`);
    const stack = new DeployRoleStack(app, `GitHubDeployRole-${key}`, {
      config,
      account: key,
      repository: options.repository,
      defaultBranch: options.defaultBranch,
      // A production role given environments trusts only them; other roles never trust them.
      githubEnvironments: account.production ? options.githubEnvironments : undefined,
      unsafeProductionBranchTrust: options.unsafeProductionBranchTrust,
      existingOidcProviderArn: options.importOidcProvider
        ? `arn:aws:iam::${account.id}:oidc-provider/token.actions.githubusercontent.com`
        : undefined,
      // Two accounts' stacks in one app need distinct names only when they share an AWS account.
      stackName: deployRoleStackName(config, key),
    });
    plans.push({
      account: key,
      accountId: account.id,
      region: account.region,
      production: account.production,
      stackName: stack.stackName,
      roleArn: account.deployRoleArn,
      oidcProvider: options.importOidcProvider ? 'import' : 'create',
      trust: stack.trust,
      classes: Object.values(stack.classes).map((c) => ({ ...c.roles, trust: c.trust })),
      platform: await addPlatformStack(app, config, key),
    });
  }
  return { app, plans };
}

function text(
  plans: readonly BootstrapPlan[],
  repository: string,
  outdir: string | undefined,
  cwd: string,
) {
  const lines = [`GitHub repository: ${repository}`];
  for (const p of plans) {
    lines.push(
      '',
      `account ${p.account} (${p.accountId}, ${p.region}${p.production ? ', production' : ''})`,
      `  stack:          ${p.stackName}`,
      `  OIDC provider:  ${p.oidcProvider === 'import' ? 'imported (exists in the account)' : 'created'}`,
      ...(p.platform
        ? [
            `  platform:       ${p.platform.stackName} (${p.platform.availabilityZones.join(', ')}; ${p.platform.natGateways} NAT, ${p.platform.loadBalancers} load balancer(s), *.${p.platform.domain})`,
          ]
        : []),
    );
    for (const c of p.classes) {
      lines.push(
        `  ${c.protectionClass} environments:`,
        `    deploy role:          ${c.deployRoleArn}`,
        `    CloudFormation role:  ${c.executionRoleArn} (scoped policy, no administrator)`,
        `    permissions boundary: ${c.permissionsBoundaryArn}`,
        '    trusted tokens (sub):',
        ...c.trust.explained.map((e) => `      ${e.subject}    <- ${e.reason}`),
        ...c.trust.notes.map((n) => `    note: ${n}`),
      );
    }
  }
  if (outdir !== undefined) lines.push('', `templates: ${relative(cwd, outdir) || '.'}/`);
  return `${lines.join('\n')}\n`;
}

/**
 * `branch-env bootstrap`: synthesize (and, unless --synth-only, deploy with the current
 * credentials) each account's GitHub OIDC provider and deploy role.
 */
export async function run(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const options = optionsFrom(args, io, config);
  const synthOnly = args.values['synth-only'] === true;
  if (!synthOnly && options.accounts.length > 1) {
    throw new UserError(
      `deploying needs the credentials of one account at a time, and the config has ${options.accounts.length}`,
      `run it once per account with that account's credentials: ${options.accounts.map((a) => `npx branch-env bootstrap --account ${a}`).join(' ; ')} (or add --synth-only to only write the templates)`,
    );
  }
  const outdir = resolve(io.cwd, str(args.values.out) ?? join('cdk.out', 'bootstrap'));

  if (synthOnly) {
    const { app, plans } = await buildApp(config, options, outdir);
    app.synth();
    const unchecked = plans.some((p) => p.production) && !options.unsafeProductionBranchTrust;
    if (args.values.json)
      printJson(io, { repository: options.repository, outdir, accounts: plans });
    else io.out(text(plans, options.repository, outdir, io.cwd));
    if (unchecked) {
      io.err(
        `note: --synth-only is offline: the GitHub environment ${options.githubEnvironments.join(', ')} was NOT checked (bootstrap without --synth-only refuses an environment without reviewers)\n`,
      );
    }
    return EXIT.ok;
  }

  const key = options.accounts[0] as string;
  const account = config.accounts[key];
  if (!account) throw new Error(`bug: unknown account ${key}`);
  const [{ awsClients }, { callerIdentity }, { deployAssembly }] = await Promise.all([
    import('../../private/aws/clients.js'),
    import('../../private/aws/credentials.js'),
    import('../../private/aws/toolkit.js'),
  ]);
  const me = await callerIdentity(awsClients(account.region), 'bootstrap');
  if (me.account !== account.id) {
    throw new UserError(
      `the AWS credentials are for account ${me.account} (${me.arn}), but account '${key}' is ${account.id}`,
      `use administrator credentials of account ${account.id} (e.g. AWS_PROFILE=<its profile>), then run the command again`,
    );
  }
  if (account.production && !options.unsafeProductionBranchTrust) {
    const { verifyProductionEnvironment } = await import('./github-environment.js');
    const branches = config.rules.filter((r) => r.account === key).map((r) => r.branch);
    for (const name of options.githubEnvironments) {
      await verifyProductionEnvironment({
        repository: options.repository,
        name,
        branches,
        token: options.githubToken,
        fetchImpl: (url, init) => fetch(url, init),
      });
      io.err(
        `GitHub environment ${name}: required reviewers, no self-review, no admin bypass, deployment branches ${branches.join(', ')}\n`,
      );
    }
  } else if (account.production) {
    io.err(
      'WARNING: --unsafe-production-branch-trust: whoever can push a production branch gets production credentials without a reviewer\n',
    );
  }
  io.err(`bootstrapping ${key} (${account.id}) as ${me.arn}\n`);
  let plans: BootstrapPlan[] = [];
  const deployed = await deployAssembly(
    async (dir) => {
      const built = await buildApp(config, options, dir ?? outdir);
      plans = built.plans;
      return built.app.synth();
    },
    {
      io,
      tags: { 'branch-env:app': config.app, 'branch-env:component': 'github-deploy-role' },
      // A platform created again adopts the image repositories its deleted predecessor retained
      // (named, DeletionPolicy Retain) instead of failing on "already exists" (docs/platform.md).
      importExistingResources: true,
    },
  );
  for (const platform of plans.flatMap((p) => (p.platform ? [p.platform] : []))) {
    const { protectPlatformStack } = await import('./platform-protection.js');
    await protectPlatformStack(awsClients(account.region), platform.stackName);
    io.err(
      `${platform.stackName}: stack policy set (no update replaces its network, load balancers, listeners or certificate)\n`,
    );
  }
  const roleArn = deployed
    .flatMap((s) => Object.entries(s.outputs))
    .find(([k]) => k.startsWith('RoleArn'))?.[1];
  if (args.values.json) {
    printJson(io, { repository: options.repository, accounts: plans, deployed: { roleArn } });
  } else {
    io.out(text(plans, options.repository, undefined, io.cwd));
    io.out(`\ndeployed: ${roleArn ?? '(no role output)'}\n`);
  }
  if (roleArn && roleArn !== account.deployRoleArn) {
    io.err(
      `warning: the deployed role ${roleArn} differs from accounts.${key}.deployRoleArn (${account.deployRoleArn}); update branch-env.config.json\n`,
    );
  }
  return EXIT.ok;
}
