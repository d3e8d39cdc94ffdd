// Live supervision for regulators (within their scope) and admins (issue 20, item 2): the live lots
// they oversee with their open signals; one lot's live view, showing who is behind every bidder code,
// which is an identity read audited with the purpose they state (server/audit/identity-reads.ts);
// its updates since a seq (bidder codes only, no identities: the page polls them); and their
// decision on a signal (dismissed or escalated, with a note), audited and never changing the lot.
import { and, asc, desc, eq, gt, inArray, lte } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import {
  bidderOrganisations,
  ledgerEntries,
  lots,
  registrationActors,
  registrations,
  supervisionDecisions,
} from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { revealPeople } from '../privacy/personal-data.ts';
import { noteIdentityRead } from '../audit/identity-reads.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { getLotRow, type LotRow } from '../auctions/public-lot.ts';
import { bidderCodeOf, overseesLot } from '../auctions/lot-service.ts';
import { effectiveStatus } from '../auctions/rules/index.ts';
import { lotSignals, openSignals, type DecidedSignal } from './signals.ts';
import type {
  SignalDecisionInput,
  SignalView,
  SupervisedLot,
  SupervisionLedgerItem,
  SupervisionUpdates,
  SupervisionView,
} from './supervision-schemas.ts';

/** Entries in one answer (the view's latest, or the updates after a seq). */
export const LEDGER_PAGE = 1_000;
/** Statuses in which bidding has started: what there is to supervise. */
const STARTED = new Set(['live', 'suspended', 'closed', 'failed', 'cancelled']);

type Q = Db | Tx;

/** The lot for someone who oversees it, bidding started; refused otherwise (not found, outside scope, not started). */
function supervisable(person: Person, lot: LotRow | undefined, now: Date): Result<LotRow> {
  if (!lot || (lot.status === 'draft' && !overseesLot(person, lot))) return refuse('lot_not_found');
  if (!overseesLot(person, lot)) return refuse('outside_scope', { province: person.scope?.province ?? null });
  const status = effectiveStatus(lot, now);
  if (!STARTED.has(status) || lot.startsAt.getTime() > now.getTime())
    return refuse('supervision_not_started', { status });
  return ok(lot);
}

async function lotState(q: Q, lot: LotRow, now: Date): Promise<SupervisionView['lot']> {
  return {
    id: lot.id,
    title: lot.title,
    status: effectiveStatus(lot, now),
    organisationId: lot.organisationId,
    startsAt: lot.startsAt.toISOString(),
    endsAt: lot.endsAt.toISOString(),
    currentPrice: lot.currentPrice,
    bidCount: lot.bidCount,
    seq: lot.seq,
    highestBidderCode: await bidderCodeOf(q, lot.leaderRegistrationId),
  };
}

const signalView = (s: DecidedSignal): SignalView => s as SignalView;

/** The live lots (bidding now, or suspended) this person oversees, with counts of their signals. */
export async function listSupervisedLots(ctx: AppContext, person: Person): Promise<SupervisedLot[]> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .select()
    .from(lots)
    .where(and(inArray(lots.status, ['scheduled', 'live', 'suspended']), lte(lots.startsAt, now)))
    .orderBy(asc(lots.endsAt), asc(lots.id));
  const mine = rows.filter((l) => overseesLot(person, l) && ['live', 'suspended'].includes(effectiveStatus(l, now)));
  const out: SupervisedLot[] = [];
  for (const lot of mine) {
    const signals = await lotSignals(ctx.db, lot, now);
    const { highestBidderCode: _, ...state } = await lotState(ctx.db, lot, now);
    out.push({ ...state, signals: { open: openSignals(signals).length, total: signals.length } });
  }
  return out;
}

const ledgerItem = (e: typeof ledgerEntries.$inferSelect): SupervisionLedgerItem => ({
  seq: e.seq,
  kind: e.kind,
  amount: e.amount,
  bidderCode: e.bidderCode,
  placedAt: e.placedAt.toISOString(),
  withdrawsSeq: e.withdrawsSeq,
  actorNo: e.actorNo,
});

/**
 * One lot's live view with identities: who is behind each bidder code (pid, name, the organisation and
 * the people who acted for it), the latest ledger entries, and the signals with their evidence. The
 * read is written to the audit log with the stated purpose and every person shown, in the same
 * transaction: a view that could not be accounted for shows nothing.
 */
export async function viewSupervisedLot(
  ctx: AppContext,
  person: Person,
  lotId: number,
  purpose: string,
): Promise<Result<SupervisionView>> {
  const now = ctx.clock.now();
  const lot = supervisable(person, await getLotRow(ctx.db, lotId), now);
  if (!lot.ok) return lot;
  return ctx.db.transaction(async (tx): Promise<Result<SupervisionView>> => {
    const regs = await tx
      .select({ r: registrations, org: bidderOrganisations })
      .from(registrations)
      .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
      .where(eq(registrations.lotId, lotId))
      .orderBy(asc(registrations.id));
    const ids = regs.map(({ r }) => r.id);
    const actors = ids.length
      ? await tx
          .select({ a: registrationActors })
          .from(registrationActors)
          .where(inArray(registrationActors.registrationId, ids))
          .orderBy(asc(registrationActors.registrationId), asc(registrationActors.actorNo))
      : [];
    const latest = await tx
      .select()
      .from(ledgerEntries)
      .where(eq(ledgerEntries.lotId, lotId))
      .orderBy(desc(ledgerEntries.seq))
      .limit(LEDGER_PAGE);
    const signals = await lotSignals(tx, lot.value, now);
    // The people behind the codes: their keys revealed in one batch ('' / null once shredded).
    const keys = [...regs.map(({ r }) => r.pid), ...actors.map(({ a }) => a.pid)];
    const who = await revealPeople(tx, keys);
    const pidOf = (key: string): string => who.get(key)?.pid ?? '';
    const nameOf = (key: string): string | null => who.get(key)?.name ?? null;
    // Indexed by their keys (what identity reads index), so someone whose identity is shredded still counts.
    const subjectPids = [...new Set(keys)];
    await noteIdentityRead(tx, {
      actorPid: person.pid,
      action: 'supervision.lot_viewed',
      lotId,
      purpose,
      subjectPids,
      at: now,
      data: {
        lotStatus: effectiveStatus(lot.value, now),
        registrations: regs.length,
        signals: signals.length,
        role: person.roles.includes('regulator') ? 'regulator' : 'admin',
      },
    });
    return ok({
      lot: await lotState(tx, lot.value, now),
      registrations: regs.map(({ r, org }) => ({
        id: r.id,
        bidderCode: r.bidderCode,
        status: r.status,
        pid: pidOf(r.pid),
        name: nameOf(r.pid),
        organisation: org ? { identifier: org.identifier, name: org.name } : null,
        actors: actors
          .filter(({ a }) => a.registrationId === r.id)
          .map(({ a }) => ({ actorNo: a.actorNo, pid: pidOf(a.pid), name: nameOf(a.pid) })),
      })),
      ledger: { total: lot.value.seq, items: latest.reverse().map(ledgerItem) },
      signals: signals.map(signalView),
      purpose,
      viewedAt: now.toISOString(),
    });
  });
}

/** What changed since `afterSeq`: the lot's state, the entries after it and the signals now (bidder codes only). */
export async function supervisedLotUpdates(
  ctx: AppContext,
  person: Person,
  lotId: number,
  afterSeq: number,
): Promise<Result<SupervisionUpdates>> {
  const now = ctx.clock.now();
  const lot = supervisable(person, await getLotRow(ctx.db, lotId), now);
  if (!lot.ok) return lot;
  const entries = await ctx.db
    .select()
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.lotId, lotId), gt(ledgerEntries.seq, afterSeq)))
    .orderBy(asc(ledgerEntries.seq))
    .limit(LEDGER_PAGE);
  const signals = await lotSignals(ctx.db, lot.value, now);
  return ok({
    lot: await lotState(ctx.db, lot.value, now),
    entries: entries.map(ledgerItem),
    signals: signals.map(signalView),
    serverTime: now.toISOString(),
  });
}

/**
 * A regulator's (or admin's) decision on one signal of the lot as it stands now: dismissed or
 * escalated, with a note. Recorded and audited in one transaction; the lot is not touched (no lock,
 * no change: a signal never sanctions). A later decision on the same key supersedes the shown one.
 */
export async function decideSignal(
  ctx: AppContext,
  person: Person,
  lotId: number,
  key: string,
  input: SignalDecisionInput,
): Promise<Result<SignalView>> {
  const now = ctx.clock.now();
  const lot = supervisable(person, await getLotRow(ctx.db, lotId), now);
  if (!lot.ok) return lot;
  return ctx.db.transaction(async (tx): Promise<Result<SignalView>> => {
    const signal = (await lotSignals(tx, lot.value, now)).find((s) => s.key === key);
    if (!signal) return refuse('signal_not_found');
    await tx.insert(supervisionDecisions).values({
      lotId,
      signalKey: key,
      decision: input.decision,
      note: input.note,
      decidedBy: person.pid,
      decidedAt: now,
    });
    await appendAudit(tx, {
      actorPid: person.pid,
      action: input.decision === 'dismissed' ? 'supervision.signal_dismissed' : 'supervision.signal_escalated',
      lotId,
      subject: key,
      at: now,
      data: {
        key,
        kind: signal.kind,
        bidderCodes: signal.bidderCodes,
        decision: input.decision,
        note: input.note,
        previous: signal.decision?.decision ?? null,
      },
    });
    return ok(
      signalView({
        ...signal,
        decision: {
          decision: input.decision,
          note: input.note,
          decidedBy: person.idNumber,
          decidedAt: now.toISOString(),
        },
      }),
    );
  });
}
