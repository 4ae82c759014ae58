import { branchHash } from '../naming/hash.js';
import { databaseIdentifier } from '../naming/physical-name-rules.js';

/**
 * Shared database clusters of the account platform (docs/platform.md, "Shared databases"): each
 * environment of a profile with `database.shared: true` gets a database and a user of its own on
 * the platform's DocumentDB or Aurora PostgreSQL cluster. The names, ports and the shape of the
 * custom resource are facts both the branch stack (at synth) and the platform's provisioner (at
 * deploy, from the stack's tags) derive, so they live here.
 */
export type SharedDatabaseEngine = 'documentdb' | 'aurora-postgres';

export const SHARED_DATABASE_ENGINES: readonly SharedDatabaseEngine[] = [
  'documentdb',
  'aurora-postgres',
];

/** The port each shared cluster listens on (set explicitly on the cluster). */
export const SHARED_DATABASE_PORTS: Readonly<Record<SharedDatabaseEngine, number>> = {
  documentdb: 27017,
  'aurora-postgres': 5432,
};

/**
 * What a database or user name of an environment may be: a lowercase letter, then lowercase
 * letters, digits and `_`, at most 63 characters (PostgreSQL's identifier limit, NAMEDATALEN - 1;
 * DocumentDB database names are at most 63 characters too). Nothing that needs quoting, so no
 * statement can be bent by a name even before it is quoted.
 */
export const SHARED_DATABASE_NAME = /^[a-z][a-z0-9_]{0,62}$/;

/** An environment name as `resolveEnvironment()` makes them: lowercase, digits, hyphens. */
const ENVIRONMENT = /^[a-z][a-z0-9-]{0,127}$/;

/** Longest readable part kept before a hash is appended. */
const MAX_NAME = 63;

/**
 * The database and the user of an environment on a shared cluster: `env_<name>` with hyphens as
 * underscores (`feature-new-login` -> `env_feature_new_login`). Environment names contain no `_`,
 * so distinct environments get distinct names; a name longer than 63 characters keeps its start
 * and ends with a hash of the environment name. Throws for anything that is not an environment
 * name (the provisioner refuses the request).
 */
export function sharedDatabaseName(environment: string): string {
  if (!ENVIRONMENT.test(environment)) {
    throw new Error(`'${environment}' is not an environment name (lowercase, digits, hyphens)`);
  }
  let name = `env_${environment.replace(/-/g, '_')}`;
  if (name.length > MAX_NAME) {
    const hash = branchHash(environment).toLowerCase();
    name = `${name.slice(0, MAX_NAME - hash.length - 1)}_${hash}`;
  }
  if (!SHARED_DATABASE_NAME.test(name)) {
    throw new Error(`bug: shared database name '${name}' is not a safe identifier`);
  }
  return name;
}

/**
 * Properties of the `Custom::SharedDatabase` resource a branch stack declares. Only `Engine` and
 * `SecretArn` are taken from the request; the environment is what the requesting stack's tags say
 * (`EnvironmentName` must agree with them, or the provisioner refuses).
 */
export interface SharedDatabaseProperties {
  readonly Engine: SharedDatabaseEngine;
  readonly EnvironmentName: string;
  /** The environment's own secret (`username`, generated `password`). */
  readonly SecretArn: string;
}

/** `Custom::SharedDatabase`: the resource type of the per-environment database. */
export const SHARED_DATABASE_RESOURCE_TYPE = 'Custom::SharedDatabase';

/**
 * The provisioner function's name, `<app>-platform-database-provisioner` (at most 62 characters:
 * apps are at most 32): the one platform function CloudFormation execution roles may invoke.
 */
export function databaseProvisionerName(app: string): string {
  return `${app}-platform-database-provisioner`;
}

/**
 * The shared cluster's identifier, `<app>-platform-docdb` / `<app>-platform-aurora` made a valid
 * DocumentDB/RDS identifier (`databaseIdentifier`: no `--`, room for `-writer`, `-16`, `-params`).
 */
export function platformDatabaseIdentifier(app: string, engine: SharedDatabaseEngine): string {
  return databaseIdentifier(app, engine === 'documentdb' ? 'platform-docdb' : 'platform-aurora');
}
