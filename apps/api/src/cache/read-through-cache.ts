export interface ReadThroughCacheOptions {
  /** How long a loaded value is served; 0 turns the cache off (every read loads). */
  readonly ttlMs: number;
  /** Bound on entries; the least recently used is evicted first. */
  readonly maxEntries: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export interface CacheStats {
  readonly hits: number;
  readonly misses: number;
  /** hits / (hits + misses), 0 before the first read. */
  readonly hitRate: number;
  readonly size: number;
  readonly ttlMs: number;
}

interface Entry<V> {
  readonly value: V;
  readonly expiresAt: number;
  /** After this, a hit also reloads the entry in the background (refresh-ahead). */
  readonly refreshAt: number;
}

/** Fraction of the TTL after which a hit triggers a background refresh. */
const REFRESH_AHEAD = 0.75;

/**
 * Read-through cache for hot reads, local to one process (each ECS task has its own; a write on
 * another task is seen here at the latest after `ttlMs`).
 * - concurrent misses of one key share one load (no stampede on a hot key);
 * - `invalidate` during a load keeps that load's (possibly stale) result out of the cache;
 * - `undefined` (not found) is never cached;
 * - refresh-ahead: a hit in the last quarter of an entry's TTL reloads it in the background, so
 *   a hot key never expires under its readers (it is still never served older than the TTL).
 */
export class ReadThroughCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly loading = new Map<string, Promise<V | undefined>>();
  private readonly generations = new Map<string, number>();
  private readonly now: () => number;
  private hits = 0;
  private misses = 0;

  constructor(private readonly options: ReadThroughCacheOptions) {
    this.now = options.now ?? Date.now;
  }

  get enabled(): boolean {
    return this.options.ttlMs > 0;
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    if (!this.enabled) {
      this.misses++;
      return load();
    }
    const entry = this.entries.get(key);
    const now = this.now();
    if (entry && entry.expiresAt > now) {
      this.hits++;
      // Refresh recency: Map keeps insertion order, the first key is the least recently used.
      this.entries.delete(key);
      this.entries.set(key, entry);
      if (entry.refreshAt <= now && !this.loading.has(key)) this.load(key, load).catch(() => {}); // the current value stays until it expires
      return entry.value;
    }
    if (entry) this.entries.delete(key);
    this.misses++;
    return this.loading.get(key) ?? this.load(key, load);
  }

  private load(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const generation = this.generations.get(key) ?? 0;
    const promise = load()
      .then((value) => {
        if ((this.generations.get(key) ?? 0) !== generation) return value;
        if (value === undefined)
          this.entries.delete(key); // gone at the source (refresh-ahead)
        else this.store(key, value);
        return value;
      })
      .finally(() => {
        if (this.loading.get(key) === promise) this.loading.delete(key);
      });
    this.loading.set(key, promise);
    return promise;
  }

  /** Puts a value just written (so the next read is a hit). */
  set(key: string, value: V): void {
    if (!this.enabled) return;
    this.bump(key);
    this.store(key, value);
  }

  invalidate(key: string): void {
    this.bump(key);
    this.entries.delete(key);
  }

  stats(): CacheStats {
    const total = this.hits + this.misses;
    return {
      hits: this.hits,
      misses: this.misses,
      hitRate: total === 0 ? 0 : this.hits / total,
      size: this.entries.size,
      ttlMs: this.options.ttlMs,
    };
  }

  private bump(key: string): void {
    this.generations.set(key, (this.generations.get(key) ?? 0) + 1);
    // A load in flight now belongs to an older generation: later readers must not join it.
    this.loading.delete(key);
    if (this.generations.size > this.options.maxEntries * 2) this.generations.clear();
  }

  private store(key: string, value: V): void {
    this.entries.delete(key);
    const now = this.now();
    this.entries.set(key, {
      value,
      expiresAt: now + this.options.ttlMs,
      refreshAt: now + this.options.ttlMs * REFRESH_AHEAD,
    });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}
