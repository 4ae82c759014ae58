import {
  appSecretPrefix,
  environmentSecretPrefix,
  isValidEnvironmentName,
  secretId,
  SECRET_NAME,
  TAG_KEYS,
  UserError,
  type Config,
} from '@branch-env/core';
import {
  putSecret,
  removeSecret,
  secretNamesUnder,
  SECRET_RECOVERY_DAYS,
} from '../../private/aws/app-secrets.js';
import { awsClients, type AwsClients } from '../../private/aws/clients.js';
import { callerIdentity } from '../../private/aws/credentials.js';
import type { ParsedArgs } from '../../private/command.js';
import { configFrom } from '../../private/context.js';
import { EXIT, printJson, type Io } from '../../private/io.js';

/**
 * `branch-env secret set|list|remove`: application secrets in Secrets Manager, per environment or
 * for every environment of the app in an account (docs/services.md#secrets). Values come from
 * stdin or a prompt, never from the command line (which shell history and `ps` keep), and are
 * never printed or read back.
 */

/** Where a secret command acts: an account, and one environment or the whole app. */
export interface SecretScope {
  readonly app: string;
  readonly account: { readonly key: string; readonly id: string; readonly region: string };
  /** The environment, or undefined for the app-wide level (`--all`). */
  readonly environment: string | undefined;
}

function accountOf(args: ParsedArgs, config: Config, environment: string | undefined) {
  const given = typeof args.values.account === 'string' ? args.values.account : undefined;
  const keys = Object.keys(config.accounts);
  const fixed =
    environment === undefined
      ? undefined
      : config.rules.find((r) => r.environment === environment)?.account;
  const key = given ?? fixed ?? (keys.length === 1 ? keys[0] : undefined);
  if (key === undefined)
    throw new UserError(
      'which account? the config has several',
      `pass --account <key>, one of ${keys.join(', ')}`,
    );
  const account = Object.hasOwn(config.accounts, key) ? config.accounts[key] : undefined;
  if (!account)
    throw new UserError(
      `unknown account '${key}'`,
      `pass --account <key>, one of ${keys.join(', ')}`,
    );
  return { key, id: account.id, region: account.region };
}

/** The scope of a command; `required` says whether --environment or --all must be given. */
export function scopeOf(args: ParsedArgs, config: Config, required: boolean): SecretScope {
  const environment =
    typeof args.values.environment === 'string' ? args.values.environment : undefined;
  const all = args.values.all === true;
  if (environment !== undefined && all)
    throw new UserError('--environment and --all cannot be combined', 'pass one of them');
  if (required && environment === undefined && !all)
    throw new UserError(
      'say which environments the secret is for',
      'pass --environment <environment> for one environment, or --all for every environment of the app in the account',
    );
  if (environment !== undefined && !isValidEnvironmentName(environment, 63))
    throw new UserError(
      `'${environment}' is not an environment name`,
      'pass the environment name (`branch-env resolve <branch>` prints it), not the branch',
    );
  return { app: config.app, account: accountOf(args, config, environment), environment };
}

/** The secret's name argument, checked like a name in the config's `secrets`. */
function secretNameOf(args: ParsedArgs): string {
  const name = args.positionals[0] ?? '';
  if (!SECRET_NAME.test(name))
    throw new UserError(
      `'${name}' is not a secret name`,
      'use the name a service lists in "secrets": up to 128 letters, digits and _, not starting with a digit',
    );
  return name;
}

/** Secrets Manager name of `name` in `scope`. */
function idIn(scope: SecretScope, name: string): string {
  return secretId(
    scope.app,
    scope.environment === undefined ? 'app' : { environment: scope.environment },
    name,
  );
}

function levelText(scope: SecretScope): string {
  return scope.environment === undefined
    ? `every environment of ${scope.app} in ${scope.account.key}`
    : `environment ${scope.environment}`;
}

/** Clients for the scope's account, after checking the credentials are for it. */
async function clientsFor(scope: SecretScope, what: string): Promise<AwsClients> {
  const aws = awsClients(scope.account.region);
  const me = await callerIdentity(aws, what);
  if (me.account !== scope.account.id)
    throw new UserError(
      `the AWS credentials are for account ${me.account}, not ${scope.account.key} (${scope.account.id})`,
      `use credentials for account ${scope.account.id}, or pass --account <key>`,
    );
  return aws;
}

/**
 * The secret value: all of stdin when it is piped (one trailing newline dropped), else typed at
 * a prompt on the terminal with echo off.
 */
async function readValue(name: string, io: Io): Promise<string> {
  const stdin = process.stdin;
  let value: string;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
    value = Buffer.concat(chunks)
      .toString('utf8')
      .replace(/\r?\n$/, '');
  } else {
    io.err(`value of ${name} (input hidden): `);
    value = await new Promise<string>((resolve, reject) => {
      let typed = '';
      stdin.setRawMode(true);
      stdin.resume();
      stdin.setEncoding('utf8');
      const done = (result: string | Error) => {
        stdin.setRawMode(false);
        stdin.pause();
        stdin.off('data', onData);
        io.err('\n');
        if (result instanceof Error) reject(result);
        else resolve(result);
      };
      const onData = (key: string) => {
        for (const ch of key) {
          if (ch === '\r' || ch === '\n') return done(typed);
          if (ch === '\u0003') return done(new UserError('cancelled', 'run the command again'));
          if (ch === '\u007f' || ch === '\b') typed = typed.slice(0, -1);
          else typed += ch;
        }
      };
      stdin.on('data', onData);
    });
  }
  if (value.length === 0)
    throw new UserError(
      `no value given for ${name}`,
      `pipe it in (e.g. \`printf %s "$VALUE" | branch-env secret set ${name} ...\`) or type it at the prompt`,
    );
  return value;
}

/** The tags of a secret: the app, and the environment for environment-level ones. */
function secretTags(scope: SecretScope): Record<string, string> {
  return {
    [TAG_KEYS.app]: scope.app,
    ...(scope.environment === undefined ? {} : { [TAG_KEYS.environment]: scope.environment }),
  };
}

export async function setSecret(
  aws: AwsClients,
  scope: SecretScope,
  name: string,
  value: string,
): Promise<{ secretId: string; result: 'created' | 'updated' }> {
  const id = idIn(scope, name);
  const result = await putSecret(aws, {
    id,
    value,
    description: `branch-env secret ${name} of ${levelText(scope)}`,
    tags: secretTags(scope),
  });
  return { secretId: id, result };
}

/** One row of `secret list`: a name and the levels it has a value at. */
export interface SecretRow {
  readonly name: string;
  /** Has an app-wide value. */
  readonly app: boolean;
  /** Environments with their own value. */
  readonly environments: readonly string[];
  /** Services and jobs of the config that read it. */
  readonly usedBy: readonly string[];
}

/** Names under `/<app>/…/secrets/`, grouped by name; `environment` limits to one environment. */
export async function listSecrets(
  aws: AwsClients,
  config: Config,
  environment: string | undefined,
): Promise<SecretRow[]> {
  const root = `/${config.app}/`;
  const app = new Set(await secretNamesUnder(aws, appSecretPrefix(config.app)));
  const byEnvironment = new Map<string, Set<string>>();
  if (environment !== undefined) {
    byEnvironment.set(
      environment,
      new Set(await secretNamesUnder(aws, environmentSecretPrefix(config.app, environment))),
    );
  } else {
    // Every `/<app>/<env>/secrets/<NAME>`: one listing under `/<app>/`.
    for (const full of await secretNamesUnder(aws, root, { nested: true })) {
      const m = /^([^/]+)\/secrets\/([^/]+)$/.exec(full);
      if (!m?.[1] || !m[2] || m[1] === 'secrets') continue;
      const names = byEnvironment.get(m[1]) ?? new Set<string>();
      names.add(m[2]);
      byEnvironment.set(m[1], names);
    }
  }
  const usedBy = new Map<string, string[]>();
  const units = [
    ...Object.entries(config.services ?? {}).map(([n, s]) => [n, s.secrets] as const),
    ...Object.entries(config.jobs ?? {}).map(([n, j]) => [`job:${n}`, j.secrets] as const),
  ];
  for (const [unit, secrets] of units)
    for (const s of secrets) usedBy.set(s, [...(usedBy.get(s) ?? []), unit]);
  const names = new Set([
    ...app,
    ...usedBy.keys(),
    ...[...byEnvironment.values()].flatMap((s) => [...s]),
  ]);
  return [...names].sort().map((name) => ({
    name,
    app: app.has(name),
    environments: [...byEnvironment.entries()]
      .filter(([, s]) => s.has(name))
      .map(([e]) => e)
      .sort(),
    usedBy: usedBy.get(name) ?? [],
  }));
}

export function listText(rows: readonly SecretRow[], environment: string | undefined): string {
  if (rows.length === 0) return 'no secrets\n';
  const cells = rows.map((r) => {
    const own =
      environment === undefined
        ? r.environments.join(', ')
        : r.environments.length > 0
          ? 'set'
          : '-';
    const value =
      environment === undefined
        ? undefined
        : r.environments.length > 0
          ? 'environment'
          : r.app
            ? 'app'
            : 'MISSING';
    return [
      r.name,
      r.app ? 'set' : '-',
      own || '-',
      ...(value === undefined ? [] : [value]),
      r.usedBy.join(', ') || '-',
    ];
  });
  const header = [
    'NAME',
    'APP-WIDE',
    environment === undefined ? 'ENVIRONMENTS' : environment.toUpperCase(),
    ...(environment === undefined ? [] : ['USED']),
    'USED BY',
  ];
  const all = [header, ...cells];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? '').length)));
  return all
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n')
    .concat('\n');
}

export async function runSet(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const name = secretNameOf(args);
  const scope = scopeOf(args, config, true);
  const value = await readValue(name, io);
  const aws = await clientsFor(scope, 'secret set');
  const { secretId: id, result } = await setSecret(aws, scope, name, value);
  if (args.values.json)
    printJson(io, { name, secretId: id, level: scope.environment ?? 'app', result });
  else io.out(`${result} ${id} (${levelText(scope)})\n`);
  return EXIT.ok;
}

export async function runList(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const scope = scopeOf(args, config, false);
  const aws = await clientsFor(scope, 'secret list');
  const rows = await listSecrets(aws, config, scope.environment);
  if (args.values.json)
    printJson(io, {
      account: scope.account.key,
      environment: scope.environment ?? null,
      secrets: rows,
    });
  else io.out(listText(rows, scope.environment));
  return EXIT.ok;
}

export async function runRemove(args: ParsedArgs, io: Io): Promise<number> {
  const { config } = configFrom(args, io);
  const name = secretNameOf(args);
  const scope = scopeOf(args, config, true);
  const aws = await clientsFor(scope, 'secret remove');
  const id = idIn(scope, name);
  const removed = await removeSecret(aws, id);
  if (args.values.json)
    printJson(io, { name, secretId: id, removed, recoveryDays: SECRET_RECOVERY_DAYS });
  else
    io.out(
      removed
        ? `scheduled ${id} for deletion (restorable for ${SECRET_RECOVERY_DAYS} days with \`branch-env secret set\`)\n`
        : `${id} does not exist; nothing to remove\n`,
    );
  return EXIT.ok;
}
