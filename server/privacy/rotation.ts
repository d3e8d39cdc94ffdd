// Rotating the key-encryption key without downtime (issue 20, part 3). To rotate:
//   1. configure the new key as PERSONAL_DATA_KEY and the old one in PERSONAL_DATA_RETIRED_KEYS, and
//      restart the processes one by one: each reads data keys wrapped by either, and wraps new ones
//      with the new key;
//   2. the rewrap job (started by every process at start while any data key is wrapped by another
//      key) rewraps the data keys a thousand per transaction: only the 32-byte data keys are
//      re-encrypted, never the data sealed under them;
//   3. when GET /api/admin/personal-data says no data key is left under the old key, remove it from
//      PERSONAL_DATA_RETIRED_KEYS (a process missing a key that still wraps data keys cannot open
//      those people's identities, and says so).
import { and, isNotNull, sql } from 'drizzle-orm';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import { paymentCredits, people } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { scheduleJob, type Job } from '../jobs/index.ts';
import { rewrapDataKey } from './envelope.ts';
import { payerSubject, personalDataRing } from './personal-data.ts';

export const REWRAP_JOB = 'personal-data.rewrap';
const BATCH = 1_000;

/** A wrapped key's key-encryption key is its second dot-separated part (`e1.<kek id>.<…>`, envelope.ts). */
const notUnderCurrent = () =>
  and(isNotNull(people.dataKey), sql`split_part(${people.dataKey}, '.', 2) <> ${personalDataRing().current.id}`);

/** How many data keys (people's and payers') each key-encryption key wraps, and how many people's were destroyed. */
export async function dataKeyCounts(db: Db | Tx): Promise<{ byKey: Record<string, number>; shredded: number }> {
  const rows = resultRows<{ kek: string | null; n: number }>(
    await db.execute(sql`select split_part(k, '.', 2) as kek, count(*)::int as n from
      (select data_key as k from people union all select payer_data_key from payment_credits where payer_data_key is not null) keys
      group by 1`),
  );
  const byKey: Record<string, number> = {};
  let shredded = 0;
  for (const r of rows) {
    if (r.kek === null || r.kek === '') shredded += r.n;
    else byKey[r.kek] = r.n;
  }
  return { byKey, shredded };
}

const creditNotUnderCurrent = () =>
  and(
    isNotNull(paymentCredits.payerDataKey),
    sql`split_part(${paymentCredits.payerDataKey}, '.', 2) <> ${personalDataRing().current.id}`,
  );

/** Rewraps one batch of data keys under the current key (people's, then payers'); how many. */
export async function rewrapBatch(tx: Db | Tx): Promise<number> {
  const people = await rewrapPeople(tx);
  return people > 0 ? people : rewrapPayers(tx);
}

async function rewrapPayers(tx: Db | Tx): Promise<number> {
  const ring = personalDataRing();
  const rows = await tx
    .select({
      id: paymentCredits.id,
      source: paymentCredits.source,
      transactionId: paymentCredits.transactionId,
      dataKey: paymentCredits.payerDataKey,
    })
    .from(paymentCredits)
    .where(creditNotUnderCurrent())
    .limit(BATCH)
    .for('update', { skipLocked: true });
  for (const row of rows)
    await tx
      .update(paymentCredits)
      .set({ payerDataKey: rewrapDataKey(ring, payerSubject(row), row.dataKey!) })
      .where(sql`${paymentCredits.id} = ${row.id} and ${paymentCredits.payerDataKey} = ${row.dataKey}`);
  return rows.length;
}

async function rewrapPeople(tx: Db | Tx): Promise<number> {
  const ring = personalDataRing();
  const rows = await tx
    .select({ pid: people.pid, dataKey: people.dataKey })
    .from(people)
    .where(notUnderCurrent())
    .limit(BATCH)
    .for('update', { skipLocked: true });
  for (const row of rows) {
    await tx
      .update(people)
      .set({ dataKey: rewrapDataKey(ring, row.pid, row.dataKey!) })
      .where(sql`${people.pid} = ${row.pid} and ${people.dataKey} = ${row.dataKey}`);
  }
  return rows.length;
}

/** At start: schedules the rewrap when any data key is wrapped by another key than the current one. */
export async function scheduleRewrapIfNeeded(db: Db): Promise<boolean> {
  const [pending] = await db.select({ pid: people.pid }).from(people).where(notUnderCurrent()).limit(1);
  const [payer] = pending
    ? [pending]
    : await db.select({ id: paymentCredits.id }).from(paymentCredits).where(creditNotUnderCurrent()).limit(1);
  if (!payer) return false;
  await scheduleJob(db, {
    kind: REWRAP_JOB,
    key: `${REWRAP_JOB}:${personalDataRing().current.id}:${Date.now()}`,
    runAt: new Date(),
  });
  return true;
}

/** The job: one batch, then another job for the next until a batch finds nothing left to rewrap. */
export async function runRewrapJob(ctx: AppContext, job: Job, tx: Tx): Promise<void> {
  const done = await rewrapBatch(tx);
  if (done > 0) ctx.log.info({ rewrapped: done, key: personalDataRing().current.id }, 'personal-data keys rewrapped');
  if (done > 0)
    await scheduleJob(tx, {
      kind: REWRAP_JOB,
      key: `${REWRAP_JOB}:${personalDataRing().current.id}:${Date.now()}:${job.id}`,
      runAt: new Date(),
    });
}
