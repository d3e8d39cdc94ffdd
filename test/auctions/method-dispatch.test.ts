// What differs between the methods (server/auctions/rules/methods.ts), one row per case: the price
// state a lot shows, why a bid is refused, and how a bid moves the end. Pure: no database.
import { describe, expect, it } from 'vitest';
import {
  endAfterBid,
  priceState,
  refuseBidByMethod,
  type LotRow,
  type Period,
} from '../../server/auctions/rules/index.ts';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

/** A live lot from 0 s to 600 s, 40 M starting price, 5 M step, ascending, no bids. */
const base = {
  id: 1,
  status: 'live',
  method: 'ascending',
  startsAt: at(0),
  endsAt: at(600),
  scheduledEndsAt: at(600),
  managerPid: 'manager',
  startingPrice: 40_000_000,
  priceStep: 5_000_000,
  currentPrice: null,
  leaderRegistrationId: null,
  softCloseWindowSeconds: null,
  softCloseExtendSeconds: null,
  roundsMax: null,
  roundsSeconds: null,
  roundsTriggerSeconds: null,
  round: 0,
  intervalSeconds: null,
  floorPrice: null,
  tieBreak: null,
  sealedReplaceable: null,
} as unknown as LotRow;
const lot = (overrides: Partial<LotRow>): LotRow => ({ ...base, ...overrides });
/** 40 M falling by 5 M every 60 s to 25 M: 40, 35, 30, 25; the schedule ends at 240 s. */
const descending = lot({ method: 'descending', intervalSeconds: 60, floorPrice: 25_000_000, endsAt: at(240) });
const sealed = lot({ method: 'sealed', tieBreak: 'earliest', sealedReplaceable: false });
/** Rounds of 30 s after the official end at 600 s, opened by a bid in the last 10 s, at most 2. */
const rounds = lot({ roundsMax: 2, roundsSeconds: 30, roundsTriggerSeconds: 10 });
const approved = { id: 7, status: 'approved' as const };
const standing = (s: Partial<{ endsAt: Date; currentPrice: number | null; leaderRegistrationId: number | null }>) => ({
  endsAt: base.endsAt,
  currentPrice: null,
  leaderRegistrationId: null,
  ...s,
});

describe('the price state of each method', () => {
  it.each([
    [
      'an ascending lot, no bid',
      base,
      at(10),
      { currentPrice: null, minNextBid: 40_000_000, nextPriceAt: null, round: null },
    ],
    [
      'an ascending lot at 45 M',
      lot({ currentPrice: 45_000_000 }),
      at(10),
      { currentPrice: 45_000_000, minNextBid: 50_000_000, nextPriceAt: null, round: null },
    ],
    [
      'an ascending lot after its end',
      lot({ currentPrice: 45_000_000 }),
      at(600),
      { currentPrice: 45_000_000, minNextBid: null, nextPriceAt: null, round: null },
    ],
    [
      'a descending lot at its start',
      descending,
      at(0),
      { currentPrice: 40_000_000, minNextBid: 40_000_000, nextPriceAt: at(60), nextPrice: 35_000_000, round: null },
    ],
    [
      'a descending lot on its last step',
      descending,
      at(200),
      { currentPrice: 25_000_000, minNextBid: 25_000_000, nextPriceAt: null, round: null },
    ],
    [
      'a descending lot before its start',
      lot({ ...descending, status: 'scheduled', startsAt: at(100) }),
      at(50),
      { currentPrice: null, minNextBid: null, nextPriceAt: null, round: null },
    ],
    [
      'a sold descending lot',
      lot({ ...descending, currentPrice: 35_000_000, leaderRegistrationId: 7, endsAt: at(70) }),
      at(80),
      { currentPrice: 35_000_000, minNextBid: null, nextPriceAt: null, round: null },
    ],
    [
      'a sealed lot while open',
      sealed,
      at(10),
      { currentPrice: null, minNextBid: 40_000_000, nextPriceAt: null, round: 0 },
    ],
    [
      'a sealed lot in a tie round',
      lot({ ...sealed, round: 1, currentPrice: 55_000_000, endsAt: at(900) }),
      at(700),
      { currentPrice: 55_000_000, minNextBid: 55_000_000, nextPriceAt: null, round: 1 },
    ],
    [
      'a lot with rounds in its official time',
      rounds,
      at(10),
      { currentPrice: null, minNextBid: 40_000_000, nextPriceAt: null, round: 0 },
    ],
    [
      'a lot with rounds in round 1',
      lot({ ...rounds, endsAt: at(630), currentPrice: 45_000_000 }),
      at(610),
      { currentPrice: 45_000_000, minNextBid: 50_000_000, nextPriceAt: null, round: 1 },
    ],
    [
      'a lot with rounds after its end',
      lot({ ...rounds, round: 1, endsAt: at(630) }),
      at(640),
      { currentPrice: null, minNextBid: null, nextPriceAt: null, round: 1 },
    ],
  ])('%s', (_, row, now, state) => {
    expect(priceState(row, now)).toEqual({ nextPrice: null, ...state });
  });
});

describe('why a bid is refused, by method', () => {
  const nobody = (): ReadonlySet<number> => new Set();
  const bidIn = (round: number) => (p: Period) => new Set(p.round === round ? [approved.id] : []);
  it.each([
    ['a plain bid on a sealed lot', sealed, standing({}), 40_000_000, at(10), nobody, 'sealed_lot_bid'],
    [
      'an acceptance at the price asked',
      descending,
      standing({ endsAt: at(240) }),
      35_000_000,
      at(61),
      nobody,
      undefined,
    ],
    [
      'an acceptance at an old price',
      descending,
      standing({ endsAt: at(240) }),
      40_000_000,
      at(61),
      nobody,
      'price_changed',
    ],
    [
      'an acceptance above the price asked',
      descending,
      standing({ endsAt: at(240) }),
      45_000_000,
      at(61),
      nobody,
      'price_changed',
    ],
    [
      'an acceptance once sold',
      descending,
      standing({ endsAt: at(61), leaderRegistrationId: 3 }),
      35_000_000,
      at(61),
      nobody,
      'lot_sold',
    ],
    [
      'an acceptance after the schedule',
      descending,
      standing({ endsAt: at(240) }),
      25_000_000,
      at(240),
      nobody,
      'bidding_ended',
    ],
    [
      'a bid in round 1 by a bidder of the official time',
      rounds,
      standing({ endsAt: at(630) }),
      40_000_000,
      at(605),
      bidIn(0),
      undefined,
    ],
    [
      'a bid in round 1 by a bidder without one',
      rounds,
      standing({ endsAt: at(630) }),
      40_000_000,
      at(605),
      bidIn(1),
      'not_in_round',
    ],
    [
      'a bid in round 2 by a bidder of round 1',
      rounds,
      standing({ endsAt: at(660) }),
      40_000_000,
      at(635),
      bidIn(1),
      undefined,
    ],
    [
      'a bid after the official end with no round opened',
      rounds,
      standing({}),
      40_000_000,
      at(605),
      bidIn(0),
      'bidding_ended',
    ],
    [
      'an ascending bid below the minimum',
      base,
      standing({ currentPrice: 45_000_000 }),
      45_000_000,
      at(10),
      nobody,
      'below_next_bid',
    ],
  ])('%s', (_, row, s, amount, when, biddersIn, reason) => {
    const refusal = refuseBidByMethod(row, s, approved, 'someone', amount, when, biddersIn);
    expect(refusal?.reason).toBe(reason);
  });

  it('answers PRICE_CHANGED with the price asked and its next fall', () => {
    expect(
      refuseBidByMethod(descending, standing({ endsAt: at(240) }), approved, 'p', 1, at(61), nobody),
    ).toMatchObject({
      code: 'PRICE_CHANGED',
      params: { currentPrice: 35_000_000, nextPriceAt: at(120).toISOString() },
    });
  });
});

describe('how a bid moves the end, by method', () => {
  it.each([
    ['a descending acceptance ends bidding at once', descending, at(240), at(61), { endsAt: at(61) }],
    ['an ascending bid without soft close or rounds', base, at(600), at(595), { endsAt: at(600) }],
    [
      'a soft-close bid in the window',
      lot({ softCloseWindowSeconds: 60, softCloseExtendSeconds: 120 }),
      at(600),
      at(590),
      { endsAt: at(710) },
    ],
    ['a bid outside the trigger window', rounds, at(600), at(589), { endsAt: at(600) }],
    [
      'a bid in the trigger window opens round 1',
      rounds,
      at(600),
      at(595),
      { endsAt: at(630), opened: { round: 1, startsAt: at(600), endsAt: at(630) } },
    ],
    ['a second trigger bid opens nothing more', rounds, at(630), at(596), { endsAt: at(630) }],
    ['a bid in the trigger window of the last round opens nothing', rounds, at(660), at(655), { endsAt: at(660) }],
  ])('%s', (_, row, endsAt, when, after) => {
    expect(endAfterBid(row, endsAt, when)).toEqual(after);
  });
});
