// The shift's bidders (a child process of bench/day.ts): every lot's planned bids, each sent at its
// planned moment (open loop: latency counts from the plan, so a late send is the measurement's, not
// hidden) as POST /api/lots/:id/bids with the bidder's own token and an Idempotency-Key, over
// keep-alive connections. Bid k of a lot offers startingPrice + k × priceStep and comes from the
// lot's registrant k mod n, so consecutive bids are never the same bidder's; two bids sent close
// together may still cross, and then the lower one is refused as too low, as in a real room.
// A bid whose connection failed before any answer is sent again with the same key (as the
// platform's own client does), at most twice.
import { Pool } from 'undici';
import { serveIpc } from './ipc.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './hist.ts';
import { amountOf, LOT_CLASSES, type LotClass } from './day-plan.ts';
import type { BiddersInit, BiddersReport, ClassBidReport } from './day-protocol.ts';

let init: BiddersInit;
let pool: Pool;

type Outcome =
  | { kind: 'accepted'; seq: number; amount: number }
  | { kind: 'rejected'; code: string }
  | { kind: 'shed' }
  | { kind: 'error'; message: string; answered: boolean };

async function send(lotId: number, token: string, amount: number, key: string): Promise<Outcome> {
  try {
    const res = await pool.request({
      path: `/api/lots/${lotId}/bids`,
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ amount }),
      headersTimeout: init.timeoutMs,
      bodyTimeout: init.timeoutMs,
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
    if (res.statusCode === 503 && code === 'UNAVAILABLE') return { kind: 'shed' };
    if (res.statusCode >= 500 || res.statusCode === 404)
      return { kind: 'error', message: `${res.statusCode} ${text.slice(0, 200)}`, answered: true };
    return { kind: 'rejected', code };
  } catch (err) {
    return { kind: 'error', message: (err as Error).message, answered: false };
  }
}

async function run(startAt: number): Promise<BiddersReport> {
  const cpu0 = process.cpuUsage();
  const hists = new Map<LotClass, { ack: Histogram; answer: Histogram; lag: Histogram }>();
  const byClass = {} as Record<LotClass, ClassBidReport>;
  for (const c of LOT_CLASSES) {
    hists.set(c, { ack: newHistogram(), answer: newHistogram(), lag: newHistogram() });
    byClass[c] = {
      sent: 0,
      accepted: 0,
      rejected: {},
      shed: 0,
      errors: 0,
      retried: 0,
      ackHist: '',
      answerHist: '',
      sendLagHist: '',
    };
  }
  const report: BiddersReport = {
    byClass,
    errorSamples: [],
    unanswered: 0,
    acks: {},
    firstSendAt: 0,
    lastAnswerAt: 0,
    cpuSeconds: 0,
  };
  // Every planned bid in time order, across lots.
  const plan = init.lots
    .flatMap((lot) => lot.bids.map((at, k) => ({ lot, k, at: startAt + at })))
    .sort((a, b) => a.at - b.at);
  let outstanding = 0;
  const bid = async (b: (typeof plan)[number]): Promise<void> => {
    const { lot, k } = b;
    const c = byClass[lot.cls];
    const h = hists.get(lot.cls)!;
    const now = wallNow();
    report.firstSendAt ||= now;
    recordMs(h.lag, now - b.at);
    c.sent++;
    outstanding++;
    const amount = amountOf(k, lot.rules);
    const key = `day-${lot.lotId}-${k}`;
    let o = await send(lot.lotId, init.tokens[lot.bidders[k % lot.bidders.length]], amount, key);
    for (let attempt = 0; attempt < 2 && o.kind === 'error' && !o.answered; attempt++) {
      c.retried++;
      o = await send(lot.lotId, init.tokens[lot.bidders[k % lot.bidders.length]], amount, key);
    }
    outstanding--;
    const at = wallNow();
    if (o.kind === 'error') {
      c.errors++;
      if (report.errorSamples.length < 5) report.errorSamples.push(o.message);
      return;
    }
    report.lastAnswerAt = Math.max(report.lastAnswerAt, at);
    recordMs(h.answer, at - b.at);
    if (o.kind === 'accepted') {
      c.accepted++;
      recordMs(h.ack, at - b.at);
      (report.acks[lot.lotId] ??= []).push([k, o.seq, o.amount]);
    } else if (o.kind === 'shed') c.shed++;
    else c.rejected[o.code] = (c.rejected[o.code] ?? 0) + 1;
  };
  const inFlight: Promise<void>[] = [];
  await new Promise<void>((resolve) => {
    let i = 0;
    const tick = (): void => {
      const now = wallNow();
      while (i < plan.length && plan[i].at <= now) inFlight.push(bid(plan[i++]));
      if (i >= plan.length) return resolve();
      setTimeout(tick, Math.max(0, Math.min(5, plan[i].at - wallNow())));
    };
    setTimeout(tick, Math.max(0, startAt - wallNow()));
  });
  // Every bid is answered within the platform's bound; the client's own timeout ends the rest.
  await Promise.race([Promise.all(inFlight), new Promise((r) => setTimeout(r, init.timeoutMs * 3 + 5_000))]);
  report.unanswered = outstanding;
  for (const c of LOT_CLASSES) {
    const h = hists.get(c)!;
    byClass[c].ackHist = encodeHistogram(h.ack);
    byClass[c].answerHist = encodeHistogram(h.answer);
    byClass[c].sendLagHist = encodeHistogram(h.lag);
  }
  const cpu = process.cpuUsage(cpu0);
  report.cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return report;
}

serveIpc({
  init: (payload: BiddersInit) => {
    init = payload;
    // undici closes an idle connection a second before the server's advertised keep-alive timeout,
    // so a bid is never sent on a connection the server is closing.
    pool = new Pool(init.base, { connections: init.connections, pipelining: 1 });
    return { pid: process.pid };
  },
  /** Opens the connections before the window (bidders have had the lot page open for a while). */
  warm: async () => {
    await Promise.all(
      Array.from({ length: init.connections }, async () => {
        const res = await pool.request({ path: '/api/health', method: 'GET' });
        await res.body.text();
      }),
    );
  },
  run: (payload: { startAt: number }) => run(payload.startAt),
  close: () => pool.close(),
});
