// The socket.io gateway's boundary: snapshots, time sync, validation, authentication, limits and
// floods, against an in-process platform with real sockets and a real database.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { io } from 'socket.io-client';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { REALTIME_DEFAULTS } from '../../server/realtime/index.ts';
import { SnapshotReader } from '../../server/realtime/snapshots.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { insertLiveLot } from './factories.ts';

let t: TestPlatform;
let lotId: number;
const open: ClientSocket[] = [];
const track = (s: ClientSocket): ClientSocket => (open.push(s), s);

beforeAll(async () => {
  t = await startTestPlatform();
  lotId = await insertLiveLot(t.database.db);
});
afterAll(async () => {
  for (const s of open) s.close();
  await t?.stop();
});

describe('watching a lot', () => {
  it('lets an anonymous socket watch and answers with the lot, its latest bids and the server time', async () => {
    const w = new Watcher(track(await connect(t.base)), lotId);
    const before = Date.now();
    const snap = await w.watch();
    expect(snap.lot).toMatchObject({ id: lotId, status: 'live', seq: 0, currentPrice: null });
    expect(snap.bids).toEqual([]);
    expect(Date.parse(snap.serverTime)).toBeGreaterThanOrEqual(before - 1_000);
  });

  it('refuses an unknown lot with NOT_FOUND', async () => {
    const s = track(await connect(t.base));
    expect(await request(s, 'watch', { lotId: 987_654 })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await request(s, 'sync', { lotId: 987_654, afterSeq: 0 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
  });

  it('refuses a draft lot as unknown', async () => {
    const draft = await insertLiveLot(t.database.db, { status: 'draft' });
    const s = track(await connect(t.base));
    expect(await request(s, 'watch', { lotId: draft })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('caps the number of lots one socket watches', async () => {
    const ids = await Promise.all(
      Array.from({ length: REALTIME_DEFAULTS.maxWatchedLots + 1 }, () => insertLiveLot(t.database.db)),
    );
    const s = track(await connect(t.base));
    const answers = await Promise.all(ids.map((id) => request(s, 'watch', { lotId: id })));
    expect(answers.filter((a) => a.ok)).toHaveLength(REALTIME_DEFAULTS.maxWatchedLots);
    const refused = answers.filter((a) => !a.ok).map((a) => !a.ok && a.error);
    expect(refused).toEqual([
      {
        code: 'RATE_LIMITED',
        message: `A connection may watch at most ${REALTIME_DEFAULTS.maxWatchedLots} lots at once; unwatch one first.`,
        reason: 'watch_limit',
        params: { max: REALTIME_DEFAULTS.maxWatchedLots },
      },
    ]);
    expect(await request(s, 'unwatch', { lotId: ids[0] })).toEqual({ ok: true });
    expect(await request(s, 'watch', { lotId: ids[ids.length - 1] })).toMatchObject({ ok: true });
  });

  it('shares one snapshot read among watchers that asked before it started, and only them', async () => {
    const reader = new SnapshotReader(t.platform.ctx, { entries: 50 });
    const first = reader.read(lotId);
    expect(reader.read(lotId)).toBe(first);
    expect((await first)?.lot.id).toBe(lotId);
    const later = reader.read(lotId);
    expect(later).not.toBe(first);
    expect(await reader.read(987_654)).toBeUndefined();
  });

  it('answers many watchers connecting at once', async () => {
    const many = await Promise.all(
      Array.from({ length: 60 }, async () => new Watcher(track(await connect(t.base)), lotId)),
    );
    const snaps = await Promise.all(many.map((w) => w.watch()));
    expect(new Set(snaps.map((s) => s.lot.id))).toEqual(new Set([lotId]));
  });

  it('answers sync with an empty list for a lot without bids', async () => {
    const s = track(await connect(t.base));
    expect(await request(s, 'sync', { lotId, afterSeq: 0 })).toEqual({ ok: true, bids: [], more: false });
  });
});

describe('server time', () => {
  it('echoes the client time with the server time for offset correction', async () => {
    const s = track(await connect(t.base));
    const sent = Date.now();
    const ack = await request<{ clientSentAt: number; serverTime: string; serverTimeMs: number }>(s, 'time', {
      clientSentAt: sent,
    });
    expect(ack).toMatchObject({ ok: true, clientSentAt: sent });
    if (!ack.ok) throw new Error('time failed');
    expect(Date.parse(ack.serverTime)).toBe(ack.serverTimeMs);
    expect(Math.abs(ack.serverTimeMs - sent)).toBeLessThan(60_000);
  });
});

describe('bad payloads', () => {
  const cases: [string, unknown[]][] = [
    ['watch', [{ lotId: 'one' }]],
    ['watch', [{ lotId: -1 }]],
    ['watch', [{ lotId: 1.5 }]],
    ['watch', []],
    ['watch', ['not an object']],
    ['sync', [{ lotId: 1 }]],
    ['sync', [{ lotId: 1, afterSeq: -3 }]],
    ['bid', [{ lotId: 1, amount: '1000', idempotencyKey: 'k' }]],
    ['bid', [{ lotId: 1, amount: -5, idempotencyKey: 'k' }]],
    ['bid', [{ lotId: 1, amount: 10.5, idempotencyKey: 'k' }]],
    ['bid', [{ lotId: 1, amount: 2 ** 60, idempotencyKey: 'k' }]],
    ['bid', [{ lotId: 1, amount: 1000, idempotencyKey: 'two words' }]],
    ['bid', [{ lotId: 1, amount: 1000, idempotencyKey: 'x'.repeat(201) }]],
    ['time', [{ clientSentAt: 'now' }]],
    ['time', [null]],
  ];
  it.each(cases)('answers %s %j with VALIDATION_FAILED and per-field messages', async (event, args) => {
    const s = track(await connect(t.base));
    const ack = await request(s, event, ...args);
    expect(ack).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    if (ack.ok) throw new Error('accepted');
    expect(Object.keys(ack.error.fields ?? {}).length).toBeGreaterThan(0);
    expect(s.connected).toBe(true);
  });

  it('ignores unknown events and events without an ack, and keeps serving the socket', async () => {
    const s = track(await connect(t.base));
    s.emit('nonsense' as 'watch', { lotId } as never, undefined as never);
    (s as unknown as { emit(e: string, ...a: unknown[]): void }).emit('watch', { lotId: 'x' });
    (s as unknown as { emit(e: string, ...a: unknown[]): void }).emit('sync', 42, 43, 44);
    expect(await request(s, 'time', { clientSentAt: 1 })).toMatchObject({ ok: true });
  });

  it('closes a raw connection that sends frames that are not socket.io packets, and only that one', async () => {
    const other = new Watcher(track(await connect(t.base)), lotId);
    await other.watch();
    for (const garbage of ['42["watch",{"lotId":', 'hello', '4-1', '42[]']) {
      const ws = new WebSocket(`${t.base.replace('http', 'ws')}/socket.io/?EIO=4&transport=websocket`);
      const closed = new Promise<void>((resolve) => ws.addEventListener('close', () => resolve()));
      await new Promise<void>((resolve) => ws.addEventListener('message', () => resolve(), { once: true }));
      ws.send('40');
      ws.send(garbage);
      await closed;
    }
    expect(await request(other.socket, 'time', { clientSentAt: 1 })).toMatchObject({ ok: true });
  });

  it('cuts only the socket that sends an oversized message', async () => {
    const other = new Watcher(track(await connect(t.base)), lotId);
    await other.watch();
    const big = track(await connect(t.base));
    const closed = new Promise<string>((r) => big.once('disconnect', (reason) => r(reason)));
    big.emit('watch', { lotId, padding: 'x'.repeat(REALTIME_DEFAULTS.maxHttpBufferSize * 2) } as never, () => {});
    expect(await closed).toMatch(/transport/);
    expect(await request(other.socket, 'time', { clientSentAt: 1 })).toMatchObject({ ok: true });
  });
});

describe('authentication', () => {
  it('refuses a socket whose token is forged, with UNAUTHENTICATED', async () => {
    const [header, payload, signature] = (await t.idp.token()).split('.');
    // Another character inside the signature (the last one may carry only padding bits).
    const token = `${header}.${payload}.${signature.slice(0, 10)}${signature[10] === 'A' ? 'B' : 'A'}${signature.slice(11)}`;
    const err = await connect(t.base, { token }).catch((e: Error & { data?: unknown }) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error & { data?: unknown }).data).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
  });

  it('refuses an expired token', async () => {
    const now = Math.floor(Date.now() / 1000);
    const token = await t.idp.token({ iat: now - 4_000, exp: now - 3_000 });
    await expect(connect(t.base, { token })).rejects.toMatchObject({ data: { error: { code: 'UNAUTHENTICATED' } } });
  });

  it('disconnects a socket when its token expires (the expiry is the revocation)', async () => {
    const now = Math.floor(Date.now() / 1000);
    const s = track(await connect(t.base, { token: await t.idp.token({ iat: now, exp: now + 2 }) }));
    const reason = new Promise<string>((resolve) => s.on('disconnect', resolve));
    expect(await request(s, 'bid', { lotId: 987_654, amount: 40_000_000 })).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });
    expect(await reason).toBe('io server disconnect');
    // Within a second of the expiry (the timer fires at it; the rest is this machine's load).
    expect(Date.now()).toBeGreaterThanOrEqual((now + 2) * 1000);
    expect(Date.now()).toBeLessThan((now + 2) * 1000 + 1_000);
  });

  it('answers a bid from an anonymous socket with UNAUTHENTICATED', async () => {
    const s = track(await connect(t.base));
    expect(await request(s, 'bid', { lotId, amount: 40_000_000, idempotencyKey: 'anon-1' })).toMatchObject({
      ok: false,
      error: { code: 'UNAUTHENTICATED' },
    });
  });

  it('answers a bid from a level-1 socket with LEVEL_TOO_LOW', async () => {
    const s = track(await connect(t.base, { token: await t.idp.token({ loa: 1 }) }));
    expect(await request(s, 'bid', { lotId, amount: 40_000_000, idempotencyKey: 'l1-1' })).toMatchObject({
      ok: false,
      error: { code: 'LEVEL_TOO_LOW' },
    });
  });
});

describe('floods', () => {
  it('refuses events past the rate limit with RATE_LIMITED while other sockets are served', async () => {
    const flooder = track(await connect(t.base));
    const bystander = track(await connect(t.base));
    const answers = await Promise.all(
      Array.from({ length: REALTIME_DEFAULTS.rateLimit.burst + 20 }, (_, i) =>
        request(flooder, 'time', { clientSentAt: i }),
      ),
    );
    const limited = answers.filter((a) => !a.ok && a.error.code === 'RATE_LIMITED');
    expect(limited.length).toBeGreaterThanOrEqual(15);
    expect(await request(bystander, 'time', { clientSentAt: 1 })).toMatchObject({ ok: true });
  });

  it('charges more for the events that cost the database more', async () => {
    const s = track(await connect(t.base));
    const burst = REALTIME_DEFAULTS.rateLimit.burst;
    const answers = await Promise.all(Array.from({ length: burst }, () => request(s, 'sync', { lotId, afterSeq: 0 })));
    const served = answers.filter((a) => a.ok).length;
    expect(served).toBeLessThan(burst / 2);
    expect(served).toBeGreaterThan(0);
  });

  it('disconnects a socket that keeps flooding, and only that one', async () => {
    const flooder = io(t.base, { transports: ['websocket'], reconnection: false, forceNew: true });
    open.push(flooder);
    await new Promise<void>((r) => flooder.once('connect', () => r()));
    const watcher = new Watcher(track(await connect(t.base)), lotId);
    await watcher.watch();
    let gone = false;
    flooder.on('disconnect', () => (gone = true));
    for (let i = 0; i < 2_000 && !gone; i++) flooder.emit('time', { clientSentAt: i }, () => {});
    await until(() => gone, 'the flooder to be disconnected');
    expect(watcher.socket.connected).toBe(true);
    expect(await request(watcher.socket, 'time', { clientSentAt: 2 })).toMatchObject({ ok: true });
  });
});
