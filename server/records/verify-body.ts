// What POST /api/records/verify does with a request body, as one pure function of the bytes, the
// media type's kind and the published keys: decoding, JSON parsing, shape checks, signature and hash
// chains. It runs in a worker thread (verify-pool.ts), so a 16 MiB document never holds the event
// loop; it needs no database and no platform state.
import type { Jwks } from './jws.ts';
import { verifyDocument, type DocumentKind } from './verify-document.ts';
import { verifySignedRecord, type Verdict } from './verify.ts';

/** `json` is an application/json body (a JWS JSON object or a JSON string holding a compact JWS). */
export type BodyKind = DocumentKind | 'json';

/** A verdict, or the client's mistake (turned into 400/422 by the route). */
export type BodyOutcome = { ok: true; verdict: Verdict } | { ok: false; code: 'MALFORMED_REQUEST' | 'VALIDATION_FAILED'; message: string; fields?: Record<string, string> };

/** Verifies a request body of the given kind against the published keys. */
export async function verifyBody(bytes: Uint8Array, kind: BodyKind, jwks: Jwks): Promise<BodyOutcome> {
  if (new TextDecoder().decode(bytes).trim() === '') return { ok: false, code: 'VALIDATION_FAILED', message: 'The body is empty: send the record to verify.', fields: { body: 'required' } };
  if (kind !== 'json') return { ok: true, verdict: await verifyDocument(bytes, jwks, kind) };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return { ok: false, code: 'MALFORMED_REQUEST', message: 'The request body is not valid JSON.' };
  }
  if (value === null || (typeof value !== 'string' && (typeof value !== 'object' || Array.isArray(value)))) {
    return { ok: false, code: 'VALIDATION_FAILED', message: 'Expected a JWS: a JSON serialization object or a string holding a compact JWS.', fields: { body: 'a JWS' } };
  }
  return { ok: true, verdict: await verifySignedRecord(value, jwks) };
}
