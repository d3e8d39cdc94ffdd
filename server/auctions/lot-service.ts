// Lot lifecycle for managers: create, edit (until registration opens), publish, cancel. Every change
// is one transaction with its audit event, under the lot-row lock that the bid path and the closing
// scheduler also take, so a cancellation can never interleave with a bid batch or a close.
import { and, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import type { LotChange, PersonalEvent } from '../shared/events.ts';
import { getPublicLot, lotChange, type LotRow, type PublicLot } from './public-lot.ts';
import type { CreateLotInput, UpdateLotInput } from './lot-schemas.ts';
import { resolveLotTerms, type LotTerms } from './lot-validation.ts';
import { methodColumns, methodTermsOf } from './lot-method.ts';
import { managerRules, platformRules, rulesAfterEdit } from './lot-rules.ts';
import { lotSearchColumns } from './lot-search-columns.ts';
import { canTransition, termsEditable } from './rules/index.ts';
import { registrationChanged } from './registration-event.ts';
import { settleLot } from '../payments/settlement.ts';
import { lockLot } from './lot-lock.ts';
import { scheduleResultNotice } from '../results/schedule.ts';

/** The lot's row lock (lot-lock.ts), for the callers that take it with the rest of the lot service. */
export { lockLot };

/**
 * True when this person manages this lot: a manager of the auction organisation running it (issue 19);
 * an organisation's managers share its lots.
 */
export function managesLot(person: Person | undefined, lot: Pick<LotRow, 'organisationId'>): boolean {
  return !!person && person.roles.includes('manager') && person.organisations.includes(lot.organisationId);
}

/** True when this person oversees this lot as a regulator: the whole country, or a scope covering its organisation. */
export function regulatesLot(person: Person | undefined, lot: Pick<LotRow, 'organisationId'>): boolean {
  return (
    !!person &&
    person.roles.includes('regulator') &&
    (person.scope === null || person.scope.organisations.includes(lot.organisationId))
  );
}

/** Regulators whose scope covers the lot, and admins. */
export function overseesLot(person: Person | undefined, lot: Pick<LotRow, 'organisationId'>): boolean {
  return regulatesLot(person, lot) || !!person?.roles.includes('admin');
}

/** Managers of the lot, regulators whose scope covers it and admins may see a lot before it is published. */
export function maySeeDraft(person: Person | undefined, lot: Pick<LotRow, 'organisationId'>): boolean {
  return managesLot(person, lot) || overseesLot(person, lot);
}

/** Whether the lot exists for this person: a draft only for those who may see drafts (others get "not found"). */
export function visibleTo(person: Person | undefined, lot: Pick<LotRow, 'organisationId' | 'status'>): boolean {
  return lot.status !== 'draft' || maySeeDraft(person, lot);
}

/** The bidder code of a registration (a lot's leader or winner), read in the caller's transaction. */
export async function bidderCodeOf(tx: Db | Tx, registrationId: number | null): Promise<string | null> {
  if (registrationId === null) return null;
  const [r] = await tx
    .select({ code: registrations.bidderCode })
    .from(registrations)
    .where(eq(registrations.id, registrationId));
  return r?.code ?? null;
}

/**
 * The lot (locked) and one of its registrations, for its manager: refused as lot_not_found,
 * not_lot_manager or registration_not_found otherwise.
 */
export async function lockManagedRegistration(
  tx: Tx,
  person: Person,
  lotId: number,
  registrationId: number,
): Promise<Result<{ lot: LotRow; reg: typeof registrations.$inferSelect }>> {
  const lot = await lockLot(tx, lotId);
  if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
  if (!managesLot(person, lot)) return refuse('not_lot_manager');
  const [reg] = await tx
    .select()
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
  if (!reg) return refuse('registration_not_found');
  return ok({ lot, reg });
}

function terms(t: LotTerms): Record<string, unknown> {
  return {
    startingPrice: t.startingPrice,
    priceStep: t.priceStep,
    deposit: t.deposit,
    registrationOpensAt: t.registrationOpensAt,
    registrationClosesAt: t.registrationClosesAt,
    startsAt: t.startsAt,
    endsAt: t.endsAt,
    scheduledEndsAt: t.endsAt,
    softCloseWindowSeconds: t.softClose?.windowSeconds ?? null,
    softCloseExtendSeconds: t.softClose?.extendSeconds ?? null,
    ...methodColumns(t),
  };
}

/**
 * The organisation a new lot belongs to: the one named, which the manager must manage; without one,
 * the manager's only organisation. 403 no_organisation for a manager of none; 422 when they manage
 * several and named none.
 */
function organisationFor(person: Person, named: number | undefined): Result<number> {
  if (named !== undefined)
    return person.organisations.includes(named)
      ? ok(named)
      : refuse('not_organisation_manager', { organisationId: named });
  if (person.organisations.length === 1) return ok(person.organisations[0]);
  if (person.organisations.length === 0) return refuse('no_organisation');
  return invalid({ organisationId: fieldError('ORGANISATION_REQUIRED', { count: person.organisations.length }) });
}

export async function createLot(ctx: AppContext, person: Person, input: CreateLotInput): Promise<Result<PublicLot>> {
  const now = ctx.clock.now();
  const organisation = organisationFor(person, input.organisationId);
  if (!organisation.ok) return organisation;
  const { terms: lotTerms, fields } = resolveLotTerms(ctx.config.policy, input, now);
  if (!lotTerms || Object.keys(fields).length) return invalid(fields);
  const id = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .insert(lots)
      .values({
        organisationId: organisation.value,
        title: input.title,
        description: input.description,
        category: input.category ?? 'other',
        province: input.province ?? null,
        ...lotSearchColumns({ ...input, category: input.category ?? 'other' }),
        ...(terms(lotTerms) as Pick<
          LotRow,
          | 'startingPrice'
          | 'priceStep'
          | 'deposit'
          | 'registrationOpensAt'
          | 'registrationClosesAt'
          | 'startsAt'
          | 'endsAt'
          | 'scheduledEndsAt'
        >),
        ...(input.rules !== undefined
          ? managerRules(input.rules, input.rulesLanguage)
          : platformRules(ctx.config.policy, lotTerms)),
        rulesVersion: 1,
        managerPid: person.pid,
        createdAt: now,
        updatedAt: now,
      })
      .returning({ id: lots.id });
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot.created',
      lotId: row.id,
      at: now,
      data: {
        title: input.title,
        startingPrice: input.startingPrice,
        priceStep: input.priceStep,
        deposit: input.deposit,
        // The method and its parameters in the chain: a record's terms can be checked against it.
        ...methodTermsOf(methodColumns(lotTerms)),
      },
    });
    return row.id;
  });
  return ok((await getPublicLot(ctx, id, { includeDraft: true }))!);
}

export async function updateLot(
  ctx: AppContext,
  person: Person,
  lotId: number,
  input: UpdateLotInput,
): Promise<Result<PublicLot>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<Result<null>> => {
    const row = await lockLot(tx, lotId);
    if (!row || (row.status === 'draft' && !maySeeDraft(person, row))) return refuse('lot_not_found');
    if (!managesLot(person, row)) return refuse('not_lot_manager');
    if (!termsEditable(row, now)) return refuse('lot_not_editable');
    const methodChanged = input.method !== undefined && input.method !== row.method;
    const current: LotTerms = {
      ...row,
      // A new method drops the old one's parameters.
      ...(methodChanged ? methodTermsOf(methodColumns({ method: input.method })) : methodTermsOf(row)),
      softClose:
        row.softCloseWindowSeconds && row.softCloseExtendSeconds
          ? { windowSeconds: row.softCloseWindowSeconds, extendSeconds: row.softCloseExtendSeconds }
          : null,
    };
    // A descending lot's end follows its schedule: worked out again unless the edit gives one.
    const edited = { ...current, ...stripUndefined(input) };
    const { terms: merged, fields } = resolveLotTerms(
      ctx.config.policy,
      row.method === 'descending' || input.method === 'descending' ? { ...edited, endsAt: input.endsAt } : edited,
      now,
    );
    if (!merged || Object.keys(fields).length) return invalid(fields);
    const rules = rulesAfterEdit(ctx.config.policy, row, merged, input);
    await tx
      .update(lots)
      .set({
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.category !== undefined ? { category: input.category } : {}),
        ...(input.province !== undefined ? { province: input.province } : {}),
        // The search columns follow the title, description, category and province (lot-search.ts).
        ...lotSearchColumns({
          title: input.title ?? row.title,
          description: input.description ?? row.description,
          category: input.category ?? row.category,
          province: input.province === undefined ? row.province : input.province,
        }),
        ...(terms(merged) as Partial<LotRow>),
        ...(rules ?? {}),
        updatedAt: now,
      })
      .where(eq(lots.id, lotId));
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot.updated',
      lotId,
      at: now,
      data: { changed: Object.keys(stripUndefined(input)), ...methodTermsOf(methodColumns(merged)) },
    });
    return ok(null);
  });
  if (!outcome.ok) return outcome;
  return ok((await getPublicLot(ctx, lotId, { includeDraft: true }))!);
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export async function publishLot(ctx: AppContext, person: Person, lotId: number): Promise<Result<PublicLot>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<Result<LotRow>> => {
    const row = await lockLot(tx, lotId);
    if (!row || (row.status === 'draft' && !maySeeDraft(person, row))) return refuse('lot_not_found');
    if (!managesLot(person, row)) return refuse('not_lot_manager');
    if (!canTransition(row.status, 'scheduled')) return refuse('lot_already_in_status', { status: row.status });
    if (row.registrationClosesAt <= now)
      return invalid({ registrationClosesAt: fieldError('NOT_IN_FUTURE') }, refuse('registration_window_over'));
    const [updated] = await tx
      .update(lots)
      .set({ status: 'scheduled', updatedAt: now })
      .where(eq(lots.id, lotId))
      .returning();
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot.published',
      lotId,
      at: now,
      data: { rulesVersion: row.rulesVersion },
    });
    return ok(updated);
  });
  if (!outcome.ok) return outcome;
  ctx.events.publish('lot', lotChange(outcome.value, 'published', { leaderCode: null, winnerCode: null }, now));
  return ok((await getPublicLot(ctx, lotId))!);
}

export async function cancelLot(
  ctx: AppContext,
  person: Person,
  lotId: number,
  reason: string,
): Promise<Result<PublicLot>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ change: LotChange; personal: { pid: string; event: PersonalEvent }[] }>> => {
      const row = await lockLot(tx, lotId);
      if (!row || (row.status === 'draft' && !maySeeDraft(person, row))) return refuse('lot_not_found');
      if (!managesLot(person, row)) return refuse('not_lot_manager');
      if (!canTransition(row.status, 'cancelled')) return refuse('lot_already_in_status', { status: row.status });
      const [updated] = await tx
        .update(lots)
        .set({ status: 'cancelled', cancelReason: reason, closedAt: now, updatedAt: now })
        .where(eq(lots.id, lotId))
        .returning();
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'lot.cancelled',
        lotId,
        at: now,
        data: { reason, previousStatus: row.status },
      });
      // Every deposit received becomes due for refund (server/payments/settlement.ts).
      const settled = await settleLot(ctx, tx, updated, { winnerId: null, actorPid: person.pid, from: now, now });
      if (row.status !== 'draft') await scheduleResultNotice(tx, lotId, now); // a published lot's result notice
      const change = lotChange(
        updated,
        'cancelled',
        { leaderCode: await bidderCodeOf(tx, updated.leaderRegistrationId), winnerCode: null },
        now,
      );
      // Each bidder's page shows at once that their deposit is to be refunded.
      const personal = settled.refundable.map((r) => registrationChanged(r));
      return ok({ change, personal });
    },
  );
  if (!outcome.ok) return outcome;
  ctx.events.publish('lot', outcome.value.change);
  for (const p of outcome.value.personal) ctx.events.publish('personal', p);
  return ok((await getPublicLot(ctx, lotId))!);
}
