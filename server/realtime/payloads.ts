// zod schemas for every client → server payload of the socket.io gateway. The types in ./events.ts are
// the contract; these schemas enforce it at the boundary (a bad payload gets a VALIDATION_FAILED ack
// with per-field messages, exactly like a 422 from the HTTP API).
import { z } from 'zod';
import type { BidRequest, SyncRequest, TimeRequest, WatchRequest } from './events.ts';

const lotId = z.number({ error: 'a lot id (a positive whole number)' }).int('a lot id (a positive whole number)').positive('a lot id (a positive whole number)').max(2_147_483_647, 'a lot id (a positive whole number)');

export const watchSchema: z.ZodType<WatchRequest> = z.object({ lotId });

export const syncSchema: z.ZodType<SyncRequest> = z
  .object({
    lotId,
    afterSeq: z.number({ error: 'a seq (a whole number, 0 or more)' }).int('a seq (a whole number, 0 or more)').min(0, 'a seq (a whole number, 0 or more)').max(2_147_483_647, 'a seq (a whole number, 0 or more)'),
  });

/**
 * Money is an integer number of VND within JavaScript's safe range, and the idempotency key is
 * optional, exactly as on the HTTP API (its Idempotency-Key header).
 */
export const bidSchema: z.ZodType<BidRequest> = z
  .object({
    lotId,
    amount: z.number({ error: 'an amount in VND (a positive whole number)' }).int('an amount in VND (a positive whole number)').positive('an amount in VND (a positive whole number)').max(Number.MAX_SAFE_INTEGER, 'an amount in VND within 9007199254740991'),
    idempotencyKey: z.string({ error: 'an idempotency key (1 to 200 visible characters)' }).regex(/^[\x21-\x7e]{1,200}$/, 'an idempotency key (1 to 200 visible characters)').optional(),
  });

export const timeSchema: z.ZodType<TimeRequest> = z.object({ clientSentAt: z.number({ error: 'the client clock in ms since the epoch' }).finite('the client clock in ms since the epoch') });
