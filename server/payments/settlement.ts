// Settlement (issue 17, part 4): what becomes of a lot's money when it ends, and of the winner's when
// the balance deadline passes. Everything runs inside the transaction that ends the lot (closing.ts,
// cancelLot), or a job's own transaction, holding the lot's lock, so money and outcome commit together.
//
// At the close: every deposit received by someone other than the winner becomes due for refund (a
// `refunds` row due within REFUND_DEADLINE_WORKING_DAYS working days, the payer told); a forfeited
// one (a withdrawal) stays forfeited; the winner's deposit is retained and counts toward the price,
// and the winner gets the balance's payment instruction, due by PAYMENT_DEADLINE_DAYS
// (PAYMENT_DEADLINE_KIND), with reminders before it and a durable job at it. The award waits for the
// winner's signature of the record until the confirmation deadline (server/award).
//
// At the deadline, unless the balance was paid in full: the award is `defaulted` (the lot stays
// `closed`), the deposit forfeited, any part of the balance paid becomes due for refund, and the
// winner is barred from the lot's category for PAYMENT_DEFAULT_BAR_MONTHS.
import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { bars, lots, payments, refunds, registrations, type PaymentState } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify, type Notice } from '../notifications/outbox.ts';
import { cancelJob, scheduleJob, type AfterCommit, type Job } from '../jobs/index.ts';
import { lotChange } from '../auctions/public-lot.ts';
import { deadline } from '../calendar/calendar-store.ts';
import type { LotRow } from '../auctions/rules/status.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { addMonths } from './bars.ts';
import { awardDeadline, scheduleAwardDeadline } from '../award/award-deadlines.ts';
import { scheduleResultNotice } from '../results/schedule.ts';
import { createBalancePayment, depositPaymentsOf, type PaymentRow } from './instructions.ts';

export const BALANCE_DEADLINE_JOB = 'payment.balance-deadline';
export const BALANCE_REMINDER_JOB = 'payment.balance-reminder';
/** Reminders of the balance go this many days before its deadline (those still in the future). */
export const BALANCE_REMINDER_DAYS = [7, 1] as const;
const DAY_MS = 86_400_000;

const deadlineKey = (paymentId: number) => `balance-deadline:${paymentId}`;
const reminderKey = (paymentId: number, daysLeft: number) => `balance-reminder:${paymentId}:${daysLeft}`;

/** When money owed back at `from` must be sent: REFUND_DEADLINE_WORKING_DAYS working days later. */
export function refundDeadline(ctx: AppContext, from: Date, q: Tx): Promise<Date> {
  return deadline(ctx, from, { days: ctx.config.money.refundDeadlineWorkingDays, kind: 'working' }, q);
}

/** A deposit still held for its payer (received, in whole or in part, and not yet settled). */
const UNSETTLED: readonly PaymentState[] = ['partial', 'paid'];

type RegistrationRow = typeof registrations.$inferSelect;

/** A deposit owed back, as the settlement's audit lists it. */
export interface RefundLine {
  registrationId: number;
  bidderCode: string;
  amount: number;
}

/**
 * A loser's deposit owed back: the registration `refundable`, and, for a deposit received through
 * the money trail, the payment `refund_due` with its refund due at `dueAt` and the payer's notice (to
 * send with the caller's others). Undefined when nothing is owed. Used by settleLot and by the
 * manager's excuse of a held no-show (server/attendance).
 */
export async function refundLoserDeposit(
  tx: Tx,
  lotId: number,
  reg: RegistrationRow,
  deposit: PaymentRow | undefined,
  dueAt: Date,
  now: Date,
): Promise<{ registration: RegistrationRow; line: RefundLine | null; notice: Notice | null } | undefined> {
  const held = deposit && UNSETTLED.includes(deposit.state) ? deposit.received : 0;
  // A deposit confirmed before payments were tracked has no credit behind it: refundable as before,
  // settled by the manager's mark, outside the money trail.
  if (held === 0 && reg.depositState !== 'received') return undefined;
  if (reg.depositState === 'received')
    await tx
      .update(registrations)
      .set({ depositState: 'refundable', updatedAt: now })
      .where(eq(registrations.id, reg.id));
  const registration = { ...reg, depositState: reg.depositState === 'received' ? 'refundable' : reg.depositState };
  if (!deposit || held === 0) return { registration, line: null, notice: null };
  await setPaymentState(tx, deposit.id, 'refund_due', now);
  await tx.insert(refunds).values({
    lotId,
    paymentId: deposit.id,
    reason: 'deposit',
    amount: held,
    dueAt,
    createdAt: now,
  });
  return {
    registration,
    line: { registrationId: reg.id, bidderCode: reg.bidderCode, amount: held },
    notice: {
      pid: reg.pid,
      kind: 'refund_due',
      lotId,
      data: { reference: deposit.reference, amount: held, reason: 'deposit', dueAt: dueAt.toISOString() },
      at: now,
    },
  };
}

export interface Settlement {
  /** Registrations whose deposit became due for refund, as they are now. */
  refundable: RegistrationRow[];
  /** The winner's balance instruction, when a balance is owed. */
  balance: PaymentRow | null;
  /** The lot's award columns as settling left them (unchanged when there is no winner). */
  award: Pick<LotRow, 'awardState' | 'awardDeadline' | 'awardRegistrationId' | 'awardPrice'>;
}

/**
 * Settles the deposits of a lot that has just ended (closed, failed or cancelled), inside the
 * transaction that ended it: `winnerId` null when no one won. `from` is the end the deadlines count from.
 */
export async function settleLot(
  ctx: AppContext,
  tx: Tx,
  lot: LotRow,
  opts: {
    winnerId: number | null;
    actorPid: string | null;
    from: Date;
    now: Date;
    /** Registrations whose deposit was carried over to the lot's re-run (issue 18): left as they are, not refunded. */
    carried?: ReadonlySet<number>;
  },
): Promise<Settlement> {
  const { winnerId, now } = opts;
  const regs = (
    await tx.select().from(registrations).where(eq(registrations.lotId, lot.id)).orderBy(asc(registrations.id))
  ).filter((r) => !opts.carried?.has(r.id));
  const deposits = await depositPaymentsOf(
    tx,
    regs.map((r) => r.id),
  );
  const refundDueAt = await refundDeadline(ctx, opts.from, tx);
  const refundable: RegistrationRow[] = [];
  const refundLines: RefundLine[] = [];
  const forfeited: number[] = [];
  const notices: Notice[] = [];
  let balance: PaymentRow | null = null;

  for (const reg of regs) {
    const deposit = deposits.get(reg.id);
    const held = deposit && UNSETTLED.includes(deposit.state) ? deposit.received : 0;
    if (reg.id === winnerId) {
      await tx
        .update(registrations)
        .set({ depositState: 'retained', updatedAt: now })
        .where(eq(registrations.id, reg.id));
      if (deposit && held > 0) await setPaymentState(tx, deposit.id, 'retained', now);
      continue;
    }
    if (reg.depositState === 'forfeited') {
      if (deposit && held > 0) {
        await setPaymentState(tx, deposit.id, 'forfeited', now);
        forfeited.push(reg.id);
      }
      continue;
    }
    // A no-show held for force majeure: the deposit waits for the manager's decision (server/attendance).
    if (reg.noShow === 'held') continue;
    const owed = await refundLoserDeposit(tx, lot.id, reg, deposit, refundDueAt, now);
    if (!owed) continue;
    refundable.push(owed.registration);
    if (owed.line) refundLines.push(owed.line);
    if (owed.notice) notices.push(owed.notice);
  }

  const winner = winnerId === null ? undefined : regs.find((r) => r.id === winnerId);
  let award: Settlement['award'] = {
    awardState: lot.awardState,
    awardDeadline: lot.awardDeadline,
    awardRegistrationId: lot.awardRegistrationId,
    awardPrice: lot.awardPrice,
  };
  if (winner && lot.finalPrice !== null) {
    const deposit = deposits.get(winner.id);
    // The deposit counts toward the price: what was received, or (confirmed before payments were
    // tracked) the lot's deposit.
    const counted = deposit && deposit.received > 0 ? deposit.received : lot.deposit;
    const owed = lot.finalPrice - counted;
    const dueAt = await deadline(ctx, opts.from, ctx.config.money.paymentDeadline, tx);
    if (owed > 0) {
      balance = await createBalancePayment(tx, ctx.config.money, winner, owed, dueAt, now);
      await scheduleBalanceJobs(tx, balance, now);
      notices.push({
        pid: winner.pid,
        kind: 'balance_due',
        lotId: lot.id,
        data: {
          reference: balance.reference,
          amount: owed,
          account: balance.account,
          dueAt: dueAt.toISOString(),
          price: lot.finalPrice,
          depositCounted: counted,
        },
        at: now,
      });
    }
    // The winner signs the record within the confirmation deadline (issue 18), or the award fails.
    const signBy = await awardDeadline(ctx, tx, 'confirmation', opts.from);
    await scheduleAwardDeadline(tx, 'confirmation', lot.id, winner.id, signBy, now);
    award = {
      awardState: 'awaiting_confirmation',
      awardDeadline: signBy,
      awardRegistrationId: winner.id,
      awardPrice: lot.finalPrice,
    };
    await tx
      .update(lots)
      .set({ ...award, updatedAt: now })
      .where(eq(lots.id, lot.id));
  }

  await appendAudit(tx, {
    actorPid: opts.actorPid,
    action: 'deposit.settled',
    lotId: lot.id,
    at: now,
    data: {
      retained: winnerId,
      refundable: refundable.map((r) => r.id),
      refunds: refundLines,
      refundDueAt: refundLines.length ? refundDueAt.toISOString() : null,
      forfeited,
      balance: balance
        ? { reference: balance.reference, amount: balance.amount, dueAt: balance.dueAt.toISOString() }
        : null,
    },
  });
  await notify(tx, ...notices);
  return { refundable, balance, award };
}

export async function setPaymentState(tx: Tx, paymentId: number, state: PaymentState, now: Date): Promise<void> {
  await tx.update(payments).set({ state, updatedAt: now }).where(eq(payments.id, paymentId));
}

/** The balance's deadline job (just after its due time) and its reminders still in the future. */
export async function scheduleBalanceJobs(tx: Tx, balance: PaymentRow, now: Date): Promise<void> {
  await scheduleJob(tx, {
    kind: BALANCE_DEADLINE_JOB,
    key: deadlineKey(balance.id),
    runAt: new Date(balance.dueAt.getTime() + 1),
    payload: { paymentId: balance.id },
    at: now,
  });
  for (const daysLeft of BALANCE_REMINDER_DAYS) {
    const runAt = new Date(balance.dueAt.getTime() - daysLeft * DAY_MS);
    if (runAt.getTime() <= now.getTime()) continue;
    await scheduleJob(tx, {
      kind: BALANCE_REMINDER_JOB,
      key: reminderKey(balance.id, daysLeft),
      runAt,
      payload: { paymentId: balance.id, daysLeft },
      at: now,
    });
  }
}

/** The balance paid in full (matching.ts): the winner told, the deadline and reminders dropped. */
export async function balancePaid(tx: Tx, balance: PaymentRow, pid: string, now: Date): Promise<void> {
  await cancelJob(tx, deadlineKey(balance.id));
  for (const daysLeft of BALANCE_REMINDER_DAYS) await cancelJob(tx, reminderKey(balance.id, daysLeft));
  await notify(tx, {
    pid,
    kind: 'balance_received',
    lotId: balance.lotId,
    data: { reference: balance.reference, amount: balance.amount },
    at: now,
  });
}

/**
 * The money of an award that falls (the winner defaults, refuses, or does not sign): the award's
 * bidder's deposit is forfeited (Art. 39), their balance instruction cancelled with its deadline and
 * reminders, and whatever part of the balance they had paid is due back. Returns the deposit forfeited
 * and when the balance's refund is due (null when nothing was paid).
 */
export async function forfeitAwardMoney(
  ctx: AppContext,
  tx: Tx,
  lotId: number,
  holder: RegistrationRow,
  now: Date,
  /** false from the balance deadline's own job (it is running; the reminders check that the award stands). */
  opts: { cancelBalanceJobs: boolean } = { cancelBalanceJobs: true },
): Promise<{ forfeited: number; refundDueAt: Date | null; balance: PaymentRow | null }> {
  await tx
    .update(registrations)
    .set({ depositState: 'forfeited', updatedAt: now })
    .where(eq(registrations.id, holder.id));
  const mine = await tx.select().from(payments).where(eq(payments.registrationId, holder.id));
  const deposit = mine.find((p) => p.kind === 'deposit');
  const forfeited = deposit && deposit.state === 'retained' ? deposit.received : 0;
  if (deposit && deposit.state === 'retained') await setPaymentState(tx, deposit.id, 'forfeited', now);
  const balance = mine.find(
    (p) => p.kind === 'balance' && (p.state === 'pending' || p.state === 'partial' || p.state === 'paid'),
  );
  let refundDueAt: Date | null = null;
  if (balance) {
    if (opts.cancelBalanceJobs) {
      await cancelJob(tx, deadlineKey(balance.id));
      for (const daysLeft of BALANCE_REMINDER_DAYS) await cancelJob(tx, reminderKey(balance.id, daysLeft));
    }
    if (balance.received > 0) {
      refundDueAt = await refundDeadline(ctx, now, tx);
      await tx.insert(refunds).values({
        lotId,
        paymentId: balance.id,
        reason: 'balance',
        amount: balance.received,
        dueAt: refundDueAt,
        createdAt: now,
      });
    }
    await setPaymentState(tx, balance.id, balance.received > 0 ? 'refund_due' : 'cancelled', now);
  }
  return { forfeited, refundDueAt, balance: balance ?? null };
}

/** Whether a balance can still be paid: the award stands and the balance is not yet paid. */
export function balanceOpen(lot: Pick<LotRow, 'awardState'>, balance: Pick<PaymentRow, 'state'>): boolean {
  return (
    (lot.awardState === 'awaiting_confirmation' || lot.awardState === 'awarded') &&
    (balance.state === 'pending' || balance.state === 'partial')
  );
}

/** The balance payment of a job's payload, with its lot locked; undefined when either is gone. */
async function lockedBalance(tx: Tx, job: Job): Promise<{ lot: LotRow; balance: PaymentRow } | undefined> {
  const paymentId = Number(job.payload.paymentId);
  if (!Number.isSafeInteger(paymentId)) return undefined;
  const [found] = await tx.select({ lotId: payments.lotId }).from(payments).where(eq(payments.id, paymentId));
  if (!found) return undefined;
  const lot = await lockLot(tx, found.lotId);
  const [balance] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.id, paymentId), eq(payments.kind, 'balance')));
  return lot && balance ? { lot, balance } : undefined;
}

/** A reminder of the balance, sent only while it is still owed. */
export async function remindBalance(ctx: AppContext, job: Job, tx: Tx): Promise<void> {
  const found = await lockedBalance(tx, job);
  if (!found || !balanceOpen(found.lot, found.balance)) return;
  const { balance } = found;
  const [winner] = await tx.select().from(registrations).where(eq(registrations.id, balance.registrationId));
  await notify(tx, {
    pid: winner.pid,
    kind: 'balance_reminder',
    lotId: balance.lotId,
    data: {
      reference: balance.reference,
      amount: balance.amount,
      received: balance.received,
      outstanding: balance.amount - balance.received,
      dueAt: balance.dueAt.toISOString(),
      daysLeft: Number(job.payload.daysLeft),
    },
    at: ctx.clock.now(),
  });
}

/**
 * The balance deadline: unless paid in full by now, the winner defaults. The award becomes
 * `defaulted`, the deposit is forfeited, any part of the balance paid is due for refund, and the
 * winner is barred from the lot's category for PAYMENT_DEFAULT_BAR_MONTHS. Once committed, watchers
 * get a `lot` event (reason `award`) with the new award.
 */
export async function enforceBalanceDeadline(ctx: AppContext, job: Job, tx: Tx): Promise<AfterCommit | void> {
  const found = await lockedBalance(tx, job);
  if (!found || !balanceOpen(found.lot, found.balance)) return;
  const { lot, balance } = found;
  const now = ctx.clock.now();
  // A job run early (a clock set back) waits for the deadline.
  if (now.getTime() <= balance.dueAt.getTime()) throw new Error('the balance deadline has not passed yet');
  const [winner] = await tx.select().from(registrations).where(eq(registrations.id, balance.registrationId));
  const [defaulted] = await tx
    .update(lots)
    .set({ awardState: 'defaulted', awardDeadline: null, updatedAt: now })
    .where(eq(lots.id, lot.id))
    .returning();
  const { forfeited: forfeitedDeposit, refundDueAt } = await forfeitAwardMoney(ctx, tx, lot.id, winner, now, {
    cancelBalanceJobs: false,
  });

  const barEndsAt = addMonths(now, ctx.config.money.defaultBarMonths);
  await tx.insert(bars).values({
    pid: winner.pid,
    // An organisation's registration bars the organisation, whoever registers for it next.
    bidderOrganisationId: winner.bidderOrganisationId,
    category: lot.category,
    lotId: lot.id,
    reason: 'payment_default',
    startsAt: now,
    endsAt: barEndsAt,
    createdAt: now,
  });

  await appendAudit(tx, {
    actorPid: null,
    action: 'award.defaulted',
    lotId: lot.id,
    subject: String(winner.id),
    at: now,
    data: {
      bidderCode: winner.bidderCode,
      finalPrice: lot.finalPrice,
      balance: { reference: balance.reference, amount: balance.amount, received: balance.received },
      dueAt: balance.dueAt.toISOString(),
      forfeited: forfeitedDeposit,
      refundDueAt: refundDueAt?.toISOString() ?? null,
    },
  });
  await appendAudit(tx, {
    actorPid: null,
    action: 'bar.recorded',
    lotId: lot.id,
    subject: String(winner.id),
    at: now,
    data: { bidderCode: winner.bidderCode, category: lot.category, until: barEndsAt.toISOString() },
  });
  const notices: Notice[] = [
    {
      pid: winner.pid,
      kind: 'payment_deadline_missed',
      lotId: lot.id,
      data: {
        reference: balance.reference,
        amount: balance.amount,
        received: balance.received,
        dueAt: balance.dueAt.toISOString(),
      },
      at: now,
    },
    {
      pid: winner.pid,
      kind: 'bar_recorded',
      lotId: lot.id,
      data: { category: lot.category, until: barEndsAt.toISOString() },
      at: now,
    },
  ];
  if (refundDueAt)
    notices.push({
      pid: winner.pid,
      kind: 'refund_due',
      lotId: lot.id,
      data: {
        reference: balance.reference,
        amount: balance.received,
        reason: 'balance',
        dueAt: refundDueAt.toISOString(),
      },
      at: now,
    });
  await notify(tx, ...notices);
  const [leader] =
    defaulted.leaderRegistrationId === null
      ? []
      : defaulted.leaderRegistrationId === winner.id
        ? [winner]
        : await tx.select().from(registrations).where(eq(registrations.id, defaulted.leaderRegistrationId));
  await scheduleResultNotice(tx, lot.id, now);
  const winnerCode =
    defaulted.winnerRegistrationId === winner.id
      ? winner.bidderCode
      : defaulted.winnerRegistrationId === null
        ? null
        : (await tx.select().from(registrations).where(eq(registrations.id, defaulted.winnerRegistrationId)))[0]
            ?.bidderCode;
  const change = lotChange(
    defaulted,
    'award',
    { leaderCode: leader?.bidderCode ?? null, winnerCode: winnerCode ?? null, awardCode: winner.bidderCode },
    now,
  );
  return () => ctx.events.publish('lot', change);
}
