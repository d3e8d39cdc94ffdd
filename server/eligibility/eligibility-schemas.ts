// The eligibility screening's request and answer shapes (issue 19; Law on Property Auction, Art. 38):
// the exclusion list (people who may not bid, platform-wide or on one organisation's lots, with a
// reason, a source and an end) and the people an asset's owner bars from one lot.
import { z } from '@hono/zod-openapi';
import { fieldCode } from '../shared/field-errors.ts';
import { Instant, RowId } from '../shared/validation.ts';
import { Pid } from '../identity/identity-schemas.ts';

/** Free text that goes into the audit log and staff pages: trimmed, no control characters. */
const Text = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    // eslint-disable-next-line no-control-regex -- control characters are what it refuses
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'));

export const AddExclusionSchema = z
  .object({
    pid: Pid.openapi({ description: 'The person’s 12-digit identification number (they need not have signed in).' }),
    reason: Text(1000).openapi({
      description:
        'Why the person may not bid. Shown to staff only: a refused registration names the source and the end.',
    }),
    source: Text(300).openapi({
      description: 'Where it comes from: a court judgment, a decision, the article of the law (shown to the person).',
      example: 'Bản án số 12/2026/HS-ST ngày 02/11/2026 của TAND TP Hà Nội',
    }),
    endsAt: Instant.optional().openapi({
      description: 'When it ends (in the future); without it, it holds until lifted.',
    }),
    organisationId: RowId().nullable().optional().openapi({
      description:
        'The organisation whose lots it covers; null: every lot on the platform (regulators for the whole country and admins). Without it: every lot for regulators and admins, the manager’s only organisation for a manager.',
    }),
  })
  .strict()
  .openapi('AddExclusion');
export type AddExclusionInput = z.infer<typeof AddExclusionSchema>;

export const LiftExclusionSchema = z
  .object({ note: Text(1000).optional().openapi({ description: 'Why it is lifted (kept in the audit log).' }) })
  .strict()
  .openapi('LiftExclusion');

export const ExclusionSchema = z
  .object({
    id: z.number().int(),
    pid: Pid,
    name: z.string().nullable().openapi({ description: 'The person’s name, once they have signed in.' }),
    organisationId: z.number().int().nullable().openapi({ description: 'null: every lot on the platform.' }),
    reason: z.string(),
    source: z.string(),
    endsAt: z.string().nullable().openapi({ description: 'null: until lifted.' }),
    active: z.boolean().openapi({ description: 'Neither lifted nor ended, by the server clock.' }),
    createdBy: Pid,
    createdAt: z.string(),
    liftedBy: Pid.nullable(),
    liftedAt: z.string().nullable(),
  })
  .openapi('Exclusion');
export type Exclusion = z.infer<typeof ExclusionSchema>;

export const ExclusionsSchema = z.object({ items: z.array(ExclusionSchema) }).openapi('Exclusions');

export const ExclusionQuery = z.object({
  pid: Pid.optional().openapi({ param: { name: 'pid', in: 'query' }, description: 'Only this person’s entries.' }),
  active: z
    .enum(['true', 'false'], { error: 'true or false' })
    .optional()
    .openapi({
      param: { name: 'active', in: 'query' },
      description: 'true: only entries in force now; false: only lifted or ended ones.',
    }),
  limit: z.coerce
    .number({ error: 'a whole number from 1 to 500' })
    .int('a whole number from 1 to 500')
    .min(1, 'a whole number from 1 to 500')
    .max(500, 'a whole number from 1 to 500')
    .default(100)
    .openapi({ param: { name: 'limit', in: 'query' } }),
  offset: z.coerce
    .number({ error: 'a whole number ≥ 0' })
    .int('a whole number ≥ 0')
    .min(0, 'a whole number ≥ 0')
    .max(1_000_000, 'at most 1000000')
    .default(0)
    .openapi({ param: { name: 'offset', in: 'query' } }),
});
export type ExclusionQueryInput = z.infer<typeof ExclusionQuery>;

export const AddLotExclusionSchema = z
  .object({
    pid: Pid.openapi({ description: 'The person’s 12-digit identification number.' }),
    reason: Text(1000).openapi({
      description: 'Why the owner bars them (for staff: the person is told only that the owner named them).',
    }),
  })
  .strict()
  .openapi('AddLotExclusion');
export type AddLotExclusionInput = z.infer<typeof AddLotExclusionSchema>;

export const LotExclusionSchema = z
  .object({
    lotId: z.number().int(),
    pid: Pid,
    name: z.string().nullable(),
    reason: z.string(),
    addedBy: Pid,
    addedAt: z.string(),
  })
  .openapi('LotExclusion');
export type LotExclusion = z.infer<typeof LotExclusionSchema>;

export const LotExclusionsSchema = z
  .object({ lotId: z.number().int(), items: z.array(LotExclusionSchema) })
  .openapi('LotExclusions');
