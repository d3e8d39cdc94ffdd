// The bid path's public interface, shared by the HTTP routes and the socket.io gateway so that a bid
// over either gives exactly the same result (same service, same codes).
import type { Person } from '../identity/person.ts';
import type { Result } from '../shared/errors.ts';
import type { BidAck } from './bid-schemas.ts';

export interface PlaceBidInput {
  lotId: number;
  person: Person;
  /** Integer VND. */
  amount: number;
  /** A retried request with the same key returns the first answer and never places a second bid. */
  idempotencyKey?: string;
  /** Act for this organisation's registration (its e-ID identifier; issue 19); absent: the person's own. */
  onBehalfOf?: string;
  /** performance.now() by which the bid must be answered (default: BID_TIMEOUT_MS from now). */
  deadline?: number;
}

/** The acknowledgement of an accepted bid, sent only after its durable commit (its schema: bid-schemas.ts). */
export type { BidAck } from './bid-schemas.ts';

export interface BidService {
  place(input: PlaceBidInput): Promise<Result<BidAck>>;
}
