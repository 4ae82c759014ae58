import { Tags, type Stack } from 'aws-cdk-lib';
import type * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type { ResolvedEnvironment } from '@branch-env/core';
import { ConfigBus } from '../config-bus/config-bus.js';
import { Observability } from '../observability/observability.js';
import { giveLambdasExplicitLogGroups } from '../private/explicit-log-groups.js';
import { physicalNames } from '../private/physical-names.js';
import { retentionOf } from '../private/removal.js';
import type { Service } from '../service/service.js';
import type { Storage } from '../storage/storage.js';

export interface EnvironmentTailProps {
  readonly environment: ResolvedEnvironment;
  /** The primary service (its load balancer is the environment's own, or none on the platform's). */
  readonly service: Service;
  /** Set for a dedicated environment: its own load balancer's alarms and widgets. */
  readonly loadBalancer?: elbv2.IApplicationLoadBalancer;
  /** Whether the primary service always runs a task (its minimum count). */
  readonly alwaysRunsTasks: boolean;
  readonly database: {
    readonly engine: string;
    readonly endpoint?: string | undefined;
    readonly secret?: secretsmanager.ISecret | undefined;
    readonly metrics: readonly cloudwatch.IMetric[];
  };
  readonly storage: Storage;
  readonly serviceUrl: string;
  /** Where the environment's images are: its own repository, or the platform's. */
  readonly ecrRepository: string;
}

/**
 * What every environment's main stack ends with, dedicated or shared: its alarms and dashboard,
 * its config-bus parameters, its tags, and explicit log groups for CDK's Lambdas. Called last in
 * the constructor, after everything it tags and observes exists.
 */
export function finishEnvironmentStack(
  stack: Stack,
  props: EnvironmentTailProps,
): { observability: Observability; configBus: ConfigBus } {
  const env = props.environment;
  const profile = env.profile;
  const names = physicalNames(env);
  const observability = new Observability(stack, 'Observability', {
    dashboardName: names.dashboard,
    environment: env.name,
    loadBalancer: props.loadBalancer,
    targetGroup: props.service.targetGroup,
    service: props.service.service,
    databaseMetrics: props.database.metrics,
    alwaysRunsTasks: props.alwaysRunsTasks,
  });
  const configBus = new ConfigBus(stack, 'ConfigBus', {
    prefix: env.ssmPrefix,
    values: {
      serviceUrl: props.serviceUrl,
      ecrRepository: props.ecrRepository,
      databaseEngine: props.database.engine,
      databaseEndpoint: props.database.endpoint ?? 'none',
      databaseSecretArn: props.database.secret?.secretArn ?? 'none',
      dataBucket: props.storage.dataBucket.bucketName,
      siteBucket: props.storage.siteBucket.bucketName,
      alarmTopicArn: observability.topic.topicArn,
      dashboardName: names.dashboard,
      profile: profile.name,
    },
  });
  for (const [key, value] of Object.entries(env.tags)) Tags.of(stack).add(key, value);
  giveLambdasExplicitLogGroups(stack, {
    retentionDays: profile.logRetentionDays,
    removalPolicy: retentionOf(env.protected).data,
  });
  return { observability, configBus };
}
