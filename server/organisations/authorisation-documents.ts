// Authorisation documents (issue 19): a person who registered for an organisation without e-ID claims
// naming it (authority `document`) uploads the paper by which the organisation authorised them (PDF,
// PNG or JPEG, at most 5 MB, the bytes checked against the type); the lot's manager reads it (an
// explicit, audited identity read with a stated purpose, like GET …/identity) and approves or rejects
// it. Approved, the person is known to act for the organisation (relatedness flags read that), and a
// registration whose deposit already came in (`pending_authorisation`) is approved and may bid; rejected,
// the registrant may upload another. Uploads and decisions happen before bidding starts, under the
// lot's lock, each with its audit event (the document's hash, never its content or the person).
import { createHash } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { authorisationDocuments, bidderOrganisations, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { noteIdentityRead } from '../audit/identity-reads.ts';
import { identitiesReadable } from '../audit/identity-retention.ts';
import { notify } from '../notifications/outbox.ts';
import { invalid, ok, refuse, type Failure, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import { getLotRow, type LotRow } from '../auctions/public-lot.ts';
import { lockLot, lockManagedRegistration, managesLot, visibleTo } from '../auctions/lot-service.ts';
import { effectiveStatus } from '../auctions/rules/index.ts';
import { registrationView, type RegistrantOrganisation } from '../auctions/registration-service.ts';
import { registrationChanged } from '../auctions/registration-event.ts';
import { registrationWithIdentity } from '../auctions/registration-identity.ts';
import { depositPaymentsOf } from '../payments/instructions.ts';
import type { PersonalNotice } from '../payments/matching.ts';
import { noteRepresentative } from './bidders.ts';
import {
  AUTHORISATION_DOCUMENT_TYPES,
  MAX_AUTHORISATION_DOCUMENT_BYTES,
  type AuthorisationDecisionInput,
  type AuthorisationDocumentType,
  type AuthorisationDocumentView,
  type AuthorisationReadView,
  type AuthorisationStateView,
} from './authorisation-schemas.ts';

type RegistrationRow = typeof registrations.$inferSelect;
type DocumentRow = typeof authorisationDocuments.$inferSelect;

/** An upload as the request carries it: the declared type and length, and its body, read on demand. */
export interface DocumentUpload {
  declaredType: string | undefined;
  declaredLength: number;
  read(): Promise<Uint8Array>;
}

const tooLarge = (): Failure =>
  refuse('authorisation_document_too_large', { maxMegabytes: MAX_AUTHORISATION_DOCUMENT_BYTES / 1024 / 1024 });

/** The declared type, if it is one of the document types. */
function declaredDocumentType(declared: string | undefined): AuthorisationDocumentType | undefined {
  const type = (declared ?? '').split(';')[0].trim().toLowerCase();
  return AUTHORISATION_DOCUMENT_TYPES.find((t) => t === type);
}

const startsWith = (bytes: Uint8Array, magic: number[]): boolean =>
  bytes.length >= magic.length && magic.every((b, i) => bytes[i] === b);

/** Whether the bytes are of the type by their signature: %PDF, the PNG signature, JPEG's FF D8 FF. */
export function bytesAreOfType(bytes: Uint8Array, type: AuthorisationDocumentType): boolean {
  if (type === 'application/pdf') return startsWith(bytes, [0x25, 0x50, 0x44, 0x46]);
  if (type === 'image/png') return startsWith(bytes, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return startsWith(bytes, [0xff, 0xd8, 0xff]);
}

export const documentView = (d: DocumentRow): AuthorisationDocumentView => ({
  sha256: d.sha256,
  contentType: d.contentType as AuthorisationDocumentType,
  size: d.bytes.length,
  uploadedAt: d.uploadedAt.toISOString(),
  decision: d.decision ?? null,
  reason: d.reason ?? null,
});

async function latestDocument(tx: Tx, registrationId: number): Promise<DocumentRow | undefined> {
  const [row] = await tx
    .select()
    .from(authorisationDocuments)
    .where(eq(authorisationDocuments.registrationId, registrationId))
    .orderBy(desc(authorisationDocuments.id))
    .limit(1);
  return row;
}

async function organisationOf(tx: Tx, r: RegistrationRow): Promise<RegistrantOrganisation | undefined> {
  if (r.bidderOrganisationId === null) return undefined;
  const [org] = await tx
    .select({ identifier: bidderOrganisations.identifier, name: bidderOrganisations.name })
    .from(bidderOrganisations)
    .where(eq(bidderOrganisations.id, r.bidderOrganisationId));
  return org;
}

/**
 * Whether the registration takes a document now: authority `document`, none pending review or
 * approved already, the registration still standing, and bidding not started. The first refusal, if any.
 */
function refuseUpload(reg: RegistrationRow, lot: LotRow, now: Date): Failure | undefined {
  if (reg.authority !== 'document' || reg.authorisation === 'approved')
    return refuse('no_document_expected', { authorisation: reg.authorisation });
  if (reg.authorisation === 'pending_review') return refuse('document_pending_review');
  if (reg.status === 'rejected' || reg.status === 'barred')
    return refuse('registration_in_status', { status: reg.status });
  // Documents are uploaded and decided before bidding starts: the registration stands as it is from then on.
  if (effectiveStatus(lot, now) !== 'scheduled') return refuse('registration_closed');
  return undefined;
}

/** The registration of the lot, if the person is the one who registered it (the only one a document may authorise). */
async function ownRegistration(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
): Promise<Result<{ lot: LotRow; reg: RegistrationRow }>> {
  const lot = await getLotRow(ctx.db, lotId);
  if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
  const [reg] = await ctx.db
    .select()
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
  if (!reg) return refuse('registration_not_found');
  if (reg.pid !== person.pid) return refuse('not_registrant');
  return ok({ lot, reg });
}

/**
 * The registrant uploads the authorisation document: who first, then the state, then the declared
 * size and type before the body is read, then the bytes' signature; stored under the lot's lock with
 * its audit event, the registration's authorisation `pending_review`.
 */
export async function uploadAuthorisationDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  upload: DocumentUpload,
): Promise<Result<AuthorisationStateView>> {
  const own = await ownRegistration(ctx, person, lotId, registrationId);
  if (!own.ok) return own;
  const early = refuseUpload(own.value.reg, own.value.lot, ctx.clock.now());
  if (early) return early;
  if (upload.declaredLength > MAX_AUTHORISATION_DOCUMENT_BYTES) return tooLarge();
  const type = declaredDocumentType(upload.declaredType);
  if (!type) return refuse('authorisation_document_type');
  const bytes = await upload.read();
  if (bytes.length > MAX_AUTHORISATION_DOCUMENT_BYTES) return tooLarge();
  if (!bytesAreOfType(bytes, type)) return refuse('authorisation_document_type');
  const sha256 = createHash('sha256').update(bytes).digest('hex');

  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ view: AuthorisationStateView; row: RegistrationRow }>> => {
      const lot = await lockLot(tx, lotId);
      if (!lot) return refuse('lot_not_found');
      // Read again under the lot's lock: a decision or another upload may have come in since.
      const [reg] = await tx.select().from(registrations).where(eq(registrations.id, registrationId));
      const refused = refuseUpload(reg, lot, now);
      if (refused) return refused;
      const [doc] = await tx
        .insert(authorisationDocuments)
        .values({ registrationId, contentType: type, bytes, sha256, uploadedAt: now })
        .returning();
      const [row] = await tx
        .update(registrations)
        .set({ authorisation: 'pending_review', updatedAt: now })
        .where(eq(registrations.id, registrationId))
        .returning();
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'authorisation.document_uploaded',
        lotId,
        subject: String(registrationId),
        at: now,
        data: { bidderCode: row.bidderCode, sha256, contentType: type, bytes: bytes.length },
      });
      const payment = (await depositPaymentsOf(tx, [registrationId])).get(registrationId);
      const organisation = await organisationOf(tx, row);
      return ok({ view: { ...registrationView(row, payment, organisation), document: documentView(doc) }, row });
    },
  );
  if (!outcome.ok) return outcome;
  ctx.events.publish('personal', registrationChanged(outcome.value.row));
  return ok(outcome.value.view);
}

/**
 * Who may read a registration's authorisation document: the lot's manager (with a purpose, audited)
 * and the registrant (their own, not audited). Decided before the request is validated.
 */
export async function mayReadDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
): Promise<Result<{ who: 'manager' | 'registrant'; lot: LotRow }>> {
  const lot = await getLotRow(ctx.db, lotId);
  if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
  if (managesLot(person, lot)) return ok({ who: 'manager', lot });
  const [reg] = await ctx.db
    .select({ pid: registrations.pid })
    .from(registrations)
    .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
  if (reg?.pid === person.pid) return ok({ who: 'registrant', lot });
  return refuse('not_lot_manager');
}

/**
 * Reads the latest authorisation document of a registration with who it authorises. For the lot's
 * manager this is the explicit identity read of that registration: `purpose` required, written to the
 * audit log in the same transaction (regulators see it among the registration's identity reads).
 */
export async function readAuthorisationDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  purpose: string | undefined,
): Promise<Result<AuthorisationReadView>> {
  const reader = await mayReadDocument(ctx, person, lotId, registrationId);
  if (!reader.ok) return reader;
  const { who, lot } = reader.value;
  const manager = who === 'manager';
  if (manager && purpose === undefined) return invalid({ purpose: fieldError('REQUIRED') });
  const now = ctx.clock.now();
  if (manager) {
    const readable = await identitiesReadable(ctx, ctx.db, lot, now);
    if (!readable.ok) return readable;
  }
  return ctx.db.transaction(async (tx): Promise<Result<AuthorisationReadView>> => {
    const found = await registrationWithIdentity(tx, lotId, registrationId);
    if (!found) return refuse('registration_not_found');
    const { r, idNumber, name, org } = found;
    const doc = org && r.actingRole ? await latestDocument(tx, r.id) : undefined;
    if (!doc || !org || !r.actingRole) return refuse('document_not_found');
    if (manager) {
      await noteIdentityRead(tx, {
        actorPid: person.pid,
        action: 'authorisation.document_viewed',
        lotId,
        purpose: purpose!,
        subjectPids: [r.pid],
        subject: String(r.id),
        role: 'manager',
        at: now,
        data: { bidderCode: r.bidderCode, lotStatus: lot.status, sha256: doc.sha256 },
      });
    }
    return ok({
      registrationId: r.id,
      lotId,
      bidderCode: r.bidderCode,
      // The registrant's number revealed from their sealed row ('' once shredded; the document stays).
      pid: idNumber ?? '',
      name,
      organisation: { identifier: org.identifier, name: org.name },
      role: r.actingRole,
      document: { ...documentView(doc), contentBase64: Buffer.from(doc.bytes).toString('base64') },
      purpose: manager ? purpose! : null,
      viewedAt: now.toISOString(),
    });
  });
}

/**
 * The lot's manager approves or rejects the document pending review, before bidding starts. Approved:
 * the registrant is noted as acting for the organisation, and a registration whose deposit came in
 * (`pending_authorisation`) is approved. Rejected: the registrant may upload another. Audited; the
 * registrant told.
 */
export async function decideAuthorisationDocument(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  input: AuthorisationDecisionInput,
): Promise<Result<AuthorisationStateView>> {
  if (input.decision === 'rejected' && !input.reason) return invalid({ reason: fieldError('REQUIRED') });
  const reason = input.reason ?? null;
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ view: AuthorisationStateView; personal: PersonalNotice }>> => {
      const managed = await lockManagedRegistration(tx, person, lotId, registrationId);
      if (!managed.ok) return managed;
      const { lot, reg } = managed.value;
      if (reg.status === 'rejected' || reg.status === 'barred')
        return refuse('registration_in_status', { status: reg.status });
      const doc = reg.authorisation === 'pending_review' ? await latestDocument(tx, reg.id) : undefined;
      if (!doc || doc.decision !== null) return refuse('no_document_to_decide');
      if (effectiveStatus(lot, now) !== 'scheduled') return refuse('registration_closed');
      const [decided] = await tx
        .update(authorisationDocuments)
        .set({ decision: input.decision, decidedBy: person.pid, decidedAt: now, reason })
        .where(eq(authorisationDocuments.id, doc.id))
        .returning();
      const approved = input.decision === 'approved';
      const payment = (await depositPaymentsOf(tx, [reg.id])).get(reg.id);
      // The deposit already received: the registration waited for this approval only.
      const nowApproved = approved && reg.status === 'pending_authorisation';
      const [row] = await tx
        .update(registrations)
        .set({
          authorisation: input.decision,
          ...(nowApproved ? { status: 'approved' as const, approvedBy: person.pid, approvedAt: now } : {}),
          updatedAt: now,
        })
        .where(eq(registrations.id, reg.id))
        .returning();
      if (approved && reg.bidderOrganisationId !== null && reg.actingRole)
        await noteRepresentative(
          tx,
          { organisationId: reg.bidderOrganisationId, pid: reg.pid, role: reg.actingRole, source: 'document' },
          now,
        );
      await appendAudit(tx, {
        actorPid: person.pid,
        action: approved ? 'authorisation.approved' : 'authorisation.rejected',
        lotId,
        subject: String(reg.id),
        at: now,
        data: { bidderCode: reg.bidderCode, sha256: doc.sha256, reason },
      });
      if (nowApproved)
        await appendAudit(tx, {
          actorPid: person.pid,
          action: 'registration.approved',
          lotId,
          subject: String(reg.id),
          at: now,
          data: {
            bidderCode: reg.bidderCode,
            depositState: row.depositState,
            reference: payment?.reference ?? null,
            amount: payment?.received ?? 0,
            source: 'authorisation',
          },
        });
      await notify(tx, {
        pid: reg.pid,
        kind: approved ? 'authorisation_approved' : 'authorisation_rejected',
        lotId,
        // Not `reason`: the notices' texts read that as a refund's reason.
        data: { bidderCode: reg.bidderCode, ...(reason ? { decisionReason: reason } : {}) },
        at: now,
      });
      // The manager's answer names the organisation no more than their registration list does.
      return ok({
        view: { ...registrationView(row, payment), document: documentView(decided) },
        personal: registrationChanged(row),
      });
    },
  );
  if (!outcome.ok) return outcome;
  ctx.events.publish('personal', outcome.value.personal);
  return ok(outcome.value.view);
}
