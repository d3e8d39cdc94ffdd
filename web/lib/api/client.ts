// Browser-side API calls: same-origin fetch with the session cookie, the CSRF header the API requires
// on cookie-authenticated state changes, and an Idempotency-Key where asked. Never throws: a network
// failure is a NETWORK result (status 0), no answer within `timeoutMs` a TIMEOUT result (status 0),
// and the page can show either.
import type { ApiError, ApiResult } from './types.ts';

let csrfToken: string | undefined;

/** Set once from GET /api/me (the layout does this). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

export interface CallOptions {
  body?: unknown;
  idempotencyKey?: string;
  /** A raw body (file upload) with its content type. */
  raw?: { data: Blob | string; type: string };
  /** Gives up waiting after this many milliseconds (TIMEOUT); unset: the browser's own limits. */
  timeoutMs?: number;
}

export async function call<T>(method: string, path: string, options: CallOptions = {}): Promise<ApiResult<T>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (method !== 'GET' && csrfToken) headers['x-csrf-token'] = csrfToken;
  if (options.idempotencyKey) headers['idempotency-key'] = options.idempotencyKey;
  let body: BodyInit | undefined;
  if (options.raw) {
    headers['content-type'] = options.raw.type;
    body = options.raw.data;
  } else if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  const signal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  const timedOut = (): ApiResult<T> => ({
    ok: false,
    status: 0,
    error: { code: 'TIMEOUT', message: 'The server did not answer in time.' },
  });
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal });
  } catch {
    return signal?.aborted
      ? timedOut()
      : { ok: false, status: 0, error: { code: 'NETWORK', message: 'No connection to the server.' } };
  }
  const parsed = (await res.json().catch(() => undefined)) as unknown;
  if (signal?.aborted && parsed === undefined) return timedOut();
  if (res.ok) return { ok: true, status: res.status, data: parsed as T };
  const error = (parsed as { error?: ApiError } | undefined)?.error ?? {
    code: 'UNAVAILABLE',
    message: `HTTP ${res.status}`,
  };
  return { ok: false, status: res.status, error };
}
