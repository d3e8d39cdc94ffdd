// Bars: a person (or an organisation, issue 19) barred from a kind of auction (a lot category) for a
// period, recorded when a winner did not pay the balance in time (settlement.ts). A barred person cannot register for a lot of that
// kind (403 BIDDER_BARRED with the end date) and their transfers are held, never accepted (matching.ts).
import { and, desc, eq, gt, isNull, lte } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { bars } from '../../db/schema.ts';

export type BarRow = typeof bars.$inferSelect;

/**
 * The person's own bar from this category in force at `at` (the one ending last), if any; with
 * `organisationId`, the organisation's bar instead (issue 19: an organisation's registration defaulted).
 */
export async function activeBar(
  q: Db | Tx,
  pid: string,
  category: string,
  at: Date,
  organisationId: number | null = null,
): Promise<BarRow | undefined> {
  const whose =
    organisationId === null
      ? and(eq(bars.pid, pid), isNull(bars.bidderOrganisationId))
      : eq(bars.bidderOrganisationId, organisationId);
  const [bar] = await q
    .select()
    .from(bars)
    .where(and(whose, eq(bars.category, category), lte(bars.startsAt, at), gt(bars.endsAt, at)))
    .orderBy(desc(bars.endsAt))
    .limit(1);
  return bar;
}

/** Whether the person is barred from the category at `at`. */
export async function isBarred(q: Db | Tx, pid: string, category: string, at: Date): Promise<boolean> {
  return (await activeBar(q, pid, category, at)) !== undefined;
}

/** `months` calendar months after `from` (the last day of a shorter month when the day does not exist). */
export function addMonths(from: Date, months: number): Date {
  const d = new Date(from.getTime());
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return d;
}
