// Bid traffic for fault tests: bidders placing bids over HTTP with an Idempotency-Key each, every
// call with a client-side deadline, every answer recorded (status, code, time taken, Retry-After);
// then the unknown outcomes are resolved the way the README tells client authors to: retry with the
// same key and amount.
import { expect } from 'vitest';
import type { LotScenario } from '../realtime/scenario.ts';
import { timedCall, type TimedAnswer } from '../support/faults.ts';

export interface BidRecord {
  bidder: number;
  key: string;
  amount: number;
  status: number;
  code?: string;
  message?: string;
  seq?: number;
  ms: number;
  retryAfter?: string | null;
  /** performance.now() when the bid was sent. */
  sentAt: number;
}

/** A 503 whose message says the bid may have been committed, or no answer at all. */
export const isUnknownOutcome = (r: BidRecord): boolean =>
  r.status === 0 || (r.status === 503 && /may or may not/.test(r.message ?? ''));

export class BidTraffic {
  readonly records: BidRecord[] = [];
  readonly retries: BidRecord[] = [];
  private highest: number;
  private keys = 0;
  private readonly base: string;
  private readonly lot: LotScenario;

  constructor(base: string, lot: LotScenario) {
    this.base = base;
    this.lot = lot;
    this.highest = lot.startingPrice - lot.priceStep;
  }

  private async send(bidder: number, key: string, amount: number): Promise<BidRecord> {
    const sentAt = performance.now();
    const a: TimedAnswer = await timedCall(this.base, 'POST', `/api/lots/${this.lot.lotId}/bids`, {
      token: this.lot.bidders[bidder].token,
      body: { amount },
      headers: { 'idempotency-key': key },
      timeoutMs: 10_000,
    });
    const r: BidRecord = {
      bidder,
      key,
      amount,
      status: a.status,
      code: a.json?.error?.code,
      message: a.json?.error?.message,
      seq: a.json?.seq,
      ms: a.ms,
      retryAfter: a.headers?.get('retry-after'),
      sentAt,
    };
    // Like a bidder's screen: an accepted bid or a "too low" refusal moves the price this client bids over.
    if (a.status === 201 || a.json?.error?.code === 'BID_TOO_LOW') this.highest = Math.max(this.highest, amount);
    return r;
  }

  /** One bid by one bidder, a few steps above the highest accepted amount this client has seen. */
  async bid(bidder: number): Promise<BidRecord> {
    const amount = this.highest + this.lot.priceStep * (1 + Math.floor(Math.random() * 3));
    const r = await this.send(bidder, `b${bidder}-${++this.keys}`, amount);
    this.records.push(r);
    return r;
  }

  /** Every bidder bids in a loop until `stop()` returns true. */
  async closedLoop(stop: () => boolean, pauseMs = 20): Promise<void> {
    await Promise.all(
      this.lot.bidders.map(async (_, i) => {
        while (!stop()) {
          await this.bid(i);
          await new Promise((r) => setTimeout(r, pauseMs));
        }
      }),
    );
  }

  /** Bids sent on a schedule (not waiting for answers), round robin over the bidders. */
  async openLoop(perSecond: number, durationMs: number): Promise<void> {
    const pending: Promise<unknown>[] = [];
    const started = performance.now();
    for (let n = 0; performance.now() - started < durationMs; n++) {
      pending.push(this.bid(n % this.lot.bidders.length));
      const next = started + ((n + 1) * 1000) / perSecond;
      const wait = next - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    await Promise.all(pending);
  }

  /** Retries every unknown outcome once with its own key and amount; returns the retries. */
  async resolveUnknownOutcomes(): Promise<BidRecord[]> {
    for (const r of this.records.filter(isUnknownOutcome))
      this.retries.push(await this.send(r.bidder, r.key, r.amount));
    return this.retries;
  }

  /** Every acknowledged bid (first tries and retries), by seq; the same seq twice must agree. */
  acknowledged(): Map<number, { amount: number; bidder: number }> {
    const out = new Map<number, { amount: number; bidder: number }>();
    for (const r of [...this.records, ...this.retries]) {
      if (r.status !== 201) continue;
      const seen = out.get(r.seq!);
      if (seen)
        expect(seen, `seq ${r.seq} acknowledged twice with different bids`).toEqual({
          amount: r.amount,
          bidder: r.bidder,
        });
      out.set(r.seq!, { amount: r.amount, bidder: r.bidder });
    }
    return out;
  }

  /** Counts of answers by status and code, for messages. */
  summary(records: BidRecord[] = this.records): Record<string, number> {
    const out: Record<string, number> = {};
    for (const r of records) {
      const k = r.status === 0 ? 'no answer' : `${r.status}${r.code ? ` ${r.code}` : ''}`;
      out[k] = (out[k] ?? 0) + 1;
    }
    return out;
  }
}
