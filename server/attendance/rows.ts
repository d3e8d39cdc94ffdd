// Attendance as read back (the API and the record): a registration's first and last presence with
// its bids in the ledger folded in, since a bid in the window is presence and the close is where the
// ledger's bids are written onto the registrations (no-shows.ts); before it, or for a cancelled lot,
// they are folded in here. Pure: no I/O.

/** A registration's bids in the ledger: how many, and the first and last one's time. */
export interface BidSpan {
  count: number;
  first: Date | null;
  last: Date | null;
}

const earliest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a < b ? a : b) : (a ?? b));
const latest = (a: Date | null, b: Date | null): Date | null => (a && b ? (a > b ? a : b) : (a ?? b));

/** The first and last presence of a registration, its bids counted. */
export function withLedgerBids(
  seen: { firstSeenAt: Date | null; lastSeenAt: Date | null },
  bids: BidSpan | undefined,
): { firstSeenAt: Date | null; lastSeenAt: Date | null } {
  if (!bids || bids.count === 0) return { firstSeenAt: seen.firstSeenAt, lastSeenAt: seen.lastSeenAt };
  return {
    firstSeenAt: earliest(seen.firstSeenAt, bids.first),
    lastSeenAt: latest(seen.lastSeenAt, bids.last),
  };
}
