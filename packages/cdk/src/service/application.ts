import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import {
  catchAllService,
  secretId,
  type ResolvedEnvironment,
  type ResolvedJob,
  type ResolvedService,
} from '@branch-env/core';
import type { Stack } from 'aws-cdk-lib';
import type { Database } from '../database/database.js';
import type { ServiceProps } from './service.js';

/**
 * The service that owns the environment's load balancer and URL: the catch-all routed service
 * (`catchAllService()`: the one routing `/`, else the first routed); the sample's when the config
 * declares none. `config check` refuses an environment without a routed service.
 */
export function applicationOf(env: ResolvedEnvironment): ResolvedEnvironment['services'][number] {
  const app = catchAllService(env.services);
  if (app === undefined) throw new Error('bug: an environment without a routed service');
  return app;
}

export interface ApplicationServiceInput {
  /** The environment (its first service is the application's: checkEnvironment). */
  readonly environment: ResolvedEnvironment;
  /** Commit SHA the service runs (`BRANCH_ENV_COMMIT`). @default 'unknown' */
  readonly commit?: string;
  /** Secrets Manager name of each application secret. @default the environment-level names */
  readonly secretSources?: Readonly<Record<string, string>>;
  readonly database: Database;
  readonly dataBucket: s3.IBucket;
}

/** What every service and job of the environment takes from the config and the environment. */
export type WorkloadSettings = Pick<
  ServiceProps,
  'command' | 'secrets' | 'prebuiltImage' | 'environment' | 'databaseSecret'
>;

/** Secret `name` of the environment, imported once per stack (services and jobs share it). */
function importedSecret(
  stack: Stack,
  input: ApplicationServiceInput,
  name: string,
): secretsmanager.ISecret {
  const id = `Secret${name}`;
  const existing = stack.node.tryFindChild(id);
  if (existing !== undefined) return existing as secretsmanager.ISecret;
  const env = input.environment;
  return secretsmanager.Secret.fromSecretNameV2(
    stack,
    id,
    input.secretSources?.[name] ?? secretId(env.app, { environment: env.name }, name),
  );
}

/**
 * A service's or job's container settings: its command, prebuilt image, plain variables plus the
 * ones branch-env gives every service (docs/sample-service.md), its secrets as ECS secrets and the
 * database credentials. The secrets are imported into `stack`, so their ids stay stack-level.
 */
export function workloadSettings(
  stack: Stack,
  input: ApplicationServiceInput,
  unit: Pick<ResolvedService | ResolvedJob, 'command' | 'secrets' | 'source' | 'environment'>,
): WorkloadSettings {
  const env = input.environment;
  const { database } = input;
  return {
    command: unit.command,
    secrets: Object.fromEntries(
      unit.secrets.map((name) => [name, importedSecret(stack, input, name)]),
    ),
    prebuiltImage: unit.source.kind === 'image' ? unit.source.image : undefined,
    environment: {
      ...unit.environment,
      BRANCH_ENV_APP: env.app,
      BRANCH_ENV_ENVIRONMENT: env.name,
      BRANCH_ENV_BRANCH: env.branch,
      BRANCH_ENV_COMMIT: input.commit ?? 'unknown',
      BRANCH_ENV_PROFILE: env.profile.name,
      // Service discovery falls back to the baseline's service URLs (docs/service-discovery.md).
      ...(env.baseline !== undefined ? { BRANCH_ENV_BASELINE: env.baseline } : {}),
      DATA_BUCKET: input.dataBucket.bucketName,
      // The service keeps its data in memory when the profile has no database.
      DATABASE_ENGINE: database.engine === 'none' ? 'memory' : database.engine,
      ...(database.endpoint ? { DATABASE_ENDPOINT: database.endpoint } : {}),
      ...(database.databaseName ? { DATABASE_NAME: database.databaseName } : {}),
    },
    databaseSecret: database.secret,
  };
}

/**
 * What the application's service (the one that owns the load balancer) takes from the config and
 * the environment, the same for a dedicated and a shared environment stack: its port and health
 * check, its container settings ({@link workloadSettings}) and the database sidecar.
 */
export function applicationServiceProps(
  stack: Stack,
  input: ApplicationServiceInput,
): Pick<
  ServiceProps,
  | 'port'
  | 'healthCheckPath'
  | 'healthCheckGracePeriodSeconds'
  | 'command'
  | 'secrets'
  | 'prebuiltImage'
  | 'environment'
  | 'databaseSecret'
  | 'sidecar'
  | 'containerName'
  | 'task'
> {
  const app = applicationOf(input.environment);
  return {
    ...workloadSettings(stack, input, app),
    port: app.port,
    healthCheckPath: app.healthCheck?.path,
    healthCheckGracePeriodSeconds: app.healthCheck?.gracePeriodSeconds,
    containerName: app.name,
    task: app.task,
    sidecar: input.database.sidecar,
  };
}
