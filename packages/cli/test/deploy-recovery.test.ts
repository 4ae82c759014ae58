import { DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import {
  loadConfig,
  resolveEnvironment,
  UserError,
  type ResolvedEnvironment,
} from '@branch-env/core';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { deleteStack } from '../src/private/aws/cloudformation.js';
import {
  deployWithRecovery,
  stackAction,
  type StackDeployer,
} from '../src/private/lifecycle/prepare-stacks.js';
import { recordingIo, testClients } from './helpers/aws-clients.js';
import { FakeCloudFormation } from './helpers/fake-cloudformation.js';

// `deploy` through the failures a first real account produces, against a stateful fake
// CloudFormation and a fake toolkit that behaves like toolkit-lib's deployStack: it deletes a
// stack that failed creation before re-creating it (deploy-stack.js), and sets termination
// protection from the synthesized stack.
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const { config } = loadConfig(join(ROOT, 'branch-env.config.json'), ROOT);
const sandbox = resolveEnvironment('sandbox', config); // protected, full: certificate + main stack
const preview = resolveEnvironment('feature/new-login', config);
const MAIN = sandbox.stacks.main;
const CERT = sandbox.stacks.certificate!;

const cfn = new FakeCloudFormation();
const aws = testClients();
beforeEach(() => cfn.reset());

/** Real AWS / toolkit messages quoted in the tests. */
const LOG_GROUP_EXISTS = `Resource handler returned message: "Resource of type 'AWS::Logs::LogGroup' with identifier '/branch-env-demo/sandbox/service/api' already exists." (RequestToken: 1, HandlerErrorCode: AlreadyExists)`;
const DOCDB_PROTECTED =
  'Cannot delete protected Cluster, please disable deletion protection and try again.';

/**
 * A toolkit stand-in: creates or updates each stack (certificate first); `failCreate` makes the
 * main stack's create roll back the way CloudFormation does, and throws toolkit-lib's message.
 */
function fakeToolkit(
  env: ResolvedEnvironment,
  options: { failCreate?: string } = {},
): StackDeployer<string[]> & { calls: { firstCreate: boolean }[] } {
  const calls: { firstCreate: boolean }[] = [];
  const deploy = async ({ firstCreate }: { firstCreate: boolean }) => {
    calls.push({ firstCreate });
    const protect = env.protected && !firstCreate;
    const names = [env.stacks.certificate, env.stacks.main].filter((n): n is string => !!n);
    for (const name of names) {
      const existing = cfn.live(name);
      if (existing && /^(ROLLBACK_COMPLETE|ROLLBACK_FAILED|CREATE_FAILED)$/.test(existing.status)) {
        // toolkit-lib deploy-stack.js: "Found existing stack … that had previously failed creation.
        // Deleting it before attempting to re-create it."
        await aws.cloudformation.send(new DeleteStackCommand({ StackName: existing.id }));
      }
      if (!cfn.live(name) && name === env.stacks.main && options.failCreate) {
        const s = cfn.add(name, 'ROLLBACK_COMPLETE', {
          terminationProtection: protect,
          reason: `The following resource(s) failed to create: [ServiceLogGroup]. ${options.failCreate}`,
        });
        throw new Error(
          `The stack named ${s.name} failed creation, it may need to be manually deleted from the AWS console: ROLLBACK_COMPLETE: ${options.failCreate}`,
        );
      }
      const s = cfn.live(name) ?? cfn.add(name, 'CREATE_COMPLETE');
      if (s.status !== 'CREATE_COMPLETE') s.status = 'UPDATE_COMPLETE';
      s.terminationProtection = protect;
    }
    return names;
  };
  return Object.assign(deploy, { calls });
}

describe('stackAction (pure)', () => {
  it.each([
    [undefined, true, 'create'],
    ['REVIEW_IN_PROGRESS', true, 'create'],
    ['CREATE_COMPLETE', true, 'update'],
    ['UPDATE_ROLLBACK_COMPLETE', true, 'update'],
    ['ROLLBACK_COMPLETE', false, 'recreate'],
    ['ROLLBACK_FAILED', false, 'recreate'],
    ['CREATE_FAILED', false, 'recreate'],
    ['DELETE_FAILED', false, 'recreate'],
    ['DELETE_FAILED', true, 'refuse'],
  ] as const)('%s (completed once: %s) -> %s', (status, completed, kind) => {
    expect(stackAction('s', status, completed, { branch: 'b', name: 'b' }).kind).toBe(kind);
  });
});

describe('deploy of a protected environment', () => {
  it('first create: protection off while creating, on (second deploy) once it exists', async () => {
    const io = recordingIo();
    const toolkit = fakeToolkit(sandbox);
    const out = await deployWithRecovery(aws, sandbox, io, toolkit);
    expect(out.firstCreate).toBe(true);
    expect(toolkit.calls).toEqual([{ firstCreate: true }, { firstCreate: false }]);
    expect(cfn.live(MAIN)?.terminationProtection).toBe(true);
    expect(cfn.live(CERT)?.terminationProtection).toBe(true);
    expect(io.stderr()).toContain(
      'turning on termination protection and database deletion protection',
    );
  });

  it('an existing environment: one deploy, protection stays on', async () => {
    cfn.add(CERT, 'CREATE_COMPLETE', { terminationProtection: true });
    cfn.add(MAIN, 'UPDATE_COMPLETE', { terminationProtection: true });
    const toolkit = fakeToolkit(sandbox);
    const out = await deployWithRecovery(aws, sandbox, recordingIo(), toolkit);
    expect(out.firstCreate).toBe(false);
    expect(toolkit.calls).toEqual([{ firstCreate: false }]);
    expect(cfn.live(MAIN)?.terminationProtection).toBe(true);
  });

  it('a failed first create leaves an unprotected ROLLBACK_COMPLETE stack; the next deploy recreates it', async () => {
    const failing = fakeToolkit(sandbox, { failCreate: LOG_GROUP_EXISTS });
    await expect(deployWithRecovery(aws, sandbox, recordingIo(), failing)).rejects.toThrow(
      /failed creation.*ROLLBACK_COMPLETE.*already exists/,
    );
    expect(cfn.live(MAIN)).toMatchObject({
      status: 'ROLLBACK_COMPLETE',
      terminationProtection: false,
    });

    const io = recordingIo();
    const toolkit = fakeToolkit(sandbox);
    const out = await deployWithRecovery(aws, sandbox, io, toolkit);
    expect(out.recreated).toEqual([MAIN]);
    expect(io.stderr()).toContain(
      `${MAIN} is ROLLBACK_COMPLETE: its first create failed; it holds nothing worth keeping: deleting it`,
    );
    expect(cfn.live(MAIN)).toMatchObject({
      status: 'CREATE_COMPLETE',
      terminationProtection: true,
    });
  });

  it('a stack wedged by the old order (ROLLBACK_COMPLETE with termination protection on): protection off, deleted, created', async () => {
    // What toolkit-lib alone does with it: DeleteStack is refused, every later deploy fails.
    const wedged = cfn.add(MAIN, 'ROLLBACK_COMPLETE', { terminationProtection: true });
    const alone = fakeToolkit(sandbox);
    await expect(alone({ firstCreate: true })).rejects.toThrow(
      `Stack [${MAIN}] cannot be deleted while TerminationProtection is enabled`,
    );

    const toolkit = fakeToolkit(sandbox);
    await deployWithRecovery(aws, sandbox, recordingIo(), toolkit);
    expect(cfn.calls).toContain(`UpdateTerminationProtection ${wedged.id} false`);
    expect(cfn.live(MAIN)).toMatchObject({
      status: 'CREATE_COMPLETE',
      terminationProtection: true,
    });
  });

  it('ROLLBACK_FAILED on a DocumentDB cluster with deletion protection: fails fast with the command that unblocks it', async () => {
    const s = cfn.add(MAIN, 'ROLLBACK_FAILED', { terminationProtection: true });
    s.deleteFailures.push([
      {
        type: 'AWS::DocDB::DBCluster',
        physicalId: 'branch-env-demo-sandbox',
        reason: DOCDB_PROTECTED,
      },
    ]);
    const toolkit = fakeToolkit(sandbox);
    const error = await deployWithRecovery(aws, sandbox, recordingIo(), toolkit).catch((e) => e);
    expect(error).toBeInstanceOf(UserError);
    expect(error.message).toContain(DOCDB_PROTECTED);
    expect(error.fix).toBe(
      "turn off the cluster's deletion protection (aws docdb modify-db-cluster --db-cluster-identifier branch-env-demo-sandbox --no-deletion-protection --apply-immediately), then deploy again",
    );
    expect(toolkit.calls).toEqual([]);
  });

  it('DELETE_FAILED of a stack that never completed is recreated; one that did is a destroy to finish', async () => {
    cfn.add(MAIN, 'DELETE_FAILED', { completed: false });
    await deployWithRecovery(aws, sandbox, recordingIo(), fakeToolkit(sandbox));
    expect(cfn.live(MAIN)?.status).toBe('CREATE_COMPLETE');

    cfn.reset();
    cfn.add(MAIN, 'DELETE_FAILED', { completed: true });
    const toolkit = fakeToolkit(sandbox);
    await expect(deployWithRecovery(aws, sandbox, recordingIo(), toolkit)).rejects.toThrow(
      `stack ${MAIN} is DELETE_FAILED from an earlier destroy`,
    );
    expect(toolkit.calls).toEqual([]);
  });
});

describe('deploy of an unprotected environment', () => {
  it('a failed first create is recreated on the next deploy; no protection step', async () => {
    const main = preview.stacks.main;
    cfn.add(main, 'ROLLBACK_COMPLETE');
    const toolkit = fakeToolkit(preview);
    const out = await deployWithRecovery(aws, preview, recordingIo(), toolkit);
    expect(out).toMatchObject({ firstCreate: true, recreated: [main] });
    expect(toolkit.calls).toEqual([{ firstCreate: true }]);
    expect(cfn.live(main)).toMatchObject({
      status: 'CREATE_COMPLETE',
      terminationProtection: false,
    });
  });
});

describe('destroy: a certificate still in use by what the delete just removed', () => {
  const IN_USE = `Resource handler returned message: "Certificate arn:aws:acm:us-east-1:111111111111:certificate/abc is in use. (Service: Acm, Status Code: 400, Request ID: 1)" (HandlerErrorCode: ResourceConflict)`;

  it('retries with back-off and succeeds once ACM lets go (aws-cdk#4179)', async () => {
    const s = cfn.add(MAIN, 'UPDATE_COMPLETE');
    const cert = {
      type: 'AWS::CertificateManager::Certificate',
      physicalId: 'arn:cert',
      reason: IN_USE,
    };
    s.deleteFailures.push([cert], [cert]);
    const waits: number[] = [];
    const slept = {
      ...aws,
      retry: { ...aws.retry, sleep: async (ms: number) => void waits.push(ms) },
    };
    const result = await deleteStack(slept, MAIN, {});
    expect(result.failures).toEqual([]);
    expect(waits).toEqual([30_000, 60_000]);
  });

  it('gives up after the bounded retries and reports the reason', async () => {
    const s = cfn.add(MAIN, 'UPDATE_COMPLETE');
    const cert = {
      type: 'AWS::CertificateManager::Certificate',
      physicalId: 'arn:cert',
      reason: IN_USE,
    };
    s.deleteFailures.push([cert], [cert], [cert], [cert], [cert]);
    const result = await deleteStack(aws, MAIN, { inUseRetryMs: [1, 2] });
    expect(result.failures.map((f) => f.reason)).toEqual([IN_USE]);
    expect(cfn.calls.filter((c) => c.startsWith('DeleteStack'))).toHaveLength(3);
  });

  it('does not wait on other failures', async () => {
    const s = cfn.add(MAIN, 'UPDATE_COMPLETE');
    s.deleteFailures.push([
      {
        type: 'AWS::EC2::VPC',
        physicalId: 'vpc-1',
        reason: 'The vpc has dependencies and cannot be deleted.',
      },
    ]);
    const result = await deleteStack(aws, MAIN, { inUseRetryMs: [1] });
    expect(result.failures).toHaveLength(1);
    expect(cfn.calls.filter((c) => c.startsWith('DeleteStack'))).toHaveLength(1);
  });
});
