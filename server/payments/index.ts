// The payments domain's wiring (issue 17): the handlers of its durable jobs (the winner's balance
// deadline and reminders); at start, registrations written before payments existed get their deposit
// payment (a backfill, once, before the API serves); then the router mounted under /api.
import type { AppContext } from '../context.ts';
import type { ApiApp } from '../http/app.ts';
import { backfillDepositPayments } from './instructions.ts';
import { paymentRoutes } from './payment-routes.ts';
import { registerJobHandler } from '../jobs/index.ts';
import { BALANCE_DEADLINE_JOB, BALANCE_REMINDER_JOB, enforceBalanceDeadline, remindBalance } from './settlement.ts';

export async function createPayments(ctx: AppContext): Promise<{ path: string; app: ApiApp }> {
  registerJobHandler(BALANCE_DEADLINE_JOB, enforceBalanceDeadline);
  registerJobHandler(BALANCE_REMINDER_JOB, remindBalance);
  await backfillDepositPayments(ctx.db, ctx.config.money, ctx.log, ctx.clock.now());
  return { path: '/', app: paymentRoutes(ctx) };
}
