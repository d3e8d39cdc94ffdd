// Registrations' answers as zod schemas: the one definition of each shape. The routes document them
// (/api/openapi.json) and the services' and reads' TypeScript types are inferred from them.
import { z } from '@hono/zod-openapi';
import {
  AUTHORISATION_STATES,
  AUTHORITY_SOURCES,
  AWARD_STATES,
  DEPOSIT_STATES,
  LOT_STATUSES,
  ORGANISATION_ROLES,
  REGISTRATION_STATUSES,
} from '../../db/schema.ts';
import { CreditOutcomeSchema, PaymentSchema, RefundSchema } from '../payments/payment-schemas.ts';

/**
 * An organisation's registration (issue 19): the organisation and how the registering person's
 * authority stands. The organisation's identifier and name are withheld, like identities, from the
 * lot's manager before the lot has ended.
 */
export const OnBehalfOfSchema = z
  .object({
    identifier: z.string().optional().openapi({ description: 'The organisation’s e-ID identifier (tax code).' }),
    name: z.string().optional(),
    role: z.enum(ORGANISATION_ROLES).openapi({ description: 'The registering person’s role in the organisation.' }),
    authority: z.enum(AUTHORITY_SOURCES).openapi({
      description: '`eid`: the person’s e-ID token said they act for it; `document`: an authorisation document.',
    }),
    authorisation: z.enum(AUTHORISATION_STATES).openapi({
      description:
        '`verified` (e-ID); by document: `awaiting_document`, `pending_review`, `approved`, `rejected` (upload another). The registration may bid only once verified or approved.',
    }),
  })
  .openapi('OnBehalfOf');
export type OnBehalfOfView = z.infer<typeof OnBehalfOfSchema>;

/** A person's registration for a lot: POST /api/lots/:id/registrations → 201, and its approval. */
export const RegistrationSchema = z
  .object({
    id: z.number().int(),
    lotId: z.number().int(),
    bidderCode: z.string(),
    status: z.enum(REGISTRATION_STATUSES),
    depositState: z.enum(DEPOSIT_STATES),
    rulesVersion: z.number().int(),
    rulesAcceptedAt: z.string(),
    payment: PaymentSchema.optional().openapi({
      description:
        'The deposit to pay: amount, account, transfer reference, due time, what has been received, and the VietQR payload. Present in the registration answers, the lists and the manager’s lotRegistration events.',
    }),
    onBehalfOf: OnBehalfOfSchema.optional().openapi({
      description: 'Present for an organisation’s registration (issue 19); absent for a person’s own.',
    }),
  })
  .openapi('Registration');
export type RegistrationView = z.infer<typeof RegistrationSchema>;

/** The answer of the manager's "deposit received": the registration, and the manual credit recorded (null for none). */
export const DepositReceivedSchema = RegistrationSchema.extend({
  credit: CreditOutcomeSchema.nullable().openapi({
    description: 'What matching did with the manual entry (null when nothing was recorded: already approved).',
  }),
}).openapi('DepositReceived');
export type DepositReceivedView = z.infer<typeof DepositReceivedSchema>;

/** One explicit read of a registration's identity by the lot's manager, as regulators see it. */
export const IdentityReadSchema = z
  .object({ at: z.string(), actorPid: z.string().nullable(), purpose: z.string() })
  .openapi('IdentityRead');
export type IdentityRead = z.infer<typeof IdentityReadSchema>;

/** An item of GET /api/lots/:id/registrations (and of the manager's `lotRegistration` event). */
export const LotRegistrationItemSchema = RegistrationSchema.omit({ lotId: true })
  .extend({
    createdAt: z.string(),
    approvedAt: z.string().nullable(),
    pid: z
      .string()
      .optional()
      .openapi({ description: 'Regulators; the lot’s manager once the lot has ended. Absent otherwise.' }),
    name: z.string().nullable().optional().openapi({ description: 'As pid.' }),
    identityReads: z.array(IdentityReadSchema).optional().openapi({
      description: 'Regulators only: the manager’s explicit, audited reads of this identity, oldest first.',
    }),
  })
  .openapi('LotRegistration');
export type LotRegistrationItem = z.infer<typeof LotRegistrationItemSchema>;

export const LotRegistrationListSchema = z
  .object({
    identities: z.enum(['shown', 'hidden']).openapi({
      description:
        '`hidden`: the items carry no pid or name (the lot’s manager before the lot has ended; everyone once the identities are past their retention).',
    }),
    retention: z.object({ finalAt: z.string(), identitiesReadableUntil: z.string() }).optional().openapi({
      description:
        'Once the lot’s records are final (issue 20): when they became final, and until when staff may read its identities (IDENTITY_RETENTION_DAYS later); after that `identities` is `hidden` for everyone.',
    }),
    items: z.array(LotRegistrationItemSchema),
  })
  .openapi('LotRegistrations');
export type LotRegistrationList = z.infer<typeof LotRegistrationListSchema>;

/** GET /api/lots/:id/registrations/:rid/identity: one identity, read by the lot's manager for a purpose. */
export const RegistrationIdentitySchema = z
  .object({
    registrationId: z.number().int(),
    lotId: z.number().int(),
    bidderCode: z.string(),
    pid: z.string(),
    name: z.string().nullable(),
    onBehalfOf: OnBehalfOfSchema.optional().openapi({
      description: 'An organisation’s registration (issue 19): the organisation, read with the person.',
    }),
    purpose: z.string().openapi({ description: 'The purpose as recorded in the audit log.' }),
    viewedAt: z.string(),
  })
  .openapi('RegistrationIdentity');
export type RegistrationIdentity = z.infer<typeof RegistrationIdentitySchema>;

/** An item of GET /api/me/registrations: the person's registration with its lot, their bids and the outcome. */
export const MyRegistrationSchema = RegistrationSchema.extend({
  lot: z.object({
    id: z.number().int(),
    title: z.string(),
    status: z.enum(LOT_STATUSES),
    startsAt: z.string(),
    endsAt: z.string(),
    currentPrice: z.number().int().nullable(),
    finalPrice: z.number().int().nullable(),
  }),
  leading: z.boolean(),
  outcome: z.enum(['won', 'lost', 'cancelled']).nullable(),
  award: z.enum(AWARD_STATES).nullable().openapi({
    description:
      "The lot's award state after a close with a winner (see Award) for the winner, and for the next bidder once the award names them (Art. 51); else null.",
  }),
  balance: PaymentSchema.nullable().openapi({
    description:
      "The winner's balance to pay (the price less the deposit): amount, account, its own transfer reference, due time, received, VietQR. Null for everyone else.",
  }),
  refunds: z.array(RefundSchema).openapi({ description: 'Money owed back to this person on this lot, and sent.' }),
  bids: z.array(
    z.object({
      seq: z.number().int(),
      amount: z.number().int(),
      placedAt: z.string(),
      status: z.enum(['accepted', 'withdrawn']),
    }),
  ),
}).openapi('MyRegistration');
export type MyRegistration = z.infer<typeof MyRegistrationSchema>;

export const MyRegistrationListSchema = z.object({ items: z.array(MyRegistrationSchema) }).openapi('MyRegistrations');
