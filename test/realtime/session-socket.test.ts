// Browsers authenticate their socket with the session cookie they got at sign-in (through the real
// demo provider). A cookie sent with a handshake from another origin (a hostile page opening a
// WebSocket to the platform) does not authenticate the socket.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInAs, startDemoPlatform, type Browser, type DemoPlatform } from '../identity/support.ts';
import { connect, request, type ClientSocket } from './support.ts';

const BIDDER = '001085000201';
const LEVEL_1 = '079301000101';
let p: DemoPlatform;
let bidder: Browser;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  p = await startDemoPlatform();
  ({ browser: bidder } = await signInAs(p.base, BIDDER));
  expect(bidder.cookieHeader()).not.toBe('');
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await p?.stop();
});

async function socketWith(headers: Record<string, string>): Promise<ClientSocket> {
  const s = await connect(p.base, { headers });
  sockets.push(s);
  return s;
}

/** A bid on a lot that does not exist: NOT_FOUND when signed in at level 2, UNAUTHENTICATED when anonymous. */
const probe = (s: ClientSocket) => request(s, 'bid', { lotId: 999_999, amount: 50_000_000 });

describe('a socket with the session cookie', () => {
  it('is signed in when the handshake comes from the platform itself', async () => {
    const s = await socketWith({ cookie: bidder.cookieHeader(), origin: p.base });
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('is signed in for a client that sends no Origin (not a browser page)', async () => {
    const s = await socketWith({ cookie: bidder.cookieHeader() });
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('stays anonymous when the handshake comes from another origin', async () => {
    const s = await socketWith({ cookie: bidder.cookieHeader(), origin: 'https://evil.example' });
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });

  it('carries the level of the signed-in person', async () => {
    const { browser } = await signInAs(p.base, LEVEL_1);
    const s = await socketWith({ cookie: browser.cookieHeader(), origin: p.base });
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'LEVEL_TOO_LOW' } });
  });

  it('is anonymous with a cookie that names no session', async () => {
    const name = bidder.cookieHeader().split('=')[0];
    const s = await socketWith({ cookie: `${name}=not-a-session`, origin: p.base });
    expect(await probe(s)).toMatchObject({ ok: false, error: { code: 'UNAUTHENTICATED' } });
  });
});
