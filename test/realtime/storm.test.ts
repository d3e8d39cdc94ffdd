// A closing-seconds storm on one lot through the real bid path (HTTP and sockets), watched over real
// sockets: every accepted bid reaches every watcher in seq order without gaps, a watcher cut off
// for part of the storm converges on the ledger, and the close reaches each watcher exactly once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../server/shared/clock.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { newPid } from '../support/eid.ts';
import { connect, request, until, Watcher, type ClientSocket } from './support.ts';
import { call, readLedger, setUpLot, type LotScenario } from './scenario.ts';

const adminPid = newPid();
const clock = new ManualClock(new Date('2026-11-22T08:00:00Z'));
let t: TestPlatform;
let lot: LotScenario;
const sockets: ClientSocket[] = [];

beforeAll(async () => {
  t = await startTestPlatform({ clock, env: { ADMIN_PIDS: adminPid } });
  lot = await setUpLot(t.base, t.idp, {
    adminPid,
    bidders: 4,
    registrationMs: 60_000,
    biddingMs: 30 * 60_000,
    now: clock.now(),
  });
  clock.set(lot.startsAt.getTime() + 1_000);
});
afterAll(async () => {
  for (const s of sockets) s.close();
  await t?.stop();
});

async function watcher(): Promise<Watcher> {
  const s = await connect(t.base);
  sockets.push(s);
  const w = new Watcher(s, lot.lotId);
  await w.watch();
  return w;
}

/** Bidders bid as fast as their answers come back, half over HTTP and half over their sockets. */
async function storm(
  bidSockets: ClientSocket[],
  rounds: number,
  onRound?: (round: number) => Promise<void>,
): Promise<{ accepted: number[]; refused: Record<string, number> }> {
  const accepted: number[] = [];
  const refused: Record<string, number> = {};
  let next = 0;
  const priceOf = (k: number): number => lot.startingPrice + lot.priceStep * k;
  for (let round = 0; round < rounds; round++) {
    await onRound?.(round);
    await Promise.all(
      lot.bidders.map(async (b, i) => {
        const amount = priceOf(next++);
        const key = `storm-${round}-${i}`;
        let outcome: { ok: true; seq: number } | { ok: false; code: string };
        if (i % 2 === 0) {
          const res = await call(t.base, 'POST', `/api/lots/${lot.lotId}/bids`, {
            token: b.token,
            body: { amount },
            headers: { 'idempotency-key': key },
          });
          outcome = res.status === 201 ? { ok: true, seq: res.json.seq } : { ok: false, code: res.json.error.code };
        } else {
          const ack = await request<{ bid: { seq: number } }>(bidSockets[i], 'bid', {
            lotId: lot.lotId,
            amount,
            idempotencyKey: key,
          });
          outcome = ack.ok ? { ok: true, seq: ack.bid.seq } : { ok: false, code: ack.error.code };
        }
        if (outcome.ok) accepted.push(outcome.seq);
        else refused[outcome.code] = (refused[outcome.code] ?? 0) + 1;
      }),
    );
  }
  return { accepted, refused };
}

describe('a bid storm on one lot', () => {
  it('reaches every watcher in seq order without gaps, and a watcher cut off resyncs to exactly the ledger', async () => {
    const watchers = await Promise.all(Array.from({ length: 6 }, () => watcher()));
    const bidSockets = await Promise.all(lot.bidders.map((b) => connect(t.base, { token: b.token })));
    sockets.push(...bidSockets);
    let cut: Watcher | undefined = await watcher();
    let rejoined: Watcher | undefined;
    const cutState = new Map<number, unknown>();

    const result = await storm(bidSockets, 60, async (round) => {
      if (round === 15 && cut) {
        for (const [seq, e] of cut.ledger) cutState.set(seq, e);
        cut.socket.disconnect();
      }
      if (round === 40) {
        // Reconnects like a browser: a new socket, watch again, then ask for what it missed.
        rejoined = await watcher();
        for (const [seq, e] of cutState) rejoined.ledger.set(seq, e as never);
        cut = undefined;
        let held = 0;
        while (cutState.has(held + 1)) held++;
        await rejoined.resync(held);
      }
    });

    expect(result.accepted.length).toBeGreaterThan(100);
    const ledger = await readLedger(t.base, lot.lotId);
    expect(ledger.map((e) => e.seq)).toEqual(Array.from({ length: ledger.length }, (_, i) => i + 1));
    expect([...result.accepted].sort((a, b) => a - b)).toEqual(ledger.map((e) => e.seq));

    const last = ledger.length;
    for (const w of [...watchers, rejoined!]) await until(() => w.ledger.has(last), `watcher to reach seq ${last}`);
    for (const w of watchers) {
      expect(w.orderViolations()).toEqual([]);
      expect(w.arrivals[0]).toBe(1);
      expect(w.arrivals.at(-1)).toBe(last);
      expect(
        [...w.ledger.values()]
          .sort((a, b) => a.seq - b.seq)
          .map(({ seq, amount, bidderCode, placedAt }) => ({ seq, amount, bidderCode, placedAt })),
      ).toEqual(ledger.map(({ seq, amount, bidderCode, placedAt }) => ({ seq, amount, bidderCode, placedAt })));
    }
    // Coalescing: at storm rates a watcher gets fewer messages than entries.
    const messages = watchers.reduce((n, w) => n + w.messages, 0);
    const entries = watchers.reduce((n, w) => n + w.arrivals.length, 0);
    expect(messages).toBeLessThanOrEqual(entries);

    const r = rejoined!;
    expect(r.orderViolations()).toEqual([]);
    expect([...r.ledger.keys()].sort((a, b) => a - b)).toEqual(ledger.map((e) => e.seq));
    expect([...r.ledger.values()].sort((a, b) => a.seq - b.seq).map((e) => [e.seq, e.amount, e.bidderCode])).toEqual(
      ledger.map((e) => [e.seq, e.amount, e.bidderCode]),
    );
  });

  it('sends the close once to every watcher, after the last bid', async () => {
    const watchers = await Promise.all(Array.from({ length: 3 }, () => watcher()));
    const before = watchers[0].snapshot!.lot.seq;
    clock.set(lot.endsAt.getTime() + CLOSE_GRACE_MS + 1);
    for (const w of watchers)
      await until(() => w.lotEvents.some((e) => e.reason === 'closed' || e.reason === 'failed'), 'the close event');
    // A little longer: a second close would arrive within the scheduler's next polls.
    await new Promise((r) => setTimeout(r, 400));
    for (const w of watchers) {
      const closes = w.lotEvents.filter((e) => e.reason === 'closed' || e.reason === 'failed');
      expect(closes).toHaveLength(1);
      expect(closes[0]).toMatchObject({ lotId: lot.lotId, status: 'closed', seq: before });
    }
    const late = new Watcher(sockets[0], lot.lotId);
    const snap = await late.watch();
    expect(snap.lot.status).toBe('closed');
    expect(await request(sockets[0], 'sync', { lotId: lot.lotId, afterSeq: before - 1 })).toMatchObject({
      ok: true,
      more: false,
      bids: [{ seq: before }],
    });
  });
});
