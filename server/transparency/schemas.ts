// The transparency log's shapes (DESIGN.md §8; documented at /api/openapi.json): a signed tree head,
// the proofs, the leaves, and the queries they take. Hashes are base64url (43 characters).
import { z } from '@hono/zod-openapi';
import { LOG_LEAF_KINDS } from '../../db/schema.ts';

const hash = (description: string) =>
  z.string().openapi({ description, example: 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg' });
/** A tree size or leaf index in a query: a whole number, at most 2^53 − 1. */
const size = (description: string) =>
  z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).openapi({ description });

export const SignedTreeHeadSchema = z
  .object({
    treeSize: z.number().int().openapi({ description: 'How many leaves the tree head covers.' }),
    rootHash: hash('The Merkle tree hash (RFC 9162 §2.1.1) of the first `treeSize` leaves.'),
    timestamp: z.string().openapi({ description: 'When the log signed it (ISO 8601 UTC).' }),
    signature: z.string().openapi({
      description:
        'A compact JWS by the record-signing key (`kid` in /api/.well-known/jwks.json), `cty` `application/vnd.auction-platform.tree-head+json`, over `{type: "tree-head", version: 1, treeSize, rootHash, timestamp}`: exactly the fields beside it.',
    }),
  })
  .openapi('SignedTreeHead');

export const LeafSchema = z
  .object({
    index: z.number().int(),
    digest: hash("The entry: base64url SHA-256 of the signed document's bytes as issued."),
    leafHash: hash('SHA-256(0x00 || digest bytes), RFC 9162 §2.1.1.'),
    kind: z.enum(LOG_LEAF_KINDS).openapi({ description: 'What the document is.' }),
    lotId: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi('LogLeaf');

export const InclusionProofSchema = z
  .object({
    leafIndex: z.number().int(),
    treeSize: z.number().int(),
    digest: hash("The document's digest (the leaf's entry)."),
    leafHash: hash('The leaf hash the audit path starts from.'),
    kind: z.enum(LOG_LEAF_KINDS),
    lotId: z.number().int().nullable(),
    auditPath: z.array(z.string()).openapi({ description: 'The inclusion proof, leaf to root (RFC 9162 §2.1.3.1).' }),
    treeHead: SignedTreeHeadSchema,
  })
  .openapi('InclusionProof');

export const ConsistencyProofSchema = z
  .object({
    first: z.number().int(),
    second: z.number().int(),
    consistency: z.array(z.string()).openapi({ description: 'The consistency proof (RFC 9162 §2.1.4.1).' }),
  })
  .openapi('ConsistencyProof');

export const LeavesSchema = z
  .object({
    start: z.number().int(),
    end: z
      .number()
      .int()
      .openapi({ description: 'Exclusive; smaller than asked when the page is full or the log ends.' }),
    leaves: z.array(LeafSchema),
  })
  .openapi('LogLeaves');

export const TreeHeadQuery = z.object({
  treeSize: size(
    'A tree head signed earlier, by its size (404 `tree_head_not_found` if none); default the latest.',
  ).optional(),
});

export const InclusionQuery = z.object({
  hash: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256 hash (43 characters)')
    .openapi({ description: "The document's digest (base64url SHA-256 of its bytes) or its leaf hash." }),
  treeSize: size('Prove against the tree head of this size; default the latest (signed on demand).').optional(),
});

export const ConsistencyQuery = z.object({
  first: size('The smaller tree size (the one a client saw before).'),
  second: size('The larger tree size.'),
});

export const LeavesQuery = z.object({
  start: size('The first leaf index.'),
  end: size('One past the last leaf index (exclusive); at most 1,000 leaves are answered per request.'),
});
