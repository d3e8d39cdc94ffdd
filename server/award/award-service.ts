// The award after the hammer (issue 18): the winner signs the record with a fresh e-ID sign-in, or
// refuses the result; under Art. 51 the next-highest bidder of an ascending lot may be offered the lot
// and accept or refuse; missed deadlines make the award fail; the manager countersigns a signed
// record. The state machine is the pure rules' (auctions/rules/award.ts); this module applies it
// under the lot's lock, in one transaction with its money (payments/settlement.ts), its audit entry,
// its signed document (records/lot-documents.ts) and a result notice (results/schedule.ts), and
// publishes the lot's `award` event once that transaction has committed.
import { and, asc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { ledgerEntries, lots, payments, refunds, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { keyOf } from '../privacy/personal-data.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { lotChange, type LotRow } from '../auctions/public-lot.ts';
import { managesLot, overseesLot } from '../auctions/lot-service.ts';
import { nextAward, nextHighestBid, type AwardEvent, type NextBidder } from '../auctions/rules/award.ts';
import type { Job, AfterCommit } from '../jobs/index.ts';
import { notify, type Notice } from '../notifications/outbox.ts';
import { deadline } from '../calendar/calendar-store.ts';
import { createBalancePayment, type PaymentRow } from '../payments/instructions.ts';
import { forfeitAwardMoney, scheduleBalanceJobs, setPaymentState } from '../payments/settlement.ts';
import { documentPayload, issueLotDocument, latestLotDocument, recordFinalHash } from '../records/lot-documents.ts';
import { LOT_FACT_VERSION, type Confirmation } from '../records/lot-fact-format.ts';
import type { FlattenedJws } from '../records/jws.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { scheduleResultNotice } from '../results/schedule.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { isRowId } from '../shared/validation.ts';
import { awardDeadline, cancelAwardDeadline, scheduleAwardDeadline } from './award-deadlines.ts';

type RegistrationRow = typeof registrations.$inferSelect;

export interface AwardDeps {
  ctx: AppContext;
  /** The record-signing key: the platform signs confirmations and countersignatures with it. */
  key: SigningKey;
}

/** What an award action answers: the lot's award as it now stands, and the document it issued, if any. */
export interface AwardOutcome {
  lotId: number;
  award: {
    state: NonNullable<LotRow['awardState']>;
    bidderCode: string | null;
    price: number | null;
    deadline: string | null;
  };
  document: FlattenedJws | null;
}

/**
 * Whether the person signed in at the provider recently enough to sign: `auth_time` (the token's, or
 * the browser session's ID token's) no older than FRESH_SIGNIN_MAX_AGE_SECONDS. A time in the future
 * beyond the clock tolerance is not trusted.
 */
export function freshSignIn(ctx: AppContext, person: Person): Result<Date> {
  const maxAgeSeconds = ctx.config.award.freshSignInMaxAgeSeconds;
  const at = person.authTime?.getTime();
  // The wall clock, as the e-ID token's own times (iat, exp) are checked: a sign-in is a real-world fact.
  const now = Date.now();
  const tolerance = ctx.config.eid.clockToleranceSeconds * 1000;
  if (at === undefined || at > now + tolerance || now - at > maxAgeSeconds * 1000)
    return refuse('fresh_signin_required', { maxAgeSeconds });
  return ok(person.authTime!);
}

const lotTitle = (lot: LotRow) => ({ id: lot.id, title: lot.title });

/** The registration the award names now (the winner, or the next bidder offered the lot). */
const holderId = (lot: LotRow): number | null => lot.awardRegistrationId ?? lot.winnerRegistrationId;

async function registrationOf(tx: Tx, id: number | null): Promise<RegistrationRow | undefined> {
  if (id === null) return undefined;
  const [r] = await tx.select().from(registrations).where(eq(registrations.id, id));
  return r;
}

/**
 * The person's registration for the lot: the one the award concerns (`holder`) when it is theirs. A
 * person may hold their own and organisations' registrations on one lot (issue 19); an organisation's
 * award is answered by the person who registered for it.
 */
async function myRegistration(
  tx: Tx,
  lotId: number,
  pid: string,
  holder: number | null,
): Promise<RegistrationRow | undefined> {
  const mine = await tx
    .select()
    .from(registrations)
    .where(and(eq(registrations.lotId, lotId), eq(registrations.pid, pid)))
    .orderBy(asc(registrations.id));
  return mine.find((r) => r.id === holder) ?? mine[0];
}

/** The lot, locked, when it has an award; the refusal otherwise. */
async function lockedAward(tx: Tx, lotId: number): Promise<Result<LotRow>> {
  const lot = isRowId(lotId) ? await lockLot(tx, lotId) : undefined;
  if (!lot || lot.status === 'draft') return refuse('lot_not_found');
  return ok(lot);
}

/** The `lot` event of an award change, with the codes of the leader, the winner and the award's bidder. */
async function awardChange(ctx: AppContext, tx: Tx, lot: LotRow, now: Date): Promise<AfterCommit> {
  const code = async (id: number | null) => (await registrationOf(tx, id))?.bidderCode ?? null;
  const change = lotChange(
    lot,
    'award',
    {
      leaderCode: await code(lot.leaderRegistrationId),
      winnerCode: await code(lot.winnerRegistrationId),
      awardCode: await code(holderId(lot)),
    },
    now,
  );
  return () => ctx.events.publish('lot', change);
}

function outcomeOf(lot: LotRow, holder: RegistrationRow | undefined, document: FlattenedJws | null): AwardOutcome {
  return {
    lotId: lot.id,
    award: {
      state: lot.awardState!,
      bidderCode: holder?.bidderCode ?? null,
      price: lot.awardPrice ?? lot.finalPrice,
      deadline: lot.awardDeadline?.toISOString() ?? null,
    },
    document,
  };
}

/** The refusal of an act after the award's deadline (its job may not have run yet), if it is late. */
function deadlinePassed(lot: LotRow, now: Date) {
  return lot.awardDeadline && now.getTime() > lot.awardDeadline.getTime()
    ? refuse('award_deadline_passed', { deadline: lot.awardDeadline.toISOString() })
    : undefined;
}

/** Runs an award action in one transaction; publishes its event once committed. */
async function inTransaction<T>(
  ctx: AppContext,
  work: (tx: Tx) => Promise<Result<{ value: T; after: AfterCommit }>>,
): Promise<Result<T>> {
  const result = await ctx.db.transaction(work);
  if (!result.ok) return result;
  result.value.after();
  return ok(result.value.value);
}

/** The award's next state for `event`, or the refusal that the award is not in a state that takes it. */
function step(lot: LotRow, event: AwardEvent) {
  return nextAward(lot.awardState, event, { method: lot.method, price: lot.awardPrice ?? lot.finalPrice ?? 0 });
}

// ---------------------------------------------------------------------------------------------------
// The winner's signature.

/**
 * POST /api/lots/:id/confirmation: the award's bidder signs the record. Needs a fresh sign-in; the
 * award becomes `awarded` (its deadline the balance's, if one is owed), audited, and a confirmation
 * naming the record's hash is signed on the bidder's behalf.
 */
export async function confirmAward(deps: AwardDeps, person: Person, lotId: number): Promise<Result<AwardOutcome>> {
  const { ctx } = deps;
  const fresh = freshSignIn(ctx, person);
  return inTransaction(ctx, async (tx) => {
    const locked = await lockedAward(tx, lotId);
    if (!locked.ok) return locked;
    const lot = locked.value;
    const mine = await myRegistration(tx, lot.id, person.pid, holderId(lot));
    if (!mine || mine.id !== holderId(lot) || lot.awardState === null) return refuse('not_award_holder');
    if (lot.awardState !== 'awaiting_confirmation') return refuse('award_not_awaiting', { award: lot.awardState });
    if (!fresh.ok) return fresh;
    const now = ctx.clock.now();
    const late = deadlinePassed(lot, now);
    if (late) return late;
    const change = step(lot, { kind: 'confirmed' });
    if (!change.ok) return refuse('award_not_awaiting', { award: lot.awardState });
    const [balance] = await tx
      .select()
      .from(payments)
      .where(and(eq(payments.registrationId, mine.id), eq(payments.kind, 'balance')));
    const balanceDue = balance && (balance.state === 'pending' || balance.state === 'partial') ? balance.dueAt : null;
    const [updated] = await tx
      .update(lots)
      .set({ awardState: change.state, awardDeadline: balanceDue, updatedAt: now })
      .where(eq(lots.id, lot.id))
      .returning();
    await cancelAwardDeadline(tx, 'confirmation', lot.id, mine.id);
    const price = lot.awardPrice ?? lot.finalPrice!;
    const nextBidder = mine.id !== lot.winnerRegistrationId;
    const audit = await appendAudit(tx, {
      actorPid: person.pid,
      action: 'award.confirmed',
      lotId: lot.id,
      subject: String(mine.id),
      at: now,
      data: {
        bidderCode: mine.bidderCode,
        price,
        nextBidder,
        finalHash: recordFinalHash(lot),
        authTime: fresh.value.toISOString(),
        via: person.via,
      },
    });
    const fact: Confirmation = {
      type: 'confirmation',
      version: LOT_FACT_VERSION,
      issuedAt: now.toISOString(),
      issuer: ctx.config.publicOrigin ?? null,
      lot: lotTitle(lot),
      record: { finalHash: recordFinalHash(lot) },
      bidderCode: mine.bidderCode,
      price,
      confirmedAt: now.toISOString(),
      nextBidder,
      signIn: { authTime: fresh.value.toISOString(), via: person.via },
      audit,
    };
    const { jws } = await issueLotDocument(tx, deps.key, fact, { auditId: audit.id, at: now });
    await notify(tx, {
      pid: lot.managerPid,
      kind: 'award_countersign_due',
      lotId: lot.id,
      data: { amount: price },
      at: now,
    });
    await scheduleResultNotice(tx, lot.id, now);
    return ok({ value: outcomeOf(updated, mine, jws), after: await awardChange(ctx, tx, updated, now) });
  });
}

// ---------------------------------------------------------------------------------------------------
// Refusal, and Art. 51's offer to the next bidder.

/** The next-highest standing bidder of a lot (not the winner, not barred or forfeited), with their deposit. */
async function nextBidderOf(tx: Tx, lot: LotRow, winnerId: number): Promise<NextBidder | null> {
  const ledger = await tx
    .select({
      seq: ledgerEntries.seq,
      kind: ledgerEntries.kind,
      registrationId: ledgerEntries.registrationId,
      amount: ledgerEntries.amount,
    })
    .from(ledgerEntries)
    .where(eq(ledgerEntries.lotId, lot.id))
    .orderBy(asc(ledgerEntries.seq));
  const regs = await tx.select().from(registrations).where(eq(registrations.lotId, lot.id));
  // A bidder who withdrew (their deposit forfeited) or was barred cannot be offered the lot.
  const barred = new Set(
    regs.filter((r) => r.status !== 'approved' || r.depositState === 'forfeited').map((r) => r.id),
  );
  const best = nextHighestBid(ledger, winnerId, barred);
  if (!best) return null;
  const [deposit] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.registrationId, best.registrationId), eq(payments.kind, 'deposit')));
  return { registrationId: best.registrationId, amount: best.amount, deposit: depositCounted(lot, deposit) };
}

/** A deposit as it counts toward a price: what was received, or the lot's (confirmed before payments were tracked). */
const depositCounted = (lot: Pick<LotRow, 'deposit'>, deposit: PaymentRow | undefined): number =>
  deposit && deposit.received > 0 ? deposit.received : deposit ? 0 : lot.deposit;

/** The award falls for its bidder (refused, or not signed in time): deposit forfeited, balance cancelled, they are told. */
async function forfeitFor(ctx: AppContext, tx: Tx, lot: LotRow, holder: RegistrationRow, now: Date) {
  const money = await forfeitAwardMoney(ctx, tx, lot.id, holder, now);
  const notices: Notice[] = [
    { pid: holder.pid, kind: 'award_failed', lotId: lot.id, data: { amount: money.forfeited }, at: now },
  ];
  if (money.refundDueAt && money.balance)
    notices.push({
      pid: holder.pid,
      kind: 'refund_due',
      lotId: lot.id,
      data: {
        reference: money.balance.reference,
        amount: money.balance.received,
        reason: 'balance',
        dueAt: money.refundDueAt.toISOString(),
      },
      at: now,
    });
  await notify(tx, ...notices);
  return money;
}

/** Offers the lot to the next bidder (Art. 51): the award names them at their price until the offer's deadline. */
async function offerToNext(
  ctx: AppContext,
  tx: Tx,
  lot: LotRow,
  offer: { registrationId: number; price: number },
  now: Date,
): Promise<LotRow> {
  const answerBy = await awardDeadline(ctx, tx, 'offer', now);
  const [updated] = await tx
    .update(lots)
    .set({
      awardState: 'offered_to_next',
      awardRegistrationId: offer.registrationId,
      awardPrice: offer.price,
      awardDeadline: answerBy,
      updatedAt: now,
    })
    .where(eq(lots.id, lot.id))
    .returning();
  await scheduleAwardDeadline(tx, 'offer', lot.id, offer.registrationId, answerBy, now);
  const next = (await registrationOf(tx, offer.registrationId))!;
  await appendAudit(tx, {
    actorPid: null,
    action: 'award.offered',
    lotId: lot.id,
    subject: String(next.id),
    at: now,
    data: { bidderCode: next.bidderCode, price: offer.price, deadline: answerBy.toISOString() },
  });
  await notify(tx, {
    pid: next.pid,
    kind: 'award_offered',
    lotId: lot.id,
    data: { amount: offer.price, dueAt: answerBy.toISOString() },
    at: now,
  });
  return updated;
}

/** Marks the award failed (Art. 52): nobody holds it any more. */
async function failAward(tx: Tx, lot: LotRow, now: Date): Promise<LotRow> {
  const [updated] = await tx
    .update(lots)
    .set({ awardState: 'failed', awardDeadline: null, updatedAt: now })
    .where(eq(lots.id, lot.id))
    .returning();
  return updated;
}

/**
 * POST /api/lots/:id/refusal: the award's bidder refuses the result and forfeits the deposit. For the
 * winner of an ascending lot, the next-highest bidder is offered the lot when they qualify (Art. 51);
 * otherwise the award fails.
 */
export async function refuseAward(
  deps: AwardDeps,
  person: Person,
  lotId: number,
  reason: string | null,
): Promise<Result<AwardOutcome>> {
  const { ctx } = deps;
  return inTransaction(ctx, async (tx) => {
    const locked = await lockedAward(tx, lotId);
    if (!locked.ok) return locked;
    const lot = locked.value;
    const mine = await myRegistration(tx, lot.id, person.pid, holderId(lot));
    if (!mine || mine.id !== holderId(lot) || lot.awardState === null) return refuse('not_award_holder');
    if (lot.awardState !== 'awaiting_confirmation') return refuse('award_not_awaiting', { award: lot.awardState });
    const now = ctx.clock.now();
    const late = deadlinePassed(lot, now);
    if (late) return late;
    // Art. 51 reaches only the next bidder after the winner: a next bidder who accepted and then refuses ends it.
    const next = mine.id === lot.winnerRegistrationId ? await nextBidderOf(tx, lot, mine.id) : null;
    const change = step(lot, { kind: 'refused', next });
    if (!change.ok) return refuse('award_not_awaiting', { award: lot.awardState });
    await cancelAwardDeadline(tx, 'confirmation', lot.id, mine.id);
    const money = await forfeitFor(ctx, tx, lot, mine, now);
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'award.refused',
      lotId: lot.id,
      subject: String(mine.id),
      at: now,
      data: {
        bidderCode: mine.bidderCode,
        price: lot.awardPrice ?? lot.finalPrice,
        reason,
        forfeited: money.forfeited,
        next: next ? { registrationId: next.registrationId, amount: next.amount, deposit: next.deposit } : null,
        outcome: change.state,
      },
    });
    const updated = change.offer ? await offerToNext(ctx, tx, lot, change.offer, now) : await failAward(tx, lot, now);
    await scheduleResultNotice(tx, lot.id, now);
    const holder = await registrationOf(tx, holderId(updated));
    return ok({ value: outcomeOf(updated, holder, null), after: await awardChange(ctx, tx, updated, now) });
  });
}

/**
 * The next bidder keeps their deposit toward the price (its refund withdrawn if not yet sent) and owes
 * the balance, as a winner does at the close.
 */
async function takeOverAward(ctx: AppContext, tx: Tx, lot: LotRow, next: RegistrationRow, price: number, now: Date) {
  const [deposit] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.registrationId, next.id), eq(payments.kind, 'deposit')));
  let counted = 0;
  if (deposit && deposit.received > 0 && deposit.state === 'refund_due') {
    const withdrawn = await tx
      .update(refunds)
      .set({ state: 'withdrawn' })
      .where(and(eq(refunds.paymentId, deposit.id), eq(refunds.reason, 'deposit'), eq(refunds.state, 'due')))
      .returning();
    if (withdrawn.length > 0) {
      await setPaymentState(tx, deposit.id, 'retained', now);
      counted = deposit.received;
    }
  } else if (!deposit && (next.depositState === 'refundable' || next.depositState === 'received')) {
    // Confirmed before payments were tracked: the lot's deposit, refunded by the manager's mark if ever.
    counted = lot.deposit;
  }
  await tx
    .update(registrations)
    .set({ depositState: counted > 0 ? 'retained' : next.depositState, updatedAt: now })
    .where(eq(registrations.id, next.id));
  const owed = price - counted;
  let balance: PaymentRow | null = null;
  if (owed > 0) {
    const dueAt = await deadline(ctx, now, ctx.config.money.paymentDeadline, tx);
    balance = await createBalancePayment(tx, ctx.config.money, next, owed, dueAt, now);
    await scheduleBalanceJobs(tx, balance, now);
    await notify(tx, {
      pid: next.pid,
      kind: 'balance_due',
      lotId: lot.id,
      data: {
        reference: balance.reference,
        amount: owed,
        account: balance.account,
        dueAt: dueAt.toISOString(),
        price,
        depositCounted: counted,
      },
      at: now,
    });
  }
  return { counted, balance };
}

/** POST /api/lots/:id/offer/accept: the next bidder accepts; they become the winner, awaiting their signature. */
export async function acceptOffer(deps: AwardDeps, person: Person, lotId: number): Promise<Result<AwardOutcome>> {
  return answerOffer(deps, person, lotId, 'offer_accepted');
}

/** POST /api/lots/:id/offer/refuse: the next bidder refuses; the award fails. */
export async function refuseOffer(deps: AwardDeps, person: Person, lotId: number): Promise<Result<AwardOutcome>> {
  return answerOffer(deps, person, lotId, 'offer_refused');
}

async function answerOffer(
  deps: AwardDeps,
  person: Person,
  lotId: number,
  kind: 'offer_accepted' | 'offer_refused',
): Promise<Result<AwardOutcome>> {
  const { ctx } = deps;
  return inTransaction(ctx, async (tx) => {
    const locked = await lockedAward(tx, lotId);
    if (!locked.ok) return locked;
    const lot = locked.value;
    const mine = await myRegistration(tx, lot.id, person.pid, lot.awardRegistrationId);
    const offered = lot.awardState === 'offered_to_next' && mine !== undefined && mine.id === lot.awardRegistrationId;
    if (lot.awardState !== 'offered_to_next' && mine && mine.id === lot.awardRegistrationId)
      return refuse('award_no_offer', { award: lot.awardState });
    if (!offered) return refuse('not_offered');
    const now = ctx.clock.now();
    const late = deadlinePassed(lot, now);
    if (late) return late;
    const change = step(lot, { kind });
    if (!change.ok) return refuse('award_no_offer', { award: lot.awardState });
    await cancelAwardDeadline(tx, 'offer', lot.id, mine.id);
    const price = lot.awardPrice!;
    let updated: LotRow;
    if (kind === 'offer_accepted') {
      const money = await takeOverAward(ctx, tx, lot, mine, price, now);
      const signBy = await awardDeadline(ctx, tx, 'confirmation', now);
      await scheduleAwardDeadline(tx, 'confirmation', lot.id, mine.id, signBy, now);
      [updated] = await tx
        .update(lots)
        .set({ awardState: change.state, awardDeadline: signBy, updatedAt: now })
        .where(eq(lots.id, lot.id))
        .returning();
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'award.offer_accepted',
        lotId: lot.id,
        subject: String(mine.id),
        at: now,
        data: {
          bidderCode: mine.bidderCode,
          price,
          depositCounted: money.counted,
          balance: money.balance ? { reference: money.balance.reference, amount: money.balance.amount } : null,
          signBy: signBy.toISOString(),
        },
      });
    } else {
      updated = await failAward(tx, lot, now);
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'award.offer_refused',
        lotId: lot.id,
        subject: String(mine.id),
        at: now,
        data: { bidderCode: mine.bidderCode, price },
      });
    }
    await scheduleResultNotice(tx, lot.id, now);
    return ok({ value: outcomeOf(updated, mine, null), after: await awardChange(ctx, tx, updated, now) });
  });
}

// ---------------------------------------------------------------------------------------------------
// Deadlines (durable jobs: award-deadlines.ts).

/**
 * The lot (locked) and registration of a deadline job while the award still waits in `state` for that
 * registration; undefined when the job no longer applies. A job run early (a clock set back) throws,
 * so the runner tries it again after the deadline.
 */
async function deadlineTarget(
  ctx: AppContext,
  tx: Tx,
  job: Job,
  state: 'awaiting_confirmation' | 'offered_to_next',
): Promise<{ lot: LotRow; holder: RegistrationRow; now: Date } | undefined> {
  const lotId = Number(job.payload.lotId);
  const registrationId = Number(job.payload.registrationId);
  if (!isRowId(lotId) || !isRowId(registrationId)) return undefined;
  const lot = await lockLot(tx, lotId);
  if (!lot || lot.awardState !== state || holderId(lot) !== registrationId) return undefined;
  const holder = await registrationOf(tx, registrationId);
  if (!holder) return undefined;
  const now = ctx.clock.now();
  if (lot.awardDeadline && now.getTime() <= lot.awardDeadline.getTime())
    throw new Error(`the award's deadline (${state}) has not passed yet`);
  return { lot, holder, now };
}

/** The signature's deadline passed: unless signed, the award fails (Art. 52) and the deposit is forfeited (Art. 39). */
export async function enforceConfirmationDeadline(ctx: AppContext, job: Job, tx: Tx): Promise<AfterCommit | void> {
  const found = await deadlineTarget(ctx, tx, job, 'awaiting_confirmation');
  if (!found) return;
  const { lot, holder, now } = found;
  const change = step(lot, { kind: 'confirmation_missed' });
  if (!change.ok) return;
  const money = await forfeitFor(ctx, tx, lot, holder, now);
  const updated = await failAward(tx, lot, now);
  await appendAudit(tx, {
    actorPid: null,
    action: 'award.confirmation_missed',
    lotId: lot.id,
    subject: String(holder.id),
    at: now,
    data: {
      bidderCode: holder.bidderCode,
      price: lot.awardPrice ?? lot.finalPrice,
      deadline: lot.awardDeadline?.toISOString() ?? null,
      forfeited: money.forfeited,
    },
  });
  await scheduleResultNotice(tx, lot.id, now);
  return awardChange(ctx, tx, updated, now);
}

/** The offer's deadline passed unanswered: the award fails. */
export async function enforceOfferDeadline(ctx: AppContext, job: Job, tx: Tx): Promise<AfterCommit | void> {
  const found = await deadlineTarget(ctx, tx, job, 'offered_to_next');
  if (!found) return;
  const { lot, holder, now } = found;
  const change = step(lot, { kind: 'offer_missed' });
  if (!change.ok) return;
  const updated = await failAward(tx, lot, now);
  await appendAudit(tx, {
    actorPid: null,
    action: 'award.offer_missed',
    lotId: lot.id,
    subject: String(holder.id),
    at: now,
    data: { bidderCode: holder.bidderCode, price: lot.awardPrice, deadline: lot.awardDeadline?.toISOString() ?? null },
  });
  await scheduleResultNotice(tx, lot.id, now);
  return awardChange(ctx, tx, updated, now);
}

// ---------------------------------------------------------------------------------------------------
// The manager's countersignature.

/**
 * POST /api/lots/:id/countersignature: the lot's manager approves the signed record with a fresh
 * sign-in. Managers hold no keys: the platform signs on their behalf a document naming the manager
 * (name and keyed hash), the confirmation's digest and the approval's audit entry.
 */
export async function countersign(deps: AwardDeps, person: Person, lotId: number): Promise<Result<FlattenedJws>> {
  const { ctx } = deps;
  const fresh = freshSignIn(ctx, person);
  return ctx.db.transaction(async (tx) => {
    const locked = await lockedAward(tx, lotId);
    if (!locked.ok) return locked;
    const lot = locked.value;
    if (!managesLot(person, lot)) return refuse('not_lot_manager');
    if (!fresh.ok) return fresh;
    const confirmation = await latestLotDocument(tx, lot.id, 'confirmation');
    // Only a standing, signed award is countersigned (not one that later defaulted).
    if (!confirmation || lot.awardState !== 'awarded') return refuse('award_not_confirmed');
    if (await latestLotDocument(tx, lot.id, 'countersignature')) return refuse('award_already_countersigned');
    const confirmed = documentPayload<Confirmation>(confirmation);
    const now = ctx.clock.now();
    const audit = await appendAudit(tx, {
      actorPid: person.pid,
      action: 'award.countersigned',
      lotId: lot.id,
      at: now,
      data: {
        confirmation: confirmation.digest,
        bidderCode: confirmed.bidderCode,
        price: confirmed.price,
        authTime: fresh.value.toISOString(),
        via: person.via,
      },
    });
    const { jws } = await issueLotDocument(
      tx,
      deps.key,
      {
        type: 'countersignature',
        version: LOT_FACT_VERSION,
        issuedAt: now.toISOString(),
        issuer: ctx.config.publicOrigin ?? null,
        lot: lotTitle(lot),
        record: { finalHash: recordFinalHash(lot) },
        confirmation: { digest: confirmation.digest, bidderCode: confirmed.bidderCode, price: confirmed.price },
        manager: { name: person.name, personHash: keyOf(person.pid) },
        approvedAt: now.toISOString(),
        signIn: { authTime: fresh.value.toISOString(), via: person.via },
        audit,
      },
      { auditId: audit.id, at: now },
    );
    return ok(jws);
  });
}

// ---------------------------------------------------------------------------------------------------
// Reading the signed documents.

/**
 * A published lot, for a party to it: its manager, regulators, admins and its registrants (what they
 * read names bidders by code only); 404 for a draft or no lot, 403 for anyone else.
 */
export async function lotForParty(ctx: AppContext, person: Person, lotId: number): Promise<Result<LotRow>> {
  const lot = isRowId(lotId) ? (await ctx.db.select().from(lots).where(eq(lots.id, lotId)))[0] : undefined;
  if (!lot || lot.status === 'draft') return refuse('lot_not_found');
  const staff = managesLot(person, lot) || overseesLot(person, lot);
  if (!staff) {
    const [mine] = await ctx.db
      .select({ id: registrations.id })
      .from(registrations)
      .where(and(eq(registrations.lotId, lot.id), eq(registrations.pid, person.pid)));
    if (!mine) return refuse('not_lot_manager_or_regulator');
  }
  return ok(lot);
}

/**
 * The latest confirmation or countersignature of a lot, as issued: for the lot's manager, regulators,
 * admins and the lot's registrants (the documents name bidders by code only).
 */
export async function awardDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
  kind: 'confirmation' | 'countersignature',
): Promise<Result<FlattenedJws>> {
  const lot = await lotForParty(ctx, person, lotId);
  if (!lot.ok) return lot;
  const row = await latestLotDocument(ctx.db, lot.value.id, kind);
  if (!row) return refuse('document_not_issued');
  return ok(JSON.parse(row.document) as FlattenedJws);
}
