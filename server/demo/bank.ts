// The demo "bank" (demo mode only): a person pays a payment instruction as if they had made the bank
// transfer. The platform writes the notification a payment provider would send (a transaction id, the
// reference in the memo, the amount, the time, the payer's made-up account) and signs it with the
// webhook secret (in the demo, PAYMENT_WEBHOOK_SECRET or the published demo secret), then hands it to
// the webhook's own code: the signature is checked and the credit matched exactly as a real one.
// Outside the demo every route answers 404 demo_only.
import { createRoute, z } from '@hono/zod-openapi';
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, signedIn } from '../identity/auth-middleware.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { receiveNotification } from '../payments/reconciliation.ts';
import { normaliseText } from '../shared/search-text.ts';
import { signatureHeader } from '../payments/webhook-signature.ts';
import { CreditOutcomeSchema, PaymentAccountSchema } from '../payments/payment-schemas.ts';

const tags = ['demo'];
const security = [{ eid: [] }];

export const DemoTransferSchema = z
  .object({
    reference: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .openapi({ description: 'The transfer reference (or a memo with it).' }),
    amount: z.number().int().positive().max(1_000_000_000_000).openapi({ description: 'VND.' }),
  })
  .strict()
  .openapi('DemoTransfer');

/** Whether the demo bank is open: demo data on, never in production. */
const demoBankOpen = (ctx: AppContext): boolean =>
  ctx.config.demoData && ctx.config.env !== 'production' && !!ctx.config.money.webhookSecret;

export function demoBankRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();
  const open = (): void => {
    if (!demoBankOpen(ctx)) throw AppError.of('demo_only');
  };

  app.openapi(
    createRoute({
      method: 'get',
      path: '/demo/bank',
      ...access('signed-in'),
      tags,
      security,
      summary: 'The demo bank (demo mode only): the account it pays into',
      description: 'In the demo, the auction house’s account that demo transfers go to; elsewhere 404 `demo_only`.',
      responses: {
        200: json(z.object({ account: PaymentAccountSchema }).openapi('DemoBank'), 'The demo bank is open'),
        ...errorResponses(401, 404),
      },
    }),
    (c) => {
      open();
      return c.json({ account: { ...ctx.config.money.account } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/demo/bank/transfers',
      ...access('signed-in'),
      tags,
      security,
      summary: 'Make a demo transfer (demo mode only): a signed notification, matched as a real one',
      description:
        'The platform writes and signs the payment provider’s notification of this transfer and passes it through the webhook’s checks and matching; the answer is what matching did (accepted, held or late). Elsewhere 404 `demo_only`.',
      request: { body: { content: { 'application/json': { schema: DemoTransferSchema } }, required: true } },
      responses: { 200: json(CreditOutcomeSchema, 'What matching did'), ...errorResponses(401, 404, 422) },
    }),
    async (c) => {
      open();
      const person = signedIn(c);
      const { reference, amount } = c.req.valid('json');
      const now = ctx.clock.now();
      const raw = JSON.stringify({
        transactionId: `DEMO${now.getTime()}${randomBytes(3).toString('hex').toUpperCase()}`,
        reference: `DEMO BANK ${reference}`,
        amount,
        paidAt: now.toISOString(),
        payerAccount: `9704${person.idNumber.slice(-8)}`,
        payerName: person.name ? plainName(person.name) : undefined,
        payerBank: ctx.config.money.account.bank,
      });
      const header = signatureHeader(ctx.config.money.webhookSecret!, Math.floor(now.getTime() / 1000), raw);
      const outcome = unwrap(await receiveNotification(ctx, header, raw));
      // A credit notification is answered with a credit's outcome.
      if (!('creditId' in outcome)) throw new Error('the demo bank sent a credit but was answered as a debit');
      return c.json(outcome, 200);
    },
  );
  return app;
}

/** A name as banks print it: upper case, without diacritics ("Phạm Minh Đức" → "PHAM MINH DUC"). */
export function plainName(name: string): string {
  return normaliseText(name).toUpperCase().slice(0, 100);
}
