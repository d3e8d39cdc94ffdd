// Attendance after the close (issue 18): a lot's attendance for its manager, regulators and admins, and
// the manager's decision on a no-show held for force majeure (no-shows.ts): `forfeit` forfeits the
// deposit (Art. 39), `excuse` makes it due for refund like a losing bidder's, through the settlement's
// own refund (server/payments/settlement.ts). The decision runs under the lot's lock, is audited with
// the bidder code (never the person) and tells the bidder.
import { and, count, eq, max, min } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ledgerEntries, registrations, type NoShowState } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify, type Notice } from '../notifications/outbox.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { getLotRow } from '../auctions/public-lot.ts';
import { mayActOnLot } from '../auctions/lot-access.ts';
import { depositPaymentsOf } from '../payments/instructions.ts';
import { refundDeadline, refundLoserDeposit, setPaymentState } from '../payments/settlement.ts';
import { withLedgerBids, type BidSpan } from './rows.ts';
import type { Attendance, AttendanceEntry, NoShowDecision } from './schemas.ts';

type RegistrationRow = typeof registrations.$inferSelect;

/** Each registration's bids in the ledger: how many, the first and the last. */
async function bidSpans(q: Db, lotId: number): Promise<Map<number, BidSpan>> {
  const rows = await q
    .select({
      id: ledgerEntries.registrationId,
      n: count(),
      first: min(ledgerEntries.placedAt),
      last: max(ledgerEntries.placedAt),
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.lotId, lotId), eq(ledgerEntries.kind, 'bid')))
    .groupBy(ledgerEntries.registrationId);
  return new Map(
    rows.map((r) => [
      r.id,
      { count: Number(r.n), first: r.first ? new Date(r.first) : null, last: r.last ? new Date(r.last) : null },
    ]),
  );
}

function entryOf(r: RegistrationRow, span: BidSpan | undefined): AttendanceEntry {
  const seen = withLedgerBids(r, span);
  return {
    registrationId: r.id,
    bidderCode: r.bidderCode,
    status: r.status,
    firstSeenAt: seen.firstSeenAt?.toISOString() ?? null,
    lastSeenAt: seen.lastSeenAt?.toISOString() ?? null,
    bidsPlaced: span?.count ?? 0,
    noShow: r.noShow,
    decisionPending: r.noShow === 'held',
  };
}

/**
 * How many took part as qualified bidders (approved, or barred for a withdrawal in the window) and how
 * many of them attended: the participants the record states, as counts (the record's extract).
 */
export async function participantCounts(q: Db, lotId: number): Promise<{ qualified: number; attended: number }> {
  const regs = await q
    .select({
      id: registrations.id,
      status: registrations.status,
      firstSeenAt: registrations.firstSeenAt,
      lastSeenAt: registrations.lastSeenAt,
    })
    .from(registrations)
    .where(eq(registrations.lotId, lotId));
  const spans = await bidSpans(q, lotId);
  const qualified = regs.filter((r) => r.status === 'approved' || r.status === 'barred');
  return {
    qualified: qualified.length,
    attended: qualified.filter((r) => withLedgerBids(r, spans.get(r.id)).firstSeenAt !== null).length,
  };
}

/** A lot's attendance per bidder code (the lot's manager, regulators and admins). */
export async function readAttendance(ctx: AppContext, person: Person, lotId: number): Promise<Result<Attendance>> {
  const allowed = mayActOnLot(person, await getLotRow(ctx.db, lotId), 'manager-of-lot|regulator|admin');
  if (!allowed.ok) return allowed;
  const regs = await ctx.db
    .select()
    .from(registrations)
    .where(eq(registrations.lotId, lotId))
    .orderBy(registrations.id);
  const spans = await bidSpans(ctx.db, lotId);
  return ok({
    lotId,
    forfeitPolicy: ctx.config.attendance.noShowForfeit,
    items: regs.map((r) => entryOf(r, spans.get(r.id))),
  });
}

/**
 * The decision on a held no-show (the lot's manager or an admin): 409 NO_SHOW_NOT_HELD unless the
 * registration is a no-show awaiting it. Returns the registration's attendance as it is now.
 */
export async function decideNoShow(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  body: { decision: NoShowDecision; note?: string },
): Promise<Result<AttendanceEntry>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<AttendanceEntry>> => {
    const lot = await lockLot(tx, lotId);
    const allowed = mayActOnLot(person, lot, 'manager-of-lot|admin');
    if (!allowed.ok) return allowed;
    if (!lot) return refuse('lot_not_found');
    const [reg] = await tx
      .select()
      .from(registrations)
      .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)))
      .for('update');
    if (!reg) return refuse('registration_not_found');
    if (reg.noShow !== 'held') return refuse('no_show_not_held', { noShow: reg.noShow ?? 'attended' });
    const deposit = (await depositPaymentsOf(tx, [reg.id])).get(reg.id);
    const notices: Notice[] = [];
    let state: NoShowState;
    let forfeited = 0;
    let refund: { amount: number; dueAt: string } | null = null;
    if (body.decision === 'forfeit') {
      state = 'forfeited';
      await tx
        .update(registrations)
        .set({ noShow: state, depositState: 'forfeited', updatedAt: now })
        .where(eq(registrations.id, reg.id));
      // As the settlement forfeits a forfeited registration's deposit still held.
      if (deposit && (deposit.state === 'partial' || deposit.state === 'paid') && deposit.received > 0) {
        await setPaymentState(tx, deposit.id, 'forfeited', now);
        forfeited = deposit.received;
      }
      notices.push({ pid: reg.pid, kind: 'no_show_forfeited', lotId, data: { amount: lot.deposit }, at: now });
    } else {
      state = 'excused';
      await tx.update(registrations).set({ noShow: state, updatedAt: now }).where(eq(registrations.id, reg.id));
      const dueAt = await refundDeadline(ctx, now, tx);
      const owed = await refundLoserDeposit(tx, lotId, reg, deposit, dueAt, now);
      if (owed?.line) refund = { amount: owed.line.amount, dueAt: dueAt.toISOString() };
      notices.push({ pid: reg.pid, kind: 'no_show_excused', lotId, data: {}, at: now });
      if (owed?.notice) notices.push(owed.notice);
    }
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'attendance.no_show_decided',
      lotId,
      subject: String(reg.id),
      at: now,
      data: {
        bidderCode: reg.bidderCode,
        decision: body.decision,
        state,
        note: body.note ?? null,
        forfeited,
        refund,
      },
    });
    await notify(tx, ...notices);
    const [after] = await tx.select().from(registrations).where(eq(registrations.id, reg.id));
    // A no-show has no bids: it was never present.
    return ok(entryOf(after, undefined));
  });
}
