import { describe, expect, it } from 'vitest';
import {
  JOB_LOG_LINES,
  jobRunFailureReason,
  parseJobRunFailure,
  type JobRunFailure,
} from '../src/index.js';

const failed: JobRunFailure = {
  job: 'migrate',
  failure: { kind: 'exited', exitCode: 3, reason: 'Essential container in task exited' },
  logGroup: '/shop/feature-a/job/migrate',
  logStream: 'migrate/migrate/0123abcd',
  logLines: ['connecting', 'relation "users" already exists'],
};

/** What CloudFormation makes of a custom resource's FAILED reason in its stack events. */
const asEvent = (reason: string) =>
  `Received response status [FAILED] from custom resource. Message returned: ${reason} (RequestId: 4d5e-77)`;

describe('the failure reason of a job run (handler -> stack event -> deploy)', () => {
  it('says the job, the exit code, the reason, where its log is and its last lines', () => {
    expect(jobRunFailureReason(failed)).toBe(
      'branch-env job \'migrate\' failed with exit code 3: Essential container in task exited. Last log lines [/shop/feature-a/job/migrate migrate/migrate/0123abcd]:\n| connecting\n| relation "users" already exists',
    );
  });

  it('reads back what it wrote, from the stack event CloudFormation records', () => {
    expect(parseJobRunFailure(asEvent(jobRunFailureReason(failed)))).toEqual({
      job: 'migrate',
      what: 'failed with exit code 3: Essential container in task exited',
      timedOut: false,
      where: '/shop/feature-a/job/migrate migrate/migrate/0123abcd',
      logLines: ['connecting', 'relation "users" already exists'],
    });
  });

  it('still reads the lines of a reason whose line breaks were flattened to spaces', () => {
    const flattened = jobRunFailureReason(failed).replace(/\n/g, ' ');
    expect(parseJobRunFailure(asEvent(flattened))?.logLines).toEqual([
      'connecting',
      'relation "users" already exists',
    ]);
  });

  it('keeps only the last lines, and says so', () => {
    const many = { ...failed, logLines: Array.from({ length: 50 }, (_, i) => `line ${i}`) };
    const reason = jobRunFailureReason(many);
    expect(reason).toContain(`(the last ${JOB_LOG_LINES} of 50)`);
    const parsed = parseJobRunFailure(reason);
    expect(parsed?.logLines).toHaveLength(JOB_LOG_LINES);
    expect(parsed?.logLines.at(-1)).toBe('line 49');
    expect(parsed?.logLines[0]).toBe('line 20');
    expect(parseJobRunFailure(jobRunFailureReason(many, 0))?.logLines).toEqual([]);
    expect(jobRunFailureReason(many, 0)).toContain('(50 not shown)');
  });

  it('reads a timeout and a task that never started', () => {
    const timedOut = parseJobRunFailure(
      asEvent(
        jobRunFailureReason({
          ...failed,
          failure: { kind: 'timed-out', minutes: 10 },
          logLines: [],
        }),
      ),
    );
    expect(timedOut).toMatchObject({
      timedOut: true,
      what: 'ran past its timeout of 10 minute(s) and was stopped',
      logLines: [],
    });
    const notStarted = parseJobRunFailure(
      jobRunFailureReason({
        ...failed,
        logStream: undefined,
        failure: { kind: 'not-started', reason: 'RESOURCE:MEMORY' },
        logLines: [],
      }),
    );
    expect(notStarted).toMatchObject({
      what: 'could not start: RESOURCE:MEMORY',
      where: '/shop/feature-a/job/migrate',
      timedOut: false,
    });
  });

  it('is not fooled by other reasons', () => {
    expect(parseJobRunFailure('Resource creation cancelled')).toBeUndefined();
    expect(parseJobRunFailure("branch-env job 'x' whatever")).toBeUndefined();
  });
});
