// Server-side API access for load functions. The pages are a separate bundle from the API (they must
// not import server/ code), so they call the HTTP API like any client: on the very address and port
// this request arrived on (loopback, never through the public origin or a proxy), forwarding the
// browser's cookie so the API sees the same session.
import type { RequestEvent } from '@sveltejs/kit';
import type { ApiResult } from './types.ts';

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

export interface ServerApi {
  get<T>(path: string): Promise<ApiResult<T>>;
  /** The raw response (for downloads proxied through a page). */
  raw(path: string): Promise<Response>;
}

export function serverApi(event: RequestEvent): ServerApi {
  const base = loopbackBase(event);
  const headers: Record<string, string> = { accept: 'application/json' };
  const cookie = event.request.headers.get('cookie');
  if (cookie) headers.cookie = cookie;
  const ua = event.request.headers.get('accept-language');
  if (ua) headers['accept-language'] = ua;
  const raw = (path: string): Promise<Response> => fetch(base + path, { headers, signal: AbortSignal.timeout(10_000) });
  return {
    raw,
    async get<T>(path: string): Promise<ApiResult<T>> {
      let res: Response;
      try {
        res = await raw(path);
      } catch {
        return { ok: false, status: 503, error: { code: 'UNAVAILABLE', message: 'The API did not answer.' } };
      }
      const body = (await res.json().catch(() => undefined)) as unknown;
      if (res.ok) return { ok: true, status: res.status, data: body as T };
      const error = (body as { error?: { code: string; message: string } } | undefined)?.error ?? { code: 'UNAVAILABLE', message: `HTTP ${res.status}` };
      return { ok: false, status: res.status, error };
    },
  };
}
