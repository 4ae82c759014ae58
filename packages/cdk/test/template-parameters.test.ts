import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { multiServiceConfig, removeOutdirs, synthesize, type Template } from './helpers.js';

afterAll(removeOutdirs);

/** Every `Ref` target in a template fragment. */
function refsOf(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string') out.add(v);
      else refsOf(v, out);
    }
  }
  return out;
}

/** Parameters that nothing references (cfn-lint W2001): CloudFormation still resolves them. */
function unusedParameters(template: Template): string[] {
  const { Parameters, ...rest } = template as Template & { Parameters?: Record<string, unknown> };
  const used = refsOf(rest);
  return Object.keys(Parameters ?? {}).filter((p) => !used.has(p));
}

describe('template parameters', () => {
  it('finds an unused one (the check can fail)', () => {
    expect(
      unusedParameters({
        Parameters: { Used: {}, Unused: {} },
        Resources: { X: { Type: 'AWS::SNS::Topic', Properties: { TopicName: { Ref: 'Used' } } } },
      } as unknown as Template),
    ).toEqual(['Unused']);
  });

  // A shared environment reads the platform's outputs as SSM parameters: each one it declares is
  // resolved on every deploy, so it declares only those it uses (not the cluster ARN).
  it('a shared environment references every platform parameter it declares', () => {
    expect(unusedParameters(synthesize('shared/x').main)).toEqual([]);
    const multi = synthesize(
      'shared/multi',
      {
        serviceImage: undefined,
        configDirectory: join(import.meta.dirname, 'fixtures'),
        siteDirectory: null,
      },
      multiServiceConfig(),
    );
    expect(unusedParameters(multi.main)).toEqual([]);
  });

  it('a dedicated environment too', () => {
    for (const template of Object.values(synthesize('full/x').templates))
      expect(unusedParameters(template)).toEqual([]);
  });
});
