// One attempt to deliver a webhook: POST the event's JSON body to the target, signed with the target's
// secret, and say what came back. The signature is the platform's payment-webhook scheme
// (server/payments/webhook-signature.ts, whose HMAC helpers it uses): `X-Platform-Signature:
// t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. Idempotency-Key is the same on every
// attempt for an event and a target, so a receiver that sees it twice (an answer lost, a retry) acts
// once. Redirects are not followed (the signed body goes only where configured). Bounded: no answer
// within the timeout is a failed attempt. Never throws; never logs or returns the secret.
import { signatureHeader } from '../payments/webhook-signature.ts';
import type { WebhookTarget } from './targets.ts';

export const SIGNATURE_HEADER = 'X-Platform-Signature';
export const EVENT_ID_HEADER = 'X-Platform-Event-Id';
export const EVENT_TYPE_HEADER = 'X-Platform-Event-Type';
export const ATTEMPT_HEADER = 'X-Platform-Delivery-Attempt';
export const USER_AGENT = 'auction-platform-webhooks/1';

export interface Outgoing {
  eventId: string;
  eventType: string;
  idempotencyKey: string;
  /** The body, exactly as stored and signed. */
  body: string;
  attempt: number;
}

export interface AttemptResult {
  /** The answer's status; null when none came. */
  status: number | null;
  /** Why it does not count as delivered; null on a 2xx. */
  error: string | null;
  durationMs: number;
}

/** POSTs one attempt; `now` is the signature's time (the platform's clock). */
export async function postWebhook(
  target: WebhookTarget,
  out: Outgoing,
  timeoutMs: number,
  now: Date,
): Promise<AttemptResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const t = Math.floor(now.getTime() / 1000);
  try {
    const res = await fetch(target.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'idempotency-key': out.idempotencyKey,
        [SIGNATURE_HEADER]: signatureHeader(target.secret, t, out.body),
        [EVENT_ID_HEADER]: out.eventId,
        [EVENT_TYPE_HEADER]: out.eventType,
        [ATTEMPT_HEADER]: String(out.attempt),
      },
      body: out.body,
    });
    // The answer's body is not needed: drop it, so the connection is freed.
    await res.body?.cancel().catch(() => {});
    if (res.status >= 200 && res.status < 300) return { status: res.status, error: null, durationMs: elapsed() };
    const redirect = res.status >= 300 && res.status < 400 ? ' (redirects are not followed)' : '';
    const text = res.statusText ? ` ${res.statusText}` : '';
    return { status: res.status, error: `HTTP ${res.status}${text}${redirect}`, durationMs: elapsed() };
  } catch (err) {
    return { status: null, error: describeFailure(err, timeoutMs), durationMs: elapsed() };
  }
}

/** A failure without an answer, in a line for admins. */
function describeFailure(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `no answer within ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return `no answer: ${e?.message ?? String(err)}${cause ? ` (${cause})` : ''}`.slice(0, 500);
}
