// The signed tree head (STH) of the transparency log: its size, its root and when it was signed,
// with a compact JWS over exactly those (content type TREE_HEAD_CTY) by the record-signing key, so
// anyone holding the published keys (/api/.well-known/jwks.json) can check it. Shared by the server,
// the monitor (`npm run monitor`) and the offline record verifier: no database imports.
import type { Jwks } from '../records/jws.ts';
import { verifyJws } from '../records/jws.ts';
import { HASH_SIZE } from './merkle.ts';

export const TREE_HEAD_CTY = 'application/vnd.auction-platform.tree-head+json';
export const TREE_HEAD_TYPE = 'tree-head';
export const TREE_HEAD_VERSION = 1;

/** What the signature covers. */
export interface TreeHeadPayload {
  type: typeof TREE_HEAD_TYPE;
  version: typeof TREE_HEAD_VERSION;
  treeSize: number;
  /** base64url MTH of the first treeSize leaves. */
  rootHash: string;
  /** ISO 8601, when the log signed it. */
  timestamp: string;
}

/** A signed tree head as served: the payload's fields, and the JWS over them. */
export interface SignedTreeHead {
  treeSize: number;
  rootHash: string;
  timestamp: string;
  /** Compact JWS over TreeHeadPayload. */
  signature: string;
}

export function treeHeadPayload(treeSize: number, rootHash: string, timestamp: Date): TreeHeadPayload {
  return { type: TREE_HEAD_TYPE, version: TREE_HEAD_VERSION, treeSize, rootHash, timestamp: timestamp.toISOString() };
}

/** base64url of a 32-byte hash, or undefined when the text is not exactly that. */
export function decodeHash(text: unknown): Uint8Array | undefined {
  if (typeof text !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(text)) return undefined;
  const bytes = new Uint8Array(Buffer.from(text, 'base64url'));
  return bytes.length === HASH_SIZE && Buffer.from(bytes).toString('base64url') === text ? bytes : undefined;
}

export const encodeHash = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export type TreeHeadCheck = { ok: true; head: SignedTreeHead; kid: string } | { ok: false; reason: string };

/**
 * Checks a tree head: its signature against the published keys, and that the fields served beside
 * the signature are exactly the ones signed.
 */
export async function verifyTreeHead(input: unknown, jwks: Jwks): Promise<TreeHeadCheck> {
  if (!input || typeof input !== 'object') return { ok: false, reason: 'not a tree head' };
  const head = input as Partial<SignedTreeHead>;
  if (typeof head.signature !== 'string') return { ok: false, reason: 'the tree head carries no signature' };
  const checked = await verifyJws(head.signature, jwks, TREE_HEAD_CTY);
  if (!checked.ok) return { ok: false, reason: `the tree head's signature does not hold: ${checked.reason}` };
  let payload: TreeHeadPayload;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(checked.payload)) as TreeHeadPayload;
  } catch {
    return { ok: false, reason: 'the signed tree head is not JSON' };
  }
  if (
    payload?.type !== TREE_HEAD_TYPE ||
    payload.version !== TREE_HEAD_VERSION ||
    !Number.isSafeInteger(payload.treeSize) ||
    payload.treeSize < 0 ||
    !decodeHash(payload.rootHash) ||
    typeof payload.timestamp !== 'string' ||
    Number.isNaN(Date.parse(payload.timestamp))
  )
    return { ok: false, reason: 'the signed tree head is not a tree head of this log format' };
  if (head.treeSize !== payload.treeSize || head.rootHash !== payload.rootHash || head.timestamp !== payload.timestamp)
    return { ok: false, reason: 'the tree head served differs from the one signed' };
  return {
    ok: true,
    kid: checked.kid,
    head: {
      treeSize: payload.treeSize,
      rootHash: payload.rootHash,
      timestamp: payload.timestamp,
      signature: head.signature,
    },
  };
}
