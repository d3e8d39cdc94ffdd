// Anonymous bidder codes ("B-7K3Q"): random, never derived from the person's id, unique within a lot.
// The alphabet has 32 symbols without look-alikes (no I, O, 0, 1), so a random byte maps without bias.
import { randomBytes } from 'node:crypto';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

export function randomBidderCode(length = 4): string {
  const bytes = randomBytes(length);
  let code = 'B-';
  for (const b of bytes) code += ALPHABET[b & 31];
  return code;
}

/** A code not in `taken`; lengthens the code if a lot is unusually crowded. */
export function freshBidderCode(taken: Set<string>): string {
  for (let attempt = 0; ; attempt++) {
    const code = randomBidderCode(attempt < 20 ? 4 : 6);
    if (!taken.has(code)) return code;
  }
}
