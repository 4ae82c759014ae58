const THROTTLING = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'TooManyUpdates',
  'ProvisionedThroughputExceededException',
]);

export function isThrottling(error: unknown): boolean {
  return error instanceof Error && THROTTLING.has(error.name);
}

export interface RetryOptions {
  /** Attempts in all, including the first. @default 6 */
  readonly attempts?: number;
  /** First back-off; doubles each time, with full jitter. @default 250 */
  readonly baseMs?: number;
  /** @default setTimeout-based sleep (tests pass a fake) */
  readonly sleep?: (ms: number) => Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Retry a call on throttling. The SDK's own standard retry (3 attempts) runs inside each call;
 * this outer loop is for the bursts a destroy or a list across many environments causes
 * (tag:GetResources and ssm:GetParametersByPath throttle at a few requests per second).
 */
export async function withRetry<T>(call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 6;
  const base = options.baseMs ?? 250;
  const wait = options.sleep ?? sleep;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!isThrottling(error) || attempt >= attempts) throw error;
      await wait(Math.round(Math.random() * base * 2 ** (attempt - 1)));
    }
  }
}
