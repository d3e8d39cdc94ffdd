// A load-generator process: sends its share of the open-loop bid schedule at the scheduled times,
// whatever the answers' latency (no coordinated omission: latency counts from the scheduled time).
// Mode http posts to /api/lots/:id/bids over keep-alive connections (undici Pool); mode raw is
// baseline (a), one postgres.js transaction per bid on the platform's schema. A 503 UNAVAILABLE is
// counted as shed, not as an error. Overload and outage steps (`bounded`) also time every answer
// against the platform's bound, give up at a client timeout, and may keep per-bid records and retry
// bids that got no definitive answer once, with the same Idempotency-Key.
import { Pool } from 'undici';
import { LeanHttpPool } from './lib/lean-http.ts';
import { serveIpc } from './lib/ipc.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './lib/hist.ts';
import { bidderOf, kindOf, scheduledAt, validAmount, type BidKind } from './lib/schedule.ts';
import type {
  AttemptOutcome,
  AttemptRecord,
  BidderRef,
  BoundedCounts,
  LoadgenFinal,
  LoadgenInit,
  LoadgenRecords,
  LoadgenStepReport,
  StepMessage,
} from './lib/protocol.ts';
import { openRawBidder, type RawBidder } from './lib/raw-bid.ts';

type Outcome =
  | { kind: 'accepted'; seq: number; amount: number }
  | { kind: 'rejected'; code: string }
  | { kind: 'shed'; retryAfter: boolean }
  | { kind: 'error'; message: string; answered: boolean }
  | { kind: 'noAnswer' };

let init: LoadgenInit;
let pool: Pool | undefined;
/** The lean client instead of undici (overload steps: see lib/lean-http.ts). */
let lean: LeanHttpPool | undefined;

/** One HTTP exchange through whichever client this process uses. */
async function exchange(options: {
  path: string;
  method: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
}): Promise<{ statusCode: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  if (lean) {
    const r = await lean.request(options);
    return { statusCode: r.statusCode, headers: r.headers, text: r.body };
  }
  const res = await pool!.request(options);
  return { statusCode: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** Open connections, and idle ones, of this process's client. */
function clientStats(): { connected: number; free: number } {
  if (lean) return lean.stats;
  return { connected: pool!.stats.connected, free: pool!.stats.free };
}
let raw: RawBidder | undefined;
const acks: [number, number, number][] = [];
/** The highest amount this process has seen acknowledged: a bid at or below it is surely too low. */
let highestSeen = 0;
/** The records of the last step that kept them (fetched with `records`). */
let records: LoadgenRecords = { first: [], retries: [] };
/** The step in progress, for `retry` (which arrives while it runs). */
let current: { armRetries(): number } | undefined;
/** `retry` came before its step had started (its connections still opening): arm at the start. */
let retryEarly = false;

/** The most HTTP connections this generator opens. */
const poolCap = (): number => Math.max(init.connections, init.maxConnections ?? 0);

async function sendHttp(bidder: BidderRef, amount: number, key: string, signal?: AbortSignal): Promise<Outcome> {
  const res = await exchange({
    path: `/api/lots/${init.lotId}/bids`,
    method: 'POST',
    headers: { authorization: `Bearer ${bidder.token}`, 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ amount }),
    signal,
  });
  const text = res.text;
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
  if (res.statusCode === 503 && code === 'UNAVAILABLE')
    return { kind: 'shed', retryAfter: res.headers['retry-after'] !== undefined };
  if (res.statusCode >= 500 || res.statusCode === 404)
    return { kind: 'error', message: `${res.statusCode} ${text.slice(0, 200)}`, answered: true };
  return { kind: 'rejected', code };
}

async function send(g: number, bidder: BidderRef, amount: number, signal?: AbortSignal): Promise<Outcome> {
  try {
    if (init.mode === 'raw') {
      const r = await raw!.place(bidder, amount, `bench-${g}`);
      return r ? { kind: 'accepted', seq: r.seq, amount } : { kind: 'rejected', code: 'REJECTED' };
    }
    return await sendHttp(bidder, amount, `bench-${g}`, signal);
  } catch (err) {
    if (signal?.aborted) return { kind: 'noAnswer' };
    return { kind: 'error', message: (err as Error).message, answered: false };
  }
}

const outcomeOf = (o: Outcome): AttemptOutcome =>
  o.kind === 'rejected' ? 'refused' : o.kind === 'error' ? (o.answered ? 'error' : 'failed') : o.kind;
const definitive = (o: Outcome): boolean => o.kind === 'accepted' || o.kind === 'rejected';

/**
 * Client timeouts: requests abort at their deadline (scheduled time + the client timeout). Deadlines
 * arrive in schedule order, so one queue swept every 50 ms replaces a timer per request.
 */
function timeouts(): { signal(deadline: number): AbortSignal; stop(): void } {
  const queue: { deadline: number; controller: AbortController }[] = [];
  let head = 0;
  const sweep = setInterval(() => {
    const now = wallNow();
    // Aborting a request that has already ended does nothing.
    while (head < queue.length && queue[head].deadline <= now) queue[head++].controller.abort();
    if (head > 10_000) {
      queue.splice(0, head);
      head = 0;
    }
  }, 50);
  return {
    signal(deadline) {
      const t = { deadline, controller: new AbortController() };
      queue.push(t);
      return t.controller.signal;
    },
    stop: () => clearInterval(sweep),
  };
}

interface Bid {
  g: number;
  kind: BidKind;
  bidder: BidderRef;
  amount: number;
}

function runStep(step: StepMessage): Promise<LoadgenStepReport> {
  const accepted = newHistogram();
  const rejected = newHistogram();
  const sendLag = newHistogram();
  const report: Omit<
    LoadgenStepReport,
    'acceptedHist' | 'rejectedHist' | 'sendLagHist' | 'cpuSeconds' | 'wallSeconds'
  > = {
    sent: 0,
    accepted: 0,
    rejected: {},
    shed: 0,
    errors: 0,
    errorSamples: [],
    unanswered: 0,
    invalidAccepted: 0,
    firstSendAt: 0,
    lastAcceptedAt: 0,
  };
  const bo = step.bounded;
  const wait = newHistogram();
  const shedWait = newHistogram();
  const counts: Omit<BoundedCounts, 'waitHist' | 'shedHist'> = {
    sent: 0,
    accepted: 0,
    refused: 0,
    shed: 0,
    shedWithoutRetryAfter: 0,
    error: 0,
    failed: 0,
    noAnswer: 0,
    withinBound: 0,
    definitiveWithinBound: 0,
    clientQueued: 0,
    peakConnections: 0,
  };
  const clock = bo ? timeouts() : undefined;
  if (bo?.records) records = { first: [], retries: [] };
  const cpu0 = process.cpuUsage();
  const end = step.firstG + step.count;
  let g = step.firstG + ((init.index - (step.firstG % init.of) + init.of) % init.of);
  let outstanding = 0;
  let finished = false;
  let retriesArmed = !bo?.retries || retryEarly;
  retryEarly = false;
  /** Bids whose first attempt ended without a definitive answer, waiting for `retry`. */
  const retryBacklog: Bid[] = [];

  return new Promise((resolve) => {
    const finish = (): void => {
      if (finished) return;
      finished = true;
      clearTimeout(deadline);
      clock?.stop();
      current = undefined;
      const cpu = process.cpuUsage(cpu0);
      report.unanswered = outstanding;
      const bounded = bo
        ? { ...counts, waitHist: encodeHistogram(wait), shedHist: encodeHistogram(shedWait) }
        : undefined;
      resolve({
        ...report,
        acceptedHist: encodeHistogram(accepted),
        rejectedHist: encodeHistogram(rejected),
        sendLagHist: encodeHistogram(sendLag),
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: (wallNow() - step.startAt) / 1000,
        ...(bounded ? { bounded } : {}),
      });
    };
    const maybeFinish = (): void => {
      if (g >= end && outstanding === 0 && retriesArmed) finish();
    };
    const deadline = setTimeout(
      finish,
      Math.max(0, step.startAt - wallNow()) + step.durationS * 1000 + step.deadlineMs,
    );
    const record = (h: Histogram, at: number, scheduled: number): void => recordMs(h, at - scheduled);
    /** One HTTP attempt of a bid; resolves with its outcome and when it ended. */
    const attempt = (
      bid: Bid,
      scheduled: number,
    ): Promise<{ o: Outcome; at: number; sentAt: number; sentDate: number }> => {
      const sentAt = wallNow();
      const sentDate = Date.now();
      outstanding++;
      const signal = clock?.signal(scheduled + bo!.clientTimeoutMs);
      return send(bid.g, bid.bidder, bid.amount, signal).then((o) => {
        outstanding--;
        if (o.kind === 'accepted') {
          acks.push([bid.g, o.seq, o.amount]);
          if (o.amount > highestSeen) highestSeen = o.amount;
        }
        return { o, at: wallNow(), sentAt, sentDate };
      });
    };
    const keep = (
      list: AttemptRecord[],
      bid: Bid,
      scheduled: number,
      r: { o: Outcome; at: number; sentAt: number; sentDate: number },
    ): void => {
      const o = r.o;
      list.push({
        g: bid.g,
        scheduledAt: scheduled,
        sentAt: r.sentAt,
        sentDate: r.sentDate,
        endAt: r.at,
        outcome: outcomeOf(o),
        amount: bid.amount,
        bidderCode: bid.bidder.bidderCode,
        ...(o.kind === 'accepted'
          ? { seq: o.seq }
          : o.kind === 'rejected'
            ? { code: o.code }
            : o.kind === 'shed'
              ? { code: 'UNAVAILABLE' }
              : o.kind === 'error'
                ? { code: o.message.slice(0, 80) }
                : {}),
      });
    };
    const retry = (bid: Bid): void => {
      const scheduled = wallNow();
      void attempt(bid, scheduled).then((r) => {
        if (bo?.records) keep(records.retries, bid, scheduled, r);
        maybeFinish();
      });
    };
    current = {
      armRetries: () => {
        retriesArmed = true;
        const n = retryBacklog.length;
        for (const bid of retryBacklog.splice(0)) retry(bid);
        maybeFinish();
        return n;
      },
    };
    const fire = (n: number, scheduled: number): void => {
      const kind = kindOf(n);
      const list = kind === 'unapproved' ? init.unapproved : init.approved;
      const bid: Bid = {
        g: n,
        kind,
        bidder: list[bidderOf(n, kind, init.approved.length, init.unapproved.length)],
        amount:
          kind === 'low'
            ? Math.max(highestSeen, init.rules.startingPrice - init.rules.priceStep)
            : validAmount(n, init.rules),
      };
      const now = wallNow();
      report.firstSendAt ||= now;
      if (bo && (pool || lean)) {
        // Queued behind the generator's own connection cap: the wait it adds is the client's, not the platform's.
        const stats = clientStats();
        if (stats.free === 0 && stats.connected >= poolCap()) counts.clientQueued++;
        if (stats.connected > counts.peakConnections) counts.peakConnections = stats.connected;
      }
      recordMs(sendLag, now - scheduled);
      report.sent++;
      counts.sent++;
      void attempt(bid, scheduled).then((r) => {
        const { o, at } = r;
        if (bo) {
          if (bo.records) keep(records.first, bid, scheduled, r);
          const waited = at - scheduled;
          counts[outcomeOf(o)]++;
          if (o.kind === 'shed' && !o.retryAfter) counts.shedWithoutRetryAfter++;
          if (o.kind === 'shed') recordMs(shedWait, waited);
          if (o.kind !== 'noAnswer' && !(o.kind === 'error' && !o.answered)) {
            recordMs(wait, waited);
            if (waited <= bo.boundMs) {
              counts.withinBound++;
              if (definitive(o)) counts.definitiveWithinBound++;
            }
          }
          if (bo.retries && !definitive(o)) {
            if (retriesArmed) retry(bid);
            else retryBacklog.push(bid);
          }
        }
        if (o.kind === 'accepted') {
          if (finished) return;
          if (kind !== 'valid') report.invalidAccepted++;
          report.accepted++;
          report.lastAcceptedAt = at;
          record(accepted, at, scheduled);
        } else if (!finished) {
          if (o.kind === 'rejected') {
            report.rejected[o.code] = (report.rejected[o.code] ?? 0) + 1;
            record(rejected, at, scheduled);
          } else if (o.kind === 'shed') {
            report.shed++;
          } else if (o.kind === 'error') {
            report.errors++;
            if (report.errorSamples.length < 5) report.errorSamples.push(o.message);
          }
        }
        maybeFinish();
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
        maybeFinish();
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
      await exchange({ path: '/api/health', method: 'GET' });
    }),
  );
}

serveIpc({
  init: async (payload: LoadgenInit) => {
    init = payload;
    if (init.mode === 'http' && init.client === 'lean') {
      lean = new LeanHttpPool(init.base!, { connections: poolCap() });
    } else if (init.mode === 'http') {
      pool = new Pool(init.base!, {
        connections: poolCap(),
        pipelining: 1,
        keepAliveTimeout: 120_000,
        keepAliveMaxTimeout: 600_000,
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
    } else {
      raw = await openRawBidder(init.dbUrl!, init.lotId, init.connections);
    }
    return { pid: process.pid };
  },
  step: async (payload: StepMessage) => {
    await warmConnections();
    return runStep(payload);
  },
  /** Opens the connections ahead of a step (each step does it again, quickly once they are open). */
  warm: () => warmConnections(),
  /** Retries (once, same Idempotency-Key) every bid of the running step not answered definitively, now and as later ones end. */
  retry: (): number => {
    if (current) return current.armRetries();
    retryEarly = true;
    return 0;
  },
  records: (): LoadgenRecords => {
    const r = records;
    records = { first: [], retries: [] };
    return r;
  },
  finish: async (): Promise<LoadgenFinal> => {
    // Bids still in flight after the step deadlines are given up on (a swamped server may never answer).
    await lean?.close();
    if (pool) {
      const closed = pool.close().then(() => true);
      if (!(await Promise.race([closed, new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))])))
        await pool.destroy();
    }
    await raw?.close();
    return { acks };
  },
});
