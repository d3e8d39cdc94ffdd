// The shapes of "who viewed my data" (GET /api/me/data-views, issue 20): one entry per staff read of
// the signed-in person's identity, newest first, in pages.
import { z } from '@hono/zod-openapi';

export const DataViewSchema = z
  .object({
    id: z.number().int().openapi({ description: 'The audit event of the read (its place in the audit log).' }),
    at: z.string().openapi({ description: 'When the identity was read.' }),
    action: z.string().openapi({
      description:
        'What kind of read: `registration.identity_viewed` (one registration’s identity, by the lot’s manager), `authorisation.document_viewed` (an organisation’s authorisation document, which names its registrant), `registrations.viewed` (a lot’s registrations with identities), `record.viewed` (a lot’s record, JSON or PDF), `record.exported` (a bulk export of ended lots’ records), `audit.exported` (an export of the audit log, which shows personal ids), `supervision.lot_viewed` (a regulator’s live view of a running lot); more may come.',
    }),
    reader: z
      .object({
        role: z.string().nullable().openapi({ description: 'regulator, manager or admin; null when not recorded.' }),
        name: z.string().nullable().openapi({
          description:
            'The staff member’s name: people reading identities in an official capacity do so under their name. Their personal id is never shown.',
        }),
        organisation: z
          .string()
          .nullable()
          .openapi({ description: 'A manager’s auction organisation (the lot’s); null for others.' }),
        province: z.string().nullable().openapi({
          description: 'A regulator’s province scope as it stands now; null for a country-wide regulator and others.',
        }),
      })
      .openapi('DataViewReader'),
    purpose: z.string().nullable().openapi({ description: 'The purpose the reader stated; null: not stated.' }),
    lot: z
      .object({ id: z.number().int(), title: z.string() })
      .nullable()
      .openapi({ description: 'The lot whose people were read; null for an export across lots.' }),
    format: z.string().nullable().openapi({ description: 'A record or export’s format (json, pdf, ndjson, csv).' }),
  })
  .openapi('DataView');
export type DataView = z.infer<typeof DataViewSchema>;

export const DataViewPageSchema = z
  .object({
    items: z.array(DataViewSchema),
    nextCursor: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Pass as cursor for the next (older) page; null on the last page.' }),
  })
  .openapi('DataViewPage');
export type DataViewPage = z.infer<typeof DataViewPageSchema>;

const limitText = 'a whole number from 1 to 100';
export const DataViewQuery = z.object({
  cursor: z.coerce
    .number({ error: 'an entry id' })
    .int('an entry id')
    .positive('an entry id')
    .max(Number.MAX_SAFE_INTEGER, 'an entry id')
    .optional()
    .openapi({ description: 'The nextCursor of the previous page: reads older than it.' }),
  limit: z.coerce.number({ error: limitText }).int(limitText).min(1, limitText).max(100, limitText).default(20),
});
