// Browser-side API calls through the typed client: `api` is openapi-fetch over the paths of
// /api/openapi.json (./openapi.d.ts), so a path, a parameter, a body or an answer's field that the
// server does not have fails `npm run check`. Same-origin fetch with the session cookie, and the CSRF
// header the API requires on cookie-authenticated state changes. `call` turns an answer into an
// ApiResult and never throws: a network failure is a NETWORK result (status 0), no answer within
// `timeoutMs` a TIMEOUT result (status 0), and the page can show either.
//   const res = await call((signal) => api.GET('/lots/{id}', { params: { path: { id } }, signal }), { timeoutMs });
import createClient from 'openapi-fetch';
import type { paths } from './openapi';
import { errorOf, type Answer } from './answer.ts';
import type { ApiResult } from './types.ts';

let csrfToken: string | undefined;

/** Set once from GET /api/me (the layout does this). */
export function setCsrfToken(token: string | undefined): void {
  csrfToken = token;
}

/** The API, typed by its own description. Paths are relative to /api. */
export const api = createClient<paths>({
  baseUrl: '/api',
  credentials: 'same-origin',
  headers: { accept: 'application/json' },
});
api.use({
  onRequest({ request }) {
    if (request.method !== 'GET' && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
});

export interface CallOptions {
  /** Gives up waiting after this many milliseconds (TIMEOUT); unset: the browser's own limits. */
  timeoutMs?: number;
}

/** Sends one request (`send` gets the signal to pass on) and returns its result; never throws. */
export async function call<D>(
  send: (signal: AbortSignal | undefined) => Answer<D>,
  options: CallOptions = {},
): Promise<ApiResult<D>> {
  const signal = options.timeoutMs ? AbortSignal.timeout(options.timeoutMs) : undefined;
  let answer: Awaited<Answer<D>>;
  try {
    answer = await send(signal);
  } catch {
    return signal?.aborted
      ? { ok: false, status: 0, error: { code: 'TIMEOUT', message: 'The server did not answer in time.' } }
      : { ok: false, status: 0, error: { code: 'NETWORK', message: 'No connection to the server.' } };
  }
  const { data, error, response } = answer;
  if (response.ok) return { ok: true, status: response.status, data: data as D };
  return { ok: false, status: response.status, error: errorOf(error, response.status) };
}
