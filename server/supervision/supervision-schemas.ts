// Live supervision's answer and request shapes (issue 20, item 2): the live lots in a regulator's
// scope with their open signals, one lot's live view (registrations with identities, the ledger,
// the anomaly signals with their evidence), its updates (no personal data), and a decision on a signal.
import { z } from '@hono/zod-openapi';
import { CLIENT_KINDS, ENTRY_KINDS, LOT_STATUSES, REGISTRATION_STATUSES, SIGNAL_DECISIONS } from '../../db/schema.ts';
import { SHED_REASONS } from '../bidding/shed-reasons.ts';
import { FLAG_KINDS } from '../eligibility/relatedness-schemas.ts';
import { StatedReason } from '../organisations/authorisation-schemas.ts';
import { seqAfterQuery } from '../shared/validation.ts';
import { SIGNAL_KINDS } from './rules.ts';

const Iso = z.string().openapi({ example: '2026-12-01T03:10:00.000Z' });
const Code = z.string().openapi({ example: 'B-7K3Q' });

export const SupervisedLotSchema = z
  .object({
    id: z.number().int(),
    title: z.string(),
    status: z.enum(LOT_STATUSES),
    organisationId: z.number().int(),
    startsAt: Iso,
    endsAt: Iso,
    currentPrice: z.number().int().nullable(),
    bidCount: z.number().int(),
    seq: z.number().int(),
    signals: z
      .object({ open: z.number().int(), total: z.number().int() })
      .openapi({ description: '`open`: signals no regulator has decided on yet.' }),
  })
  .openapi('SupervisedLot');

export const SupervisedLotListSchema = z.object({ items: z.array(SupervisedLotSchema) }).openapi('SupervisedLots');

const EvidenceSchema = z
  .discriminatedUnion('kind', [
    z.object({
      kind: z.literal('shared_client'),
      clientKind: z.enum(CLIENT_KINDS),
      client: z
        .string()
        .openapi({ description: 'A short label of the client’s keyed hash: it tells clients apart, names nothing.' }),
      people: z.number().int(),
      seen: z.array(z.object({ bidderCode: Code, firstSeenAt: Iso, lastSeenAt: Iso })),
    }),
    z.object({
      kind: z.literal('related_bidders'),
      relation: z.enum(FLAG_KINDS),
      managerDecision: z.object({ decision: z.string(), reason: z.string(), decidedAt: Iso }).nullable(),
    }),
    z.object({
      kind: z.literal('alternating_pair'),
      count: z.number().int(),
      inWindow: z.number().int(),
      windowSeconds: z.number().int(),
      silentBidderCodes: z.array(Code),
      bids: z.array(z.object({ seq: z.number().int(), bidderCode: Code, amount: z.number().int(), placedAt: Iso })),
    }),
    z.object({
      kind: z.literal('repeated_withdrawals'),
      days: z.number().int(),
      withdrawals: z.array(
        z.object({ lotId: z.number().int(), seq: z.number().int(), amount: z.number().int(), placedAt: Iso }),
      ),
    }),
    z.object({
      kind: z.literal('recurring_winners'),
      days: z.number().int(),
      wins: z.array(
        z.object({
          lotId: z.number().int(),
          title: z.string(),
          closedAt: Iso,
          finalPrice: z.number().int().nullable(),
        }),
      ),
    }),
    z.object({
      kind: z.literal('closing_shed'),
      total: z.number().int(),
      windowStartsAt: Iso,
      endsAt: Iso,
      minutes: z.array(z.object({ minute: Iso, reason: z.enum(SHED_REASONS), count: z.number().int() })),
    }),
  ])
  .openapi('SignalEvidence');

export const SignalSchema = z
  .object({
    key: z.string().openapi({
      description: 'Stable for the same facts; the decision route names it.',
      example: 'alternating_pair:B-7K3Q,B-9XYZ:12',
    }),
    kind: z.enum(SIGNAL_KINDS),
    bidderCodes: z.array(Code),
    evidence: EvidenceSchema,
    decision: z
      .object({ decision: z.enum(SIGNAL_DECISIONS), note: z.string(), decidedBy: z.string(), decidedAt: Iso })
      .nullable()
      .openapi({ description: 'The latest regulator’s decision on this key; null while open.' }),
  })
  .openapi('SupervisionSignal');

const LedgerItemSchema = z
  .object({
    seq: z.number().int(),
    kind: z.enum(ENTRY_KINDS),
    amount: z.number().int(),
    bidderCode: Code,
    placedAt: Iso,
    withdrawsSeq: z.number().int().nullable(),
    actorNo: z.number().int().nullable().openapi({
      description: 'An organisation’s entry: which of its representatives acted (the registration’s `actors`).',
    }),
  })
  .openapi('SupervisionLedgerEntry');

const LotStateSchema = SupervisedLotSchema.omit({ signals: true }).extend({
  highestBidderCode: Code.nullable(),
});

export const SupervisionViewSchema = z
  .object({
    lot: LotStateSchema,
    registrations: z.array(
      z.object({
        id: z.number().int(),
        bidderCode: Code,
        status: z.enum(REGISTRATION_STATUSES),
        pid: z.string(),
        name: z.string().nullable(),
        organisation: z.object({ identifier: z.string(), name: z.string() }).nullable(),
        actors: z
          .array(z.object({ actorNo: z.number().int(), pid: z.string(), name: z.string().nullable() }))
          .openapi({ description: 'An organisation’s registration: the people who acted for it, numbered.' }),
      }),
    ),
    ledger: z.object({
      total: z.number().int(),
      items: z.array(LedgerItemSchema).openapi({ description: 'The latest entries (at most 1,000), in seq order.' }),
    }),
    signals: z.array(SignalSchema),
    purpose: z.string(),
    viewedAt: Iso,
  })
  .openapi('SupervisionView');

export const SupervisionUpdatesSchema = z
  .object({
    lot: LotStateSchema,
    entries: z
      .array(LedgerItemSchema)
      .openapi({ description: 'Entries after `afterSeq` (at most 1,000), in seq order.' }),
    signals: z.array(SignalSchema),
    serverTime: Iso,
  })
  .openapi('SupervisionUpdates');

export const UpdatesQuery = z.object({ afterSeq: seqAfterQuery() });

export const SignalDecisionBody = z
  .object({
    decision: z.enum(SIGNAL_DECISIONS),
    note: StatedReason().openapi({ description: 'Why (10–500 characters), audited.' }),
  })
  .strict()
  .openapi('SignalDecision');

export type SupervisedLot = z.infer<typeof SupervisedLotSchema>;
export type SupervisionView = z.infer<typeof SupervisionViewSchema>;
export type SupervisionUpdates = z.infer<typeof SupervisionUpdatesSchema>;
export type SupervisionLedgerItem = z.infer<typeof LedgerItemSchema>;
export type SignalView = z.infer<typeof SignalSchema>;
export type SignalDecisionInput = z.infer<typeof SignalDecisionBody>;
