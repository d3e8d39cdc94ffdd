// Factories for realtime tests that need lots without going through the managers' workflow.
import type { Db } from '../../db/client.ts';
import { lots, people } from '../../db/schema.ts';
import { newPid } from '../support/eid.ts';
import { sealPerson } from '../../server/privacy/personal-data.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

/** A published lot whose bidding window is open now (by the system clock), straight into the table. */
export async function insertLiveLot(db: Db, overrides: Partial<typeof lots.$inferInsert> = {}): Promise<number> {
  const sealed = sealPerson({ pid: newPid(), name: 'Lot manager' });
  const managerPid = sealed.pid;
  await db.insert(people).values({ ...sealed, level: 2 });
  const now = Date.now();
  const [row] = await db
    .insert(lots)
    .values({
      organisationId: DEFAULT_ORGANISATION_ID,
      title: 'Licence plate 30K-999.99',
      description: 'A test lot',
      status: 'live',
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 5_000_000,
      registrationOpensAt: new Date(now - 3_600_000),
      registrationClosesAt: new Date(now - 60_000),
      startsAt: new Date(now - 60_000),
      endsAt: new Date(now + 3_600_000),
      scheduledEndsAt: new Date(now + 3_600_000),
      rules: 'Ascending bids; the highest standing bid wins.',
      managerPid,
      ...overrides,
    })
    .returning({ id: lots.id });
  return row.id;
}
