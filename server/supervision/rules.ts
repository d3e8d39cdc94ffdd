// The anomaly rules of live supervision (issue 20, item 2), as pure functions over a lot's data: each
// rule says what it looks for, its threshold, and the evidence a signal carries (bidder codes and the
// entries, times and counts behind it). A signal informs a regulator; it never sanctions anyone: no
// rule refuses, bars or changes anything (README, "Live supervision").
//
// A signal's key is stable for the same facts, so a regulator's decision stays with it: a rule whose
// evidence is a set of bidders or discrete events keys by them (a new bidder or event makes a new
// signal, to be looked at again); `alternating_pair` keys by the run's first bid and `closing_shed`
// by the lot, their evidence growing under the same key.
import type { ClientKind } from '../../db/schema.ts';
import type { FlagKind } from '../eligibility/relatedness-schemas.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';

export const SIGNAL_KINDS = [
  'shared_client',
  'related_bidders',
  'alternating_pair',
  'repeated_withdrawals',
  'recurring_winners',
  'closing_shed',
] as const;
export type SignalKind = (typeof SIGNAL_KINDS)[number];

/** shared_client: distinct people behind the bidder codes seen from one client. */
export const SHARED_CLIENT_MIN_PEOPLE = 2;
/** alternating_pair: bids alternating between exactly two codes, within ALTERNATING_WINDOW_MS … */
export const ALTERNATING_MIN_BIDS = 8;
export const ALTERNATING_WINDOW_MS = 5 * 60_000;
/** … on a lot with at least this many approved bidders (so that others are there to be silent). */
export const ALTERNATING_MIN_APPROVED = 3;
/** repeated_withdrawals: withdrawals by one bidder on the organisation's lots within the period. */
export const REPEATED_WITHDRAWALS_MIN = 2;
export const REPEATED_WITHDRAWALS_DAYS = 180;
/** recurring_winners: lots of the organisation one bidder won within the period. */
export const RECURRING_WINS_MIN = 3;
export const RECURRING_WINS_DAYS = 180;
/** closing_shed: bids shed for the platform's own reasons in the last minutes before the end. */
export const CLOSING_SHED_MINUTES = 5;
export const CLOSING_SHED_MIN = 1;

const DAY_MS = 86_400_000;
/** The most entries a signal lists (the counts are always whole). */
const MAX_LISTED = 200;

export type Evidence =
  | {
      kind: 'shared_client';
      clientKind: ClientKind;
      /** A short label of the client's keyed hash, to tell clients apart; it names nothing. */
      client: string;
      people: number;
      seen: { bidderCode: string; firstSeenAt: string; lastSeenAt: string }[];
    }
  | {
      kind: 'related_bidders';
      relation: FlagKind;
      /** The lot's manager's decision on the relatedness flag, if any. */
      managerDecision: { decision: string; reason: string; decidedAt: string } | null;
    }
  | {
      kind: 'alternating_pair';
      count: number;
      /** The most bids of the run within ALTERNATING_WINDOW_MS. */
      inWindow: number;
      windowSeconds: number;
      silentBidderCodes: string[];
      bids: { seq: number; bidderCode: string; amount: number; placedAt: string }[];
    }
  | {
      kind: 'repeated_withdrawals';
      days: number;
      withdrawals: { lotId: number; seq: number; amount: number; placedAt: string }[];
    }
  | {
      kind: 'recurring_winners';
      days: number;
      wins: { lotId: number; title: string; closedAt: string; finalPrice: number | null }[];
    }
  | {
      kind: 'closing_shed';
      total: number;
      windowStartsAt: string;
      endsAt: string;
      minutes: { minute: string; reason: ShedReason; count: number }[];
    };

export interface Signal {
  key: string;
  kind: SignalKind;
  /** The bidder codes the signal concerns (none for closing_shed). */
  bidderCodes: string[];
  evidence: Evidence;
}

const sortCodes = (codes: Iterable<string>): string[] => [...new Set(codes)].sort();
const iso = (d: Date): string => d.toISOString();

// ---- shared_client ----------------------------------------------------------------------------------

export interface SightingRow {
  bidderCode: string;
  kind: ClientKind;
  clientHash: string;
  personHash: string;
  firstSeenAt: Date;
  lastSeenAt: Date;
}

/**
 * shared_client: one client address or device seen for two or more bidder codes of the lot, by at
 * least SHARED_CLIENT_MIN_PEOPLE different people. One person acting for two codes from their own
 * device is not this signal (related_bidders' `representative_personal` names that).
 */
export function sharedClients(rows: SightingRow[], label: (hash: string) => string): Signal[] {
  const byClient = new Map<string, SightingRow[]>();
  for (const r of rows) {
    const k = `${r.kind}|${r.clientHash}`;
    byClient.set(k, [...(byClient.get(k) ?? []), r]);
  }
  const out: Signal[] = [];
  for (const group of byClient.values()) {
    const codes = sortCodes(group.map((r) => r.bidderCode));
    const people = new Set(group.map((r) => r.personHash)).size;
    if (codes.length < 2 || people < SHARED_CLIENT_MIN_PEOPLE) continue;
    const { kind, clientHash } = group[0];
    out.push({
      key: `shared_client:${kind}:${label(clientHash)}:${codes.join(',')}`,
      kind: 'shared_client',
      bidderCodes: codes,
      evidence: {
        kind: 'shared_client',
        clientKind: kind,
        client: label(clientHash),
        people,
        seen: codes.map((code) => {
          const mine = group.filter((r) => r.bidderCode === code);
          return {
            bidderCode: code,
            firstSeenAt: iso(new Date(Math.min(...mine.map((r) => r.firstSeenAt.getTime())))),
            lastSeenAt: iso(new Date(Math.max(...mine.map((r) => r.lastSeenAt.getTime())))),
          };
        }),
      },
    });
  }
  return out;
}

// ---- related_bidders --------------------------------------------------------------------------------

export interface RelatedFlag {
  key: string;
  kind: FlagKind;
  bidderCodes: string[];
  decision: { decision: string; reason: string; decidedAt: string } | null;
}

/** related_bidders: every relatedness flag of the lot (server/eligibility/relatedness.ts), one signal each. */
export function relatedBidders(flags: RelatedFlag[]): Signal[] {
  return flags.map((f) => ({
    key: `related_bidders:${f.key}`,
    kind: 'related_bidders',
    bidderCodes: sortCodes(f.bidderCodes),
    evidence: { kind: 'related_bidders', relation: f.kind, managerDecision: f.decision },
  }));
}

// ---- alternating_pair -------------------------------------------------------------------------------

export interface LedgerRow {
  seq: number;
  kind: 'bid' | 'withdrawal';
  bidderCode: string;
  amount: number;
  placedAt: Date;
}

/** The most of these times (ascending) that fall within `windowMs` of each other. */
function densest(times: number[], windowMs: number): number {
  let best = 0;
  for (let lo = 0, hi = 0; hi < times.length; hi++) {
    while (times[hi] - times[lo] > windowMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

/**
 * alternating_pair: a run of consecutive ledger bids by exactly two bidder codes taking turns (no
 * other code, and no withdrawal, in between), ALTERNATING_MIN_BIDS or more of them within
 * ALTERNATING_WINDOW_MS, on a lot with at least ALTERNATING_MIN_APPROVED approved bidders: two
 * bidders pushing the price up between themselves while the others are silent.
 */
export function alternatingPairs(entries: LedgerRow[], approvedCodes: string[]): Signal[] {
  if (new Set(approvedCodes).size < ALTERNATING_MIN_APPROVED) return [];
  const out: Signal[] = [];
  const judge = (run: LedgerRow[]): void => {
    if (run.length < ALTERNATING_MIN_BIDS) return;
    const inWindow = densest(
      run.map((e) => e.placedAt.getTime()),
      ALTERNATING_WINDOW_MS,
    );
    if (inWindow < ALTERNATING_MIN_BIDS) return;
    const pair = sortCodes(run.map((e) => e.bidderCode));
    out.push({
      key: `alternating_pair:${pair.join(',')}:${run[0].seq}`,
      kind: 'alternating_pair',
      bidderCodes: pair,
      evidence: {
        kind: 'alternating_pair',
        count: run.length,
        inWindow,
        windowSeconds: ALTERNATING_WINDOW_MS / 1000,
        silentBidderCodes: sortCodes(approvedCodes.filter((c) => !pair.includes(c))),
        bids: run.slice(-MAX_LISTED).map((e) => ({
          seq: e.seq,
          bidderCode: e.bidderCode,
          amount: e.amount,
          placedAt: iso(e.placedAt),
        })),
      },
    });
  };
  let run: LedgerRow[] = [];
  for (const e of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (e.kind !== 'bid') {
      judge(run);
      run = [];
      continue;
    }
    const n = run.length;
    const alternates =
      n === 0 || (e.bidderCode !== run[n - 1].bidderCode && (n === 1 || e.bidderCode === run[n - 2].bidderCode));
    if (alternates) run.push(e);
    else {
      judge(run);
      // The new bid may start a run with the bid before it.
      run = n > 0 && e.bidderCode !== run[n - 1].bidderCode ? [run[n - 1], e] : [e];
    }
  }
  judge(run);
  return out;
}

// ---- repeated_withdrawals and recurring_winners -------------------------------------------------------

/** A bidder of the lot: its code and who it is across lots (a person's pid, or an organisation's id). */
export interface BidderIdentity {
  bidderCode: string;
  who: string;
}

export interface WithdrawalRow {
  who: string;
  lotId: number;
  seq: number;
  amount: number;
  placedAt: Date;
}

/**
 * repeated_withdrawals: a bidder of the lot (the same person, or the same organisation) who withdrew
 * REPEATED_WITHDRAWALS_MIN or more bids on the organisation's lots within REPEATED_WITHDRAWALS_DAYS
 * (this lot included). A withdrawal bars the bidder from that lot, so repetition shows across lots.
 */
export function repeatedWithdrawals(bidders: BidderIdentity[], rows: WithdrawalRow[], now: Date): Signal[] {
  const since = now.getTime() - REPEATED_WITHDRAWALS_DAYS * DAY_MS;
  return bidders.flatMap((b): Signal[] => {
    const mine = rows
      .filter((r) => r.who === b.who && r.placedAt.getTime() >= since && r.placedAt.getTime() <= now.getTime())
      .sort((x, y) => x.placedAt.getTime() - y.placedAt.getTime() || x.lotId - y.lotId);
    if (mine.length < REPEATED_WITHDRAWALS_MIN) return [];
    return [
      {
        key: `repeated_withdrawals:${b.bidderCode}:${mine.length}`,
        kind: 'repeated_withdrawals',
        bidderCodes: [b.bidderCode],
        evidence: {
          kind: 'repeated_withdrawals',
          days: REPEATED_WITHDRAWALS_DAYS,
          withdrawals: mine
            .slice(-MAX_LISTED)
            .map((r) => ({ lotId: r.lotId, seq: r.seq, amount: r.amount, placedAt: iso(r.placedAt) })),
        },
      },
    ];
  });
}

export interface WinRow {
  who: string;
  lotId: number;
  title: string;
  closedAt: Date;
  finalPrice: number | null;
}

/**
 * recurring_winners: a bidder of the lot (the same person, or the same organisation) who won
 * RECURRING_WINS_MIN or more of the organisation's lots closed within RECURRING_WINS_DAYS.
 */
export function recurringWinners(bidders: BidderIdentity[], rows: WinRow[], now: Date): Signal[] {
  const since = now.getTime() - RECURRING_WINS_DAYS * DAY_MS;
  return bidders.flatMap((b): Signal[] => {
    const wins = rows
      .filter((r) => r.who === b.who && r.closedAt.getTime() >= since && r.closedAt.getTime() <= now.getTime())
      .sort((x, y) => x.closedAt.getTime() - y.closedAt.getTime() || x.lotId - y.lotId);
    if (new Set(wins.map((w) => w.lotId)).size < RECURRING_WINS_MIN) return [];
    return [
      {
        key: `recurring_winners:${b.bidderCode}:${wins.length}`,
        kind: 'recurring_winners',
        bidderCodes: [b.bidderCode],
        evidence: {
          kind: 'recurring_winners',
          days: RECURRING_WINS_DAYS,
          wins: wins.slice(-MAX_LISTED).map((w) => ({
            lotId: w.lotId,
            title: w.title,
            closedAt: iso(w.closedAt),
            finalPrice: w.finalPrice,
          })),
        },
      },
    ];
  });
}

// ---- closing_shed -----------------------------------------------------------------------------------

export interface ShedMinute {
  minute: Date;
  reason: ShedReason;
  count: number;
}

/**
 * closing_shed: CLOSING_SHED_MIN or more bids the platform refused for its own reasons (overload, an
 * unreachable database, a deadline: shed_bids, counted per minute) in a minute overlapping the last
 * CLOSING_SHED_MINUTES before the end (the published end, or the current one after extensions,
 * whichever is earlier, up to the current end).
 */
export function closingShed(rows: ShedMinute[], lot: { endsAt: Date; scheduledEndsAt: Date }): Signal[] {
  const end = lot.endsAt.getTime();
  const start = Math.min(end, lot.scheduledEndsAt.getTime()) - CLOSING_SHED_MINUTES * 60_000;
  const minutes = rows
    .filter((r) => r.minute.getTime() + 60_000 > start && r.minute.getTime() < end)
    .sort((a, b) => a.minute.getTime() - b.minute.getTime() || (a.reason < b.reason ? -1 : 1));
  const total = minutes.reduce((n, r) => n + r.count, 0);
  if (total < CLOSING_SHED_MIN) return [];
  return [
    {
      key: 'closing_shed',
      kind: 'closing_shed',
      bidderCodes: [],
      evidence: {
        kind: 'closing_shed',
        total,
        windowStartsAt: iso(new Date(start)),
        endsAt: iso(lot.endsAt),
        minutes: minutes.map((r) => ({ minute: iso(r.minute), reason: r.reason, count: r.count })),
      },
    },
  ];
}
