// The other methods' pure rules (server/auctions/rules/: descending.ts, rounds.ts, sealed.ts), one row
// per case. Groundwork for issue 16: the bid path takes them up with the methods themselves.
import { createHash, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  askedPriceAt,
  commitment,
  commitmentHolds,
  descendingEnd,
  descendingTermsProblem,
  lastStep,
  mayBidInRound,
  roundOpenedBy,
  roundsPolicyProblem,
  sealedOutcome,
  type Period,
} from '../../server/auctions/rules/index.ts';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);

describe('the descending schedule', () => {
  // 100 M falling by 10 M every 60 s down to a 75 M floor: 100, 90, 80, then failed at 180 s.
  const terms = {
    startsAt: at(0),
    startingPrice: 100_000_000,
    priceStep: 10_000_000,
    intervalSeconds: 60,
    floorPrice: 75_000_000,
  };

  it.each([
    { when: -1, asked: undefined },
    { when: 0, asked: { price: 100_000_000, step: 0, nextPriceAt: at(60) } },
    { when: 59.999, asked: { price: 100_000_000, step: 0, nextPriceAt: at(60) } },
    { when: 60, asked: { price: 90_000_000, step: 1, nextPriceAt: at(120) } },
    { when: 120, asked: { price: 80_000_000, step: 2, nextPriceAt: null } },
    { when: 179.999, asked: { price: 80_000_000, step: 2, nextPriceAt: null } },
    { when: 180, asked: undefined },
  ])('at $when s the price asked is $asked.price', ({ when, asked }) => {
    expect(askedPriceAt(terms, at(when))).toEqual(asked);
  });

  it('ends one interval after its last price, which is never below the floor', () => {
    expect(lastStep(terms)).toBe(2);
    expect(descendingEnd(terms)).toEqual(at(180));
    // A floor on the schedule is itself asked for a whole interval.
    const exact = { ...terms, floorPrice: 80_000_000 };
    expect(descendingEnd(exact)).toEqual(at(180));
    expect(askedPriceAt(exact, at(150))?.price).toBe(80_000_000);
    // A floor equal to the starting price: one price, one interval.
    expect(descendingEnd({ ...terms, floorPrice: 100_000_000 })).toEqual(at(60));
  });

  it('never asks below the floor or above the start, and never rises', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000 }),
        fc.integer({ min: 1, max: 100 }),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: 1, max: 50_000 }),
        fc.array(fc.integer({ min: 0, max: 10_000_000 }), { minLength: 2, maxLength: 20 }),
        (floor, step, interval, above, offsets) => {
          const t = {
            startsAt: at(0),
            startingPrice: floor + above,
            priceStep: step,
            intervalSeconds: interval,
            floorPrice: floor,
          };
          const end = descendingEnd(t).getTime();
          let previous = Infinity;
          for (const ms of [...offsets].sort((a, b) => a - b)) {
            const asked = askedPriceAt(t, new Date(T0 + ms));
            if (T0 + ms >= end) expect(asked).toBeUndefined();
            else {
              expect(asked!.price).toBeGreaterThanOrEqual(floor);
              expect(asked!.price).toBeLessThanOrEqual(t.startingPrice);
              expect(asked!.price).toBeLessThanOrEqual(previous);
              previous = asked!.price;
            }
          }
        },
      ),
    );
  });

  it.each([
    { change: {}, problem: undefined },
    { change: { floorPrice: 100_000_001 }, problem: 'floor_above_start' },
    { change: { floorPrice: 0 }, problem: 'floor_not_positive' },
    { change: { intervalSeconds: 0 }, problem: 'interval_not_positive' },
    { change: { intervalSeconds: 1.5 }, problem: 'interval_not_positive' },
  ])('terms $change: $problem', ({ change, problem }) => {
    expect(descendingTermsProblem({ ...terms, ...change })).toBe(problem);
  });
});

describe('extension rounds', () => {
  const policy = { max: 2, seconds: 30, triggerSeconds: 10 };
  const official: Period = { round: 0, startsAt: at(0), endsAt: at(600) };
  const round1: Period = { round: 1, startsAt: at(600), endsAt: at(630) };
  const round2: Period = { round: 2, startsAt: at(630), endsAt: at(660) };

  it.each([
    {
      name: 'a bid before the official trigger window opens nothing',
      period: official,
      when: 589.999,
      opens: undefined,
    },
    { name: 'a bid at the start of the trigger window opens round 1', period: official, when: 590, opens: round1 },
    { name: 'a bid in the last moment opens round 1', period: official, when: 599.999, opens: round1 },
    { name: 'a bid at the end is outside the period', period: official, when: 600, opens: undefined },
    { name: 'a bid late in round 1 opens round 2', period: round1, when: 625, opens: round2 },
    { name: 'early in round 1 it opens nothing', period: round1, when: 605, opens: undefined },
    { name: 'after the last round there is none', period: round2, when: 655, opens: undefined },
  ])('$name', ({ period, when, opens }) => {
    expect(roundOpenedBy(policy, period, at(when))).toEqual(opens);
  });

  it.each([
    { round: 0, bid: false, may: true },
    { round: 0, bid: true, may: true },
    { round: 1, bid: true, may: true },
    { round: 1, bid: false, may: false },
    { round: 2, bid: false, may: false },
  ])('round $round, a bid in the period before: $bid → may bid: $may', ({ round, bid, may }) => {
    expect(mayBidInRound(round, bid)).toBe(may);
  });

  it.each([
    { p: policy, problem: undefined },
    { p: { ...policy, max: 0 }, problem: 'rounds_max' },
    { p: { ...policy, seconds: -5 }, problem: 'rounds_seconds' },
    { p: { ...policy, triggerSeconds: 31 }, problem: 'rounds_trigger' },
    { p: { ...policy, triggerSeconds: 0 }, problem: 'rounds_trigger' },
  ])('policy $p: $problem', ({ p, problem }) => {
    expect(roundsPolicyProblem(p)).toBe(problem);
  });
});

describe('sealed bids', () => {
  it('commits to the salt followed by the amount in ASCII digits, as base64url SHA-256', () => {
    const salt = Buffer.alloc(32, 7);
    const expected = createHash('sha256')
      .update(Buffer.concat([salt, Buffer.from('150000000', 'ascii')]))
      .digest('base64url');
    expect(commitment(salt, 150_000_000)).toBe(expected);
    expect(commitmentHolds(expected, salt.toString('base64url'), 150_000_000)).toBe(true);
  });

  it.each([
    { name: 'another amount', amount: 150_000_001, salt: (s: Buffer) => s.toString('base64url') },
    { name: 'another salt', amount: 150_000_000, salt: () => Buffer.alloc(32, 8).toString('base64url') },
    { name: 'a short salt', amount: 150_000_000, salt: (s: Buffer) => s.subarray(1).toString('base64url') },
    { name: 'a salt in padded base64', amount: 150_000_000, salt: (s: Buffer) => s.toString('base64') },
    { name: 'a fractional amount', amount: 1.5, salt: (s: Buffer) => s.toString('base64url') },
  ])('does not hold for $name', ({ amount, salt }) => {
    const s = Buffer.alloc(32, 7);
    expect(commitmentHolds(commitment(s, 150_000_000), salt(s), amount)).toBe(false);
  });

  it('refuses a salt of the wrong size and an amount that is not a positive integer', () => {
    expect(() => commitment(randomBytes(16), 1)).toThrow(RangeError);
    expect(() => commitment(randomBytes(32), 0)).toThrow(RangeError);
  });

  const bid = (bidderCode: string, amount: number, second: number) => ({ bidderCode, amount, submittedAt: at(second) });
  it.each([
    { name: 'no bids', bids: [], tieBreak: 'earliest' as const, outcome: { kind: 'none' } },
    {
      name: 'the highest wins',
      bids: [bid('B-1', 100, 1), bid('B-2', 120, 2), bid('B-3', 110, 0)],
      tieBreak: 'earliest' as const,
      outcome: { kind: 'winner', winner: bid('B-2', 120, 2) },
    },
    {
      name: 'a tie goes to the earliest',
      bids: [bid('B-1', 120, 5), bid('B-2', 120, 2), bid('B-3', 110, 0)],
      tieBreak: 'earliest' as const,
      outcome: { kind: 'winner', winner: bid('B-2', 120, 2) },
    },
    {
      name: 'a tie at the same instant goes by bidder code, whatever the order',
      bids: [bid('B-9', 120, 2), bid('B-2', 120, 2)],
      tieBreak: 'earliest' as const,
      outcome: { kind: 'winner', winner: bid('B-2', 120, 2) },
    },
    {
      name: 'a tie under the round policy goes to a sealed round among the tied',
      bids: [bid('B-1', 120, 5), bid('B-2', 120, 2), bid('B-3', 110, 0)],
      tieBreak: 'round' as const,
      outcome: { kind: 'tie_round', tied: [bid('B-2', 120, 2), bid('B-1', 120, 5)], amount: 120 },
    },
    {
      name: 'no tie under the round policy: the highest wins',
      bids: [bid('B-1', 130, 5), bid('B-2', 120, 2)],
      tieBreak: 'round' as const,
      outcome: { kind: 'winner', winner: bid('B-1', 130, 5) },
    },
  ])('$name', ({ bids, tieBreak, outcome }) => {
    expect(sealedOutcome(bids, tieBreak)).toEqual(outcome);
  });
});
