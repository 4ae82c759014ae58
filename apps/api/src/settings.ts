import { ConfigurationError } from './configuration-error.js';

export const DATABASE_ENGINES = [
  'documentdb',
  'aurora-postgres',
  'mongodb-container',
  'memory',
] as const;
type DatabaseEngine = (typeof DATABASE_ENGINES)[number];

/** Where the service's CA bundle for DocumentDB/Aurora TLS is in the container image. */
export const DEFAULT_CA_FILE = '/app/certs/global-bundle.pem';

export interface DatabaseSettings {
  readonly engine: DatabaseEngine;
  /** Undefined only for `memory`. */
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly username: string | undefined;
  /** Never logged: `describeSettings` leaves it out. */
  readonly password: string | undefined;
  /** Database (PostgreSQL) or database name (MongoDB/DocumentDB). */
  readonly name: string;
  /** TLS with `caFile`: on for documentdb and aurora-postgres, off for the sidecar and memory. */
  readonly tls: boolean;
  readonly caFile: string;
}

export interface Settings {
  readonly port: number;
  readonly app: string;
  readonly environment: string;
  readonly branch: string;
  readonly commit: string;
  readonly profile: string;
  /** Environment that service discovery falls back to (`baseline` of branch-env.config.json). */
  readonly baseline: string | undefined;
  /** Read the config bus (SSM) when the environment is known; environment variables otherwise. */
  readonly configBus: boolean;
  readonly region: string | undefined;
  readonly dataBucket: string | undefined;
  readonly database: DatabaseSettings;
  readonly cacheTtlMs: number;
  readonly cacheMaxEntries: number;
  readonly shutdownTimeoutMs: number;
  readonly logLevel: string;
  /** Services whose URL /api/env resolves through the config bus (with baseline fallback). */
  readonly discoverServices: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const v = env[name]?.trim();
  return v === undefined || v === '' ? undefined : v;
}

function integer(
  env: Env,
  name: string,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
    problems.push(`${name}='${raw}' must be an integer from ${min} to ${max}`);
    return fallback;
  }
  return n;
}

function endpoint(raw: string, problems: string[]): { host?: string; port?: number } {
  const m = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):(\d{1,5})$/.exec(raw);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) {
    problems.push(`DATABASE_ENDPOINT='${raw}' must be host:port (e.g. my-cluster.example:27017)`);
    return {};
  }
  return { host: m[1], port };
}

/**
 * Reads and checks every environment variable at once. Missing settings of the configured engine
 * are an error, never a silent fallback: the in-memory store is used only for DATABASE_ENGINE=memory.
 */
export function loadSettings(env: Env = process.env): Settings {
  const problems: string[] = [];
  const engineRaw = text(env, 'DATABASE_ENGINE');
  let engine: DatabaseEngine = 'memory';
  if (engineRaw === undefined)
    problems.push(
      `DATABASE_ENGINE is not set: set it to one of ${DATABASE_ENGINES.join(', ')} (memory only for local runs)`,
    );
  else if (!(DATABASE_ENGINES as readonly string[]).includes(engineRaw))
    problems.push(`DATABASE_ENGINE='${engineRaw}' is not one of ${DATABASE_ENGINES.join(', ')}`);
  else engine = engineRaw as DatabaseEngine;

  let host: string | undefined;
  let port: number | undefined;
  const username = text(env, 'DATABASE_USERNAME');
  const password = env.DATABASE_PASSWORD === '' ? undefined : env.DATABASE_PASSWORD;
  if (engineRaw !== undefined && engine !== 'memory') {
    const ep = text(env, 'DATABASE_ENDPOINT');
    if (ep === undefined)
      problems.push(`DATABASE_ENDPOINT (host:port) is required for DATABASE_ENGINE=${engine}`);
    else ({ host, port } = endpoint(ep, problems));
    if (engine === 'documentdb' || engine === 'aurora-postgres' || engine === 'mongodb-container') {
      if (username === undefined)
        problems.push(
          `DATABASE_USERNAME is required for DATABASE_ENGINE=${engine} (ECS secret from Secrets Manager)`,
        );
      if (password === undefined)
        problems.push(
          `DATABASE_PASSWORD is required for DATABASE_ENGINE=${engine} (ECS secret from Secrets Manager)`,
        );
    }
  }
  const tls = engine === 'documentdb' || engine === 'aurora-postgres';
  const app = text(env, 'BRANCH_ENV_APP');
  const environment = text(env, 'BRANCH_ENV_ENVIRONMENT');
  const settings: Settings = {
    port: integer(env, 'PORT', 8080, 0, 65535, problems),
    app: app ?? 'branch-env',
    environment: environment ?? 'local',
    branch: text(env, 'BRANCH_ENV_BRANCH') ?? 'unknown',
    commit: text(env, 'BRANCH_ENV_COMMIT') ?? 'unknown',
    profile: text(env, 'BRANCH_ENV_PROFILE') ?? 'local',
    baseline: text(env, 'BRANCH_ENV_BASELINE'),
    configBus: app !== undefined && environment !== undefined,
    region: text(env, 'AWS_REGION'),
    dataBucket: text(env, 'DATA_BUCKET'),
    database: {
      engine,
      host,
      port,
      username,
      password,
      name:
        text(env, 'DATABASE_NAME') ?? (engine === 'aurora-postgres' ? 'postgres' : 'branch_env'),
      tls,
      caFile: text(env, 'DATABASE_CA_FILE') ?? DEFAULT_CA_FILE,
    },
    cacheTtlMs: integer(env, 'CACHE_TTL_MS', 30_000, 0, 86_400_000, problems),
    cacheMaxEntries: integer(env, 'CACHE_MAX_ENTRIES', 10_000, 1, 10_000_000, problems),
    shutdownTimeoutMs: integer(env, 'SHUTDOWN_TIMEOUT_MS', 25_000, 1, 120_000, problems),
    logLevel: text(env, 'LOG_LEVEL') ?? 'info',
    discoverServices: (text(env, 'DISCOVER_SERVICES') ?? 'api')
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== ''),
  };
  if ((app === undefined) !== (environment === undefined))
    problems.push(
      'set both BRANCH_ENV_APP and BRANCH_ENV_ENVIRONMENT (config bus) or neither (local run)',
    );
  if (problems.length > 0) throw new ConfigurationError(problems);
  return settings;
}

/** Settings safe to log: the password is never included, only whether it is set. */
export function describeSettings(s: Settings): Record<string, unknown> {
  const { password, ...database } = s.database;
  return { ...s, database: { ...database, passwordSet: password !== undefined } };
}
