// The one way a lot's manager learns who is behind a bidder code before the lot has ended: an
// explicit read of one registration with a stated purpose (reviewing an authorisation document, an
// eligibility question). The read and its purpose are written to the audit log in the same
// transaction, so regulators see it in the lot's history and record, and the person in "who viewed my
// data" (server/audit/identity-reads.ts); there is no list form. Refused once the lot's identities are
// past their retention (server/audit/identity-retention.ts).
import { and, eq } from 'drizzle-orm';
import { bidderOrganisations, registrations } from '../../db/schema.ts';
import { revealPerson } from '../privacy/personal-data.ts';
import { onBehalfOfView } from './registration-service.ts';
import type { AppContext } from '../context.ts';
import type { Tx } from '../../db/client.ts';
import type { Person } from '../identity/person.ts';
import { noteIdentityRead } from '../audit/identity-reads.ts';
import { identitiesReadable } from '../audit/identity-retention.ts';
import { fail, ok, refuse, type Result } from '../shared/errors.ts';
import { getLotRow } from './public-lot.ts';
import { managesLot } from './lot-service.ts';
import type { RegistrationIdentity } from './registration-schemas.ts';

export type { RegistrationIdentity };

/**
 * One registration of a lot with who is behind it: the person's identification number (`idNumber`,
 * the 12 digits; `r.pid` is their person key) and name, revealed from their sealed row (null once
 * shredded), and, for an organisation's registration, the organisation. Only for reads that are
 * audited as identity reads.
 */
export async function registrationWithIdentity(tx: Tx, lotId: number, registrationId: number) {
  const [found] = await tx
    .select({ r: registrations, org: bidderOrganisations })
    .from(registrations)
    .leftJoin(bidderOrganisations, eq(bidderOrganisations.id, registrations.bidderOrganisationId))
    .where(and(eq(registrations.id, registrationId), eq(registrations.lotId, lotId)));
  if (!found) return undefined;
  const who = await revealPerson(tx, found.r.pid);
  return { ...found, idNumber: who.pid, name: who.name };
}

/** Reads one registration's identity for the lot's manager, auditing the purpose. */
export async function readRegistrationIdentity(
  ctx: AppContext,
  person: Person,
  lotId: number,
  registrationId: number,
  purpose: string,
): Promise<Result<RegistrationIdentity>> {
  const lot = await getLotRow(ctx.db, lotId);
  if (!lot) return refuse('lot_not_found');
  if (!managesLot(person, lot)) return refuse('not_lot_manager');
  const now = ctx.clock.now();
  const readable = await identitiesReadable(ctx, ctx.db, lot, now);
  if (!readable.ok) return readable;
  return ctx.db.transaction(async (tx): Promise<Result<RegistrationIdentity>> => {
    const found = await registrationWithIdentity(tx, lotId, registrationId);
    if (!found) return refuse('registration_not_found');
    const row = { ...found.r, name: found.name };
    // Shredded (the person's retention has ended): nobody is behind the code any more.
    if (found.idNumber === null)
      return fail('NOT_FOUND', 'The identity behind this bidder code has been erased; the bidder code remains.');
    await noteIdentityRead(tx, {
      actorPid: person.pid,
      action: 'registration.identity_viewed',
      lotId,
      purpose,
      subjectPids: [row.pid],
      subject: String(row.id),
      role: 'manager',
      at: now,
      data: { bidderCode: row.bidderCode, lotStatus: lot.status },
    });
    return ok({
      registrationId: row.id,
      lotId,
      bidderCode: row.bidderCode,
      pid: found.idNumber,
      name: row.name,
      ...onBehalfOfView(found.r, found.org ?? undefined),
      purpose,
      viewedAt: now.toISOString(),
    });
  });
}
