import {
  branchArgument,
  destroyCommand,
  shellCommand,
  UserError,
  type ResolvedEnvironment,
} from '@branch-env/core';
import type { AwsClients } from '../aws/clients.js';
import {
  completedOnce,
  deleteStack,
  describeStack,
  stackEvents,
  waitForStable,
} from '../aws/cloudformation.js';
import type { Io } from '../io.js';
import { withPlacementWatchdog, type PlacementWatchOptions } from './placement-watch.js';

/** Statuses only a first create that failed can leave (CloudFormation stack status reference). */
export const FAILED_CREATE_STATUSES: ReadonlySet<string> = new Set([
  'CREATE_FAILED',
  'ROLLBACK_COMPLETE',
  'ROLLBACK_FAILED',
]);

/** What `deploy` does with one stack before the toolkit runs. */
export type StackAction =
  | { readonly kind: 'create' }
  | { readonly kind: 'update' }
  | { readonly kind: 'recreate'; readonly why: string }
  | { readonly kind: 'refuse'; readonly error: UserError };

/**
 * The decision for one settled stack: a stack that never completed a create holds nothing worth
 * keeping (its resources are rolled back or half-made), whether the environment is protected or
 * not, so it is deleted and created again; a DELETE_FAILED stack that once completed is a destroy
 * to finish. Pure.
 */
export function stackAction(
  stack: string,
  status: string | undefined,
  everCompleted: boolean,
  env: { readonly branch: string; readonly name: string },
): StackAction {
  if (status === undefined || status === 'REVIEW_IN_PROGRESS') return { kind: 'create' };
  if (FAILED_CREATE_STATUSES.has(status))
    return { kind: 'recreate', why: `${status}: its first create failed` };
  if (status === 'DELETE_FAILED') {
    return everCompleted
      ? {
          kind: 'refuse',
          error: new UserError(
            `stack ${stack} is DELETE_FAILED from an earlier destroy`,
            `finish the destroy first: ${destroyCommand({ branch: env.branch, environment: env.name })}`,
          ),
        }
      : { kind: 'recreate', why: 'DELETE_FAILED, and it never completed a create' };
  }
  return { kind: 'update' };
}

interface PreparedStacks {
  /** The environment stack does not exist (anymore): create it with protection off. */
  readonly firstCreate: boolean;
  /** Stacks deleted because they never completed. */
  readonly recreated: readonly string[];
}

/**
 * Before a deploy: wait for every stack of the environment to settle, delete the ones that never
 * completed a create (termination protection off first: it is what wedged them), and say whether
 * this is the environment's first create.
 */
async function prepareStacks(
  aws: AwsClients,
  env: Pick<ResolvedEnvironment, 'stacks' | 'branch' | 'name'>,
  io: Io,
): Promise<PreparedStacks> {
  const names = [env.stacks.certificate, env.stacks.main].filter(
    (n): n is string => n !== undefined,
  );
  const recreated: string[] = [];
  let mainExists = false;
  for (const name of names) {
    const status = await waitForStable(aws, name, {
      onStatus: (s) => s.endsWith('_IN_PROGRESS') && io.err(`waiting: ${name} is ${s}\n`),
    });
    const stack = status === undefined ? undefined : await describeStack(aws, name);
    const everCompleted =
      status === 'DELETE_FAILED' && stack?.StackId
        ? completedOnce(await stackEvents(aws, stack.StackId))
        : true;
    const action = stackAction(name, status, everCompleted, env);
    if (action.kind === 'refuse') throw action.error;
    if (action.kind === 'recreate') {
      io.err(
        `${name} is ${action.why}; it holds nothing worth keeping: deleting it (termination protection off first) and creating it again\n`,
      );
      const result = await deleteStack(aws, name, {
        disableTerminationProtection: true,
        rerun: shellCommand(['branch-env', 'deploy', branchArgument(env.branch)]),
      });
      if (result.failures.length > 0) {
        const lines = result.failures.map(
          (f) => `${f.logicalId} (${f.type}${f.physicalId ? ` ${f.physicalId}` : ''}): ${f.reason}`,
        );
        const protectedCluster = result.failures.find((f) => /deletion protection/i.test(f.reason));
        throw new UserError(
          `${name} never completed and could not be deleted: ${lines.join('; ')}`,
          protectedCluster
            ? `turn off the cluster's deletion protection (${shellCommand([
                'aws',
                protectedCluster.type.startsWith('AWS::DocDB') ? 'docdb' : 'rds',
                'modify-db-cluster',
                '--db-cluster-identifier',
                protectedCluster.physicalId ?? '<id>',
                '--no-deletion-protection',
                '--apply-immediately',
              ])}), then deploy again`
            : 'fix what the reasons name, then deploy again (`branch-env destroy` removes the whole environment)',
        );
      }
      recreated.push(name);
    } else if (name === env.stacks.main) {
      mainExists = action.kind === 'update';
    }
  }
  return { firstCreate: !mainExists, recreated };
}

/** Deploys the environment's stacks (the CDK toolkit in `deploy`; a fake in tests). */
export type StackDeployer<T> = (options: { readonly firstCreate: boolean }) => Promise<T>;

/**
 * Deploy so that a failure can be recovered by deploying again: stacks that never completed are
 * deleted and created again; a first create runs with termination and deletion protection off; a
 * protected environment gets its protection from a second deploy once the create succeeded; a
 * deploy whose ECS tasks cannot be placed or started fails in minutes with the reason and the fix
 * (the placement watchdog, `watch`; `false` turns it off). Returns what the last deploy returned.
 */
export async function deployWithRecovery<T>(
  aws: AwsClients,
  env: Pick<ResolvedEnvironment, 'stacks' | 'branch' | 'name' | 'protected' | 'profile'>,
  io: Io,
  deployStacks: StackDeployer<T>,
  watch: PlacementWatchOptions | false = {},
): Promise<{
  readonly result: T;
  readonly firstCreate: boolean;
  readonly recreated: readonly string[];
}> {
  const { firstCreate, recreated } = await prepareStacks(aws, env, io);
  if (watch) deployStacks = withPlacementWatchdog(aws, env, io, deployStacks, watch);
  if (firstCreate)
    io.err(
      `creating ${env.name}${env.protected ? ' (protection is turned on once it exists)' : ''}\n`,
    );
  let result = await deployStacks({ firstCreate });
  if (firstCreate && env.protected) {
    io.err(
      `${env.name} exists: turning on termination protection and database deletion protection\n`,
    );
    result = await deployStacks({ firstCreate: false });
  }
  return { result, firstCreate, recreated };
}
