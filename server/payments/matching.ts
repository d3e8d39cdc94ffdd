// Matching: what becomes of one credit into the auction house's account, whatever reported it (the
// provider's webhook, a bank statement line, a manager's manual entry). The reference is looked for
// in the memo (reference.ts); the credit is then accepted toward its payment (partial payments add
// up; the deposit received in full approves the registration), held for a manager's decision
// (overpaid, unknown reference, lot closed or cancelled, person barred, payment already settled) or,
// paid after the due time, refused as late with a refund owed. Never silently accepted: every
// credit is recorded with its outcome, audited, and the payer told (the outbox, same transaction).
// A credit is idempotent by (source, transaction id): a repeat returns the first outcome and writes
// nothing. Changes to a lot's payments are serialized on the lot's row lock, taken before the audit
// log's lock as everywhere else.
import { payerSubject, sealDetached } from '../privacy/personal-data.ts';
import { and, eq, inArray } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import {
  paymentCredits,
  payments,
  refunds,
  registrations,
  type CreditSource,
  type HoldReason,
  type PaymentState,
} from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify } from '../notifications/outbox.ts';
import type { PersonalEvent } from '../shared/events.ts';
import { lockLot } from '../auctions/lot-service.ts';
import { effectiveStatus, isEnded } from '../auctions/rules/index.ts';
import type { LotRow } from '../auctions/rules/status.ts';
import { referencesIn } from './reference.ts';
import { isBarred } from './bars.ts';
import { balanceOpen, balancePaid, refundDeadline } from './settlement.ts';
import type { PaymentRow } from './instructions.ts';
import type { CreditOutcomeView } from './payment-schemas.ts';
import type { Payer } from './statement-format.ts';
import { registrationChanged } from '../auctions/registration-event.ts';

export interface IncomingCredit {
  source: CreditSource;
  /** The provider's or bank's transaction id; a manual entry's bank reference. */
  transactionId: string;
  /** The memo as reported (or, for a manual entry, the payment's reference). */
  memo: string;
  amount: number;
  paidAt: Date;
  /** Who paid, where the provider or the statement says (a refund goes to that account). */
  payer?: Payer;
  /** A manual entry names its payment; the others are matched by the memo. */
  paymentId?: number;
  /** Who entered it (a manual entry or a statement upload), for the record and the audit log. */
  enteredBy?: string | null;
  /** Whether a credit after the payment's due time is late (a manual entry without a paidAt is not judged). */
  judgeLateness: boolean;
  /**
   * The organisations whose lots the credit may pay (issue 19): a manager's statement is their own
   * organisations' bank account, so a reference of another organisation's lot is unknown to it.
   * Undefined: any lot (the provider's webhook, an admin's upload).
   */
  organisations?: number[];
}

/** A personal event to publish once the transaction has committed. */
export interface PersonalNotice {
  pid: string;
  event: PersonalEvent;
}

export interface MatchResult {
  outcome: CreditOutcomeView;
  /** Publish after commit (the registration's new status, as confirmDeposit publishes it). */
  personal: PersonalNotice[];
}

type CreditRow = typeof paymentCredits.$inferSelect;
type RegistrationRow = typeof registrations.$inferSelect;

function outcomeView(c: CreditRow, reference: string | null, duplicate: boolean): CreditOutcomeView {
  return {
    creditId: c.id,
    transactionId: c.transactionId,
    outcome: c.outcome,
    holdReason: c.holdReason ?? null,
    reference,
    amount: c.amount,
    duplicate,
  };
}

async function existingCredit(tx: Tx, source: CreditSource, transactionId: string): Promise<CreditRow | undefined> {
  const [row] = await tx
    .select()
    .from(paymentCredits)
    .where(and(eq(paymentCredits.source, source), eq(paymentCredits.transactionId, transactionId)));
  return row;
}

async function referenceOfPayment(tx: Tx, paymentId: number | null): Promise<string | null> {
  if (paymentId === null) return null;
  const [p] = await tx.select({ reference: payments.reference }).from(payments).where(eq(payments.id, paymentId));
  return p?.reference ?? null;
}

/** The payment a credit is for: the one named, else the first reference in the memo that exists. */
async function findPayment(tx: Tx, credit: IncomingCredit): Promise<PaymentRow | undefined> {
  if (credit.paymentId !== undefined) {
    const [p] = await tx.select().from(payments).where(eq(payments.id, credit.paymentId));
    return p;
  }
  const candidates = referencesIn(credit.memo);
  if (candidates.length === 0) return undefined;
  const rows = await tx.select().from(payments).where(inArray(payments.reference, candidates));
  return candidates.map((c) => rows.find((r) => r.reference === c)).find((r) => r !== undefined);
}

const SETTLED: readonly PaymentState[] = ['paid', 'refund_due', 'refunded', 'retained', 'forfeited'];

type Decision = { outcome: 'accepted' } | { outcome: 'held'; reason: HoldReason } | { outcome: 'late' };

/** What to do with a credit for this payment, in this order: the lot, the person, the payment, the time, the amount. */
async function decide(
  tx: Tx,
  credit: IncomingCredit,
  payment: PaymentRow,
  lot: LotRow,
  registration: RegistrationRow,
  now: Date,
): Promise<Decision> {
  // The winner's balance is paid after the close, while the award stands (settlement.ts).
  if (payment.kind === 'balance') {
    if (!balanceOpen(lot, payment)) return { outcome: 'held', reason: 'already_settled' };
    if (credit.judgeLateness && credit.paidAt.getTime() > payment.dueAt.getTime()) return { outcome: 'late' };
    if (payment.received + credit.amount > payment.amount) return { outcome: 'held', reason: 'overpaid' };
    return { outcome: 'accepted' };
  }
  if (isEnded(effectiveStatus(lot, now))) return { outcome: 'held', reason: 'lot_closed' };
  if (registration.status === 'barred' || (await isBarred(tx, registration.pid, lot.category, now)))
    return { outcome: 'held', reason: 'barred' };
  if (SETTLED.includes(payment.state) || registration.status === 'rejected')
    return { outcome: 'held', reason: 'already_settled' };
  if (credit.judgeLateness && credit.paidAt.getTime() > payment.dueAt.getTime()) return { outcome: 'late' };
  if (payment.received + credit.amount > payment.amount) return { outcome: 'held', reason: 'overpaid' };
  return { outcome: 'accepted' };
}

/**
 * Records one credit and applies it, inside the caller's transaction (which must not yet hold the
 * audit lock when the credit names a lot: the lot's lock comes first).
 */
export async function matchCredit(ctx: AppContext, tx: Tx, credit: IncomingCredit): Promise<MatchResult> {
  const now = ctx.clock.now();
  const named = await findPayment(tx, credit);
  const lot = named ? await lockLot(tx, named.lotId) : undefined;
  const found = lot && credit.organisations && !credit.organisations.includes(lot.organisationId) ? undefined : named;
  const earlier = await existingCredit(tx, credit.source, credit.transactionId);
  if (earlier)
    return { outcome: outcomeView(earlier, await referenceOfPayment(tx, earlier.paymentId), true), personal: [] };

  // Read again under the lot's lock: another credit may have changed it since it was found.
  const payment = found ? (await tx.select().from(payments).where(eq(payments.id, found.id)))[0] : undefined;
  const [registration] = payment
    ? await tx.select().from(registrations).where(eq(registrations.id, payment.registrationId))
    : [];
  const decision: Decision =
    payment && lot && registration
      ? await decide(tx, credit, payment, lot, registration, now)
      : { outcome: 'held', reason: 'unknown_reference' };

  // The payer's name and account are personal data: sealed under the credit's own data key.
  const payer = sealDetached(payerSubject(credit), { account: credit.payer?.account, name: credit.payer?.name });
  const [row] = await tx
    .insert(paymentCredits)
    .values({
      source: credit.source,
      transactionId: credit.transactionId,
      reference: credit.memo,
      amount: credit.amount,
      paidAt: credit.paidAt,
      receivedAt: now,
      payerAccount: payer.sealed.account,
      payerName: payer.sealed.name,
      payerDataKey: payer.dataKey,
      payerBank: credit.payer?.bank ?? null,
      paymentId: payment?.id ?? null,
      outcome: decision.outcome,
      holdReason: decision.outcome === 'held' ? decision.reason : null,
      enteredBy: credit.enteredBy ?? null,
    })
    .onConflictDoNothing()
    .returning();
  if (!row) {
    // The same transaction reported twice at once, with no lot lock to order them: the other one won.
    const first = (await existingCredit(tx, credit.source, credit.transactionId))!;
    return { outcome: outcomeView(first, await referenceOfPayment(tx, first.paymentId), true), personal: [] };
  }

  const reference = payment?.reference ?? null;
  let applied: Applied | undefined;
  if (decision.outcome === 'accepted' && payment && registration)
    applied = await applyAccepted(tx, payment, registration, credit, now);
  await appendAudit(tx, {
    actorPid: credit.enteredBy ?? null,
    action: 'payment.credited',
    lotId: payment?.lotId ?? null,
    subject: String(row.id),
    at: now,
    data: {
      source: credit.source,
      transactionId: credit.transactionId,
      reference,
      amount: credit.amount,
      paidAt: credit.paidAt.toISOString(),
      outcome: decision.outcome,
      holdReason: decision.outcome === 'held' ? decision.reason : null,
      ...(payment
        ? {
            paymentId: payment.id,
            kind: payment.kind,
            received: applied?.received ?? payment.received,
            state: applied?.state ?? payment.state,
          }
        : {}),
    },
  });
  if (applied) await applied.finish();

  if (payment && registration) {
    const base = { reference, amount: credit.amount, transactionId: credit.transactionId };
    if (decision.outcome === 'late') {
      const dueAt = await refundDeadline(ctx, now, tx);
      await tx.insert(refunds).values({
        lotId: payment.lotId,
        creditId: row.id,
        reason: 'late_payment',
        amount: credit.amount,
        dueAt,
        createdAt: now,
      });
      await notify(tx, {
        pid: registration.pid,
        kind: 'payment_late',
        lotId: payment.lotId,
        data: { ...base, dueAt: payment.dueAt.toISOString(), refundDueAt: dueAt.toISOString() },
        at: now,
      });
    } else if (decision.outcome === 'held') {
      await notify(tx, {
        pid: registration.pid,
        kind: 'payment_held',
        lotId: payment.lotId,
        data: { ...base, holdReason: decision.reason },
        at: now,
      });
    }
  }
  return { outcome: outcomeView(row, reference, false), personal: applied?.personal ?? [] };
}

interface Applied {
  received: number;
  state: PaymentState;
  personal: PersonalNotice[];
  /** The notices and the approval, written after the credit's own audit entry. */
  finish(): Promise<void>;
}

/**
 * Adds an accepted credit to its payment (the caller checked it does not overpay): partial, or paid
 * in full, which approves a registration waiting for its deposit. Used by matching and by a manager's
 * acceptance of a held credit.
 */
export async function applyAccepted(
  tx: Tx,
  payment: PaymentRow,
  registration: RegistrationRow,
  credit: Pick<IncomingCredit, 'amount' | 'source' | 'transactionId' | 'enteredBy'>,
  now: Date,
): Promise<Applied> {
  const received = payment.received + credit.amount;
  const state: PaymentState = received >= payment.amount ? 'paid' : 'partial';
  await tx.update(payments).set({ received, state, updatedAt: now }).where(eq(payments.id, payment.id));
  const personal: PersonalNotice[] = [];
  return {
    received,
    state,
    personal,
    async finish() {
      if (state === 'partial') {
        await notify(tx, {
          pid: registration.pid,
          kind: payment.kind === 'deposit' ? 'deposit_partial' : 'balance_partial',
          lotId: payment.lotId,
          data: {
            reference: payment.reference,
            amount: credit.amount,
            transactionId: credit.transactionId,
            received,
            outstanding: payment.amount - received,
          },
          at: now,
        });
      } else if (payment.kind === 'deposit') {
        const approved = await approveOnDeposit(tx, registration, payment, credit, now);
        if (approved) personal.push(approved);
      } else {
        await balancePaid(tx, payment, registration.pid, now);
      }
    },
  };
}

/**
 * The deposit received in full: the registration is approved (if it waited for it), audited and told.
 * An organisation's registration whose representative's authority is not yet established (an
 * authorisation document not yet approved: issue 19) waits for that instead, `pending_authorisation`.
 */
async function approveOnDeposit(
  tx: Tx,
  registration: RegistrationRow,
  payment: PaymentRow,
  credit: Pick<IncomingCredit, 'source' | 'enteredBy'>,
  now: Date,
): Promise<PersonalNotice | undefined> {
  await notify(tx, {
    pid: registration.pid,
    kind: 'deposit_received',
    lotId: payment.lotId,
    data: { reference: payment.reference, amount: payment.amount, source: credit.source },
    at: now,
  });
  if (registration.status !== 'pending_deposit') return undefined;
  const authorised =
    registration.authorisation === null ||
    registration.authorisation === 'verified' ||
    registration.authorisation === 'approved';
  const [row] = await tx
    .update(registrations)
    .set(
      authorised
        ? {
            status: 'approved',
            depositState: 'received',
            approvedBy: credit.enteredBy ?? null,
            approvedAt: now,
            updatedAt: now,
          }
        : { status: 'pending_authorisation', depositState: 'received', updatedAt: now },
    )
    .where(eq(registrations.id, registration.id))
    .returning();
  await appendAudit(tx, {
    actorPid: credit.enteredBy ?? null,
    action: 'registration.approved',
    lotId: payment.lotId,
    subject: String(registration.id),
    at: now,
    data: {
      bidderCode: registration.bidderCode,
      depositState: 'received',
      status: row.status,
      reference: payment.reference,
      amount: payment.amount,
      source: credit.source,
    },
  });
  return registrationChanged(row);
}

/** Runs matchCredit in a transaction of its own and publishes the personal events once committed. */
export async function recordCredit(ctx: AppContext, credit: IncomingCredit): Promise<CreditOutcomeView> {
  const result = await ctx.db.transaction((tx) => matchCredit(ctx, tx, credit));
  for (const p of result.personal) ctx.events.publish('personal', p);
  return result.outcome;
}
