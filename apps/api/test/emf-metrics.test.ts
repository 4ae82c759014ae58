import { describe, expect, it } from 'vitest';
import { EmfMetrics } from '../src/observability/emf-metrics.js';

describe('EmfMetrics.cache', () => {
  it('publishes hits, misses and hit rate of each interval, nothing for an idle one', () => {
    const lines: string[] = [];
    const m = new EmfMetrics({ environment: 'pr-7', write: (l) => lines.push(l), now: () => 1700 });
    m.cache({ hits: 9, misses: 1, hitRate: 0.9, size: 1, ttlMs: 1 });
    m.cache({ hits: 9, misses: 1, hitRate: 0.9, size: 1, ttlMs: 1 });
    m.cache({ hits: 12, misses: 2, hitRate: 12 / 14, size: 1, ttlMs: 1 });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        _aws: {
          Timestamp: 1700,
          CloudWatchMetrics: [
            {
              Namespace: 'BranchEnv',
              Dimensions: [['Environment']],
              Metrics: [
                { Name: 'CacheHits', Unit: 'Count' },
                { Name: 'CacheMisses', Unit: 'Count' },
                { Name: 'CacheHitRate', Unit: 'Percent' },
              ],
            },
          ],
        },
        Environment: 'pr-7',
        CacheHits: 9,
        CacheMisses: 1,
        CacheHitRate: 90,
      },
      expect.objectContaining({ CacheHits: 3, CacheMisses: 1, CacheHitRate: 75 }),
    ]);
    expect(lines.every((l) => l.endsWith('\n'))).toBe(true);
  });
});
