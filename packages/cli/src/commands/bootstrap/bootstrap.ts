import { deployRoleStackName } from '../../private/deploy-role-stack.js';
import { join, relative, resolve } from 'node:path';
import { UserError, type Config, type OidcTrust } from '@branch-env/core';
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
  readonly trust: OidcTrust;
  /** The account platform stack, for accounts with a `platform` block (docs/platform.md). */
  readonly platform?: PlatformPlan | undefined;
}

export interface BootstrapOptions {
  readonly repository: string;
  readonly accounts: readonly string[];
  readonly defaultBranch: string;
  readonly githubEnvironments: readonly string[];
  readonly importOidcProvider: boolean;
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
  const githubEnvironments = list(args.values['github-environment']);
  if (githubEnvironments.length > 0 && !accounts.some((k) => config.accounts[k]?.production)) {
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
    importOidcProvider: args.values['import-oidc-provider'] === true,
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
      githubEnvironments: account.production ? options.githubEnvironments : [],
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
      `  role:           ${p.roleArn}`,
      `  OIDC provider:  ${p.oidcProvider === 'import' ? 'imported (exists in the account)' : 'created'}`,
      '  trusted tokens (sub):',
      ...p.trust.explained.map((e) => `    ${e.subject}    <- ${e.reason}`),
      ...p.trust.notes.map((n) => `  note: ${n}`),
      ...(p.platform
        ? [
            `  platform:       ${p.platform.stackName} (${p.platform.availabilityZones.join(', ')}; ${p.platform.natGateways} NAT, ${p.platform.loadBalancers} load balancer(s), *.${p.platform.domain})`,
          ]
        : []),
    );
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
    if (args.values.json)
      printJson(io, { repository: options.repository, outdir, accounts: plans });
    else io.out(text(plans, options.repository, outdir, io.cwd));
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
  io.err(`bootstrapping ${key} (${account.id}) as ${me.arn}\n`);
  let plans: BootstrapPlan[] = [];
  const deployed = await deployAssembly(
    async (dir) => {
      const built = await buildApp(config, options, dir ?? outdir);
      plans = built.plans;
      return built.app.synth();
    },
    { io, tags: { 'branch-env:app': config.app, 'branch-env:component': 'github-deploy-role' } },
  );
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
