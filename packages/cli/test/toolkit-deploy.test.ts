import { describe, expect, it, vi } from 'vitest';

/** What the toolkit's deploy was asked, by a stand-in of @aws-cdk/toolkit-lib. */
const calls: unknown[] = [];
vi.mock('@aws-cdk/toolkit-lib', () => ({
  StackSelectionStrategy: { ALL_STACKS: 'all-stacks' },
  Toolkit: class {
    fromAssemblyBuilder() {
      return Promise.resolve('source');
    }
    deploy(_source: unknown, options: unknown) {
      calls.push(options);
      return Promise.resolve({ stacks: [{ stackName: 'shop-platform', outputs: { A: 'b' } }] });
    }
  },
}));

describe('deployAssembly', () => {
  const io = { out: () => {}, err: () => {}, cwd: '/' } as never;
  it("deploys every stack with change sets, adopting retained resources only when asked (bootstrap's platform)", async () => {
    const { deployAssembly } = await import('../src/private/aws/toolkit.js');
    const produce = () => Promise.reject(new Error('not synthesized by the stand-in'));
    const deployed = await deployAssembly(produce as never, {
      io,
      tags: { 'branch-env:app': 'shop' },
      importExistingResources: true,
    });
    expect(deployed).toEqual([{ name: 'shop-platform', outputs: { A: 'b' } }]);
    await deployAssembly(produce as never, { io, tags: {} });
    expect(calls).toMatchObject([
      {
        stacks: { strategy: 'all-stacks' },
        deploymentMethod: { method: 'change-set', importExistingResources: true },
        tags: [{ Key: 'branch-env:app', Value: 'shop' }],
      },
      { deploymentMethod: { method: 'change-set' } },
    ]);
    expect((calls[1] as { deploymentMethod: object }).deploymentMethod).not.toHaveProperty(
      'importExistingResources',
    );
  });
});
