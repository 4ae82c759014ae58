/** The service's API as the page uses it: same origin, /api/* only (CloudFront routes it). */

interface Attachment {
  fileName: string;
  contentType: string;
  size: number;
}

export interface Item {
  id: string;
  name: string;
  description: string | null;
  attachment: Attachment | null;
  createdAt: string;
  updatedAt: string;
}

interface ServiceLocation {
  service: string;
  url: string | null;
  environment: string | null;
  fallback: boolean;
  error?: string;
}

export interface EnvironmentInfo {
  app: string;
  environment: string;
  branch: string;
  commit: string;
  profile: string;
  region: string | null;
  databaseEngine: string;
  configSource: string;
  attachments: boolean;
  services: ServiceLocation[];
  fallbacks: string[];
}

/** The API's attachment limits (apps/api ITEM_LIMITS.attachmentMaxBytes, attachmentBody). */
export const ATTACHMENT_LIMITS = {
  minBytes: 1,
  maxBytes: 10 * 1024 * 1024,
  nameMaxLength: 255,
  contentTypeMaxLength: 100,
};

/** The API's patterns for an attachment's file name and media type (attachmentBody). */
export const ATTACHMENT_PATTERNS = {
  fileName: '^[^\\u0000-\\u001f/\\\\]+$',
  contentType: '^[a-z0-9.+-]+/[a-z0-9.+-]+$',
};
const FILE_NAME = new RegExp(ATTACHMENT_PATTERNS.fileName);
const CONTENT_TYPE = new RegExp(ATTACHMENT_PATTERNS.contentType);

/**
 * Why the API would refuse this file as an attachment, or undefined. Checked before the item is
 * created: the item and its attachment are two requests, and a refused attachment would leave
 * the item behind.
 */
export function attachmentProblem(file: { name: string; size: number }): string | undefined {
  const { minBytes, maxBytes, nameMaxLength } = ATTACHMENT_LIMITS;
  if (file.size < minBytes) return `${file.name} is empty`;
  if (file.size > maxBytes)
    return `${file.name} is ${file.size} bytes; an attachment may be at most ${maxBytes / 1024 / 1024} MiB (${maxBytes} bytes)`;
  if (file.name.length > nameMaxLength)
    return `the file name is longer than ${nameMaxLength} characters`;
  if (!FILE_NAME.test(file.name))
    return `the file name ${JSON.stringify(file.name)} contains / or \\ or a control character; rename the file`;
  return undefined;
}

/**
 * The media type sent for a file: the browser's, lowercased and without parameters, when the API
 * accepts it (`type/subtype` of `a-z 0-9 . + -`, at most 100 characters), else
 * `application/octet-stream` (browsers report e.g. `…macroEnabled.12` or nothing at all).
 */
export function attachmentContentType(browserType: string): string {
  const type = (browserType.split(';')[0] ?? '').trim().toLowerCase();
  return type.length <= ATTACHMENT_LIMITS.contentTypeMaxLength && CONTENT_TYPE.test(type)
    ? type
    : 'application/octet-stream';
}

export interface Health {
  status: 'ready' | 'not_ready' | 'draining';
  checks: Record<string, { ok: boolean; detail: string; latencyMs: number }>;
}

/** An error body of the API (`{ error, message }`) or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function call<T>(path: string, init?: RequestInit, accept: number[] = []): Promise<T> {
  let response: Response;
  try {
    response = await fetch(path, {
      ...init,
      headers: { accept: 'application/json', ...(init?.headers ?? {}) },
    });
  } catch (e) {
    throw new ApiError(0, 'network', `cannot reach the API: ${(e as Error).message}`);
  }
  if (response.status === 204) return undefined as T;
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok && !accept.includes(response.status)) {
    const b = (body ?? {}) as { error?: string; message?: string };
    throw new ApiError(
      response.status,
      b.error ?? 'http_error',
      b.message ?? `HTTP ${response.status}`,
    );
  }
  return body as T;
}

const json = (method: string, body: unknown): RequestInit => ({
  method,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

export const api = {
  environment: () => call<EnvironmentInfo>('/api/env'),
  /** 503 is an answer here (not ready), not an error. */
  health: () => call<Health>('/api/health', undefined, [503]),
  listItems: (limit = 50) => call<{ items: Item[] }>(`/api/items?limit=${limit}`),
  createItem: (name: string, description: string | null) =>
    call<Item>('/api/items', json('POST', description ? { name, description } : { name })),
  deleteItem: (id: string) =>
    call<void>(`/api/items/${encodeURIComponent(id)}`, { method: 'DELETE' }),
  attach: (id: string, file: File) =>
    call<{ item: Item; upload: { url: string; method: string; headers: Record<string, string> } }>(
      `/api/items/${encodeURIComponent(id)}/attachment`,
      json('POST', {
        fileName: file.name,
        contentType: attachmentContentType(file.type),
        size: file.size,
      }),
    ),
  downloadUrl: (id: string) =>
    call<{ url: string }>(`/api/items/${encodeURIComponent(id)}/attachment`),
};
