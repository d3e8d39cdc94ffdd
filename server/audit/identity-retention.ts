// How long staff may read who a lot's bidders are (issue 20, "every look is accounted for"): for
// IDENTITY_RETENTION_DAYS after the lot's records are final, then never again. After that staff see
// bidder codes only; the rows stay (destroying them by crypto-shredding is a later part), the chains
// and signed documents keep their keyed hashes.
//
// A lot's records are final when nothing can change its outcome any more:
//   - it failed or was cancelled;
//   - it closed without an award (no winner), or its award failed (no signature, the offer refused or
//     lapsed) or defaulted (the balance unpaid);
//   - it closed and the award was signed (`awarded`) and the balance deadline, if any, has passed (a
//     balance unpaid by then makes it default, a later change that moves the time on).
// A lot awaiting the winner's signature or the next bidder's answer (Art. 51) is not final, nor is a
// lot still open. The time it became final is the latest of the close, the lot's last outcome event
// in the audit chain (its close, failure, cancellation or an award event) and, for an award, the
// balance deadline: read from the chain, so it cannot be moved by editing a mutable row alone.
import { and, inArray, like, max, or } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { auditEvents, type lots } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { isEnded } from '../auctions/rules/index.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';

type LotRow = typeof lots.$inferSelect;

const DAY_MS = 86_400_000;

/** The audit actions that end a lot or change its award (plus every `award.*` action). */
const OUTCOME_ACTIONS = ['lot.closed', 'lot.failed', 'lot.cancelled', 'bar.recorded'] as const;

/** Whether the lot's outcome can no longer change (see the module comment), at `now`. */
export function outcomeSettled(lot: Pick<LotRow, 'status' | 'awardState' | 'awardDeadline'>, now: Date): boolean {
  if (!isEnded(lot.status)) return false;
  if (lot.status !== 'closed') return true;
  switch (lot.awardState) {
    case null:
    case 'failed':
    case 'defaulted':
      return true;
    case 'awarded':
      return !lot.awardDeadline || lot.awardDeadline.getTime() <= now.getTime();
    default:
      return false;
  }
}

type FinalityFields = Pick<LotRow, 'id' | 'status' | 'awardState' | 'awardDeadline' | 'closedAt' | 'endsAt'>;

/** When the lot's records became final, or null while they are not. */
export async function recordsFinalAt(db: Db | Tx, lot: FinalityFields, now: Date): Promise<Date | null> {
  return (await recordsFinalAtMany(db, [lot], now)).get(lot.id) ?? null;
}

/** recordsFinalAt for a page of lots, in one query. */
export async function recordsFinalAtMany(
  db: Db | Tx,
  page: readonly FinalityFields[],
  now: Date,
): Promise<Map<number, Date | null>> {
  const settled = page.filter((l) => outcomeSettled(l, now));
  const out = new Map<number, Date | null>(page.map((l) => [l.id, null]));
  if (settled.length === 0) return out;
  const rows = await db
    .select({ lotId: auditEvents.lotId, at: max(auditEvents.at) })
    .from(auditEvents)
    .where(
      and(
        inArray(
          auditEvents.lotId,
          settled.map((l) => l.id),
        ),
        or(inArray(auditEvents.action, [...OUTCOME_ACTIONS]), like(auditEvents.action, 'award.%')),
      ),
    )
    .groupBy(auditEvents.lotId);
  const last = new Map(rows.map((r) => [r.lotId, r.at]));
  for (const lot of settled) {
    const times = [
      lot.closedAt ?? lot.endsAt,
      last.get(lot.id) ?? null,
      lot.status === 'closed' ? lot.awardDeadline : null,
    ];
    out.set(lot.id, new Date(Math.max(...times.filter((t) => t != null).map((t) => new Date(t).getTime()))));
  }
  return out;
}

/** Whether identities whose records became final at `finalAt` are past their retention at `now`. */
export function retentionExpired(ctx: Pick<AppContext, 'config'>, finalAt: Date | null, now: Date): boolean {
  return !!finalAt && now.getTime() >= finalAt.getTime() + ctx.config.identityRetentionDays * DAY_MS;
}

/** Until when staff may read the lot's identities: null while its records are not final. */
export async function identitiesReadableUntil(
  ctx: Pick<AppContext, 'config'>,
  db: Db | Tx,
  lot: FinalityFields,
  now: Date,
): Promise<{ finalAt: Date; until: Date } | null> {
  const finalAt = await recordsFinalAt(db, lot, now);
  if (!finalAt) return null;
  return { finalAt, until: new Date(finalAt.getTime() + ctx.config.identityRetentionDays * DAY_MS) };
}

/**
 * ok while staff may still read the lot's identities; `identity_retention_expired` (403) once the
 * retention period after its records became final has passed.
 */
export async function identitiesReadable(
  ctx: Pick<AppContext, 'config'>,
  db: Db | Tx,
  lot: FinalityFields,
  now: Date,
): Promise<Result<void>> {
  const period = await identitiesReadableUntil(ctx, db, lot, now);
  if (period && now.getTime() >= period.until.getTime())
    return refuse('identity_retention_expired', {
      lotId: lot.id,
      finalAt: period.finalAt.toISOString(),
      days: ctx.config.identityRetentionDays,
    });
  return ok(undefined);
}
