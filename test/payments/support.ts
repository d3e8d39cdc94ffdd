// Helpers for the payments tests: a platform with a webhook secret and a controlled clock, signed
// notifications sent as the provider would, and reads of what matching wrote.
import { personKey } from '../../server/privacy/personal-data.ts';
import { and, asc, eq, lte } from 'drizzle-orm';
import type { Json } from '../support/json.ts';
import type { TestPlatform } from '../support/platform.ts';
import type { ManualClock } from '../../server/shared/clock.ts';
import { auditEvents, jobs, notifications, paymentCredits, payments, refunds, registrations } from '../../db/schema.ts';
import { signatureHeader } from '../../server/payments/webhook-signature.ts';
import { eventually, lotBody, publishedLot, type Actor } from '../auctions/factories.ts';

export const SECRET = 'whsec_test_0123456789abcdef0123456789abcdef';

export interface Notification {
  transactionId: string;
  reference: string;
  amount: number;
  paidAt: string;
}

/** Sends a notification signed now by the test clock (or as `options` say). */
export async function sendNotification(
  tp: TestPlatform,
  clock: ManualClock,
  body: Notification | string,
  options: { secret?: string; at?: number; header?: string } = {},
) {
  const raw = typeof body === 'string' ? body : JSON.stringify(body);
  const t = options.at ?? Math.floor(clock.now().getTime() / 1000);
  const header = options.header ?? signatureHeader(options.secret ?? SECRET, t, raw);
  return tp.call('POST', '/api/payments/notifications', { raw, headers: { 'x-payment-signature': header } });
}

/** A lot open for registration at the clock's time, and a registration for `bidder` (its 201 answer). */
export async function lotWithRegistration(
  tp: TestPlatform,
  clock: ManualClock,
  manager: Actor,
  bidder: Actor,
  overrides: Record<string, unknown> = {},
): Promise<{ lot: Json; reg: Json }> {
  const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), overrides));
  const res = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: bidder.token, body: {} });
  if (res.status !== 201) throw new Error(`register: ${res.status} ${res.text}`);
  return { lot, reg: res.json };
}

export async function registrationRow(tp: TestPlatform, id: number) {
  const [r] = await tp.database.db.select().from(registrations).where(eq(registrations.id, id));
  return r;
}

export async function paymentByReference(tp: TestPlatform, reference: string) {
  const [p] = await tp.database.db.select().from(payments).where(eq(payments.reference, reference));
  return p;
}

export async function creditsOf(tp: TestPlatform, paymentId: number) {
  return tp.database.db
    .select()
    .from(paymentCredits)
    .where(eq(paymentCredits.paymentId, paymentId))
    .orderBy(asc(paymentCredits.id));
}

/** A person's notices, by their clear personal id (the database holds their person key). */
export async function noticesOf(tp: TestPlatform, pid: string) {
  return tp.database.db
    .select()
    .from(notifications)
    .where(eq(notifications.pid, personKey(pid)))
    .orderBy(asc(notifications.id));
}

export async function auditOf(tp: TestPlatform, action: string) {
  return tp.database.db.select().from(auditEvents).where(eq(auditEvents.action, action)).orderBy(asc(auditEvents.id));
}

export async function refundsOfCredit(tp: TestPlatform, creditId: number) {
  return tp.database.db.select().from(refunds).where(eq(refunds.creditId, creditId));
}

/** Counts of the rows money writes, to show a refused request changed nothing. */
export async function moneyRowCounts(tp: TestPlatform) {
  const db = tp.database.db;
  return {
    credits: (await db.select({ id: paymentCredits.id }).from(paymentCredits)).length,
    refunds: (await db.select({ id: refunds.id }).from(refunds)).length,
    notices: (await db.select({ id: notifications.id }).from(notifications)).length,
    audit: (await db.select({ id: auditEvents.id }).from(auditEvents)).length,
    payments: JSON.stringify(await db.select().from(payments).orderBy(asc(payments.id))),
  };
}

/**
 * Waits until the platform has settled what a clock jump set off: no job due by the test's clock is
 * still pending, and the money rows stay the same across a pause (a job's after-commit work included).
 */
export async function settledAfterJump(tp: TestPlatform, clock: ManualClock) {
  await eventually(async () => {
    const due = await tp.database.db
      .select({ id: jobs.id })
      .from(jobs)
      .where(and(eq(jobs.state, 'pending'), lte(jobs.runAt, clock.now())));
    if (due.length > 0) return undefined;
    const first = await moneyRowCounts(tp);
    await new Promise((r) => setTimeout(r, 300));
    return JSON.stringify(await moneyRowCounts(tp)) === JSON.stringify(first) ? true : undefined;
  }, 'the platform settled after the clock moved');
}
