// The answer of POST /api/records/verify (and of the offline verify-record CLI) as a zod schema: the
// one definition of a verdict. The route documents it (/api/openapi.json); verify.ts's Verdict type is
// inferred from it (a type-only import: the verifier and its worker load no schema at run time).
import { z } from '@hono/zod-openapi';
import { VERIFY_CODES } from './verify-codes.ts';

/** What was verified: the keys each kind of document has (more may come). */
export const VerdictDetailsSchema = z
  .object({
    lotId: z.number().int().optional(),
    title: z.string().optional(),
    status: z.string().optional(),
    entries: z.number().int().optional(),
    finalHash: z.string().optional(),
    finalPrice: z.number().int().nullable().optional(),
    method: z.string().optional(),
    kid: z.string().optional(),
    signedAt: z.string().optional(),
    lots: z.number().int().optional(),
    events: z.number().int().optional(),
    previousHash: z.string().optional(),
    lastHash: z.string().optional(),
    fromGenesis: z.boolean().optional(),
  })
  .catchall(z.unknown())
  .openapi({
    description:
      "What was verified. A record: `lotId`, `title`, `method` (`ascending`, `descending` or `sealed`), `status`, `entries` (ledger entries), `finalHash`, `finalPrice`, `kid`, `signedAt` (when the platform signed it: the record's `issuedAt`, inside the signed payload); a lot export: `lots`; an audit export or CSV: `events`, `previousHash`, `lastHash`, `fromGenesis` (the export starts at the log's first event); a ledger CSV: `entries`, `finalHash`. Other keys may come.",
  });

export const VerdictSchema = z
  .object({
    valid: z.boolean().openapi({
      description:
        'Whether the document holds: signature (or seal) and every hash chain for a record or NDJSON export; the hash chain alone for a CSV file.',
    }),
    signed: z.boolean().openapi({
      description:
        "Whether a signature vouches for the content: the record's signature or the export's seal holds against the published keys. Always false for a CSV file, so a CSV that is `valid` only says its chain is consistent: compare its final hash with a signed record.",
    }),
    code: z.enum(VERIFY_CODES).optional().openapi({
      description:
        'Why the document is not valid, as a stable code (translate this, not `reason`); `NOT_SIGNED` on a valid CSV.',
    }),
    reason: z.string().optional().openapi({ description: 'Why the document is not valid, in English.' }),
    params: z
      .record(z.string(), z.union([z.string(), z.number(), z.null()]))
      .optional()
      .openapi({
        description:
          'The values the reason names: ids, seq numbers, hashes, key ids; amounts (`price`, `chainedPrice`, `topPrice`, `askedPrice`) in VND; times (`at`, `chainedAt`) ISO-8601 UTC; inside an export `lotId` and `line` (NDJSON) or `row` (CSV); `part: "seal"` for a problem with an export\'s seal.',
      }),
    kind: z.string().optional().openapi({
      description: '`auction-record`, `money-trail`, `lot-export`, `audit-export`, `ledger-csv`, `audit-csv` or `csv`.',
    }),
    kid: z.string().optional().openapi({ description: 'The signing key, when the signature holds.' }),
    details: VerdictDetailsSchema.optional(),
  })
  .openapi('Verdict');

/** POST /api/records/verify → 200: a record, an export or a CSV file, verified. */
export type Verdict = z.infer<typeof VerdictSchema>;
