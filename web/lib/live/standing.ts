// The standing state a lot page shows (price, leader, the next minimum) is the server's: it comes in
// every snapshot (GET /api/lots/:id, the `watch` ack) and every `lot` event, each stamped with the seq
// it holds at. The page never works it out from the ledger: after a withdrawal the price falls back by
// a rule only the server can apply (the bidders who withdrew are barred), so the page waits for the
// server's `lot` event. The one thing a page may take from the ledger is what an accepted bid means:
// it is the standing bid at its seq, and the next one must clear it by the lot's published step.
import type { BidEntry, Lot, PublicEntry } from '../api/types.ts';

export type StandingFields = Pick<Lot, 'currentPrice' | 'highestBidderCode' | 'minNextBid'>;

/** A standing state and the seq it holds at. */
export interface Standing extends StandingFields {
  seq: number;
}

export function standingOf(state: StandingFields & { seq: number }): Standing {
  return {
    currentPrice: state.currentPrice,
    highestBidderCode: state.highestBidderCode,
    minNextBid: state.minNextBid,
    seq: state.seq,
  };
}

/**
 * The state to show when the server reports `server` while the page holds `held`: the server's,
 * unless the page has already applied a bid after it (events may cross: a `lot` event is written after
 * the entries up to its seq, possibly after later ones too).
 */
export function newer(held: Standing, server: Standing): Standing {
  return server.seq >= held.seq ? server : held;
}

/** The standing state once an accepted bid is applied; null for a withdrawal (the server says what stands). */
export function afterEntry(held: Standing, entry: PublicEntry | BidEntry, priceStep: number): Standing | null {
  if (entry.kind === 'withdrawal') return null;
  if (entry.seq <= held.seq) return held;
  // A bid was just accepted, so bidding is open: the close's `lot` event (a later seq) ends that.
  return {
    currentPrice: entry.amount,
    highestBidderCode: entry.bidderCode,
    minNextBid: entry.amount + priceStep,
    seq: entry.seq,
  };
}
