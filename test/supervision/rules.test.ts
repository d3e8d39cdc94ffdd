// Live supervision's anomaly rules (issue 20, item 2) on constructed scenarios: for each rule a case
// that must signal, with the evidence behind it, and a near miss that must not.
import { describe, expect, it } from 'vitest';
import {
  ALTERNATING_MIN_BIDS,
  alternatingPairs,
  closingShed,
  recurringWinners,
  relatedBidders,
  repeatedWithdrawals,
  sharedClients,
  type LedgerRow,
  type SightingRow,
} from '../../server/supervision/rules.ts';

const T0 = Date.parse('2026-12-01T03:00:00Z');
const at = (seconds: number): Date => new Date(T0 + seconds * 1000);
const DAY = 86_400_000;
const label = (h: string): string => h.slice(0, 8);

/** Bids by these codes in turn, one every `everySeconds`, from seq `from`, each a step above the last. */
function bids(codes: string[], everySeconds = 10, from = 1): LedgerRow[] {
  return codes.map((bidderCode, i) => ({
    seq: from + i,
    kind: 'bid',
    bidderCode,
    amount: 40_000_000 + (from + i) * 5_000_000,
    placedAt: at((from + i) * everySeconds),
  }));
}
const pairRun = (n: number, a = 'B-AAAA', b = 'B-BBBB'): string[] =>
  Array.from({ length: n }, (_, i) => (i % 2 ? b : a));

describe('shared_client', () => {
  const sighting = (
    bidderCode: string,
    clientHash: string,
    personHash: string,
    kind: 'address' | 'device' = 'address',
  ): SightingRow => ({
    bidderCode,
    kind,
    clientHash,
    personHash,
    firstSeenAt: at(0),
    lastSeenAt: at(60),
  });

  it('signals one device seen for two bidder codes of two people, with each code’s first and last sighting', () => {
    const signals = sharedClients(
      [
        sighting('B-AAAA', 'd'.repeat(64), 'p1', 'device'),
        sighting('B-BBBB', 'd'.repeat(64), 'p2', 'device'),
        sighting('B-CCCC', 'e'.repeat(64), 'p3', 'device'),
        sighting('B-AAAA', 'a'.repeat(64), 'p1'),
        sighting('B-BBBB', 'b'.repeat(64), 'p2'),
      ],
      label,
    );
    expect(signals).toEqual([
      {
        key: 'shared_client:device:dddddddd:B-AAAA,B-BBBB',
        kind: 'shared_client',
        bidderCodes: ['B-AAAA', 'B-BBBB'],
        evidence: {
          kind: 'shared_client',
          clientKind: 'device',
          client: 'dddddddd',
          people: 2,
          seen: [
            { bidderCode: 'B-AAAA', firstSeenAt: at(0).toISOString(), lastSeenAt: at(60).toISOString() },
            { bidderCode: 'B-BBBB', firstSeenAt: at(0).toISOString(), lastSeenAt: at(60).toISOString() },
          ],
        },
      },
    ]);
  });

  it('does not signal one person acting for two codes from their own device, nor two people on one code', () => {
    expect(
      sharedClients(
        [
          sighting('B-AAAA', 'a'.repeat(64), 'p1'),
          sighting('B-ORG1', 'a'.repeat(64), 'p1'),
          sighting('B-ORG2', 'c'.repeat(64), 'p2'),
          sighting('B-ORG2', 'c'.repeat(64), 'p3'),
        ],
        label,
      ),
    ).toEqual([]);
  });
});

describe('related_bidders', () => {
  it('turns each relatedness flag into a signal carrying the manager’s decision', () => {
    const decision = { decision: 'cleared', reason: 'Đã kiểm tra, không liên quan', decidedAt: at(0).toISOString() };
    expect(
      relatedBidders([
        { key: 'same_organisation:B-A,B-B', kind: 'same_organisation', bidderCodes: ['B-B', 'B-A'], decision },
      ]),
    ).toEqual([
      {
        key: 'related_bidders:same_organisation:B-A,B-B',
        kind: 'related_bidders',
        bidderCodes: ['B-A', 'B-B'],
        evidence: { kind: 'related_bidders', relation: 'same_organisation', managerDecision: decision },
      },
    ]);
  });

  it('signals nothing without flags', () => {
    expect(relatedBidders([])).toEqual([]);
  });
});

describe('alternating_pair', () => {
  const approved = ['B-AAAA', 'B-BBBB', 'B-CCCC'];

  it(`signals ${ALTERNATING_MIN_BIDS} bids taking turns between two codes within 5 minutes while a third approved bidder is silent`, () => {
    const ledger = [...bids(['B-CCCC']), ...bids(pairRun(ALTERNATING_MIN_BIDS), 10, 2)];
    const [signal, ...more] = alternatingPairs(ledger, approved);
    expect(more).toEqual([]);
    expect(signal.key).toBe('alternating_pair:B-AAAA,B-BBBB:2');
    expect(signal.bidderCodes).toEqual(['B-AAAA', 'B-BBBB']);
    expect(signal.evidence).toMatchObject({
      kind: 'alternating_pair',
      count: ALTERNATING_MIN_BIDS,
      inWindow: ALTERNATING_MIN_BIDS,
      windowSeconds: 300,
      silentBidderCodes: ['B-CCCC'],
    });
    if (signal.evidence.kind !== 'alternating_pair') throw new Error('wrong evidence');
    expect(signal.evidence.bids.map((b) => b.seq)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('does not signal one bid short, a third code in between, bids spread over more than the window, or two bidders alone', () => {
    expect(alternatingPairs(bids(pairRun(ALTERNATING_MIN_BIDS - 1)), approved)).toEqual([]);
    const interrupted = pairRun(ALTERNATING_MIN_BIDS + 2);
    interrupted[4] = 'B-CCCC';
    expect(alternatingPairs(bids(interrupted), approved)).toEqual([]);
    // One bid a minute: never eight within five minutes.
    expect(alternatingPairs(bids(pairRun(ALTERNATING_MIN_BIDS + 4), 60), approved)).toEqual([]);
    // Only two approved bidders: a duel, nobody is silent.
    expect(alternatingPairs(bids(pairRun(ALTERNATING_MIN_BIDS + 4)), ['B-AAAA', 'B-BBBB'])).toEqual([]);
  });

  it('a withdrawal ends a run', () => {
    const first = bids(pairRun(4));
    const withdrawal: LedgerRow = { seq: 5, kind: 'withdrawal', bidderCode: 'B-BBBB', amount: 1, placedAt: at(50) };
    const second = bids(pairRun(4), 10, 6);
    expect(alternatingPairs([...first, withdrawal, ...second], approved)).toEqual([]);
  });
});

describe('repeated_withdrawals', () => {
  const now = new Date(T0);
  const bidders = [
    { bidderCode: 'B-AAAA', who: 'p:001' },
    { bidderCode: 'B-BBBB', who: 'o:7' },
  ];
  const w = (who: string, lotId: number, daysAgo: number) => ({
    who,
    lotId,
    seq: 3,
    amount: 50_000_000,
    placedAt: new Date(T0 - daysAgo * DAY),
  });

  it('signals a bidder who withdrew twice on the organisation’s lots within 180 days, listing each withdrawal', () => {
    const signals = repeatedWithdrawals(bidders, [w('p:001', 11, 30), w('p:001', 12, 2), w('o:7', 13, 1)], now);
    expect(signals).toEqual([
      {
        key: 'repeated_withdrawals:B-AAAA:2',
        kind: 'repeated_withdrawals',
        bidderCodes: ['B-AAAA'],
        evidence: {
          kind: 'repeated_withdrawals',
          days: 180,
          withdrawals: [
            { lotId: 11, seq: 3, amount: 50_000_000, placedAt: new Date(T0 - 30 * DAY).toISOString() },
            { lotId: 12, seq: 3, amount: 50_000_000, placedAt: new Date(T0 - 2 * DAY).toISOString() },
          ],
        },
      },
    ]);
  });

  it('does not signal one withdrawal, nor a second one older than the period', () => {
    expect(repeatedWithdrawals(bidders, [w('p:001', 11, 200), w('p:001', 12, 2), w('o:7', 13, 1)], now)).toEqual([]);
  });
});

describe('recurring_winners', () => {
  const now = new Date(T0);
  const bidders = [{ bidderCode: 'B-AAAA', who: 'o:7' }];
  const win = (who: string, lotId: number, daysAgo: number) => ({
    who,
    lotId,
    title: `Lô ${lotId}`,
    closedAt: new Date(T0 - daysAgo * DAY),
    finalPrice: 90_000_000,
  });

  it('signals an organisation that won three of the organisation’s lots within 180 days', () => {
    const [signal, ...more] = recurringWinners(bidders, [win('o:7', 1, 100), win('o:7', 2, 50), win('o:7', 3, 5)], now);
    expect(more).toEqual([]);
    expect(signal).toMatchObject({ key: 'recurring_winners:B-AAAA:3', bidderCodes: ['B-AAAA'] });
    if (signal.evidence.kind !== 'recurring_winners') throw new Error('wrong evidence');
    expect(signal.evidence.wins.map((x) => x.lotId)).toEqual([1, 2, 3]);
  });

  it('does not signal two wins in the period, nor someone else’s wins', () => {
    expect(
      recurringWinners(bidders, [win('o:7', 1, 300), win('o:7', 2, 50), win('o:7', 3, 5), win('p:9', 4, 1)], now),
    ).toEqual([]);
  });
});

describe('closing_shed', () => {
  const lot = { endsAt: at(3600), scheduledEndsAt: at(3600) };
  const minute = (secondsFromStart: number) => new Date(Math.floor((T0 + secondsFromStart * 1000) / 60_000) * 60_000);

  it('signals bids shed in the last five minutes, with the minutes and reasons', () => {
    const signals = closingShed(
      [
        { minute: minute(3300), reason: 'overloaded', count: 12 },
        { minute: minute(3540), reason: 'queue_full', count: 3 },
        { minute: minute(600), reason: 'overloaded', count: 40 },
      ],
      lot,
    );
    expect(signals).toEqual([
      {
        key: 'closing_shed',
        kind: 'closing_shed',
        bidderCodes: [],
        evidence: {
          kind: 'closing_shed',
          total: 15,
          windowStartsAt: at(3300).toISOString(),
          endsAt: at(3600).toISOString(),
          minutes: [
            { minute: minute(3300).toISOString(), reason: 'overloaded', count: 12 },
            { minute: minute(3540).toISOString(), reason: 'queue_full', count: 3 },
          ],
        },
      },
    ]);
  });

  it('does not signal bids shed earlier in the bidding', () => {
    expect(closingShed([{ minute: minute(600), reason: 'overloaded', count: 400 }], lot)).toEqual([]);
  });
});
