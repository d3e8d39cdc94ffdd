// The pages' server-side API client (web/lib/api/server.ts) against a fake API that answers, refuses,
// stalls and says 503: every call is bounded, unavailability ends the page with the degraded 503 (with
// the API's Retry-After), a request stops waiting after its first failure, and ordinary refusals (404,
// 500) are still the page's to handle. Also: how the bid panel reads a failed bid (placed or not).
import http from 'node:http';
import type net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isHttpError, type RequestEvent } from '@sveltejs/kit';
import type { Client } from 'openapi-fetch';
import {
  API_TIMEOUT_MS,
  DEFAULT_RETRY_AFTER_S,
  PAGE_API_BUDGET_MS,
  apiUnavailable,
  retryAfterSeconds,
  serverApi,
} from '../../web/lib/api/server.ts';
import { bidFailure } from '../../web/lib/bid-outcome.ts';
import { freePort } from '../support/server-process.ts';

/** The fake API's paths (not the real API's): any path, answering any JSON. */
type FakePaths = Record<
  string,
  {
    get: {
      parameters: { query?: Record<string, unknown> };
      responses: { 200: { content: { 'application/json': unknown } } };
    };
  }
>;
const at = (path: string) => (api: Client<FakePaths>) => api.GET(path);

let server: http.Server;
let base: string;
const sockets = new Set<net.Socket>();

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const json = (status: number, body: unknown, headers: Record<string, string> = {}): void => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    switch (url.pathname.replace(/^\/api/, '')) {
      case '/ok':
        return json(200, { items: [1, 2] });
      case '/down':
        return json(
          503,
          { error: { code: 'UNAVAILABLE', message: 'The database does not answer.' } },
          { 'retry-after': '7' },
        );
      case '/gateway':
        return json(502, { error: { code: 'BAD_GATEWAY', message: 'bad gateway' } });
      case '/missing':
        return json(404, { error: { code: 'NOT_FOUND', message: 'No lot 9.' } });
      case '/broken':
        return json(500, { error: { code: 'INTERNAL', message: 'oops' } });
      case '/slow':
        return void setTimeout(() => json(200, { slow: true }), Number(url.searchParams.get('ms')));
      case '/half':
        // Headers, then a body that never ends.
        res.writeHead(200, { 'content-type': 'application/json' });
        return void res.write('{"items": [');
      default:
        // '/stall': never answers.
        return;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

/** A request event as a load function sees it, for a page on `origin`. */
function event(origin = base, cookie?: string): RequestEvent {
  return {
    url: new URL(`${origin}/lots/1`),
    request: new Request(`${origin}/lots/1`, { headers: cookie ? { cookie } : {} }),
    locals: { locale: 'vi', me: null },
    platform: undefined,
  } as unknown as RequestEvent;
}

/** Runs `fn`, returning the 503 page error it ends with and how long it took. */
async function degraded(fn: () => Promise<unknown>): Promise<{ status: number; body: App.Error; ms: number }> {
  const started = Date.now();
  try {
    await fn();
  } catch (err) {
    if (!isHttpError(err)) throw err;
    return { status: err.status, body: err.body, ms: Date.now() - started };
  }
  throw new Error('the call did not end the page');
}

describe('server-side API calls of the pages', () => {
  it('returns answers and ordinary refusals as results', async () => {
    const api = serverApi<FakePaths>(event());
    expect(await api.get(at('/ok'))).toEqual({ ok: true, status: 200, data: { items: [1, 2] } });
    expect(await api.get(at('/missing'))).toMatchObject({ ok: false, status: 404, error: { code: 'NOT_FOUND' } });
    // An internal error is a bug to show as such, not an outage.
    expect(await api.get(at('/broken'))).toMatchObject({ ok: false, status: 500, error: { code: 'INTERNAL' } });
  });

  it('ends the page with a 503 carrying the API’s Retry-After when the API answers 503', async () => {
    const e = event();
    const d = await degraded(() => serverApi<FakePaths>(e).get(at('/down')));
    expect(d.status).toBe(503);
    expect(d.body).toMatchObject({ code: 'UNAVAILABLE', message: 'The database does not answer.', retryAfter: 7 });
    expect(apiUnavailable(e.locals)?.retryAfter).toBe(7);
    // A gateway error is unavailability too.
    expect((await degraded(() => serverApi<FakePaths>(event()).get(at('/gateway')))).status).toBe(503);
  });

  it('gives up after API_TIMEOUT_MS when the API does not answer, and fails the rest of the request at once', async () => {
    const e = event();
    const api = serverApi<FakePaths>(e);
    const d = await degraded(() => api.get(at('/stall')));
    expect(d.status).toBe(503);
    expect(d.body.code).toBe('UNAVAILABLE');
    expect(d.body.retryAfter).toBe(DEFAULT_RETRY_AFTER_S);
    expect(d.ms).toBeGreaterThanOrEqual(API_TIMEOUT_MS - 50);
    expect(d.ms).toBeLessThan(API_TIMEOUT_MS + 1_500);
    // The same request (hooks and loads share locals) does not wait again, even for a healthy path.
    const again = await degraded(() => serverApi<FakePaths>(e).get(at('/ok')));
    expect(again.ms).toBeLessThan(100);
  });

  it('bounds a response whose body stalls half-way', async () => {
    const d = await degraded(() => serverApi<FakePaths>(event()).get(at('/half')));
    expect(d.status).toBe(503);
    expect(d.ms).toBeLessThan(API_TIMEOUT_MS + 1_500);
  });

  it('answers 503 at once when the API cannot be reached', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    const d = await degraded(() => serverApi<FakePaths>(event(closed)).get(at('/ok')));
    expect(d.status).toBe(503);
    expect(d.ms).toBeLessThan(1_000);
  });

  it('never throws from tryGet (the hooks use it): unavailability is a 503 result, remembered for the request', async () => {
    const e = event(base, 'session=abc');
    const r = await serverApi<FakePaths>(e).tryGet(at('/down'));
    expect(r).toMatchObject({ ok: false, status: 503, error: { code: 'UNAVAILABLE' } });
    expect(apiUnavailable(e.locals)).toBeDefined();
    expect((await degraded(() => serverApi<FakePaths>(e).get(at('/ok')))).status).toBe(503);
  });

  it('bounds all the calls of one page request together by PAGE_API_BUDGET_MS', async () => {
    const api = serverApi<FakePaths>(event());
    const step = Math.ceil(API_TIMEOUT_MS * 0.6);
    const started = Date.now();
    const d = await degraded(async () => {
      for (let i = 0; i < 10; i++) await api.get(at(`/slow?ms=${step}`));
    });
    expect(d.status).toBe(503);
    expect(Date.now() - started).toBeLessThan(PAGE_API_BUDGET_MS + 1_500);
  }, 20_000);

  it('reads Retry-After as seconds or a date, within bounds', () => {
    expect(retryAfterSeconds(null)).toBe(DEFAULT_RETRY_AFTER_S);
    expect(retryAfterSeconds('10')).toBe(10);
    expect(retryAfterSeconds('1')).toBe(5);
    expect(retryAfterSeconds('86400')).toBe(60);
    expect(retryAfterSeconds(new Date(Date.now() + 20_000).toUTCString())).toBeGreaterThanOrEqual(19);
    expect(retryAfterSeconds('soon')).toBe(DEFAULT_RETRY_AFTER_S);
  });
});

describe('a failed bid, as the bid panel reads it', () => {
  it('is a refusal for the auction’s own answers', () => {
    expect(bidFailure(409, { code: 'BID_TOO_LOW' })).toBe('refused');
    expect(bidFailure(403, { code: 'NOT_APPROVED' })).toBe('refused');
    expect(bidFailure(429, { code: 'RATE_LIMITED' })).toBe('refused');
  });

  it('is "not placed" when the API says so, "unknown" when it says it may have been, or says nothing', () => {
    for (const reason of ['database_unavailable', 'queue_full', 'overloaded', 'timeout'] as const)
      expect(bidFailure(503, { code: 'UNAVAILABLE', reason }), reason).toBe('not_placed');
    expect(bidFailure(503, { code: 'UNAVAILABLE', reason: 'unknown_outcome' })).toBe('unknown');
    // A 503 without a bid reason (a proxy's, or the generic one) does not say the bid was not placed.
    expect(bidFailure(503, { code: 'UNAVAILABLE', reason: 'unavailable' })).toBe('unknown');
    expect(bidFailure(503, { code: 'UNAVAILABLE' })).toBe('unknown');
    expect(bidFailure(0, { code: 'TIMEOUT' })).toBe('unknown');
    expect(bidFailure(0, { code: 'NETWORK' })).toBe('unknown');
    expect(bidFailure(500, { code: 'INTERNAL' })).toBe('unknown');
  });
});
