import type { AlbEvent, AlbResult } from '../../web/site-server/respond.js';
import { RETRY_AFTER_SECONDS, WAKE_ESTIMATE_SECONDS, type WakeOutcome } from './decide.js';

/**
 * The sleeper's answers to a request that reached a waker target group: 503 with `Retry-After`
 * (the environment is coming back), never cached. A browser asking for a page gets a small
 * accessible HTML page that refreshes itself; other clients (another method, an `Accept` without
 * HTML) get JSON or plain text.
 */

/** The ALB Lambda-target request (multi-value headers off), as the sleeper reads it. */
export type WakerEvent = AlbEvent & {
  readonly requestContext: { readonly elb: { readonly targetGroupArn: string } };
};

export function isWakerEvent(event: unknown): event is WakerEvent {
  const e = event as { requestContext?: { elb?: { targetGroupArn?: unknown } } } | null;
  return typeof e?.requestContext?.elb?.targetGroupArn === 'string';
}

const COMMON = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
} as const;

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** `about a minute and a half`: the estimate in words. */
export function estimateInWords(seconds: number): string {
  if (seconds <= 60) return 'about a minute';
  if (seconds <= 100) return 'about a minute and a half';
  return `about ${Math.round(seconds / 60)} minutes`;
}

/** The HTML page: a heading, a live status line, and a refresh every RETRY_AFTER_SECONDS. */
export function wakingHtml(environment: string, outcome: WakeOutcome): string {
  const name = escapeHtml(environment);
  const status =
    outcome === 'waking'
      ? `The environment <strong>${name}</strong> was asleep after a while without requests and is starting again. This takes ${estimateInWords(WAKE_ESTIMATE_SECONDS)}.`
      : `The environment <strong>${name}</strong> is awake again.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="${RETRY_AFTER_SECONDS}">
<title>Waking ${name}</title>
<style>body{font:1.1rem/1.5 system-ui,sans-serif;max-width:36rem;margin:4rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}@media (prefers-color-scheme:dark){body{color:#eee;background:#111}}</style>
</head>
<body>
<main>
<h1>Waking up ${name}</h1>
<p role="status" aria-live="polite">${status}</p>
<p>This page reloads itself every ${RETRY_AFTER_SECONDS} seconds and shows the site as soon as it answers.</p>
</main>
</body>
</html>
`;
}

function wantsHtml(event: AlbEvent): boolean {
  const method = event.httpMethod.toUpperCase();
  if (method !== 'GET' && method !== 'HEAD') return false;
  return /\btext\/html\b|\bapplication\/xhtml\+xml\b/i.test(event.headers?.['accept'] ?? '');
}

function wantsJson(event: AlbEvent): boolean {
  return /\bapplication\/(?:[\w.+-]*\+)?json\b/i.test(event.headers?.['accept'] ?? '');
}

/** The 503 a request to a waking (or just restored) environment gets. */
export function wakingResult(
  event: AlbEvent,
  environment: string,
  outcome: WakeOutcome,
): AlbResult {
  const head = event.httpMethod.toUpperCase() === 'HEAD';
  const headers: Record<string, string> = {
    ...COMMON,
    'retry-after': String(RETRY_AFTER_SECONDS),
  };
  let body: string;
  if (wantsHtml(event)) {
    headers['content-type'] = 'text/html; charset=utf-8';
    body = wakingHtml(environment, outcome);
  } else if (wantsJson(event)) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify({
      environment,
      status: outcome === 'waking' ? 'waking' : 'awake',
      retryAfterSeconds: RETRY_AFTER_SECONDS,
      estimatedSeconds: outcome === 'waking' ? WAKE_ESTIMATE_SECONDS : 0,
    });
  } else {
    headers['content-type'] = 'text/plain; charset=utf-8';
    body =
      outcome === 'waking'
        ? `${environment} is waking up (${estimateInWords(WAKE_ESTIMATE_SECONDS)}); retry in ${RETRY_AFTER_SECONDS} seconds.\n`
        : `${environment} is awake again; retry now.\n`;
  }
  return {
    statusCode: 503,
    statusDescription: '503 Service Unavailable',
    headers,
    body: head ? '' : body,
    isBase64Encoded: false,
  };
}

/** No environment of this app answers at the request's host (or it sent none). */
export function unknownHostResult(event: AlbEvent): AlbResult {
  const head = event.httpMethod.toUpperCase() === 'HEAD';
  return {
    statusCode: 404,
    statusDescription: '404 Not Found',
    headers: { ...COMMON, 'content-type': 'text/plain; charset=utf-8' },
    body: head ? '' : 'No environment answers at this name.\n',
    isBase64Encoded: false,
  };
}

/** Waking failed (an AWS error): the client may retry; the log has the cause. */
export function failedResult(event: AlbEvent): AlbResult {
  const head = event.httpMethod.toUpperCase() === 'HEAD';
  return {
    statusCode: 503,
    statusDescription: '503 Service Unavailable',
    headers: {
      ...COMMON,
      'content-type': 'text/plain; charset=utf-8',
      'retry-after': String(RETRY_AFTER_SECONDS * 6),
    },
    body: head ? '' : 'The environment could not be woken right now; retry in a moment.\n',
    isBase64Encoded: false,
  };
}
