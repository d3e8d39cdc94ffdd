// The transparency log's read side (issue 20): signed tree heads, inclusion and consistency proofs,
// and the leaves. The tree is rebuilt in memory from the leaves table (64 bytes a leaf; new leaves are
// read as they appear), so every root and proof comes from the leaves as stored: a rewritten leaf
// changes the roots this log serves, and a monitor holding an earlier tree head sees the break. A tree
// head is signed when one is asked for and the tree has grown since the last; heads are stored as
// issued, so a client can name one by its size.
import { and, asc, desc, eq, gte, lt, or } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { logLeaves, logTreeHeads, type LogLeafKind } from '../../db/schema.ts';
import { signCompact } from '../records/jws.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { leafHash, MerkleTree } from './merkle.ts';
import { decodeHash, encodeHash, TREE_HEAD_CTY, treeHeadPayload, type SignedTreeHead } from './tree-head.ts';

/** The most leaves one request returns (a client pages on with `start`). */
export const MAX_LEAVES_PER_REQUEST = 1000;
const SYNC_PAGE = 10_000;

export interface LeafView {
  index: number;
  digest: string;
  leafHash: string;
  kind: LogLeafKind;
  lotId: number | null;
  createdAt: string;
}

export interface InclusionAnswer {
  leafIndex: number;
  treeSize: number;
  digest: string;
  leafHash: string;
  kind: LogLeafKind;
  lotId: number | null;
  /** The audit path, leaf to root, base64url (RFC 9162 §2.1.3). */
  auditPath: string[];
  treeHead: SignedTreeHead;
}

export interface ConsistencyAnswer {
  first: number;
  second: number;
  /** base64url hashes (RFC 9162 §2.1.4). */
  consistency: string[];
}

export class LogCorruptError extends Error {}

export interface TransparencyLog {
  /** The latest signed tree head, signing one for the current size when the tree has grown. */
  treeHead(): Promise<SignedTreeHead>;
  /** A tree head signed earlier, by its size. */
  treeHeadOfSize(size: number): Promise<Result<SignedTreeHead>>;
  inclusion(hash: string, treeSize?: number): Promise<Result<InclusionAnswer>>;
  consistency(first: number, second: number): Promise<Result<ConsistencyAnswer>>;
  leaves(start: number, end: number): Promise<Result<{ start: number; end: number; leaves: LeafView[] }>>;
}

const headOf = (row: typeof logTreeHeads.$inferSelect): SignedTreeHead => ({
  treeSize: row.treeSize,
  rootHash: row.rootHash,
  timestamp: row.timestamp.toISOString(),
  signature: row.signature,
});

export function createTransparencyLog(ctx: AppContext, key: SigningKey): TransparencyLog {
  const tree = new MerkleTree();
  let syncing: Promise<MerkleTree> | undefined;

  /** Reads the leaves appended since the last read into the tree (one reader at a time). */
  function sync(): Promise<MerkleTree> {
    syncing ??= (async () => {
      try {
        for (;;) {
          const rows = await ctx.db
            .select({ idx: logLeaves.idx, digest: logLeaves.digest })
            .from(logLeaves)
            .where(gte(logLeaves.idx, tree.size))
            .orderBy(asc(logLeaves.idx))
            .limit(SYNC_PAGE);
          for (const row of rows) {
            const entry = decodeHash(row.digest);
            if (row.idx !== tree.size || !entry)
              throw new LogCorruptError(
                `transparency log leaf ${row.idx} is ${entry ? 'out of order' : 'not a digest'} (the tree has ${tree.size} leaves)`,
              );
            tree.append(leafHash(entry));
          }
          if (rows.length < SYNC_PAGE) return tree;
        }
      } finally {
        syncing = undefined;
      }
    })();
    return syncing;
  }

  async function latestHead(): Promise<SignedTreeHead | undefined> {
    const [row] = await ctx.db.select().from(logTreeHeads).orderBy(desc(logTreeHeads.treeSize)).limit(1);
    return row && headOf(row);
  }

  async function treeHead(): Promise<SignedTreeHead> {
    const current = await sync();
    const latest = await latestHead();
    if (latest && latest.treeSize >= current.size) return latest;
    const size = current.size;
    const rootHash = encodeHash(current.root(size));
    const at = ctx.clock.now();
    const signature = await signCompact(
      new TextEncoder().encode(JSON.stringify(treeHeadPayload(size, rootHash, at))),
      key,
      TREE_HEAD_CTY,
    );
    // Another process may have signed this size first: then its head is the one.
    await ctx.db
      .insert(logTreeHeads)
      .values({ treeSize: size, rootHash, timestamp: at, signature })
      .onConflictDoNothing();
    const [row] = await ctx.db.select().from(logTreeHeads).where(eq(logTreeHeads.treeSize, size));
    return headOf(row!);
  }

  async function treeHeadOfSize(size: number): Promise<Result<SignedTreeHead>> {
    const [row] = await ctx.db.select().from(logTreeHeads).where(eq(logTreeHeads.treeSize, size));
    return row ? ok(headOf(row)) : refuse('tree_head_not_found', { treeSize: size });
  }

  return {
    treeHead,
    treeHeadOfSize,

    async inclusion(hash, treeSize) {
      // By the document's digest (what a holder of the document computes) or by the leaf hash (RFC 9162).
      const [leaf] = await ctx.db
        .select()
        .from(logLeaves)
        .where(or(eq(logLeaves.digest, hash), eq(logLeaves.leafHash, hash)))
        .limit(1);
      if (!leaf) return refuse('leaf_not_found', { hash });
      let head: SignedTreeHead;
      if (treeSize === undefined) head = await treeHead();
      else {
        const named = await treeHeadOfSize(treeSize);
        if (!named.ok) return named;
        head = named.value;
      }
      if (leaf.idx >= head.treeSize)
        return refuse('leaf_not_in_tree', { hash, leafIndex: leaf.idx, treeSize: head.treeSize });
      const current = await sync();
      return ok({
        leafIndex: leaf.idx,
        treeSize: head.treeSize,
        digest: leaf.digest,
        leafHash: leaf.leafHash,
        kind: leaf.kind,
        lotId: leaf.lotId,
        auditPath: current.inclusionProof(leaf.idx, head.treeSize).map(encodeHash),
        treeHead: head,
      });
    },

    async consistency(first, second) {
      const current = await sync();
      if (first > second) return refuse('tree_sizes_out_of_order', { first, second });
      if (second > current.size) return refuse('tree_size_unknown', { treeSize: second, size: current.size });
      return ok({ first, second, consistency: current.consistencyProof(first, second).map(encodeHash) });
    },

    async leaves(start, end) {
      if (end <= start) return refuse('tree_sizes_out_of_order', { first: start, second: end });
      const upto = Math.min(end, start + MAX_LEAVES_PER_REQUEST);
      const rows = await ctx.db
        .select()
        .from(logLeaves)
        .where(and(gte(logLeaves.idx, start), lt(logLeaves.idx, upto)))
        .orderBy(asc(logLeaves.idx));
      return ok({
        start,
        end: start + rows.length,
        leaves: rows.map((r) => ({
          index: r.idx,
          digest: r.digest,
          leafHash: r.leafHash,
          kind: r.kind,
          lotId: r.lotId,
          createdAt: r.createdAt.toISOString(),
        })),
      });
    },
  };
}
