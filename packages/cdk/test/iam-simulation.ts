import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { Template } from './helpers.js';

/**
 * Plain values for the intrinsics of a synthesized IAM policy: pseudo parameters, `Fn::Join`, and
 * `Ref`/`Fn::GetAtt` of the stack's resources as given in `refs` (unknown ones throw, so a test
 * never evaluates a policy it could not read).
 */
function resolveIntrinsics(value: unknown, refs: Readonly<Record<string, string>>): unknown {
  if (Array.isArray(value)) return value.map((v) => resolveIntrinsics(v, refs));
  if (value === null || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if ('Ref' in o) {
    const r = refs[o.Ref as string];
    if (r === undefined) throw new Error(`no value for Ref ${String(o.Ref)}`);
    return r;
  }
  if ('Fn::GetAtt' in o) {
    const [id, att] = o['Fn::GetAtt'] as [string, string];
    const r = refs[`${id}.${att}`];
    if (r === undefined) throw new Error(`no value for GetAtt ${id}.${att}`);
    return r;
  }
  if ('Fn::Join' in o) {
    const [sep, parts] = o['Fn::Join'] as [string, unknown[]];
    return parts.map((p) => String(resolveIntrinsics(p, refs))).join(sep);
  }
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, resolveIntrinsics(v, refs)]));
}

/** Every `AWS::IAM::Policy` document attached to the role resource `roleId`, resolved. */
export function policiesOfRole(
  template: Template,
  roleId: string,
  refs: Readonly<Record<string, string>>,
): { name: string; policy: unknown }[] {
  return Object.entries(template.Resources)
    .filter(
      ([, r]) =>
        r.Type === 'AWS::IAM::Policy' &&
        (r.Properties?.Roles as { Ref?: string }[] | undefined)?.some((x) => x.Ref === roleId),
    )
    .map(([id, r]) => ({
      name: id,
      policy: resolveIntrinsics(r.Properties?.PolicyDocument, refs),
    }));
}

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

/** The simulator's decision for one request of `principal` under its identity policies. */
export async function decide(
  identityPolicies: readonly { name: string; policy: unknown }[],
  principal: string,
  action: string,
  resource: string,
  accountId: string,
): Promise<Decision> {
  const result = await runSimulation(
    {
      identityPolicies: identityPolicies.map((p) => ({ name: p.name, policy: p.policy as never })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: { principal, action, resource: { resource, accountId }, contextVariables: {} },
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  if (result.resultType !== 'single') throw new Error(`unexpected ${result.resultType} result`);
  return result.overallResult as Decision;
}
