// Baseline (a): the straightforward way to take a bid on PostgreSQL with postgres.js, one
// transaction per bid on the platform's own schema. A conditional UPDATE of the lot row checks every
// rule (live, in time, at least one step above, not already leading, registration approved) and
// takes the next seq; an INSERT writes the hash-chained ledger entry and stores its hash on the lot.
// It keeps the same invariants as the platform, so the two rates are comparable.
import postgres from 'postgres';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { BidderRef } from './protocol.ts';

export interface RawBidder {
  /** Opens every connection of the pool (postgres.js opens them as they are first needed). */
  warm(): Promise<void>;
  /** Places one bid; the new seq when accepted, null when a rule refused it. */
  place(bidder: BidderRef, amount: number, idempotencyKey: string): Promise<{ seq: number } | null>;
  close(): Promise<void>;
}

export async function openRawBidder(url: string, lotId: number, connections: number): Promise<RawBidder> {
  const sql = postgres(url, { max: connections, onnotice: () => {}, idle_timeout: 60 });
  await sql`select 1`;
  return {
    warm: async () => void (await Promise.all(Array.from({ length: connections }, () => sql`select 1`))),
    async place(bidder, amount, idempotencyKey) {
      return sql.begin(async (tx) => {
        const placedAt = new Date();
        const [row] = await tx<{ seq: number; last_hash: string | null }[]>`
          update lots set seq = seq + 1, bid_count = bid_count + 1, current_price = ${amount},
                 leader_registration_id = ${bidder.registrationId}, updated_at = ${placedAt}
           where id = ${lotId} and status = 'live' and starts_at <= ${placedAt} and ends_at > ${placedAt}
             and ${amount} >= coalesce(current_price + price_step, starting_price)
             and leader_registration_id is distinct from ${bidder.registrationId}
             and exists (select 1 from registrations r where r.id = ${bidder.registrationId} and r.lot_id = ${lotId} and r.status = 'approved')
          returning seq, last_hash`;
        if (!row) return null;
        const prevHash = row.last_hash ?? GENESIS_HASH;
        const hash = ledgerEntryHash(prevHash, {
          lotId,
          seq: row.seq,
          kind: 'bid',
          amount,
          bidderCode: bidder.bidderCode,
          placedAt: placedAt.toISOString(),
          withdrawsSeq: null,
        });
        await tx`
          with e as (
            insert into ledger_entries (lot_id, seq, kind, registration_id, bidder_code, amount, placed_at, idempotency_key, prev_hash, hash)
            values (${lotId}, ${row.seq}, 'bid', ${bidder.registrationId}, ${bidder.bidderCode}, ${amount}, ${placedAt}, ${idempotencyKey}, ${prevHash}, ${hash})
            returning hash)
          update lots set last_hash = (select hash from e) where id = ${lotId}`;
        return { seq: row.seq };
      });
    },
    close: () => sql.end({ timeout: 5 }),
  };
}
