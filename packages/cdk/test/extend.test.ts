import { afterAll, describe, expect, it } from 'vitest';
import { RemovalPolicy } from 'aws-cdk-lib';
import { StringParameter } from 'aws-cdk-lib/aws-ssm';
import {
  EnvironmentStack,
  SharedEnvironmentStack,
  type EnvironmentMainStack,
} from '@branch-env/cdk';
import { removeOutdirs, resourcesOf, synthesize, tagsOf } from './helpers.js';

afterAll(removeOutdirs);

/** What a user's `extend` adds: one parameter named after the environment. */
function addParameter(seen: string[]) {
  return (stack: EnvironmentMainStack, environment: { readonly name: string }) => {
    seen.push(`${stack.constructor.name}:${environment.name}`);
    new StringParameter(stack, 'UserParameter', {
      parameterName: `/user/${environment.name}/queue-url`,
      stringValue: 'added by the user',
    }).applyRemovalPolicy(RemovalPolicy.DESTROY);
  };
}

describe('createEnvironmentApp extend', () => {
  it("adds the user's constructs to a dedicated environment's stack, tagged like the rest", () => {
    const seen: string[] = [];
    const { main, environment, stacks } = synthesize('full/extend', {
      extend: addParameter(seen),
    });
    expect(seen).toEqual([`EnvironmentStack:${environment.name}`]);
    expect(stacks.at(-1)).toBeInstanceOf(EnvironmentStack);
    const added = resourcesOf(main, 'AWS::SSM::Parameter').find(
      ([, r]) => r.Properties?.Name === `/user/${environment.name}/queue-url`,
    );
    expect(added).toBeDefined();
    expect(tagsOf(added![1])).toMatchObject(environment.tags);
  });

  it("adds them to a shared environment's stack too", () => {
    const seen: string[] = [];
    const { main, environment, stacks } = synthesize('shared/extend', {
      extend: addParameter(seen),
    });
    expect(seen).toEqual([`SharedEnvironmentStack:${environment.name}`]);
    expect(stacks.at(-1)).toBeInstanceOf(SharedEnvironmentStack);
    const names = resourcesOf(main, 'AWS::SSM::Parameter').map(([, r]) => r.Properties?.Name);
    expect(names).toContain(`/user/${environment.name}/queue-url`);
  });

  it('adds nothing without it', () => {
    const { main, environment } = synthesize('full/plain');
    const names = resourcesOf(main, 'AWS::SSM::Parameter').map(([, r]) => r.Properties?.Name);
    expect(names.length).toBeGreaterThan(0);
    expect(names).not.toContain(`/user/${environment.name}/queue-url`);
  });
});
