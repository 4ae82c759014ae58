/** Value of `meta/expires-at` for an environment that never expires. */
export const NEVER = 'never';

/** What the deploy records: `meta/expires-at` is last deploy + TTL, or "never". */
export function expiresAtRecord(ttlHours: number | null, deployedAt: Date): string {
  return ttlHours === null
    ? NEVER
    : new Date(deployedAt.getTime() + ttlHours * 3_600_000).toISOString();
}

/**
 * When an environment expires, from what is recorded about it:
 * `Date` = expires then; `null` = never; `undefined` = unknown (no usable record).
 * The `meta/expires-at` record wins; else the last deploy (or the stack's creation) plus
 * `ttlHours` when the caller knows the TTL.
 */
export function expiryOf(
  record: {
    readonly expiresAt?: string | undefined;
    readonly deployedAt?: string | undefined;
    readonly createdAt?: string | undefined;
  },
  ttlHours?: number | null,
): Date | null | undefined {
  if (record.expiresAt === NEVER) return null;
  const recorded = parseTime(record.expiresAt);
  if (recorded) return recorded;
  if (ttlHours === null) return null;
  const since = parseTime(record.deployedAt) ?? parseTime(record.createdAt);
  if (ttlHours === undefined || !since) return undefined;
  return new Date(since.getTime() + ttlHours * 3_600_000);
}

export function isExpired(expiry: Date | null | undefined, now: Date): boolean {
  return expiry instanceof Date && expiry.getTime() <= now.getTime();
}

function parseTime(value: string | undefined): Date | undefined {
  if (!value) return undefined;
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** `2 h 05 m`, `3 d 4 h`: a short human duration (negative durations get "ago"). */
export function humanDuration(ms: number): string {
  const past = ms < 0;
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  const text =
    d > 0 ? `${d} d ${h} h` : h > 0 ? `${h} h ${String(m).padStart(2, '0')} m` : `${m} m`;
  return past ? `${text} ago` : text;
}
