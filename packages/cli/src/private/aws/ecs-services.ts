import {
  CancelUpdateStackCommand,
  DeleteStackCommand,
  paginateListStackResources,
} from '@aws-sdk/client-cloudformation';
import {
  DescribeServicesCommand,
  DescribeTasksCommand,
  ECSClient,
  ListTasksCommand,
  type Service,
  type Task,
} from '@aws-sdk/client-ecs';
import type { ServiceObservation } from '../placement-watchdog.js';
import type { AwsClients } from './clients.js';
import { describeStack } from './cloudformation.js';
import { withRetry } from './retry.js';

/** An ECS client for the environment's region (the watchdog's only ECS use). */
export function ecsClient(aws: AwsClients): ECSClient {
  return new ECSClient({ region: aws.region, maxAttempts: 4 });
}

/**
 * ARNs of the stack's ECS services that CloudFormation is creating or updating now (their
 * physical id is the service ARN `arn:aws:ecs:<region>:<account>:service/<cluster>/<name>`).
 */
export async function servicesInProgress(aws: AwsClients, stack: string): Promise<string[]> {
  const arns: string[] = [];
  try {
    for await (const page of paginateListStackResources(
      { client: aws.cloudformation },
      { StackName: stack },
    ))
      for (const r of page.StackResourceSummaries ?? [])
        if (
          r.ResourceType === 'AWS::ECS::Service' &&
          r.PhysicalResourceId?.startsWith('arn:') &&
          r.ResourceStatus?.endsWith('_IN_PROGRESS')
        )
          arns.push(r.PhysicalResourceId);
  } catch (error) {
    // Not created yet (the change set is being made): nothing to watch.
    if ((error as Error).name === 'ValidationError' && /does not exist/.test(`${error}`)) return [];
    throw error;
  }
  return arns;
}

/** The cluster of a service ARN (long ARN format), or undefined for the old short format. */
export function clusterOf(serviceArn: string): string | undefined {
  const parts = serviceArn.split(':').at(-1)?.split('/') ?? [];
  return parts.length === 3 ? parts[1] : undefined;
}

function observation(s: Service, stopped: readonly Task[]): ServiceObservation {
  const primary = s.deployments?.find((d) => d.status === 'PRIMARY');
  return {
    service: s.serviceName ?? s.serviceArn ?? '?',
    capacityProviders: [
      ...(s.capacityProviderStrategy ?? []).map((c) => c.capacityProvider ?? ''),
      ...(primary?.capacityProviderStrategy ?? []).map((c) => c.capacityProvider ?? ''),
    ].filter(Boolean),
    events: (s.events ?? []).map((e) => ({
      createdAt: e.createdAt ?? new Date(0),
      message: e.message ?? '',
    })),
    primary: primary && {
      createdAt: primary.createdAt ?? new Date(0),
      desiredCount: primary.desiredCount ?? 0,
      runningCount: primary.runningCount ?? 0,
      failedTasks: primary.failedTasks ?? 0,
      rolloutState: primary.rolloutState,
    },
    stoppedTasks: stopped.map((t) => ({
      stoppedAt: t.stoppedAt ?? t.createdAt ?? new Date(0),
      stoppedReason: t.stoppedReason,
      stopCode: t.stopCode,
      capacityProvider: t.capacityProviderName,
      availabilityZone: t.availabilityZone,
      containerReasons: (t.containers ?? []).map((c) => c.reason ?? '').filter(Boolean),
    })),
  };
}

/**
 * What ECS says about these services now: DescribeServices (events, deployments) and the
 * recently stopped tasks of each (ListTasks desiredStatus=STOPPED, DescribeTasks), which hold the
 * reasons (SpotInterruption, CannotPullContainerError, ResourceInitializationError).
 */
export async function observeServices(
  aws: AwsClients,
  ecs: ECSClient,
  serviceArns: readonly string[],
): Promise<ServiceObservation[]> {
  const byCluster = new Map<string, string[]>();
  for (const arn of serviceArns) {
    const cluster = clusterOf(arn);
    if (cluster) byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), arn]);
  }
  const out: ServiceObservation[] = [];
  for (const [cluster, arns] of byCluster) {
    for (let i = 0; i < arns.length; i += 10) {
      const { services = [] } = await withRetry(
        () => ecs.send(new DescribeServicesCommand({ cluster, services: arns.slice(i, i + 10) })),
        aws.retry,
      );
      for (const s of services) {
        const { taskArns = [] } = await withRetry(
          () =>
            ecs.send(
              new ListTasksCommand({
                cluster,
                serviceName: s.serviceName,
                desiredStatus: 'STOPPED',
                maxResults: 20,
              }),
            ),
          aws.retry,
        );
        const stopped =
          taskArns.length === 0
            ? []
            : ((
                await withRetry(
                  () => ecs.send(new DescribeTasksCommand({ cluster, tasks: taskArns })),
                  aws.retry,
                )
              ).tasks ?? []);
        out.push(observation(s, stopped));
      }
    }
  }
  return out;
}

/**
 * Stop a stack operation the watchdog gave up on: an update is cancelled (CloudFormation rolls back
 * to the last working template); a first create is deleted (it never completed: the next deploy
 * creates it again). Says what it did; does nothing to a stack that is not in progress.
 */
export async function stopStackOperation(aws: AwsClients, stack: string): Promise<string> {
  const status = (await describeStack(aws, stack))?.StackStatus;
  if (status === 'UPDATE_IN_PROGRESS') {
    await aws.cloudformation.send(new CancelUpdateStackCommand({ StackName: stack }));
    return `cancelled the update of ${stack} (CloudFormation rolls it back to the last deployed version)`;
  }
  if (status === 'CREATE_IN_PROGRESS') {
    await aws.cloudformation.send(new DeleteStackCommand({ StackName: stack }));
    return `deleted ${stack}, whose first create cannot complete (the next deploy creates it again)`;
  }
  return `left ${stack} as it is (${status ?? 'gone'})`;
}
