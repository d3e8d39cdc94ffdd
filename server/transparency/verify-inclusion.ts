// Checking offline that a signed document is in the transparency log (`npm run verify-record --
// <file> --jwks … --inclusion <proof.json | URL>`): the proof must be for this document's digest (its
// bytes as served; for an NDJSON export, its seal), its tree head must carry a valid signature by a
// published key, and the audit path must lead from the document's leaf to that head's root (RFC 9162
// §2.1.3.2). No database: the verifier and anyone else can run it.
import type { Jwks } from '../records/jws.ts';
import { documentDigest } from '../records/lot-document-digest.ts';
import { leafHash, verifyInclusion } from './merkle.ts';
import { decodeHash, encodeHash, verifyTreeHead, type SignedTreeHead } from './tree-head.ts';

export type InclusionCheck =
  | { included: true; digest: string; leafIndex: number; treeHead: SignedTreeHead }
  | { included: false; digest: string; reason: string };

/** What a document's leaf is the digest of: the text as served, or an NDJSON export's seal JWS. */
export function loggedText(documentText: string): string {
  const lines = documentText.trimEnd().split('\n');
  const last = lines.at(-1);
  if (lines.length > 1 && last) {
    try {
      const line = JSON.parse(last) as { type?: unknown; jws?: unknown };
      if (line?.type === 'export-seal' && typeof line.jws === 'string') return line.jws;
    } catch {
      // Not NDJSON: the document is the text itself.
    }
  }
  return documentText;
}

export async function checkInclusion(documentText: string, proofValue: unknown, jwks: Jwks): Promise<InclusionCheck> {
  const digest = documentDigest(loggedText(documentText));
  const no = (reason: string): InclusionCheck => ({ included: false, digest, reason });
  const proof = proofValue as {
    digest?: unknown;
    leafIndex?: unknown;
    treeSize?: unknown;
    auditPath?: unknown;
    treeHead?: unknown;
  } | null;
  if (!proof || typeof proof !== 'object') return no('the inclusion proof is not a JSON object');
  if (proof.digest !== digest)
    return no(
      `the proof is for the document with digest ${String(proof.digest)}, and this file's digest is ${digest} (a document must be kept byte for byte as it was served)`,
    );
  const head = await verifyTreeHead(proof.treeHead, jwks);
  if (!head.ok) return no(head.reason);
  const path = Array.isArray(proof.auditPath) ? proof.auditPath.map(decodeHash) : [undefined];
  if (path.some((p) => !p)) return no('the audit path is not a list of base64url SHA-256 hashes');
  const index = proof.leafIndex;
  if (typeof index !== 'number' || proof.treeSize !== head.head.treeSize)
    return no('the proof names another tree size than its tree head');
  const leaf = leafHash(decodeHash(digest)!);
  if (!verifyInclusion(leaf, index, head.head.treeSize, path as Uint8Array[], decodeHash(head.head.rootHash)!))
    return no(
      `the audit path does not lead from leaf ${index} (${encodeHash(leaf)}) to the signed root ${head.head.rootHash}`,
    );
  return { included: true, digest, leafIndex: index, treeHead: head.head };
}
