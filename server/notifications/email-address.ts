// What an e-mail address is here, for PUT /api/me/email and the e-ID's email claim alike: a local
// part, an @ and a domain of dot-separated labels, at most 254 characters, with no spaces or control
// characters (so no header can be smuggled through it). Deliberately loose otherwise: the SMTP server
// has the last word.
const EMAIL_PATTERN = /^[^\s@\p{Cc}]{1,64}@[^\s@\p{Cc}.]+(?:\.[^\s@\p{Cc}.]+)+$/u;

export const MAX_EMAIL_LENGTH = 254;

export function isEmailAddress(s: string): boolean {
  return s.length <= MAX_EMAIL_LENGTH && EMAIL_PATTERN.test(s);
}
