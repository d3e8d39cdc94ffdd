// The lot and its ledger as a page shows them: entries merged strictly in seq order, and the standing
// state (price, leader, next minimum) as the server gives it (./standing.ts): snapshots and `lot`
// events carry it, an accepted bid broadcast carries its next minimum, and when an entry does not say
// what stands (a withdrawal, an entry read from the ledger) the page waits for the server's word (or
// asks for the lot) instead of working it out. The live connection that feeds it is
// ./lot-room.svelte.ts. Components that show part of the lot listen to it (`listen`) rather than
// watch its state for changes.
import { api, call } from '../api/client.ts';
import type { BidEntry, Lot, LotEvent, PublicEntry } from '../api/types.ts';
import type { LiveEntry } from '../../../server/realtime/events.ts';
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

export class LotView<C extends ViewCallbacks = ViewCallbacks> {
  lot: Lot = $state()!;
  entries: BidEntry[] = $state([]);
  /** The leading bid withdrawn most recently, until a bid is placed after it. */
  withdrawal: Withdrawal | null = $state(null);

  /** Who hears of what happens to the lot: the page (from the start) and the parts of it that listen. */
  private listeners: C[] = [];
  /** The standing state shown (in `lot`) and the seq it holds at. */
  private standing: Standing;
  private standingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(lot: Lot, entries: BidEntry[], callbacks?: C) {
    if (callbacks) this.listeners.push(callbacks);
    this.entries = entries;
    // Entries read after the lot itself (the first page) do not say what stands: the watch's snapshot will.
    this.standing = standingOf(lot);
    this.lot = lot;
    const last = entries.at(-1);
    if (last?.kind === 'withdrawal') this.withdrawal = withdrawalOf(last);
  }

  get lastSeq(): number {
    return this.entries.length ? this.entries[this.entries.length - 1].seq : 0;
  }

  /** Hears of what happens to the lot from now on, until the returned function is called. */
  listen(callbacks: C): () => void {
    this.listeners.push(callbacks);
    return () => {
      this.listeners = this.listeners.filter((c) => c !== callbacks);
    };
  }

  /** Tells every listener. */
  protected tell(hear: (c: C) => void): void {
    for (const c of [...this.listeners]) hear(c);
  }

  protected stopView(): void {
    clearTimeout(this.standingTimer);
  }

  /** Applies consecutive entries; stops at the first gap. */
  protected apply(items: (LiveEntry | PublicEntry | BidEntry)[]): void {
    const applied: BidEntry[] = [];
    const next = [...this.entries];
    let { bidCount, seq } = this.lot;
    let standing = this.standing;
    let unsaid = 0;
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
      } else {
        if (entry.seq > seq) bidCount++;
        withdrawal = null;
      }
      const said = afterEntry(standing, raw);
      if (said) standing = said;
      else unsaid = entry.seq;
      if (entry.seq > seq) seq = entry.seq;
    }
    if (!applied.length) return;
    this.entries = next;
    this.withdrawal = withdrawal;
    this.lot = { ...this.lot, bidCount, seq };
    this.show(standing);
    // An entry that did not say what stands: a withdrawal's `lot` event follows it; otherwise ask.
    if (unsaid > standing.seq) this.awaitStanding(unsaid, applied.at(-1)?.kind === 'withdrawal' ? STANDING_WAIT_MS : 0);
    this.tell((c) => c.onEntries?.(applied));
  }

  protected applyLotChange(change: LotEvent): void {
    const { status, endsAt, cancelReason, finalPrice, winnerBidderCode, biddingOpen, ended } = change;
    // After the close: the legal outcome (awaiting the winner, defaulted, …).
    const { award } = change;
    // A descending lot's next fall and a lot's period (extension or tie round) move with these events.
    const { nextPriceAt, nextPrice, round } = change;
    // A technical suspension and its re-run (issue 18).
    const { suspendedAt, suspensionReason, rerunOf, rerunAs } = change;
    this.lot = {
      ...this.lot,
      status: status as Lot['status'],
      endsAt,
      nextPriceAt,
      nextPrice,
      round,
      cancelReason,
      finalPrice,
      winnerBidderCode,
      biddingOpen,
      ended,
      award,
      suspendedAt,
      suspensionReason,
      rerunOf,
      rerunAs,
    };
    this.show(newer(this.standing, standingOf(change)));
  }

  /** A snapshot of the lot (the watch ack, GET /api/lots/:id): its standing state unless ours is newer. */
  protected adopt(lot: Lot): void {
    // An ended lot never opens again: a snapshot saying otherwise was read before the end (a read that
    // crossed the closing `lot` event) and is older than what is shown.
    if (this.lot.ended && !lot.ended) return;
    const held = this.standing;
    const { seq, bidCount } = this.lot;
    this.lot = { ...this.lot, ...lot, seq: Math.max(seq, lot.seq), bidCount: seq > lot.seq ? bidCount : lot.bidCount };
    this.show(newer(held, standingOf(lot)));
  }

  /** Reads the lot as the server has it now (GET /api/lots/:id). */
  protected async read(): Promise<Lot | undefined> {
    const id = this.lot.id;
    const res = await call((signal) => api.GET('/lots/{id}', { params: { path: { id } }, signal }), {
      timeoutMs: LOT_READ_TIMEOUT_MS,
    });
    return res.ok ? res.data : undefined;
  }

  /** Reads the lot again and takes what it says. */
  protected async refresh(): Promise<Lot | undefined> {
    const lot = await this.read();
    if (lot) this.adopt(lot);
    return lot;
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
    if (next.highestBidderCode !== before) this.tell((c) => c.onLeaderChange?.(before, next.highestBidderCode));
  }

  /**
   * The server's word on what stands at `seq`: after a withdrawal its `lot` event says; should it not
   * come within `waitMs` (a connection that dropped at that moment), or for an entry read from the
   * ledger, the page asks for the lot rather than guess.
   */
  private awaitStanding(seq: number, waitMs: number): void {
    clearTimeout(this.standingTimer);
    this.standingTimer = setTimeout(() => {
      if (this.standing.seq >= seq) return;
      void this.read().then((lot) => {
        if (lot && lot.seq >= seq) this.adopt(lot);
      });
    }, waitMs);
  }
}
