// A lot's statuses: which are open (bidding may happen), which are ended (final), the status by the
// server clock, the transitions a lot may make, and what may still change in which status (terms,
// photos). Pure: no I/O, only types from the schema.
import type { LotStatus, lots } from '../../../db/schema.ts';

/** A lot's row, as the rules read it. */
export type LotRow = typeof lots.$inferSelect;

/** The statuses in which a lot takes bids (within its times): published and not yet ended. */
export const OPEN_STATUSES = ['scheduled', 'live'] as const;
export type OpenStatus = (typeof OPEN_STATUSES)[number];

/** The statuses after which bidding can never resume (the end of a lot is final). */
export const ENDED_STATUSES = ['closed', 'failed', 'cancelled'] as const;
export type EndedStatus = (typeof ENDED_STATUSES)[number];

export function isOpen(status: string): status is OpenStatus {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** True once the lot's row says it has ended (a lot past its end but not yet closed has not). */
export function isEnded(status: string): status is EndedStatus {
  return (ENDED_STATUSES as readonly string[]).includes(status);
}

/**
 * The transitions a lot may make: published (draft → scheduled), bidding started (scheduled → live),
 * closed with a winner or failed (open → closed | failed, by the scheduler), cancelled by its manager
 * (any status but an ended one → cancelled), suspended for a technical fault while open (→ suspended),
 * and a suspended lot cancelled when its re-run is scheduled (suspended → cancelled).
 */
export const LOT_TRANSITIONS: Readonly<Record<LotStatus, readonly LotStatus[]>> = {
  draft: ['scheduled', 'cancelled'],
  scheduled: ['live', 'suspended', 'closed', 'failed', 'cancelled'],
  live: ['suspended', 'closed', 'failed', 'cancelled'],
  suspended: ['cancelled'],
  closed: [],
  failed: [],
  cancelled: [],
};

export function canTransition(from: LotStatus, to: LotStatus): boolean {
  return LOT_TRANSITIONS[from].includes(to);
}

/** The status by the clock: scheduled lots are live from startsAt (the row may lag by a poll). */
export function effectiveStatus(row: Pick<LotRow, 'status' | 'startsAt'>, now: Date): LotStatus {
  if (row.status === 'scheduled' && now.getTime() >= row.startsAt.getTime()) return 'live';
  return row.status;
}

/**
 * Whether a lot's terms and schedule may still change: a draft, or a published lot before its
 * registration opens (bidders accept the rules as they are when they register).
 */
export function termsEditable(row: Pick<LotRow, 'status' | 'registrationOpensAt'>, now: Date): boolean {
  return row.status === 'draft' || (row.status === 'scheduled' && now.getTime() < row.registrationOpensAt.getTime());
}

/**
 * Photos lock at publication: people register for the lot as it was published, photos included, so
 * they may be added, removed (or reordered) only while the lot is a draft.
 */
export function photosEditable(status: LotStatus): boolean {
  return status === 'draft';
}
