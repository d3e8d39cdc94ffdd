// Relatedness flags' answer and request shapes (issue 19): registrations on one lot that look related,
// for the lot's manager to decide on.
import { z } from '@hono/zod-openapi';
import { FLAG_DECISIONS } from '../../db/schema.ts';
import { RowId } from '../shared/validation.ts';
import { StatedReason } from '../organisations/authorisation-schemas.ts';

export const FLAG_KINDS = ['same_organisation', 'one_person_two_organisations', 'representative_personal'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];

export const RegistrationFlagSchema = z
  .object({
    key: z.string().openapi({
      description: 'Stable: the kind and the sorted bidder codes, `same_organisation:B-7K3Q,B-9XYZ`.',
      example: 'same_organisation:B-7K3Q,B-9XYZ',
    }),
    kind: z.enum(FLAG_KINDS).openapi({
      description:
        '`same_organisation`: one organisation reached through two or more people (its registration, or the personal registration of someone known to act for it); `one_person_two_organisations`: one person registered for two or more organisations; `representative_personal`: one person registered both for an organisation and for themselves.',
    }),
    bidderCodes: z.array(z.string()),
    registrationIds: z.array(z.number().int()),
    decision: z
      .object({ decision: z.enum(FLAG_DECISIONS), reason: z.string(), decidedAt: z.string() })
      .nullable()
      .openapi({ description: 'The lot’s manager’s decision; null while undecided.' }),
    organisations: z
      .array(z.object({ identifier: z.string(), name: z.string() }))
      .optional()
      .openapi({ description: 'Regulators only: the organisations the flag concerns.' }),
    pids: z
      .array(z.string())
      .optional()
      .openapi({ description: 'Regulators only: the people behind the registrations, sorted.' }),
  })
  .openapi('RegistrationFlag');
export type RegistrationFlagView = z.infer<typeof RegistrationFlagSchema>;

export const RegistrationFlagsSchema = z
  .object({
    identities: z.enum(['shown', 'hidden']).openapi({
      description: '`hidden`: the flags name bidder codes only (the lot’s manager).',
    }),
    items: z.array(RegistrationFlagSchema),
  })
  .openapi('RegistrationFlags');
export type RegistrationFlagsView = z.infer<typeof RegistrationFlagsSchema>;

export const FlagDecisionSchema = z
  .object({
    decision: z.enum(FLAG_DECISIONS),
    reason: StatedReason().openapi({ description: 'Why (10–500 characters), audited.' }),
    registrationId: RowId().optional().openapi({
      description: 'Required with `rejected`: the registration to reject, one of those the flag names.',
    }),
  })
  .strict()
  .openapi('RegistrationFlagDecision');
export type FlagDecisionInput = z.infer<typeof FlagDecisionSchema>;
