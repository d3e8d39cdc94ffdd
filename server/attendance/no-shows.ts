// No-shows at the close (issue 18; Art. 39 of the Law on Property Auction): an approved bidder who never
// attended the bidding forfeits the deposit, except for force majeure. Runs inside the closing
// transaction, under the lot's lock (server/auctions/closing.ts), before the money is settled, so the
// settlement's own branch for forfeited deposits forfeits the payment, and everything commits together.
//
// - Attendance first (closePresence): the lot's pending sightings of this process are written, and
//   every bid in the ledger counts as presence from its time (a bidder who only bids has attended).
// - Then (markNoShows): approved registrations still never seen are no-shows. The platform's own
//   faults are force majeure: when the lot had a technical suspension or bids shed in its bidding
//   window, the no-shows are `held` and their deposits wait for the manager's decision
//   (service.ts); otherwise `forfeited`. With NO_SHOW_FORFEIT off they are marked `excused` and
//   their deposits are refunded like any loser's. The winner has bid, so is never a no-show; a lot
//   that failed for too few approved bidders was never held, so it has no no-shows.
// - This process's shed-bid counts are written before the close (writeFaults); another process's
//   reach the database within its flush interval (2 s), as its pending sightings do.
import { and, eq, gt, inArray, isNotNull, isNull, lt, ne, sql, sum } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { registrations, shedBids, type NoShowState } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { notify, type Notice } from '../notifications/outbox.ts';
import type { LotRow } from '../auctions/rules/index.ts';
import { presenceOf } from './presence.ts';

const MINUTE_MS = 60_000;

const faultWriters = new WeakMap<AppContext, (() => Promise<void>)[]>();

/**
 * Registers what writes this process's technical faults (the shed-bid counts, server/bidding/
 * shed-flush.ts) so that the close writes them before it decides whether no-shows are held: a storm
 * in the last seconds is what force majeure is most often about. `write` must not throw.
 */
export function writeFaultsBeforeClose(ctx: AppContext, write: () => Promise<void>): void {
  const list = faultWriters.get(ctx) ?? [];
  list.push(write);
  faultWriters.set(ctx, list);
}

/** Writes this process's pending technical faults (called by the close before its transaction). */
export async function writeFaults(ctx: AppContext): Promise<void> {
  for (const write of faultWriters.get(ctx) ?? []) await write();
}

/**
 * Brings the lot's attendance up to date inside the closing transaction, while the lot is still open:
 * this process's pending sightings, and each bidder's first and last bid from the ledger.
 */
export async function closePresence(ctx: AppContext, tx: Tx, lotId: number): Promise<void> {
  await presenceOf(ctx).flushLot(tx, lotId);
  await tx.execute(sql`
    update registrations r set
      first_seen_at = least(coalesce(r.first_seen_at, b.first), b.first),
      last_seen_at = greatest(coalesce(r.last_seen_at, b.last), b.last)
    from (
      select registration_id, min(placed_at) as first, max(placed_at) as last
        from ledger_entries
       where lot_id = ${lotId} and kind = 'bid'
       group by registration_id
    ) b
    where r.id = b.registration_id and r.lot_id = ${lotId}`);
}

/** Why a lot's no-shows are held: the platform's own faults in its bidding window. */
export interface ForceMajeure {
  suspendedAt: string | null;
  shedBids: number;
}

/** The lot's technical faults in its bidding window, or null when it had none. */
export async function forceMajeureOf(tx: Tx, lot: LotRow): Promise<ForceMajeure | null> {
  // A shed minute counts when it overlaps the window [startsAt, endsAt).
  const [row] = await tx
    .select({ n: sum(shedBids.count) })
    .from(shedBids)
    .where(
      and(
        eq(shedBids.lotId, lot.id),
        gt(shedBids.minute, new Date(lot.startsAt.getTime() - MINUTE_MS)),
        lt(shedBids.minute, lot.endsAt),
      ),
    );
  const shed = Number(row?.n ?? 0);
  if (lot.suspendedAt === null && shed === 0) return null;
  return { suspendedAt: lot.suspendedAt?.toISOString() ?? null, shedBids: shed };
}

export interface NoShow {
  id: number;
  bidderCode: string;
  state: NoShowState;
}

/**
 * Marks the approved registrations never seen in the bidding window (see the module header), audits
 * them and tells each of them (and, when held, the lot's manager). Returns those marked.
 */
export async function markNoShows(
  ctx: AppContext,
  tx: Tx,
  lot: LotRow,
  opts: { winnerId: number | null; heldBidding: boolean; now: Date },
): Promise<NoShow[]> {
  if (!opts.heldBidding) return [];
  const { now } = opts;
  const absent = await tx
    .select({ id: registrations.id, pid: registrations.pid, bidderCode: registrations.bidderCode })
    .from(registrations)
    .where(
      and(
        eq(registrations.lotId, lot.id),
        eq(registrations.status, 'approved'),
        isNotNull(registrations.approvedAt),
        isNull(registrations.firstSeenAt),
        isNull(registrations.noShow),
        opts.winnerId === null ? undefined : ne(registrations.id, opts.winnerId),
      ),
    )
    .orderBy(registrations.id);
  if (absent.length === 0) return [];
  const forfeit = ctx.config.attendance.noShowForfeit;
  const forceMajeure = forfeit ? await forceMajeureOf(tx, lot) : null;
  const state: NoShowState = !forfeit ? 'excused' : forceMajeure ? 'held' : 'forfeited';
  await tx
    .update(registrations)
    .set({ noShow: state, ...(state === 'forfeited' ? { depositState: 'forfeited' } : {}), updatedAt: now })
    .where(
      inArray(
        registrations.id,
        absent.map((r) => r.id),
      ),
    );
  await appendAudit(tx, {
    actorPid: null,
    action: 'attendance.no_show',
    lotId: lot.id,
    at: now,
    data: {
      bidderCodes: absent.map((r) => r.bidderCode),
      state,
      forfeitPolicy: forfeit,
      forceMajeure,
    },
  });
  const notices: Notice[] = [];
  if (state !== 'excused')
    for (const r of absent)
      notices.push({
        pid: r.pid,
        kind: state === 'held' ? 'no_show_held' : 'no_show_forfeited',
        lotId: lot.id,
        data: { amount: lot.deposit },
        at: now,
      });
  if (state === 'held')
    notices.push({
      pid: lot.managerPid,
      kind: 'no_show_decision_due',
      lotId: lot.id,
      data: { count: absent.length },
      at: now,
    });
  await notify(tx, ...notices);
  return absent.map((r) => ({ id: r.id, bidderCode: r.bidderCode, state }));
}
