// Each auction method's own rule, checked on a record (DESIGN.md §8: "Standing amounts strictly
// increase" is the ascending rule, RESULT_NOT_HIGHEST_BID in bindings.ts; each other rule is here):
// extension rounds, the descending schedule and the sealed reveal. Records before version 3 are all
// ascending without rounds and have nothing more to check.
import type { AuctionRecord } from './record-format.ts';
import type { Problem } from './verify-codes.ts';
import { descendingProblem } from './verify-descending.ts';
import { roundsProblem } from './verify-rounds.ts';
import { sealedProblem } from './verify-sealed.ts';

/** The first breach of the record's own method's rule, or undefined. */
export function methodProblem(record: AuctionRecord): Problem | undefined {
  switch (record.policy.method) {
    case 'ascending':
      return roundsProblem(record);
    case 'descending':
      return descendingProblem(record);
    case 'sealed':
      return sealedProblem(record);
  }
}
