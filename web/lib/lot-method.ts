// A lot's auction method as the pages show it (issue 16; DESIGN.md §8): the method and its terms as the
// server gives them on the lot (GET /api/lots/:id, the `watch` snapshot, `lot` events), the sealed-bid
// receipt's payload, and the browser's own check of a revealed commitment. Nothing here decides a bid:
// the price asked, whether bidding is open and who may bid are the server's. Two figures are worked
// out for display only, each named so: the next price of a descending lot (the price asked now less
// one step, unless that is below the floor) and, in the manager's form, the end its schedule gives.
import type { Lot } from './api/types.ts';

export type LotMethod = Lot['method'];
export type TieBreak = NonNullable<Lot['tieBreak']>;
/** Extension rounds of an ascending lot: up to `max` rounds of `seconds`, opened by a bid in the last `triggerSeconds`. */
export type RoundsTerms = NonNullable<Lot['rounds']>;

export const METHODS = ['ascending', 'descending', 'sealed'] as const satisfies readonly LotMethod[];
export const TIE_BREAKS = ['earliest', 'round'] as const satisfies readonly TieBreak[];

/**
 * For display in the manager's form: when a descending lot with these terms ends if nobody accepts
 * (startsAt + (floor((startingPrice − floorPrice) / priceStep) + 1) × intervalSeconds, as the server
 * computes it; the server sets it). Null while a term is missing or unsound.
 */
export function descendingEndPreview(terms: {
  startsAt: string | null;
  startingPrice: number | null;
  priceStep: number | null;
  floorPrice: number | null;
  intervalSeconds: number | null;
}): string | null {
  const { startsAt, startingPrice, priceStep, floorPrice, intervalSeconds } = terms;
  if (startsAt === null || startingPrice === null || priceStep === null || floorPrice === null) return null;
  if (intervalSeconds === null || !Number.isSafeInteger(intervalSeconds) || intervalSeconds <= 0) return null;
  if (priceStep <= 0 || floorPrice <= 0 || floorPrice > startingPrice) return null;
  const steps = Math.floor((startingPrice - floorPrice) / priceStep) + 1;
  return new Date(Date.parse(startsAt) + steps * intervalSeconds * 1000).toISOString();
}

/** What a sealed bid's receipt says (the payload of its compact JWS). */
export interface ReceiptClaims {
  lotId: number;
  bidderCode: string;
  commitment: string;
  submittedAt: string;
}

function fromBase64url(text: string): Uint8Array {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const bin = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

function toBase64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

/**
 * The claims of a receipt (a compact JWS), read without checking its signature (the page only reads
 * what it holds; the record verifier checks signatures). Undefined when it is not a receipt.
 */
export function readReceipt(jws: string): ReceiptClaims | undefined {
  const parts = jws.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    const claims = JSON.parse(new TextDecoder().decode(fromBase64url(parts[1]))) as Partial<ReceiptClaims>;
    if (
      typeof claims.lotId !== 'number' ||
      typeof claims.bidderCode !== 'string' ||
      typeof claims.commitment !== 'string' ||
      typeof claims.submittedAt !== 'string'
    )
      return undefined;
    return {
      lotId: claims.lotId,
      bidderCode: claims.bidderCode,
      commitment: claims.commitment,
      submittedAt: claims.submittedAt,
    };
  } catch {
    return undefined;
  }
}

/**
 * A sealed bid's commitment worked out again from what the reveal published: the base64url SHA-256 of
 * the salt's bytes followed by the amount in ASCII digits (DESIGN.md §8). Undefined when the salt is
 * not base64url or the browser has no Web Crypto (an insecure context).
 */
export async function commitmentOf(salt: string, amount: number): Promise<string | undefined> {
  if (!globalThis.crypto?.subtle) return undefined;
  try {
    const saltBytes = fromBase64url(salt);
    const digits = new TextEncoder().encode(String(amount));
    const input = new Uint8Array(saltBytes.length + digits.length);
    input.set(saltBytes);
    input.set(digits, saltBytes.length);
    return toBase64url(new Uint8Array(await crypto.subtle.digest('SHA-256', input)));
  } catch {
    return undefined;
  }
}
