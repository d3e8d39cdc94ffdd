// The guards of reads that show who is behind a bidder code (the registration list, the manager's
// explicit identity read, an authorisation document): refused when another site asked for them, and
// the stated purpose such a read is audited with.
import { z } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../identity/person.ts';
import { AppError } from '../shared/errors.ts';
import { fieldCode } from '../shared/field-errors.ts';

/**
 * Refuses reads that show identities when the browser says another site asked for them (a link or
 * an image on a foreign page): such a read would be audited in the user's name with a purpose
 * someone else chose. API clients send no Sec-Fetch-Site header and are not affected.
 */
export function sameSiteOnly(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    if (site === 'cross-site' || site === 'same-site') throw AppError.of('identity_cross_site');
    await next();
  };
}

/**
 * Why an identity is read: 10–500 characters, no control characters (NUL included), as it goes into
 * the audit log and printed records.
 */
export const Purpose = z
  .string()
  .trim()
  .min(10)
  .max(500)
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'));

/** The `?purpose=` of an audited identity read. */
export const PurposeQuery = z.object({
  purpose: Purpose.openapi({
    param: { name: 'purpose', in: 'query' },
    example: 'Reviewing the authorisation document sent for this registration',
  }),
});

/**
 * The optional `?purpose=` of a read that shows identities and was answered before purposes were asked
 * for (issue 20): validated as Purpose when given; absent, the audit log records null ("not stated").
 */
export const OptionalPurposeQuery = z.object({
  purpose: Purpose.optional().openapi({
    param: { name: 'purpose', in: 'query' },
    description:
      'Why the identities are read (10–500 characters, no control characters), written to the audit log and shown to the people read in "who viewed my data"; absent: recorded as not stated.',
    example: 'Quarterly inspection of this organisation’s lots',
  }),
});
