// zod schemas for every client → server payload of the socket.io gateway. The types in ./events.ts are
// the contract; these schemas enforce it at the boundary (a bad payload gets a VALIDATION_FAILED ack
// with a code per invalid field, exactly like a 422 from the HTTP API: server/shared/field-errors.ts).
import { z } from 'zod';
import { Vnd } from '../auctions/lot-schemas.ts';
import { fieldCode } from '../shared/field-errors.ts';
import type { BidRequest, SyncRequest, TimeRequest, WatchRequest } from './events.ts';

const lotId = z.number().int().positive().max(2_147_483_647);

export const watchSchema: z.ZodType<WatchRequest> = z.object({ lotId });

export const syncSchema: z.ZodType<SyncRequest> = z.object({
  lotId,
  afterSeq: z.number().int().min(0).max(2_147_483_647),
});

/**
 * The same rules and field codes as POST /api/lots/:id/bids: the amount is its body's `Vnd`, the key
 * its optional Idempotency-Key header (checked there by the bid engine).
 */
export const bidSchema: z.ZodType<BidRequest> = z.object({
  lotId,
  amount: Vnd,
  idempotencyKey: z
    .string({ error: fieldCode('NOT_IDEMPOTENCY_KEY') })
    .regex(/^[\x21-\x7e]{1,200}$/, fieldCode('NOT_IDEMPOTENCY_KEY'))
    .optional(),
});

export const timeSchema: z.ZodType<TimeRequest> = z.object({ clientSentAt: z.number().finite() });
