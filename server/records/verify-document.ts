// One entry point for "is this document genuine?": works out whether the bytes are a signed record
// or money trail (any JWS serialization), an NDJSON export or a CSV file, and verifies it accordingly. Shared by
// POST /api/records/verify and `npm run verify-record`.
import type { Jwks } from './jws.ts';
import { invalidVerdict, readJwsText, type Verdict } from './verify.ts';
import { verifySignedDocument } from './verify-signed.ts';
import { verifyCsv, verifyNdjsonExport } from './verify-export.ts';

export type DocumentKind = 'record' | 'ndjson' | 'csv';

/** Guesses the kind from the content: several JSON lines are an export; JSON or a compact JWS a record. */
export function detectKind(text: string): DocumentKind {
  const t = text.replace(/^\uFEFF/, '').trimStart();
  const firstLine = t.split('\n', 1)[0];
  if (t.startsWith('{') && /"type"\s*:\s*"(lot|audit)-export"/.test(firstLine)) return 'ndjson';
  if (t.startsWith('{') || t.startsWith('"') || /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\s*$/.test(t))
    return 'record';
  return 'csv';
}

/** Verifies a document of the given kind (or the detected one). */
export async function verifyDocument(bytes: Uint8Array, jwks: Jwks, kind?: DocumentKind): Promise<Verdict> {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const k = kind ?? detectKind(text);
  if (k === 'ndjson') return verifyNdjsonExport(bytes, jwks);
  if (k === 'csv') return verifyCsv(text);
  const read = readJwsText(text);
  if (!read.ok) return invalidVerdict('auction-record', read);
  return verifySignedDocument(read.value, jwks);
}
