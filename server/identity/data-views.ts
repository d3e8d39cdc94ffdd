// "Who viewed my data" (issue 20; the data subject's right to know how their data is processed): the
// staff reads of one person's identity, newest first, from the index that every identity read writes
// (server/audit/identity-reads.ts) joined to its audit event. One indexed query per page: the index's
// primary key is (subject hash, audit id). The reader is shown by role, organisation (a manager: the
// lot's) or province (a regulator's scope) and name, never by personal id; the purpose as stated.
import { and, desc, eq, lt } from 'drizzle-orm';
import { auditEvents, identityReads, lots, organisations, people, regulatorScopes } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { keyOf, openPersonRow } from '../privacy/personal-data.ts';
import type { DataView, DataViewPage } from './data-views-schemas.ts';

export type { DataView, DataViewPage };

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** One page of the reads of this person's identity, newest first. */
export async function dataViewsOf(
  ctx: Pick<AppContext, 'db'>,
  pid: string,
  page: { cursor?: number; limit: number },
): Promise<DataViewPage> {
  const rows = await ctx.db
    .select({
      id: identityReads.auditId,
      at: auditEvents.at,
      action: auditEvents.action,
      data: auditEvents.data,
      readerKey: people.pid,
      readerDataKey: people.dataKey,
      readerSealedPid: people.sealedPid,
      readerSealedName: people.sealedName,
      lotId: lots.id,
      lotTitle: lots.title,
      organisation: organisations.name,
      province: regulatorScopes.province,
    })
    .from(identityReads)
    .innerJoin(auditEvents, eq(auditEvents.id, identityReads.auditId))
    .leftJoin(people, eq(people.pid, auditEvents.actorPid))
    .leftJoin(lots, eq(lots.id, auditEvents.lotId))
    .leftJoin(organisations, eq(organisations.id, lots.organisationId))
    .leftJoin(regulatorScopes, eq(regulatorScopes.pid, auditEvents.actorPid))
    .where(
      and(
        eq(identityReads.subjectHash, keyOf(pid)),
        page.cursor === undefined ? undefined : lt(identityReads.auditId, page.cursor),
      ),
    )
    .orderBy(desc(identityReads.auditId))
    .limit(page.limit + 1);
  const items = rows.slice(0, page.limit).map((r): DataView => {
    const role = text(r.data.role);
    return {
      id: r.id,
      at: r.at.toISOString(),
      action: r.action,
      reader: {
        role,
        name: r.readerKey
          ? openPersonRow({
              pid: r.readerKey,
              dataKey: r.readerDataKey,
              sealedPid: r.readerSealedPid,
              sealedName: r.readerSealedName,
            }).name
          : null,
        organisation: role === 'manager' ? r.organisation : null,
        province: role === 'regulator' ? (r.province ?? null) : null,
      },
      purpose: text(r.data.purpose),
      lot: r.lotId !== null && r.lotTitle !== null ? { id: r.lotId, title: r.lotTitle } : null,
      format: text(r.data.format),
    };
  });
  return { items, nextCursor: rows.length > page.limit ? items[items.length - 1].id : null };
}
