import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { secretId, type ResolvedEnvironment } from '@branch-env/core';
import type { Stack } from 'aws-cdk-lib';
import type { Database } from '../database/database.js';
import type { ServiceProps } from './service.js';

/**
 * The application's service (checkEnvironment: exactly one, routed); the sample's when the config
 * declares none.
 */
export function applicationOf(env: ResolvedEnvironment): ResolvedEnvironment['services'][number] {
  const app = env.services[0];
  if (app === undefined) throw new Error('bug: an environment without a service');
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

/**
 * What the application's service takes from the config and the environment, the same for a
 * dedicated and a shared environment stack: its container settings (port, health check, command,
 * prebuilt image), its secrets as ECS secrets, and the variables branch-env gives every service
 * (docs/sample-service.md). The secrets are imported into `stack`, so their ids stay stack-level.
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
> {
  const env = input.environment;
  const { database } = input;
  const app = applicationOf(env);
  return {
    port: app.port,
    healthCheckPath: app.healthCheck?.path,
    healthCheckGracePeriodSeconds: app.healthCheck?.gracePeriodSeconds,
    command: app.command,
    secrets: Object.fromEntries(
      app.secrets.map((name) => [
        name,
        secretsmanager.Secret.fromSecretNameV2(
          stack,
          `Secret${name}`,
          input.secretSources?.[name] ?? secretId(env.app, { environment: env.name }, name),
        ),
      ]),
    ),
    prebuiltImage: app.source.kind === 'image' ? app.source.image : undefined,
    environment: {
      ...app.environment,
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
    sidecar: database.sidecar,
  };
}
