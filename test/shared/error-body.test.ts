// The one error mapping (server/http/error-body.ts) and the field codes (server/shared/field-errors.ts):
// the same failure gives the same error object however it is raised and whichever transport carries
// it; every reason's English message comes from its parameters; zod issues become field codes with
// the parameters their texts need.
import { HTTPException } from 'hono/http-exception';
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { errorAnswer, errorBody, errorObject } from '../../server/http/error-body.ts';
import { AppError, ERROR_STATUS, invalid, refuse } from '../../server/shared/errors.ts';
import { fieldError, fieldErrorsOf, fieldMessage, fieldMessages } from '../../server/shared/field-errors.ts';
import { REASON_CODES, REASONS, reasonMessage } from '../../server/shared/reasons.ts';
import { SHED_REASONS } from '../../server/bidding/shed-reasons.ts';
import { validateLotTerms } from '../../server/auctions/lot-validation.ts';
import { CreateLotSchema } from '../../server/auctions/lot-schemas.ts';

describe('the error object of a failure', () => {
  it('is the same for a typed failure, the AppError thrown for it, and a socket ack', () => {
    const failure = refuse('below_next_bid', { minNextBid: 45_000_000 });
    const fromFailure = errorAnswer(failure);
    const thrown = errorAnswer(AppError.from(failure));
    expect(thrown).toEqual(fromFailure);
    expect(fromFailure).toEqual({
      status: 409,
      kind: 'refusal',
      error: {
        code: 'BID_TOO_LOW',
        reason: 'below_next_bid',
        params: { minNextBid: 45_000_000 },
        message: 'The bid must be at least 45,000,000 VND (current price plus one step).',
      },
    });
    expect(errorBody(failure)).toEqual({ error: fromFailure.error });
    expect(errorObject(failure)).toEqual(fromFailure.error);
  });

  it('carries per-field codes with their parameters, and the English fields derived from them', () => {
    const failure = invalid({
      startingPrice: fieldError('TOO_SMALL', { min: 5_000_000, inclusive: true }),
      title: fieldError('TOO_LONG', { max: 200 }),
    });
    expect(errorObject(failure)).toEqual({
      code: 'VALIDATION_FAILED',
      message: 'Invalid startingPrice, title.',
      reason: 'invalid_fields',
      params: { names: ['startingPrice', 'title'] },
      fields: { startingPrice: 'must be at least 5000000', title: 'at most 200 characters' },
      fieldErrors: {
        startingPrice: { code: 'TOO_SMALL', min: 5_000_000, inclusive: true },
        title: { code: 'TOO_LONG', max: 200 },
      },
    });
  });

  it('keeps a failure without a reason as it was written (code, message, fields)', () => {
    const legacy = {
      ok: false as const,
      code: 'NOT_FOUND' as const,
      message: 'There is no lot 7.',
      fields: { id: 'a lot id' },
    };
    expect(errorAnswer(legacy).error).toEqual({
      code: 'NOT_FOUND',
      message: 'There is no lot 7.',
      fields: { id: 'a lot id' },
    });
  });

  it('answers an unavailable dependency with 503, Retry-After and the reason the caller names', () => {
    const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    expect(errorAnswer(down)).toMatchObject({
      status: 503,
      kind: 'unavailable',
      headers: { 'retry-after': '1' },
      error: { code: 'UNAVAILABLE', reason: 'unavailable' },
    });
    const bid = errorAnswer(down, { unavailableReason: 'unknown_outcome' });
    expect(bid.error).toMatchObject({
      code: 'UNAVAILABLE',
      reason: 'unknown_outcome',
      message: expect.stringMatching(/may or may not have been placed/),
    });
  });

  it('answers anything else as an internal error naming the request, never with its own text', () => {
    const answer = errorAnswer(new TypeError('secret detail'), { requestId: 'r-1' });
    expect(answer).toEqual({
      status: 500,
      kind: 'internal',
      error: {
        code: 'INTERNAL',
        reason: 'internal',
        params: { requestId: 'r-1' },
        message: 'An internal error occurred (request r-1).',
      },
    });
    expect(errorAnswer(new HTTPException(400, { message: 'Malformed JSON in request body' })).error).toMatchObject({
      code: 'MALFORMED_REQUEST',
      reason: 'body_not_json',
    });
  });

  it('has a code with a status for every reason, and the bid refusals of the platform among them', () => {
    for (const reason of REASON_CODES) expect(ERROR_STATUS[REASONS[reason].code], reason).toBeGreaterThanOrEqual(400);
    for (const shed of SHED_REASONS) expect(REASON_CODES).toContain(shed);
    expect(reasonMessage('rate_limited', { retryAfterSeconds: 3, what: 'requests', from: 'from this address' })).toBe(
      'Too many requests from this address; try again in 3 s.',
    );
  });
});

describe('field codes', () => {
  it('come from zod issues with the parameters their texts name', () => {
    const schema = z
      .object({
        title: z.string().trim().min(1).max(5),
        n: z.number().int().positive().max(10),
        when: z.iso.datetime(),
        kind: z.enum(['a', 'b']),
        ok: z.literal(true),
      })
      .strict();
    const input = { title: 'far too long', n: 1.5, when: 'soon', kind: 'c', extra: 1 };
    const parsed = schema.safeParse(input);
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    expect(fieldErrorsOf(parsed.error, input)).toEqual({
      title: { code: 'TOO_LONG', max: 5 },
      n: { code: 'NOT_INTEGER' },
      when: { code: 'NOT_DATE_TIME' },
      kind: { code: 'NOT_ONE_OF', options: ['a', 'b'] },
      ok: { code: 'REQUIRED' },
      _: { code: 'UNKNOWN_FIELDS', keys: ['extra'] },
    });
  });

  it('take the domain code a schema names, and a missing value is REQUIRED', () => {
    const input = {
      startingPrice: '5000000',
      priceStep: 0,
      title: '  ',
      description: 'x',
      deposit: 1,
      registrationOpensAt: 'x',
    };
    const parsed = CreateLotSchema.safeParse(input);
    if (parsed.success) throw new Error('expected a failure');
    const errors = fieldErrorsOf(parsed.error, input);
    expect(errors).toMatchObject({
      startingPrice: { code: 'NOT_VND' },
      priceStep: { code: 'NOT_VND' },
      title: { code: 'REQUIRED' },
      registrationOpensAt: { code: 'NOT_DATE_TIME' },
      // endsAt may be left out (a descending lot's is worked out): the lot service requires it of the others.
      startsAt: { code: 'REQUIRED' },
    });
    expect(fieldMessages(errors).startingPrice).toBe('a positive whole number of VND');
  });

  it('keep the words of a check that has no code of its own, in English only', () => {
    const schema = z.object({ to: z.string() }).refine(() => false, { path: ['to'], message: 'must be after from' });
    const input = { to: 'x' };
    const parsed = schema.safeParse(input);
    if (parsed.success) throw new Error('expected a failure');
    const errors = fieldErrorsOf(parsed.error, input);
    expect(errors).toEqual({ to: { code: 'INVALID', detail: 'must be after from' } });
    expect(fieldMessage(errors.to)).toBe('must be after from');
  });

  it('name the policy limits of a lot’s terms as numbers', () => {
    const t = Date.parse('2026-12-01T00:00:00Z');
    const errors = validateLotTerms(
      { depositMinPct: 5, depositMaxPct: 20, minBiddingMinutes: 15, minBidders: 2 },
      {
        startingPrice: 40_000_000,
        priceStep: 50_000_000,
        deposit: 100,
        registrationOpensAt: new Date(t),
        registrationClosesAt: new Date(t + 3_600_000),
        startsAt: new Date(t + 3_600_000),
        endsAt: new Date(t + 3_600_000 + 60_000),
      },
      new Date(t - 1),
    );
    expect(errors).toEqual({
      deposit: { code: 'DEPOSIT_OUT_OF_RANGE', minPct: 5, maxPct: 20, min: 2_000_000, max: 8_000_000 },
      priceStep: { code: 'STEP_ABOVE_STARTING_PRICE' },
      endsAt: { code: 'BIDDING_WINDOW_TOO_SHORT', minMinutes: 15 },
    });
    expect(fieldMessage(errors.deposit)).toBe(
      'must be 5–20% of the starting price: from 2,000,000 VND to 8,000,000 VND',
    );
  });
});
