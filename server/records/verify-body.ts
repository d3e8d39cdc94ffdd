// What POST /api/records/verify does with a request body, as one pure function of the bytes, the
// media type's kind and the published keys: decoding, JSON parsing, shape checks, signature and hash
// chains. It runs in a worker thread (verify-pool.ts), so a 16 MiB document never holds the event
// loop; it needs no database and no platform state.
import { invalid, refuse, type Failure } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import type { Jwks } from './jws.ts';
import { verifyDocument, type DocumentKind } from './verify-document.ts';
import type { Verdict } from './verify.ts';
import { verifySignedDocument } from './verify-signed.ts';

/** `json` is an application/json body (a JWS JSON object or a JSON string holding a compact JWS). */
export type BodyKind = DocumentKind | 'json';

/** A verdict, or the client's mistake (turned into 400/422 by the route; a plain object, so it crosses from the worker). */
export type BodyOutcome = { ok: true; verdict: Verdict } | Failure;

/** Verifies a request body of the given kind against the published keys. */
export async function verifyBody(bytes: Uint8Array, kind: BodyKind, jwks: Jwks): Promise<BodyOutcome> {
  if (new TextDecoder().decode(bytes).trim() === '')
    return invalid({ body: fieldError('REQUIRED') }, refuse('verify_body_empty'));
  if (kind !== 'json') return { ok: true, verdict: await verifyDocument(bytes, jwks, kind) };
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return refuse('body_not_json');
  }
  if (value === null || (typeof value !== 'string' && (typeof value !== 'object' || Array.isArray(value)))) {
    return invalid({ body: fieldError('NOT_JWS') }, refuse('verify_not_jws'));
  }
  return { ok: true, verdict: await verifySignedDocument(value, jwks) };
}
