// The transparency log beside a signed document as served: its digest (the leaf's entry) and where
// its inclusion proof is, so a client keeps both without computing anything first.
import type { Context } from 'hono';
import { documentDigest } from '../records/lot-document-digest.ts';

export const DIGEST_HEADER = 'Transparency-Log-Digest';

/** Sets the headers for a document whose body is exactly `text`; returns the digest. */
export function logHeaders(c: Context, text: string): string {
  const digest = documentDigest(text);
  c.header(DIGEST_HEADER, digest);
  c.header('Link', `</api/log/proof/inclusion?hash=${digest}>; rel="transparency-proof"`);
  return digest;
}
