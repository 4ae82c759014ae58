import { jsonPath, UserError } from '../errors.js';
import { shellCommand } from '../shell/quote.js';
import { secretNamesOf, type ResolvedJob, type ResolvedService } from './resolve-services.js';

/**
 * Where application secrets live and which value a service receives (docs/services.md#secrets).
 * Values are in AWS Secrets Manager of the environment's account and region, one secret per name
 * and level:
 * - environment level `/<app>/<environment>/secrets/<NAME>`: one environment only;
 * - app level `/<app>/secrets/<NAME>`: every environment of the app in that account that has no
 *   value of its own.
 * An environment name never contains `/` and a secret name never does either, so the two levels
 * cannot spell the same secret.
 */
export type SecretLevel = 'environment' | 'app';

/** `/<app>/<environment>/secrets/` */
export function environmentSecretPrefix(app: string, environment: string): string {
  return `/${app}/${environment}/secrets/`;
}

/** `/<app>/secrets/` */
export function appSecretPrefix(app: string): string {
  return `/${app}/secrets/`;
}

/** The Secrets Manager name of secret `name` at a level. */
export function secretId(
  app: string,
  level: { readonly environment: string } | 'app',
  name: string,
): string {
  return `${level === 'app' ? appSecretPrefix(app) : environmentSecretPrefix(app, level.environment)}${name}`;
}

/** Secret names present at each level (from ListSecrets under the two prefixes). */
export interface SecretsPresent {
  readonly environment: ReadonlySet<string>;
  readonly app: ReadonlySet<string>;
}

/** Where one secret of an environment comes from. */
export interface SecretSource {
  readonly name: string;
  readonly level: SecretLevel;
  /** Secrets Manager name to read. */
  readonly secretId: string;
}

export interface MissingSecret {
  readonly name: string;
  /** Services and jobs (`job:<name>`) that read it. */
  readonly usedBy: readonly string[];
  /** Where the config asks for it: `services.api.secrets[0]`, `jobs.migrate.secrets`. */
  readonly paths: readonly string[];
}

export interface SecretResolution {
  readonly sources: readonly SecretSource[];
  readonly missing: readonly MissingSecret[];
}

interface SecretsOf {
  readonly app: string;
  readonly name: string;
  readonly services: readonly Pick<ResolvedService, 'name' | 'secrets'>[];
  readonly jobs: readonly (Pick<ResolvedJob, 'name' | 'secrets'> &
    Partial<Pick<ResolvedJob, 'service'>>)[];
}

/**
 * For each secret the environment's services and jobs read: the environment's own value when it
 * has one, else the app-wide value; `missing` lists those with neither.
 */
export function resolveSecretSources(env: SecretsOf, present: SecretsPresent): SecretResolution {
  const sources: SecretSource[] = [];
  const missing: MissingSecret[] = [];
  for (const name of secretNamesOf(env)) {
    if (present.environment.has(name))
      sources.push({
        name,
        level: 'environment',
        secretId: secretId(env.app, { environment: env.name }, name),
      });
    else if (present.app.has(name))
      sources.push({ name, level: 'app', secretId: secretId(env.app, 'app', name) });
    else {
      const services = env.services.filter((s) => s.secrets.includes(name));
      // A job reads its service's secrets too: its own config asks only for the others.
      const jobs = env.jobs.filter((j) => j.secrets.includes(name));
      const ownJobs = jobs.filter((j) => !services.some((s) => s.name === j.service));
      missing.push({
        name,
        usedBy: [...services.map((s) => s.name), ...jobs.map((j) => `job:${j.name}`)],
        paths: [
          ...services.map((s) =>
            jsonPath(['services', s.name, 'secrets', s.secrets.indexOf(name)]),
          ),
          ...ownJobs.map((j) => jsonPath(['jobs', j.name, 'secrets'])),
        ],
      });
    }
  }
  return { sources, missing };
}

/**
 * The refusal of a deploy whose services need secrets that have no value, naming the commands
 * that set them (for this environment, or for every environment of the app in the account).
 */
export function missingSecretsError(
  env: Pick<SecretsOf, 'name'> & { readonly account: { readonly key: string } },
  missing: readonly MissingSecret[],
): UserError {
  const lines = missing.map(
    (m) =>
      `  - ${m.name} (read by ${m.usedBy.join(', ')}${m.paths.length > 0 ? `; ${m.paths.join(', ')}` : ''})`,
  );
  const commands = missing.map((m) =>
    shellCommand([
      'branch-env',
      'secret',
      'set',
      m.name,
      '--environment',
      env.name,
      '--account',
      env.account.key,
    ]),
  );
  return new UserError(
    `environment '${env.name}' needs ${missing.length === 1 ? 'a secret that has' : `${missing.length} secrets that have`} no value for it or for the whole app:\n${lines.join('\n')}`,
    `set ${missing.length === 1 ? 'it' : 'each'} (the value is read from stdin or a prompt), or use --all instead of --environment for every environment of the app: ${commands.join('; ')}`,
  );
}
