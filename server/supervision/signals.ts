// A lot's anomaly signals, computed on demand from its data (./rules.ts holds each rule): the client
// sightings, the relatedness flags (server/eligibility/relatedness.ts, reused as they are), the
// ledger, the withdrawals and wins on the lots of the same auction organisation, and the shed-bid
// counts; each signal with the latest regulator's decision on its key. Nothing is stored but the
// decisions: a signal is what the data says now.
import { and, asc, desc, eq, gte, inArray, isNotNull, or } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import {
  clientSightings,
  ledgerEntries,
  lots,
  registrations,
  shedBids,
  supervisionDecisions,
  type SignalDecision,
} from '../../db/schema.ts';
import { lotFlags } from '../eligibility/relatedness.ts';
import type { ShedReason } from '../bidding/shed-reasons.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import { revealPeople } from '../privacy/personal-data.ts';
import { hashLabel } from './client-hash.ts';
import {
  alternatingPairs,
  closingShed,
  recurringWinners,
  RECURRING_WINS_DAYS,
  relatedBidders,
  repeatedWithdrawals,
  REPEATED_WITHDRAWALS_DAYS,
  sharedClients,
  SIGNAL_KINDS,
  type BidderIdentity,
  type LedgerRow,
  type Signal,
} from './rules.ts';

export interface SignalDecisionView {
  decision: SignalDecision;
  note: string;
  decidedBy: string;
  decidedAt: string;
}

export type DecidedSignal = Signal & { decision: SignalDecisionView | null };

type Q = Db | Tx;
const DAY_MS = 86_400_000;

/** Who a registration is across lots: the organisation it is for, or the person's own. */
const whoOf = (r: { pid: string; bidderOrganisationId: number | null }): string =>
  r.bidderOrganisationId === null ? `p:${r.pid}` : `o:${r.bidderOrganisationId}`;

/** The lot's registrations that stand (all but rejected ones), as the rules read them. */
async function standingRegistrations(q: Q, lotId: number) {
  const rows = await q
    .select({
      id: registrations.id,
      pid: registrations.pid,
      bidderCode: registrations.bidderCode,
      status: registrations.status,
      bidderOrganisationId: registrations.bidderOrganisationId,
    })
    .from(registrations)
    .where(eq(registrations.lotId, lotId))
    .orderBy(asc(registrations.id));
  return rows.filter((r) => r.status !== 'rejected');
}

/** Withdrawals and wins on the organisation's lots by the same people or organisations, within the period. */
async function historyOf(q: Q, organisationId: number, identities: BidderIdentity[], now: Date) {
  const pids = [...new Set(identities.filter((b) => b.who.startsWith('p:')).map((b) => b.who.slice(2)))];
  const orgs = [...new Set(identities.filter((b) => b.who.startsWith('o:')).map((b) => Number(b.who.slice(2))))];
  if (!pids.length && !orgs.length) return { withdrawals: [], wins: [] };
  const theirs = <T extends { pid: string; bidderOrganisationId: number | null }>(rows: T[]): T[] =>
    rows.filter((r) =>
      r.bidderOrganisationId === null ? pids.includes(r.pid) : orgs.includes(r.bidderOrganisationId),
    );
  const reg = {
    pid: registrations.pid,
    bidderOrganisationId: registrations.bidderOrganisationId,
  };
  const people = pids.length ? inArray(registrations.pid, pids) : undefined;
  const organisations = orgs.length ? inArray(registrations.bidderOrganisationId, orgs) : undefined;
  const by = or(people, organisations);
  const withdrawals = await q
    .select({
      ...reg,
      lotId: ledgerEntries.lotId,
      seq: ledgerEntries.seq,
      amount: ledgerEntries.amount,
      placedAt: ledgerEntries.placedAt,
    })
    .from(ledgerEntries)
    .innerJoin(registrations, eq(registrations.id, ledgerEntries.registrationId))
    .innerJoin(lots, eq(lots.id, ledgerEntries.lotId))
    .where(
      and(
        eq(lots.organisationId, organisationId),
        eq(ledgerEntries.kind, 'withdrawal'),
        gte(ledgerEntries.placedAt, new Date(now.getTime() - REPEATED_WITHDRAWALS_DAYS * DAY_MS)),
        by,
      ),
    );
  const wins = await q
    .select({ ...reg, lotId: lots.id, title: lots.title, closedAt: lots.closedAt, finalPrice: lots.finalPrice })
    .from(lots)
    .innerJoin(registrations, eq(registrations.id, lots.winnerRegistrationId))
    .where(
      and(
        eq(lots.organisationId, organisationId),
        eq(lots.status, 'closed'),
        isNotNull(lots.closedAt),
        gte(lots.closedAt, new Date(now.getTime() - RECURRING_WINS_DAYS * DAY_MS)),
        by,
      ),
    );
  return {
    withdrawals: theirs(withdrawals).map((w) => ({ ...w, who: whoOf(w) })),
    wins: theirs(wins).map((w) => ({ ...w, closedAt: w.closedAt!, who: whoOf(w) })),
  };
}

/** The latest decision on each signal key of the lot. */
export async function latestDecisions(q: Q, lotId: number): Promise<Map<string, SignalDecisionView>> {
  const rows = await q
    .select()
    .from(supervisionDecisions)
    .where(eq(supervisionDecisions.lotId, lotId))
    .orderBy(desc(supervisionDecisions.id));
  const latest = new Map<string, typeof supervisionDecisions.$inferSelect>();
  for (const d of rows) if (!latest.has(d.signalKey)) latest.set(d.signalKey, d);
  // decided_by holds the regulator's person key: the view shows their 12-digit number ('' once shredded).
  const who = await revealPeople(
    q,
    [...latest.values()].map((d) => d.decidedBy),
  );
  const out = new Map<string, SignalDecisionView>();
  for (const [key, d] of latest)
    out.set(key, {
      decision: d.decision,
      note: d.note,
      decidedBy: who.get(d.decidedBy)?.pid ?? '',
      decidedAt: d.decidedAt.toISOString(),
    });
  return out;
}

/** Every signal of the lot now, in the order of SIGNAL_KINDS, each with its latest decision. */
export async function lotSignals(
  q: Q,
  lot: Pick<LotRow, 'id' | 'organisationId' | 'endsAt' | 'scheduledEndsAt'>,
  now: Date,
): Promise<DecidedSignal[]> {
  const regs = await standingRegistrations(q, lot.id);
  const codeOf = new Map(regs.map((r) => [r.id, r.bidderCode]));
  const sightings = await q
    .select({
      registrationId: clientSightings.registrationId,
      kind: clientSightings.kind,
      clientHash: clientSightings.clientHash,
      personHash: clientSightings.personHash,
      firstSeenAt: clientSightings.firstSeenAt,
      lastSeenAt: clientSightings.lastSeenAt,
    })
    .from(clientSightings)
    .where(eq(clientSightings.lotId, lot.id));
  const { flags, decisions: flagDecisions } = await lotFlags(q, lot.id);
  const entries: LedgerRow[] = await q
    .select({
      seq: ledgerEntries.seq,
      kind: ledgerEntries.kind,
      bidderCode: ledgerEntries.bidderCode,
      amount: ledgerEntries.amount,
      placedAt: ledgerEntries.placedAt,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.lotId, lot.id))
    .orderBy(asc(ledgerEntries.seq));
  const identities: BidderIdentity[] = regs.map((r) => ({ bidderCode: r.bidderCode, who: whoOf(r) }));
  const history = await historyOf(q, lot.organisationId, identities, now);
  const shed = await q.select().from(shedBids).where(eq(shedBids.lotId, lot.id));
  const signals: Signal[] = [
    ...sharedClients(
      sightings.flatMap((s) => {
        const bidderCode = codeOf.get(s.registrationId);
        return bidderCode ? [{ ...s, bidderCode }] : [];
      }),
      hashLabel,
    ),
    ...relatedBidders(
      flags.map((f) => {
        const d = flagDecisions.get(f.key);
        return {
          key: f.key,
          kind: f.kind,
          bidderCodes: f.registrations.map((r) => r.bidderCode),
          decision: d ? { decision: d.decision, reason: d.reason, decidedAt: d.decidedAt.toISOString() } : null,
        };
      }),
    ),
    ...alternatingPairs(
      entries,
      regs.filter((r) => r.status === 'approved').map((r) => r.bidderCode),
    ),
    ...repeatedWithdrawals(identities, history.withdrawals, now),
    ...recurringWinners(identities, history.wins, now),
    ...closingShed(
      shed.map((s) => ({ minute: s.minute, reason: s.reason as ShedReason, count: s.count })),
      lot,
    ),
  ];
  const decided = await latestDecisions(q, lot.id);
  return signals
    .sort((a, b) => SIGNAL_KINDS.indexOf(a.kind) - SIGNAL_KINDS.indexOf(b.kind) || (a.key < b.key ? -1 : 1))
    .map((s) => ({ ...s, decision: decided.get(s.key) ?? null }));
}

/** Signals still open: no regulator has decided on them. */
export const openSignals = (signals: DecidedSignal[]): DecidedSignal[] => signals.filter((s) => !s.decision);
