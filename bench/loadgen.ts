// A load-generator process: sends its share of the open-loop bid schedule at the scheduled times,
// whatever the answers' latency (no coordinated omission: latency counts from the scheduled time).
// Mode http posts to /api/lots/:id/bids over keep-alive connections (undici Pool); mode raw is
// baseline (a), one postgres.js transaction per bid on the platform's schema.
import { Pool } from 'undici';
import { serveIpc } from './lib/ipc.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './lib/hist.ts';
import { bidderOf, kindOf, scheduledAt, validAmount, type BidKind } from './lib/schedule.ts';
import type { BidderRef, LoadgenFinal, LoadgenInit, LoadgenStepReport, StepMessage } from './lib/protocol.ts';
import { openRawBidder, type RawBidder } from './lib/raw-bid.ts';

type Outcome = { kind: 'accepted'; seq: number; amount: number } | { kind: 'rejected'; code: string } | { kind: 'error'; message: string };

let init: LoadgenInit;
let pool: Pool | undefined;
let raw: RawBidder | undefined;
const acks: [number, number, number][] = [];
/** The highest amount this process has seen acknowledged: a bid at or below it is surely too low. */
let highestSeen = 0;

async function sendHttp(bidder: BidderRef, amount: number, key: string): Promise<Outcome> {
  const res = await pool!.request({
    path: `/api/lots/${init.lotId}/bids`,
    method: 'POST',
    headers: { authorization: `Bearer ${bidder.token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ amount }),
  });
  const text = await res.body.text();
  if (res.statusCode === 201) {
    const body = JSON.parse(text) as { seq: number; amount: number };
    return { kind: 'accepted', seq: body.seq, amount: body.amount };
  }
  let code = `HTTP_${res.statusCode}`;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? code;
  } catch {
    /* not JSON: keep the status */
  }
  if (res.statusCode >= 500 || res.statusCode === 404) return { kind: 'error', message: `${res.statusCode} ${text.slice(0, 200)}` };
  return { kind: 'rejected', code };
}

async function send(g: number, kind: BidKind, bidder: BidderRef, amount: number): Promise<Outcome> {
  try {
    if (init.mode === 'raw') {
      const r = await raw!.place(bidder, amount, `bench-${g}`);
      return r ? { kind: 'accepted', seq: r.seq, amount } : { kind: 'rejected', code: 'REJECTED' };
    }
    return await sendHttp(bidder, amount, `bench-${g}`);
  } catch (err) {
    return { kind: 'error', message: (err as Error).message };
  }
}

function runStep(step: StepMessage): Promise<LoadgenStepReport> {
  const accepted = newHistogram();
  const rejected = newHistogram();
  const sendLag = newHistogram();
  const report: Omit<LoadgenStepReport, 'acceptedHist' | 'rejectedHist' | 'sendLagHist' | 'cpuSeconds' | 'wallSeconds'> = {
    sent: 0, accepted: 0, rejected: {}, errors: 0, errorSamples: [], unanswered: 0, invalidAccepted: 0, firstSendAt: 0, lastAcceptedAt: 0,
  };
  const cpu0 = process.cpuUsage();
  const end = step.firstG + step.count;
  let g = step.firstG + ((init.index - (step.firstG % init.of) + init.of) % init.of);
  let outstanding = 0;
  let finished = false;

  return new Promise((resolve) => {
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      const cpu = process.cpuUsage(cpu0);
      report.unanswered = outstanding;
      resolve({ ...report, acceptedHist: encodeHistogram(accepted), rejectedHist: encodeHistogram(rejected), sendLagHist: encodeHistogram(sendLag), cpuSeconds: (cpu.user + cpu.system) / 1e6, wallSeconds: (wallNow() - step.startAt) / 1000 });
    };
    const deadline = setTimeout(finish, Math.max(0, step.startAt - wallNow()) + step.durationS * 1000 + step.deadlineMs);
    const record = (h: Histogram, at: number, scheduled: number): void => recordMs(h, at - scheduled);
    const fire = (bid: number, scheduled: number): void => {
      const kind = kindOf(bid);
      const list = kind === 'unapproved' ? init.unapproved : init.approved;
      const bidder = list[bidderOf(bid, kind, init.approved.length, init.unapproved.length)];
      const amount = kind === 'low' ? Math.max(highestSeen, init.rules.startingPrice - init.rules.priceStep) : validAmount(bid, init.rules);
      const now = wallNow();
      report.firstSendAt ||= now;
      recordMs(sendLag, now - scheduled);
      report.sent++;
      outstanding++;
      void send(bid, kind, bidder, amount).then((o) => {
        const at = wallNow();
        outstanding--;
        if (o.kind === 'accepted') {
          acks.push([bid, o.seq, o.amount]);
          if (o.amount > highestSeen) highestSeen = o.amount;
          if (finished) return;
          if (kind !== 'valid') report.invalidAccepted++;
          report.accepted++;
          report.lastAcceptedAt = at;
          record(accepted, at, scheduled);
        } else if (!finished) {
          if (o.kind === 'rejected') {
            report.rejected[o.code] = (report.rejected[o.code] ?? 0) + 1;
            record(rejected, at, scheduled);
          } else {
            report.errors++;
            if (report.errorSamples.length < 5) report.errorSamples.push(o.message);
          }
        }
        if (g >= end && outstanding === 0) finish();
      });
    };
    const tick = (): void => {
      const now = wallNow();
      let burst = 0;
      while (g < end && scheduledAt(step, g) <= now && burst < 500) {
        fire(g, scheduledAt(step, g));
        g += init.of;
        burst++;
      }
      if (g >= end) {
        if (outstanding === 0) finish();
        return;
      }
      if (burst >= 500) setImmediate(tick);
      else setTimeout(tick, Math.max(0, Math.min(1, scheduledAt(step, g) - wallNow())));
    };
    setTimeout(tick, Math.max(0, step.startAt - wallNow()));
  });
}

/**
 * Opens every connection before a step, in the step's lead time: undici and postgres.js open them as
 * they are first needed, so a step that jumps from idle to thousands of bids a second would otherwise
 * measure 200 TCP connects (and the server's idle keep-alive timeout of 5 s closes them between
 * steps). Bidders in a closing storm are already connected: they have had the lot open.
 */
async function warmConnections(): Promise<void> {
  if (raw) return raw.warm();
  await Promise.all(
    Array.from({ length: init.connections }, async () => {
      const res = await pool!.request({ path: '/api/health', method: 'GET' });
      await res.body.text();
    }),
  );
}

serveIpc({
  init: async (payload: LoadgenInit) => {
    init = payload;
    if (init.mode === 'http') {
      pool = new Pool(init.base!, { connections: init.connections, pipelining: 1, keepAliveTimeout: 120_000, keepAliveMaxTimeout: 600_000, headersTimeout: 60_000, bodyTimeout: 60_000 });
    } else {
      raw = await openRawBidder(init.dbUrl!, init.lotId, init.connections);
    }
    return { pid: process.pid };
  },
  step: async (payload: StepMessage) => {
    await warmConnections();
    return runStep(payload);
  },
  finish: async (): Promise<LoadgenFinal> => {
    // Bids still in flight after the step deadlines are given up on (a swamped server may never answer).
    if (pool) {
      const closed = pool.close().then(() => true);
      if (!(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]))) await pool.destroy();
    }
    await raw?.close();
    return { acks };
  },
});
