// The lot's manager rejects a registration (issue 19): a registration found not to stand (an
// authorisation that does not hold, related registrations: see server/eligibility/relatedness.ts),
// before bidding starts, with a stated reason. A deposit already received, in whole or in part,
// becomes due for refund exactly as a loser's does at the close (settlement.ts refundLoserDeposit):
// the registration `refundable`, the payment `refund_due` with its refund due by the refund deadline,
// the payer told. Audited (`registration.rejected`); the registrant told.
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { registrations, type RegistrationStatus } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify } from '../notifications/outbox.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { depositPaymentsOf } from '../payments/instructions.ts';
import { refundDeadline, refundLoserDeposit } from '../payments/settlement.ts';
import type { PersonalNotice } from '../payments/matching.ts';
import { lockManagedRegistration } from './lot-service.ts';
import { effectiveStatus } from './rules/index.ts';
import type { LotRow } from './rules/status.ts';
import { registrationChanged } from './registration-event.ts';
import { registrationView, type RegistrationView } from './registration-service.ts';

type RegistrationRow = typeof registrations.$inferSelect;

/** The statuses a registration may be rejected from. */
const REJECTABLE: readonly RegistrationStatus[] = ['pending_deposit', 'pending_authorisation', 'approved'];

/**
 * Rejects the registration inside the caller's transaction, which holds the lot's lock: refused
 * (nothing written) unless bidding has not started and the registration is pending or approved.
 */
export async function rejectRegistrationIn(
  ctx: AppContext,
  tx: Tx,
  actorPid: string,
  lot: LotRow,
  reg: RegistrationRow,
  reason: string,
  now: Date,
): Promise<Result<{ row: RegistrationRow; personal: PersonalNotice }>> {
  if (!REJECTABLE.includes(reg.status) || effectiveStatus(lot, now) !== 'scheduled')
    return refuse('registration_not_rejectable', { status: reg.status });
  const deposit = (await depositPaymentsOf(tx, [reg.id])).get(reg.id);
  const owed = await refundLoserDeposit(tx, lot.id, reg, deposit, await refundDeadline(ctx, now, tx), now);
  const [row] = await tx
    .update(registrations)
    .set({ status: 'rejected', updatedAt: now })
    .where(eq(registrations.id, reg.id))
    .returning();
  await appendAudit(tx, {
    actorPid,
    action: 'registration.rejected',
    lotId: lot.id,
    subject: String(reg.id),
    at: now,
    data: {
      bidderCode: reg.bidderCode,
      reason,
      status: reg.status,
      depositState: row.depositState,
      refund: owed?.line ? { amount: owed.line.amount, dueAt: owed.notice?.data.dueAt ?? null } : null,
    },
  });
  await notify(tx, {
    pid: reg.pid,
    kind: 'registration_rejected',
    lotId: lot.id,
    // Not `reason`: the notices' texts read that as a refund's reason.
    data: { bidderCode: reg.bidderCode, decisionReason: reason },
    at: now,
  });
  if (owed?.notice) await notify(tx, owed.notice);
  return ok({ row, personal: registrationChanged(row) });
}

/** The lot's manager rejects a registration with a stated reason (see rejectRegistrationIn). */
export async function rejectRegistration(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  reason: string,
): Promise<Result<RegistrationView>> {
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(async (tx) => {
    const managed = await lockManagedRegistration(tx, person, lotId, registrationId);
    if (!managed.ok) return managed;
    return rejectRegistrationIn(ctx, tx, person.pid, managed.value.lot, managed.value.reg, reason, now);
  });
  if (!outcome.ok) return outcome;
  ctx.events.publish('personal', outcome.value.personal);
  const payment = (await depositPaymentsOf(ctx.db, [registrationId])).get(registrationId);
  return ok(registrationView(outcome.value.row, payment));
}
