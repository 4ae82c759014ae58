import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { ResourceGroupsTaggingAPIClient } from '@aws-sdk/client-resource-groups-tagging-api';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';
import type { AwsClients } from '../../src/private/aws/clients.js';
import type { Io } from '../../src/private/io.js';

/** Real SDK clients (fake keys, no network: aws-sdk-client-mock replaces `send`), no waiting. */
export function testClients(region = 'us-east-1'): AwsClients {
  const config = { region, credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test' } };
  return {
    region,
    ssm: new SSMClient(config),
    cloudformation: new CloudFormationClient(config),
    s3: new S3Client(config),
    logs: new CloudWatchLogsClient(config),
    ecr: new ECRClient(config),
    ecs: new ECSClient(config),
    tagging: new ResourceGroupsTaggingAPIClient(config),
    sts: new STSClient(config),
    secretsManager: new SecretsManagerClient(config),
    serviceQuotas: new ServiceQuotasClient(config),
    route53: new Route53Client(config),
    retry: { sleep: async () => {}, baseMs: 0 },
    pollMs: 0,
  };
}

/** An Io that records what a command writes. */
export function recordingIo(
  env: NodeJS.ProcessEnv = {},
): Io & { stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    cwd: process.cwd(),
    env,
    stdout: () => out,
    stderr: () => err,
  };
}

/** An AWS-style error (the SDK matches on `name`). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}
