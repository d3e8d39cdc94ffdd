// Refunds (issue 17, part 4): the bank's instruction file for a lot's refunds, and the confirmation
// that a refund was sent: recorded by the lot's manager (or an admin) with the bank's reference of the
// outgoing transfer, or reported by the payment provider as a debit from the house's account whose
// memo carries the refund's code (HT and its id, which the instruction file writes in every memo). A
// sent refund settles its payment (`refunded` once all its refunds are sent) and a loser's deposit
// (`refunded`); it is audited and the payer told. Refunds go back to the account
// the money came from, as the provider or the statement reported it; a payer the bank did not name
// is listed without an account, for the house to ask.
import { and, desc, eq, inArray, isNotNull, or } from 'drizzle-orm';
import { stringify } from 'csv-stringify/sync';
import type { Db, Tx } from '../../db/client.ts';
import { lots, paymentCredits, payments, refunds, registrations } from '../../db/schema.ts';
import { openDetached, payerSubject, revealPerson } from '../privacy/personal-data.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify } from '../notifications/outbox.ts';
import { lockLot, managesLot, overseesLot, visibleTo } from '../auctions/lot-service.ts';
import { registrationChanged } from '../auctions/registration-event.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { effectiveStatus, isEnded } from '../auctions/rules/index.ts';
import { formatVnTime } from '../records/vietnamese.ts';
import type { PersonalNotice } from './matching.ts';
import { moneyTrail, refundView } from './money-trail.ts';
import type { DebitOutcomeView, MoneyTrail, RefundView } from './payment-schemas.ts';

type RefundRow = typeof refunds.$inferSelect;

export interface RefundSent {
  /** The bank's reference of the outgoing transfer (null: a v1 client's mark without details). */
  bankReference: string | null;
  sentAt: Date;
}

/** Whose money a refund returns: the payment (and registration) it belongs to, if any. */
async function ownerOf(tx: Tx, refund: RefundRow) {
  let paymentId = refund.paymentId;
  if (paymentId === null && refund.creditId !== null) {
    const [c] = await tx
      .select({ paymentId: paymentCredits.paymentId })
      .from(paymentCredits)
      .where(eq(paymentCredits.id, refund.creditId));
    paymentId = c?.paymentId ?? null;
  }
  if (paymentId === null) return undefined;
  const [row] = await tx
    .select({ payment: payments, registration: registrations })
    .from(payments)
    .innerJoin(registrations, eq(registrations.id, payments.registrationId))
    .where(eq(payments.id, paymentId));
  return row;
}

/**
 * Records one refund as sent, inside the caller's transaction (which holds the lot's lock): the
 * payment and the registration settled when this was the last of it, audited, the payer told.
 * Returns the registration's personal event to publish after commit, when it changed.
 */
export async function recordRefundSent(
  tx: Tx,
  /** Who confirmed it: a person's pid, or null for the payment provider's debit notification. */
  confirmedBy: string | null,
  refund: RefundRow,
  sent: RefundSent,
  now: Date,
): Promise<PersonalNotice | undefined> {
  await tx
    .update(refunds)
    .set({ state: 'sent', sentAt: sent.sentAt, bankReference: sent.bankReference, confirmedBy })
    .where(eq(refunds.id, refund.id));
  const owner = await ownerOf(tx, refund);
  let personal: PersonalNotice | undefined;
  if (owner && refund.paymentId !== null) {
    const stillDue = await tx
      .select({ id: refunds.id })
      .from(refunds)
      .where(and(eq(refunds.paymentId, refund.paymentId), eq(refunds.state, 'due')));
    if (stillDue.length === 0)
      await tx.update(payments).set({ state: 'refunded', updatedAt: now }).where(eq(payments.id, refund.paymentId));
    if (refund.reason === 'deposit' && owner.registration.depositState === 'refundable') {
      const [reg] = await tx
        .update(registrations)
        .set({ depositState: 'refunded', updatedAt: now })
        .where(eq(registrations.id, owner.registration.id))
        .returning();
      personal = registrationChanged(reg);
    }
  }
  await appendAudit(tx, {
    actorPid: confirmedBy,
    action: 'refund.sent',
    lotId: refund.lotId,
    subject: String(refund.id),
    at: now,
    data: {
      reason: refund.reason,
      amount: refund.amount,
      reference: owner?.payment.reference ?? null,
      bidderCode: owner?.registration.bidderCode ?? null,
      bankReference: sent.bankReference,
      sentAt: sent.sentAt.toISOString(),
      dueAt: refund.dueAt.toISOString(),
      confirmedBy: confirmedBy === null ? 'bank' : 'person',
    },
  });
  if (owner)
    await notify(tx, {
      pid: owner.registration.pid,
      kind: 'refund_sent',
      lotId: owner.payment.lotId,
      data: {
        reference: owner.payment.reference,
        amount: refund.amount,
        reason: refund.reason,
        ...(sent.bankReference ? { transactionId: sent.bankReference } : {}),
      },
      at: now,
    });
  return personal;
}

/** The due deposit refund of a registration, if there is one (the v1 "refunded" mark settles it). */
export async function dueDepositRefund(tx: Tx, registrationId: number): Promise<RefundRow | undefined> {
  const [row] = await tx
    .select({ refund: refunds })
    .from(refunds)
    .innerJoin(payments, eq(payments.id, refunds.paymentId))
    .where(
      and(
        eq(payments.registrationId, registrationId),
        eq(payments.kind, 'deposit'),
        eq(refunds.reason, 'deposit'),
        eq(refunds.state, 'due'),
      ),
    );
  return row?.refund;
}

/** The lot's manager (or an admin) confirms a refund sent, with the bank's reference of the transfer. */
export async function confirmRefund(
  ctx: AppContext,
  person: Person,
  refundId: number,
  details: { bankReference: string; sentAt?: Date },
): Promise<Result<RefundView>> {
  const now = ctx.clock.now();
  if (details.sentAt && details.sentAt.getTime() > now.getTime()) return refuse('refund_sent_in_future');
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ view: RefundView; personal?: PersonalNotice }>> => {
      const [found] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
      if (!found) return refuse('refund_not_found');
      const lot = found.lotId === null ? undefined : await lockLot(tx, found.lotId);
      const admin = person.roles.includes('admin');
      if (!admin && !(lot && managesLot(person, lot))) return refuse('refund_not_yours');
      const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
      let personal: PersonalNotice | undefined;
      if (refund.state === 'sent') {
        if (refund.bankReference !== details.bankReference)
          return refuse('refund_already_sent', { bankReference: refund.bankReference ?? '' });
      } else {
        personal = await recordRefundSent(
          tx,
          person.pid,
          refund,
          { bankReference: details.bankReference, sentAt: details.sentAt ?? now },
          now,
        );
      }
      const view = await refundOf(tx, refundId);
      return ok({ view, personal });
    },
  );
  if (!outcome.ok) return outcome;
  if (outcome.value.personal) ctx.events.publish('personal', outcome.value.personal);
  return ok(outcome.value.view);
}

async function refundOf(tx: Tx, refundId: number): Promise<RefundView> {
  const [r] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
  const owner = await ownerOf(tx, r);
  return refundView(r, {
    reference: owner?.payment.reference ?? null,
    bidderCode: owner?.registration.bidderCode ?? null,
  });
}

const REFUND_CODE_PREFIX = 'HT';
/** The refund code in a debit's memo: HT and the refund's id, as a word of its own. */
const REFUND_CODE = /(?:^|[^A-Z0-9])HT(\d{1,15})(?![A-Z0-9])/i;

/** The memo of a refund's outgoing transfer: its code (HT and its id) and the payment reference it returns. */
export function refundMemo(r: { id: number; reference: string | null }): string {
  return `HOAN TIEN ${REFUND_CODE_PREFIX}${r.id}${r.reference ? ` ${r.reference}` : ''}`;
}

/**
 * The payment provider reports a debit from the house's account (an outgoing transfer): when its memo
 * names a refund that is due, for exactly its amount, the refund is recorded as sent with the
 * provider's transaction id as its bank reference (audited as confirmed by the bank, the payer told).
 * Idempotent by transaction id. Anything else changes nothing and is answered `unmatched` with why,
 * for the house to confirm the refund by hand.
 */
export async function recordDebit(
  ctx: AppContext,
  debit: { transactionId: string; memo: string; amount: number; paidAt: Date },
): Promise<DebitOutcomeView> {
  const now = ctx.clock.now();
  const base = { transactionId: debit.transactionId, direction: 'debit' as const, amount: debit.amount };
  const unmatched = (
    unmatchedReason: DebitOutcomeView['unmatchedReason'],
    refundId: number | null,
  ): DebitOutcomeView => {
    ctx.log.warn({ ...base, refundId, unmatchedReason }, 'a debit notification matched no refund');
    return { ...base, outcome: 'unmatched', unmatchedReason, refundId, duplicate: false };
  };
  const code = REFUND_CODE.exec(debit.memo.normalize('NFC'));
  const refundId = code ? Number(code[1]) : null;
  if (refundId === null || !Number.isSafeInteger(refundId) || refundId > 2_147_483_647)
    return unmatched('no_refund_code', null);
  const outcome = await ctx.db.transaction(
    async (tx): Promise<{ view: DebitOutcomeView; personal?: PersonalNotice }> => {
      const [found] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
      if (!found) return { view: unmatched('unknown_refund', refundId) };
      if (found.lotId !== null) await lockLot(tx, found.lotId);
      const [refund] = await tx.select().from(refunds).where(eq(refunds.id, refundId)).for('update');
      if (refund.state === 'sent')
        return refund.bankReference === debit.transactionId
          ? { view: { ...base, outcome: 'refund_confirmed', unmatchedReason: null, refundId, duplicate: true } }
          : { view: unmatched('already_sent', refundId) };
      if (refund.amount !== debit.amount) return { view: unmatched('amount_mismatch', refundId) };
      const sentAt = debit.paidAt.getTime() > now.getTime() ? now : debit.paidAt;
      const personal = await recordRefundSent(tx, null, refund, { bankReference: debit.transactionId, sentAt }, now);
      return {
        view: { ...base, outcome: 'refund_confirmed', unmatchedReason: null, refundId, duplicate: false },
        personal,
      };
    },
  );
  if (outcome.personal) ctx.events.publish('personal', outcome.personal);
  return outcome.view;
}

/** A lot's money trail for its manager, regulators and admins (read-only). */
export async function lotMoney(ctx: AppContext, person: Person, lotId: number): Promise<Result<MoneyTrail>> {
  return ctx.db.transaction(async (tx): Promise<Result<MoneyTrail>> => {
    const [lot] = await tx.select().from(lots).where(eq(lots.id, lotId));
    if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
    if (!overseesLot(person, lot) && !managesLot(person, lot)) return refuse('not_lot_manager');
    return ok(await moneyTrail(tx, lotId));
  });
}

/** The header of the refund instruction file (README "Payments"). */
export const REFUND_FILE_COLUMNS = [
  'STT',
  'Mã hoàn tiền',
  'Mã người tham gia',
  'Tên người nhận',
  'Số tài khoản nhận',
  'Ngân hàng nhận',
  'Số tiền',
  'Nội dung',
  'Hạn chót',
] as const;

/**
 * The refund instruction file of a lot for the bank (CSV, UTF-8 with a byte-order mark, as
 * spreadsheet software opens it): every refund still due, to the account the money came from, in
 * the name the bank reported. Only the lot's manager (or an admin) gets it, and the read is audited
 * as a read of identities: once the lot has ended, a payer the bank did not name is named from the
 * e-ID (before, a manager does not learn who the bidders are).
 */
export async function refundInstructionFile(
  ctx: AppContext,
  person: Person,
  lotId: number,
): Promise<Result<{ csv: string; count: number }>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<{ csv: string; count: number }>> => {
    const [lot] = await tx.select().from(lots).where(eq(lots.id, lotId));
    if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
    if (!person.roles.includes('admin') && !managesLot(person, lot)) return refuse('not_lot_manager');
    const ended = isEnded(effectiveStatus(lot, now));
    const trail = await moneyTrail(tx, lotId);
    const due = trail.refunds.filter((r) => r.state === 'due');
    const rows: string[][] = [];
    for (const [i, r] of due.entries()) {
      const payee = await payeeOf(tx, r.id, ended);
      rows.push([
        String(i + 1),
        String(r.id),
        r.bidderCode ?? '',
        payee.name,
        payee.account,
        payee.bank,
        String(r.amount),
        refundMemo(r),
        formatVnTime(r.dueAt).split(' ')[0],
      ]);
    }
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'registrations.viewed',
      lotId,
      at: now,
      data: { purpose: 'refund instruction file', lotStatus: lot.status, count: rows.length },
    });
    const csv = `\uFEFF${stringify([[...REFUND_FILE_COLUMNS], ...rows], { record_delimiter: '\r\n' })}`;
    return ok({ csv, count: rows.length });
  });
}

/** Where a refund goes: the account of the credit it returns, or of the latest credit to its payment. */
async function payeeOf(
  tx: Tx,
  refundId: number,
  identities: boolean,
): Promise<{ name: string; account: string; bank: string }> {
  const [r] = await tx.select().from(refunds).where(eq(refunds.id, refundId));
  const credits =
    r.creditId !== null
      ? await tx.select().from(paymentCredits).where(eq(paymentCredits.id, r.creditId))
      : r.paymentId !== null
        ? await tx
            .select()
            .from(paymentCredits)
            .where(and(eq(paymentCredits.paymentId, r.paymentId), isNotNull(paymentCredits.payerAccount)))
            .orderBy(desc(paymentCredits.id))
            .limit(1)
        : [];
  const credit = credits[0];
  const owner = await ownerOf(tx, r);
  const who = owner && identities ? await revealPerson(tx, owner.registration.pid) : undefined;
  const payer = credit
    ? openDetached(payerSubject(credit), credit.payerDataKey, { name: credit.payerName, account: credit.payerAccount })
    : undefined;
  return {
    name: payer?.name ?? who?.name ?? '',
    account: payer?.account ?? '',
    bank: credit?.payerBank ?? '',
  };
}

/** The refunds owed to (or sent to) the holders of these registrations, by registration id. */
export async function refundsOfRegistrations(
  q: Db | Tx,
  registrationIds: number[],
): Promise<Map<number, RefundView[]>> {
  const out = new Map<number, RefundView[]>();
  if (registrationIds.length === 0) return out;
  const own = await q
    .select({ refund: refunds, payment: payments, registration: registrations })
    .from(payments)
    .innerJoin(registrations, eq(registrations.id, payments.registrationId))
    .leftJoin(paymentCredits, eq(paymentCredits.paymentId, payments.id))
    .innerJoin(
      refunds,
      or(eq(refunds.paymentId, payments.id), and(isNotNull(refunds.creditId), eq(refunds.creditId, paymentCredits.id))),
    )
    .where(inArray(payments.registrationId, registrationIds))
    .orderBy(refunds.id);
  const seen = new Set<number>();
  for (const { refund: r, payment, registration } of own) {
    if (seen.has(r.id)) continue;
    seen.add(r.id);
    const list = out.get(registration.id) ?? out.set(registration.id, []).get(registration.id)!;
    list.push(refundView(r, { reference: payment.reference, bidderCode: registration.bidderCode }));
  }
  return out;
}
