import { describe, expect, it } from 'vitest';
import { ReadThroughCache } from '../src/cache/read-through-cache.js';

function counter(values: Record<string, string>) {
  const calls: string[] = [];
  return {
    calls,
    load: (key: string) => async () => {
      calls.push(key);
      return values[key];
    },
  };
}

describe('ReadThroughCache', () => {
  it('loads once per TTL and counts hits and misses', async () => {
    let now = 0;
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    const src = counter({ a: 'A' });
    expect(await cache.get('a', src.load('a'))).toBe('A');
    now = 700; // fresh, before the refresh-ahead point
    expect(await cache.get('a', src.load('a'))).toBe('A');
    expect(src.calls).toEqual(['a']);
    now = 1000; // expired
    expect(await cache.get('a', src.load('a'))).toBe('A');
    expect(src.calls).toEqual(['a', 'a']);
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 2, hitRate: 1 / 3, size: 1 });
  });

  it('does not cache not-found', async () => {
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10 });
    const src = counter({});
    await cache.get('x', src.load('x'));
    await cache.get('x', src.load('x'));
    expect(src.calls).toEqual(['x', 'x']);
  });

  it('shares one load between concurrent misses of a key', async () => {
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10 });
    let loads = 0;
    let release: (v: string) => void = () => {};
    const load = () => {
      loads++;
      return new Promise<string>((r) => (release = r));
    };
    const all = Promise.all([cache.get('k', load), cache.get('k', load), cache.get('k', load)]);
    release('V');
    expect(await all).toEqual(['V', 'V', 'V']);
    expect(loads).toBe(1);
  });

  it('keeps a load that raced with an invalidation out of the cache', async () => {
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10 });
    let release: (v: string) => void = () => {};
    const slow = cache.get('k', () => new Promise<string>((r) => (release = r)));
    cache.invalidate('k'); // a write happened while the old value was being read
    release('old');
    expect(await slow).toBe('old');
    const src = counter({ k: 'new' });
    expect(await cache.get('k', src.load('k'))).toBe('new');
    expect(src.calls).toEqual(['k']);
  });

  it('evicts the least recently used entry beyond maxEntries', async () => {
    const cache = new ReadThroughCache<string>({ ttlMs: 10_000, maxEntries: 2 });
    const src = counter({ a: 'A', b: 'B', c: 'C' });
    await cache.get('a', src.load('a'));
    await cache.get('b', src.load('b'));
    await cache.get('a', src.load('a')); // a is now the most recent
    await cache.get('c', src.load('c')); // evicts b
    await cache.get('a', src.load('a'));
    await cache.get('b', src.load('b'));
    expect(src.calls).toEqual(['a', 'b', 'c', 'b']);
    expect(cache.stats().size).toBe(2);
  });

  it('with ttl 0 is off: every read loads', async () => {
    const cache = new ReadThroughCache<string>({ ttlMs: 0, maxEntries: 10 });
    const src = counter({ a: 'A' });
    cache.set('a', 'A');
    await cache.get('a', src.load('a'));
    await cache.get('a', src.load('a'));
    expect(src.calls).toEqual(['a', 'a']);
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 2, hitRate: 0 });
  });

  it('refreshes a hot entry in the background before it expires (refresh-ahead)', async () => {
    let now = 0;
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    let version = 1;
    let loads = 0;
    const load = async () => {
      loads++;
      return `v${version}`;
    };
    expect(await cache.get('k', load)).toBe('v1');
    version = 2;
    now = 700; // before the refresh point: a plain hit
    expect(await cache.get('k', load)).toBe('v1');
    expect(loads).toBe(1);
    now = 800; // in the last quarter: served from cache, reloaded behind it
    expect(await cache.get('k', load)).toBe('v1');
    await new Promise((r) => setTimeout(r, 0));
    expect(loads).toBe(2);
    now = 1500; // past the first expiry, but the refreshed entry lives until 1800
    expect(await cache.get('k', load)).toBe('v2');
    expect(loads).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 3, misses: 1 });
  });

  it('drops an entry whose refresh finds it gone', async () => {
    let now = 0;
    const cache = new ReadThroughCache<string>({ ttlMs: 1000, maxEntries: 10, now: () => now });
    let exists = true;
    const load = async () => (exists ? 'v' : undefined);
    await cache.get('k', load);
    exists = false;
    now = 900;
    expect(await cache.get('k', load)).toBe('v');
    await new Promise((r) => setTimeout(r, 0));
    expect(await cache.get('k', load)).toBeUndefined();
  });
});
