// The auction record's format, version 1: one zod schema that the builder's output satisfies and
// that verification (server and offline CLI alike) checks a received record against. Kept free of
// database imports so the offline verifier loads only this, the hash chain and jose.
import { z } from 'zod';
import { SHED_REASONS } from '../bidding/shed-reasons.ts';
import { ENDED_STATUSES } from '../auctions/rules/status.ts';
import {
  DescendingScheduleSchema,
  methodPartsProblem,
  DescendingTermsSchema,
  RECORD_METHODS,
  RecordPeriodSchema,
  RecordSealedBidSchema,
  RoundsTermsSchema,
  SealedTermsSchema,
} from './method-format.ts';
import { RecordAttendanceSchema } from './attendance-format.ts';

export const RECORD_TYPE = 'auction-record';
/**
 * 2 (issue 13): every registration carries its person's keyed hash, and verification cross-checks the
 * registrations and the result against the lot's chained history. 3 (issue 16): the auction method and
 * its terms, with the descending schedule, the periods of extension rounds or the sealed bids, and a
 * revealed sealed bid's commitment and salt on its ledger entry; verification checks each method's own
 * rule. 4 (issue 19): an organisation's registration names the organisation and every person who
 * acted for it (numbered, each chained when they first acted), and its ledger entries carry the
 * acting person's number, covered by their hashes. 5 (issue 20): the record names who requested it
 * (`requestedBy`) beside when it was issued (`issuedAt`), as the audit log records the read. Records
 * of earlier versions still verify as they were issued.
 */
export const RECORD_VERSION = 5;
/** The JWS `cty` of a signed auction record. */
export const RECORD_CTY = 'auction-record+json';
/** The JWS `cty` of the seal that ends an NDJSON export. */
export const SEAL_CTY = 'export-seal+json';

const iso = z.iso.datetime({ offset: true });
const money = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const hash = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 hex digest');

export const RecordEntrySchema = z.strictObject({
  seq: z.number().int().positive(),
  kind: z.enum(['bid', 'withdrawal']),
  placedAt: iso,
  amount: money,
  bidderCode: z.string(),
  withdrawsSeq: z.number().int().positive().nullable(),
  /** accepted, withdrawn (a bid later withdrawn) or withdrawal (the withdrawal entry itself). */
  status: z.enum(['accepted', 'withdrawn', 'withdrawal']),
  /** A revealed sealed bid only (version 3): the commitment its receipt holds and the salt that opens it; both hashed. */
  commitment: z.string().optional(),
  salt: z.string().optional(),
  /** An organisation's entry (version 4): which of its registration's actors acted; hashed. */
  actorNo: z.number().int().positive().optional(),
  prevHash: hash,
  hash,
});

const role = z.enum(['legal_representative', 'authorised_person']);
const authority = z.enum(['eid', 'document']);

/** A person who acted for an organisation's registration (version 4), as chained when they first acted. */
export const RecordActorSchema = z.strictObject({
  actorNo: z.number().int().positive(),
  pid: z.string(),
  personHash: hash,
  name: z.string().nullable(),
  role,
  authority,
  firstActedAt: iso,
});

/** An organisation's registration (version 4): the organisation, the registering person's authority, and who acted. */
export const RecordOrganisationSchema = z.strictObject({
  identifier: z.string(),
  name: z.string(),
  role,
  authority,
  authorisation: z.string(),
  actors: z.array(RecordActorSchema),
});

/**
 * Who asked for a document (issue 20): the staff member whose read the audit log holds (their keyed
 * hash is the one that event chains as its actor), with the role they read it in.
 */
export const RequesterSchema = z.strictObject({
  pid: z.string(),
  personHash: hash,
  name: z.string().nullable(),
  /** The role they read it in: regulator, manager or admin. */
  role: z.string(),
});
export type Requester = z.infer<typeof RequesterSchema>;
/** A record's requester (version 5), or null for a record the platform issued on its own. */
export const RecordRequesterSchema = RequesterSchema.nullable();

export const RecordRegistrationSchema = z.strictObject({
  bidderCode: z.string(),
  pid: z.string(),
  /** The keyed hash of `pid` (version 2), compared with the one chained when the person registered. */
  personHash: hash.optional(),
  name: z.string().nullable(),
  status: z.string(),
  depositState: z.string(),
  rulesVersion: z.number().int(),
  rulesAcceptedAt: iso,
  registeredAt: iso,
  approvedAt: iso.nullable(),
  approvedBy: z.string().nullable(),
  /** Version 4: an organisation's registration; `pid` and `name` are then the person who registered for it. */
  organisation: RecordOrganisationSchema.optional(),
});

export const RecordEventSchema = z.strictObject({
  id: z.number().int(),
  /** The event's chain version (absent: 1, which chains the actor's id in clear). */
  v: z.literal(2).optional(),
  at: iso,
  actorPid: z.string().nullable(),
  actorHash: hash.nullable().optional(),
  action: z.string(),
  subject: z.string().nullable(),
  subjectHash: hash.nullable().optional(),
  data: z.record(z.string(), z.unknown()),
  prevHash: hash,
  hash,
});

export const AuctionRecordSchema = z
  .strictObject({
    type: z.literal(RECORD_TYPE),
    version: z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4), z.literal(RECORD_VERSION)]),
    issuedAt: iso,
    /** Version 5: who requested the record (null: the platform itself); absent from earlier versions. */
    requestedBy: RecordRequesterSchema.optional(),
    issuer: z.string().nullable(),
    lot: z.strictObject({
      id: z.number().int().positive(),
      title: z.string(),
      description: z.string(),
      category: z.string(),
      managerPid: z.string(),
      rulesVersion: z.number().int(),
      rules: z.string(),
      createdAt: iso,
    }),
    policy: z.strictObject({
      /** Versions 1 and 2: always ascending. */
      method: z.enum(RECORD_METHODS),
      startingPrice: money,
      priceStep: money,
      deposit: money,
      softClose: z.strictObject({ windowSeconds: z.number().int(), extendSeconds: z.number().int() }).nullable(),
      /** The platform's minimum number of approved bidders when the record was issued. */
      minBidders: z.number().int(),
      /** Version 3, ascending: the extension rounds (null: none). */
      rounds: RoundsTermsSchema.nullable().optional(),
      /** Version 3, descending: the interval and the floor. */
      descending: DescendingTermsSchema.optional(),
      /** Version 3, sealed: the tie-break and whether a sealed bid may be replaced. */
      sealed: SealedTermsSchema.optional(),
    }),
    /** Version 3, descending: the price schedule. */
    schedule: DescendingScheduleSchema.optional(),
    /** Version 3, ascending with extension rounds: the official time (round 0), then each round opened. */
    periods: z.array(RecordPeriodSchema).optional(),
    /** Version 3, sealed: every sealed bid submitted, replaced ones included, without amounts. */
    sealedBids: z.array(RecordSealedBidSchema).optional(),
    times: z.strictObject({
      registrationOpensAt: iso,
      registrationClosesAt: iso,
      startsAt: iso,
      scheduledEndsAt: iso,
      endsAt: iso,
      closedAt: iso.nullable(),
    }),
    registrations: z.array(RecordRegistrationSchema),
    ledger: z.array(RecordEntrySchema),
    extensions: z.array(z.strictObject({ at: iso, endsAt: iso.nullable(), data: z.record(z.string(), z.unknown()) })),
    /** The lot's own events from the audit log (each hash covers its event; the log's chain is global). */
    history: z.array(RecordEventSchema),
    result: z.strictObject({
      status: z.enum(ENDED_STATUSES),
      finalPrice: money.nullable(),
      winnerBidderCode: z.string().nullable(),
      winnerPid: z.string().nullable(),
      winnerName: z.string().nullable(),
      cancelReason: z.string().nullable(),
      bidCount: z.number().int().nonnegative(),
      entryCount: z.number().int().nonnegative(),
    }),
    /**
     * Technical faults during the lot: bids the platform refused for its own reasons (overload, an
     * unreachable database, a deadline), per minute and reason. Absent from records issued before it
     * existed.
     */
    technicalFaults: z
      .strictObject({
        shedBids: z.strictObject({
          total: z.number().int().nonnegative(),
          byReason: z.partialRecord(z.enum(SHED_REASONS), z.number().int().nonnegative()),
          minutes: z.array(
            z.strictObject({ minute: iso, reason: z.enum(SHED_REASONS), count: z.number().int().positive() }),
          ),
        }),
      })
      .optional(),
    /**
     * Attendance per bidder code (issue 18): first and last presence, bids placed, no-show state.
     * Absent from records issued before it existed (attendance-format.ts).
     */
    attendance: z.array(RecordAttendanceSchema).optional(),
    /** The hash of the last ledger entry (the genesis hash when there is none). */
    finalHash: hash,
  })
  .superRefine((r, ctx) => {
    const problem = methodPartsProblem(r);
    if (problem) ctx.addIssue({ code: 'custom', path: ['policy', 'method'], message: problem });
    // Version 5 names its requester (null for the platform); earlier versions had no such field.
    if (r.version >= 5 !== (r.requestedBy !== undefined))
      ctx.addIssue({
        code: 'custom',
        path: ['requestedBy'],
        message:
          r.version >= 5 ? 'version 5 names who requested the record' : 'not part of a version-4 or older record',
      });
  });

export type AuctionRecord = z.infer<typeof AuctionRecordSchema>;
export type RecordEntry = z.infer<typeof RecordEntrySchema>;
export type RecordRegistration = z.infer<typeof RecordRegistrationSchema>;
export type RecordEvent = z.infer<typeof RecordEventSchema>;

/** An audit event as exported (NDJSON line or CSV row). */
export const AuditLineSchema = z.strictObject({
  type: z.literal('audit-event'),
  id: z.number().int().positive(),
  v: z.literal(2).optional(),
  at: iso,
  actorPid: z.string().nullable(),
  actorHash: hash.nullable().optional(),
  action: z.string(),
  lotId: z.number().int().nullable(),
  subject: z.string().nullable(),
  subjectHash: hash.nullable().optional(),
  data: z.record(z.string(), z.unknown()),
  prevHash: hash,
  hash,
});
export type AuditLine = z.infer<typeof AuditLineSchema>;

/**
 * A line of an audit export where the exporting platform found a row of a mutable table (a
 * registration, a lot's result) or a clear column that contradicts the chain. Any such line makes the
 * export invalid: the chain is intact but the database was changed around it.
 */
export const IntegrityLineSchema = z.strictObject({
  type: z.literal('integrity-problem'),
  eventId: z.number().int().positive(),
  lotId: z.number().int().nullable(),
  reason: z.string(),
});
export type IntegrityLine = z.infer<typeof IntegrityLineSchema>;

/** A line of a lot export in place of a record the platform refused to issue (its rows contradict the chain). */
export const RefusedRecordLineSchema = z.strictObject({
  type: z.literal('record-refused'),
  lotId: z.number().int().positive(),
  reason: z.string(),
});
export type RefusedRecordLine = z.infer<typeof RefusedRecordLineSchema>;

/**
 * A line of a lot export (issue 20) in place of a record whose people are past their identity
 * retention (IDENTITY_RETENTION_DAYS after the records became final): the lot is named, its people
 * are not. Not a fault: the export stays valid.
 */
export const WithheldRecordLineSchema = z.strictObject({
  type: z.literal('record-withheld'),
  lotId: z.number().int().positive(),
  reason: z.literal('identity_retention_expired'),
  finalAt: iso,
});
export type WithheldRecordLine = z.infer<typeof WithheldRecordLineSchema>;

/**
 * The first line of an NDJSON export. Version 2 (issue 20) names who requested it (`requestedBy`)
 * beside `exportedAt`, as its seal does too; version-1 exports, without it, still verify.
 */
export const ExportHeaderSchema = z
  .strictObject({
    type: z.enum(['lot-export', 'audit-export']),
    version: z.union([z.literal(1), z.literal(2)]),
    exportedAt: iso,
    /** Version 2: the regulator who requested the export. */
    requestedBy: RequesterSchema.optional(),
    issuer: z.string().nullable(),
    from: iso.nullable(),
    to: iso.nullable(),
    /** For the audit log: the hash the first exported event must link to (the genesis hash from the start). */
    previousHash: hash.optional(),
  })
  .refine((h) => h.version >= 2 === (h.requestedBy !== undefined), {
    path: ['requestedBy'],
    message: 'a version-2 export header names its requester; a version-1 header has none',
  });
export type ExportHeader = z.infer<typeof ExportHeaderSchema>;

/** The payload the seal's JWS signs: how many lines came before it and the SHA-256 of their bytes. */
export const SealPayloadSchema = z.strictObject({
  type: z.literal('export-seal'),
  export: z.enum(['lot-export', 'audit-export']),
  exportedAt: iso,
  /** Exports of header version 2 (issue 20): who requested it, as the header says. */
  requestedBy: RequesterSchema.optional(),
  lines: z.number().int().nonnegative(),
  sha256: hash,
  /** The audit log's last exported hash, so a later export can be linked to this one. */
  lastHash: hash.optional(),
});
export type SealPayload = z.infer<typeof SealPayloadSchema>;
