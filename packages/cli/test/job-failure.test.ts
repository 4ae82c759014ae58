import type { StackEvent } from '@aws-sdk/client-cloudformation';
import { JOB_RUN_RESOURCE_TYPE, jobRunFailureReason, UserError } from '@branch-env/core';
import { describe, expect, it } from 'vitest';
import { jobFailureOf } from '../src/private/lifecycle/job-failure.js';

// Reading a failed job out of the stack events of a failed deploy (docs/services.md#jobs).

const env = { name: 'feature-a' };
const T0 = new Date('2026-12-06T10:00:00Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

function jobEvent(status: string, seconds: number, reason?: string, type = JOB_RUN_RESOURCE_TYPE) {
  return {
    LogicalResourceId: 'ServicesJobRunsRunmigrate2ECF261D',
    ResourceType: type,
    ResourceStatus: status,
    ResourceStatusReason: reason,
    Timestamp: at(seconds),
  } satisfies StackEvent;
}

const wrapped = (reason: string) =>
  `Received response status [FAILED] from custom resource. Message returned: ${reason} (RequestId: 77)`;

const migrateFailed = jobRunFailureReason({
  job: 'migrate',
  failure: { kind: 'exited', exitCode: 1, reason: 'Essential container in task exited' },
  logGroup: '/shop/feature-a/job/migrate',
  logStream: 'migrate/migrate/abc',
  logLines: ['boom'],
});

describe('jobFailureOf', () => {
  it('says the job, its exit code, its log lines and the fix', () => {
    const error = jobFailureOf(
      [jobEvent('UPDATE_FAILED', 30, wrapped(migrateFailed)), jobEvent('UPDATE_IN_PROGRESS', 5)],
      env,
      T0,
    );
    expect(error).toBeInstanceOf(UserError);
    expect(error?.message).toBe(
      "job 'migrate' of feature-a failed with exit code 1: Essential container in task exited; the deploy was rolled back and the previous release still serves. Last log lines (/shop/feature-a/job/migrate migrate/migrate/abc):\n  | boom",
    );
    expect(error?.fix).toMatch(/jobs\.migrate\.command/);
  });

  it('gives the timeout fix for a job that ran too long', () => {
    const reason = jobRunFailureReason({
      job: 'seed',
      failure: { kind: 'timed-out', minutes: 10 },
      logGroup: '/shop/feature-a/job/seed',
      logStream: 'seed/seed/abc',
      logLines: [],
    });
    const error = jobFailureOf([jobEvent('CREATE_FAILED', 30, wrapped(reason))], env, T0);
    expect(error?.message).toContain('(no log lines)');
    expect(error?.fix).toMatch(/jobs\.seed\.timeoutMinutes \(at most 14\)/);
  });

  it("ignores an earlier deploy's failure, other resources and cancelled runs", () => {
    expect(jobFailureOf([jobEvent('UPDATE_FAILED', -600, wrapped(migrateFailed))], env, T0)).toBe(
      undefined,
    );
    expect(
      jobFailureOf(
        [jobEvent('UPDATE_FAILED', 30, wrapped(migrateFailed), 'AWS::ECS::Service')],
        env,
        T0,
      ),
    ).toBeUndefined();
    expect(
      jobFailureOf([jobEvent('UPDATE_FAILED', 30, 'Resource update cancelled')], env, T0),
    ).toBeUndefined();
  });
});
