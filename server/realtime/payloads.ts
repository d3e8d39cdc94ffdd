// zod schemas for every client → server payload of the socket.io gateway. The types in ./events.ts are
// the contract; these schemas enforce it at the boundary (a bad payload gets a VALIDATION_FAILED ack
// with a code per invalid field, exactly like a 422 from the HTTP API: server/shared/field-errors.ts).
import { z } from 'zod';
import { IdempotencyKey, OrganisationIdentifier, RowId, SeqAfter, Vnd } from '../shared/validation.ts';
import type { BidRequest, SealedBidRequest, SyncRequest, TimeRequest, WatchRequest } from './events.ts';

const lotId = RowId();

export const watchSchema: z.ZodType<WatchRequest> = z.object({ lotId });

export const syncSchema: z.ZodType<SyncRequest> = z.object({
  lotId,
  afterSeq: SeqAfter(),
});

/**
 * The same rules and field codes as POST /api/lots/:id/bids: the amount is its body's `Vnd`, the key
 * its optional Idempotency-Key header (checked there by the bid engine).
 */
export const bidSchema: z.ZodType<BidRequest> = z.object({
  lotId,
  amount: Vnd,
  idempotencyKey: IdempotencyKey().optional(),
  onBehalfOf: OrganisationIdentifier().optional(),
});

/** The same rules and field codes as POST /api/lots/:id/sealed-bids. */
export const sealedBidSchema: z.ZodType<SealedBidRequest> = z.object({
  lotId,
  amount: Vnd,
  onBehalfOf: OrganisationIdentifier().optional(),
});

export const timeSchema: z.ZodType<TimeRequest> = z.object({ clientSentAt: z.number().finite() });
