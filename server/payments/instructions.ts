// Payment instructions: what a registration owes for its deposit, into which account, with which
// transfer reference and by when. The deposit's row is written in register's transaction; the
// registrations that existed before payments did get theirs in a backfill when the platform starts
// (backfillDepositPayments), and any still missing (written by other means since) are created when
// a manager records the deposit by hand. The deposit is due when the lot's registration window
// closes (registrationClosesAt): bidders are approved before bidding starts, and a transfer that
// arrives later is late and goes back.
import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { lots, organisations, payments, registrations, type PaymentKind } from '../../db/schema.ts';
import type { Logger } from '../shared/log.ts';
import type { MoneyConfig } from '../config.ts';
import { newReference } from './reference.ts';
import { vietQrPayload } from './vietqr.ts';
import type { PaymentView } from './payment-schemas.ts';

export type PaymentRow = typeof payments.$inferSelect;
type LotTerms = Pick<typeof lots.$inferSelect, 'id' | 'deposit' | 'registrationClosesAt'>;

/** How many times a colliding reference is drawn again (one collision in 32^8 draws is already rare). */
const REFERENCE_ATTEMPTS = 8;

/** A reference no payment has yet, read in the caller's transaction (the unique index is the last word). */
async function unusedReference(q: Db | Tx): Promise<string> {
  for (let i = 0; i < REFERENCE_ATTEMPTS; i++) {
    const candidate = newReference();
    const [taken] = await q.select({ id: payments.id }).from(payments).where(eq(payments.reference, candidate));
    if (!taken) return candidate;
  }
  throw new Error('no unused payment reference after several draws');
}

/**
 * The account a lot is paid into: its organisation's (issue 19), or the platform's configured one when
 * the organisation has given none.
 */
async function accountFor(q: Db | Tx, money: MoneyConfig, lotId: number): Promise<PaymentRow['account']> {
  const [row] = await q
    .select({ account: organisations.bankAccount })
    .from(lots)
    .innerJoin(organisations, eq(organisations.id, lots.organisationId))
    .where(eq(lots.id, lotId));
  return { ...(row?.account ?? money.account) };
}

/**
 * The deposit payment of a registration: created (deposit of the lot, its organisation's account, due at
 * the close of registration) unless it exists. Call inside the transaction that holds the lot's lock.
 */
export async function ensureDepositPayment(
  q: Db | Tx,
  money: MoneyConfig,
  registration: { id: number },
  lot: LotTerms,
  now: Date,
): Promise<PaymentRow> {
  const [existing] = await q
    .select()
    .from(payments)
    .where(and(eq(payments.registrationId, registration.id), eq(payments.kind, 'deposit')));
  if (existing) return existing;
  const [row] = await q
    .insert(payments)
    .values({
      registrationId: registration.id,
      lotId: lot.id,
      kind: 'deposit',
      reference: await unusedReference(q),
      amount: lot.deposit,
      account: await accountFor(q, money, lot.id),
      dueAt: lot.registrationClosesAt,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row;
}

/**
 * The winner's balance: what is left of the price once the deposit counts toward it, into the
 * configured account, with a reference of its own, due by the payment deadline. Call inside the
 * closing transaction (it holds the lot's lock).
 */
export async function createBalancePayment(
  q: Db | Tx,
  money: MoneyConfig,
  registration: { id: number; lotId: number },
  amount: number,
  dueAt: Date,
  now: Date,
): Promise<PaymentRow> {
  const [row] = await q
    .insert(payments)
    .values({
      registrationId: registration.id,
      lotId: registration.lotId,
      kind: 'balance',
      reference: await unusedReference(q),
      amount,
      account: await accountFor(q, money, registration.lotId),
      dueAt,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return row;
}

/** A payment as the payer and the manager see it, with its VietQR payload. */
export function paymentView(p: PaymentRow): PaymentView {
  return {
    reference: p.reference,
    amount: p.amount,
    account: { ...p.account },
    dueAt: p.dueAt.toISOString(),
    received: p.received,
    state: p.state,
    qr: vietQrPayload({ bin: p.account.bin, accountNumber: p.account.number, amount: p.amount, purpose: p.reference }),
  };
}

/** The payments of one kind (the deposit by default) of these registrations, by registration id. */
export async function depositPaymentsOf(
  q: Db | Tx,
  registrationIds: number[],
  kind: PaymentKind = 'deposit',
): Promise<Map<number, PaymentRow>> {
  if (registrationIds.length === 0) return new Map();
  const rows = await q
    .select()
    .from(payments)
    .where(and(inArray(payments.registrationId, registrationIds), eq(payments.kind, kind)));
  return new Map(rows.map((p) => [p.registrationId, p]));
}

/**
 * Gives every registration without a deposit payment its payment: run once at start, before the API
 * serves. The amount received so far is left at 0: a deposit a manager confirmed before payments
 * existed shows as such in the registration's depositState, not as a credit nobody reported.
 */
export async function backfillDepositPayments(db: Db, money: MoneyConfig, log: Logger, now: Date): Promise<number> {
  const missing = await db
    .select({ id: registrations.id, lotId: registrations.lotId })
    .from(registrations)
    .leftJoin(payments, and(eq(payments.registrationId, registrations.id), eq(payments.kind, 'deposit')))
    .where(isNull(payments.id));
  if (missing.length === 0) return 0;
  const lotRows = await db
    .select({ id: lots.id, deposit: lots.deposit, registrationClosesAt: lots.registrationClosesAt })
    .from(lots)
    .where(inArray(lots.id, [...new Set(missing.map((m) => m.lotId))]));
  const byId = new Map(lotRows.map((l) => [l.id, l]));
  let created = 0;
  for (const m of missing) {
    // One transaction each, with the unique (registration, kind) index settling a race with another process.
    try {
      await db.transaction((tx) => ensureDepositPayment(tx, money, m, byId.get(m.lotId)!, now));
      created++;
    } catch (err) {
      log.warn({ err, registrationId: m.id }, 'deposit payment backfill: skipped one registration');
    }
  }
  log.info({ created }, 'deposit payments created for registrations that had none');
  return created;
}
