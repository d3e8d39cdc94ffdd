// The lot and its ledger as a page shows them: entries merged strictly in seq order, and the standing
// state (price, leader, next minimum) as the server gives it (./standing.ts): snapshots and `lot`
// events carry it, an accepted bid stands at its seq, and after a withdrawal the page waits for the
// server's word (or asks for the lot) instead of working out from the ledger who leads. The live
// connection that feeds it is ./lot-room.svelte.ts.
import { api, call } from '../api/client.ts';
import type { BidEntry, Lot, LotEvent, PublicEntry } from '../api/types.ts';
import { afterEntry, newer, standingOf, type Standing } from './standing.ts';

/** How long after a withdrawal the server's `lot` event may take before the page asks for the lot. */
const STANDING_WAIT_MS = 2_000;
const LOT_READ_TIMEOUT_MS = 8_000;

/** A leading bid that was withdrawn (the bid's seq, amount and bidder), shown until the next bid. */
export interface Withdrawal {
  seq: number;
  amount: number;
  bidderCode: string;
}

export interface ViewCallbacks {
  /** New entries from others or oneself, after they were applied (for announcements). */
  onEntries?: (entries: BidEntry[]) => void;
  /** The standing state named a new leader (null: no bid stands). */
  onLeaderChange?: (before: string | null, after: string | null) => void;
}

function withdrawalOf(entry: PublicEntry | BidEntry): Withdrawal {
  return { seq: entry.withdrawsSeq ?? entry.seq, amount: entry.amount, bidderCode: entry.bidderCode };
}

export class LotView {
  lot: Lot = $state()!;
  entries: BidEntry[] = $state([]);
  /** The leading bid withdrawn most recently, until a bid is placed after it. */
  withdrawal: Withdrawal | null = $state(null);

  private readonly viewCallbacks: ViewCallbacks;
  /** The standing state shown (in `lot`) and the seq it holds at. */
  private standing: Standing;
  private standingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(lot: Lot, entries: BidEntry[], callbacks: ViewCallbacks = {}) {
    this.viewCallbacks = callbacks;
    this.entries = entries;
    // Bids read after the lot itself stand at their seqs; a withdrawal among them waits for the watch.
    let standing = standingOf(lot);
    for (const e of entries) standing = afterEntry(standing, e, lot.priceStep) ?? standing;
    this.standing = standing;
    this.lot = {
      ...lot,
      currentPrice: standing.currentPrice,
      highestBidderCode: standing.highestBidderCode,
      minNextBid: standing.minNextBid,
    };
    const last = entries.at(-1);
    if (last?.kind === 'withdrawal') this.withdrawal = withdrawalOf(last);
  }

  get lastSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : 0;
  }

  protected stopView(): void {
    clearTimeout(this.standingTimer);
  }

  /** Applies consecutive entries; stops at the first gap. */
  protected apply(items: (PublicEntry | BidEntry)[]): void {
    const applied: BidEntry[] = [];
    const next = [...this.entries];
    let { bidCount, seq } = this.lot;
    let standing = this.standing;
    let withdrawal = this.withdrawal;
    for (const raw of [...items].sort((a, b) => a.seq - b.seq)) {
      const last = next.length ? next[next.length - 1].seq : 0;
      if (raw.seq <= last) continue;
      if (raw.seq !== last + 1) break;
      const entry: BidEntry = { ...raw, status: 'status' in raw ? raw.status : 'accepted' } as BidEntry;
      next.push(entry);
      applied.push(entry);
      if (entry.kind === 'withdrawal') {
        const i = next.findIndex((e) => e.seq === entry.withdrawsSeq);
        if (i >= 0) next[i] = { ...next[i], status: 'withdrawn' };
        withdrawal = withdrawalOf(entry);
        this.awaitStanding(entry.seq);
      } else {
        if (entry.seq > seq) bidCount++;
        withdrawal = null;
      }
      standing = afterEntry(standing, entry, this.lot.priceStep) ?? standing;
      if (entry.seq > seq) seq = entry.seq;
    }
    if (!applied.length) return;
    this.entries = next;
    this.withdrawal = withdrawal;
    this.lot = { ...this.lot, bidCount, seq };
    this.show(standing);
    this.viewCallbacks.onEntries?.(applied);
  }

  protected applyLotChange(change: LotEvent): void {
    const { status, endsAt, cancelReason, finalPrice, winnerBidderCode } = change;
    this.lot = { ...this.lot, status: status as Lot['status'], endsAt, cancelReason, finalPrice, winnerBidderCode };
    this.show(newer(this.standing, standingOf(change)));
  }

  /** A snapshot of the lot (the watch ack, GET /api/lots/:id): its standing state unless ours is newer. */
  protected adopt(lot: Lot): void {
    const held = this.standing;
    const { seq, bidCount } = this.lot;
    this.lot = { ...this.lot, ...lot, seq: Math.max(seq, lot.seq), bidCount: seq > lot.seq ? bidCount : lot.bidCount };
    this.show(newer(held, standingOf(lot)));
  }

  /** Shows a standing state, telling the page when the leader changed. */
  private show(next: Standing): void {
    const before = this.standing.highestBidderCode;
    this.standing = next;
    this.lot = {
      ...this.lot,
      currentPrice: next.currentPrice,
      highestBidderCode: next.highestBidderCode,
      minNextBid: next.minNextBid,
    };
    if (next.highestBidderCode !== before) this.viewCallbacks.onLeaderChange?.(before, next.highestBidderCode);
  }

  /**
   * After a withdrawal the server's `lot` event names what stands. Should it not come (a connection
   * that dropped at that moment), the page asks for the lot rather than guess.
   */
  private awaitStanding(seq: number): void {
    clearTimeout(this.standingTimer);
    this.standingTimer = setTimeout(() => {
      if (this.standing.seq >= seq) return;
      const id = this.lot.id;
      const read = (signal: AbortSignal | undefined) => api.GET('/lots/{id}', { params: { path: { id } }, signal });
      void call(read, { timeoutMs: LOT_READ_TIMEOUT_MS }).then((res) => {
        if (res.ok && res.data.seq >= seq) this.adopt(res.data);
      });
    }, STANDING_WAIT_MS);
  }
}
