// zod schemas for every client → server payload of the socket.io gateway. The types in ./events.ts are
// the contract; these schemas enforce it at the boundary (a bad payload gets a VALIDATION_FAILED ack
// with per-field messages, exactly like a 422 from the HTTP API).
import { z } from 'zod';
import { Vnd } from '../auctions/lot-schemas.ts';
import type { BidRequest, SyncRequest, TimeRequest, WatchRequest } from './events.ts';

const lotId = z.number({ error: 'a lot id (a positive whole number)' }).int('a lot id (a positive whole number)').positive('a lot id (a positive whole number)').max(2_147_483_647, 'a lot id (a positive whole number)');

export const watchSchema: z.ZodType<WatchRequest> = z.object({ lotId });

export const syncSchema: z.ZodType<SyncRequest> = z
  .object({
    lotId,
    afterSeq: z.number({ error: 'a seq (a whole number, 0 or more)' }).int('a seq (a whole number, 0 or more)').min(0, 'a seq (a whole number, 0 or more)').max(2_147_483_647, 'a seq (a whole number, 0 or more)'),
  });

/**
 * The same rules and messages as POST /api/lots/:id/bids: the amount is its body's `Vnd`, the key its
 * optional Idempotency-Key header.
 */
export const bidSchema: z.ZodType<BidRequest> = z
  .object({
    lotId,
    amount: Vnd,
    idempotencyKey: z.string({ error: '1–200 visible ASCII characters' }).regex(/^[\x21-\x7e]{1,200}$/, '1–200 visible ASCII characters').optional(),
  });

export const timeSchema: z.ZodType<TimeRequest> = z.object({ clientSentAt: z.number({ error: 'the client clock in ms since the epoch' }).finite('the client clock in ms since the epoch') });
