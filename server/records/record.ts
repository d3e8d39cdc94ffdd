// Builds the auction record of an ended lot from its rows: the lot and its policy, the times, every
// registration with the person behind the bidder code (and that person's keyed hash, which verifiers
// compare with the one chained at registration), the full ledger (withdrawals included) with its hash
// chain, the soft-close extensions, the lot's audit history and the result, with the method's own
// parts (record-methods.ts) and the attendance per bidder code (issue 18). Whether the rows still
// agree with the chain is checked before signing (integrity.ts).
import { isPersonKey, keyOf, type RevealedPerson } from '../privacy/personal-data.ts';
import { GENESIS_HASH } from '../shared/hash-chain.ts';
import { summarizeShed } from '../bidding/shed-reads.ts';
import type { EndedStatus } from '../auctions/rules/index.ts';
import type { LotDetails, LotRow } from './queries.ts';
import { methodParts } from './record-methods.ts';
import { withLedgerBids, type BidSpan } from '../attendance/rows.ts';
import type { RecordAttendance } from './attendance-format.ts';
import {
  RECORD_TYPE,
  RECORD_VERSION,
  type AuctionRecord,
  type RecordEntry,
  type RecordEvent,
} from './record-format.ts';

export interface RecordContext {
  issuedAt: Date;
  /** Who requested the record (version 5); absent or null: the platform itself. */
  requestedBy?: { pid: string; name: string | null; role: string } | null;
  /** The platform's public origin, so a reader knows where the keys are published. */
  issuer: string | null;
  minBidders: number;
}

const isoOrNull = (d: Date | null): string | null => d?.toISOString() ?? null;

/** The new end of an extension, whichever name the writer gave it. */
function extendedTo(data: Record<string, unknown>): string | null {
  for (const key of ['endsAt', 'newEndsAt', 'to']) {
    const v = data[key];
    if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v).toISOString();
  }
  return null;
}

/** The ledger as recorded, each entry with its status (a withdrawn bid shows 'withdrawn'). */
export function recordLedger(entries: LotDetails['entries']): RecordEntry[] {
  const withdrawn = new Set(
    entries.filter((e) => e.kind === 'withdrawal' && e.withdrawsSeq !== null).map((e) => e.withdrawsSeq),
  );
  return entries.map((e) => ({
    seq: e.seq,
    kind: e.kind,
    placedAt: e.placedAt.toISOString(),
    amount: e.amount,
    bidderCode: e.bidderCode,
    withdrawsSeq: e.withdrawsSeq,
    status: e.kind === 'withdrawal' ? 'withdrawal' : withdrawn.has(e.seq) ? 'withdrawn' : 'accepted',
    // A revealed sealed bid: what opens its commitment, covered by its hash.
    ...(e.commitment !== null && e.salt !== null ? { commitment: e.commitment, salt: e.salt } : {}),
    ...(e.actorNo !== null ? { actorNo: e.actorNo } : {}),
    prevHash: e.prevHash,
    hash: e.hash,
  }));
}

/**
 * Attendance per registration, in the registrations' order: presence with the ledger's bids folded in
 * (a bid is presence, server/attendance/rows.ts), the bids placed, and the no-show state.
 */
export function recordAttendance(regs: LotDetails['registrations'], ledger: RecordEntry[]): RecordAttendance[] {
  const spans = new Map<string, BidSpan>();
  for (const e of ledger) {
    if (e.kind !== 'bid') continue;
    const t = new Date(e.placedAt);
    const s = spans.get(e.bidderCode);
    if (!s) spans.set(e.bidderCode, { count: 1, first: t, last: t });
    else {
      s.count++;
      if (s.first && t < s.first) s.first = t;
      if (s.last && t > s.last) s.last = t;
    }
  }
  return regs.map((r) => {
    const span = spans.get(r.bidderCode);
    const seen = withLedgerBids(r, span);
    return {
      bidderCode: r.bidderCode,
      firstSeenAt: isoOrNull(seen.firstSeenAt),
      lastSeenAt: isoOrNull(seen.lastSeenAt),
      bidsPlaced: span?.count ?? 0,
      noShow: r.noShow,
    };
  });
}

/**
 * A person column's value as a record shows it: the clear 12-digit number behind a person key (null
 * when it cannot be revealed any more, after shredding); anything else (a version-1 event's clear
 * number, a row id) as it is.
 */
export function shownPid(people: Map<string, RevealedPerson>, value: string): string | null;
export function shownPid(people: Map<string, RevealedPerson>, value: string | null): string | null;
export function shownPid(people: Map<string, RevealedPerson>, value: string | null): string | null {
  if (!isPersonKey(value)) return value;
  return people.get(value)?.pid ?? null;
}

/** A history event as the record carries it: version-2 events with the keyed hashes their chain covers. */
function recordEvent(e: LotDetails['events'][number], people: Map<string, RevealedPerson>): RecordEvent {
  const base = {
    id: e.id,
    at: e.at.toISOString(),
    // The clear actor and person subject beside the keyed hashes (outside the chain of version 2).
    actorPid: shownPid(people, e.actorPid),
    action: e.action,
    subject: shownPid(people, e.subject),
    data: e.data,
    prevHash: e.prevHash,
    hash: e.hash,
  };
  return e.chainVersion === 2 ? { ...base, v: 2, actorHash: e.actorHash, subjectHash: e.subjectHash } : base;
}

/**
 * Everyone a record names (issue 20: the subjects of its identity read), by their person keys: each
 * registrant and each person who acted for an organisation's registration.
 */
export function recordSubjectKeys(record: AuctionRecord): string[] {
  return record.registrations.flatMap((r) => [
    ...(r.personHash ? [r.personHash] : []),
    ...(r.organisation?.actors.map((a) => a.personHash) ?? []),
  ]);
}

/** The record of an ended lot. The caller checks isEnded first. */
export function buildRecord(
  lot: LotRow & { status: EndedStatus },
  details: LotDetails,
  rc: RecordContext,
): AuctionRecord {
  const ledger = recordLedger(details.entries);
  const { people } = details;
  // The identities the record shows in clear; a required number that can no longer be revealed is empty.
  const clear = (key: string): string => shownPid(people, key) ?? '';
  const nameOf = (key: string): string | null => people.get(key)?.name ?? null;
  const { terms, ...parts } = methodParts(lot, details);
  const winner =
    lot.winnerRegistrationId === null
      ? undefined
      : details.registrations.find((r) => r.id === lot.winnerRegistrationId);
  return {
    type: RECORD_TYPE,
    version: RECORD_VERSION,
    issuedAt: rc.issuedAt.toISOString(),
    requestedBy: rc.requestedBy ? { ...rc.requestedBy, personHash: keyOf(rc.requestedBy.pid) } : null,
    issuer: rc.issuer,
    lot: {
      id: lot.id,
      title: lot.title,
      description: lot.description,
      category: lot.category,
      managerPid: clear(lot.managerPid),
      rulesVersion: lot.rulesVersion,
      rules: lot.rules,
      createdAt: lot.createdAt.toISOString(),
    },
    policy: {
      startingPrice: lot.startingPrice,
      priceStep: lot.priceStep,
      deposit: lot.deposit,
      softClose:
        lot.softCloseWindowSeconds !== null && lot.softCloseExtendSeconds !== null
          ? { windowSeconds: lot.softCloseWindowSeconds, extendSeconds: lot.softCloseExtendSeconds }
          : null,
      minBidders: rc.minBidders,
      ...terms,
    },
    ...parts,
    times: {
      registrationOpensAt: lot.registrationOpensAt.toISOString(),
      registrationClosesAt: lot.registrationClosesAt.toISOString(),
      startsAt: lot.startsAt.toISOString(),
      scheduledEndsAt: lot.scheduledEndsAt.toISOString(),
      endsAt: lot.endsAt.toISOString(),
      closedAt: isoOrNull(lot.closedAt),
    },
    registrations: details.registrations.map((r) => ({
      bidderCode: r.bidderCode,
      pid: clear(r.pid),
      personHash: keyOf(r.pid),
      name: nameOf(r.pid),
      status: r.status,
      depositState: r.depositState,
      rulesVersion: r.rulesVersion,
      rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
      registeredAt: r.createdAt.toISOString(),
      approvedAt: isoOrNull(r.approvedAt),
      approvedBy: shownPid(people, r.approvedBy),
      ...(r.organisation
        ? {
            organisation: {
              ...r.organisation,
              actors: details.actors
                .filter((a) => a.registrationId === r.id)
                .map((a) => ({
                  actorNo: a.actorNo,
                  pid: clear(a.pid),
                  personHash: keyOf(a.pid),
                  name: nameOf(a.pid),
                  role: a.role,
                  authority: a.authority,
                  firstActedAt: a.firstActedAt.toISOString(),
                })),
            },
          }
        : {}),
    })),
    ledger,
    extensions: details.events
      .filter((e) => e.action === 'lot.extended')
      .map((e) => ({ at: e.at.toISOString(), endsAt: extendedTo(e.data), data: e.data })),
    history: details.events.map((e) => recordEvent(e, people)),
    result: {
      status: lot.status,
      finalPrice: lot.finalPrice,
      winnerBidderCode: winner?.bidderCode ?? null,
      winnerPid: winner ? clear(winner.pid) : null,
      winnerName: winner ? nameOf(winner.pid) : null,
      cancelReason: lot.cancelReason,
      bidCount: lot.bidCount,
      entryCount: ledger.length,
    },
    technicalFaults: { shedBids: summarizeShed(details.shed) },
    attendance: recordAttendance(details.registrations, ledger),
    finalHash: ledger.at(-1)?.hash ?? GENESIS_HASH,
  };
}
