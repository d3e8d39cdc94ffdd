// The descending storm (issue 16): every approved bidder accepts a descending lot's price asked at
// the same instant. A lot of its own is set up through the API as the storm's lot is (every
// registration and approval over HTTP); each bidder's keep-alive connection is opened first, as
// 200 browsers with the lot page open would hold them, then all acceptances go out together. The
// serialized bid path must let exactly one win and refuse every other as sold (or, had the price
// just fallen, as changed); the figures are the answers' latencies and how soon the lot's close is
// seen by a watcher and over GET, and the ledger must hold that one entry at the price asked.
import { Client } from 'undici';
import { setUpLot, type Person } from './platform.ts';
import type { BenchIdp } from './idp.ts';
import type { BenchContext } from './phases.ts';
import { connectWire, type WireSocket } from './wire-client.ts';
import { newHistogram, recordMs, summarize, wallNow, type LatencySummary } from './hist.ts';
import { checkDescendingLedger, SHED, type DescendingResult } from './descending-check.ts';

export type { DescendingResult };

interface LotView {
  status: string;
  currentPrice: number | null;
  minNextBid: number | null;
  nextPriceAt: string | null;
  finalPrice: number | null;
  winnerBidderCode: string | null;
}

type Answer = { at: number; status: number; text: string; retryAfterS: number } | { at: number; error: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, Math.max(0, ms)));
const INTERVAL_SECONDS = 10;
/** Fire only with at least this long left before the price falls, so that all accept one price. */
const MIN_MARGIN_MS = 2_000;
const WAIT_CLOSED_MS = 15_000;

/** The histogram's percentiles are bucket edges: with 200 samples p99 may read above the maximum. */
function capped(s: LatencySummary | null): LatencySummary | null {
  if (!s) return null;
  const c = (v: number): number => Math.round(Math.min(v, s.max) * 10) / 10;
  return { ...s, p50: c(s.p50), p90: c(s.p90), p99: c(s.p99), p999: c(s.p999), max: c(s.max), mean: c(s.mean) };
}

const ACCEPTED = 'accepted';
const ERROR = 'error';

/** An answer's kind: accepted, an error (no answer, a 5xx other than shedding), or the refusal's `CODE/reason`. */
function kindOf(a: Answer): string {
  if ('error' in a) return ERROR;
  if (a.status === 201) return ACCEPTED;
  let key = `HTTP_${a.status}`;
  try {
    const e = (JSON.parse(a.text) as { error?: { code?: string; reason?: string } }).error;
    if (e?.code) key = e.reason ? `${e.code}/${e.reason}` : e.code;
  } catch {
    /* not JSON: keep the status */
  }
  return a.status >= 500 && key !== SHED ? ERROR : key;
}

async function getLot(base: string, lotId: number): Promise<LotView> {
  const res = await fetch(`${base}/api/lots/${lotId}`);
  if (!res.ok) throw new Error(`GET /api/lots/${lotId} answered ${res.status}`);
  return (await res.json()) as LotView;
}

/** Watches the lot over the socket.io wire protocol and notes when bidding ended and when it closed. */
async function watch(
  base: string,
  lotId: number,
  t0: () => number | null,
): Promise<{ socket: WireSocket; seen: { sold: number | null; closed: number | null } }> {
  const seen = { sold: null as number | null, closed: null as number | null };
  const socket = await connectWire(base, {
    timeoutMs: 10_000,
    onDisconnect: () => {},
    onEvent: (name, data) => {
      const start = t0();
      const e = data as { lotId?: number; status?: string; biddingOpen?: boolean };
      if (name !== 'lot' || e.lotId !== lotId || start === null) return;
      const at = wallNow() - start;
      if (seen.sold === null && e.biddingOpen === false) seen.sold = at;
      if (seen.closed === null && e.status === 'closed') seen.closed = at;
    },
  });
  const ack = await socket.request<{ ok: boolean }>('watch', { lotId }, 10_000);
  if (!ack.ok) throw new Error(`watch ${lotId} refused: ${JSON.stringify(ack)}`);
  return { socket, seen };
}

export async function runDescending(
  ctx: BenchContext,
  people: { idp: BenchIdp; admin: Person; manager: Person },
): Promise<DescendingResult> {
  const base = ctx.platform().base;
  const bidders = ctx.approved;
  const { startingPrice, priceStep } = ctx.rules;
  // The storm lot's registrations of every bidder (approved or not) and its approvals, with room to spare.
  const stormSetup = ctx.setup.setupMs.registerMs + ctx.setup.setupMs.approveMs;
  const registrationSeconds = Math.max(6, Math.ceil((stormSetup * 1.5) / 1000) + 2);
  ctx.log(
    `descending: ${bidders.length} bidders accept one price asked at the same instant (registration window ${registrationSeconds} s)`,
  );
  const setup = await setUpLot({
    base,
    ...people,
    approved: bidders,
    unapproved: [],
    rules: ctx.rules,
    registrationSeconds,
    biddingMinutes: 0,
    lot: {
      title: 'Excavator Komatsu PC200 (benchmark descending storm)',
      description: 'Every approved bidder accepts the price asked at the same instant.',
      method: 'descending',
      intervalSeconds: INTERVAL_SECONDS,
      floorPrice: startingPrice - 4 * priceStep,
      endsAt: undefined,
    },
  });
  const lotId = setup.lotId;
  let t0: number | null = null;
  // One connection per bidder, opened (and its first request answered) before the instant.
  const clients = bidders.map(
    () => new Client(base, { pipelining: 1, keepAliveTimeout: 60_000, headersTimeout: 30_000, bodyTimeout: 30_000 }),
  );
  const poller = new Client(base, { pipelining: 1 });
  let watcher: WireSocket | undefined;
  try {
    await Promise.all(
      [...clients, poller].map(
        async (c) => void (await (await c.request({ path: '/api/health', method: 'GET' })).body.text()),
      ),
    );
    const w = await watch(base, lotId, () => t0);
    watcher = w.socket;
    let lot = await getLot(base, lotId);
    let nextFall = lot.nextPriceAt ? Date.parse(lot.nextPriceAt) : Infinity;
    if (nextFall - Date.now() < MIN_MARGIN_MS + 500) {
      await sleep(nextFall - Date.now() + 300);
      lot = await getLot(base, lotId);
      nextFall = lot.nextPriceAt ? Date.parse(lot.nextPriceAt) : Infinity;
    }
    const priceAsked = lot.minNextBid ?? lot.currentPrice;
    if (lot.status !== 'live' || priceAsked === null)
      throw new Error(`the descending lot is not taking acceptances: ${JSON.stringify(lot)}`);
    const bodies = bidders.map((p, i) => ({
      path: `/api/lots/${lotId}/bids`,
      method: 'POST' as const,
      headers: {
        authorization: `Bearer ${p.token}`,
        'content-type': 'application/json',
        'idempotency-key': `descending-${lotId}-${i}`,
      },
      body: JSON.stringify({ amount: priceAsked }),
    }));
    await sleep(200);
    const start = wallNow();
    t0 = start;
    const send = (i: number): Promise<Answer> =>
      clients[i].request(bodies[i]).then(
        async (res) => ({
          at: wallNow() - start,
          status: res.statusCode,
          text: await res.body.text(),
          retryAfterS: Number(res.headers['retry-after'] ?? 0) || 0,
        }),
        (err: unknown) => ({ at: wallNow() - start, error: (err as Error).message }),
      );
    const answers = clients.map((_, i) => send(i));
    const sendSpreadMs = wallNow() - start;
    const marginMs = nextFall - Date.now();
    // GET from the same instant, as a browser without a socket would poll.
    let getClosedMs: number | null = null;
    const polling = (async () => {
      while (wallNow() - start < WAIT_CLOSED_MS) {
        const res = await poller.request({ path: `/api/lots/${lotId}`, method: 'GET' });
        const view = (await res.body.json()) as LotView;
        if (view.status === 'closed') return void (getClosedMs = wallNow() - start);
        await sleep(20);
      }
    })();
    const done = await Promise.all(answers);
    // An acceptance the admission door shed (503, not placed) is sent again after its Retry-After
    // with its Idempotency-Key, as a client should: its answer then must be a right refusal too.
    const shedIdx = done.flatMap((a, i) => (kindOf(a) === SHED ? [i] : []));
    const retryAfterS = (a: Answer): number => ('error' in a ? 0 : a.retryAfterS);
    if (shedIdx.length) await sleep(Math.max(...shedIdx.map((i) => retryAfterS(done[i]))) * 1000);
    const retries = await Promise.all(shedIdx.map((i) => send(i)));
    await polling;
    while (w.seen.closed === null && wallNow() - start < WAIT_CLOSED_MS) await sleep(20);

    const hist = newHistogram();
    const refusals: Record<string, number> = {};
    const retried: Record<string, number> = {};
    const errorSamples: string[] = [];
    let errors = 0;
    let winner = null as DescendingResult['winner'];
    let accepted = 0;
    const count = (a: Answer, tally: Record<string, number>): void => {
      const kind = kindOf(a);
      if ('error' in a || kind === ERROR) {
        errors++;
        if (errorSamples.length < 3) errorSamples.push('error' in a ? a.error : `${a.status} ${a.text.slice(0, 200)}`);
      } else if (kind === ACCEPTED) {
        accepted++;
        const bid = JSON.parse(a.text) as { seq: number; amount: number; bidderCode: string };
        winner = { bidderCode: bid.bidderCode, seq: bid.seq, amount: bid.amount, ackMs: Math.round(a.at * 10) / 10 };
      } else tally[kind] = (tally[kind] ?? 0) + 1;
    };
    for (const a of done) {
      if (!('error' in a)) recordMs(hist, a.at);
      count(a, refusals);
    }
    for (const a of retries) count(a, retried);
    const after = await getLot(base, lotId);
    const ledger = await checkDescendingLedger(ctx.db.sql, lotId, priceAsked, winner?.bidderCode ?? null);
    const r1 = (v: number | null): number | null => (v === null ? null : Math.round(v * 10) / 10);
    const result: DescendingResult = {
      lotId,
      bidders: bidders.length,
      intervalSeconds: INTERVAL_SECONDS,
      priceAsked,
      marginMs: Math.round(marginMs),
      sendSpreadMs: Math.round(sendSpreadMs * 10) / 10,
      accepted,
      winner,
      refusals,
      retried,
      errors,
      errorSamples,
      ack: capped(summarize(hist)),
      seen: { watcherSoldMs: r1(w.seen.sold), watcherClosedMs: r1(w.seen.closed), getClosedMs: r1(getClosedMs) },
      lotAfter: { status: after.status, finalPrice: after.finalPrice, winnerBidderCode: after.winnerBidderCode },
      ledger,
      setupMs: setup.setupMs,
    };
    const byKind = (t: Record<string, number>): string =>
      Object.entries(t)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
    const again = retries.length ? `; the ${retries.length} shed sent again: ${byKind(retried)}` : '';
    ctx.log(
      `  ${accepted} of ${bidders.length} accepted ${priceAsked} (${byKind(refusals)}${again}); answers p50 ${result.ack?.p50} ms, p99 ${result.ack?.p99} ms, max ${result.ack?.max} ms; closed seen by the watcher after ${result.seen.watcherClosedMs} ms, over GET after ${result.seen.getClosedMs} ms; ledger ${ledger.ok ? 'one entry at the price asked' : 'WRONG'}`,
    );
    return result;
  } finally {
    watcher?.close();
    await Promise.allSettled([...clients, poller].map((c) => c.close()));
  }
}
