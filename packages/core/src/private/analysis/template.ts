/**
 * A synthesized CloudFormation template as plain JSON (what `cdk synth` writes to
 * `cdk.out/<stack>.template.json`). Only the parts the analyses read are typed; everything else
 * is `unknown` and read defensively, because values may be intrinsics (`Ref`, `Fn::GetAtt`, ...).
 */
export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
  readonly DependsOn?: string | readonly string[];
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
  readonly Condition?: string;
  readonly Metadata?: unknown;
}

export interface CfnTemplate {
  readonly Resources?: Readonly<Record<string, CfnResource>>;
  readonly [section: string]: unknown;
}

/** `[logicalId, resource]` pairs in template order. */
export function resourcesOf(template: CfnTemplate): [string, CfnResource][] {
  return Object.entries(template.Resources ?? {});
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A property path such as `['DistributionConfig', 'DefaultCacheBehavior']`, `undefined` on any miss. */
export function prop(resource: CfnResource, ...path: string[]): unknown {
  let value: unknown = resource.Properties;
  for (const key of path) {
    if (!isRecord(value)) return undefined;
    value = value[key];
  }
  return value;
}

/** A literal number (CloudFormation often carries numbers as strings: `"Cpu": "256"`). */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) {
    return Number(value);
  }
  return undefined;
}

/** `true`/`"true"` → true, `false`/`"false"` → false, anything else (intrinsics, absent) → undefined. */
export function literalBoolean(value: unknown): boolean | undefined {
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  return undefined;
}

/** Array value, or `[]` when absent or not an array (e.g. an `Fn::If`). */
export function arrayOf(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** The logical id in `{ Ref: X }`, else undefined. Pseudo parameters (`AWS::Region`) are skipped. */
export function refTarget(value: unknown): string | undefined {
  if (!isRecord(value)) return undefined;
  const ref = value['Ref'];
  return typeof ref === 'string' && !ref.startsWith('AWS::') ? ref : undefined;
}

/**
 * Every logical id a value depends on: `Ref`, `Fn::GetAtt` (array or `"X.Attr"` form) and
 * `Fn::Sub` `${X}` / `${X.Attr}` placeholders (`${!Literal}` escapes and the variable map's own
 * names are excluded). `Fn::ImportValue` points at another stack and is ignored.
 */
export function referencedIds(value: unknown, into: Set<string> = new Set()): Set<string> {
  if (Array.isArray(value)) {
    for (const item of value) referencedIds(item, into);
    return into;
  }
  if (!isRecord(value)) return into;
  for (const [key, inner] of Object.entries(value)) {
    if (key === 'Ref') {
      if (typeof inner === 'string' && !inner.startsWith('AWS::')) into.add(inner);
    } else if (key === 'Fn::GetAtt') {
      const id = Array.isArray(inner)
        ? inner[0]
        : typeof inner === 'string'
          ? inner.split('.')[0]
          : undefined;
      if (typeof id === 'string') into.add(id);
    } else if (key === 'Fn::Sub') {
      const [text, variables] = Array.isArray(inner) ? [inner[0], inner[1]] : [inner, undefined];
      const local = new Set(isRecord(variables) ? Object.keys(variables) : []);
      if (typeof text === 'string') {
        for (const match of text.matchAll(/\$\{([^!}][^}]*)\}/g)) {
          const name = (match[1] ?? '').split('.')[0] ?? '';
          if (name !== '' && !name.startsWith('AWS::') && !local.has(name)) into.add(name);
        }
      }
      if (isRecord(variables)) referencedIds(variables, into);
    } else if (key === 'Fn::ImportValue') {
      continue;
    } else {
      referencedIds(inner, into);
    }
  }
  return into;
}

/** `DependsOn` as an array. */
function dependsOnOf(resource: CfnResource): string[] {
  const value = resource.DependsOn;
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : [...value];
}

/**
 * Logical ids a resource depends on (explicit `DependsOn` plus every reference in `Properties`),
 * limited to resources that exist in the template (parameters and conditions are not resources).
 */
export function dependenciesOf(template: CfnTemplate, resource: CfnResource): string[] {
  const resources = template.Resources ?? {};
  const ids = referencedIds(resource.Properties);
  for (const id of dependsOnOf(resource)) ids.add(id);
  return [...ids].filter((id) => Object.hasOwn(resources, id));
}

/** A Lambda function attached to a VPC: `VpcConfig.SubnetIds` is a non-empty list or an expression. */
export function lambdaInVpc(resource: CfnResource): boolean {
  const subnets = prop(resource, 'VpcConfig', 'SubnetIds');
  return Array.isArray(subnets) ? subnets.length > 0 : isRecord(subnets);
}
