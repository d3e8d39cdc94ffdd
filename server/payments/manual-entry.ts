// The manager's "deposit received", the fallback where neither a webhook nor a statement reports the
// credit: the manager records the amount and the bank's reference, confirms it (the first request
// without `confirm: true` is answered 422 with what would be recorded), and the entry is a `manual`
// credit that goes through the same matching as the bank's. A v1 client's request without a body
// keeps its meaning (DESIGN.md §5: "deposit received"): the outstanding deposit is recorded as a
// manual credit without a bank reference. A manual entry can be reversed until bidding starts: the
// credit is marked reversed, the payment loses it and the registration it approved waits for its
// deposit again; audited, and the person told.
import { and, eq } from 'drizzle-orm';
import { paymentCredits, payments, registrations, type PaymentState } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify } from '../notifications/outbox.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { lockLot, lockManagedRegistration, managesLot } from '../auctions/lot-service.ts';
import { effectiveStatus, isOpen } from '../auctions/rules/index.ts';
import { ensureDepositPayment, paymentView } from './instructions.ts';
import { matchCredit, type PersonalNotice } from './matching.ts';
import type { CreditOutcomeView } from './payment-schemas.ts';
import type { RegistrationView } from '../auctions/registration-schemas.ts';
import { registrationChanged } from '../auctions/registration-event.ts';

export interface ManualDeposit {
  amount: number;
  bankReference: string;
  /** When the money arrived; with it the entry is judged late against the due time. */
  paidAt?: Date;
  confirm?: true;
}

type RegistrationRow = typeof registrations.$inferSelect;

export interface ManualOutcome {
  registration: RegistrationView;
  credit: CreditOutcomeView | null;
}

/** A v1 request (no body) records the deposit without a bank reference, under a transaction id of its own. */
const unreferencedId = (registrationId: number, at: Date): string => `unreferenced:${registrationId}:${at.getTime()}`;

/**
 * Records a deposit received by hand for one registration (details: the manager's entry; undefined:
 * a v1 client's "deposit received", the whole outstanding amount).
 */
export async function recordDepositByHand(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  details: ManualDeposit | undefined,
  toView: (r: RegistrationRow, payment: typeof payments.$inferSelect) => RegistrationView,
): Promise<Result<ManualOutcome>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ out: ManualOutcome; personal: PersonalNotice[] }>> => {
      const managed = await lockManagedRegistration(tx, person, lotId, registrationId);
      if (!managed.ok) return managed;
      const { lot, reg } = managed.value;
      const payment = await ensureDepositPayment(tx, ctx.config.money, reg, lot, now);
      if (details) {
        const [used] = await tx
          .select()
          .from(paymentCredits)
          .where(and(eq(paymentCredits.source, 'manual'), eq(paymentCredits.transactionId, details.bankReference)));
        if (used && (used.paymentId !== payment.id || used.reversedAt))
          return refuse('bank_reference_used', { bankReference: details.bankReference });
        if (used) {
          // The same entry again (a retried request): its first outcome, nothing written.
          return ok({
            out: {
              registration: toView(reg, payment),
              credit: {
                creditId: used.id,
                transactionId: used.transactionId,
                outcome: used.outcome,
                holdReason: used.holdReason ?? null,
                reference: payment.reference,
                amount: used.amount,
                duplicate: true,
              },
            },
            personal: [],
          });
        }
      }
      if (reg.status === 'approved') {
        if (!details) return ok({ out: { registration: toView(reg, payment), credit: null }, personal: [] });
        return refuse('deposit_already_received');
      }
      if (reg.status !== 'pending_deposit') return refuse('registration_in_status', { status: reg.status });
      if (!isOpen(lot.status)) return refuse('lot_in_status', { status: lot.status });
      if (details && !details.confirm)
        return refuse('confirmation_required', {
          amount: details.amount,
          bankReference: details.bankReference,
          bidderCode: reg.bidderCode,
        });
      const outstanding = Math.max(payment.amount - payment.received, 0);
      const match = await matchCredit(ctx, tx, {
        source: 'manual',
        transactionId: details?.bankReference ?? unreferencedId(reg.id, now),
        memo: payment.reference,
        // A v1 confirmation of a payment already received in full (nothing outstanding) still approves.
        amount: details?.amount ?? (outstanding || payment.amount),
        paidAt: details?.paidAt ?? now,
        paymentId: payment.id,
        enteredBy: person.pid,
        judgeLateness: details?.paidAt !== undefined,
      });
      const [after] = await tx.select().from(registrations).where(eq(registrations.id, reg.id));
      const [paid] = await tx.select().from(payments).where(eq(payments.id, payment.id));
      return ok({ out: { registration: toView(after, paid), credit: match.outcome }, personal: match.personal });
    },
  );
  if (!outcome.ok) return outcome;
  for (const p of outcome.value.personal) ctx.events.publish('personal', p);
  return ok(outcome.value.out);
}

const stateFor = (received: number, amount: number): PaymentState =>
  received === 0 ? 'pending' : received < amount ? 'partial' : 'paid';

/**
 * Reverses an accepted manual entry until bidding starts: the payment loses the amount, and a
 * registration approved on it waits for its deposit again.
 */
export async function reverseManualCredit(
  ctx: AppContext,
  person: Person,
  creditId: number,
): Promise<Result<{ creditId: number; reversedAt: string; payment: ReturnType<typeof paymentView> }>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx) => {
    const [found] = await tx.select().from(paymentCredits).where(eq(paymentCredits.id, creditId));
    if (!found) return refuse('credit_not_found');
    const [payment0] = found.paymentId ? await tx.select().from(payments).where(eq(payments.id, found.paymentId)) : [];
    const lot = payment0 ? await lockLot(tx, payment0.lotId) : undefined;
    if (!lot || !payment0) return refuse('credit_not_reversible');
    if (!managesLot(person, lot)) return refuse('not_lot_manager');
    // Read again under the lot's lock.
    const [credit] = await tx.select().from(paymentCredits).where(eq(paymentCredits.id, creditId));
    const [payment] = await tx.select().from(payments).where(eq(payments.id, payment0.id));
    if (credit.source !== 'manual' || credit.outcome !== 'accepted' || credit.reversedAt)
      return refuse('credit_not_reversible');
    if (effectiveStatus(lot, now) !== 'scheduled') return refuse('reversal_after_start');
    const received = payment.received - credit.amount;
    const state = stateFor(received, payment.amount);
    const [paymentAfter] = await tx
      .update(payments)
      .set({ received, state, updatedAt: now })
      .where(eq(payments.id, payment.id))
      .returning();
    await tx
      .update(paymentCredits)
      .set({ reversedAt: now, reversedBy: person.pid })
      .where(eq(paymentCredits.id, credit.id));
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'payment.reversed',
      lotId: lot.id,
      subject: String(credit.id),
      at: now,
      data: {
        source: 'manual',
        transactionId: credit.transactionId,
        reference: payment.reference,
        amount: credit.amount,
        received,
        state,
      },
    });
    const [reg] = await tx.select().from(registrations).where(eq(registrations.id, payment.registrationId));
    let personal: PersonalNotice | undefined;
    if (
      (reg.status === 'approved' || reg.status === 'pending_authorisation') &&
      state !== 'paid' &&
      payment.kind === 'deposit'
    ) {
      const [row] = await tx
        .update(registrations)
        .set({ status: 'pending_deposit', depositState: 'pending', approvedBy: null, approvedAt: null, updatedAt: now })
        .where(eq(registrations.id, reg.id))
        .returning();
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'registration.deposit_reversed',
        lotId: lot.id,
        subject: String(reg.id),
        at: now,
        data: { bidderCode: reg.bidderCode, depositState: 'pending', reference: payment.reference },
      });
      personal = registrationChanged(row);
    }
    await notify(tx, {
      pid: reg.pid,
      kind: 'deposit_reversed',
      lotId: lot.id,
      data: { reference: payment.reference, amount: credit.amount, received, outstanding: payment.amount - received },
      at: now,
    });
    return ok({
      value: { creditId: credit.id, reversedAt: now.toISOString(), payment: paymentView(paymentAfter) },
      personal,
    });
  });
  if (!outcome.ok) return outcome;
  if (outcome.value.personal) ctx.events.publish('personal', outcome.value.personal);
  return ok(outcome.value.value);
}
