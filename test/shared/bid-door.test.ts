// The HTTP overload door (server/http/bid-door.ts): a bid the admission refuses is answered 503 with
// Retry-After straight from Node's request listener, without its body being read; an admitted bid is
// counted in progress until its response ends; anything else passes untouched.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bidDoor } from '../../server/http/bid-door.ts';
import { createBidAdmission, type BidAdmission } from '../../server/bidding/admission.ts';
import { ShedLog } from '../../server/bidding/shed-log.ts';

describe('the HTTP overload door', () => {
  let refuse = false;
  let admission: BidAdmission;
  const shedLog = new ShedLog();
  let server: http.Server;
  let base: string;
  let release: (() => void) | undefined;
  let reachedApp: string[] = [];

  beforeAll(async () => {
    const real = createBidAdmission({ targetLagMs: 200, shedLog });
    // The real admission, refusing on demand as the load shedder does under overload.
    admission = {
      ...real,
      admit: (lotId) => (refuse ? (shedLog.record(lotId, 'overloaded', new Date()), undefined) : real.admit(lotId)),
    };
    const door = bidDoor(admission);
    server = http.createServer((req, res) => {
      if (door(req, res)) return;
      reachedApp.push(`${req.method} ${req.url}`);
      // The "app" answers when the test says so, so that a bid in progress can be seen.
      release = () => res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    admission.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('answers a refused bid 503 UNAVAILABLE with Retry-After, says it was not placed, and counts it for the lot', async () => {
    refuse = true;
    reachedApp = [];
    const res = await fetch(`${base}/api/lots/7/bids`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ amount: 100 }),
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    const body = await res.json();
    expect(body.error.code).toBe('UNAVAILABLE');
    expect(body.error.message).toMatch(/NOT placed/);
    expect(reachedApp, 'nothing behind the door ran').toEqual([]);
    expect(shedLog.stats().pendingKeys).toBe(1);
  });

  it('lets everything but new bids through, refusing or not', async () => {
    refuse = true;
    reachedApp = [];
    const answers = Promise.all([
      fetch(`${base}/api/lots/7`),
      fetch(`${base}/api/lots/7/bids?after=0`),
      fetch(`${base}/api/lots/7/bids/3/withdraw`, { method: 'POST' }),
    ]);
    await new Promise((r) => setTimeout(r, 50));
    while (reachedApp.length < 3) await new Promise((r) => setTimeout(r, 10));
    // Answer all three (each overwrote `release`; end them through the server's open responses).
    server.closeAllConnections();
    await answers.catch(() => undefined);
    expect(reachedApp).toEqual(['GET /api/lots/7', 'GET /api/lots/7/bids?after=0', 'POST /api/lots/7/bids/3/withdraw']);
  });

  it('counts an admitted bid in progress until its response ends', async () => {
    refuse = false;
    reachedApp = [];
    const answer = fetch(`${base}/api/lots/7/bids?x=1`, { method: 'POST', body: '{}' });
    while (reachedApp.length < 1) await new Promise((r) => setTimeout(r, 10));
    expect(admission.inProgress()).toBe(1);
    release!();
    expect((await answer).status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
    expect(admission.inProgress()).toBe(0);
  });
});
