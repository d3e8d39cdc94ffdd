// The signed documents issued after a lot's record (issue 18; DESIGN.md §8: a record once signed never
// changes, later facts are new signed documents naming it): the winner's confirmation, the manager's
// countersignature, a technical suspension, and the public result notice. Version 1. Each names its
// lot and the record by the final hash of the lot's ledger (a suspension, issued before any record,
// names the ledger as it stood). No personal identification number in clear: people appear by bidder
// code, or by the keyed hash the audit chain uses (server/audit/person-hash.ts). Kept free of database
// imports, like record-format.ts: the offline verifier loads only this and jose.
import { z } from 'zod';
import { AWARD_STATES } from '../auctions/award-vocabulary.ts';

export const LOT_FACT_VERSION = 1;

/** The document types, their JWS `cty`, and what the verifier calls them. */
export const LOT_FACTS = {
  confirmation: { cty: 'confirmation+json', what: "a winner's confirmation" },
  countersignature: { cty: 'countersignature+json', what: "a manager's countersignature" },
  suspension: { cty: 'suspension+json', what: 'a suspension' },
  'result-notice': { cty: 'result-notice+json', what: 'a result notice' },
} as const;
export type LotFactType = keyof typeof LOT_FACTS;
export const LOT_FACT_CTYS: ReadonlySet<string> = new Set(Object.values(LOT_FACTS).map((f) => f.cty));

const iso = z.string().datetime({ offset: true });
const vnd = z.number().int().min(0);
const hex64 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');
/** base64url SHA-256 of another signed document's bytes (lot_documents.digest). */
const digest = z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url SHA-256 digest');
const lot = z.object({ id: z.number().int().positive(), title: z.string() }).strict();
/** The audit-chain entry that recorded the fact. */
const auditRef = z.object({ id: z.number().int().positive(), hash: hex64 }).strict();
/** The fresh e-ID sign-in behind an act: when the person last authenticated at the provider, and how they came. */
const signIn = z.object({ authTime: iso, via: z.enum(['bearer', 'session']) }).strict();
const envelope = { version: z.literal(LOT_FACT_VERSION), issuedAt: iso, issuer: z.string().nullable(), lot };

export const ConfirmationSchema = z
  .object({
    type: z.literal('confirmation'),
    ...envelope,
    record: z.object({ finalHash: hex64 }).strict(),
    /** The winner who signed: their bidder code, the price they confirmed, and when. */
    bidderCode: z.string(),
    price: vnd,
    confirmedAt: iso,
    /** Whether the winner was the next bidder, awarded the lot under Art. 51. */
    nextBidder: z.boolean(),
    signIn,
    audit: auditRef,
  })
  .strict();

export const CountersignatureSchema = z
  .object({
    type: z.literal('countersignature'),
    ...envelope,
    record: z.object({ finalHash: hex64 }).strict(),
    /** The confirmation countersigned. */
    confirmation: z.object({ digest, bidderCode: z.string(), price: vnd }).strict(),
    /** The manager on whose behalf the platform signs (managers hold no keys): name and keyed hash. */
    manager: z.object({ name: z.string().nullable(), personHash: z.string() }).strict(),
    approvedAt: iso,
    signIn,
    audit: auditRef,
  })
  .strict();

export const SuspensionSchema = z
  .object({
    type: z.literal('suspension'),
    ...envelope,
    /** The ledger as it stood when bidding stopped: every bid acknowledged before is in it. */
    ledger: z.object({ seq: z.number().int().min(0), lastHash: hex64, bidCount: z.number().int().min(0) }).strict(),
    suspendedAt: iso,
    reason: z.string().min(1),
    by: z.object({ role: z.enum(['manager', 'regulator', 'admin']), personHash: z.string() }).strict(),
    audit: auditRef,
  })
  .strict();

export const ResultNoticeSchema = z
  .object({
    type: z.literal('result-notice'),
    ...envelope,
    record: z.object({ finalHash: hex64 }).strict(),
    /** 1 for the notice at the close, then one more for each change of the award. */
    sequence: z.number().int().positive(),
    /** The notice this one supersedes, or null for the first. */
    supersedes: digest.nullable(),
    status: z.enum(['closed', 'failed', 'cancelled']),
    award: z.enum(AWARD_STATES).nullable(),
    /** The price the award stands at (the winning price, or the next bidder's under Art. 51); null without one. */
    price: vnd.nullable(),
    biddingStartedAt: iso,
    biddingEndedAt: iso,
    /** When the winning price was recorded in the ledger; null without one. */
    priceRecordedAt: iso.nullable(),
    /** A cancelled (suspended) lot's re-run, when scheduled. */
    rerunAs: z.number().int().positive().nullable(),
  })
  .strict();

export type Confirmation = z.infer<typeof ConfirmationSchema>;
export type Countersignature = z.infer<typeof CountersignatureSchema>;
export type Suspension = z.infer<typeof SuspensionSchema>;
export type ResultNotice = z.infer<typeof ResultNoticeSchema>;
export type LotFact = Confirmation | Countersignature | Suspension | ResultNotice;

export const LOT_FACT_SCHEMAS = {
  confirmation: ConfirmationSchema,
  countersignature: CountersignatureSchema,
  suspension: SuspensionSchema,
  'result-notice': ResultNoticeSchema,
} as const;
