// The facts about a lot that the audit chain carries so that the mutable tables can be checked against
// it: who is behind each bidder code (registration.created) and what the close decided (lot.closed,
// lot.failed). People appear only as keyed hashes (person-hash.ts). The public bid ledger stays as it
// is: bidder codes only. Free of database imports, so the offline verifier reads these shapes too.
import { z } from 'zod';

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);
const iso = z.iso.datetime({ offset: true });

/** `registration.created` data: the binding of a bidder code to a person, made when they registered. */
export const RegistrationFactsSchema = z.object({
  bidderCode: z.string().min(1),
  personHash: hex64,
  rulesVersion: z.number().int(),
  rulesAcceptedAt: iso,
  /** An organisation's registration (issue 19): the organisation, and the registering person's role and authority. */
  organisation: z
    .object({
      identifier: z.string().min(1),
      role: z.enum(['legal_representative', 'authorised_person']),
      authority: z.enum(['eid', 'document']),
    })
    .optional(),
});
export type RegistrationFacts = z.infer<typeof RegistrationFactsSchema>;

/** `lot.closed` / `lot.failed` data: the result as the close decided it (the winner by code and person hash). */
export const CloseFactsSchema = z.object({
  finalPrice: z.number().int().nullable(),
  winnerRegistrationId: z.number().int().nullable(),
  winnerBidderCode: z.string().nullable(),
  winnerPersonHash: hex64.nullable(),
});
export type CloseFacts = z.infer<typeof CloseFactsSchema>;

/** The data of a `registration.created` event. */
export function registrationFacts(input: {
  bidderCode: string;
  personHash: string;
  rulesVersion: number;
  rulesAcceptedAt: Date;
  organisation?: RegistrationFacts['organisation'];
}): RegistrationFacts {
  return {
    bidderCode: input.bidderCode,
    personHash: input.personHash,
    rulesVersion: input.rulesVersion,
    rulesAcceptedAt: input.rulesAcceptedAt.toISOString(),
    ...(input.organisation ? { organisation: input.organisation } : {}),
  };
}

/**
 * `registration.actor_added` data (issue 19): the binding of an organisation's acting person, by
 * number within its registration, to a person (keyed hash); its ledger entries carry that number.
 */
export const ActorFactsSchema = z.object({
  bidderCode: z.string().min(1),
  actorNo: z.number().int().positive(),
  personHash: hex64,
  role: z.enum(['legal_representative', 'authorised_person']),
  authority: z.enum(['eid', 'document']),
});
export type ActorFacts = z.infer<typeof ActorFactsSchema>;

export function actorFacts(input: ActorFacts): ActorFacts {
  return {
    bidderCode: input.bidderCode,
    actorNo: input.actorNo,
    personHash: input.personHash,
    role: input.role,
    authority: input.authority,
  };
}

export function readActorFacts(data: Record<string, unknown>): ActorFacts | undefined {
  const parsed = ActorFactsSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The facts of a close event, when it carries them (events chained before issue 13 carry only the price). */
export function readCloseFacts(data: Record<string, unknown>): CloseFacts | undefined {
  const parsed = CloseFactsSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

/** The binding of a registration event, when it carries one (events before issue 13 chain the registrant as the actor in clear). */
export function readRegistrationFacts(data: Record<string, unknown>): RegistrationFacts | undefined {
  const parsed = RegistrationFactsSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}
