// Sealed bids before their reveal (issue 16; DESIGN.md §8): the submission, judged under the lot row's
// lock by the server's clock at receipt, and the bidder's own view of their bids. The amount and a
// fresh salt are stored only as a JWE under the lot's key (keys.ts); the commitment to them goes
// beside it, into the bidder's signed receipt and into the audit chain. No amount leaves this module
// but to its own bidder: not in the audit log, the logs, events or any other read.
import { randomBytes } from 'node:crypto';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { lockLot, visibleTo } from '../auctions/lot-service.ts';
import { getLotRow } from '../auctions/public-lot.ts';
import { commitment, refuseSealedBid, SALT_BYTES } from '../auctions/rules/index.ts';
import type { Person } from '../identity/person.ts';
import { signCompact } from '../records/jws.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { newLotKey, openContent, openLotKey, sealContent, sealedBidKey } from './keys.ts';
import { RECEIPT_CTY, type ReceiptPayload, type SealedBid, type SealedBidAck } from './schemas.ts';
import { recordActor } from '../organisations/bidders.ts';
import { insertBid, liveBid, liveBidsOf, registrationOf, storeLotKey, tieRoundOf, type SealedBidRow } from './store.ts';
import { presenceOf } from '../attendance/presence.ts';

const encoder = new TextEncoder();

/** The receipt of a sealed bid: a compact JWS over what it commits to. */
export function signReceipt(key: SigningKey, payload: ReceiptPayload): Promise<string> {
  const canonical: ReceiptPayload = {
    lotId: payload.lotId,
    bidderCode: payload.bidderCode,
    commitment: payload.commitment,
    submittedAt: payload.submittedAt,
  };
  return signCompact(encoder.encode(JSON.stringify(canonical)), key, RECEIPT_CTY);
}

/**
 * Submits a sealed bid received now. One live bid per bidder and round: a second one is refused
 * (SEALED_BID_EXISTS) unless the lot allows replacing, when the earlier one is marked replaced.
 */
export async function submitSealedBid(
  ctx: AppContext,
  signer: SigningKey,
  person: Person,
  lotId: number,
  amount: number,
  onBehalfOf?: string,
): Promise<Result<SealedBidAck>> {
  const receivedAt = ctx.clock.now();
  const done = await ctx.db.transaction(async (tx) => {
    const lot = await lockLot(tx, lotId);
    if (!lot || lot.status === 'draft') return refuse('lot_not_found');
    const seat = await registrationOf(tx, lotId, person, onBehalfOf);
    if (seat.refusal) return seat.refusal;
    const bidder = seat.bidder;
    const tie = await tieRoundOf(tx, lot, ctx.config.sealedTieRoundSeconds);
    const refusal = refuseSealedBid(lot, bidder, person.pid, amount, receivedAt, tie);
    if (refusal || !bidder) return refusal ?? refuse('not_registered');
    const round = lot.round;
    const earlier = await liveBid(tx, lotId, bidder.id, round);
    if (earlier && !lot.sealedReplaceable) return refuse('sealed_bid_exists');
    const master = sealedBidKey(ctx.config);
    let lotKey: Uint8Array;
    if (lot.sealedKey) lotKey = await openLotKey(master, lotId, lot.sealedKey);
    else {
      const fresh = await newLotKey(master, lotId);
      await storeLotKey(tx, lotId, fresh.wrapped);
      lotKey = fresh.key;
    }
    // An organisation's bid names which of its representatives submitted it (issue 19).
    const actorNo = bidder.seat
      ? await recordActor(tx, { ...bidder, lotId, seat: bidder.seat }, person, receivedAt)
      : null;
    const salt = randomBytes(SALT_BYTES);
    const committed = commitment(salt, amount);
    const sealed = await sealContent(
      lotKey,
      { lotId, registrationId: bidder.id, round },
      { amount, salt: salt.toString('base64url') },
    );
    await insertBid(
      tx,
      {
        lotId,
        registrationId: bidder.id,
        bidderCode: bidder.bidderCode,
        round,
        sealed,
        commitment: committed,
        submittedAt: receivedAt,
        actorNo,
      },
      earlier,
    );
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'sealed_bid.submitted',
      lotId,
      subject: String(bidder.id),
      at: receivedAt,
      data: { bidderCode: bidder.bidderCode, commitment: committed, round, replaces: earlier?.commitment ?? null },
    });
    return ok({ bidderCode: bidder.bidderCode, commitment: committed, round, replaced: earlier !== undefined });
  });
  if (!done.ok) return done;
  // A sealed bid accepted in the window is attendance (server/attendance; noted in memory).
  presenceOf(ctx).seen(lotId, person.pid, receivedAt);
  const submittedAt = receivedAt.toISOString();
  const { bidderCode, commitment: committed, round, replaced } = done.value;
  const receipt = await signReceipt(signer, { lotId, bidderCode, commitment: committed, submittedAt });
  return ok({ lotId, round, receipt, bidderCode, commitment: committed, submittedAt, amount, replaced });
}

/** The person's own (or, with onBehalfOf, their organisation's) live sealed bids on a lot, each with its receipt and its amount (opened for them only). */
export async function mySealedBids(
  ctx: AppContext,
  signer: SigningKey,
  person: Person,
  lotId: number,
  onBehalfOf?: string,
): Promise<Result<SealedBid[]>> {
  const lot = await getLotRow(ctx.db, lotId);
  if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
  if (lot.method !== 'sealed') return refuse('not_sealed_lot');
  const seat = await registrationOf(ctx.db, lotId, person, onBehalfOf);
  if (seat.refusal) return seat.refusal;
  const bidder = seat.bidder;
  if (!bidder) return ok([]);
  const rows = await liveBidsOf(ctx.db, lotId, bidder.id);
  if (rows.length === 0 || !lot.sealedKey) return ok([]);
  const lotKey = await openLotKey(sealedBidKey(ctx.config), lotId, lot.sealedKey);
  return ok(await Promise.all(rows.map((r) => ownView(lotKey, signer, r))));
}

async function ownView(lotKey: Uint8Array, signer: SigningKey, r: SealedBidRow): Promise<SealedBid> {
  const { amount } = await openContent(
    lotKey,
    { lotId: r.lotId, registrationId: r.registrationId, round: r.round },
    r.sealed,
  );
  const submittedAt = r.submittedAt.toISOString();
  const receipt = await signReceipt(signer, {
    lotId: r.lotId,
    bidderCode: r.bidderCode,
    commitment: r.commitment,
    submittedAt,
  });
  return {
    lotId: r.lotId,
    round: r.round,
    receipt,
    bidderCode: r.bidderCode,
    commitment: r.commitment,
    submittedAt,
    amount,
    revealedSeq: r.revealedSeq,
  };
}
