// The auction's rules (server/auctions/rules/), one row per case.
import { describe, expect, it } from 'vitest';
import { LOT_STATUSES, type LotStatus } from '../../db/schema.ts';
import {
  canTransition,
  closeOutcome,
  eligibleBidders,
  refuseWithdrawal,
  standingAfterWithdrawal,
  type LedgerBid,
  effectiveStatus,
  extendedEnd,
  isBiddingOpen,
  isEnded,
  isOpen,
  isRegistrationOpen,
  refuseRegistration,
  minimumBid,
  minNextBid,
  photosEditable,
  refuseBid,
  type Bidder,
} from '../../server/auctions/rules/index.ts';

const T0 = Date.parse('2026-12-01T08:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
/** A lot that starts at 0 s and ends at 600 s, 40 M starting price, 5 M step. */
const lot = {
  status: 'live' as LotStatus,
  startsAt: at(0),
  endsAt: at(600),
  managerPid: 'manager',
  startingPrice: 40_000_000,
  priceStep: 5_000_000,
  currentPrice: null as number | null,
  softCloseWindowSeconds: null as number | null,
  softCloseExtendSeconds: null as number | null,
  method: 'ascending' as const,
  scheduledEndsAt: at(600),
  leaderRegistrationId: null as number | null,
  intervalSeconds: null,
  floorPrice: null,
  roundsMax: null,
  roundsSeconds: null,
  roundsTriggerSeconds: null,
  round: 0,
};
const approved: Bidder = { id: 1, pid: 'anh', bidderCode: 'B-AAAA', status: 'approved' };

describe('lot statuses', () => {
  it.each<[LotStatus, 'open' | 'ended' | 'neither']>([
    ['draft', 'neither'],
    ['scheduled', 'open'],
    ['live', 'open'],
    ['suspended', 'neither'],
    ['closed', 'ended'],
    ['failed', 'ended'],
    ['cancelled', 'ended'],
  ])('%s is %s', (status, kind) => {
    expect(isOpen(status)).toBe(kind === 'open');
    expect(isEnded(status)).toBe(kind === 'ended');
  });

  const allowed = new Set([
    'draft→scheduled',
    'draft→cancelled',
    'scheduled→live',
    'scheduled→closed',
    'scheduled→failed',
    'scheduled→cancelled',
    'live→closed',
    'live→failed',
    'live→cancelled',
    // A technical suspension, and its re-run cancelling the suspended lot (issue 18).
    'scheduled→suspended',
    'live→suspended',
    'suspended→cancelled',
  ]);
  it.each(LOT_STATUSES.flatMap((from) => LOT_STATUSES.map((to) => [from, to] as const)))(
    'the transition %s → %s',
    (from, to) => {
      expect(canTransition(from, to)).toBe(allowed.has(`${from}→${to}`));
    },
  );

  it.each<[LotStatus, number, LotStatus]>([
    ['scheduled', -1, 'scheduled'],
    ['scheduled', 0, 'live'],
    ['scheduled', 700, 'live'],
    ['live', -1, 'live'],
    ['draft', 10, 'draft'],
    ['closed', 10, 'closed'],
    ['cancelled', -10, 'cancelled'],
  ])('a %s row at %i s is %s by the clock', (status, seconds, expected) => {
    expect(effectiveStatus({ status, startsAt: at(0) }, at(seconds))).toBe(expected);
  });

  it.each<[LotStatus, boolean]>([
    ['draft', true],
    ['scheduled', false],
    ['live', false],
    ['closed', false],
    ['failed', false],
    ['cancelled', false],
  ])('a %s lot’s photos may change: %s', (status, editable) => {
    expect(photosEditable(status)).toBe(editable);
  });
});

describe('bidding open and the minimum next bid', () => {
  it.each<[LotStatus, number, boolean]>([
    ['scheduled', -0.001, false],
    ['scheduled', 0, true],
    ['live', 0, true],
    ['live', 599.999, true],
    ['live', 600, false],
    ['draft', 10, false],
    ['closed', 10, false],
    ['failed', 10, false],
    ['cancelled', 10, false],
  ])('a %s lot at %d s: open %s', (status, seconds, open) => {
    expect(isBiddingOpen({ ...lot, status }, at(seconds))).toBe(open);
    expect(minNextBid({ ...lot, status }, at(seconds))).toBe(open ? 40_000_000 : null);
  });

  it.each<[number | null, number]>([
    [null, 40_000_000],
    [40_000_000, 45_000_000],
    [120_000_000, 125_000_000],
  ])('with the current price %s the minimum is %i', (currentPrice, min) => {
    expect(minimumBid(lot, { currentPrice })).toBe(min);
    expect(minNextBid({ ...lot, currentPrice }, at(10))).toBe(min);
  });
});

describe('bid refusal', () => {
  const standing = {
    endsAt: lot.endsAt,
    currentPrice: null as number | null,
    leaderRegistrationId: null as number | null,
  };
  it.each<{
    case: string;
    status?: LotStatus;
    seconds?: number;
    endsAt?: Date;
    currentPrice?: number | null;
    leader?: number | null;
    pid?: string;
    bidder?: Bidder | undefined;
    amount?: number;
    reason: string | undefined;
    params?: object;
  }>([
    { case: 'an acceptable first bid', reason: undefined },
    { case: 'an acceptable next bid', currentPrice: 40_000_000, leader: 2, amount: 45_000_000, reason: undefined },
    {
      case: 'before the start',
      status: 'scheduled',
      seconds: -1,
      reason: 'bidding_not_open',
      params: { startsAt: at(0).toISOString() },
    },
    { case: 'at the end', seconds: 600, reason: 'bidding_ended' },
    { case: 'after an extended end moved it later', seconds: 650, endsAt: at(700), reason: undefined },
    { case: 'on a closed lot', status: 'closed', reason: 'bidding_ended' },
    { case: 'on a failed lot', status: 'failed', reason: 'bidding_ended' },
    { case: 'on a draft', status: 'draft', reason: 'bidding_ended' },
    { case: 'on a cancelled lot', status: 'cancelled', reason: 'lot_cancelled' },
    { case: 'by the manager', pid: 'manager', reason: 'manager_cannot_bid' },
    { case: 'by someone not registered', bidder: undefined, reason: 'not_registered' },
    { case: 'by a barred bidder', bidder: { ...approved, status: 'barred' }, reason: 'bidder_barred' },
    {
      case: 'before the deposit is confirmed',
      bidder: { ...approved, status: 'pending_deposit' },
      reason: 'deposit_not_confirmed',
    },
    {
      case: 'by a rejected registration',
      bidder: { ...approved, status: 'rejected' },
      reason: 'deposit_not_confirmed',
    },
    { case: 'by the leader', currentPrice: 40_000_000, leader: 1, amount: 50_000_000, reason: 'already_leading' },
    {
      case: 'below the starting price',
      amount: 39_999_999,
      reason: 'below_starting_price',
      params: { minNextBid: 40_000_000 },
    },
    {
      case: 'below the next step',
      currentPrice: 40_000_000,
      leader: 2,
      amount: 44_999_999,
      reason: 'below_next_bid',
      params: { minNextBid: 45_000_000 },
    },
  ])('$case', (c) => {
    const refusal = refuseBid(
      { ...lot, status: c.status ?? 'live' },
      {
        ...standing,
        endsAt: c.endsAt ?? lot.endsAt,
        currentPrice: c.currentPrice ?? null,
        leaderRegistrationId: c.leader ?? null,
      },
      'bidder' in c ? c.bidder : approved,
      c.pid ?? approved.pid,
      c.amount ?? 40_000_000,
      at(c.seconds ?? 10),
    );
    expect(refusal?.reason).toBe(c.reason);
    if (c.params) expect(refusal?.params).toEqual(c.params);
  });
});

describe('soft close', () => {
  it.each<[string, number | null, number | null, number, number]>([
    ['a hard close never moves', null, null, 599, 600],
    ['a bid before the window leaves the end', 60, 120, 539, 600],
    ['a bid at the window edge extends to bid + extension', 60, 120, 540, 660],
    ['a bid in the window extends to bid + extension', 60, 120, 590, 710],
    ['an extension never shortens the end', 60, 30, 590, 620],
    ['an extension shorter than what is left leaves the end', 60, 5, 590, 600],
  ])('%s', (_, window, extend, bidAt, endsAt) => {
    const next = extendedEnd({ softCloseWindowSeconds: window, softCloseExtendSeconds: extend }, at(600), at(bidAt));
    expect(next.getTime()).toBe(at(endsAt).getTime());
  });
});

describe('withdrawal refusal', () => {
  const target: LedgerBid = { seq: 3, kind: 'bid', registrationId: 1, amount: 50_000_000 };
  const standing = { endsAt: lot.endsAt, currentPrice: 50_000_000, leaderRegistrationId: 1 };
  it.each<{
    case: string;
    status?: LotStatus;
    seconds?: number;
    target?: LedgerBid;
    bidder?: number;
    leader?: number;
    price?: number;
    reason: string | undefined;
  }>([
    { case: 'the standing highest bid, by its bidder', reason: undefined },
    { case: 'before the start', status: 'scheduled', seconds: -1, reason: 'withdraw_not_open' },
    { case: 'at the end', seconds: 600, reason: 'withdraw_not_open' },
    { case: 'after the close', status: 'closed', reason: 'withdraw_not_open' },
    { case: 'on a cancelled lot', status: 'cancelled', reason: 'withdraw_not_open' },
    { case: 'of no such entry', target: undefined, reason: 'bid_not_found' },
    { case: 'of a withdrawal entry', target: { ...target, kind: 'withdrawal' }, reason: 'bid_not_found' },
    { case: "of someone else's bid", bidder: 2, leader: 2, reason: 'withdraw_not_own' },
    { case: 'of an own bid that was outbid', leader: 2, price: 55_000_000, reason: 'not_leading' },
    { case: 'of an own earlier bid while leading with a later one', price: 55_000_000, reason: 'not_leading' },
  ])('$case', (c) => {
    const refusal = refuseWithdrawal(
      { ...lot, status: c.status ?? 'live' },
      { ...standing, leaderRegistrationId: c.leader ?? 1, currentPrice: c.price ?? 50_000_000 },
      { id: c.bidder ?? 1 },
      3,
      'target' in c ? c.target : target,
      at(c.seconds ?? 10),
    );
    expect(refusal?.reason).toBe(c.reason);
  });
});

describe('the standing bid after withdrawals', () => {
  // A 100, B 110, C 120, B 130 (millions), as the lot's ledger has them.
  const [A, B, C] = [1, 2, 3];
  const ledger: LedgerBid[] = [
    { seq: 1, kind: 'bid', registrationId: A, amount: 100 },
    { seq: 2, kind: 'bid', registrationId: B, amount: 110 },
    { seq: 3, kind: 'bid', registrationId: C, amount: 120 },
    { seq: 4, kind: 'bid', registrationId: B, amount: 130 },
  ];
  it.each<[string, number[], { registrationId: number; amount: number } | undefined]>([
    ['nobody barred: the latest bid', [], { registrationId: B, amount: 130 }],
    ['B withdraws: C at 120', [B], { registrationId: C, amount: 120 }],
    ['B then C withdraw: A at 100 (never B, barred, at 110)', [B, C], { registrationId: A, amount: 100 }],
    ['everyone barred: no standing bid', [A, B, C], undefined],
  ])('%s', (_, barred, expected) => {
    const standing = standingAfterWithdrawal(ledger, (id) => barred.includes(id));
    expect(standing && { registrationId: standing.registrationId, amount: standing.amount }).toEqual(expected);
  });

  it('plays the sequence through the rules: B and C withdraw in turn, A stands at 100, B is barred', () => {
    const barred = new Set<number>();
    const s = { endsAt: lot.endsAt, currentPrice: 130 as number | null, leaderRegistrationId: B as number | null };
    const withdraw = (who: number, seq: number) => {
      const refusal = refuseWithdrawal(lot, s, { id: who }, seq, ledger[seq - 1], at(10));
      if (refusal) return refusal.reason;
      barred.add(who);
      const next = standingAfterWithdrawal(ledger, (id) => barred.has(id));
      s.currentPrice = next?.amount ?? null;
      s.leaderRegistrationId = next?.registrationId ?? null;
      return undefined;
    };
    expect(withdraw(C, 3)).toBe('not_leading');
    expect(withdraw(B, 4)).toBeUndefined();
    expect(s).toMatchObject({ currentPrice: 120, leaderRegistrationId: C });
    expect(withdraw(C, 3)).toBeUndefined();
    expect(s).toMatchObject({ currentPrice: 100, leaderRegistrationId: A });
    const bidB = refuseBid(
      { ...lot, startingPrice: 100, priceStep: 5 },
      s,
      { id: B, status: 'barred' },
      'b',
      200,
      at(10),
    );
    expect(bidB?.reason).toBe('bidder_barred');
    expect(minimumBid({ startingPrice: 100, priceStep: 5 }, s)).toBe(105);
  });
});

describe('the close', () => {
  it.each<[string, number | null, number | null, number, object]>([
    [
      'a leader and enough bidders: closed with the winner',
      7,
      50_000_000,
      2,
      { status: 'closed', winnerRegistrationId: 7, finalPrice: 50_000_000 },
    ],
    [
      'more than enough bidders',
      7,
      50_000_000,
      5,
      { status: 'closed', winnerRegistrationId: 7, finalPrice: 50_000_000 },
    ],
    [
      'too few bidders: failed',
      7,
      50_000_000,
      1,
      { status: 'failed', winnerRegistrationId: null, finalPrice: null, reason: 'fewer than 2 approved bidders' },
    ],
    [
      'no bids: failed',
      null,
      null,
      3,
      { status: 'failed', winnerRegistrationId: null, finalPrice: null, reason: 'no bids' },
    ],
    [
      'no bids and too few bidders: the bidders are the reason',
      null,
      null,
      0,
      { status: 'failed', winnerRegistrationId: null, finalPrice: null, reason: 'fewer than 2 approved bidders' },
    ],
  ])('%s', (_, leader, price, eligible, expected) => {
    expect(closeOutcome({ leaderRegistrationId: leader, currentPrice: price }, eligible, 2)).toEqual(expected);
  });

  it.each<[string, ('approved' | 'barred')[], number]>([
    ['every approved bidder counts', ['approved', 'approved'], 2],
    ['a barred bidder (one who withdrew) does not', ['approved', 'barred', 'approved'], 2],
    ['none left', ['barred'], 0],
  ])('%s', (_, statuses, n) => {
    expect(eligibleBidders(statuses.map((status) => ({ status })))).toBe(n);
  });
});

describe('the registration window', () => {
  // Registration opens at -100 s and closes at -10 s (bidding starts at 0 s).
  const window = { registrationOpensAt: at(-100), registrationClosesAt: at(-10) };
  it.each<[LotStatus, number, string | undefined]>([
    ['scheduled', -101, 'registration_not_open'],
    ['scheduled', -100, undefined],
    ['scheduled', -11, undefined],
    ['scheduled', -10, 'registration_closed'],
    ['live', -50, 'registration_closed'],
    ['draft', -50, 'registration_closed'],
    ['closed', -50, 'registration_closed'],
    ['cancelled', -50, 'registration_closed'],
  ])('a %s lot at %i s: refused %s', (status, seconds, reason) => {
    expect(refuseRegistration({ ...window, status }, at(seconds))?.reason).toBe(reason);
    expect(isRegistrationOpen({ ...window, status }, at(seconds))).toBe(reason === undefined);
  });
});
