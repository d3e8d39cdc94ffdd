// Crypto-shredding at the end of retention (issue 20, part 3): a person's data key is destroyed once
// nothing the platform must still be able to show needs their identity. Without the key their sealed
// number and name can never be opened again, by anyone, from the database or any backup taken after
// the backups' own retention; their person key stays in every row, chain and signed document, so the
// chains still verify and the records still name the same bidder codes, now of no one.
//
// A person's identity is kept while any of these holds:
//   - they were seen (signed in) within IDENTITY_RETENTION_DAYS;
//   - they hold a role, manage an organisation or act for one (a standing authorisation);
//   - an exclusion not lifted, or a bar not over, names them (it must keep refusing them);
//   - they registered for, acted for a registration of, or managed a lot whose identities are still
//     readable: its records not yet final, or final less than IDENTITY_RETENTION_DAYS ago
//     (server/audit/identity-retention.ts), the very period staff may read them.
// The sweep runs as a durable job once a day (and at start), a thousand people per transaction; each
// batch destroyed is one audit event (`personal_data.shredded`, with the count and the cut-off, never
// the keys), so the destruction itself is on the record.
import { and, eq, inArray, isNotNull, lt, sql } from 'drizzle-orm';
import { resultRows, type Db, type Tx } from '../../db/client.ts';
import { lots, people, sessions } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { recordsFinalAtMany, retentionExpired } from '../audit/identity-retention.ts';
import { scheduleJob, type Job } from '../jobs/index.ts';

export const SHRED_JOB = 'personal-data.shred';
const DAY_MS = 86_400_000;
const BATCH = 1_000;

/** The job key of the sweep of one day (UTC): one sweep per day, whatever the number of processes. */
export const shredJobKey = (day: Date): string => `${SHRED_JOB}:${day.toISOString().slice(0, 10)}`;

/** Schedules the sweep of `day` (and, run by the sweep itself, the next day's). */
export async function scheduleShredding(db: Db | Tx, runAt: Date): Promise<void> {
  await scheduleJob(db, { kind: SHRED_JOB, key: shredJobKey(runAt), runAt });
}

/**
 * People past retention by the simple conditions (not seen, no standing authorisation, no exclusion
 * or bar in force, no lot still open), at most `limit`; the lots they appear in are checked next.
 */
async function candidates(
  db: Db | Tx,
  cutoff: Date,
  now: Date,
  limit: number,
): Promise<{ pid: string; lots: number[] }[]> {
  return resultRows<{ pid: string; lots: number[] | null }>(
    await db.execute(sql`
      select p.pid,
        (select json_agg(distinct l.id) from lots l
          where l.manager_pid = p.pid
             or exists (select 1 from registrations r where r.lot_id = l.id and r.pid = p.pid)
             or exists (select 1 from registration_actors a join registrations r on r.id = a.registration_id
                         where r.lot_id = l.id and a.pid = p.pid)) as lots
      from people p
      where p.data_key is not null
        and p.last_seen_at < ${cutoff.toISOString()}::timestamptz
        and not exists (select 1 from role_grants g where g.pid = p.pid)
        and not exists (select 1 from organisation_managers m where m.pid = p.pid)
        and not exists (select 1 from organisation_representatives o where o.pid = p.pid)
        and not exists (select 1 from exclusions e where e.pid = p.pid and e.lifted_at is null
                         and (e.ends_at is null or e.ends_at > ${now.toISOString()}::timestamptz))
        and not exists (select 1 from bars b where b.pid = p.pid and b.ends_at > ${now.toISOString()}::timestamptz)
      order by p.last_seen_at
      limit ${limit}`),
  ).map((r) => ({ pid: r.pid, lots: r.lots ?? [] }));
}

/** Of the candidates, those every one of whose lots is past its identity retention at `now`. */
async function pastRetention(
  ctx: Pick<AppContext, 'config'>,
  db: Db | Tx,
  found: { pid: string; lots: number[] }[],
  now: Date,
): Promise<string[]> {
  const lotIds = [...new Set(found.flatMap((f) => f.lots))];
  const expired = new Set<number>();
  for (let i = 0; i < lotIds.length; i += BATCH) {
    const page = await db
      .select({
        id: lots.id,
        status: lots.status,
        awardState: lots.awardState,
        awardDeadline: lots.awardDeadline,
        closedAt: lots.closedAt,
        endsAt: lots.endsAt,
      })
      .from(lots)
      .where(inArray(lots.id, lotIds.slice(i, i + BATCH)));
    const finals = await recordsFinalAtMany(db, page, now);
    for (const [id, finalAt] of finals) if (retentionExpired(ctx, finalAt, now)) expired.add(id);
  }
  return found.filter((f) => f.lots.every((id) => expired.has(id))).map((f) => f.pid);
}

/** Destroys the data keys of everyone past retention at `now`, one batch; how many were destroyed. */
export async function shredBatch(ctx: Pick<AppContext, 'config'>, tx: Tx, now: Date): Promise<number> {
  const cutoff = new Date(now.getTime() - ctx.config.identityRetentionDays * DAY_MS);
  const due = await pastRetention(ctx, tx, await candidates(tx, cutoff, now, BATCH), now);
  if (due.length === 0) return 0;
  const shredded = await tx
    .update(people)
    .set({ dataKey: null, sealedPid: null, sealedName: null, email: null, shreddedAt: now })
    .where(and(inArray(people.pid, due), isNotNull(people.dataKey), lt(people.lastSeenAt, cutoff)))
    .returning({ pid: people.pid });
  if (shredded.length === 0) return 0;
  // The payers' details of the deposits and balances they paid (what the bank reported) go with them.
  await tx.execute(sql`update payment_credits set payer_data_key = null, payer_name = null, payer_account = null
    where payment_id in (select p.id from payments p join registrations r on r.id = p.registration_id
                          where r.pid in (${sql.join(
                            shredded.map((s) => sql`${s.pid}`),
                            sql`, `,
                          )}))`);
  // Their sessions went long ago (idle expiry is hours); none outlives the identity it stood for.
  await tx.delete(sessions).where(
    inArray(
      sessions.pid,
      shredded.map((s) => s.pid),
    ),
  );
  await appendAudit(tx, {
    actorPid: null,
    action: 'personal_data.shredded',
    data: {
      people: shredded.length,
      retentionDays: ctx.config.identityRetentionDays,
      notSeenSince: cutoff.toISOString(),
    },
    at: now,
  });
  return shredded.length;
}

/**
 * The sweep's job: one batch per transaction; a full batch schedules the next batch at once, and the
 * sweep always schedules the next day's.
 */
export async function runShredJob(ctx: AppContext, job: Job, tx: Tx): Promise<void> {
  const now = ctx.clock.now();
  const destroyed = await shredBatch(ctx, tx, now);
  if (destroyed > 0) ctx.log.info({ destroyed }, 'personal data past retention shredded');
  if (destroyed === BATCH)
    await scheduleJob(tx, { kind: SHRED_JOB, key: `${SHRED_JOB}:next:${now.getTime()}:${job.id}`, runAt: now });
  await scheduleShredding(tx, new Date(Math.floor(now.getTime() / DAY_MS + 1) * DAY_MS + 3 * 3_600_000));
}

/** Whether a person's identity has been destroyed (for tests and the admin view). */
export async function isShredded(db: Db | Tx, key: string): Promise<boolean> {
  const [row] = await db
    .select({ at: people.shreddedAt, dataKey: people.dataKey })
    .from(people)
    .where(eq(people.pid, key));
  return !!row && row.dataKey === null;
}
