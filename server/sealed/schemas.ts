// The sealed method's answers as zod schemas (the routes validate and document with them; the
// service's types are inferred from them). A receipt is a compact JWS, signed with the record-signing
// key (GET /api/.well-known/jwks.json), over {lotId, bidderCode, commitment, submittedAt}.
import { z } from '@hono/zod-openapi';

/** The JWS `cty` of a sealed bid's receipt. */
export const RECEIPT_CTY = 'sealed-bid-receipt+json';

/** What a receipt signs (its JWS payload, as JSON). */
export const ReceiptPayloadSchema = z
  .object({
    lotId: z.number().int(),
    bidderCode: z.string(),
    commitment: z.string(),
    submittedAt: z.string(),
  })
  .openapi('SealedBidReceiptPayload');
export type ReceiptPayload = z.infer<typeof ReceiptPayloadSchema>;

const receipt = z.string().openapi({
  description: `A compact JWS (\`cty\` ${RECEIPT_CTY}, \`kid\` naming a key in /api/.well-known/jwks.json) over {lotId, bidderCode, commitment, submittedAt}. After the reveal, the ledger entry with this commitment carries the amount and the salt: anyone can recompute the commitment.`,
});
const commitment = z.string().openapi({
  description:
    'base64url SHA-256 of the 32 salt bytes followed by the amount as ASCII decimal digits; the salt stays secret until the reveal.',
});

/** One sealed bid as its own bidder sees it. */
export const SealedBidSchema = z
  .object({
    lotId: z.number().int(),
    round: z.number().int().openapi({ description: '0 for the sealed bidding, 1… for tie rounds.' }),
    receipt,
    bidderCode: z.string(),
    commitment,
    submittedAt: z.string(),
    /** Integer VND: shown to its bidder only. */
    amount: z.number().int(),
    /** The ledger seq it was revealed as, once revealed. */
    revealedSeq: z.number().int().nullable(),
  })
  .openapi('SealedBid');
export type SealedBid = z.infer<typeof SealedBidSchema>;

/** The answer to a sealed bid: the bid, and whether it replaced the bidder's earlier one. */
export const SealedBidAckSchema = SealedBidSchema.omit({ revealedSeq: true })
  .extend({ replaced: z.boolean() })
  .openapi('SealedBidAck');
export type SealedBidAck = z.infer<typeof SealedBidAckSchema>;

export const MySealedBidsSchema = z.object({ items: z.array(SealedBidSchema) }).openapi('MySealedBids');
