import { App } from 'aws-cdk-lib';
import { fullDiff, ResourceImpact } from '@aws-cdk/cloudformation-diff';
import type { Config } from '@branch-env/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlatformStack, platformStackPolicy, type StackPolicy } from '@branch-env/cdk';
import { outdir, removeOutdirs, testConfig, type Template } from './helpers.js';

// The platform's stack policy, applied the way CloudFormation applies one to an update: every
// resource change of the update is an action (Update:Modify, Update:Replace, Update:Delete) on a
// resource of a type; an explicit Deny wins, and what no statement allows is denied
// (AWS CloudFormation User Guide, "Prevent updates to stack resources").

function platformOf(edit: (c: Config) => void = () => {}): Template {
  const config = structuredClone(testConfig());
  edit(config);
  const app = new App({ outdir: outdir(), analyticsReporting: false });
  const stack = new PlatformStack(app, 'Platform', {
    app: config.app,
    account: { key: 'development', ...config.accounts.development! },
  });
  return app.synth().getStackByName(stack.stackName).template as Template;
}

function allowed(policy: StackPolicy, action: string, type: string): boolean {
  const matches = (s: StackPolicy['Statement'][number]) =>
    [s.Action]
      .flat()
      .some((a) => a === action || (a.endsWith('*') && action.startsWith(a.slice(0, -1)))) &&
    (s.Condition === undefined || s.Condition.StringEquals.ResourceType.includes(type));
  const hits = policy.Statement.filter(matches);
  return hits.some((s) => s.Effect === 'Allow') && !hits.some((s) => s.Effect === 'Deny');
}

/** The stack-policy actions an update from `before` to `after` performs, refused ones first. */
function refusedChanges(before: Template, after: Template): string[] {
  const policy = platformStackPolicy();
  const refused: string[] = [];
  fullDiff(before, after).resources.forEachDifference((logicalId, change) => {
    if (change.isAddition) return;
    const type = change.oldResourceType ?? change.newResourceType ?? '';
    const action = change.isRemoval
      ? 'Update:Delete'
      : change.changeImpact === ResourceImpact.WILL_REPLACE ||
          change.changeImpact === ResourceImpact.MAY_REPLACE
        ? 'Update:Replace'
        : 'Update:Modify';
    if (!allowed(policy, action, type)) refused.push(`${action} ${logicalId} ${type}`);
  });
  return refused;
}

let base: Template;
let twoLoadBalancers: Template;
beforeAll(() => {
  base = platformOf();
  twoLoadBalancers = platformOf((c) => {
    c.accounts.development!.platform!.natGateways = 2;
    c.accounts.development!.platform!.loadBalancers = 2;
  });
});
afterAll(removeOutdirs);

describe("the platform's stack policy (set by bootstrap)", () => {
  it('guards resource types the platform has (with shared databases)', () => {
    const withDatabases = platformOf((c) => {
      c.accounts.development!.platform!.databases = {
        documentdb: { instanceClass: 'db.t3.medium', instances: 1 },
        auroraPostgres: { minCapacity: 0, maxCapacity: 2 },
      };
    });
    const types = new Set(
      [base, withDatabases].flatMap((t) => Object.values(t.Resources).map((r) => r.Type)),
    );
    const guarded = platformStackPolicy().Statement.flatMap(
      (s) => s.Condition?.StringEquals.ResourceType ?? [],
    );
    expect(guarded.length).toBeGreaterThan(0);
    for (const t of guarded) expect(types, t).toContain(t);
  });

  it('lets the knobs through: more NAT gateways and a second load balancer, and back', () => {
    expect(refusedChanges(base, twoLoadBalancers)).toEqual([]);
    expect(refusedChanges(twoLoadBalancers, base)).toEqual([]);
  });

  it('refuses an update that would replace the load balancer, the listener or the certificate', () => {
    const changed = structuredClone(base);
    for (const r of Object.values(changed.Resources)) {
      // Properties whose change forces a replacement (CloudFormation resource reference).
      if (r.Type === 'AWS::ElasticLoadBalancingV2::LoadBalancer') r.Properties!.Scheme = 'internal';
      if (r.Type === 'AWS::CertificateManager::Certificate')
        r.Properties!.DomainName = '*.other.example.net';
    }
    const refused = refusedChanges(base, changed);
    expect(
      refused.some((r) => /^Update:Replace \S+ AWS::ElasticLoadBalancingV2::LoadBalancer$/.test(r)),
    ).toBe(true);
    expect(
      refused.some((r) => /^Update:Replace \S+ AWS::CertificateManager::Certificate$/.test(r)),
    ).toBe(true);
  });

  it('refuses an update that removes the VPC or the cluster', () => {
    const changed = structuredClone(base);
    for (const [id, r] of Object.entries(changed.Resources))
      if (r.Type === 'AWS::EC2::VPC' || r.Type === 'AWS::ECS::Cluster')
        delete changed.Resources[id];
    const refused = refusedChanges(base, changed);
    expect(
      refused.filter((r) => r.startsWith('Update:Delete')).map((r) => r.split(' ')[2]),
    ).toEqual(expect.arrayContaining(['AWS::EC2::VPC', 'AWS::ECS::Cluster']));
  });
});
