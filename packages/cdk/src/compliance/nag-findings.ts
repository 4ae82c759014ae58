import { Validations } from 'aws-cdk-lib';
import type { ComplianceFinding } from '@branch-env/core';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** One cdk-nag AwsSolutions finding, as plain data (`complianceSummary()` of core reads these). */
export interface NagFinding extends ComplianceFinding {
  /** What the rule found. */
  readonly description: string;
}

/**
 * Every cdk-nag AwsSolutions finding of an app (or any construct tree), in process, without
 * failing synthesis: open findings and acknowledged ones with their reasons. cdk-nag 3 only
 * reports open findings, so the tree is checked twice: once as configured and once ignoring
 * acknowledgements; what only the second run reports is acknowledged. Call after constructing the
 * app (before or after `app.synth()`).
 */
export function nagFindings(root: IConstruct): NagFinding[] {
  const open = new Set<string>();
  for (const v of new AwsSolutionsChecks().validateScope(root).violations) {
    for (const r of v.violatingResources) open.add(`${v.ruleName}\u0000${r.constructPath}`);
  }
  const all = new AwsSolutionsChecks();
  // cdk-nag 3 has no switch for this: replace its (private) acknowledgement check on this instance.
  Object.defineProperty(all, 'isAcknowledged', { value: () => false });
  const byPath = new Map(root.node.findAll().map((c) => [c.node.path, c] as const));
  const findings: NagFinding[] = [];
  for (const v of all.validateScope(root).violations) {
    for (const r of v.violatingResources) {
      const path = r.constructPath ?? '';
      const acknowledged = !open.has(`${v.ruleName}\u0000${path}`);
      const reason = acknowledged ? reasonOf(byPath.get(path), v.ruleName) : undefined;
      findings.push({
        rule: v.ruleName,
        level: v.severity === 'warning' ? 'warning' : 'error',
        resource: path,
        acknowledged,
        ...(reason === undefined ? {} : { reason }),
        description: v.description,
      });
    }
  }
  return findings;
}

/** The reason recorded by `Validations.of(c).acknowledge()` on the construct or an ancestor. */
function reasonOf(construct: IConstruct | undefined, rule: string): string | undefined {
  for (let c = construct; c !== undefined; c = c.node.scope) {
    for (const entry of c.node.metadata) {
      if (entry.type !== Validations.ACKNOWLEDGED_RULES_METADATA_KEY) continue;
      const data = entry.data as Record<string, unknown> | undefined;
      for (const [id, reason] of Object.entries(data ?? {})) {
        if (id.replace(/^annotation::/i, '') === rule && typeof reason === 'string') return reason;
      }
    }
  }
  return undefined;
}
