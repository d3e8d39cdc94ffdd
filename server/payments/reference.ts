// Transfer references: the one code a payer writes in the bank transfer's memo, and that matching
// looks for in what the bank reports. A reference is 'DG', 8 random Crockford base-32 characters and
// a check character (Luhn mod 32), 11 uppercase letters and digits in all: banks keep such a memo
// intact (no diacritics, punctuation or lowercase to be dropped or changed), and a mistyped character
// or two swapped neighbours fail the check instead of naming another person's payment.
// Pure: no I/O.
import { randomInt } from 'node:crypto';

/** Crockford's base-32 alphabet: no I, L, O or U, so nothing reads as another character. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PREFIX = 'DG';
const BODY_LENGTH = 8;
/** The length of a whole reference: prefix, body, check character. */
export const REFERENCE_LENGTH = PREFIX.length + BODY_LENGTH + 1;
/** A reference as stored and shown. */
export const REFERENCE_PATTERN = /^DG[0-9A-HJKMNP-TV-Z]{9}$/;

/** Luhn mod 32 over the body: catches every single-character error and every swap of two neighbours. */
export function checkCharacter(body: string): string {
  let factor = 2;
  let sum = 0;
  for (let i = body.length - 1; i >= 0; i--) {
    const value = ALPHABET.indexOf(body[i]);
    if (value < 0) throw new Error(`not a base-32 character: ${body[i]}`);
    const addend = value * factor;
    sum += Math.floor(addend / 32) + (addend % 32);
    factor = factor === 2 ? 1 : 2;
  }
  return ALPHABET[(32 - (sum % 32)) % 32];
}

/** A new random reference (the caller retries on the rare collision with an existing one). */
export function newReference(random: (max: number) => number = randomInt): string {
  let body = '';
  for (let i = 0; i < BODY_LENGTH; i++) body += ALPHABET[random(32)];
  return PREFIX + body + checkCharacter(body);
}

/** Whether `s` is a well-formed reference whose check character holds. */
export function isValidReference(s: string): boolean {
  if (!REFERENCE_PATTERN.test(s)) return false;
  const body = s.slice(PREFIX.length, PREFIX.length + BODY_LENGTH);
  return checkCharacter(body) === s[REFERENCE_LENGTH - 1];
}

/** Crockford's reading of look-alikes (O as zero, I and L as one), applied to a candidate's characters. */
const LOOK_ALIKES: Record<string, string> = { O: '0', I: '1', L: '1' };

/**
 * The references found in a memo as a bank reports it: case ignored, spaces, dots, dashes and other
 * separators ignored (banks wrap and split memos), look-alike letters read as Crockford reads them,
 * the reference anywhere inside a longer text ("NGUYEN VAN A CK DG7K3M-9QX2 P"). Only candidates whose
 * check character holds are returned, in the order they occur, without repeats.
 */
export function referencesIn(memo: string): string[] {
  const compact = memo
    .normalize('NFKD')
    .toUpperCase()
    .replace(/[^0-9A-Z]/g, '');
  const found: string[] = [];
  for (let i = compact.indexOf(PREFIX); i >= 0; i = compact.indexOf(PREFIX, i + 1)) {
    const tail = compact.slice(i + PREFIX.length, i + REFERENCE_LENGTH);
    if (tail.length < REFERENCE_LENGTH - PREFIX.length) break;
    const candidate = PREFIX + [...tail].map((ch) => LOOK_ALIKES[ch] ?? ch).join('');
    if (isValidReference(candidate) && !found.includes(candidate)) found.push(candidate);
  }
  return found;
}
