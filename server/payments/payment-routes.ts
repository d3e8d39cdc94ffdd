// HTTP routes of the payments domain: the payment provider's signed notifications, the bank
// statement upload, the exceptions queue (held credits) with its decisions, and the reversal of a
// manager's manual entry. The manual entry itself stays on the registration's approve route
// (server/auctions/registration-routes.ts), where v1 clients call it.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { declareBodyLimit } from '../http/body-limits.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, requireRole, signedIn } from '../identity/auth-middleware.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { pathId } from '../shared/validation.ts';
import { decideHeldCredit, listHeldCredits } from './held-credits.ts';
import { reverseManualCredit } from './manual-entry.ts';
import {
  CreditSchema,
  DecisionBodySchema,
  HeldCreditsSchema,
  NotificationBodySchema,
  NotificationOutcomeSchema,
  MoneyTrailSchema,
  PaymentSchema,
  RefundSchema,
  RefundSentBodySchema,
  StatementSummarySchema,
} from './payment-schemas.ts';
import { confirmRefund, lotMoney, refundInstructionFile } from './refunds.ts';
import { importStatement, receiveNotification } from './reconciliation.ts';
import { SIGNATURE_HEADER } from './webhook-signature.ts';

const tags = ['payments'];
const security = [{ eid: [] }];
/** A notification is a few hundred bytes; a provider's larger body is not one. */
export const NOTIFICATION_LIMIT = 16 * 1024;
/** A statement of MAX_STATEMENT_ROWS lines fits well inside. */
export const STATEMENT_LIMIT = 2 * 1024 * 1024;
/** How long a client should wait before notifying a platform whose webhook is off (it may be configured later). */
const WEBHOOK_OFF_RETRY_SECONDS = '3600';

const CreditIdParam = z.object({ id: pathId('id') });
const RefundIdParam = z.object({ id: pathId('id') });
const LotIdParam = z.object({ id: pathId('id') });
const CSV_TYPES = new Set(['text/csv', 'application/csv', 'text/plain']);

export function paymentRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  declareBodyLimit(app, {
    path: '/payments/notifications',
    maxBytes: NOTIFICATION_LIMIT,
    tooLarge: (maxBytes) => AppError.of('body_too_large', { maxBytes }),
  });
  declareBodyLimit(app, {
    path: '/payments/statements',
    maxBytes: STATEMENT_LIMIT,
    tooLarge: (maxBytes) => AppError.of('body_too_large', { maxBytes }),
  });

  // The notification's body is documented as a schema of its own: the route reads it raw (the signature
  // covers its exact bytes) and validates it only once the signature holds.
  app.openAPIRegistry.register('PaymentNotification', NotificationBodySchema);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/notifications',
      ...access('anyone'),
      tags,
      summary: "The payment provider's notification of a credit (signed)",
      description:
        'Header `X-Payment-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" keyed with PAYMENT_WEBHOOK_SECRET>`. A timestamp more than 5 minutes old or ahead is refused (400), a signature that does not match the raw body 401, a malformed header or body 400. Every authenticated notification is answered 200 with what matching did: `accepted` (toward the payment its reference names), `held` for a manager (`holdReason`: overpaid, unknown_reference, lot_closed, barred, already_settled) or `late` (after the due time: owed back). Idempotent by `transactionId`: a repeat answers the first outcome with `duplicate: true` and changes nothing. With PAYMENT_WEBHOOK_SECRET unset the webhook is off: 503 `payments_webhook_off`. Body: PaymentNotification `{transactionId, reference, amount, paidAt}`. With `direction: "debit"` the notification reports a refund sent from the house\'s account: its memo carries the refund\'s code (HT and its id, as in the refund instruction file), and the answer is a DebitOutcome (`refund_confirmed`, or `unmatched` with why; nothing changes then). See README "Payments" for a worked signature.',
      responses: {
        200: json(NotificationOutcomeSchema, 'Authenticated; what matching did'),
        ...errorResponses(400, 401, 413, 503),
      },
    }),
    // The body is read raw (the signature covers its exact bytes), not by the route's validator.
    async (c) => {
      const raw = await c.req.text();
      const result = await receiveNotification(ctx, c.req.header(SIGNATURE_HEADER), raw);
      if (!result.ok && result.reason === 'payments_webhook_off')
        throw AppError.from(result, { 'retry-after': WEBHOOK_OFF_RETRY_SECONDS });
      return c.json(unwrap(result), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/statements',
      ...access({ roles: ['manager', 'admin'] }),
      tags,
      security,
      summary: 'Import a bank statement (CSV) and match its credits',
      description:
        'A CSV in the format of README "Payments" (columns Ngày giao dịch, Mã giao dịch or Số tham chiếu, Số tiền ghi có, Nội dung; UTF-8, a BOM tolerated, amounts like 4.000.000), sent as `text/csv`, at most 2 MB. The file is checked whole first: a malformed one is refused with 422 `statement_malformed` naming the line, and nothing is imported. Each credit line then goes through the same matching as a notification, idempotent by the bank\'s transaction id (a line imported before is `duplicate`); debit lines are `skipped`. The answer has one summary line per row.',
      request: {
        body: {
          content: { 'text/csv': { schema: z.string().openapi({ example: 'Ngày giao dịch,Mã giao dịch,…' }) } },
          required: true,
        },
      },
      responses: {
        200: json(StatementSummarySchema, 'Imported; what became of each line'),
        ...errorResponses(401, 403, 413, 415, 422),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'manager', 'admin');
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      if (!CSV_TYPES.has(type)) throw AppError.of('statement_media_type');
      return c.json(unwrap(await importStatement(ctx, person, await c.req.text())), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/payments/held',
      ...access({ roles: ['manager', 'regulator', 'admin'] }),
      tags,
      security,
      summary: 'Held credits waiting for a decision (the exceptions queue)',
      description:
        "Managers see the credits naming their lots' payments and the unknown-reference credits of statements they uploaded; regulators (read-only) and admins see all. Newest first, at most 500.",
      responses: { 200: json(HeldCreditsSchema, 'Held credits'), ...errorResponses(401, 403) },
    }),
    async (c) => c.json(unwrap(await listHeldCredits(ctx, signedIn(c))), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/credits/{id}/decision',
      ...access({ roles: ['manager', 'admin'] }),
      tags,
      security,
      summary: 'Decide on a held credit: accept it toward its payment, or return it',
      description:
        "The lot's manager (for unknown references: the manager who uploaded the statement) or an admin. `accepted` applies the credit to its payment, refused (409) when it would pay more than is outstanding, the lot has ended or the payer is barred; the deposit received in full approves the registration. `returned` owes the credit back (a refund, reason returned_credit). Audited; the payer is told.",
      request: {
        params: CreditIdParam,
        body: { content: { 'application/json': { schema: DecisionBodySchema } }, required: true },
      },
      responses: { 200: json(CreditSchema, 'Decided'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager', 'admin');
      const { id } = c.req.valid('param');
      return c.json(unwrap(await decideHeldCredit(ctx, person, id, c.req.valid('json').decision)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/credits/{id}/reversal',
      ...access({ roles: ['manager'] }),
      tags,
      security,
      summary: "Reverse a manual deposit entry (the lot's manager, until bidding starts)",
      description:
        "Only an accepted `manual` credit, before the lot's bidding starts (409 `reversal_after_start` after). The payment loses the amount; a registration it approved goes back to `pending_deposit`. Audited; the person is told.",
      request: { params: CreditIdParam },
      responses: {
        200: json(
          z.object({ creditId: z.number().int(), reversedAt: z.string(), payment: PaymentSchema }).openapi('Reversal'),
          'Reversed',
        ),
        ...errorResponses(401, 403, 404, 409),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      return c.json(unwrap(await reverseManualCredit(ctx, person, c.req.valid('param').id)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/money',
      ...access({ roles: ['manager', 'regulator', 'admin'] }),
      tags,
      security,
      summary: "The lot's money trail: the reconciliation board (manager) and the regulator's read-only view",
      description:
        "Every payment of the lot (deposits and the winner's balance) by bidder code, every credit to them and what became of it, every refund, and the totals: received = held + onDeposit + retained + forfeited + dueForRefund + refunded + returned (VND). `balanced` says whether it adds up, payment by payment too; `problems` says what does not. The lot's manager, regulators and admins; no personal data.",
      request: { params: LotIdParam },
      responses: { 200: json(MoneyTrailSchema, 'The money trail'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => c.json(unwrap(await lotMoney(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/refunds.csv',
      ...access({ roles: ['manager', 'admin'] }),
      tags,
      security,
      summary: 'The refund instruction file for the bank (CSV)',
      description:
        "Every refund of the lot still due, one line each: STT, Mã hoàn tiền (the refund's id, to confirm it by), Mã người tham gia, Tên người nhận, Số tài khoản nhận, Ngân hàng nhận (the account the money came from, as the bank reported it), Số tiền (VND), Nội dung (HOAN TIEN, the refund's code HT<id>, and the payment reference: a debit notification with that memo confirms the refund), Hạn chót (dd/mm/yyyy). UTF-8 with a byte-order mark. The lot's manager or an admin; audited as a read of identities.",
      request: { params: LotIdParam },
      responses: {
        200: { description: 'The file', content: { 'text/csv': { schema: z.string() } } },
        ...errorResponses(401, 403, 404),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const file = unwrap(await refundInstructionFile(ctx, requireRole(c, 'manager', 'admin'), id));
      return c.body(file.csv, 200, {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="refunds-lot-${id}.csv"`,
      });
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/payments/refunds/{id}/sent',
      ...access({ roles: ['manager', 'admin'] }),
      tags,
      security,
      summary: 'Confirm a refund sent, with the bank’s reference of the transfer',
      description:
        "The lot's manager or an admin. The refund becomes `sent`; once all of a payment's refunds are sent the payment is `refunded`, and a loser's deposit `refunded`. Audited; the payer is told. Confirming again with the same bank reference answers the refund unchanged; with another, 409.",
      request: {
        params: RefundIdParam,
        body: { content: { 'application/json': { schema: RefundSentBodySchema } }, required: true },
      },
      responses: { 200: json(RefundSchema, 'Sent'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const body = c.req.valid('json');
      return c.json(
        unwrap(
          await confirmRefund(ctx, requireRole(c, 'manager', 'admin'), c.req.valid('param').id, {
            bankReference: body.bankReference,
            sentAt: body.sentAt ? new Date(body.sentAt) : undefined,
          }),
        ),
        200,
      );
    },
  );
  return app;
}
