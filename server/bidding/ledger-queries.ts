// Reads of the bid ledger as the public sees it: entries in seq order with bidder codes, each with
// its status (a bid later withdrawn shows 'withdrawn'; the withdrawal itself is its own entry), and
// the entry's hash-chain links, so that anyone can verify the public ledger (no personal data in them).
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { ledgerEntries } from '../../db/schema.ts';
import type { EntryStatus, PublicLedgerEntry } from './bid-schemas.ts';

export type { EntryStatus, PublicLedgerEntry };

/** Entries of a lot with seq > afterSeq, in seq order, at most `limit` of them. */
export async function listEntries(
  db: Db,
  lotId: number,
  afterSeq: number,
  limit: number,
): Promise<PublicLedgerEntry[]> {
  const rows = await db
    .select({
      seq: ledgerEntries.seq,
      kind: ledgerEntries.kind,
      amount: ledgerEntries.amount,
      bidderCode: ledgerEntries.bidderCode,
      placedAt: ledgerEntries.placedAt,
      withdrawsSeq: ledgerEntries.withdrawsSeq,
      commitment: ledgerEntries.commitment,
      salt: ledgerEntries.salt,
      actorNo: ledgerEntries.actorNo,
      prevHash: ledgerEntries.prevHash,
      hash: ledgerEntries.hash,
    })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.lotId, lotId), gt(ledgerEntries.seq, Math.max(0, Math.floor(afterSeq)))))
    .orderBy(asc(ledgerEntries.seq))
    .limit(Math.max(1, Math.floor(limit)));
  const bidSeqs = rows.filter((r) => r.kind === 'bid').map((r) => r.seq);
  const withdrawn = new Set<number>();
  if (bidSeqs.length) {
    // Withdrawals are rare and always come later than the bid they withdraw.
    const w = await db
      .select({ seq: ledgerEntries.withdrawsSeq })
      .from(ledgerEntries)
      .where(
        and(
          eq(ledgerEntries.lotId, lotId),
          eq(ledgerEntries.kind, 'withdrawal'),
          inArray(ledgerEntries.withdrawsSeq, bidSeqs),
        ),
      );
    for (const r of w) if (r.seq !== null) withdrawn.add(r.seq);
  }
  return rows.map((r) =>
    toPublicEntry(lotId, r, r.kind === 'withdrawal' ? 'withdrawal' : withdrawn.has(r.seq) ? 'withdrawn' : 'accepted'),
  );
}

export function toPublicEntry(
  lotId: number,
  r: {
    seq: number;
    kind: 'bid' | 'withdrawal';
    amount: number;
    bidderCode: string;
    placedAt: Date;
    withdrawsSeq: number | null;
    /** A revealed sealed bid's commitment and salt (absent from other callers' rows). */
    commitment?: string | null;
    salt?: string | null;
    /** An organisation's entry: its acting representative's number (absent from other callers' rows). */
    actorNo?: number | null;
    prevHash: string;
    hash: string;
  },
  status: EntryStatus,
): PublicLedgerEntry {
  return {
    lotId,
    seq: r.seq,
    kind: r.kind,
    amount: r.amount,
    bidderCode: r.bidderCode,
    placedAt: r.placedAt.toISOString(),
    ...(r.withdrawsSeq !== null ? { withdrawsSeq: r.withdrawsSeq } : {}),
    ...(r.commitment && r.salt ? { commitment: r.commitment, salt: r.salt } : {}),
    ...(r.actorNo ? { actorNo: r.actorNo } : {}),
    status,
    prevHash: r.prevHash,
    hash: r.hash,
  };
}
