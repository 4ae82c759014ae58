import { ConfigBusUnavailableError, describe } from './errors.js';
import type { Logger } from './logger.js';
import { isUnavailable } from './retry.js';

export interface CacheRead<T> {
  readonly value: T;
  /** True when SSM could not answer and this is the last good value. */
  readonly stale: boolean;
  /** Age of the value in milliseconds (0 when just read). */
  readonly ageMs: number;
}

interface Entry {
  readonly value: unknown;
  readonly at: number;
  /** The last read of this entry was served stale (so recovery is logged once). */
  staleServed: boolean;
  /** When SSM was last asked for it (a stale entry is asked again at most once per TTL). */
  triedAt: number;
}

/**
 * In-process read-through cache with a TTL. Within the TTL a value is served without calling SSM.
 * After it, SSM is asked again; when SSM is unavailable (throttled beyond the retries, unreachable,
 * 5xx) the last good value is served with `stale: true` and one log line per stale episode (and
 * one when SSM answers again); while stale, SSM is asked again at most once per TTL. Without a last good value the failure is thrown as
 * {@link ConfigBusUnavailableError}. Other errors (access denied, validation) always propagate.
 */
export class StaleCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly ttlMs: number,
    private readonly logger: Logger,
    private readonly now: () => number = Date.now,
  ) {}

  async read<T>(id: string, load: () => Promise<T>): Promise<CacheRead<T>> {
    const entry = this.entries.get(id);
    const now = this.now();
    if (entry && now - entry.at < this.ttlMs && !entry.staleServed)
      return { value: entry.value as T, stale: false, ageMs: now - entry.at };
    if (entry?.staleServed && now - entry.triedAt < this.ttlMs)
      return { value: entry.value as T, stale: true, ageMs: now - entry.at };
    if (entry) entry.triedAt = now;
    try {
      const value = await load();
      if (entry?.staleServed) this.logger.info(`${id}: SSM answers again; fresh value in use`);
      this.entries.set(id, { value, at: this.now(), staleServed: false, triedAt: now });
      return { value, stale: false, ageMs: 0 };
    } catch (error) {
      if (!isUnavailable(error)) throw error;
      if (!entry) throw new ConfigBusUnavailableError(id, error);
      const ageMs = now - entry.at;
      if (!entry.staleServed) {
        this.logger.warn(
          `${id}: SSM unavailable (${describe(error)}); serving the value cached ${Math.round(ageMs / 1000)} s ago (stale)`,
        );
        entry.staleServed = true;
      }
      return { value: entry.value as T, stale: true, ageMs };
    }
  }

  /** Remember a value just written (read-your-writes). */
  set(id: string, value: unknown): void {
    const now = this.now();
    this.entries.set(id, { value, at: now, staleServed: false, triedAt: now });
  }

  /** Forget `id` and every path read that could contain it. */
  invalidate(id: string): void {
    for (const key of [...this.entries.keys()]) {
      if (key === id || (key.startsWith('path:') && id.startsWith(key.slice('path:'.length))))
        this.entries.delete(key);
    }
  }
}
