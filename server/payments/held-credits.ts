// The exceptions queue: credits matching held for a person's decision (overpaid, unknown reference,
// lot closed, payer barred, payment already settled). A lot's manager sees and decides the credits
// that name their lots, and the unknown ones from statements they uploaded; regulators see every
// held credit, read-only; admins see and decide all. `accepted` applies the credit to its payment,
// only if the lot is still open, the payer not barred and the payment not overpaid by it; `returned`
// owes it back (a refund, reason returned_credit). Each decision is audited and the payer told.
import { and, desc, eq, inArray, isNull, or } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { lots, paymentCredits, payments, refunds, registrations, type CreditDecision } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify } from '../notifications/outbox.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { lockLot, managesLot } from '../auctions/lot-service.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import { effectiveStatus, isEnded } from '../auctions/rules/index.ts';
import { applyAccepted, type PersonalNotice } from './matching.ts';
import { isBarred } from './bars.ts';
import { refundDeadline } from './settlement.ts';
import type { CreditView } from './payment-schemas.ts';

type CreditRow = typeof paymentCredits.$inferSelect;
type PaymentRow = typeof payments.$inferSelect;

function creditView(c: CreditRow, p: { payment: PaymentRow; bidderCode: string } | null): CreditView {
  return {
    id: c.id,
    source: c.source,
    transactionId: c.transactionId,
    memo: c.reference,
    amount: c.amount,
    paidAt: c.paidAt.toISOString(),
    receivedAt: c.receivedAt.toISOString(),
    outcome: c.outcome,
    holdReason: c.holdReason ?? null,
    decision: c.decision ?? null,
    decidedAt: c.decidedAt?.toISOString() ?? null,
    reversedAt: c.reversedAt?.toISOString() ?? null,
    payment: p
      ? {
          reference: p.payment.reference,
          lotId: p.payment.lotId,
          registrationId: p.payment.registrationId,
          bidderCode: p.bidderCode,
          amount: p.payment.amount,
          received: p.payment.received,
          state: p.payment.state,
        }
      : null,
  };
}

/** The most held credits one answer lists (oldest decisions first are not the point: newest first). */
const HELD_PAGE = 500;

/** Held credits awaiting a decision that this person may see. */
export async function listHeldCredits(ctx: AppContext, person: Person): Promise<Result<{ items: CreditView[] }>> {
  // Admins and country-wide regulators see every held credit; a scoped regulator, its organisations'.
  const scoped = !person.roles.includes('admin') && person.roles.includes('regulator') ? person.scope : null;
  const all = person.roles.includes('admin') || (person.roles.includes('regulator') && scoped === null);
  if (!all && !scoped && !person.roles.includes('manager'))
    return refuse('role_required', { roles: ['manager', 'regulator', 'admin'] });
  const waiting = and(eq(paymentCredits.outcome, 'held'), isNull(paymentCredits.decision));
  const rows = await ctx.db
    .select({ c: paymentCredits, p: payments, code: registrations.bidderCode })
    .from(paymentCredits)
    .leftJoin(payments, eq(payments.id, paymentCredits.paymentId))
    .leftJoin(registrations, eq(registrations.id, payments.registrationId))
    .leftJoin(lots, eq(lots.id, payments.lotId))
    .where(
      all
        ? waiting
        : and(
            waiting,
            or(
              inArray(lots.organisationId, [...person.organisations, ...(scoped?.organisations ?? []), 0]),
              and(isNull(paymentCredits.paymentId), eq(paymentCredits.enteredBy, person.pid)),
            ),
          ),
    )
    .orderBy(desc(paymentCredits.id))
    .limit(HELD_PAGE);
  return ok({ items: rows.map((r) => creditView(r.c, r.p ? { payment: r.p, bidderCode: r.code ?? '' } : null)) });
}

function mayDecide(person: Person, credit: CreditRow, lot: LotRow | undefined): boolean {
  if (person.roles.includes('admin')) return true;
  if (!person.roles.includes('manager')) return false;
  if (lot) return managesLot(person, lot);
  return credit.enteredBy === person.pid;
}

/** A manager's (or admin's) decision on one held credit. */
export async function decideHeldCredit(
  ctx: AppContext,
  person: Person,
  creditId: number,
  decision: CreditDecision,
): Promise<Result<CreditView>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ view: CreditView; personal: PersonalNotice[] }>> => {
      const [found] = await tx.select().from(paymentCredits).where(eq(paymentCredits.id, creditId));
      if (!found) return refuse('credit_not_found');
      const [payment0] = found.paymentId
        ? await tx.select().from(payments).where(eq(payments.id, found.paymentId))
        : [];
      const lot = payment0 ? await lockLot(tx, payment0.lotId) : undefined;
      if (!mayDecide(person, found, lot)) return refuse('credit_not_yours');
      // Read again under the lot's lock (a concurrent decision on the same credit waits for it).
      const [credit] = await tx.select().from(paymentCredits).where(eq(paymentCredits.id, creditId)).for('update');
      if (credit.outcome !== 'held' || credit.decision !== null) return refuse('credit_not_held');
      const [payment] = payment0 ? await tx.select().from(payments).where(eq(payments.id, payment0.id)) : [];
      const [registration] = payment
        ? await tx.select().from(registrations).where(eq(registrations.id, payment.registrationId))
        : [];
      let personal: PersonalNotice[] = [];
      if (decision === 'accepted') {
        if (!payment || !lot || !registration) return refuse('credit_no_payment');
        if (isEnded(effectiveStatus(lot, now))) return refuse('lot_in_status', { status: effectiveStatus(lot, now) });
        if (registration.status === 'barred' || (await isBarred(tx, registration.pid, lot.category, now)))
          return refuse('credit_barred');
        if (!['pending', 'partial'].includes(payment.state) || registration.status === 'rejected')
          return refuse('credit_would_overpay', { outstanding: 0 });
        const outstanding = payment.amount - payment.received;
        if (credit.amount > outstanding) return refuse('credit_would_overpay', { outstanding });
        const applied = await applyAccepted(
          tx,
          payment,
          registration,
          { ...credit, enteredBy: person.pid, source: credit.source },
          now,
        );
        await audit(tx, person, credit, payment, decision, { received: applied.received, state: applied.state }, now);
        await applied.finish();
        personal = applied.personal;
      } else {
        const refundDueAt = await refundDeadline(ctx, now, tx);
        await tx.insert(refunds).values({
          lotId: payment?.lotId ?? null,
          creditId: credit.id,
          reason: 'returned_credit',
          amount: credit.amount,
          dueAt: refundDueAt,
          createdAt: now,
        });
        await audit(tx, person, credit, payment ?? null, decision, { refundDueAt: refundDueAt.toISOString() }, now);
        if (registration)
          await notify(tx, {
            pid: registration.pid,
            kind: 'refund_due',
            lotId: payment!.lotId,
            data: {
              reference: payment!.reference,
              amount: credit.amount,
              reason: 'returned_credit',
              dueAt: refundDueAt.toISOString(),
            },
            at: now,
          });
      }
      const [decided] = await tx
        .update(paymentCredits)
        .set({ decision, decidedBy: person.pid, decidedAt: now })
        .where(eq(paymentCredits.id, credit.id))
        .returning();
      const [paymentAfter] = payment ? await tx.select().from(payments).where(eq(payments.id, payment.id)) : [];
      return ok({
        view: creditView(
          decided,
          paymentAfter && registration ? { payment: paymentAfter, bidderCode: registration.bidderCode } : null,
        ),
        personal,
      });
    },
  );
  if (!outcome.ok) return outcome;
  for (const p of outcome.value.personal) ctx.events.publish('personal', p);
  return ok(outcome.value.view);
}

function audit(
  tx: Tx,
  person: Person,
  credit: CreditRow,
  payment: PaymentRow | null,
  decision: CreditDecision,
  extra: Record<string, unknown>,
  now: Date,
): Promise<unknown> {
  return appendAudit(tx, {
    actorPid: person.pid,
    action: 'payment.decided',
    lotId: payment?.lotId ?? null,
    subject: String(credit.id),
    at: now,
    data: {
      decision,
      holdReason: credit.holdReason,
      source: credit.source,
      transactionId: credit.transactionId,
      reference: payment?.reference ?? null,
      amount: credit.amount,
      ...extra,
    },
  });
}
