// Lot documents issued before the transparency log existed (issue 18's confirmations, suspensions and
// result notices on a database that predates issue 20) become leaves at start, oldest first, so the
// log covers every signed document the platform still holds. Idempotent: a document already logged
// keeps its leaf. Records, money trails and export seals issued before were never stored, so they
// cannot be logged; README says so.
import { asc, isNull, eq } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { logLeaves, lotDocuments } from '../../db/schema.ts';
import { appendLogLeaf } from './log-leaves.ts';

export async function backfillLogLeaves(ctx: AppContext): Promise<number> {
  const missing = await ctx.db
    .select({
      digest: lotDocuments.digest,
      kind: lotDocuments.kind,
      lotId: lotDocuments.lotId,
      at: lotDocuments.createdAt,
    })
    .from(lotDocuments)
    .leftJoin(logLeaves, eq(logLeaves.digest, lotDocuments.digest))
    .where(isNull(logLeaves.idx))
    .orderBy(asc(lotDocuments.id));
  for (const doc of missing)
    await ctx.db.transaction((tx) =>
      appendLogLeaf(tx, { digest: doc.digest, kind: doc.kind, lotId: doc.lotId, at: doc.at }),
    );
  if (missing.length > 0) ctx.log.info({ leaves: missing.length }, 'transparency log: earlier lot documents appended');
  return missing.length;
}
