// The scheduler's ticks read only the lots they act on (issue 21): at 2.2 million lots, the due lots'
// query and the two method ticks read every open lot, 1-2 s each with parallel workers on both cores,
// every second, and every search of the catalogue waited behind them. Sequential scans are off so
// that the tiny test tables show the plan a national catalogue gets; each must be one range of an
// index, bounded by the clock, not a filter over every open lot.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type SQL } from 'drizzle-orm';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { explained, type PlanNode } from '../../server/auctions/catalogue-plan.ts';
import { dueLotsQuery } from '../../server/auctions/closing.ts';
import { fallingPricesQuery, roundsDueQuery } from '../../server/auctions/method-ticks.ts';

let database: TestDatabase;
beforeAll(async () => {
  database = await openTestDatabase();
});
afterAll(async () => database?.close());

const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)];
const scansOf = async (query: { getSQL(): SQL }): Promise<PlanNode[]> =>
  database.db.transaction(async (tx) => {
    await tx.execute(sql`set local enable_seqscan = off`);
    const [plan] = explained(await tx.execute(sql`explain (format json) ${query}`));
    return nodes(plan.Plan).filter((n) => n['Relation Name'] === 'lots');
  });

describe("the scheduler's ticks", () => {
  const now = new Date('2026-12-01T08:00:00Z');

  it('read the due lots as one range of lots_open_ends, up to now', async () => {
    const [scan] = await scansOf(dueLotsQuery(database.db, now, 100));
    expect(scan).toMatchObject({ 'Index Name': 'lots_open_ends' });
    expect(String(scan['Index Cond'])).toMatch(/ends_at <=/);
  });

  it('read the open lots with rounds along lots_rounds_due, up to now', async () => {
    const [scan] = await scansOf(roundsDueQuery(database.db, now));
    expect(scan).toMatchObject({ 'Index Name': 'lots_rounds_due' });
    expect(String(scan['Index Cond'])).toMatch(/scheduled_ends_at <=/);
  });

  it('read the open descending lots along lots_descending_open, from now', async () => {
    const [scan] = await scansOf(fallingPricesQuery(database.db, now));
    expect(scan).toMatchObject({ 'Index Name': 'lots_descending_open' });
    expect(String(scan['Index Cond'])).toMatch(/ends_at >/);
  });
});
