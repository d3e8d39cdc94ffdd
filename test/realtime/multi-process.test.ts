// Two platform processes sharing PostgreSQL and Redis, as behind a load balancer: watchers on either
// process see every bid accepted by either, in seq order without gaps; personal events reach their
// person on whichever process holds the socket; the lot closes once, with exactly one close event per
// watcher. Needs PostgreSQL (TEST_DATABASE_URL) and Redis (REDIS_URL, default redis://127.0.0.1:6379):
// without them the file is skipped with the reason printed, except under CI=true with PostgreSQL,
// where a missing Redis is a failure.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { io } from 'socket.io-client';
import { createPostgresDatabase } from '../support/db.ts';
import { postgresAndRedisMissing, TEST_REDIS_URL } from '../support/faults.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import type { LostEvent, WonEvent } from '../../server/realtime/events.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { call, readLedger, setUpLot, waitUntil, type LotScenario } from './scenario.ts';

const REDIS_URL = TEST_REDIS_URL;

const missing = await postgresAndRedisMissing('multi-process realtime tests');

describe.skipIf(Boolean(missing))('two processes sharing PostgreSQL and Redis', () => {
  const adminPid = newPid();
  // A prefix of its own, so concurrent test runs on this Redis do not hear each other.
  const prefix = `auction-test-${process.pid}-${Date.now()}`;
  let idp: TestIdp;
  let a: ServerProcess;
  let b: ServerProcess;
  let drop = async (): Promise<void> => {};
  let lot: LotScenario;
  const sockets: ClientSocket[] = [];

  beforeAll(async () => {
    idp = await startTestIdp();
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    const env = {
      ...idp.env(),
      DATABASE_URL: pg.url,
      REDIS_URL,
      REDIS_KEY_PREFIX: prefix,
      ADMIN_PIDS: adminPid,
      CLOSE_POLL_MS: '100',
      LOG_LEVEL: 'warn',
    };
    // The first process migrates; the second starts on the migrated database.
    a = await startServerProcess(env);
    b = await startServerProcess(env);
    lot = await setUpLot(a.base, idp, { adminPid, bidders: 4, registrationMs: 4_000, biddingMs: 10_000 });
  }, 120_000);

  afterAll(async () => {
    for (const s of sockets) s.close();
    await Promise.all([a?.stop('SIGTERM'), b?.stop('SIGTERM')]);
    await drop();
    await idp?.close();
  });

  async function watcherOn(p: ServerProcess): Promise<Watcher> {
    const s = await connect(p.base);
    sockets.push(s);
    const w = new Watcher(s, lot.lotId);
    await w.watch();
    return w;
  }

  it('shows every bid accepted by either process to watchers on both, in order; closes once', async () => {
    const watchers = [
      ...(await Promise.all([0, 1, 2].map(() => watcherOn(a)))),
      ...(await Promise.all([0, 1, 2].map(() => watcherOn(b)))),
    ];
    // Bidders 0 and 2 hold sockets on A, 1 and 3 on B; half of them bid over HTTP to the other process.
    const bidSockets = await Promise.all(
      lot.bidders.map((bidder, i) => connect(i % 2 === 0 ? a.base : b.base, { token: bidder.token })),
    );
    sockets.push(...bidSockets);
    const won: WonEvent[] = [];
    const lost: LostEvent[] = [];
    for (const s of bidSockets) {
      s.on('won', (e) => won.push(e));
      s.on('lost', (e) => lost.push(e));
    }
    await waitUntil(lot.startsAt);

    let k = 0;
    const accepted: number[] = [];
    const byProcess = { a: 0, b: 0 };
    // A watcher on B is cut off during part of the storm and comes back through the load balancer
    // on A: it watches again and asks for what it missed after the last seq it held in order.
    const cut = await watcherOn(b);
    let back: Watcher | undefined;
    let heldBeforeCut = 0;
    for (let round = 0; round < 25; round++) {
      if (round === 8) {
        heldBeforeCut = cut.contiguousUpTo();
        cut.socket.disconnect();
      }
      if (round === 16) {
        back = await watcherOn(a);
        for (const [seq, e] of cut.ledger) if (seq <= heldBeforeCut) back.ledger.set(seq, e);
        await back.resync(heldBeforeCut);
      }
      await Promise.all(
        lot.bidders.map(async (bidder, i) => {
          const amount = lot.startingPrice + lot.priceStep * k++;
          if (i < 2) {
            const target = round % 2 === 0 ? a : b;
            const res = await call(target.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
              token: bidder.token,
              body: { amount },
            });
            if (res.status === 201) {
              accepted.push(res.json.seq);
              byProcess[target === a ? 'a' : 'b']++;
            }
          } else {
            const ack = await request<{ bid: { seq: number } }>(bidSockets[i], 'bid', {
              lotId: lot.lotId,
              amount,
              idempotencyKey: `mp-${round}-${i}`,
            });
            if (ack.ok) {
              accepted.push(ack.bid.seq);
              byProcess[i % 2 === 0 ? 'a' : 'b']++;
            }
          }
        }),
      );
    }
    expect(byProcess.a).toBeGreaterThan(0);
    expect(byProcess.b).toBeGreaterThan(0);

    const ledger = await readLedger(b.base, lot.lotId);
    const last = ledger.length;
    expect([...accepted].sort((x, y) => x - y)).toEqual(ledger.map((e) => e.seq));
    for (const w of watchers) await until(() => w.ledger.has(last), `a watcher to reach seq ${last}`);
    for (const w of watchers) {
      expect(w.orderViolations()).toEqual([]);
      expect(w.arrivals).toEqual(Array.from({ length: last }, (_, i) => i + 1));
      expect([...w.ledger.values()].sort((x, y) => x.seq - y.seq).map((e) => [e.seq, e.amount, e.bidderCode])).toEqual(
        ledger.map((e) => [e.seq, e.amount, e.bidderCode]),
      );
    }

    await until(() => back!.ledger.has(last), 'the watcher that came back to reach the last seq');
    expect(back!.orderViolations()).toEqual([]);
    expect(
      [...back!.ledger.values()].sort((x, y) => x.seq - y.seq).map((e) => [e.seq, e.amount, e.bidderCode, e.placedAt]),
    ).toEqual(ledger.map((e) => [e.seq, e.amount, e.bidderCode, e.placedAt]));

    // The close: claimed by one process, broadcast once to the watchers on both.
    await waitUntil(new Date(lot.endsAt.getTime() + CLOSE_GRACE_MS));
    for (const w of watchers)
      await until(() => w.lotEvents.some((e) => e.reason === 'closed'), 'the close event', 20_000);
    await until(() => won.length + lost.length >= 4, 'won and lost for every bidder', 10_000);
    // Room for a duplicate to show up: both schedulers poll every 100 ms.
    await new Promise((r) => setTimeout(r, 1_000));
    for (const w of watchers) {
      const closes = w.lotEvents.filter((e) => e.reason === 'closed' || e.reason === 'failed');
      expect(closes).toHaveLength(1);
      expect(closes[0]).toMatchObject({
        lotId: lot.lotId,
        status: 'closed',
        seq: last,
        currentPrice: ledger[last - 1].amount,
      });
    }
    const winner = ledger[last - 1].bidderCode;
    const winnerIndex = lot.bidders.findIndex((x) => x.bidderCode === winner);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ lotId: lot.lotId, finalPrice: ledger[last - 1].amount });
    expect(lost).toHaveLength(3);
    expect(winnerIndex).toBeGreaterThanOrEqual(0);
    const result = await call(a.base, 'GET', `/api/lots/${lot.lotId}/result`);
    expect(result.json).toMatchObject({
      status: 'closed',
      winnerBidderCode: winner,
      finalPrice: ledger[last - 1].amount,
    });
  }, 90_000);

  it('keeps watchers on a process whole when its Redis connections are cut, and the process serving', async () => {
    const second = await setUpLot(a.base, idp, { adminPid, bidders: 2, registrationMs: 3_000, biddingMs: 60_000 });
    const watchers = await Promise.all(
      [0, 1].map(async () => {
        const s = await connect(b.base);
        sockets.push(s);
        const w = new Watcher(s, second.lotId);
        await w.watch();
        return w;
      }),
    );
    await waitUntil(second.startsAt);
    let k = 0;
    const bid = async (): Promise<void> => {
      const bidder = second.bidders[k % 2];
      const res = await call(a.base, 'POST', `/api/lots/${second.lotId}/bids`, {
        token: bidder.token,
        body: { amount: second.startingPrice + second.priceStep * k++ },
      });
      expect(res.status).toBe(201);
    };
    await bid();
    await until(() => watchers.every((w) => w.ledger.has(1)), 'the first bid on B');
    // Cut process B's Redis connections (Redis restarting, a network blip); node-redis reconnects.
    const admin = createClient({ url: REDIS_URL });
    await admin.connect();
    const list = String(await admin.sendCommand(['CLIENT', 'LIST']));
    const ids = list
      .split('\n')
      .filter((l) => l.includes(`name=${prefix}:${b.child.pid} `))
      .map((l) => /id=(\d+)/.exec(l)![1]);
    expect(ids.length).toBeGreaterThanOrEqual(2);
    for (const id of ids) await admin.sendCommand(['CLIENT', 'KILL', 'ID', id]);
    await admin.close();
    for (let i = 0; i < 3; i++) await bid();
    await new Promise((r) => setTimeout(r, 1_500));
    for (let i = 0; i < 3; i++) await bid();
    for (const w of watchers) await until(() => w.ledger.has(7), 'the watchers on B to catch up');
    for (const w of watchers) {
      expect(w.orderViolations()).toEqual([]);
      expect([...w.ledger.keys()].sort((x, y) => x - y)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    }
    expect(b.child.exitCode).toBeNull();
  }, 60_000);

  it('offers only the WebSocket transport, so the load balancer needs no sticky sessions', async () => {
    const polling = io(b.base, { transports: ['polling'], reconnection: false, forceNew: true });
    const outcome = await new Promise<string>((resolve) => {
      polling.once('connect', () => resolve('connected'));
      polling.once('connect_error', (err) => resolve(`refused: ${err.message}`));
    });
    polling.close();
    expect(outcome).toMatch(/^refused/);
  });

  it('shuts down cleanly on SIGTERM, Redis connections included', async () => {
    const stopped = await b.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    expect(b.output()).toContain('shut down cleanly');
    // The other process keeps serving its watchers.
    const s = await connect(a.base);
    sockets.push(s);
    expect(await request(s, 'time', { clientSentAt: 1 })).toMatchObject({ ok: true });
  });
});
