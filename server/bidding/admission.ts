// The door every new bid passes first, over HTTP and over a socket: while the process cannot keep
// up (server/shared/overload.ts), a share of new bids is refused here, before the body is read, a
// token verified or a query run, and counted as shed for the lot's record (shed-log.ts). The door
// also counts the bids in progress behind it (for liveness health).
import { LoadShedder } from '../shared/overload.ts';
import type { ShedLog } from './shed-log.ts';

export interface BidAdmission {
  /**
   * Admits a new bid on the lot: a function to call once it is answered, or undefined when it is
   * refused (and counted as shed): answer 503 UNAVAILABLE at once.
   */
  admit(lotId: number): (() => void) | undefined;
  /** Bids admitted and not yet answered. */
  inProgress(): number;
  /** The door's state, for liveness health. */
  load(): { eventLoopLagMs: number; bidsInProgress: number; shedShare: number };
  close(): void;
}

export function createBidAdmission(options: { targetLagMs: number; shedLog: ShedLog }): BidAdmission {
  let inProgress = 0;
  const shedder = new LoadShedder({ targetLagMs: options.targetLagMs });
  return {
    admit(lotId) {
      if (shedder.shouldShed()) {
        options.shedLog.record(lotId, 'overloaded', new Date());
        return undefined;
      }
      inProgress++;
      let done = false;
      return () => {
        if (done) return;
        done = true;
        inProgress--;
      };
    },
    inProgress: () => inProgress,
    load: () => {
      const s = shedder.state();
      return { eventLoopLagMs: s.lagMs, bidsInProgress: inProgress, shedShare: s.shedShare };
    },
    close: () => shedder.close(),
  };
}
