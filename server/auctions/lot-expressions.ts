// SQL expressions over lots that an expression index of the lots table serves (migration 0017): a
// query that writes them exactly so is planned through the index. One definition for every query.
import { sql } from 'drizzle-orm';
import { lots } from '../../db/schema.ts';
import { OPEN_STATUSES } from './rules/index.ts';

// The open statuses as a literal list, as in the partial indexes' predicates (lots_open_ends,
// lots_closed_newest, lots_rounds_due, …): a parameter there keeps the planner from proving that the
// rows it wants are in the index once it plans the statement for any values (a generic plan).
const OPEN_LIST = sql.raw(OPEN_STATUSES.map((s) => `'${s}'`).join(', '));
/** An open lot (scheduled or live), written as the partial indexes' predicates are. */
export const openLot = sql`${lots.status} in (${OPEN_LIST})`;
/** A lot that is not open, written as the partial indexes' predicates are. */
export const notOpenLot = sql`${lots.status} not in (${OPEN_LIST})`;
/** A descending-price lot, written as lots_descending_open's predicate is. */
export const descendingLot = sql`${lots.method} = 'descending'`;

/**
 * A scheduled lot's start, null for any other lot (index lots_scheduled_start). Its statistics tell
 * the planner that the scheduled lots whose start has passed are few (the scheduler flips them to
 * live within a second), which the starts of all lots cannot: the scheduler's flip and the
 * catalogue's status filter read just those, not every scheduled lot of a national catalogue.
 */
export const scheduledStart = sql`(case when ${lots.status} = 'scheduled' then ${lots.startsAt} end)`;
