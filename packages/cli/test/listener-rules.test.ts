import {
  DeleteParameterCommand,
  GetParametersByPathCommand,
  ParameterAlreadyExists,
  ParameterNotFound,
  PutParameterCommand,
  SSMClient,
} from '@aws-sdk/client-ssm';
import { preferredPriority } from '@branch-env/core';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  claimListenerRule,
  isPlatformRepository,
  listenerRuleClaims,
  releaseListenerRule,
} from '../src/private/aws/listener-rules.js';
import { testClients } from './helpers/aws-clients.js';

const ssm = mockClient(SSMClient);
const PREFIX = '/shop/_claims/listener-rules/';

/** A stateful Parameter Store: PutParameter with Overwrite false fails when the name exists. */
function parameterStore(initial: Record<string, string> = {}): Map<string, string> {
  const store = new Map(Object.entries(initial));
  ssm.reset();
  ssm.on(GetParametersByPathCommand).callsFake(async (input: { Path: string }) => {
    await Promise.resolve();
    return {
      Parameters: [...store]
        .filter(([name]) => name.startsWith(`${input.Path}/`))
        .map(([Name, Value]) => ({ Name, Value })),
    };
  });
  ssm.on(PutParameterCommand).callsFake(async (input: { Name: string; Value: string }) => {
    await Promise.resolve();
    if (store.has(input.Name))
      throw new ParameterAlreadyExists({ message: 'exists', $metadata: {} });
    store.set(input.Name, input.Value);
    return { Version: 1 };
  });
  ssm.on(DeleteParameterCommand).callsFake(async (input: { Name: string }) => {
    if (!store.delete(input.Name)) throw new ParameterNotFound({ message: 'no', $metadata: {} });
    return {};
  });
  return store;
}

/** Two environment names whose preferred priorities are equal: they race for one priority. */
function collidingNames(): [string, string] {
  const seen = new Map<number, string>();
  for (let i = 0; ; i++) {
    const name = `feature-${i}`;
    const p = preferredPriority(name);
    const other = seen.get(p);
    if (other !== undefined) return [other, name];
    seen.set(p, name);
  }
}

const tags = { 'branch-env:environment': 'x' };

describe('listener-rule claims in SSM', () => {
  let aws: ReturnType<typeof testClients>;
  beforeEach(() => {
    aws = testClients();
  });

  it('claims the preferred priority with Overwrite false, tagged, under the platform prefix', async () => {
    const store = parameterStore();
    const rule = await claimListenerRule(aws, {
      app: 'shop',
      environment: 'feature-a',
      loadBalancers: 1,
      tags,
    });
    const priority = preferredPriority('feature-a');
    expect(rule).toEqual({ loadBalancer: 0, priority, priorities: [priority], claimed: true });
    expect(store.get(`${PREFIX}${priority}`)).toBe('feature-a@0');
    const put = ssm.commandCalls(PutParameterCommand)[0]!.args[0].input;
    expect(put).toMatchObject({
      Name: `${PREFIX}${priority}`,
      Overwrite: false,
      Type: 'String',
      Tags: [{ Key: 'branch-env:environment', Value: 'x' }],
    });
  });

  it('keeps the claim it already holds on a redeploy, writing nothing', async () => {
    parameterStore({ [`${PREFIX}77`]: 'feature-a@1' });
    const rule = await claimListenerRule(aws, {
      app: 'shop',
      environment: 'feature-a',
      loadBalancers: 2,
      tags,
    });
    expect(rule).toEqual({ loadBalancer: 1, priority: 77, priorities: [77], claimed: false });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('gives two concurrent deploys racing for one priority two different priorities', async () => {
    const [a, b] = collidingNames();
    const store = parameterStore();
    const [ra, rb] = await Promise.all(
      [a, b].map((environment) =>
        claimListenerRule(aws, { app: 'shop', environment, loadBalancers: 1, tags }),
      ),
    );
    const p = preferredPriority(a);
    expect(new Set([ra!.priority, rb!.priority])).toEqual(new Set([p, (p % 50_000) + 1]));
    // One PutParameter lost the race (ParameterAlreadyExists) and was retried after a re-read.
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(3);
    expect([...store.values()].sort()).toEqual([`${a}@0`, `${b}@0`].sort());
  });

  it('spreads environments over the load balancers and refuses when all are full', async () => {
    const full: Record<string, string> = {};
    for (let i = 1; i <= 100; i++) full[`${PREFIX}${i}`] = `env-${i}@0`;
    parameterStore(full);
    const rule = await claimListenerRule(aws, {
      app: 'shop',
      environment: 'feature-b',
      loadBalancers: 2,
      tags,
    });
    expect(rule.loadBalancer).toBe(1);
    parameterStore(full);
    await expect(
      claimListenerRule(aws, { app: 'shop', environment: 'feature-b', loadBalancers: 1, tags }),
    ).rejects.toThrow(/the platform is full/);
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(0);
  });

  it('claims one priority per routed service, keeping those it holds', async () => {
    const store = parameterStore({ [`${PREFIX}77`]: 'feature-a@1' });
    const rule = await claimListenerRule(aws, {
      app: 'shop',
      environment: 'feature-a',
      loadBalancers: 2,
      tags,
      count: 3,
    });
    const p = preferredPriority('feature-a');
    const expected = [77, p, (p % 50_000) + 1].sort((x, y) => x - y);
    expect(rule).toEqual({
      loadBalancer: 1,
      priority: expected[0],
      priorities: expected,
      claimed: true,
    });
    expect(ssm.commandCalls(PutParameterCommand)).toHaveLength(2);
    expect(store.get(`${PREFIX}${p}`)).toBe('feature-a@1');
  });

  it('releases only the claims of the environment', async () => {
    const store = parameterStore({
      [`${PREFIX}5`]: 'feature-a@0',
      [`${PREFIX}6`]: 'feature-b@0',
      [`${PREFIX}7`]: 'not a claim',
    });
    expect(await releaseListenerRule(aws, { app: 'shop', environment: 'feature-a' })).toEqual([
      `${PREFIX}5`,
    ]);
    expect([...store.keys()]).toEqual([`${PREFIX}6`, `${PREFIX}7`]);
    expect(await releaseListenerRule(aws, { app: 'shop', environment: 'feature-a' })).toEqual([]);
    expect(await listenerRuleClaims(aws, 'shop')).toEqual([
      { environment: 'feature-b', loadBalancer: 0, priority: 6 },
    ]);
  });
});

describe('the platform repositories', () => {
  it('are told apart from an environment repository, so destroy never empties them', async () => {
    parameterStore({
      '/shop/_platform/repositories/api/uri':
        '111111111111.dkr.ecr.us-east-1.amazonaws.com/shop-platform-api',
    });
    const aws = testClients();
    expect(
      await isPlatformRepository(
        aws,
        'shop',
        '111111111111.dkr.ecr.us-east-1.amazonaws.com/shop-platform-api',
      ),
    ).toBe(true);
    expect(
      await isPlatformRepository(
        aws,
        'shop',
        '111111111111.dkr.ecr.us-east-1.amazonaws.com/shop-feature-a-repo',
      ),
    ).toBe(false);
    expect(ssm.commandCalls(GetParametersByPathCommand)[0]!.args[0].input).toMatchObject({
      Path: '/shop/_platform/repositories',
      Recursive: true,
    });
  });
});
