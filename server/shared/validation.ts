// The validation vocabulary: the one home of the values every boundary checks (HTTP bodies, paths,
// queries and headers, socket payloads, and the plain checks of code that takes numbers from callers
// it does not trust). Row ids and seqs are positive int32 (PostgreSQL `integer`), money is a whole
// number of VND, an Idempotency-Key is 1–200 visible ASCII characters, times are ISO-8601. Each value
// has a zod building block (with the field code a client translates: server/shared/field-errors.ts)
// and, where code outside a schema needs it, a plain check with the same rule.
import { z } from '@hono/zod-openapi';
import { fieldCode } from './field-errors.ts';

/** The largest PostgreSQL `integer`: row ids and ledger seqs never exceed it. */
export const MAX_INT32 = 2_147_483_647;

/** True for a value that can be a row id (a lot, registration, image): a positive int32. */
export function isRowId(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 && n <= MAX_INT32;
}

/** A row id in a JSON payload (socket events). */
export const RowId = (): z.ZodNumber => z.number().int().positive().max(MAX_INT32);

/** A row id (or a seq: also positive int32) in a request path, from its text; named for OpenAPI. */
export const pathId = (name: string): z.ZodCoercedNumber<unknown> =>
  z.coerce
    .number()
    .int()
    .positive()
    .max(MAX_INT32)
    .openapi({ param: { name, in: 'path' }, example: 1 });

/** A path `{id}` of a lot: every /lots/{id}… route. */
export const LotIdParam = z.object({ id: pathId('id') });

/** A ledger seq to read after, in a JSON payload: 0 (from the start) or a seq. */
export const SeqAfter = (): z.ZodNumber => z.number().int().min(0).max(MAX_INT32);

/** The same in a query string (`?after=N`), 0 when absent. */
export const seqAfterQuery = (): z.ZodDefault<z.ZodCoercedNumber<unknown>> =>
  z.coerce.number().int().min(0).max(MAX_INT32).default(0);

/** True for a whole, positive amount of VND within JavaScript's safe integers. */
export function isVnd(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0;
}

/** A positive whole number of VND within JavaScript's safe integer range (field code NOT_VND). */
export const Vnd = z
  .number({ error: fieldCode('NOT_VND') })
  .int(fieldCode('NOT_VND'))
  .positive(fieldCode('NOT_VND'))
  .max(Number.MAX_SAFE_INTEGER, fieldCode('NOT_VND'));

/** An Idempotency-Key: 1–200 visible ASCII characters (the HTTP header and the socket bid's field). */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,200}$/;

export function isIdempotencyKey(key: unknown): key is string {
  return typeof key === 'string' && IDEMPOTENCY_KEY_PATTERN.test(key);
}

/** The Idempotency-Key as a schema (field code NOT_IDEMPOTENCY_KEY). */
export const IdempotencyKey = (): z.ZodString =>
  z
    .string({ error: fieldCode('NOT_IDEMPOTENCY_KEY') })
    .regex(IDEMPOTENCY_KEY_PATTERN, fieldCode('NOT_IDEMPOTENCY_KEY'));

/**
 * An organisation's e-ID identifier (issue 19), such as its tax code: 0101234567, 0101234567-001.
 * Upper-cased and trimmed before the check.
 */
export const ORGANISATION_IDENTIFIER = /^[0-9A-Z][0-9A-Z-]{2,39}$/;

/** An organisation's e-ID identifier as a schema (field code NOT_ORGANISATION_IDENTIFIER). */
export const OrganisationIdentifier = () =>
  z
    .string({ error: fieldCode('NOT_ORGANISATION_IDENTIFIER') })
    .trim()
    .transform((v) => v.toUpperCase())
    .pipe(z.string().regex(ORGANISATION_IDENTIFIER, fieldCode('NOT_ORGANISATION_IDENTIFIER')));

/** An instant in a body: ISO-8601 with a zone offset (or Z), read as a Date. */
export const Instant = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

/** One end of a period in a query: a date (2026-01-01, midnight UTC) or an ISO-8601 time. */
export const periodBound = (
  name: string,
): z.ZodPipe<z.ZodUnion<readonly [z.ZodISODate, z.ZodISODateTime]>, z.ZodTransform<Date, string>> =>
  z
    .union([z.iso.date(), z.iso.datetime({ offset: true })], { error: 'a date (2026-01-01) or an ISO-8601 time' })
    .transform((s) => new Date(s))
    .openapi({ param: { name, in: 'query' }, example: name === 'from' ? '2026-01-01' : '2027-01-01' });

/** A time window is ordered when its start is before its end (either may be open). */
export function isOrderedWindow(w: { from?: Date; to?: Date }): boolean {
  return !w.from || !w.to || w.from.getTime() < w.to.getTime();
}
