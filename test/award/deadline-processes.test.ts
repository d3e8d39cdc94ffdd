// The award's deadlines are durable jobs (server/award/award-deadlines.ts): a signing deadline that
// passed while no process ran is enforced after a restart, once, with two processes polling the same
// PostgreSQL database (the award fails, the deposit is forfeited, one audit entry, one notice). Needs
// PostgreSQL (TEST_DATABASE_URL): embedded PGlite belongs to one process; it skips, with the reason
// printed, on an embedded-PGlite run (CI runs the suite on PostgreSQL as well, where it runs).
import { personKey } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like } from 'drizzle-orm';
import { auditEvents, jobs, lots, notifications, payments } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../support/db.ts';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { startTestPlatform } from '../support/platform.ts';
import { startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { eventually, lotBody, person, publishedLot } from '../auctions/factories.ts';
import { SECRET, sendNotification } from '../payments/support.ts';

const missing = onPostgres()
  ? undefined
  : 'two processes need a shared PostgreSQL (set TEST_DATABASE_URL); embedded PGlite belongs to one process';
if (missing) console.log(`Skipping the award deadline across a restart with two processes: ${missing}`);

describe.skipIf(Boolean(missing))('an award deadline across a restart, with two processes', () => {
  let idp: TestIdp;
  let database: TestDatabase;
  let servers: ServerProcess[] = [];
  let lotId: number;
  let winner: { pid: string; registrationId: number };

  beforeAll(async () => {
    idp = await startTestIdp();
    database = await openTestDatabase();
    const clock = new ManualClock(Date.now());
    const tp = await startTestPlatform({ clock, idp, database, env: { PAYMENT_WEBHOOK_SECRET: SECRET } });
    const manager = await person(idp, database.db, { roles: ['manager'] });
    const lot = await publishedLot(tp.call, manager, lotBody(clock.now(), { priceStep: 2_000_000 }));
    lotId = lot.id;
    const regs = [];
    for (let i = 0; i < 2; i++) {
      const b = await person(idp, undefined);
      const reg = await tp.call('POST', `/api/lots/${lot.id}/registrations`, { token: b.token, body: {} });
      await sendNotification(tp, clock, {
        transactionId: `FT-DL-${i}`,
        reference: reg.json.payment.reference,
        amount: lot.deposit,
        paidAt: clock.now().toISOString(),
      } as never);
      regs.push({ ...b, registrationId: reg.json.id as number });
    }
    clock.advance(Date.parse(lot.startsAt) - clock.now().getTime());
    for (const [who, amount] of [
      [regs[1], 40_000_000],
      [regs[0], 42_000_000],
    ] as const)
      expect((await tp.call('POST', `/api/lots/${lot.id}/bids`, { token: who.token, body: { amount } })).status).toBe(
        201,
      );
    clock.advance(Date.parse(lot.endsAt) - clock.now().getTime() + 2_000);
    await eventually(async () => {
      const l = (await tp.call('GET', `/api/lots/${lot.id}`)).json;
      return l.award?.state === 'awaiting_confirmation' ? l : undefined;
    }, 'the close');
    winner = regs[0];
    // The platform stops; while nothing runs, the signing deadline passes.
    await tp.stop();
    const past = new Date(Date.now() - 60_000);
    await database.db.update(lots).set({ awardDeadline: past }).where(eq(lots.id, lotId));
    await database.db
      .update(jobs)
      .set({ runAt: past })
      .where(eq(jobs.key, `award-confirmation:${lotId}:${winner.registrationId}`));
    servers = await Promise.all(
      [0, 1].map(() =>
        startServerProcess({
          ...idp.env(),
          DATABASE_URL: database.url!,
          CLOSE_POLL_MS: '50',
          PAYMENT_WEBHOOK_SECRET: SECRET,
        }),
      ),
    );
  }, 120_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await database?.close();
    await idp?.close();
  });

  it('fails the award once: deposit forfeited, one audit entry, one notice', async () => {
    await eventually(
      async () => {
        const [l] = await database.db.select().from(lots).where(eq(lots.id, lotId));
        return l.awardState === 'failed' ? l : undefined;
      },
      'the award to fail',
      30_000,
    );
    // Give the other process a chance to run it a second time, if it could.
    await new Promise((r) => setTimeout(r, 1_000));
    const entries = await database.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.lotId, lotId), eq(auditEvents.action, 'award.confirmation_missed')));
    expect(entries).toHaveLength(1);
    const notices = await database.db
      .select()
      .from(notifications)
      .where(and(eq(notifications.pid, personKey(winner.pid)), eq(notifications.kind, 'award_failed')));
    expect(notices).toHaveLength(1);
    const [deposit] = await database.db
      .select()
      .from(payments)
      .where(and(eq(payments.registrationId, winner.registrationId), eq(payments.kind, 'deposit')));
    expect(deposit.state).toBe('forfeited');
    const [job] = await database.db
      .select()
      .from(jobs)
      .where(like(jobs.key, `award-confirmation:${lotId}:%`));
    expect(job).toMatchObject({ state: 'done', attempts: 1 });
  });
});
