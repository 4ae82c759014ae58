import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONFIG_BUS } from '@branch-env/core';
import { removeOutdirs, resourcesOf, synthesize, type Synthesized } from './helpers.js';
import { decide, policiesOfRole, type Decision } from './iam-simulation.js';

/**
 * The task role of a preview (the environment's own code: any contributor's) evaluated with a
 * real IAM policy evaluator over the synthesized template: it writes its own data keys, reads but
 * never writes what destroy, deploy and the reaper decide from, and touches no other environment.
 */
let built: Synthesized;
let policies: { name: string; policy: unknown }[];
const ACCOUNT = '111111111111';
const param = (name: string): string => `arn:aws:ssm:us-east-1:${ACCOUNT}:parameter/${name}`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/task`;

beforeAll(() => {
  built = synthesize('feature/a');
  const [taskRoleId] = resourcesOf(built.main, 'AWS::IAM::Role').find(([id]) =>
    /^ServiceTaskTaskRole/.test(id),
  ) ?? [''];
  expect(taskRoleId).not.toBe('');
  const refs: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
  };
  for (const [id] of resourcesOf(built.main, 'AWS::S3::Bucket')) {
    refs[id] = `bucket-${id.toLowerCase()}`;
    refs[`${id}.Arn`] = `arn:aws:s3:::bucket-${id.toLowerCase()}`;
  }
  policies = policiesOfRole(built.main, taskRoleId, refs);
  expect(policies.length).toBeGreaterThan(0);
});
afterAll(removeOutdirs);

const app = 'branch-env-demo';
const own = (key: string): string => param(`${app}/feature-a/${key}`);
const write = ['ssm:PutParameter', 'ssm:DeleteParameter', 'ssm:AddTagsToResource'];

describe('the task role of a preview (IAM policy simulation)', () => {
  it('names the environment feature-a', () => {
    expect(built.environment.ssmPrefix).toBe(`/${app}/feature-a/`);
  });

  it.each<[string, string, Decision]>([
    ['ssm:PutParameter', own('payment/service-url'), 'Allowed'],
    ['ssm:PutParameter', own('experiments/e1/results'), 'Allowed'],
    ['ssm:DeleteParameter', own('experiments/e1/results'), 'Allowed'],
    ['ssm:GetParameter', own(CONFIG_BUS.ownerBranch.key), 'Allowed'],
    ['ssm:GetParameter', own(CONFIG_BUS.expiresAt.key), 'Allowed'],
    ['ssm:GetParametersByPath', param(`${app}/feature-a`), 'Allowed'],
  ])('allows %s on %s', async (action, resource, expected) => {
    expect(await decide(policies, ROLE, action, resource, ACCOUNT)).toBe(expected);
  });

  const reserved = Object.values(CONFIG_BUS)
    .filter((e) => e.writer !== 'service')
    .map((e) => e.key);
  it.each(write.flatMap((action) => [...reserved, 'meta/anything-later'].map((k) => [action, k])))(
    'explicitly denies %s on its own %s (stack and deploy keys, meta/*)',
    async (action, key) => {
      expect(await decide(policies, ROLE, action, own(key), ACCOUNT)).toBe('ExplicitlyDenied');
    },
  );

  it.each<[string, string]>([
    ['ssm:PutParameter', param(`${app}/feature-ab/payment/service-url`)],
    ['ssm:GetParameter', param(`${app}/feature-ab/database/secret-arn`)],
    ['ssm:GetParametersByPath', param(`${app}/feature-ab`)],
    ['ssm:PutParameter', param(`${app}/feature-ab/meta/owner-branch`)],
    ['ssm:DeleteParameter', param(`${app}/sandbox/meta/expires-at`)],
    ['ssm:PutParameter', param(`${app}/sandbox/api/service-url`)],
    ['ssm:GetParameter', param(`${app}/sandbox/database/secret-arn`)],
    ['ssm:PutParameter', param(`${app}-other/feature-a/payment/service-url`)],
  ])(
    'denies %s on %s (another environment, prefix neighbours included)',
    async (action, resource) => {
      expect(await decide(policies, ROLE, action, resource, ACCOUNT)).not.toBe('Allowed');
    },
  );

  it("reads only the baseline's service URLs, which the baseline's own task cannot rewrite for the stack's service", async () => {
    expect(
      await decide(
        policies,
        ROLE,
        'ssm:GetParameter',
        param(`${app}/sandbox/api/service-url`),
        ACCOUNT,
      ),
    ).toBe('Allowed');
    expect(
      await decide(
        policies,
        ROLE,
        'ssm:GetParameter',
        param(`${app}/sandbox/meta/owner-branch`),
        ACCOUNT,
      ),
    ).not.toBe('Allowed');
  });
});
