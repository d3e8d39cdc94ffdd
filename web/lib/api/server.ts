// Server-side API access for load functions. The pages are a separate bundle from the API (they must
// not import server/ code), so they call the HTTP API like any client: on the very address and port
// this request arrived on (loopback, never through the public origin or a proxy), forwarding the
// browser's cookie so the API sees the same session.
//
// Pages degrade, they do not hang: every call is bounded (API_TIMEOUT_MS each, PAGE_API_BUDGET_MS for
// all the calls of one page request together), and when the API is unreachable, does not answer in
// time or answers 502/503/504, `get` ends the page with error 503 `UNAVAILABLE`: +error.svelte shows
// "temporarily unavailable, your bids are safe" and reloads itself, and hooks.server.ts adds the
// Retry-After header. After one such failure the request's remaining calls fail at once (the API is
// down for this request; waiting again would only delay the answer).
//
// The calls are typed by the API's own description (openapi-fetch over ./openapi.d.ts):
//   const lot = await serverApi(event).get((api) => api.GET('/lots/{id}', { params: { path: { id } } }));
import { error, type RequestEvent } from '@sveltejs/kit';
import createClient, { type Client } from 'openapi-fetch';
import { errorOf, type Answer } from './answer.ts';
import type { paths } from './openapi';
import type { ApiResult } from './types.ts';

/** The longest one server-side API call of a page may take. */
export const API_TIMEOUT_MS = 3_000;
/** The longest all the API calls of one page request may take together (a lot page reads in pages). */
export const PAGE_API_BUDGET_MS = 2 * API_TIMEOUT_MS;
/** Retry-After (seconds) of the degraded page when the API did not name one; and its bounds. */
export const DEFAULT_RETRY_AFTER_S = 5;
const MIN_RETRY_AFTER_S = 5;
const MAX_RETRY_AFTER_S = 60;

/** Why the API could not serve this page request. */
export interface Unavailable {
  message: string;
  /** Seconds after which trying again makes sense. */
  retryAfter: number;
}

interface RequestState {
  /** Aborts every call still running once the page's budget is spent. */
  deadline: AbortSignal;
  down?: Unavailable;
}

// Keyed by the request's `locals`, the one object hooks and every load of a request share.
const states = new WeakMap<App.Locals, RequestState>();

function stateOf(locals: App.Locals): RequestState {
  let state = states.get(locals);
  if (!state) {
    state = { deadline: AbortSignal.timeout(PAGE_API_BUDGET_MS) };
    states.set(locals, state);
  }
  return state;
}

/** Retry-After in seconds from a response header (delta-seconds or an HTTP date), within bounds. */
export function retryAfterSeconds(header: string | null | undefined): number {
  let seconds = DEFAULT_RETRY_AFTER_S;
  if (header) {
    const trimmed = header.trim();
    const n = /^\d+$/.test(trimmed) ? Number(trimmed) : (Date.parse(trimmed) - Date.now()) / 1000;
    if (Number.isFinite(n)) seconds = Math.ceil(n);
  }
  return Math.min(MAX_RETRY_AFTER_S, Math.max(MIN_RETRY_AFTER_S, seconds));
}

/** Whether the API was found unavailable while serving this request (hooks and loads alike). */
export function apiUnavailable(locals: App.Locals): Unavailable | undefined {
  return states.get(locals)?.down;
}

/** Ends the page with the degraded 503 page. */
function unavailablePage(down: Unavailable): never {
  error(503, down.message, { code: 'UNAVAILABLE', retryAfter: down.retryAfter });
}

/** Ends the page with the degraded 503 page if the API was found unavailable for this request. */
export function ensureApiAvailable(locals: App.Locals): void {
  const down = apiUnavailable(locals);
  if (down) unavailablePage(down);
}

// One warning line (pino's JSON shape, like the rest of the process's log) for the first degraded page
// and then at most one every NOTE_EVERY_MS with the count since, so an outage does not flood the log.
const NOTE_EVERY_MS = 10_000;
let lastNote = 0;
let unnoted = 0;
function noteDegraded(page: string, call: string, reason: string): void {
  unnoted++;
  const now = Date.now();
  if (now - lastNote < NOTE_EVERY_MS) return;
  lastNote = now;
  console.warn(
    JSON.stringify({
      level: 40,
      time: now,
      msg: 'pages: the API is unavailable; serving the degraded 503 page',
      page,
      call,
      reason,
      degradedPages: unnoted,
    }),
  );
  unnoted = 0;
}

function loopbackBase(event: RequestEvent): string {
  const socket = event.platform?.req?.socket;
  if (socket?.localPort) {
    let host = socket.localAddress ?? '127.0.0.1';
    if (host.startsWith('::ffff:')) host = host.slice(7);
    if (host === '::' || host === '0.0.0.0') host = '127.0.0.1';
    return host.includes(':') ? `http://[${host}]:${socket.localPort}` : `http://${host}:${socket.localPort}`;
  }
  return event.url.origin;
}

/** Statuses that mean "the service cannot answer now" rather than "this request is wrong". */
const UNAVAILABLE_STATUSES = new Set([502, 503, 504]);

export interface ServerApi<Paths extends object = paths> {
  /**
   * The API's answer (2xx, or an error the page handles: 401, 403, 404, 409, 422, 500…) to the call
   * `send` makes with the typed client (paths relative to /api). When the API is unavailable (no
   * connection, no answer within the bound, 502/503/504), ends the page with the degraded 503 page
   * instead of returning.
   */
  get<D>(send: (api: Client<Paths>) => Answer<D>): Promise<ApiResult<D>>;
  /** Like get, but returns unavailability as `{ok: false, status: 503}` (for hooks, which must not throw). */
  tryGet<D>(send: (api: Client<Paths>) => Answer<D>): Promise<ApiResult<D>>;
  /** The raw response (for downloads proxied through a page), bounded like every call; `path` includes /api. */
  raw(path: string): Promise<Response>;
}

export function serverApi<Paths extends object = paths>(event: RequestEvent): ServerApi<Paths> {
  const base = loopbackBase(event);
  const state = stateOf(event.locals);
  const headers: Record<string, string> = { accept: 'application/json' };
  const cookie = event.request.headers.get('cookie');
  if (cookie) headers.cookie = cookie;
  const ua = event.request.headers.get('accept-language');
  if (ua) headers['accept-language'] = ua;
  const signal = (): AbortSignal => AbortSignal.any([AbortSignal.timeout(API_TIMEOUT_MS), state.deadline]);
  const raw = (path: string): Promise<Response> => fetch(base + path, { headers, signal: signal() });

  const markDown = (message: string, retryAfter: string | null = null, path?: string): ApiResult<never> => {
    if (!state.down) {
      state.down = { message, retryAfter: retryAfterSeconds(retryAfter) };
      noteDegraded(event.url.pathname, path ?? '', message);
    }
    return { ok: false, status: 503, error: { code: 'UNAVAILABLE', message: state.down.message } };
  };

  async function tryGet<D>(send: (api: Client<Paths>) => Answer<D>): Promise<ApiResult<D>> {
    if (state.down) return markDown(state.down.message);
    // Every call is bounded, its body read included (it is read under the same signal).
    let path = '';
    const client = createClient<Paths>({
      baseUrl: `${base}/api`,
      headers,
      fetch: (request) => {
        path = new URL(request.url).pathname;
        return fetch(request, { signal: signal() });
      },
    });
    let answer: Awaited<Answer<D>>;
    try {
      answer = await send(client);
    } catch (err) {
      const timedOut = (err as Error)?.name === 'TimeoutError' || (err as Error)?.name === 'AbortError';
      return markDown(
        timedOut ? `The API did not answer within ${API_TIMEOUT_MS / 1000} s.` : 'The API could not be reached.',
        null,
        path,
      );
    }
    const { data, error, response: res } = answer;
    if (res.ok) return { ok: true, status: res.status, data: data as D };
    const failure = errorOf(error, res.status);
    if (UNAVAILABLE_STATUSES.has(res.status)) return markDown(failure.message, res.headers.get('retry-after'), path);
    return { ok: false, status: res.status, error: failure };
  }

  return {
    raw,
    tryGet,
    async get<D>(send: (api: Client<Paths>) => Answer<D>): Promise<ApiResult<D>> {
      const result = await tryGet(send);
      if (state.down) unavailablePage(state.down);
      return result;
    },
  };
}
