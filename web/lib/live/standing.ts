// The standing state a lot page shows (price, leader, the next minimum) is the server's: it comes in
// every snapshot (GET /api/lots/:id, the `watch` ack) and every `lot` event, each stamped with the seq
// it holds at, and every accepted bid broadcast (`bid`/`bids`) carries the next minimum the server
// computed for it (`minNextBid`). The page never works any of it out: after a withdrawal the price
// falls back by a rule only the server can apply (the bidders who withdrew are barred), so the page
// waits for the server's `lot` event; an entry read from the ledger (a `sync`, the first page) carries
// no minimum, so the page takes the server's next snapshot instead.
import type { BidEntry, Lot } from '../api/types.ts';
import type { LiveEntry } from '../../../server/realtime/events.ts';

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

/**
 * The standing state once an entry is applied, as the server said it with the entry: an accepted bid
 * stands at its seq with the minimum the server sent. Null when the entry does not say (a withdrawal:
 * the server's `lot` event does; an entry read from the ledger, which carries no minimum).
 */
export function afterEntry(held: Standing, entry: LiveEntry | BidEntry): Standing | null {
  if (entry.seq <= held.seq) return held;
  if (entry.kind === 'withdrawal' || !('minNextBid' in entry) || entry.minNextBid === undefined) return null;
  return {
    currentPrice: entry.amount,
    highestBidderCode: entry.bidderCode,
    minNextBid: entry.minNextBid,
    seq: entry.seq,
  };
}
