// The award after the close (DESIGN.md §8; groundwork for issue 18): the lot's status stays `closed`
// and the legal outcome moves through states of its own, by the Law on Property Auction:
//   - the winner signs the record: `awarded`; a winner who does not sign by the deadline is taken not
//     to accept the contract: the auction fails (Art. 44(3), Art. 52) and the deposit is forfeited
//     (Art. 39);
//   - a winner who refuses the result forfeits the deposit; in the ascending method the next-highest
//     bidder is offered the lot at their own price when their bid plus their deposit is at least the
//     refused price (Art. 51); otherwise, or when that bidder refuses or lets the offer lapse, the
//     auction fails;
//   - a winner who does not pay the balance in time defaults (the money rules: issue 17).
// Pure: no I/O. Not yet called: the routes and jobs of issue 18 will (settlement.ts enforces the
// balance deadline today with the same rule as `balance_missed` here).
import type { AwardState, LotMethod } from '../../../db/schema.ts';
import type { LedgerBid } from './withdrawal.ts';

/** What can happen to an award. */
export type AwardEvent =
  /** The winner signed the record (with a fresh sign-in). */
  | { kind: 'confirmed' }
  /** The winner refused the result; `next` is the next-highest bidder, if there is one. */
  | { kind: 'refused'; next: NextBidder | null }
  /** The signing deadline passed without the winner's signature. */
  | { kind: 'confirmation_missed' }
  /** The next bidder accepted the offer, or refused it, or let it lapse. */
  | { kind: 'offer_accepted' }
  | { kind: 'offer_refused' }
  | { kind: 'offer_missed' }
  /** The balance deadline passed without the balance paid in full. */
  | { kind: 'balance_missed' };

/** The next-highest bidder after the winner, with the deposit that counts toward Art. 51's test. */
export interface NextBidder {
  registrationId: number;
  /** Their highest bid. */
  amount: number;
  /** Their deposit received. */
  deposit: number;
}

export type AwardChange =
  | {
      ok: true;
      state: AwardState;
      /** Whether the (current) winner's deposit is forfeited by this change. */
      forfeitWinnerDeposit: boolean;
      /** `offered_to_next`: to whom, at which price (their own bid). */
      offer?: { registrationId: number; price: number };
    }
  | { ok: false; state: AwardState | null };

/**
 * Art. 51's test: the next bidder qualifies when their bid plus their deposit is at least the price
 * the winner refused.
 */
export function nextBidderQualifies(refusedPrice: number, next: Pick<NextBidder, 'amount' | 'deposit'>): boolean {
  return next.amount + next.deposit >= refusedPrice;
}

/**
 * The next-highest bidder of an ascending lot: among bidders other than the winner and not barred (a
 * bidder who withdrew is barred from the lot), the one with the highest bid; the earlier bid wins a
 * tie. Undefined when there is none.
 */
export function nextHighestBid(
  ledger: readonly LedgerBid[],
  winnerRegistrationId: number,
  barred: ReadonlySet<number>,
): LedgerBid | undefined {
  let best: LedgerBid | undefined;
  for (const e of ledger) {
    if (e.kind !== 'bid' || e.registrationId === winnerRegistrationId || barred.has(e.registrationId)) continue;
    if (!best || e.amount > best.amount || (e.amount === best.amount && e.seq < best.seq)) best = e;
  }
  return best;
}

/**
 * The award after `event`, from `state` (null: no award, a lot without a winner), for a lot sold by
 * `method` at `price`. `{ok: false}` when the event does not apply to the state: nothing changes.
 */
export function nextAward(
  state: AwardState | null,
  event: AwardEvent,
  lot: { method: LotMethod; price: number },
): AwardChange {
  const to = (next: AwardState, forfeitWinnerDeposit: boolean): AwardChange => ({
    ok: true,
    state: next,
    forfeitWinnerDeposit,
  });
  switch (event.kind) {
    case 'confirmed':
      return state === 'awaiting_confirmation' ? to('awarded', false) : { ok: false, state };
    case 'confirmation_missed':
      return state === 'awaiting_confirmation' ? to('failed', true) : { ok: false, state };
    case 'refused': {
      if (state !== 'awaiting_confirmation') return { ok: false, state };
      const next = event.next;
      if (lot.method === 'ascending' && next && nextBidderQualifies(lot.price, next))
        return {
          ok: true,
          state: 'offered_to_next',
          forfeitWinnerDeposit: true,
          offer: { registrationId: next.registrationId, price: next.amount },
        };
      return to('failed', true);
    }
    case 'offer_accepted':
      // The next bidder becomes the winner at their own price, and signs like a winner.
      return state === 'offered_to_next' ? to('awaiting_confirmation', false) : { ok: false, state };
    case 'offer_refused':
    case 'offer_missed':
      // The refusing winner's deposit was forfeited with the refusal; the next bidder owed nothing.
      return state === 'offered_to_next' ? to('failed', false) : { ok: false, state };
    case 'balance_missed':
      return state === 'awaiting_confirmation' || state === 'awarded' ? to('defaulted', true) : { ok: false, state };
  }
}
