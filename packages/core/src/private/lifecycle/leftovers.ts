/** One resource the tag scan (`tag:GetResources`) still finds tagged with the environment. */
export interface TaggedResource {
  readonly arn: string;
  readonly tags?: Readonly<Record<string, string>> | undefined;
  /**
   * For resources AWS deletes later by itself (secrets): whether it is scheduled for deletion
   * (Secrets Manager `DeletedDate`) or still active. `undefined` when not checked.
   */
  readonly state?: 'active' | 'pending-deletion' | undefined;
}

/**
 * - `billable`: still exists and may cost money: destroy did not finish.
 * - `pending-deletion`: AWS deletes it later by itself (KMS keys, secrets in their recovery window);
 *   no further charge.
 * - `inactive`: kept by AWS as an inert record that costs nothing (INACTIVE ECS task definitions).
 * - `kept`: left on purpose because the profile says so (final database snapshots).
 * - `unverified`: could not be checked or removed with the credentials in use (a denied call):
 *   the destroy is not proven complete.
 */
export type LeftoverKind = 'billable' | 'pending-deletion' | 'inactive' | 'kept' | 'unverified';

export interface Leftover {
  readonly arn: string;
  /** `service:resource-type`, e.g. `logs:log-group`, `s3:bucket`. */
  readonly type: string;
  readonly kind: LeftoverKind;
  readonly note: string;
}

interface Rule {
  readonly type: string;
  readonly kind: LeftoverKind;
  readonly note: string;
}

/** How each resource type that outlives a CloudFormation delete is judged. Rules as data. */
export const LEFTOVER_RULES: readonly Rule[] = [
  {
    type: 'ecs:task-definition',
    kind: 'inactive',
    note: 'CloudFormation deregisters task definitions (INACTIVE, no cost); `aws ecs delete-task-definitions` removes them',
  },
  {
    type: 'kms:key',
    kind: 'pending-deletion',
    note: 'a KMS key the stack deleted is scheduled for deletion (7–30 days) and costs nothing while pending (not checked with DescribeKey)',
  },
  {
    type: 'secretsmanager:secret',
    kind: 'pending-deletion',
    note: 'a secret the stack deleted stays in its recovery window, then AWS deletes it; no charge meanwhile',
  },
  {
    type: 'rds:cluster-snapshot',
    kind: 'billable',
    note: 'a database snapshot costs storage; delete it with `aws rds delete-db-cluster-snapshot`',
  },
  {
    type: 'logs:log-group',
    kind: 'billable',
    note: 'log group stores data; `branch-env destroy` deletes `/<app>/<env>/*`, this one is elsewhere',
  },
  {
    type: 's3:bucket',
    kind: 'billable',
    note: 'bucket survived the stack (retained or not empty); empty and delete it',
  },
];

/** `service:resource-type` of an ARN (`arn:aws:logs:us-east-1:1:log-group:/x` → `logs:log-group`). */
export function arnType(arn: string): string {
  const parts = arn.split(':');
  const service = parts[2] ?? '';
  const resource = parts.slice(5).join(':');
  if (service === 's3' && !resource.includes('/')) return 's3:bucket';
  const type = resource.split(/[/:]/)[0] ?? '';
  return `${service}:${type}`;
}

/**
 * What is left of an environment after destroy, from a tag scan filtered on
 * `branch-env:app=<app>` and `branch-env:environment=<env>`. Resources whose tags do not match
 * both (defensive: the API already filters) are ignored. `keepSnapshots` (a protected
 * environment: its database leaves a final snapshot, and keeps the credentials secret with it)
 * marks database snapshots and active secrets as kept on purpose. A secret known to be active
 * (`state`) is not pending deletion: kept on purpose, or billable for an unprotected environment.
 */
export function leftoversAfterDestroy(
  scan: readonly TaggedResource[],
  target: {
    readonly app: string;
    readonly environment: string;
    readonly keepSnapshots?: boolean;
  },
): { readonly leftovers: readonly Leftover[]; readonly clean: boolean } {
  const leftovers: Leftover[] = [];
  for (const r of scan) {
    if (
      r.tags &&
      (r.tags['branch-env:app'] !== target.app ||
        r.tags['branch-env:environment'] !== target.environment)
    )
      continue;
    const type = arnType(r.arn);
    const rule = LEFTOVER_RULES.find((x) => x.type === type);
    let kind: LeftoverKind = rule?.kind ?? 'billable';
    let note = rule?.note ?? 'still exists after the stacks were deleted; delete it by hand';
    if (type.endsWith('snapshot') && target.keepSnapshots) {
      kind = 'kept';
      note =
        'final snapshot kept on purpose (protected environment); it bills storage until deleted by hand';
    }
    if (type === 'secretsmanager:secret' && r.state !== 'pending-deletion') {
      if (target.keepSnapshots) {
        kind = 'kept';
        note =
          'database credentials kept on purpose with the final snapshot (protected environment); $0.40/month until deleted with `aws secretsmanager delete-secret`';
      } else if (r.state === 'active') {
        kind = 'billable';
        note =
          'the secret is active (not scheduled for deletion): it survived the stack; delete it with `aws secretsmanager delete-secret`';
      }
    }
    leftovers.push({ arn: r.arn, type, kind, note });
  }
  return settleLeftovers(leftovers);
}

/**
 * Leftovers in report order (by ARN), and whether they let a destroy count as complete (every one
 * {@link isSettled}). Destroy merges those found by other means than the tag scan (a log group it
 * may not delete, a hosted zone it could not check) with the scan's through this too.
 */
export function settleLeftovers(leftovers: readonly Leftover[]): {
  readonly leftovers: readonly Leftover[];
  readonly clean: boolean;
} {
  const sorted = [...leftovers].sort((a, b) => a.arn.localeCompare(b.arn));
  return { leftovers: sorted, clean: sorted.every((l) => isSettled(l.kind)) };
}

/** Whether a leftover of this kind lets a destroy count as complete. */
function isSettled(kind: LeftoverKind): boolean {
  return kind !== 'billable' && kind !== 'unverified';
}
