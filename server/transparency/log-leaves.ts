// Appending to the transparency log (issue 20): the SHA-256 digest of a signed document as issued
// becomes the next leaf, in the caller's transaction, so the leaf exists exactly when the document
// committed. Leaf indexes have no gaps: the index is taken under the chains' lock (the audit chain's,
// shared so one transaction writing both cannot deadlock), held until commit. Appending a digest the
// log already holds returns its leaf (a document logged twice is one leaf). Each new leaf is also an
// event for the configured external systems (server/webhooks).
import { desc, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { logLeaves, type LogLeafKind } from '../../db/schema.ts';
import { lockChains } from '../audit/audit-log.ts';
import { enqueueWebhookEvent } from '../webhooks/events.ts';
import { leafHash } from './merkle.ts';
import { decodeHash, encodeHash } from './tree-head.ts';

export interface LogLeaf {
  index: number;
  digest: string;
  leafHash: string;
}

/** The leaf hash (base64url) of a digest (base64url SHA-256 of a document). */
export function leafHashOfDigest(digest: string): string {
  const entry = decodeHash(digest);
  if (!entry) throw new TypeError(`not a base64url SHA-256 digest: ${digest}`);
  return encodeHash(leafHash(entry));
}

/** Appends `digest` (base64url SHA-256 of the document's bytes as issued) as the log's next leaf. */
export async function appendLogLeaf(
  tx: Tx | Db,
  leaf: { digest: string; kind: LogLeafKind; lotId: number | null; at: Date },
): Promise<LogLeaf> {
  const hash = leafHashOfDigest(leaf.digest);
  await lockChains(tx);
  const [known] = await tx
    .select({ index: logLeaves.idx })
    .from(logLeaves)
    .where(eq(logLeaves.digest, leaf.digest))
    .limit(1);
  if (known) return { index: known.index, digest: leaf.digest, leafHash: hash };
  const [last] = await tx.select({ idx: logLeaves.idx }).from(logLeaves).orderBy(desc(logLeaves.idx)).limit(1);
  const index = last ? last.idx + 1 : 0;
  await tx.insert(logLeaves).values({
    idx: index,
    digest: leaf.digest,
    leafHash: hash,
    kind: leaf.kind,
    lotId: leaf.lotId,
    createdAt: leaf.at,
  });
  await enqueueWebhookEvent(tx, {
    type: 'log.leaf_appended',
    id: `log-leaf:${index}`,
    occurredAt: leaf.at,
    data: { leafIndex: index, digest: leaf.digest, leafHash: hash, kind: leaf.kind, lotId: leaf.lotId },
  });
  return { index, digest: leaf.digest, leafHash: hash };
}
