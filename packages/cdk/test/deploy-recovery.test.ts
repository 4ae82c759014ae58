import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { capacityProviders } from '../src/service/service.js';
import {
  onlyResource,
  removeOutdirs,
  resourcesOf,
  synthesize,
  type Synthesized,
} from './helpers.js';

// What makes a failed deploy recoverable, in the templates: protection only after the first
// create, retain-except-on-create for protected data, a task count autoscaling owns, no wait on
// CloudFront invalidations.
let creating: Synthesized;
let steady: Synthesized;
let production: Synthesized;
beforeAll(() => {
  creating = synthesize('sandbox', { firstCreate: true });
  steady = synthesize('sandbox');
  const site = mkdtempSync(join(tmpdir(), 'branch-env-site-'));
  writeFileSync(join(site, 'index.html'), '<!doctype html><title>x</title>');
  production = synthesize('main', { siteDirectory: site });
});
afterAll(removeOutdirs);

describe('first create of a protected environment (sandbox, firstCreate)', () => {
  it('no termination protection on either stack, no deletion protection on the cluster', () => {
    expect(creating.stacks.map((s) => [s.stackName, s.terminationProtection])).toEqual([
      ['branch-env-demo-sandbox-certificate', false],
      ['branch-env-demo-sandbox', false],
    ]);
    const cluster = onlyResource(creating.main, 'AWS::DocDB::DBCluster');
    expect(cluster.Properties?.DeletionProtection).toBe(false);
    expect(cluster.DeletionPolicy).toBe('Snapshot');
  });

  it('protected data is retained except on create: a failed create leaves nothing behind', () => {
    const kept = Object.entries(creating.main.Resources)
      .filter(
        ([, r]) => r.DeletionPolicy === 'Retain' || r.DeletionPolicy === 'RetainExceptOnCreate',
      )
      .map(([, r]) => `${r.Type} ${r.DeletionPolicy}`);
    expect(kept.length).toBeGreaterThan(3);
    expect(kept.filter((k) => k.endsWith(' Retain'))).toEqual([]);
    const logGroup = resourcesOf(creating.main, 'AWS::Logs::LogGroup').find(
      ([, g]) => g.Properties?.LogGroupName === '/branch-env-demo/sandbox/service/api',
    );
    expect(logGroup?.[1].DeletionPolicy).toBe('RetainExceptOnCreate');
  });

  it('sets the task count once, on create', () => {
    expect(onlyResource(creating.main, 'AWS::ECS::Service').Properties?.DesiredCount).toBe(1);
  });
});

describe('later deploys', () => {
  it('turn protection on (the second step of a first deploy, and every deploy after)', () => {
    expect(steady.stacks.every((s) => s.terminationProtection)).toBe(true);
    expect(onlyResource(steady.main, 'AWS::DocDB::DBCluster').Properties?.DeletionProtection).toBe(
      true,
    );
  });

  it('leave the task count to autoscaling (no DesiredCount to reset: aws-cdk#3919)', () => {
    for (const s of [steady, production]) {
      const service = onlyResource(s.main, 'AWS::ECS::Service');
      expect(service.Properties).not.toHaveProperty('DesiredCount');
      const target = onlyResource(s.main, 'AWS::ApplicationAutoScaling::ScalableTarget');
      expect(target.Properties?.MinCapacity).toBe(s.environment.profile.task.minTasks);
    }
  });

  it('do not wait for the CloudFront invalidation of the site upload (aws-cdk#15891)', () => {
    const upload = onlyResource(production.main, 'Custom::CDKBucketDeployment');
    expect(upload.Properties?.WaitForDistributionInvalidation).toBe(false);
    expect(upload.Properties?.DistributionPaths).toEqual(['/*']);
  });

  it('keep the deployment circuit breaker with rollback', () => {
    const service = onlyResource(production.main, 'AWS::ECS::Service');
    expect(service.Properties?.DeploymentConfiguration).toMatchObject({
      DeploymentCircuitBreaker: { Enable: true, Rollback: true },
    });
  });
});

describe('capacity providers', () => {
  it.each([
    [{ spot: false, minTasks: 2 }, [{ capacityProvider: 'FARGATE', weight: 1 }]],
    [{ spot: true, minTasks: 1 }, [{ capacityProvider: 'FARGATE_SPOT', weight: 1 }]],
    [
      { spot: true, minTasks: 2 },
      [
        { capacityProvider: 'FARGATE', base: 1, weight: 1 },
        { capacityProvider: 'FARGATE_SPOT', weight: 3 },
      ],
    ],
  ])('%o -> %o', (task, strategy) => {
    expect(capacityProviders(task)).toEqual(strategy);
  });
});
