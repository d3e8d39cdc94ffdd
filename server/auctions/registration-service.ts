// Registration for a lot: a level-2 person registers inside the registration window, once per lot,
// accepting the lot's published rules (version and time recorded), and gets an anonymous bidder
// code. The lot's manager approves a registration once its deposit is received; only approved
// registrations may bid. Registrations of a lot are serialized on the lot-row lock, so the
// once-per-person and unique-code checks cannot race. Each registration's code, person (keyed hash),
// time and rules version are chained in the audit log (chained-facts.ts).
import { and, eq } from 'drizzle-orm';
import { registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { requireLevel } from '../identity/authorize.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { registrationFacts } from '../audit/chained-facts.ts';
import { personHash } from '../audit/person-hash.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import { freshBidderCode } from './bidder-code.ts';
import type { RegistrationView } from './registration-schemas.ts';
import { lockLot, managesLot, visibleTo } from './lot-service.ts';
import { isOpen, refuseRegistration } from './rules/index.ts';

export type { RegistrationView };

type RegistrationRow = typeof registrations.$inferSelect;
export function registrationView(r: RegistrationRow): RegistrationView {
  return {
    id: r.id,
    lotId: r.lotId,
    bidderCode: r.bidderCode,
    status: r.status,
    depositState: r.depositState,
    rulesVersion: r.rulesVersion,
    rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
  };
}

export async function register(
  ctx: AppContext,
  person: Person,
  lotId: number,
  accepted: { rulesVersion?: number },
): Promise<Result<RegistrationView>> {
  const allowed = requireLevel(person, 2);
  if (!allowed.ok) return allowed;
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<Result<RegistrationRow>> => {
    const lot = await lockLot(tx, lotId);
    if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
    if (lot.managerPid === person.pid) return refuse('manager_cannot_register');
    const outsideWindow = refuseRegistration(lot, now);
    if (outsideWindow) return outsideWindow;
    if (accepted.rulesVersion !== undefined && accepted.rulesVersion !== lot.rulesVersion) {
      return invalid(
        { rulesVersion: fieldError('RULES_CHANGED', { rulesVersion: lot.rulesVersion }) },
        refuse('rules_changed'),
      );
    }
    const existing = await tx
      .select({ pid: registrations.pid, code: registrations.bidderCode })
      .from(registrations)
      .where(eq(registrations.lotId, lotId));
    if (existing.some((r) => r.pid === person.pid)) return refuse('already_registered');
    const bidderCode = freshBidderCode(new Set(existing.map((r) => r.code)));
    const [row] = await tx
      .insert(registrations)
      .values({
        lotId,
        pid: person.pid,
        bidderCode,
        rulesVersion: lot.rulesVersion,
        rulesAcceptedAt: now,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    // The binding of the code to the person goes into the chain (as a keyed hash): a later change of
    // the registration row is then caught by every record built or verified from it.
    const facts = registrationFacts({
      bidderCode,
      personHash: personHash(person.pid),
      rulesVersion: lot.rulesVersion,
      rulesAcceptedAt: now,
    });
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'registration.created',
      lotId,
      subject: String(row.id),
      at: now,
      data: facts,
    });
    return ok(row);
  });
  if (!outcome.ok) return outcome;
  const r = outcome.value;
  ctx.events.publish('personal', {
    pid: person.pid,
    event: { type: 'registration', lotId, registrationId: r.id, status: r.status, depositState: r.depositState },
  });
  return ok(registrationView(r));
}

/** The lot's manager confirms the deposit: the registration is approved and may bid. */
export async function approve(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
): Promise<Result<RegistrationView>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx): Promise<Result<{ row: RegistrationRow; changed: boolean }>> => {
    const lot = await lockLot(tx, lotId);
    if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
    if (!managesLot(person, lot)) return refuse('not_lot_manager');
    const [reg] = await tx
      .select()
      .from(registrations)
      .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
    if (!reg) return refuse('registration_not_found');
    if (reg.status === 'approved') return ok({ row: reg, changed: false });
    if (reg.status !== 'pending_deposit') return refuse('registration_in_status', { status: reg.status });
    if (!isOpen(lot.status)) return refuse('lot_in_status', { status: lot.status });
    const [row] = await tx
      .update(registrations)
      .set({ status: 'approved', depositState: 'received', approvedBy: person.pid, approvedAt: now, updatedAt: now })
      .where(eq(registrations.id, registrationId))
      .returning();
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'registration.approved',
      lotId,
      subject: String(registrationId),
      at: now,
      data: { bidderCode: reg.bidderCode, depositState: 'received' },
    });
    return ok({ row, changed: true });
  });
  if (!outcome.ok) return outcome;
  const { row, changed } = outcome.value;
  if (changed)
    ctx.events.publish('personal', {
      pid: row.pid,
      event: {
        type: 'registration',
        lotId,
        registrationId: row.id,
        status: row.status,
        depositState: row.depositState,
      },
    });
  return ok(registrationView(row));
}

/** The lot's manager records that a refundable deposit was paid back (refundable → refunded). */
export async function markRefunded(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
): Promise<Result<RegistrationView>> {
  const now = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<RegistrationView>> => {
    const lot = await lockLot(tx, lotId);
    if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
    if (!managesLot(person, lot)) return refuse('not_lot_manager');
    const [reg] = await tx
      .select()
      .from(registrations)
      .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
    if (!reg) return refuse('registration_not_found');
    if (reg.depositState === 'refunded') return ok(registrationView(reg));
    if (reg.depositState !== 'refundable') return refuse('deposit_not_refundable', { depositState: reg.depositState });
    const [row] = await tx
      .update(registrations)
      .set({ depositState: 'refunded', updatedAt: now })
      .where(eq(registrations.id, registrationId))
      .returning();
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'deposit.settled',
      lotId,
      subject: String(registrationId),
      at: now,
      data: { depositState: 'refunded', bidderCode: reg.bidderCode },
    });
    return ok(registrationView(row));
  });
}
