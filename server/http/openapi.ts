// Shared OpenAPI pieces: a JSON response, the error body schema and error responses by status.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../shared/errors.ts';
import { REASON_CODES } from '../shared/reasons.ts';
import { FIELD_CODES } from '../shared/field-errors.ts';

/** A route's JSON response (createRoute's `responses`): its schema and what it is. */
export function json<T extends z.ZodType>(
  schema: T,
  description: string,
): { description: string; content: { 'application/json': { schema: T } } } {
  return { description, content: { 'application/json': { schema } } };
}

const Param = z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())]);

const FieldErrorSchema = z
  .object({ code: z.enum(FIELD_CODES as [string, ...string[]]) })
  .catchall(Param)
  .openapi('FieldError', {
    description:
      "One field's error: a stable code and, beside it, the parameters its text names. Codes and their parameters: REQUIRED; INVALID_TYPE {expected}; NOT_INTEGER; TOO_SMALL {min, inclusive}; TOO_LARGE {max, inclusive}; TOO_SHORT {min} and TOO_LONG {max} (characters); TOO_FEW {min} and TOO_MANY {max} (items); NOT_DATE_TIME; INVALID_FORMAT {detail?}; NOT_ONE_OF {options}; UNKNOWN_FIELDS {keys}; CONTAINS_NUL; CONTAINS_CONTROL; INVALID {detail?} (`detail`: the check's own English words, when it has no code of its own); NOT_VND; NOT_PID; NOT_CATEGORY; NOT_IDEMPOTENCY_KEY; NOT_JWS; a lot's terms: DEPOSIT_OUT_OF_RANGE {minPct, maxPct, min, max} (VND), STEP_ABOVE_STARTING_PRICE, CLOSES_BEFORE_OPENING, CLOSES_AFTER_BIDDING_STARTS, ENDS_BEFORE_START, BIDDING_WINDOW_TOO_SHORT {minMinutes}, NOT_IN_FUTURE, SOFT_CLOSE_WINDOW_TOO_LONG; registering: RULES_CHANGED {rulesVersion}; lot images: IMAGE_REQUIRED, IMAGE_ASPECT_TOO_EXTREME {maxRatio}, IMAGE_TOO_COMPLEX, IMAGE_TOO_LARGE_DRAWN. New codes may be added; treat an unknown one like INVALID.",
    example: { code: 'TOO_LONG', max: 200 },
  });

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z
        .enum(ERROR_CODES as [string, ...string[]])
        .openapi({ description: 'What kind of failure (it decides the HTTP status). Stable.' }),
      message: z.string().openapi({
        description:
          'In English, for people reading logs and API clients; derived from `reason` and `params`. Show a translation of `reason` (else `code`) to end users instead.',
      }),
      reason: z
        .enum(REASON_CODES as [string, ...string[]])
        .optional()
        .openapi({
          description:
            'Which refusal within `code`: a stable snake_case name to translate by (for example BID_TOO_LOW comes as `below_starting_price` or `below_next_bid`; NOT_FOUND as `lot_not_found`, `person_unknown`, …; UNAVAILABLE on a bid as `database_unavailable`, `queue_full`, `overloaded` or `timeout` (the bid was NOT placed) or `unknown_outcome` (it may have been: retry with the same Idempotency-Key)). New reasons may be added: fall back to `code` for one you do not know.',
        }),
      params: z
        .record(z.string(), Param)
        .optional()
        .openapi({
          description:
            'The values the message names, for a translation to put into its own words: amounts as integer VND, times as ISO-8601 UTC. For example BID_TOO_LOW {minNextBid}; RATE_LIMITED (`rate_limited`) {retryAfterSeconds, what, from}; LOT_NOT_LIVE (`bidding_not_open`) {startsAt}; REGISTRATION_CLOSED (`registration_not_open`) {opensAt}; INVALID_STATE {status}; VALIDATION_FAILED (`invalid_fields`) {names}.',
          example: { minNextBid: 45000000 },
        }),
      fields: z.record(z.string(), z.string()).optional().openapi({
        description: 'For VALIDATION_FAILED: one English message per offending field (derived from `fieldErrors`).',
      }),
      fieldErrors: z.record(z.string(), FieldErrorSchema).optional().openapi({
        description:
          'For VALIDATION_FAILED: one code with its parameters per offending field, keyed like `fields` (a dotted path; `_` for the body as a whole).',
      }),
    }),
  })
  .openapi('Error', {
    example: {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'Invalid startingPrice.',
        reason: 'invalid_fields',
        params: { names: ['startingPrice'] },
        fields: { startingPrice: 'a positive whole number of VND' },
        fieldErrors: { startingPrice: { code: 'NOT_VND' } },
      },
    },
  });

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request',
  401: 'Missing, invalid or expired e-ID token (UNAUTHENTICATED)',
  403: 'Not allowed (FORBIDDEN, LEVEL_TOO_LOW, NOT_APPROVED, BIDDER_BARRED)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  422: 'Validation failed (VALIDATION_FAILED, with per-field messages)',
  429: 'Rate limited',
  503: 'Temporarily unavailable',
};

/** Error responses for a route's OpenAPI description. */
export function errorResponses(
  ...statuses: number[]
): Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> {
  return Object.fromEntries(
    statuses.map((s) => [
      s,
      { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } },
    ]),
  );
}
