// A technical suspension and its re-run (issue 18; DESIGN.md §8): when a lot may be suspended (while
// its bidding is under way), when it may be re-run (suspended, and not re-run already), and the
// re-run's schedule (its own bidding window, the registration of the lot it re-runs: nobody new may
// register, since the re-run is for the same approved registrants). Pure: no I/O.
import { refuse, type Failure } from '../../shared/errors.ts';
import { effectiveStatus, type LotRow } from './status.ts';

/**
 * Why a lot may not be suspended at `now`, or undefined when it may: only while its bidding is under
 * way (live, or scheduled and past its start), before its end. A suspended lot takes no bid and is
 * neither closed nor moved on by the scheduler (it is not open), until its re-run cancels it.
 */
export function refuseSuspension(row: Pick<LotRow, 'status' | 'startsAt' | 'endsAt'>, now: Date): Failure | undefined {
  const status = effectiveStatus(row, now);
  if (status !== 'live') return refuse('lot_not_suspendable', { status });
  if (now.getTime() >= row.endsAt.getTime()) return refuse('bidding_ended');
  return undefined;
}

/** Why a lot may not be re-run, or undefined when it may: it must be suspended, and not re-run yet. */
export function refuseRerun(row: Pick<LotRow, 'status' | 'startsAt' | 'rerunAs'>, now: Date): Failure | undefined {
  if (row.rerunAs !== null) return refuse('lot_already_rerun', { rerunAs: row.rerunAs });
  if (row.status !== 'suspended') return refuse('lot_not_suspended', { status: effectiveStatus(row, now) });
  return undefined;
}

/**
 * The registration window of a re-run: the one of the lot it re-runs, which closed before that lot's
 * bidding started, so it is over before the re-run is scheduled (nobody new registers) and keeps
 * registrationOpensAt < registrationClosesAt <= startsAt for any later start.
 */
export function rerunRegistrationWindow(
  suspended: Pick<LotRow, 'registrationOpensAt' | 'registrationClosesAt'>,
): Pick<LotRow, 'registrationOpensAt' | 'registrationClosesAt'> {
  return {
    registrationOpensAt: suspended.registrationOpensAt,
    registrationClosesAt: suspended.registrationClosesAt,
  };
}
