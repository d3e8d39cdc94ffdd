// The notification routes' shapes as zod schemas (documented at /api/openapi.json): the person's
// notices page, a read mark, and the e-mail address notices are sent to.
import { z } from '@hono/zod-openapi';
import { EMAIL_STATES } from '../../db/schema.ts';
import { isEmailAddress, MAX_EMAIL_LENGTH } from './email-address.ts';

export const NotificationItemSchema = z
  .object({
    id: z.number().int(),
    kind: z.string().openapi({
      description:
        'What the notice is about: deposit_due, deposit_received, deposit_partial, deposit_reversed, payment_held, payment_late, refund_due, refund_sent, balance_due, balance_partial, balance_reminder, balance_received, payment_deadline_missed, bar_recorded, result_published (the signed result notice of a lot, published or superseded), no_show_forfeited, no_show_held, no_show_decision_due (to the lot’s manager), no_show_excused, authorisation_approved, authorisation_rejected, registration_rejected (issue 19). New kinds may be added.',
    }),
    lotId: z.number().int().nullable(),
    data: z.record(z.string(), z.unknown()).openapi({
      description:
        'The facts the text is made from: amounts in VND (amount, received, outstanding), ISO times (dueAt, refundDueAt, paidAt, until), the transfer reference, the bank transactionId, holdReason, reason (of a refund), daysLeft, category; for result_published the status, award, price, rerunAs and sequence of the notice, and noticePath (its stable address); decisionReason, the lot’s manager’s reason for a decision on the person’s registration.',
    }),
    createdAt: z.string(),
    readAt: z.string().nullable(),
    email: z.enum(EMAIL_STATES).openapi({
      description: 'none: in-app only; pending: to be e-mailed; sent; failed (after its retries).',
    }),
    subject: z.string().openapi({ description: 'The subject, in the language asked for (lang).' }),
    body: z.string().openapi({ description: 'The text, one fact a line, in the language asked for (lang).' }),
  })
  .openapi('Notification');
export type NotificationItem = z.infer<typeof NotificationItemSchema>;

export const NotificationPageSchema = z
  .object({
    items: z.array(NotificationItemSchema),
    unread: z.number().int().openapi({ description: "All the person's unread notices, not only this page's." }),
    nextCursor: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Pass as cursor for the next (older) page; null on the last page.' }),
  })
  .openapi('NotificationPage');
export type NotificationPage = z.infer<typeof NotificationPageSchema>;

const limitText = 'a whole number from 1 to 100';
export const NotificationQuery = z.object({
  cursor: z.coerce
    .number({ error: 'a notice id' })
    .int('a notice id')
    .positive('a notice id')
    .max(Number.MAX_SAFE_INTEGER, 'a notice id')
    .optional()
    .openapi({ description: 'The nextCursor of the previous page: notices older than it.' }),
  limit: z.coerce.number({ error: limitText }).int(limitText).min(1, limitText).max(100, limitText).default(20),
  lang: z
    .enum(['vi', 'en'], { error: 'vi or en' })
    .default('vi')
    .openapi({ description: 'The language of subject and body.' }),
});

export const NotificationIdParam = z.object({
  id: z.coerce
    .number()
    .int()
    .positive()
    .max(Number.MAX_SAFE_INTEGER)
    .openapi({ param: { name: 'id', in: 'path' }, example: 1 }),
});

export const ReadMarkSchema = z
  .object({ id: z.number().int(), readAt: z.string() })
  .openapi('NotificationRead', { description: 'The notice and when it was first read.' });

export const ReadAllSchema = z
  .object({ marked: z.number().int().openapi({ description: 'How many notices were unread until now.' }) })
  .openapi('NotificationsReadAll');

export const EmailBody = z
  .object({
    email: z
      .string()
      .trim()
      .max(MAX_EMAIL_LENGTH)
      .refine((s) => s === '' || isEmailAddress(s), 'an e-mail address such as ten@example.vn')
      .nullable()
      .openapi({ description: 'The address money notices are e-mailed to; null or "" clears it.' }),
  })
  .strict()
  .openapi('SetEmail');

export const EmailSchema = z.object({ email: z.string().nullable() }).openapi('Email');
