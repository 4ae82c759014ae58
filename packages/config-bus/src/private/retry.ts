/**
 * How SSM calls that could not be answered (throttled, unreachable, 5xx) are retried: exponential
 * backoff with full jitter. Answers (not found, access denied, validation) are never retried.
 */
export interface RetryPolicy {
  /** Attempts in all, the first included. @default 4 */
  readonly attempts?: number;
  /** Delay cap of the first retry; doubles each retry. @default 100 */
  readonly baseDelayMs?: number;
  /** Largest delay cap. @default 2000 */
  readonly maxDelayMs?: number;
  /** Injected in tests. @default setTimeout */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Injected in tests. @default Math.random */
  readonly random?: () => number;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'TooManyUpdates',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
]);

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
]);

function field(error: unknown, key: string): unknown {
  return typeof error === 'object' && error !== null
    ? (error as Record<string, unknown>)[key]
    : undefined;
}

function httpStatus(error: unknown): number | undefined {
  const meta = field(error, '$metadata');
  const status = field(meta, 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** SSM said slow down: `ThrottlingException`, `TooManyUpdates` or HTTP 429. */
export function isThrottling(error: unknown): boolean {
  return THROTTLING.has(String(field(error, 'name'))) || httpStatus(error) === 429;
}

/**
 * SSM could not answer: throttled, unreachable (DNS, refused, reset, timeout) or failing (5xx).
 * These are the failures the cache covers with the last good value. Access denied, validation
 * errors and the like are not: they are answers, and hiding them would hide a misconfiguration.
 */
export function isUnavailable(error: unknown): boolean {
  if (isThrottling(error)) return true;
  const name = String(field(error, 'name'));
  if (
    name === 'TimeoutError' ||
    name === 'InternalServerError' ||
    name === 'InternalServerException'
  )
    return true;
  if (NETWORK_CODES.has(String(field(error, 'code')))) return true;
  const status = httpStatus(error);
  return status !== undefined && status >= 500;
}

/** Delay before retry `retry` (1-based): uniform in [0, min(max, base * 2^(retry-1))]. */
export function backoffDelay(retry: number, policy: RetryPolicy = {}): number {
  const base = policy.baseDelayMs ?? 100;
  const max = policy.maxDelayMs ?? 2000;
  const cap = Math.min(max, base * 2 ** (retry - 1));
  return Math.floor((policy.random ?? Math.random)() * cap);
}

const sleepFor = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Run `call`, retrying it while SSM is unavailable ({@link isUnavailable}: throttling first of all);
 * other errors, and the last failure once the attempts are spent, propagate.
 */
export async function withRetry<T>(call: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 4);
  const sleep = policy.sleep ?? sleepFor;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts || !isUnavailable(error)) throw error;
      await sleep(backoffDelay(attempt, policy));
    }
  }
}
