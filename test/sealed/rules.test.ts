// The sealed method's pure rules for a submission (server/auctions/rules/sealed.ts): refuseSealedBid
// in the sealed bidding and in a tie round, one row per case, and the tie-break after the last round.
import { describe, expect, it } from 'vitest';
import { MAX_TIE_ROUNDS, refuseSealedBid, tieBreakAt, type TieRound } from '../../server/auctions/rules/index.ts';

const T = Date.parse('2026-12-01T03:00:00Z');
const lot = {
  method: 'sealed' as const,
  status: 'live' as const,
  startsAt: new Date(T),
  endsAt: new Date(T + 3_600_000),
  managerPid: '000000000001',
  startingPrice: 40_000_000,
};
const approved = { id: 7, status: 'approved' as const };
const tie: TieRound = { round: 1, registrationIds: [7, 8], amount: 50_000_000, startsAt: new Date(T + 1_800_000) };
const inTie = new Date(T + 1_900_000);

describe('refuseSealedBid', () => {
  const rows: [string, Parameters<typeof refuseSealedBid>, string | undefined][] = [
    ['takes an approved bidder at the starting price', [lot, approved, 'p', 40_000_000, new Date(T), null], undefined],
    [
      'refuses a lot of another method',
      [{ ...lot, method: 'ascending' }, approved, 'p', 4e7, new Date(T), null],
      'not_sealed_lot',
    ],
    ['refuses before the start', [lot, approved, 'p', 4e7, new Date(T - 1), null], 'bidding_not_open'],
    ['refuses at the end', [lot, approved, 'p', 4e7, lot.endsAt, null], 'bidding_ended'],
    [
      'refuses a cancelled lot',
      [{ ...lot, status: 'cancelled' }, approved, 'p', 4e7, new Date(T), null],
      'lot_cancelled',
    ],
    ['refuses the manager', [lot, undefined, lot.managerPid, 4e7, new Date(T), null], 'manager_cannot_bid'],
    ['refuses the unregistered', [lot, undefined, 'p', 4e7, new Date(T), null], 'not_registered'],
    [
      'refuses the not yet approved',
      [lot, { id: 7, status: 'pending_deposit' }, 'p', 4e7, new Date(T), null],
      'deposit_not_confirmed',
    ],
    ['refuses the barred', [lot, { id: 7, status: 'barred' }, 'p', 4e7, new Date(T), null], 'bidder_barred'],
    ['refuses below the starting price', [lot, approved, 'p', 39_999_999, new Date(T), null], 'below_starting_price'],
    ['takes a tied bidder at the tied amount', [lot, approved, 'p', 50_000_000, inTie, tie], undefined],
    ['refuses a bidder not tied', [lot, { id: 9, status: 'approved' }, 'p', 6e7, inTie, tie], 'not_in_tie_round'],
    ['refuses a tied bidder below the tied amount', [lot, approved, 'p', 49_999_999, inTie, tie], 'below_tied_amount'],
    [
      'refuses a bid sent before the tie round opened',
      [lot, approved, 'p', 6e7, new Date(T + 1_799_999), tie],
      'bidding_ended',
    ],
  ];
  for (const [name, args, reason] of rows)
    it(name, () => {
      expect(refuseSealedBid(...args)?.reason).toBe(reason);
    });
});

describe('tieBreakAt', () => {
  it(`keeps the lot's policy through tie round ${MAX_TIE_ROUNDS - 1}, then breaks a tie by the earliest submission`, () => {
    expect([0, 1, MAX_TIE_ROUNDS - 1, MAX_TIE_ROUNDS].map((r) => tieBreakAt('round', r))).toEqual([
      'round',
      'round',
      'round',
      'earliest',
    ]);
    expect(tieBreakAt('earliest', 0)).toBe('earliest');
  });
});
