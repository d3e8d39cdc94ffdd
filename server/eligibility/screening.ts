// Eligibility screening at registration (issue 19; Law on Property Auction, Art. 38), the checks that
// read the exclusion tables: the people the asset's owner bars from this lot, and the exclusion list
// (entries for every lot, or for the lot's organisation, neither lifted nor ended). The staff check
// and the bars from forfeits are the registration's own (server/auctions/registration-service.ts).
// Run in the registration's transaction, under the lot-row lock that the owner's exclusions are
// changed under too. A refusal names the entry's source and end, never its reason.
import { and, desc, eq, gt, isNull, or } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { exclusions, lotExclusions } from '../../db/schema.ts';
import { refuse, type Failure } from '../shared/errors.ts';

export type ExclusionRow = typeof exclusions.$inferSelect;

/** The condition of an entry in force at `at`: not lifted, and not ended. */
export const inForce = (at: Date) =>
  and(isNull(exclusions.liftedAt), or(isNull(exclusions.endsAt), gt(exclusions.endsAt, at)));

/** True for an entry in force at `at`. */
export const isInForce = (row: Pick<ExclusionRow, 'liftedAt' | 'endsAt'>, at: Date): boolean =>
  row.liftedAt === null && (row.endsAt === null || row.endsAt.getTime() > at.getTime());

/**
 * The person's exclusion in force at `at` that covers the organisation's lots (an entry for every lot,
 * or one of that organisation), the one ending last (one without an end first), if any.
 */
export async function activeExclusion(
  q: Db | Tx,
  pid: string,
  organisationId: number,
  at: Date,
): Promise<ExclusionRow | undefined> {
  const [row] = await q
    .select()
    .from(exclusions)
    .where(
      and(
        eq(exclusions.pid, pid),
        inForce(at),
        or(isNull(exclusions.organisationId), eq(exclusions.organisationId, organisationId)),
      ),
    )
    // Descending puts NULLS FIRST in PostgreSQL: an entry without an end outlasts every other.
    .orderBy(desc(exclusions.endsAt), desc(exclusions.id))
    .limit(1);
  return row;
}

/** Why the person may not register for the lot by the exclusion tables (403 NOT_ELIGIBLE), if they may not. */
export async function exclusionRefusal(
  tx: Tx,
  pid: string,
  lot: { id: number; organisationId: number },
  at: Date,
): Promise<Failure | undefined> {
  const [owner] = await tx
    .select({ pid: lotExclusions.pid })
    .from(lotExclusions)
    .where(and(eq(lotExclusions.lotId, lot.id), eq(lotExclusions.pid, pid)))
    .limit(1);
  if (owner) return refuse('owner_excluded');
  const entry = await activeExclusion(tx, pid, lot.organisationId, at);
  if (entry) return refuse('excluded', { endsAt: entry.endsAt?.toISOString() ?? null, source: entry.source });
  return undefined;
}
