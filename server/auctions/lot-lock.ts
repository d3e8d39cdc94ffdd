// The lot's row lock: taken first by everything that changes a lot or its money (the bid path, the
// closing scheduler, a manager's change, a credit, a job), so that such changes are serialized per lot.
// A module of its own so that the domains the lot service calls (payments' settlement) can take it too.
import { eq } from 'drizzle-orm';
import type { Tx } from '../../db/client.ts';
import { lots } from '../../db/schema.ts';
import type { LotRow } from './rules/status.ts';

/** Reads the lot and locks its row until the transaction ends; undefined when there is no such lot. */
export async function lockLot(tx: Tx, lotId: number): Promise<LotRow | undefined> {
  const [row] = await tx.select().from(lots).where(eq(lots.id, lotId)).for('update');
  return row;
}
