// The bid path's answers as zod schemas: the one definition of each shape. The routes validate and
// document with them (/api/openapi.json), and the TypeScript types the engine, the ledger reads and
// the socket gateway use are inferred from them, so a shape cannot drift from its description.
import { z } from '@hono/zod-openapi';
import { SHED_REASONS } from './shed-reasons.ts';

/** The acknowledgement of an accepted bid, sent only after its durable commit. */
export const BidAckSchema = z
  .object({
    seq: z.number().int(),
    /** Integer VND. */
    amount: z.number().int(),
    bidderCode: z.string(),
    placedAt: z.string(),
  })
  .openapi('BidAck');
export type BidAck = z.infer<typeof BidAckSchema>;

/** The withdrawal entry written for a withdrawn standing bid, with the price it fell back to. */
export const WithdrawAckSchema = z
  .object({
    seq: z.number().int(),
    withdrawsSeq: z.number().int(),
    amount: z.number().int(),
    bidderCode: z.string(),
    placedAt: z.string(),
    currentPrice: z.number().int().nullable(),
  })
  .openapi('WithdrawAck');
export type WithdrawAck = z.infer<typeof WithdrawAckSchema>;

/** A ledger entry as the public sees it (bidder codes only, never personal data): a socket `bid` event. */
export const PublicEntrySchema = z.object({
  lotId: z.number().int(),
  seq: z.number().int(),
  kind: z.enum(['bid', 'withdrawal']),
  amount: z.number().int(),
  bidderCode: z.string(),
  placedAt: z.string(),
  withdrawsSeq: z.number().int().optional(),
  commitment: z.string().optional().openapi({
    description:
      "A sealed lot's bid, revealed at the end: the commitment its bidder's receipt holds (base64url SHA-256 of the 32 salt bytes then the amount in ASCII digits).",
  }),
  salt: z.string().optional().openapi({ description: 'With `commitment`: the salt, base64url (32 bytes).' }),
  actorNo: z.number().int().optional().openapi({
    description:
      'An organisation’s entry (issue 19): which of its representatives acted, numbered within its registration (1, 2, …; who they are is in the signed record). Covered by the entry’s hash.',
  }),
});
export type PublicEntry = z.infer<typeof PublicEntrySchema>;

export const ENTRY_STATUSES = ['accepted', 'withdrawn', 'withdrawal'] as const;
export type EntryStatus = (typeof ENTRY_STATUSES)[number];

/**
 * An item of GET /api/lots/:id/bids: the public entry with its status (a bid later withdrawn shows
 * 'withdrawn'; the withdrawal itself is its own entry) and its hash-chain links, so that anyone can
 * verify the public ledger.
 */
export const LedgerEntrySchema = PublicEntrySchema.extend({
  status: z.enum(ENTRY_STATUSES),
  prevHash: z.string(),
  hash: z.string(),
}).openapi('LedgerEntry');
export type PublicLedgerEntry = z.infer<typeof LedgerEntrySchema>;

export const LedgerPageSchema = z.object({ items: z.array(LedgerEntrySchema) }).openapi('LedgerPage');

export const ShedSummarySchema = z
  .object({
    lotId: z.number().int(),
    total: z.number().int(),
    byReason: z.partialRecord(z.enum(SHED_REASONS), z.number().int()),
    minutes: z.array(z.object({ minute: z.string(), reason: z.enum(SHED_REASONS), count: z.number().int() })),
  })
  .openapi('ShedBids');
