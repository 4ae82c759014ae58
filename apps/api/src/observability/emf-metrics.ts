import type { CacheStats } from '../cache/read-through-cache.js';

export const METRIC_NAMESPACE = 'BranchEnv';
export const LATENCY_METRIC = 'RequestLatency';

export interface EmfMetricsOptions {
  readonly environment: string;
  /** Receives one JSON line per record. @default process.stdout */
  readonly write?: (line: string) => void;
  readonly now?: () => number;
}

export interface RequestRecord {
  readonly latencyMs: number;
  readonly method: string;
  readonly route: string;
  readonly statusCode: number;
}

/**
 * CloudWatch embedded metric format on stdout: the awslogs driver ships the line to CloudWatch
 * Logs, which extracts the metrics. One dimension set (`Environment`) keeps it to a few custom
 * metrics per environment; route, method and status stay searchable as log fields.
 */
export class EmfMetrics {
  private readonly write: (line: string) => void;
  private readonly now: () => number;
  private lastHits = 0;
  private lastMisses = 0;

  constructor(private readonly options: EmfMetricsOptions) {
    this.write = options.write ?? ((line) => process.stdout.write(line));
    this.now = options.now ?? Date.now;
  }

  request(r: RequestRecord): void {
    this.emit([{ Name: LATENCY_METRIC, Unit: 'Milliseconds' }], {
      [LATENCY_METRIC]: Math.round(r.latencyMs * 1000) / 1000,
      method: r.method,
      route: r.route,
      statusCode: r.statusCode,
    });
  }

  /** Hits and misses since the previous call, and the hit rate over that interval. */
  cache(stats: CacheStats): void {
    const hits = stats.hits - this.lastHits;
    const misses = stats.misses - this.lastMisses;
    this.lastHits = stats.hits;
    this.lastMisses = stats.misses;
    if (hits + misses === 0) return;
    this.emit(
      [
        { Name: 'CacheHits', Unit: 'Count' },
        { Name: 'CacheMisses', Unit: 'Count' },
        { Name: 'CacheHitRate', Unit: 'Percent' },
      ],
      {
        CacheHits: hits,
        CacheMisses: misses,
        CacheHitRate: Math.round((hits / (hits + misses)) * 10_000) / 100,
      },
    );
  }

  private emit(
    metrics: readonly { Name: string; Unit: string }[],
    values: Record<string, unknown>,
  ): void {
    const record = {
      _aws: {
        Timestamp: this.now(),
        CloudWatchMetrics: [
          { Namespace: METRIC_NAMESPACE, Dimensions: [['Environment']], Metrics: metrics },
        ],
      },
      Environment: this.options.environment,
      ...values,
    };
    this.write(JSON.stringify(record) + '\n');
  }
}
