// The award after the close (server/auctions/rules/award.ts), table-driven: every event from every
// state, Art. 51's test for the next bidder at its boundary, and who the next-highest bidder is.
import { describe, expect, it } from 'vitest';
import type { AwardState, LotMethod } from '../../db/schema.ts';
import {
  nextAward,
  nextBidderQualifies,
  nextHighestBid,
  type AwardEvent,
  type NextBidder,
} from '../../server/auctions/rules/award.ts';
import type { LedgerBid } from '../../server/auctions/rules/withdrawal.ts';

const PRICE = 50_000_000;
const ascending = { method: 'ascending' as LotMethod, price: PRICE };
const qualifying: NextBidder = { registrationId: 7, amount: 45_000_000, deposit: 5_000_000 };
const short: NextBidder = { registrationId: 7, amount: 45_000_000, deposit: 4_999_999 };
const STATES: (AwardState | null)[] = [
  null,
  'awaiting_confirmation',
  'offered_to_next',
  'awarded',
  'failed',
  'defaulted',
];

describe('the award', () => {
  const rows: [AwardState | null, AwardEvent, LotMethod, AwardState | 'refused', boolean][] = [
    // state, event, method → new state (or refused: nothing changes), winner's deposit forfeited
    ['awaiting_confirmation', { kind: 'confirmed' }, 'ascending', 'awarded', false],
    ['awaiting_confirmation', { kind: 'confirmation_missed' }, 'ascending', 'failed', true],
    ['awaiting_confirmation', { kind: 'refused', next: qualifying }, 'ascending', 'offered_to_next', true],
    ['awaiting_confirmation', { kind: 'refused', next: short }, 'ascending', 'failed', true],
    ['awaiting_confirmation', { kind: 'refused', next: null }, 'ascending', 'failed', true],
    // Art. 51 is the ascending method's: elsewhere a refusal fails the auction.
    ['awaiting_confirmation', { kind: 'refused', next: qualifying }, 'descending', 'failed', true],
    ['awaiting_confirmation', { kind: 'refused', next: qualifying }, 'sealed', 'failed', true],
    ['offered_to_next', { kind: 'offer_accepted' }, 'ascending', 'awaiting_confirmation', false],
    ['offered_to_next', { kind: 'offer_refused' }, 'ascending', 'failed', false],
    ['offered_to_next', { kind: 'offer_missed' }, 'ascending', 'failed', false],
    ['awaiting_confirmation', { kind: 'balance_missed' }, 'ascending', 'defaulted', true],
    ['awarded', { kind: 'balance_missed' }, 'ascending', 'defaulted', true],
  ];
  it.each(rows)('%s + %o (%s) → %s', (state, event, method, expected, forfeit) => {
    const change = nextAward(state, event, { method, price: PRICE });
    expect(change).toMatchObject({ ok: true, state: expected, forfeitWinnerDeposit: forfeit });
  });

  it('offers the lot to the next bidder at their own price', () => {
    expect(nextAward('awaiting_confirmation', { kind: 'refused', next: qualifying }, ascending)).toEqual({
      ok: true,
      state: 'offered_to_next',
      forfeitWinnerDeposit: true,
      offer: { registrationId: 7, price: 45_000_000 },
    });
  });

  it('changes nothing for an event that does not apply to the state', () => {
    const allowed = new Set(rows.map(([state, event]) => `${state}/${event.kind}`));
    const events: AwardEvent[] = [
      { kind: 'confirmed' },
      { kind: 'confirmation_missed' },
      { kind: 'refused', next: qualifying },
      { kind: 'offer_accepted' },
      { kind: 'offer_refused' },
      { kind: 'offer_missed' },
      { kind: 'balance_missed' },
    ];
    for (const state of STATES)
      for (const event of events) {
        if (allowed.has(`${state}/${event.kind}`)) continue;
        expect(nextAward(state, event, ascending), `${state} + ${event.kind}`).toEqual({ ok: false, state });
      }
  });
});

describe("Art. 51's test", () => {
  it('qualifies the next bidder when their bid plus their deposit reaches the refused price', () => {
    expect(nextBidderQualifies(PRICE, { amount: 45_000_000, deposit: 5_000_000 })).toBe(true);
    expect(nextBidderQualifies(PRICE, { amount: 45_000_000, deposit: 4_999_999 })).toBe(false);
    expect(nextBidderQualifies(PRICE, { amount: 48_000_000, deposit: 5_000_000 })).toBe(true);
  });
});

describe('the next-highest bidder', () => {
  const bid = (seq: number, registrationId: number, amount: number): LedgerBid => ({
    seq,
    kind: 'bid',
    registrationId,
    amount,
  });
  const ledger: LedgerBid[] = [
    bid(1, 1, 40_000_000),
    bid(2, 2, 45_000_000),
    bid(3, 3, 50_000_000),
    { seq: 4, kind: 'withdrawal', registrationId: 3, amount: 50_000_000 },
    bid(5, 1, 55_000_000),
    bid(6, 4, 60_000_000),
  ];

  it('is the highest bid of another bidder, not barred', () => {
    // Bidder 3 withdrew (and is barred): their 50 M never counts.
    expect(nextHighestBid(ledger, 4, new Set([3]))).toEqual(bid(5, 1, 55_000_000));
    expect(nextHighestBid(ledger, 1, new Set([3]))).toEqual(bid(6, 4, 60_000_000));
    expect(nextHighestBid(ledger, 1, new Set([3, 4]))).toEqual(bid(2, 2, 45_000_000));
  });

  it('is the earlier of two equal bids, and none when the winner bid alone', () => {
    expect(nextHighestBid([bid(1, 1, 40_000_000), bid(2, 2, 40_000_000), bid(3, 3, 45_000_000)], 3, new Set())).toEqual(
      bid(1, 1, 40_000_000),
    );
    expect(nextHighestBid([bid(1, 1, 40_000_000), bid(2, 1, 45_000_000)], 1, new Set())).toBeUndefined();
  });
});
