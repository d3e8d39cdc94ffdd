// The award's deadlines (issue 18): the winner's time to sign the record (Art. 44(3), 52) and the next
// bidder's time to answer Art. 51's offer, counted in hours of working or calendar time (AwardConfig),
// each enforced by a durable job keyed by lot and registration so that it runs once, whichever process
// runs it, across restarts. Kept free of the award service so the close (payments/settlement.ts) can
// open an award without importing the routes' code.
import type { Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { workingCalendar } from '../calendar/calendar-store.ts';
import { cancelJob, scheduleJob } from '../jobs/index.ts';

export const CONFIRMATION_DEADLINE_JOB = 'award.confirmation-deadline';
export const OFFER_DEADLINE_JOB = 'award.offer-deadline';

export type AwardDeadlineKind = 'confirmation' | 'offer';

const JOB_OF: Record<AwardDeadlineKind, string> = {
  confirmation: CONFIRMATION_DEADLINE_JOB,
  offer: OFFER_DEADLINE_JOB,
};
const keyOf = (kind: AwardDeadlineKind, lotId: number, registrationId: number) =>
  `award-${kind}:${lotId}:${registrationId}`;

/** When a deadline of `kind` that starts at `from` ends. */
export async function awardDeadline(ctx: AppContext, tx: Tx, kind: AwardDeadlineKind, from: Date): Promise<Date> {
  const hours = kind === 'confirmation' ? ctx.config.award.confirmationHours : ctx.config.award.offerHours;
  return (await workingCalendar(ctx, tx)).addHours(from, hours, ctx.config.award.deadlineKind);
}

/** Schedules the job that enforces a deadline (just after it), in the caller's transaction. */
export async function scheduleAwardDeadline(
  tx: Tx,
  kind: AwardDeadlineKind,
  lotId: number,
  registrationId: number,
  dueAt: Date,
  now: Date,
): Promise<void> {
  await scheduleJob(tx, {
    kind: JOB_OF[kind],
    key: keyOf(kind, lotId, registrationId),
    runAt: new Date(dueAt.getTime() + 1),
    payload: { lotId, registrationId },
    at: now,
  });
}

/** Drops a deadline's job once what it waited for has happened. */
export async function cancelAwardDeadline(
  tx: Tx,
  kind: AwardDeadlineKind,
  lotId: number,
  registrationId: number,
): Promise<void> {
  await cancelJob(tx, keyOf(kind, lotId, registrationId));
}
