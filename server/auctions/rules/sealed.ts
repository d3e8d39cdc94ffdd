// The sealed method (issue 16; DESIGN.md §8): one written bid per bidder, revealed together at the end.
// A bid's commitment is the base64url SHA-256 of its salt and amount: the 32 salt bytes followed by
// the amount as ASCII decimal digits (no sign, no leading zeros). The salt is revealed with the amount,
// so anyone holding the receipt can recompute it. The winner is the highest amount; a tie is broken
// by the lot's policy: the earliest submission, or a further sealed round among the tied bidders.
// Pure: hashing only, no I/O. The routes, storage and reveal are server/sealed/.
import { createHash } from 'node:crypto';

export const SALT_BYTES = 32;

/** The commitment to `amount` under `salt` (32 bytes). */
export function commitment(salt: Uint8Array, amount: number): string {
  if (salt.length !== SALT_BYTES) throw new RangeError(`a sealed bid's salt is ${SALT_BYTES} bytes`);
  if (!Number.isSafeInteger(amount) || amount <= 0) throw new RangeError('a sealed amount is a positive integer');
  return createHash('sha256').update(salt).update(String(amount), 'ascii').digest('base64url');
}

/** True when a revealed amount and salt (base64url) match the commitment a receipt holds. */
export function commitmentHolds(commitmentValue: string, saltBase64url: string, amount: number): boolean {
  const salt = Buffer.from(saltBase64url, 'base64url');
  if (salt.length !== SALT_BYTES || salt.toString('base64url') !== saltBase64url) return false;
  if (!Number.isSafeInteger(amount) || amount <= 0) return false;
  return commitment(salt, amount) === commitmentValue;
}

export interface SealedBid {
  bidderCode: string;
  amount: number;
  submittedAt: Date;
}

export type SealedOutcome<B extends SealedBid> =
  | { kind: 'none' }
  | { kind: 'winner'; winner: B }
  /** Tied at the top under the `round` policy: they bid again, sealed, among themselves. */
  | { kind: 'tie_round'; tied: B[]; amount: number };

/**
 * The outcome of the reveal: the highest amount wins; a tie goes to the earliest submission (then
 * the bidder code, so the answer never depends on input order) or to a further sealed round.
 */
export function sealedOutcome<B extends SealedBid>(
  bids: readonly B[],
  tieBreak: 'earliest' | 'round',
): SealedOutcome<B> {
  if (bids.length === 0) return { kind: 'none' };
  const top = Math.max(...bids.map((b) => b.amount));
  const tied = bids
    .filter((b) => b.amount === top)
    .sort((a, b) => a.submittedAt.getTime() - b.submittedAt.getTime() || a.bidderCode.localeCompare(b.bidderCode));
  if (tied.length === 1 || tieBreak === 'earliest') return { kind: 'winner', winner: tied[0] };
  return { kind: 'tie_round', tied, amount: top };
}

/** Tie rounds a lot may hold (policy `round`); the reveal after the last one goes to the earliest submission. */
export const MAX_TIE_ROUNDS = 3;

/** The tie-break that decides the reveal of `round`: the lot's, or `earliest` once the tie rounds are used up. */
export function tieBreakAt(tieBreak: 'earliest' | 'round', round: number): 'earliest' | 'round' {
  return round >= MAX_TIE_ROUNDS ? 'earliest' : tieBreak;
}
