// Registration for a lot: a level-2 person registers inside the registration window, once per lot,
// accepting the lot's published rules (version and time recorded), and gets an anonymous bidder
// code. The lot's manager approves a registration once its deposit is received; only approved
// registrations may bid. Registrations of a lot are serialized on the lot-row lock, so the
// once-per-person and unique-code checks cannot race. Each registration's code, person (keyed hash),
// time and rules version are chained in the audit log (chained-facts.ts). Who may not register is
// screened first (Art. 38): the organisation's staff, people the asset's owner bars and people on the
// exclusion list (403 NOT_ELIGIBLE, server/eligibility), people barred by a forfeit (403 BIDDER_BARRED).
import { eq } from 'drizzle-orm';
import { registrations, type AuthoritySource, type OrganisationRole } from '../../db/schema.ts';
import type { Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import {
  ensureBidderOrganisation,
  noteClaimedOrganisation,
  type BidderOrganisationRow,
} from '../organisations/bidders.ts';
import type { Person } from '../identity/person.ts';
import { requireLevel } from '../identity/authorize.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { registrationFacts } from '../audit/chained-facts.ts';
import { keyOf } from '../privacy/personal-data.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import { freshBidderCode } from './bidder-code.ts';
import type { DepositReceivedView, OnBehalfOfView, RegistrationView } from './registration-schemas.ts';
import { ensureDepositPayment, paymentView, type PaymentRow } from '../payments/instructions.ts';
import { recordDepositByHand, type ManualDeposit } from '../payments/manual-entry.ts';
import { activeBar } from '../payments/bars.ts';
import { exclusionRefusal } from '../eligibility/screening.ts';
import { dueDepositRefund, recordRefundSent } from '../payments/refunds.ts';
import { lockLot, lockManagedRegistration, visibleTo } from './lot-service.ts';
import { refuseRegistration } from './rules/index.ts';
import { registrationChanged } from './registration-event.ts';

export type { RegistrationView };

type RegistrationRow = typeof registrations.$inferSelect;
/** An organisation's registration's organisation, as stored (issue 19). */
export type RegistrantOrganisation = Pick<BidderOrganisationRow, 'identifier' | 'name'>;

/**
 * A registration as its registrant sees it. An organisation's registration carries `onBehalfOf`; its
 * identifier and name only when `organisation` is given (withheld from the lot's manager before the end).
 */
export function registrationView(
  r: RegistrationRow,
  payment?: PaymentRow,
  organisation?: RegistrantOrganisation,
): RegistrationView {
  return {
    id: r.id,
    lotId: r.lotId,
    bidderCode: r.bidderCode,
    status: r.status,
    depositState: r.depositState,
    rulesVersion: r.rulesVersion,
    rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
    ...(payment ? { payment: paymentView(payment) } : {}),
    ...onBehalfOfView(r, organisation),
  };
}

/** The `onBehalfOf` of an organisation's registration (nothing for a person's own). */
export function onBehalfOfView(
  r: Pick<RegistrationRow, 'bidderOrganisationId' | 'actingRole' | 'authority' | 'authorisation'>,
  organisation?: RegistrantOrganisation,
): { onBehalfOf?: OnBehalfOfView } {
  if (r.bidderOrganisationId === null || !r.actingRole || !r.authority || !r.authorisation) return {};
  return {
    onBehalfOf: {
      ...(organisation ? { identifier: organisation.identifier, name: organisation.name } : {}),
      role: r.actingRole,
      authority: r.authority,
      authorisation: r.authorisation,
    },
  };
}

/** For whom a person registers: themselves (absent), or an organisation they act for (issue 19). */
export interface OnBehalfOfInput {
  identifier: string;
  /** Needed only when the person's e-ID does not say they act for this organisation (a document will). */
  name?: string;
  role?: OrganisationRole;
}

export async function register(
  ctx: AppContext,
  person: Person,
  lotId: number,
  accepted: { rulesVersion?: number; onBehalfOf?: OnBehalfOfInput },
): Promise<Result<RegistrationView>> {
  const allowed = requireLevel(person, 2);
  if (!allowed.ok) return allowed;
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (
      tx,
    ): Promise<Result<{ row: RegistrationRow; payment: PaymentRow; organisation?: RegistrantOrganisation }>> => {
      const lot = await lockLot(tx, lotId);
      if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
      // The organisation's own staff may not bid on its lots (Art. 38): its managers, whoever created it.
      if (lot.managerPid === person.pid || person.organisations.includes(lot.organisationId))
        return refuse('manager_cannot_register');
      // Those the asset's owner bars from the lot, and those on the exclusion list (Art. 38): 403 NOT_ELIGIBLE.
      const ineligible = await exclusionRefusal(tx, person.pid, lot, now);
      if (ineligible) return ineligible;
      const bar = await activeBar(tx, person.pid, lot.category, now);
      if (bar) return refuse('person_barred', { category: lot.category, until: bar.endsAt.toISOString() });
      const outsideWindow = refuseRegistration(lot, now);
      if (outsideWindow) return outsideWindow;
      if (accepted.rulesVersion !== undefined && accepted.rulesVersion !== lot.rulesVersion) {
        return invalid(
          { rulesVersion: fieldError('RULES_CHANGED', { rulesVersion: lot.rulesVersion }) },
          refuse('rules_changed'),
        );
      }
      // Whom the person's e-ID says they act for is noted at every registration: relatedness flags read it.
      const claimed = await noteClaimedOrganisation(tx, person, now);
      const seat = accepted.onBehalfOf
        ? await organisationSeat(tx, person, accepted.onBehalfOf, claimed, now)
        : undefined;
      if (seat && !seat.ok) return seat;
      const organisation = seat?.value;
      // A bar from a forfeit follows whoever defaulted: the organisation, for its registrations.
      const organisationBar = organisation && (await activeBar(tx, person.pid, lot.category, now, organisation.org.id));
      if (organisationBar)
        return refuse('organisation_barred', {
          organisation: organisation.org.identifier,
          category: lot.category,
          until: organisationBar.endsAt.toISOString(),
        });
      const existing = await tx
        .select({
          pid: registrations.pid,
          code: registrations.bidderCode,
          organisationId: registrations.bidderOrganisationId,
        })
        .from(registrations)
        .where(eq(registrations.lotId, lotId));
      if (organisation) {
        if (existing.some((r) => r.organisationId === organisation.org.id))
          return refuse('organisation_already_registered', { organisation: organisation.org.identifier });
      } else if (existing.some((r) => r.pid === person.pid && r.organisationId === null))
        return refuse('already_registered');
      const bidderCode = freshBidderCode(new Set(existing.map((r) => r.code)));
      const [row] = await tx
        .insert(registrations)
        .values({
          lotId,
          pid: person.pid,
          bidderCode,
          rulesVersion: lot.rulesVersion,
          rulesAcceptedAt: now,
          ...(organisation
            ? {
                bidderOrganisationId: organisation.org.id,
                actingRole: organisation.role,
                authority: organisation.authority,
                authorisation: organisation.authority === 'eid' ? 'verified' : 'awaiting_document',
              }
            : {}),
          createdAt: now,
          updatedAt: now,
        })
        .returning();
      // The binding of the code to the person (and to the organisation they act for) goes into the
      // chain (as a keyed hash): a later change of the registration row is then caught by every record
      // built or verified from it.
      const facts = registrationFacts({
        bidderCode,
        personHash: keyOf(person.pid),
        rulesVersion: lot.rulesVersion,
        rulesAcceptedAt: now,
        organisation: organisation && {
          identifier: organisation.org.identifier,
          role: organisation.role,
          authority: organisation.authority,
        },
      });
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'registration.created',
        lotId,
        subject: String(row.id),
        at: now,
        data: facts,
      });
      // The deposit's payment instruction: the lot's deposit, the house's account, a transfer reference,
      // due when registration closes (server/payments/instructions.ts).
      const payment = await ensureDepositPayment(tx, ctx.config.money, row, lot, now);
      return ok({ row, payment, organisation: organisation?.org });
    },
  );
  if (!outcome.ok) return outcome;
  const { row: r, payment, organisation } = outcome.value;
  ctx.events.publish('personal', registrationChanged(r));
  return ok(registrationView(r, payment, organisation));
}

/**
 * The organisation a registration is for, and the registering person's authority: their e-ID's
 * claims when they name this organisation, else an authorisation document to come, for which the
 * organisation's name and the person's role must be given.
 */
async function organisationSeat(
  tx: Tx,
  person: Person,
  wanted: OnBehalfOfInput,
  claimed: BidderOrganisationRow | undefined,
  now: Date,
): Promise<Result<{ org: BidderOrganisationRow; role: OrganisationRole; authority: AuthoritySource }>> {
  if (claimed && person.representing && claimed.identifier === wanted.identifier)
    return ok({ org: claimed, role: person.representing.role, authority: 'eid' });
  const missing = {
    ...(wanted.name ? {} : { 'onBehalfOf.name': fieldError('REQUIRED') }),
    ...(wanted.role ? {} : { 'onBehalfOf.role': fieldError('REQUIRED') }),
  };
  if (!wanted.name || !wanted.role) return invalid(missing, refuse('authorisation_details_required'));
  const org = await ensureBidderOrganisation(tx, { identifier: wanted.identifier, name: wanted.name }, 'document', now);
  return ok({ org, role: wanted.role, authority: 'document' });
}

/**
 * The lot's manager confirms the deposit ("deposit received"): with details, the amount and the bank's
 * reference, confirmed; without (a v1 client), the outstanding deposit. Recorded as a manual credit
 * through the payments' matching (server/payments/manual-entry.ts); received in full, the
 * registration is approved and may bid.
 */
export async function approve(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  details?: ManualDeposit,
): Promise<Result<DepositReceivedView>> {
  const result = await recordDepositByHand(ctx, person, lotId, registrationId, details, registrationView);
  if (!result.ok) return result;
  return ok({ ...result.value.registration, credit: result.value.credit });
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
    const managed = await lockManagedRegistration(tx, person, lotId, registrationId);
    if (!managed.ok) return managed;
    const { reg } = managed.value;
    if (reg.depositState === 'refunded') return ok(registrationView(reg));
    if (reg.depositState !== 'refundable') return refuse('deposit_not_refundable', { depositState: reg.depositState });
    // A deposit refund the platform tracks is confirmed through it (server/payments/refunds.ts).
    const refund = await dueDepositRefund(tx, registrationId);
    if (refund) {
      await recordRefundSent(tx, person.pid, refund, { bankReference: null, sentAt: now }, now);
      const [after] = await tx.select().from(registrations).where(eq(registrations.id, registrationId));
      return ok(registrationView(after));
    }
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
