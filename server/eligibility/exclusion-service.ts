// The exclusion list (issue 19; Law on Property Auction, Art. 38): people who may not bid, with a
// reason, a source and an end date (none: until lifted). An entry covers every lot on the platform
// (organisationId null) or one organisation's lots. Who may add and lift an entry: admins and
// regulators for the whole country any; a regulator scoped to a province, entries of its
// organisations; a manager, entries of their own organisations. Who sees entries: the same people,
// and every staff member sees the platform-wide ones. Entries are lifted, never deleted; adding and
// lifting are audited in the same transaction (subject: the person's id, chained as its hash).
import { and, desc, eq, inArray, isNotNull, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { exclusions, organisations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { ensurePerson } from '../identity/people.ts';
import { personKey, revealPeople, type RevealedPerson } from '../privacy/personal-data.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError, type FieldErrorMap } from '../shared/field-errors.ts';
import { isRowId } from '../shared/validation.ts';
import type { AddExclusionInput, Exclusion, ExclusionQueryInput } from './eligibility-schemas.ts';
import { inForce, isInForce, type ExclusionRow } from './screening.ts';

/**
 * An entry as shown: its person keys (the person, who added it, who lifted it) revealed to their
 * 12-digit numbers and the person's name. Once a person's identity is shredded their number reads ''
 * where the contract wants one (the entry stays listed) and their name null.
 */
const view = (r: ExclusionRow, who: Map<string, RevealedPerson>, now: Date): Exclusion => ({
  id: r.id,
  pid: who.get(r.pid)?.pid ?? '',
  name: who.get(r.pid)?.name ?? null,
  organisationId: r.organisationId,
  reason: r.reason,
  source: r.source,
  endsAt: r.endsAt?.toISOString() ?? null,
  active: isInForce(r, now),
  createdBy: who.get(r.createdBy)?.pid ?? '',
  createdAt: r.createdAt.toISOString(),
  liftedBy: r.liftedBy === null ? null : (who.get(r.liftedBy)?.pid ?? ''),
  liftedAt: r.liftedAt?.toISOString() ?? null,
});

/** The entries as shown, their people revealed in one batch. */
async function views(q: Db | Tx, rows: ExclusionRow[], now: Date): Promise<Exclusion[]> {
  const who = await revealPeople(
    q,
    rows.flatMap((r) => [r.pid, r.createdBy, r.liftedBy]),
  );
  return rows.map((r) => view(r, who, now));
}

const isAdmin = (p: Person): boolean => p.roles.includes('admin');
const isCountryRegulator = (p: Person): boolean => p.roles.includes('regulator') && p.scope === null;

/** The organisations whose entries the person sees and keeps besides the platform-wide ones (all: undefined). */
function organisationsOf(person: Person): number[] | undefined {
  if (isAdmin(person) || isCountryRegulator(person)) return undefined;
  const ids = new Set<number>();
  if (person.roles.includes('manager')) for (const id of person.organisations) ids.add(id);
  if (person.roles.includes('regulator') && person.scope) for (const id of person.scope.organisations) ids.add(id);
  return [...ids];
}

/** Whether the person sees an entry: every staff member sees the platform-wide ones. */
function sees(person: Person, organisationId: number | null): boolean {
  const mine = organisationsOf(person);
  return mine === undefined || organisationId === null || mine.includes(organisationId);
}

/** Whether the person may add or lift an entry covering `organisationId` (null: every lot). */
export function mayKeep(person: Person, organisationId: number | null): Result<Person> {
  const mine = organisationsOf(person);
  if (mine === undefined) return ok(person);
  if (organisationId === null) return refuse('exclusion_platform_wide');
  if (mine.includes(organisationId)) return ok(person);
  if (person.roles.includes('regulator')) return refuse('outside_scope', { province: person.scope?.province ?? null });
  return refuse('not_organisation_manager', { organisationId });
}

/** The condition of the entries the person sees (undefined: all). */
function visibleWhere(person: Person): SQL | undefined {
  const mine = organisationsOf(person);
  if (mine === undefined) return undefined;
  return mine.length
    ? or(isNull(exclusions.organisationId), inArray(exclusions.organisationId, mine))
    : isNull(exclusions.organisationId);
}

export async function listExclusions(
  ctx: AppContext,
  person: Person,
  query: ExclusionQueryInput,
): Promise<Result<{ items: Exclusion[] }>> {
  const now = ctx.clock.now();
  const rows = await ctx.db
    .select()
    .from(exclusions)
    .where(
      and(
        visibleWhere(person),
        query.pid ? eq(exclusions.pid, personKey(query.pid)) : undefined,
        query.active === 'true' ? inForce(now) : undefined,
        query.active === 'false' ? or(isNotNull(exclusions.liftedAt), lte(exclusions.endsAt, now)) : undefined,
      ),
    )
    .orderBy(desc(exclusions.createdAt), desc(exclusions.id))
    .limit(query.limit)
    .offset(query.offset);
  return ok({ items: await views(ctx.db, rows, now) });
}

/** One entry as the person sees it (404 exclusion_not_found when they do not see it). */
async function visibleEntry(ctx: AppContext, person: Person, id: number): Promise<Result<ExclusionRow>> {
  const [row] = isRowId(id) ? await ctx.db.select().from(exclusions).where(eq(exclusions.id, id)) : [];
  return row && sees(person, row.organisationId) ? ok(row) : refuse('exclusion_not_found');
}

/** Whether the person may lift entry `id` (before its body is read: the route's guard). */
export async function mayLift(ctx: AppContext, person: Person, id: number): Promise<Result<Person>> {
  const entry = await visibleEntry(ctx, person, id);
  return entry.ok ? mayKeep(person, entry.value.organisationId) : entry;
}

/**
 * The organisation the new entry covers: the one named (null: every lot); without one, every lot for
 * regulators and admins, and the manager's only organisation for a manager (a field error when they
 * manage several).
 */
async function targetOf(
  ctx: AppContext,
  person: Person,
  named: number | null | undefined,
): Promise<Result<number | null>> {
  const staff = isAdmin(person) || person.roles.includes('regulator');
  let organisationId: number | null;
  if (named !== undefined) organisationId = named;
  else if (staff) organisationId = null;
  else if (person.organisations.length === 1) organisationId = person.organisations[0];
  else if (person.organisations.length === 0) return refuse('no_organisation');
  else
    return invalid({
      organisationId: fieldError('EXCLUSION_ORGANISATION_REQUIRED', { count: person.organisations.length }),
    });
  const allowed = mayKeep(person, organisationId);
  if (!allowed.ok) return allowed;
  if (organisationId !== null) {
    const [org] = await ctx.db
      .select({ id: organisations.id })
      .from(organisations)
      .where(eq(organisations.id, organisationId));
    if (!org) return refuse('organisation_not_found');
  }
  return ok(organisationId);
}

export async function addExclusion(
  ctx: AppContext,
  person: Person,
  input: AddExclusionInput,
): Promise<Result<Exclusion>> {
  const now = ctx.clock.now();
  // Who may add it first (403, 404), then the fields together (422).
  const target = await targetOf(ctx, person, input.organisationId);
  if (!target.ok && !target.fieldErrors) return target;
  const fields: FieldErrorMap = { ...(target.ok ? {} : target.fieldErrors) };
  if (input.endsAt && input.endsAt.getTime() <= now.getTime()) fields.endsAt = fieldError('NOT_IN_FUTURE');
  if (!target.ok || Object.keys(fields).length) return invalid(fields);
  const organisationId = target.value;
  return ctx.db.transaction(async (tx) => {
    // The person named may never have signed in: their number is sealed now, to be shown later.
    const pid = await ensurePerson(tx, { pid: input.pid, name: null, level: 1 }, now);
    const [row] = await tx
      .insert(exclusions)
      .values({
        pid,
        organisationId,
        reason: input.reason,
        source: input.source,
        endsAt: input.endsAt ?? null,
        createdBy: person.pid,
        createdAt: now,
      })
      .returning();
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'exclusion.added',
      subject: pid,
      data: {
        exclusionId: row.id,
        organisationId,
        reason: row.reason,
        source: row.source,
        endsAt: row.endsAt?.toISOString() ?? null,
      },
      at: now,
    });
    const [shown] = await views(tx, [row], now);
    return ok(shown);
  });
}

export async function liftExclusion(
  ctx: AppContext,
  person: Person,
  id: number,
  note: string | undefined,
): Promise<Result<Exclusion>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<Exclusion>> => {
    const [before] = isRowId(id) ? await tx.select().from(exclusions).where(eq(exclusions.id, id)).for('update') : [];
    if (!before || !sees(person, before.organisationId)) return refuse('exclusion_not_found');
    const allowed = mayKeep(person, before.organisationId);
    if (!allowed.ok) return allowed;
    if (before.liftedAt) return refuse('exclusion_already_lifted');
    const [row] = await tx
      .update(exclusions)
      .set({ liftedBy: person.pid, liftedAt: now })
      .where(eq(exclusions.id, id))
      .returning();
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'exclusion.lifted',
      subject: row.pid,
      data: { exclusionId: id, organisationId: row.organisationId, ...(note ? { note } : {}) },
      at: now,
    });
    const [shown] = await views(tx, [row], now);
    return ok(shown);
  });
}
