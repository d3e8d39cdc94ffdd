// Reading registrations. A lot's registration list goes to its manager and to regulators, but who is
// behind each bidder code (personal id and name) only to regulators, and to the manager once the lot
// has ended (closed, failed, cancelled): before that a manager colluding with one bidder could tell
// them who the rivals are. Every read that shows identities is written to the audit log with the
// purpose the reader stated (or none) and every person shown, and each of them sees it in "who viewed
// my data" (server/audit/identity-reads.ts); once the lot's identities are past their retention
// (server/audit/identity-retention.ts) nobody sees them. A person sees their own registrations with
// the lot, their bids and the outcome ("my auctions").
import { and, asc, desc, eq, inArray, or } from 'drizzle-orm';
import { auditEvents, bidderOrganisations, ledgerEntries, lots, registrations } from '../../db/schema.ts';
import { isPersonKey, revealPeople } from '../privacy/personal-data.ts';
import { onBehalfOfView, type RegistrantOrganisation } from './registration-service.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { noteIdentityRead } from '../audit/identity-reads.ts';
import { identitiesReadableUntil } from '../audit/identity-retention.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { getLotRow } from './public-lot.ts';
import { effectiveStatus, isEnded } from './rules/index.ts';
import { managesLot, regulatesLot } from './lot-service.ts';
import { depositPaymentsOf, paymentView, type PaymentRow } from '../payments/instructions.ts';
import { refundsOfRegistrations } from '../payments/refunds.ts';
import type { IdentityRead, LotRegistrationItem, LotRegistrationList, MyRegistration } from './registration-schemas.ts';

export type { IdentityRead, LotRegistrationItem, LotRegistrationList, MyRegistration };

/**
 * The manager's explicit reads of one registration's identity: GET …/identity, and the read of its
 * authorisation document (issue 19), which shows who it authorises.
 */
const IDENTITY_READS = ['registration.identity_viewed', 'authorisation.document_viewed'] as const;

type RegistrationRow = typeof registrations.$inferSelect;
/** An organisation's registration shows it is one; the organisation only where identities are shown. */
const item = (r: RegistrationRow, organisation?: RegistrantOrganisation): LotRegistrationItem => ({
  ...onBehalfOfView(r, organisation),
  id: r.id,
  bidderCode: r.bidderCode,
  status: r.status,
  depositState: r.depositState,
  rulesVersion: r.rulesVersion,
  rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
  createdAt: r.createdAt.toISOString(),
  approvedAt: r.approvedAt?.toISOString() ?? null,
});
/** An item with its deposit's payment (the transfer reference identifies the deposit transfer), when it has one. */
function withPayment(it: LotRegistrationItem, payment: PaymentRow | undefined): LotRegistrationItem {
  return payment ? { ...it, payment: paymentView(payment) } : it;
}

/**
 * One registration as the lot's manager sees it before the lot has ended: code, statuses, times and
 * its deposit's payment, no pid or name.
 */
export const hiddenRegistrationItem = (r: RegistrationRow, payment?: PaymentRow): LotRegistrationItem =>
  withPayment(item(r), payment);

/**
 * A lot's registrations for its manager or a regulator. The manager of a lot that has not ended gets
 * codes, statuses, deposit states and payments only (the payment's transfer reference identifies
 * the deposit transfer), and so does everyone once the lot's identities are past their retention.
 * Identities are read and audited in one transaction (with the purpose stated, null for none, and
 * every person shown), so a read that could not be audited shows nothing.
 */
export async function listLotRegistrations(
  ctx: AppContext,
  person: Person,
  lotId: number,
  purpose: string | null = null,
): Promise<Result<LotRegistrationList>> {
  const lot = await getLotRow(ctx.db, lotId);
  const regulator = !!lot && regulatesLot(person, lot);
  const manager = !!lot && managesLot(person, lot);
  if (!lot || (lot.status === 'draft' && !manager && !regulator)) return refuse('lot_not_found');
  if (!manager && !regulator) return refuse('not_lot_manager_or_regulator');
  const now = ctx.clock.now();
  const period = await identitiesReadableUntil(ctx, ctx.db, lot, now);
  const retention = period
    ? { retention: { finalAt: period.finalAt.toISOString(), identitiesReadableUntil: period.until.toISOString() } }
    : {};
  const expired = !!period && now.getTime() >= period.until.getTime();
  // Once the lot has ended (bidding can never resume) the manager may see identities.
  if ((!regulator && !isEnded(lot.status)) || expired) {
    const rows = await ctx.db
      .select()
      .from(registrations)
      .where(eq(registrations.lotId, lotId))
      .orderBy(asc(registrations.id));
    const paid = await depositPaymentsOf(
      ctx.db,
      rows.map((r) => r.id),
    );
    return ok({ identities: 'hidden', ...retention, items: rows.map((r) => withPayment(item(r), paid.get(r.id))) });
  }
  const items = await ctx.db.transaction(async (tx) => {
    const rows = await tx
      .select({ r: registrations, org: bidderOrganisations })
      .from(registrations)
      .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
      .where(eq(registrations.lotId, lotId))
      .orderBy(asc(registrations.id));
    const reads = regulator
      ? await tx
          .select()
          .from(auditEvents)
          .where(and(eq(auditEvents.lotId, lotId), inArray(auditEvents.action, [...IDENTITY_READS])))
          .orderBy(asc(auditEvents.id))
      : [];
    await noteIdentityRead(tx, {
      actorPid: person.pid,
      action: 'registrations.viewed',
      lotId,
      purpose,
      // Everyone the list names: each registrant (the person who registered, for an organisation too).
      subjectPids: rows.map(({ r }) => r.pid),
      role: regulator ? 'regulator' : 'manager',
      at: now,
      data: { lotStatus: lot.status, count: rows.length },
    });
    const paid = await depositPaymentsOf(
      tx,
      rows.map(({ r }) => r.id),
    );
    // The page's people (registrants, and the managers whose reads a regulator sees), opened at once.
    const shown = await revealPeople(tx, [...rows.map(({ r }) => r.pid), ...reads.map((e) => e.actorPid)]);
    return rows.map(({ r, org }): LotRegistrationItem => {
      const who = shown.get(r.pid);
      // A shredded person (their retention ended) shows without pid and name, as a hidden item.
      const identity = who?.pid ? { pid: who.pid, name: who.name } : {};
      const out: LotRegistrationItem = { ...withPayment(item(r, org ?? undefined), paid.get(r.id)), ...identity };
      if (regulator) {
        out.identityReads = reads
          .filter((e) => e.subject === String(r.id))
          .map((e) => ({
            at: e.at.toISOString(),
            // A version-1 event may still carry the clear number.
            actorPid: isPersonKey(e.actorPid) ? (shown.get(e.actorPid)?.pid ?? null) : e.actorPid,
            purpose: typeof e.data.purpose === 'string' ? e.data.purpose : '',
          }));
      }
      return out;
    });
  });
  return ok({ identities: 'shown', ...retention, items });
}

/**
 * A person's registrations: their own, those they made for organisations, and (issue 19) the
 * registrations by e-ID authority of the organisation their current e-ID says they act for, which
 * they may bid for too.
 */
export async function myRegistrations(ctx: AppContext, person: Person): Promise<MyRegistration[]> {
  const now = ctx.clock.now();
  const claim = person.level === 2 ? person.representing : undefined;
  const rows = await ctx.db
    .select({ r: registrations, l: lots, org: bidderOrganisations })
    .from(registrations)
    .innerJoin(lots, eq(lots.id, registrations.lotId))
    .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
    .where(
      claim
        ? or(
            eq(registrations.pid, person.pid),
            and(eq(bidderOrganisations.identifier, claim.identifier), eq(registrations.authority, 'eid')),
          )
        : eq(registrations.pid, person.pid),
    )
    .orderBy(desc(registrations.id))
    .limit(500);
  const ids = rows.map((x) => x.r.id);
  const entries = ids.length
    ? await ctx.db
        .select({
          registrationId: ledgerEntries.registrationId,
          seq: ledgerEntries.seq,
          kind: ledgerEntries.kind,
          amount: ledgerEntries.amount,
          placedAt: ledgerEntries.placedAt,
          withdrawsSeq: ledgerEntries.withdrawsSeq,
        })
        .from(ledgerEntries)
        .where(and(inArray(ledgerEntries.registrationId, ids)))
        .orderBy(asc(ledgerEntries.seq))
    : [];
  const paid = await depositPaymentsOf(ctx.db, ids);
  const balances = await depositPaymentsOf(ctx.db, ids, 'balance');
  const owedBack = await refundsOfRegistrations(ctx.db, ids);
  return rows.map(({ r, l, org }) => {
    const payment = paid.get(r.id);
    const mine = entries.filter((e) => e.registrationId === r.id);
    const withdrawn = new Set(mine.filter((e) => e.kind === 'withdrawal').map((e) => e.withdrawsSeq));
    const status = effectiveStatus(l, now);
    const outcome =
      status === 'cancelled'
        ? 'cancelled'
        : isEnded(status)
          ? l.winnerRegistrationId === r.id
            ? 'won'
            : 'lost'
          : null;
    return {
      id: r.id,
      lotId: l.id,
      lot: {
        id: l.id,
        title: l.title,
        status,
        startsAt: l.startsAt.toISOString(),
        endsAt: l.endsAt.toISOString(),
        currentPrice: l.currentPrice,
        finalPrice: l.finalPrice,
      },
      bidderCode: r.bidderCode,
      status: r.status,
      depositState: r.depositState,
      rulesVersion: r.rulesVersion,
      rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
      ...(payment ? { payment: paymentView(payment) } : {}),
      ...onBehalfOfView(r, org ?? undefined),
      leading: l.leaderRegistrationId === r.id,
      outcome,
      // The winner's, and the next bidder's once the award names them (Art. 51).
      award:
        l.winnerRegistrationId === r.id || (l.awardRegistrationId ?? l.winnerRegistrationId) === r.id
          ? l.awardState
          : null,
      balance: balances.has(r.id) ? paymentView(balances.get(r.id)!) : null,
      refunds: owedBack.get(r.id) ?? [],
      bids: mine
        .filter((e) => e.kind === 'bid')
        .map((e) => ({
          seq: e.seq,
          amount: e.amount,
          placedAt: e.placedAt.toISOString(),
          status: withdrawn.has(e.seq) ? ('withdrawn' as const) : ('accepted' as const),
        })),
    };
  });
}
