// Reading the published results (issue 18, publication): the JSON feed (each lot's latest notice,
// newest first), a lot's notices (latest first, the superseded ones marked), one signed notice by its
// sequence (the stable URL), and every notice newest first for the Atom feed (atom.ts). Everything is
// read from lot_documents as issued: the signed payload is the only source of what a notice says.
import { and, asc, count, countDistinct, desc, eq, gt, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { Db } from '../../db/client.ts';
import { lotDocuments, lots } from '../../db/schema.ts';
import { documentPayload, lotDocumentsOf, type LotDocumentRow } from '../records/lot-documents.ts';
import type { ResultNotice } from '../records/lot-fact-format.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { noticePath } from './notice.ts';
import type { LotNotices, PublishedNotice, ResultFeed } from './schemas.ts';

const KIND = 'result_notice';

export interface Page {
  limit: number;
  offset: number;
}

/** A stored notice as the feeds show it; `origin` makes its URL absolute. */
export function publishedNotice(row: Pick<LotDocumentRow, 'document' | 'digest'>, origin: string): PublishedNotice {
  const n = documentPayload<ResultNotice>(row);
  return {
    lotId: n.lot.id,
    title: n.lot.title,
    sequence: n.sequence,
    supersedes: n.supersedes,
    status: n.status,
    award: n.award,
    price: n.price,
    biddingStartedAt: n.biddingStartedAt,
    biddingEndedAt: n.biddingEndedAt,
    priceRecordedAt: n.priceRecordedAt,
    rerunAs: n.rerunAs,
    issuedAt: n.issuedAt,
    recordFinalHash: n.record.finalHash,
    digest: row.digest,
    url: `${origin}${noticePath(n.lot.id, n.sequence)}`,
  };
}

/** The JSON feed: each lot's latest notice, the latest published first. */
export async function resultFeed(db: Db, page: Page, origin: string): Promise<ResultFeed> {
  const newer = alias(lotDocuments, 'newer');
  const rows = await db
    .select({ document: lotDocuments.document, digest: lotDocuments.digest })
    .from(lotDocuments)
    .where(
      and(
        eq(lotDocuments.kind, KIND),
        notExists(
          db
            .select({ one: sql`1` })
            .from(newer)
            .where(and(eq(newer.lotId, lotDocuments.lotId), eq(newer.kind, KIND), gt(newer.id, lotDocuments.id))),
        ),
      ),
    )
    .orderBy(desc(lotDocuments.id))
    .limit(page.limit)
    .offset(page.offset);
  const [{ total }] = await db
    .select({ total: countDistinct(lotDocuments.lotId) })
    .from(lotDocuments)
    .where(eq(lotDocuments.kind, KIND));
  const next = page.offset + rows.length;
  return {
    items: rows.map((r) => publishedNotice(r, origin)),
    total: Number(total),
    nextOffset: rows.length === page.limit && next < Number(total) ? next : null,
  };
}

/** Every notice, the latest first (superseded ones too: each is an Atom entry of its own). */
export async function allNotices(db: Db, page: Page): Promise<{ rows: LotDocumentRow[]; total: number }> {
  const rows = await db
    .select()
    .from(lotDocuments)
    .where(eq(lotDocuments.kind, KIND))
    .orderBy(desc(lotDocuments.id))
    .limit(page.limit)
    .offset(page.offset);
  const [{ total }] = await db.select({ total: count() }).from(lotDocuments).where(eq(lotDocuments.kind, KIND));
  return { rows, total: Number(total) };
}

/** Whether the lot is public (it exists and is not a draft): others are not found, as everywhere. */
async function publicLot(db: Db, lotId: number): Promise<boolean> {
  const [row] = await db.select({ status: lots.status }).from(lots).where(eq(lots.id, lotId));
  return !!row && row.status !== 'draft';
}

/** A lot's notices, the latest first, each marked superseded but the latest. */
export async function lotNotices(db: Db, lotId: number, origin: string): Promise<Result<LotNotices>> {
  const rows = await lotDocumentsOf(db, lotId, KIND);
  if (rows.length === 0)
    return (await publicLot(db, lotId)) ? refuse('result_not_published', { lotId }) : refuse('lot_not_found');
  const notices = rows.map((row, i) => ({
    ...publishedNotice(row, origin),
    superseded: i < rows.length - 1,
    supersededBy: rows[i + 1]?.digest ?? null,
  }));
  const latest = notices[notices.length - 1];
  return ok({ lotId, title: latest.title, notices: notices.reverse() });
}

/** One signed notice, exactly as issued (its bytes are what its digest is of). */
export async function signedNotice(db: Db, lotId: number, sequence: number): Promise<Result<LotDocumentRow>> {
  // Sequences run 1, 2, … in the order the notices were issued (each under the lot's lock).
  const [row] = await db
    .select()
    .from(lotDocuments)
    .where(and(eq(lotDocuments.lotId, lotId), eq(lotDocuments.kind, KIND)))
    .orderBy(asc(lotDocuments.id))
    .limit(1)
    .offset(sequence - 1);
  if (row && documentPayload<ResultNotice>(row).sequence === sequence) return ok(row);
  const published = (await lotDocumentsOf(db, lotId, KIND)).length;
  if (published > 0) return refuse('result_notice_not_found', { lotId, sequence, latest: published });
  return (await publicLot(db, lotId)) ? refuse('result_not_published', { lotId }) : refuse('lot_not_found');
}
