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
import type { RetryOptions } from './retry.js';

/** SDK v3 clients for one region, created on first use; credentials from the standard chain. */
export interface AwsClients {
  readonly region: string;
  readonly ssm: SSMClient;
  readonly cloudformation: CloudFormationClient;
  readonly s3: S3Client;
  readonly logs: CloudWatchLogsClient;
  readonly ecr: ECRClient;
  /** The placement watchdog: DescribeServices, ListTasks, DescribeTasks. */
  readonly ecs: ECSClient;
  readonly tagging: ResourceGroupsTaggingAPIClient;
  readonly sts: STSClient;
  readonly secretsManager: SecretsManagerClient;
  /** Applied quota values (deploy's capacity check). */
  readonly serviceQuotas: ServiceQuotasClient;
  /** Route 53 is global: any region's client reaches it. */
  readonly route53: Route53Client;
  /** Retry/wait tuning; tests shorten it. */
  readonly retry?: RetryOptions;
  /** Poll interval while waiting for CloudFormation. @default 5000 */
  readonly pollMs?: number;
}

const cache = new Map<string, AwsClients>();

/**
 * The SDK warns on Node 20 about releases after January 2027; branch-env pins its SDK and supports
 * Node >= 20.19, so the warning would only be noise in every command's output.
 */
export function quietSdkWarnings(): void {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
}

export function awsClients(region: string): AwsClients {
  quietSdkWarnings();
  const hit = cache.get(region);
  if (hit) return hit;
  const config = { region, maxAttempts: 4 };
  const made: Partial<Record<string, unknown>> = {};
  const lazy = <T>(key: string, create: () => T): T => (made[key] ??= create()) as T;
  const clients: AwsClients = {
    region,
    get ssm() {
      return lazy('ssm', () => new SSMClient(config));
    },
    get cloudformation() {
      return lazy('cfn', () => new CloudFormationClient(config));
    },
    get s3() {
      return lazy('s3', () => new S3Client(config));
    },
    get logs() {
      return lazy('logs', () => new CloudWatchLogsClient(config));
    },
    get ecr() {
      return lazy('ecr', () => new ECRClient(config));
    },
    get ecs() {
      return lazy('ecs', () => new ECSClient(config));
    },
    get tagging() {
      return lazy('tagging', () => new ResourceGroupsTaggingAPIClient(config));
    },
    get sts() {
      return lazy('sts', () => new STSClient(config));
    },
    get secretsManager() {
      return lazy('secretsmanager', () => new SecretsManagerClient(config));
    },
    get serviceQuotas() {
      return lazy('servicequotas', () => new ServiceQuotasClient(config));
    },
    get route53() {
      return lazy('route53', () => new Route53Client(config));
    },
  };
  cache.set(region, clients);
  return clients;
}
