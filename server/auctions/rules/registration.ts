// Registering for a lot (DESIGN.md §2): possible only while the lot is published (scheduled) and
// within its registration window by the server clock. Pure: no I/O.
import { refuse, type Failure } from '../../shared/errors.ts';
import type { LotRow } from './status.ts';

type Window = Pick<LotRow, 'status' | 'registrationOpensAt' | 'registrationClosesAt'>;

/** True while the lot takes registrations at `now`. */
export function isRegistrationOpen(row: Window, now: Date): boolean {
  return (
    row.status === 'scheduled' &&
    now.getTime() >= row.registrationOpensAt.getTime() &&
    now.getTime() < row.registrationClosesAt.getTime()
  );
}

/** The reason a registration at `now` is refused by the window, or undefined while it is open. */
export function refuseRegistration(row: Window, now: Date): Failure | undefined {
  if (isRegistrationOpen(row, now)) return undefined;
  if (row.status === 'scheduled' && now.getTime() < row.registrationOpensAt.getTime())
    return refuse('registration_not_open', { opensAt: row.registrationOpensAt.toISOString() });
  return refuse('registration_closed');
}
