import { describe, expect, it } from 'vitest';
import { measureStack, modelResourceMinutes, type StackEventLike } from '../src/index.js';

const STACK = 'branch-env-demo-feature-x';
const at = (mmss: string) => new Date(`2026-12-01T10:${mmss}Z`);
const ev = (
  logicalId: string,
  type: string,
  status: string,
  mmss: string,
  extra: Partial<StackEventLike> = {},
): StackEventLike => ({
  StackName: STACK,
  LogicalResourceId: logicalId,
  ResourceType: type,
  ResourceStatus: status,
  Timestamp: at(mmss),
  ...extra,
});
const self = (status: string, mmss: string) =>
  ev(STACK, 'AWS::CloudFormation::Stack', status, mmss);

// An earlier successful update, then the latest update, which fails on a nested stack and rolls
// back. Listed newest first, as DescribeStackEvents returns them.
const EARLIER = [
  self('UPDATE_IN_PROGRESS', '00:00'),
  ev('Vpc', 'AWS::EC2::VPC', 'UPDATE_IN_PROGRESS', '00:05'),
  ev('Vpc', 'AWS::EC2::VPC', 'UPDATE_COMPLETE', '00:20'),
  self('UPDATE_COMPLETE_CLEANUP_IN_PROGRESS', '00:25'),
  self('UPDATE_COMPLETE', '00:30'),
];
const LATEST = [
  self('UPDATE_IN_PROGRESS', '10:00'),
  ev('Alb', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'UPDATE_IN_PROGRESS', '10:05'),
  ev('Db', 'AWS::DocDB::DBCluster', 'CREATE_IN_PROGRESS', '10:05'),
  ev('Db', 'AWS::DocDB::DBCluster', 'CREATE_IN_PROGRESS', '10:06', {
    ResourceStatusReason: 'Resource creation Initiated',
  }),
  ev('Nested', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', '10:06'),
  // The nested stack's own events carry its own StackName: not the parent's resources.
  {
    StackName: `${STACK}-Nested-ABC`,
    LogicalResourceId: 'Queue',
    ResourceType: 'AWS::SQS::Queue',
    ResourceStatus: 'CREATE_FAILED',
    Timestamp: at('12:00'),
  },
  ev('Alb', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'UPDATE_COMPLETE', '12:41'),
  ev('Nested', 'AWS::CloudFormation::Stack', 'CREATE_FAILED', '13:06', {
    ResourceStatusReason: 'Embedded stack was not successfully created',
  }),
  ev('Db', 'AWS::DocDB::DBCluster', 'CREATE_FAILED', '13:07', {
    ResourceStatusReason: 'Resource creation cancelled',
  }),
  self('UPDATE_ROLLBACK_IN_PROGRESS', '13:08'),
  ev('Alb', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'UPDATE_IN_PROGRESS', '13:10'),
  ev('Alb', 'AWS::ElasticLoadBalancingV2::LoadBalancer', 'UPDATE_COMPLETE', '13:40'),
  self('UPDATE_ROLLBACK_COMPLETE_CLEANUP_IN_PROGRESS', '13:45'),
  ev('Nested', 'AWS::CloudFormation::Stack', 'DELETE_IN_PROGRESS', '13:46'),
  ev('Db', 'AWS::DocDB::DBCluster', 'DELETE_IN_PROGRESS', '13:46'),
  ev('Db', 'AWS::DocDB::DBCluster', 'DELETE_COMPLETE', '19:46'),
  ev('Nested', 'AWS::CloudFormation::Stack', 'DELETE_COMPLETE', '14:30'),
  self('UPDATE_ROLLBACK_COMPLETE', '20:00'),
];
const EVENTS = [...EARLIER, ...LATEST].reverse();

describe('measureStack', () => {
  it('measures the latest operation only, per resource, with failures and their reasons', () => {
    const t = measureStack(STACK, EVENTS, { Alb: 2.6, Db: 7.5 });
    expect(t).toMatchObject({
      stack: STACK,
      operation: 'UPDATE',
      status: 'UPDATE_ROLLBACK_COMPLETE',
      startedAt: '2026-12-01T10:10:00.000Z',
      endedAt: '2026-12-01T10:20:00.000Z',
      wallClockMinutes: 10,
    });
    expect(t?.resources).toEqual([
      {
        logicalId: 'Alb',
        type: 'AWS::ElasticLoadBalancingV2::LoadBalancer',
        status: 'complete',
        startedAt: '2026-12-01T10:10:05.000Z',
        endedAt: '2026-12-01T10:12:41.000Z',
        measuredMinutes: 2.6,
        modelledMinutes: 2.6,
      },
      {
        logicalId: 'Nested',
        type: 'AWS::CloudFormation::Stack',
        status: 'failed',
        startedAt: '2026-12-01T10:10:06.000Z',
        endedAt: '2026-12-01T10:13:06.000Z',
        measuredMinutes: 3,
        modelledMinutes: null,
        reason: 'Embedded stack was not successfully created',
      },
      {
        logicalId: 'Db',
        type: 'AWS::DocDB::DBCluster',
        status: 'failed',
        startedAt: '2026-12-01T10:10:05.000Z',
        endedAt: '2026-12-01T10:13:07.000Z',
        measuredMinutes: 3.03,
        modelledMinutes: 7.5,
        reason: 'Resource creation cancelled',
      },
    ]);
    expect(t?.longest).toEqual(['Db', 'Nested', 'Alb']);
    // Vpc changed only in the earlier update; the nested stack's Queue is another stack's event.
    expect(t?.resources.map((r) => r.logicalId)).not.toContain('Vpc');
    expect(t?.resources.map((r) => r.logicalId)).not.toContain('Queue');
  });

  it('reports a running operation as unfinished, up to its latest event', () => {
    const running = [
      self('CREATE_IN_PROGRESS', '00:00'),
      ev('Cert', 'AWS::CertificateManager::Certificate', 'CREATE_IN_PROGRESS', '00:10'),
      ev('Role', 'AWS::IAM::Role', 'CREATE_IN_PROGRESS', '00:10'),
      ev('Role', 'AWS::IAM::Role', 'CREATE_COMPLETE', '00:40'),
    ];
    const t = measureStack(STACK, running);
    expect(t).toMatchObject({ operation: 'CREATE', status: 'CREATE_IN_PROGRESS', endedAt: null });
    expect(t?.wallClockMinutes).toBeCloseTo(0.67, 2);
    expect(t?.resources.map((r) => [r.logicalId, r.status, r.measuredMinutes])).toEqual([
      ['Role', 'complete', 0.5],
      ['Cert', 'unfinished', null],
    ]);
  });

  it('is undefined without a create or update of the stack itself', () => {
    expect(measureStack(STACK, [self('DELETE_IN_PROGRESS', '00:00')])).toBeUndefined();
    // A nested stack resource's CREATE_IN_PROGRESS is not the stack's own start.
    expect(
      measureStack(STACK, [
        ev('Nested', 'AWS::CloudFormation::Stack', 'CREATE_IN_PROGRESS', '00:00'),
      ]),
    ).toBeUndefined();
  });
});

describe('modelResourceMinutes', () => {
  it('gives every logical id its modelled create duration', () => {
    const m = modelResourceMinutes({
      Resources: {
        Db: { Type: 'AWS::DocDB::DBCluster' },
        Role: { Type: 'AWS::IAM::Role' },
      },
    });
    expect(m).toEqual({ Db: 7.5, Role: 0.25 });
  });
});
