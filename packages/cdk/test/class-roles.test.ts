import { classRoles, protectionClassOf } from '@branch-env/core';
import type { Stack } from 'aws-cdk-lib';
import { DefaultStackSynthesizer } from 'aws-cdk-lib';
import { afterAll, describe, expect, it } from 'vitest';
import { removeOutdirs, resourcesOf, synthesize } from './helpers.js';

afterAll(removeOutdirs);

/**
 * Every environment stack, dedicated or shared, is deployed by its protection class's roles
 * (docs/security.md): the class deploy role publishes its assets and starts the deploy, the class
 * execution role runs CloudFormation, and every role the stack creates carries the class's
 * permissions boundary, which the execution role requires of the roles it creates.
 */
describe.each([
  ['a dedicated environment', 'feature/new-login-dedicated', 'full/orders'],
  ['a shared environment', 'shared/new-login', 'shared/orders'],
])('%s', (_kind, _label, branch) => {
  const built = synthesize(branch);
  const env = built.environment;
  const roles = classRoles(env.account, protectionClassOf(env.account, env.protected));

  it('is deployed by its class deploy role and CloudFormation execution role', () => {
    for (const stack of built.stacks as Stack[]) {
      const synthesizer = stack.synthesizer;
      expect(synthesizer, stack.stackName).toBeInstanceOf(DefaultStackSynthesizer);
      const s = synthesizer as DefaultStackSynthesizer;
      expect(s.deployRoleArn, stack.stackName).toContain(roles.deployRoleArn);
      expect(s.cloudFormationExecutionRoleArn, stack.stackName).toContain(roles.executionRoleArn);
    }
  });

  it('bounds every role it creates with the class permissions boundary', () => {
    const created = Object.values(built.templates).flatMap((t) => resourcesOf(t, 'AWS::IAM::Role'));
    expect(created.length).toBeGreaterThan(0);
    for (const [id, role] of created) {
      expect(role.Properties?.PermissionsBoundary, id).toBe(roles.permissionsBoundaryArn);
    }
  });
});
