// SQL expressions over lots that an expression index of the lots table serves (migration 0017): a
// query that writes them exactly so is planned through the index. One definition for every query.
import { sql } from 'drizzle-orm';
import { lots } from '../../db/schema.ts';

/**
 * A scheduled lot's start, null for any other lot (index lots_scheduled_start). Its statistics tell
 * the planner that the scheduled lots whose start has passed are few (the scheduler flips them to
 * live within a second), which the starts of all lots cannot: the scheduler's flip and the
 * catalogue's status filter read just those, not every scheduled lot of a national catalogue.
 */
export const scheduledStart = sql`(case when ${lots.status} = 'scheduled' then ${lots.startsAt} end)`;
