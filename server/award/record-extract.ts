// The record's extract (issue 18): what the online auction record states, for the winner to read before
// signing it and for every party to the lot after: the bidding's start and end, the participants (as
// counts), the bids, the winning price and the winner by bidder code, the award as it stands, and the
// record's name (its ledger's final hash), which the signed confirmation names. The bid history itself
// is the lot's public ledger (GET /api/lots/:id/bids), whose chain ends at that hash. No person is named:
// the record with identities is for regulators (GET /api/records/lots/:id).
import { and, count, eq } from 'drizzle-orm';
import { ledgerEntries } from '../../db/schema.ts';
import { bidderCodeOf } from '../auctions/lot-service.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { participantCounts } from '../attendance/service.ts';
import { statementOf } from '../results/notice.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import type { RecordExtract } from './award-schemas.ts';
import { lotForParty } from './award-service.ts';

/** The extract of an ended lot's record, for its manager, regulators, admins and registrants. */
export async function recordExtract(ctx: AppContext, person: Person, lotId: number): Promise<Result<RecordExtract>> {
  const found = await lotForParty(ctx, person, lotId);
  if (!found.ok) return found;
  const lot = found.value;
  if (lot.status !== 'closed' && lot.status !== 'failed' && lot.status !== 'cancelled')
    return refuse('record_not_ready', { lotId: lot.id, status: lot.status });
  const statement = await statementOf(ctx.db, { ...lot, status: lot.status });
  const [{ bids }] = await ctx.db
    .select({ bids: count() })
    .from(ledgerEntries)
    .where(and(eq(ledgerEntries.lotId, lot.id), eq(ledgerEntries.kind, 'bid')));
  const { qualified, attended } = await participantCounts(ctx.db, lot.id);
  const winnerBidderCode = await bidderCodeOf(ctx.db, lot.winnerRegistrationId);
  return ok({
    lotId: lot.id,
    title: lot.title,
    method: lot.method,
    status: lot.status,
    biddingStartedAt: statement.biddingStartedAt,
    biddingEndedAt: statement.biddingEndedAt,
    participants: { qualified, attended },
    bids: Number(bids),
    winningPrice: lot.status === 'closed' ? lot.finalPrice : null,
    winnerBidderCode,
    award: lot.awardState
      ? {
          state: lot.awardState,
          bidderCode: (await bidderCodeOf(ctx.db, lot.awardRegistrationId)) ?? winnerBidderCode,
          price: statement.price,
          priceRecordedAt: statement.priceRecordedAt,
        }
      : null,
    recordFinalHash: statement.record.finalHash,
  });
}
