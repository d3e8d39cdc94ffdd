// The payment provider's signature on a notification (DESIGN.md §8): the header
// `X-Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` keyed with
// PAYMENT_WEBHOOK_SECRET. The timestamp bounds a replay to a 5-minute window either side of the
// server's clock (and a replay inside it changes nothing: notifications are idempotent by transaction
// id). Pure apart from the HMAC: the caller gives the time.
import { createHmac, timingSafeEqual } from 'node:crypto';

/** How far a signature's timestamp may be from the server's clock, either way. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;
export const SIGNATURE_HEADER = 'x-payment-signature';

export type SignatureCheck =
  { ok: true; timestamp: number } | { ok: false; problem: 'malformed' | 'stale' | 'future' | 'mismatch' };

/** The v1 signature of a body at a time: what a provider (or a test, or the demo bank) sends. */
export function signNotification(secret: string, timestamp: number, rawBody: string): string {
  return createHmac('sha256', secret).update(`${timestamp}.${rawBody}`, 'utf8').digest('hex');
}

/** The header value for a body signed now. */
export function signatureHeader(secret: string, timestamp: number, rawBody: string): string {
  return `t=${timestamp},v1=${signNotification(secret, timestamp, rawBody)}`;
}

/**
 * Checks a notification's header against its raw body at `now`. Several v1 values are allowed (a
 * provider rotating its secret signs with both); one matching is enough. The comparison takes the
 * same time whatever the bytes.
 */
export function checkSignature(secret: string, header: string | undefined, rawBody: string, now: Date): SignatureCheck {
  if (!header || header.length > 1000) return { ok: false, problem: 'malformed' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const eq = part.indexOf('=');
    if (eq < 0) return { ok: false, problem: 'malformed' };
    const key = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) return { ok: false, problem: 'malformed' };
      timestamp = Number(value);
    } else if (key === 'v1') {
      if (!/^[0-9a-fA-F]{64}$/.test(value)) return { ok: false, problem: 'malformed' };
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, v2, …) are ignored, so a provider can add one before this side knows it.
  }
  if (timestamp === undefined || signatures.length === 0) return { ok: false, problem: 'malformed' };
  const age = Math.floor(now.getTime() / 1000) - timestamp;
  if (age > SIGNATURE_TOLERANCE_SECONDS) return { ok: false, problem: 'stale' };
  if (age < -SIGNATURE_TOLERANCE_SECONDS) return { ok: false, problem: 'future' };
  const expected = Buffer.from(signNotification(secret, timestamp, rawBody), 'hex');
  let matched = false;
  for (const s of signatures) matched = timingSafeEqual(s, expected) || matched;
  return matched ? { ok: true, timestamp } : { ok: false, problem: 'mismatch' };
}
