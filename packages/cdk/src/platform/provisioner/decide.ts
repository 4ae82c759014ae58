import {
  SHARED_DATABASE_ENGINES,
  SHARED_DATABASE_NAME,
  sharedDatabaseName,
  TAG_KEYS,
  type SharedDatabaseEngine,
} from '@branch-env/core';

/**
 * The decisions of the platform's database provisioner (docs/platform.md, "Shared databases"),
 * pure: who is asking (from what CloudFormation says about the requesting stack, never from the
 * request's own properties), which database and user that is, and the statements that create or
 * drop them. The Lambda handlers (handler.ts, executor.ts) only fetch facts and run what these
 * return.
 */

/** The CloudFormation custom-resource request, as CloudFormation sends it. */
export interface CustomResourceEvent {
  readonly RequestType: 'Create' | 'Update' | 'Delete';
  readonly ResponseURL: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly ResourceType: string;
  readonly PhysicalResourceId?: string;
  readonly ResourceProperties: Readonly<Record<string, unknown>>;
}

/** What DescribeStacks says about the requesting stack. */
export interface StackFacts {
  readonly stackId: string;
  readonly stackName: string;
  /** `CREATE_IN_PROGRESS`, …: CloudFormation calls a custom resource only mid-operation. */
  readonly status: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** What DescribeSecret says about the secret the request names. */
export interface SecretFacts {
  readonly arn: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The provisioner's configuration (its environment variables, set by the platform stack). */
export interface ProvisionerSettings {
  /** The config's `app`: only stacks tagged with it are served. */
  readonly app: string;
  /** The engines the platform has clusters of. */
  readonly engines: readonly SharedDatabaseEngine[];
}

/** The database and user of one environment on one engine. */
export interface Target {
  readonly engine: SharedDatabaseEngine;
  readonly environment: string;
  /** Database name = user name (`sharedDatabaseName`). */
  readonly database: string;
  readonly user: string;
  /** `<engine>/<database>`: the custom resource's physical id. */
  readonly physicalResourceId: string;
}

/** The request refused: the reason goes back to CloudFormation (no secret in it). */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}

/** The CloudFormation stack tag every resource of a stack carries (`aws:cloudformation:stack-id`). */
export const STACK_ID_TAG = 'aws:cloudformation:stack-id';

const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[\w/+=.@-]+$/;

function isEngine(value: unknown): value is SharedDatabaseEngine {
  return SHARED_DATABASE_ENGINES.includes(value as SharedDatabaseEngine);
}

/**
 * The environment a custom-resource request comes from, from what CloudFormation says about the
 * requesting stack (never from the request's own properties): its `branch-env:environment` tag,
 * on a stack that carries this platform's `branch-env:app` tag, is the environment's stack
 * (`<app>-<env>`) and is mid-operation. The request's `EnvironmentName` must agree. Anything else
 * is refused: one branch cannot act as another. Shared by the database provisioner and the
 * listener-rule router.
 */
export function requestingEnvironment(
  event: CustomResourceEvent,
  stack: StackFacts,
  app: string,
): string {
  if (stack.stackId !== event.StackId) {
    throw new Refusal('bug: the stack described is not the stack that sent the request');
  }
  // Defence in depth against a direct invocation (the deploy roles' boundary already denies it):
  // CloudFormation sends requests only while the stack is being created, updated or deleted.
  if (!stack.status.endsWith('_IN_PROGRESS')) {
    throw new Refusal(
      `stack ${stack.stackName} is ${stack.status}: requests come from CloudFormation during a stack operation only`,
    );
  }
  if (stack.tags[TAG_KEYS.app] !== app) {
    throw new Refusal(
      `stack ${stack.stackName} is not an environment of ${app} (tag ${TAG_KEYS.app})`,
    );
  }
  const environment = stack.tags[TAG_KEYS.environment];
  if (environment === undefined) {
    throw new Refusal(`stack ${stack.stackName} has no ${TAG_KEYS.environment} tag`);
  }
  const named = event.ResourceProperties['EnvironmentName'];
  if (named !== environment) {
    throw new Refusal(
      `the request names environment '${String(named)}' but stack ${stack.stackName} is environment '${environment}'`,
    );
  }
  if (stack.stackName !== `${app}-${environment}`) {
    throw new Refusal(
      `stack ${stack.stackName} is not the stack of environment '${environment}' (${app}-${environment})`,
    );
  }
  return environment;
}

/**
 * Which database and user the request is about: the requesting environment's
 * (`requestingEnvironment`), on an engine the platform has.
 */
export function targetOf(
  event: CustomResourceEvent,
  stack: StackFacts,
  settings: ProvisionerSettings,
): Target {
  const engine = event.ResourceProperties['Engine'];
  if (!isEngine(engine) || !settings.engines.includes(engine)) {
    throw new Refusal(
      `engine '${String(engine)}' is not one of the platform's shared databases (${settings.engines.join(', ') || 'none'})`,
    );
  }
  const environment = requestingEnvironment(event, stack, settings.app);
  let name: string;
  try {
    name = sharedDatabaseName(environment);
  } catch (error) {
    throw new Refusal((error as Error).message);
  }
  return {
    engine,
    environment,
    database: name,
    user: name,
    physicalResourceId: `${engine}/${name}`,
  };
}

/**
 * The secret a Create or Update names must be the requesting stack's own (CloudFormation tags
 * every secret it creates with the stack's id): a stack cannot hand in another's secret.
 */
export function checkSecret(event: CustomResourceEvent, secret: SecretFacts): void {
  const arn = event.ResourceProperties['SecretArn'];
  if (typeof arn !== 'string' || !SECRET_ARN.test(arn)) {
    throw new Refusal(`SecretArn '${String(arn)}' is not a Secrets Manager secret ARN`);
  }
  if (secret.tags[STACK_ID_TAG] !== event.StackId) {
    throw new Refusal(`secret ${arn} was not created by the requesting stack`);
  }
}

/** What the provisioner does for a request, once the target is known. */
export type Action =
  | { readonly kind: 'create'; readonly target: Target }
  | { readonly kind: 'drop'; readonly target: Target }
  /** Nothing to do (a Delete of a resource this provisioner never created). */
  | { readonly kind: 'nothing'; readonly physicalResourceId: string; readonly why: string };

/**
 * Create and Update create (idempotently: an existing database and user are kept and the user's
 * password and grants are set again). Delete drops only what the physical id names and the stack's
 * tags agree with; a Delete of something else (the placeholder id of a Create that failed before
 * anything existed) does nothing and succeeds, so the stack can always be deleted.
 */
export function actionOf(event: CustomResourceEvent, target: Target): Action {
  if (event.RequestType !== 'Delete') return { kind: 'create', target };
  if (event.PhysicalResourceId !== target.physicalResourceId) {
    return {
      kind: 'nothing',
      physicalResourceId: event.PhysicalResourceId ?? target.physicalResourceId,
      why: `physical id '${event.PhysicalResourceId ?? ''}' is not ${target.physicalResourceId}: nothing of this provisioner to drop`,
    };
  }
  return { kind: 'drop', target };
}

// --- statements ---------------------------------------------------------------------------------

/** A password the branch stack generated (letters and digits, no punctuation). */
const PASSWORD = /^[A-Za-z0-9]{16,128}$/;

function checkPassword(password: unknown): string {
  if (typeof password !== 'string' || !PASSWORD.test(password)) {
    throw new Refusal('the environment secret has no password of 16-128 letters and digits');
  }
  return password;
}

/** `"name"` for a name that already passed {@link SHARED_DATABASE_NAME}; throws otherwise. */
export function quoteIdentifier(name: string): string {
  if (!SHARED_DATABASE_NAME.test(name)) throw new Refusal(`'${name}' is not a safe identifier`);
  return `"${name}"`;
}

/** `'value'` with quotes doubled; refuses backslashes and NUL (never needed, never allowed). */
export function quoteLiteral(value: string): string {
  if (/[\\\0]/.test(value)) throw new Refusal('a literal with a backslash or NUL is refused');
  return `'${value.replace(/'/g, "''")}'`;
}

/** One SQL statement, run on `database`; errors with one of `ignore` codes count as done. */
export interface SqlStep {
  readonly database: string;
  readonly sql: string;
  /** SQLSTATE codes that mean "already so" (42710 duplicate_object, 42P04 duplicate_database). */
  readonly ignore?: readonly string[];
  /** Printed instead of `sql` (the password never reaches a log). */
  readonly describe: string;
}

/** The maintenance database the master user connects to. */
const POSTGRES_ADMIN_DATABASE = 'postgres';

/**
 * Aurora PostgreSQL: a login role and a database of its own, which only it (and the master user,
 * its owner) may connect to; PUBLIC loses CONNECT on it and on the maintenance databases, so the
 * role can open no other database. Inside its database it may use and create in schema public.
 */
export function postgresCreate(target: Target, password: string): SqlStep[] {
  const db = quoteIdentifier(target.database);
  const user = quoteIdentifier(target.user);
  const pw = quoteLiteral(checkPassword(password));
  const admin = POSTGRES_ADMIN_DATABASE;
  return [
    {
      database: admin,
      sql: `CREATE ROLE ${user} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD ${pw}`,
      ignore: ['42710'],
      describe: `CREATE ROLE ${user} WITH LOGIN … PASSWORD '***'`,
    },
    {
      database: admin,
      sql: `ALTER ROLE ${user} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT PASSWORD ${pw}`,
      describe: `ALTER ROLE ${user} WITH LOGIN … PASSWORD '***'`,
    },
    {
      database: admin,
      sql: `CREATE DATABASE ${db}`,
      ignore: ['42P04'],
      describe: `CREATE DATABASE ${db}`,
    },
    ...[
      `REVOKE ALL ON DATABASE ${db} FROM PUBLIC`,
      `GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${user}`,
      // The maintenance databases admit PUBLIC by default: the role may open only its own.
      'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC',
      'REVOKE CONNECT ON DATABASE template1 FROM PUBLIC',
    ].map((sql) => ({ database: admin, sql, describe: sql })),
    {
      database: target.database,
      sql: `GRANT USAGE, CREATE ON SCHEMA public TO ${user}`,
      describe: `GRANT USAGE, CREATE ON SCHEMA public TO ${user}`,
    },
  ];
}

/** Drop the database (its sessions ended) and the role; absent ones are fine. */
export function postgresDrop(target: Target): SqlStep[] {
  const db = quoteIdentifier(target.database);
  const user = quoteIdentifier(target.user);
  return [`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`, `DROP ROLE IF EXISTS ${user}`].map(
    (sql) => ({ database: POSTGRES_ADMIN_DATABASE, sql, describe: sql }),
  );
}

/** One DocumentDB command on the `admin` database or the environment's. */
export interface MongoStep {
  readonly database: string;
  readonly command: Readonly<Record<string, unknown>>;
  readonly describe: string;
}

/**
 * DocumentDB: a user (in `admin`, where DocumentDB keeps users) whose only role is `readWrite` on
 * the environment's database. `exists`: whether `usersInfo` found the user (then it is updated).
 */
export function documentDbCreate(target: Target, password: string, exists: boolean): MongoStep[] {
  quoteIdentifier(target.user);
  quoteIdentifier(target.database);
  const pwd = checkPassword(password);
  const roles = [{ role: 'readWrite', db: target.database }];
  return [
    exists
      ? {
          database: 'admin',
          command: { updateUser: target.user, pwd, roles },
          describe: `updateUser ${target.user} roles readWrite@${target.database}`,
        }
      : {
          database: 'admin',
          command: { createUser: target.user, pwd, roles },
          describe: `createUser ${target.user} roles readWrite@${target.database}`,
        },
  ];
}

/** Drop the user (when it exists) and the database (dropDatabase of an absent one succeeds). */
export function documentDbDrop(target: Target, exists: boolean): MongoStep[] {
  quoteIdentifier(target.user);
  quoteIdentifier(target.database);
  return [
    ...(exists
      ? [
          {
            database: 'admin',
            command: { dropUser: target.user },
            describe: `dropUser ${target.user}`,
          },
        ]
      : []),
    {
      database: target.database,
      command: { dropDatabase: 1 },
      describe: `dropDatabase ${target.database}`,
    },
  ];
}

// --- the executor's request and CloudFormation's response ----------------------------------------

/** What the provisioner sends the in-VPC executor (never logged: it carries credentials). */
export interface ExecutorRequest {
  readonly engine: SharedDatabaseEngine;
  readonly action: 'create' | 'drop';
  readonly host: string;
  readonly port: number;
  readonly master: { readonly username: string; readonly password: string };
  readonly target: Target;
  /** The environment user's password (create only). */
  readonly password?: string;
}

export interface ExecutorResult {
  readonly done: readonly string[];
}

/** The body CloudFormation expects at the response URL. */
export interface CustomResourceResponse {
  readonly Status: 'SUCCESS' | 'FAILED';
  readonly Reason: string;
  readonly PhysicalResourceId: string;
  readonly StackId: string;
  readonly RequestId: string;
  readonly LogicalResourceId: string;
  readonly NoEcho: boolean;
  readonly Data?: Readonly<Record<string, string>>;
}

export function responseOf(
  event: CustomResourceEvent,
  outcome:
    | {
        readonly ok: true;
        readonly physicalResourceId: string;
        readonly target?: Target;
        readonly reason: string;
      }
    | { readonly ok: false; readonly reason: string },
): CustomResourceResponse {
  const base = {
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
  };
  if (!outcome.ok) {
    return {
      ...base,
      Status: 'FAILED',
      // CloudFormation shows at most 4 KB of the response; keep the reason short.
      Reason: outcome.reason.slice(0, 1000),
      // A failed Create keeps a placeholder that a later Delete recognizes as nothing to drop.
      PhysicalResourceId: event.PhysicalResourceId ?? `failed/${event.RequestId}`,
    };
  }
  return {
    ...base,
    Status: 'SUCCESS',
    Reason: outcome.reason.slice(0, 1000),
    PhysicalResourceId: outcome.physicalResourceId,
    ...(outcome.target
      ? { Data: { DatabaseName: outcome.target.database, Username: outcome.target.user } }
      : {}),
  };
}

/** `Key`/`Value` pairs (DescribeStacks, DescribeSecret) as a record. */
export function tagRecord(
  tags: readonly { readonly Key?: string; readonly Value?: string }[] | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  return out;
}

/** `documentdb,aurora-postgres` (the provisioner's ENGINES variable) -> the engines. */
export function enginesOf(value: string | undefined): SharedDatabaseEngine[] {
  return (value ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(isEngine);
}
