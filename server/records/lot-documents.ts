// Issuing and reading a lot's signed documents after its record (issue 18): the confirmation, the
// countersignature, a suspension, the result notices (formats: lot-fact-format.ts). A document is
// signed with the record-signing key, stored exactly as issued in lot_documents (append-only) with its
// digest, in the caller's transaction, so the fact and its document commit together.
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { lotDocuments, type LotDocumentKind } from '../../db/schema.ts';
import { GENESIS_HASH } from '../shared/hash-chain.ts';
import { documentDigest } from './lot-document-digest.ts';
import { appendLogLeaf } from '../transparency/log-leaves.ts';
import { signFlattened, type FlattenedJws } from './jws.ts';
import { LOT_FACTS, type LotFact } from './lot-fact-format.ts';
import type { SigningKey } from './signing-keys.ts';
import { enqueueResultPublished } from '../webhooks/result-published.ts';

export type LotDocumentRow = typeof lotDocuments.$inferSelect;

/** The stored kind of each document type. */
const KIND_OF: Record<LotFact['type'], LotDocumentKind> = {
  confirmation: 'confirmation',
  countersignature: 'countersignature',
  suspension: 'suspension',
  'result-notice': 'result_notice',
};

export { documentDigest };

/** The record's name for a lot: the final hash of its ledger (the genesis hash when it has no entry). */
export function recordFinalHash(lot: { lastHash: string | null }): string {
  return lot.lastHash ?? GENESIS_HASH;
}

/** Signs `fact`, stores it for `lotId`, and returns the stored row and the JWS. */
export async function issueLotDocument(
  tx: Tx,
  key: SigningKey,
  fact: LotFact,
  opts: { auditId?: number | null; at: Date },
): Promise<{ row: LotDocumentRow; jws: FlattenedJws }> {
  const jws = await signFlattened(new TextEncoder().encode(JSON.stringify(fact)), key, LOT_FACTS[fact.type].cty);
  const document = JSON.stringify(jws);
  const [row] = await tx
    .insert(lotDocuments)
    .values({
      lotId: fact.lot.id,
      kind: KIND_OF[fact.type],
      document,
      digest: documentDigest(document),
      auditId: opts.auditId ?? null,
      createdAt: opts.at,
    })
    .returning();
  // External systems that take result notices get this one, if and when it commits (server/webhooks).
  if (fact.type === 'result-notice') await enqueueResultPublished(tx, fact, row);
  await appendLogLeaf(tx, { digest: row.digest, kind: row.kind, lotId: row.lotId, at: opts.at });
  return { row, jws };
}

/** A lot's documents of one kind, oldest first. */
export function lotDocumentsOf(q: Db | Tx, lotId: number, kind: LotDocumentKind): Promise<LotDocumentRow[]> {
  return q
    .select()
    .from(lotDocuments)
    .where(and(eq(lotDocuments.lotId, lotId), eq(lotDocuments.kind, kind)))
    .orderBy(asc(lotDocuments.id));
}

/** A lot's latest document of one kind, if any. */
export async function latestLotDocument(
  q: Db | Tx,
  lotId: number,
  kind: LotDocumentKind,
): Promise<LotDocumentRow | undefined> {
  const [row] = await q
    .select()
    .from(lotDocuments)
    .where(and(eq(lotDocuments.lotId, lotId), eq(lotDocuments.kind, kind)))
    .orderBy(desc(lotDocuments.id))
    .limit(1);
  return row;
}

/** The payload of a stored document (its JSON, as signed). */
export function documentPayload<T = unknown>(row: Pick<LotDocumentRow, 'document'>): T {
  const jws = JSON.parse(row.document) as FlattenedJws;
  return JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as T;
}
