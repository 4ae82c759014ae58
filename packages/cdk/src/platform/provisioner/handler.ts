import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SharedDatabaseEngine } from '@branch-env/core';
import { provisionerAws, type ProvisionerAws } from './aws.js';
import {
  actionOf,
  checkSecret,
  enginesOf,
  Refusal,
  responseOf,
  targetOf,
  type CustomResourceEvent,
  type CustomResourceResponse,
  type ProvisionerSettings,
} from './decide.js';
import { logAndRespond } from '../../private/cfn-response.js';

/**
 * The platform's database provisioner: the Lambda behind `Custom::SharedDatabase` (outside the
 * VPC: it calls CloudFormation, Secrets Manager and the executor, and answers CloudFormation's
 * response URL). Bundled with esbuild at synth (shared-databases.ts); the AWS SDK is the runtime's.
 */
interface ClusterSettings {
  readonly host: string;
  readonly port: number;
  /** The master secret (`username`, `password`): only this function may read it. */
  readonly masterSecretArn: string;
}

export interface Settings extends ProvisionerSettings {
  readonly clusters: Readonly<Partial<Record<SharedDatabaseEngine, ClusterSettings>>>;
}

/** Decide and act on one request; every outcome, refusals included, is a response. */
export async function provision(
  event: CustomResourceEvent,
  settings: Settings,
  aws: ProvisionerAws,
): Promise<CustomResourceResponse> {
  try {
    const engine = event.ResourceProperties['Engine'];
    if (
      event.RequestType === 'Delete' &&
      !settings.engines.includes(engine as SharedDatabaseEngine)
    ) {
      // The platform no longer has that cluster: nothing left to drop, and the stack must delete.
      return responseOf(event, {
        ok: true,
        physicalResourceId: event.PhysicalResourceId ?? `none/${event.RequestId}`,
        reason: `the platform has no ${String(engine)} cluster: nothing to drop`,
      });
    }
    const stack = await aws.describeStack(event.StackId);
    const target = targetOf(event, stack, settings);
    const action = actionOf(event, target);
    if (action.kind === 'nothing') {
      return responseOf(event, {
        ok: true,
        physicalResourceId: action.physicalResourceId,
        reason: action.why,
      });
    }
    const cluster = settings.clusters[target.engine];
    if (cluster === undefined) throw new Refusal(`bug: no settings for ${target.engine}`);
    const master = await aws.credentials(cluster.masterSecretArn);
    let password: string | undefined;
    if (action.kind === 'create') {
      const secretArn = String(event.ResourceProperties['SecretArn']);
      checkSecret(event, await aws.describeSecret(secretArn));
      password = (await aws.credentials(secretArn)).password;
    }
    const result = await aws.execute({
      engine: target.engine,
      action: action.kind,
      host: cluster.host,
      port: cluster.port,
      master,
      target,
      ...(password === undefined ? {} : { password }),
    });
    return responseOf(event, {
      ok: true,
      physicalResourceId: target.physicalResourceId,
      target,
      reason: result.done.join('; '),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return responseOf(event, { ok: false, reason: message });
  }
}

/** The settings from the function's environment variables (set by the platform stack). */
export function settingsFrom(env: NodeJS.ProcessEnv): Settings {
  const engines = enginesOf(env['ENGINES']);
  const clusters: Partial<Record<SharedDatabaseEngine, ClusterSettings>> = {};
  for (const engine of engines) {
    const key = engine === 'documentdb' ? 'DOCUMENTDB' : 'AURORA_POSTGRES';
    clusters[engine] = {
      host: env[`${key}_HOST`] ?? '',
      port: Number(env[`${key}_PORT`]),
      masterSecretArn: env[`${key}_MASTER_SECRET_ARN`] ?? '',
    };
  }
  return { app: env['APP'] ?? '', engines, clusters };
}

export async function handler(event: CustomResourceEvent): Promise<void> {
  const region = process.env['AWS_REGION'];
  const aws = provisionerAws({
    cloudformation: new CloudFormationClient({ region }),
    secrets: new SecretsManagerClient({ region }),
    lambda: new LambdaClient({ region }),
    executor: process.env['EXECUTOR'] ?? '',
  });
  const response = await provision(event, settingsFrom(process.env), aws);
  await logAndRespond(event, response);
}
