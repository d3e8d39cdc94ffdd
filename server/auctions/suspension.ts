// A technical suspension and its re-run (issue 18; DESIGN.md §8). When a technical fault stops valid
// bids from being placed or recorded, the lot's manager, a regulator or an admin suspends the live
// lot with a stated reason: on the lot's bid queue (after every bid this process received before it,
// as a close is) and under the lot's row lock (which every bid batch takes), in one transaction, the
// lot becomes `suspended`, the suspension is chained in the audit log, and a signed suspension
// document names the ledger as it stood. Every bid batch after it reads `suspended` and refuses
// (lot_suspended), so no bid is accepted after the suspension and every bid acknowledged before it is
// in the ledger the document names. The scheduler neither closes nor moves on a suspended lot (it is
// not open).
//
// The lot's manager (or an admin) then schedules the re-run: a new lot with the same terms and its
// own bidding window, published, linked both ways (rerunOf, rerunAs). Every approved registration is
// copied to it (same person, bidder code and accepted rules, approved), and its deposit carried over:
// the deposit's payment rows move to the copy (with their credits, and any refund of them), so the
// deposit counts as received on the re-run without a new transfer and every money trail still adds
// up. The suspended lot ends `cancelled` naming the suspension and the re-run; its other deposits are
// settled as a cancellation settles them, the carried ones left out.
import { and, asc, eq, inArray, or } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { lots, paymentCredits, payments, refunds, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { registrationFacts } from '../audit/chained-facts.ts';
import { registrantOrganisationFacts } from '../organisations/bidders.ts';
import { keyOf } from '../privacy/personal-data.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError, type FieldErrorMap } from '../shared/field-errors.ts';
import type { LotChange, PersonalEvent } from '../shared/events.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import type { FlattenedJws } from '../records/jws.ts';
import { SuspensionSchema, LOT_FACT_VERSION, type Suspension } from '../records/lot-fact-format.ts';
import { issueLotDocument, latestLotDocument, recordFinalHash } from '../records/lot-documents.ts';
import { settleLot } from '../payments/settlement.ts';
import { scheduleResultNotice } from '../results/schedule.ts';
import { notify } from '../notifications/outbox.ts';
import { bidderCodeOf, lockLot, managesLot, overseesLot, regulatesLot, visibleTo } from './lot-service.ts';
import { getLotRow, getPublicLot, lotChange, type LotRow, type PublicLot } from './public-lot.ts';
import { methodColumns, methodTermsOf } from './lot-method.ts';
import { lotSearchColumns } from './lot-search-columns.ts';
import { resolveLotTerms, type GivenTerms } from './lot-validation.ts';
import { registrationChanged } from './registration-event.ts';
import { refuseRerun, refuseSuspension, rerunRegistrationWindow } from './rules/index.ts';
import type { LotQueues } from './scheduler.ts';
import { mayActOnLot, type LotAccess } from './lot-access.ts';

/** Who may act on a suspension: suspend (the lot's manager, regulators, admins), re-run (its manager, admins). */
export type SuspensionAct = 'suspend' | 'rerun';
export const SUSPENSION_ACCESS = {
  suspend: 'manager-of-lot|regulator|admin',
  rerun: 'manager-of-lot|admin',
} as const satisfies Record<SuspensionAct, LotAccess>;

/** The role in which `person` acts on `lot` (the lot's own manager first), or undefined when they may not. */
function actingRole(
  person: Person,
  lot: Pick<LotRow, 'organisationId'>,
  act: SuspensionAct,
): 'manager' | 'regulator' | 'admin' | undefined {
  if (managesLot(person, lot)) return 'manager';
  if (act === 'suspend' && regulatesLot(person, lot)) return 'regulator';
  if (person.roles.includes('admin')) return 'admin';
  return undefined;
}

/** Whether `person` may suspend (or re-run) `lot` (undefined: no such lot): the routes' guard, again under the lock. */
export function mayActOnSuspension(
  person: Person,
  lot: Pick<LotRow, 'organisationId' | 'status'> | undefined,
  act: SuspensionAct,
): Result<Person> {
  return mayActOnLot(person, lot, SUSPENSION_ACCESS[act]);
}

/**
 * Whether `person` may read a lot's suspension document: its manager, regulators, admins, and anyone
 * registered for it (the document names no person, only the ledger and a keyed hash of who suspended).
 */
export async function mayReadSuspension(
  q: Tx | AppContext['db'],
  person: Person,
  lot: Pick<LotRow, 'id' | 'organisationId' | 'status'> | undefined,
): Promise<Result<Person>> {
  if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
  if (managesLot(person, lot) || overseesLot(person, lot)) return ok(person);
  const [registered] = await q
    .select({ id: registrations.id })
    .from(registrations)
    .where(and(eq(registrations.lotId, lot.id), eq(registrations.pid, person.pid)))
    .limit(1);
  return registered ? ok(person) : refuse('not_lot_participant');
}

/**
 * Suspends a lot whose bidding is under way. Runs on the lot's bid queue (`queues`: the bid engine),
 * so the bids this process received before the request are answered first; the lot's row lock orders
 * it against every batch of every process.
 */
export async function suspendLot(
  ctx: AppContext,
  queues: LotQueues,
  key: SigningKey,
  person: Person,
  lotId: number,
  reason: string,
): Promise<Result<PublicLot>> {
  const outcome = await queues.exclusive(lotId, () =>
    ctx.db.transaction(async (tx): Promise<Result<LotChange>> => {
      const lot = await lockLot(tx, lotId);
      const allowed = mayActOnSuspension(person, lot, 'suspend');
      if (!allowed.ok || !lot) return allowed.ok ? refuse('lot_not_found') : allowed;
      const now = ctx.clock.now();
      const refusal = refuseSuspension(lot, now);
      if (refusal) return refusal;
      const role = actingRole(person, lot, 'suspend')!;
      // The ledger as it stands under the lock: every bid acknowledged so far is in it, none after.
      const ledger = { seq: lot.seq, lastHash: recordFinalHash(lot), bidCount: lot.bidCount };
      const [suspended] = await tx
        .update(lots)
        .set({ status: 'suspended', suspendedAt: now, suspensionReason: reason, updatedAt: now })
        .where(eq(lots.id, lotId))
        .returning();
      const audit = await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.suspended',
        lotId,
        at: now,
        data: { reason, role, previousStatus: lot.status, ...ledger },
      });
      const fact: Suspension = SuspensionSchema.parse({
        type: 'suspension',
        version: LOT_FACT_VERSION,
        issuedAt: now.toISOString(),
        issuer: ctx.config.publicOrigin ?? null,
        lot: { id: lot.id, title: lot.title },
        ledger,
        suspendedAt: now.toISOString(),
        reason,
        by: { role, personHash: keyOf(person.pid) },
        audit,
      } satisfies Suspension);
      await issueLotDocument(tx, key, fact, { auditId: audit.id, at: now });
      const leaderCode = await bidderCodeOf(tx, suspended.leaderRegistrationId);
      return ok(lotChange(suspended, 'suspended', { leaderCode, winnerCode: null }, now));
    }),
  );
  if (!outcome.ok) return outcome;
  ctx.events.publish('lot', outcome.value);
  return ok((await getPublicLot(ctx, lotId))!);
}

/** A lot's suspension document as it was issued (a flattened JWS, `cty` suspension+json). */
export async function suspensionDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
): Promise<Result<FlattenedJws>> {
  const allowed = await mayReadSuspension(ctx.db, person, await getLotRow(ctx.db, lotId));
  if (!allowed.ok) return allowed;
  const row = await latestLotDocument(ctx.db, lotId, 'suspension');
  if (!row) return refuse('suspension_not_found');
  return ok(JSON.parse(row.document) as FlattenedJws);
}

/** The bidding window of a re-run, as POST /api/lots/:id/rerun gives it. */
export interface RerunInput {
  startsAt: Date;
  /** Required but for a descending lot, whose end its price schedule decides. */
  endsAt?: Date;
}

/** The fields a re-run's window may be refused for: the only terms its request gives. */
const WINDOW_FIELDS = ['startsAt', 'endsAt', 'softClose'];

/** The re-run's terms: the suspended lot's, with the new bidding window checked as lot creation checks it. */
function rerunTerms(
  ctx: AppContext,
  lot: LotRow,
  input: RerunInput,
  now: Date,
): { terms: NonNullable<ReturnType<typeof resolveLotTerms>['terms']> } | { fields: FieldErrorMap } {
  const given: GivenTerms = {
    startingPrice: lot.startingPrice,
    priceStep: lot.priceStep,
    deposit: lot.deposit,
    ...rerunRegistrationWindow(lot),
    startsAt: input.startsAt,
    endsAt: input.endsAt,
    softClose:
      lot.softCloseWindowSeconds && lot.softCloseExtendSeconds
        ? { windowSeconds: lot.softCloseWindowSeconds, extendSeconds: lot.softCloseExtendSeconds }
        : null,
    ...methodTermsOf(lot),
  };
  const { terms, fields } = resolveLotTerms(ctx.config.policy, given, now);
  // The prices, deposit and method were accepted when the lot was made and are not the request's to
  // change: only the window's own faults are the caller's.
  const window: FieldErrorMap = Object.fromEntries(Object.entries(fields).filter(([f]) => WINDOW_FIELDS.includes(f)));
  if (input.startsAt.getTime() <= now.getTime()) window.startsAt = fieldError('NOT_IN_FUTURE');
  if (Object.keys(window).length) return { fields: window };
  if (!terms) return { fields };
  return { terms };
}

type RegistrationRow = typeof registrations.$inferSelect;

/** One approved registration carried to the re-run, with its deposit payment (moved with it). */
interface Carried {
  from: RegistrationRow;
  to: RegistrationRow;
  reference: string | null;
  received: number;
}

/**
 * Copies an approved registration to the re-run, approved, and moves its payments (with their
 * credits, which name the payment, and any refund of them) to the copy: the deposit counts as
 * received on the re-run, and each lot's money trail keeps adding up.
 */
async function carryRegistration(
  tx: Tx,
  person: Person,
  from: RegistrationRow,
  rerun: LotRow,
  now: Date,
): Promise<Carried> {
  const [to] = await tx
    .insert(registrations)
    .values({
      lotId: rerun.id,
      pid: from.pid,
      bidderCode: from.bidderCode,
      status: 'approved',
      depositState: from.depositState,
      rulesVersion: from.rulesVersion,
      rulesAcceptedAt: from.rulesAcceptedAt,
      bidderOrganisationId: from.bidderOrganisationId,
      actingRole: from.actingRole,
      authority: from.authority,
      authorisation: from.authorisation,
      approvedBy: person.pid,
      approvedAt: now,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  const carriedFrom = { lotId: from.lotId, registrationId: from.id };
  // The binding of the code to the person, as registering chains it: the re-run's record checks it.
  await appendAudit(tx, {
    actorPid: person.pid,
    action: 'registration.created',
    lotId: rerun.id,
    subject: String(to.id),
    at: now,
    data: {
      ...registrationFacts({
        bidderCode: to.bidderCode,
        personHash: keyOf(to.pid),
        rulesVersion: to.rulesVersion,
        rulesAcceptedAt: to.rulesAcceptedAt,
        organisation: await registrantOrganisationFacts(tx, to),
      }),
      carriedFrom,
    },
  });
  const moved = await tx
    .update(payments)
    .set({ lotId: rerun.id, registrationId: to.id, updatedAt: now })
    .where(eq(payments.registrationId, from.id))
    .returning();
  const movedIds = moved.map((p) => p.id);
  if (movedIds.length) {
    const credits = await tx
      .select({ id: paymentCredits.id })
      .from(paymentCredits)
      .where(inArray(paymentCredits.paymentId, movedIds));
    const creditIds = credits.map((c) => c.id);
    await tx
      .update(refunds)
      .set({ lotId: rerun.id })
      .where(
        creditIds.length
          ? or(inArray(refunds.paymentId, movedIds), inArray(refunds.creditId, creditIds))
          : inArray(refunds.paymentId, movedIds),
      );
  }
  // The suspended lot's registration keeps its place in that lot's record, its deposit shown carried.
  await tx.update(registrations).set({ depositState: 'carried', updatedAt: now }).where(eq(registrations.id, from.id));
  await notify(tx, {
    pid: from.pid,
    kind: 'lot_rerun',
    lotId: rerun.id,
    data: { startsAt: rerun.startsAt.toISOString(), suspendedLotId: from.lotId },
    at: now,
  });
  const deposit = moved.find((p) => p.kind === 'deposit');
  await appendAudit(tx, {
    actorPid: person.pid,
    action: 'registration.approved',
    lotId: rerun.id,
    subject: String(to.id),
    at: now,
    data: {
      bidderCode: to.bidderCode,
      depositState: to.depositState,
      reference: deposit?.reference ?? null,
      amount: deposit?.received ?? 0,
      source: 'carried',
      carriedFrom,
    },
  });
  return { from, to, reference: deposit?.reference ?? null, received: deposit?.received ?? 0 };
}

/** What the cancelled lot's reason says: the suspension's reason and the re-run. */
export function rerunCancelReason(suspensionReason: string | null, rerunId: number): string {
  return `Technical suspension${suspensionReason ? `: ${suspensionReason}` : ''}. Re-run as lot ${rerunId}.`;
}

/**
 * Schedules the re-run of a suspended lot (its manager or an admin): the new lot, published, with the
 * approved registrations and their deposits carried over; the suspended lot cancelled. Returns the
 * new lot.
 */
export async function rerunLot(
  ctx: AppContext,
  person: Person,
  lotId: number,
  input: RerunInput,
): Promise<Result<PublicLot>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (
      tx,
    ): Promise<
      Result<{ rerunId: number; changes: LotChange[]; personal: { pid: string; event: PersonalEvent }[] }>
    > => {
      const lot = await lockLot(tx, lotId);
      const allowed = mayActOnSuspension(person, lot, 'rerun');
      if (!allowed.ok || !lot) return allowed.ok ? refuse('lot_not_found') : allowed;
      const refusal = refuseRerun(lot, now);
      if (refusal) return refusal;
      const planned = rerunTerms(ctx, lot, input, now);
      if ('fields' in planned) return invalid(planned.fields);
      const { terms } = planned;

      const [rerun] = await tx
        .insert(lots)
        .values({
          organisationId: lot.organisationId,
          title: lot.title,
          description: lot.description,
          category: lot.category,
          province: lot.province,
          ...lotSearchColumns(lot),
          status: 'scheduled',
          startingPrice: lot.startingPrice,
          priceStep: lot.priceStep,
          deposit: lot.deposit,
          ...rerunRegistrationWindow(lot),
          startsAt: terms.startsAt,
          endsAt: terms.endsAt,
          scheduledEndsAt: terms.endsAt,
          softCloseWindowSeconds: lot.softCloseWindowSeconds,
          softCloseExtendSeconds: lot.softCloseExtendSeconds,
          ...methodColumns(terms),
          // The same rules, as the carried registrants accepted them (version included).
          rules: lot.rules,
          rulesLanguage: lot.rulesLanguage,
          rulesTranslations: lot.rulesTranslations,
          rulesGenerated: lot.rulesGenerated,
          rulesVersion: lot.rulesVersion,
          managerPid: lot.managerPid,
          rerunOf: lot.id,
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      const window = { startsAt: terms.startsAt.toISOString(), endsAt: terms.endsAt.toISOString() };
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.created',
        lotId: rerun.id,
        at: now,
        data: {
          title: rerun.title,
          startingPrice: rerun.startingPrice,
          priceStep: rerun.priceStep,
          deposit: rerun.deposit,
          ...methodTermsOf(methodColumns(terms)),
          rerunOf: lot.id,
          ...window,
        },
      });
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.published',
        lotId: rerun.id,
        at: now,
        data: { rulesVersion: rerun.rulesVersion, rerunOf: lot.id },
      });

      const approved = await tx
        .select()
        .from(registrations)
        .where(and(eq(registrations.lotId, lot.id), eq(registrations.status, 'approved')))
        .orderBy(asc(registrations.id));
      const carried: Carried[] = [];
      for (const r of approved) carried.push(await carryRegistration(tx, person, r, rerun, now));

      const cancelReason = rerunCancelReason(lot.suspensionReason, rerun.id);
      const [cancelled] = await tx
        .update(lots)
        .set({ status: 'cancelled', cancelReason, closedAt: now, rerunAs: rerun.id, updatedAt: now })
        .where(eq(lots.id, lot.id))
        .returning();
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.rerun_scheduled',
        lotId: lot.id,
        at: now,
        data: {
          rerunAs: rerun.id,
          ...window,
          suspendedAt: lot.suspendedAt?.toISOString() ?? null,
          suspensionReason: lot.suspensionReason,
          carried: carried.map((c) => ({
            bidderCode: c.from.bidderCode,
            registrationId: c.from.id,
            rerunRegistrationId: c.to.id,
            reference: c.reference,
            amount: c.received,
          })),
        },
      });
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.cancelled',
        lotId: lot.id,
        at: now,
        data: { reason: cancelReason, previousStatus: lot.status, rerunAs: rerun.id },
      });
      // The deposits that did not carry over (not approved) are settled as a cancellation settles
      // them; the carried ones moved to the re-run and are not refunded.
      const settled = await settleLot(ctx, tx, cancelled, {
        winnerId: null,
        actorPid: person.pid,
        from: now,
        now,
        carried: new Set(carried.map((c) => c.from.id)),
      });
      await scheduleResultNotice(tx, lot.id, now);

      const changes = [
        lotChange(
          cancelled,
          'cancelled',
          { leaderCode: await bidderCodeOf(tx, cancelled.leaderRegistrationId), winnerCode: null },
          now,
        ),
        lotChange(rerun, 'published', { leaderCode: null, winnerCode: null }, now),
      ];
      const personal = [
        ...settled.refundable.map((r) => registrationChanged(r)),
        ...carried.map((c) => registrationChanged(c.to)),
      ];
      return ok({ rerunId: rerun.id, changes, personal });
    },
  );
  if (!outcome.ok) return outcome;
  for (const change of outcome.value.changes) ctx.events.publish('lot', change);
  for (const p of outcome.value.personal) ctx.events.publish('personal', p);
  return ok((await getPublicLot(ctx, outcome.value.rerunId))!);
}
