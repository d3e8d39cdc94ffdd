// Registrations written before payments existed (no payments row) get their deposit's instruction
// when the platform starts, once; and the same notification delivered several times at once is
// recorded once (the unique (source, transaction id) and the lot's lock, on both databases).
import { sealPerson } from '../../server/privacy/personal-data.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { paymentCredits, payments, people, registrations } from '../../db/schema.ts';
import { isValidReference } from '../../server/payments/reference.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { person, type Actor } from '../auctions/factories.ts';
import { lotWithRegistration, paymentByReference, registrationRow, SECRET, sendNotification } from './support.ts';

const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let tp: TestPlatform;
let database: TestDatabase;
let idp: TestIdp;
let manager: Actor;
/** The platform over this test's database and identity provider, which outlive each start. */
const start = () => startTestPlatform({ clock, database, idp, env: { PAYMENT_WEBHOOK_SECRET: SECRET } });

beforeAll(async () => {
  database = await openTestDatabase();
  idp = await startTestIdp();
  tp = await start();
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => {
  await tp?.stop();
  await database?.close();
  await idp?.close();
});

describe('registrations from before payments', () => {
  it('get their deposit payment at the next start, once, and can then be paid by reference', async () => {
    const { lot } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    // A registration as an older version wrote it: the row alone.
    const sealed = sealPerson({ pid: newPid(), name: 'Older' });
    const pid = sealed.pid;
    await tp.database.db.insert(people).values({ ...sealed, level: 2 });
    const [old] = await tp.database.db
      .insert(registrations)
      .values({ lotId: lot.id, pid, bidderCode: 'B-OLD1', rulesVersion: 1, rulesAcceptedAt: clock.now() })
      .returning();
    const before = await tp.database.db.select().from(payments).where(eq(payments.registrationId, old.id));
    expect(before).toEqual([]);

    await tp.stop();
    tp = await start();
    const after = await tp.database.db.select().from(payments).where(eq(payments.registrationId, old.id));
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ kind: 'deposit', amount: lot.deposit, received: 0, state: 'pending' });
    expect(after[0].dueAt.toISOString()).toBe(lot.registrationClosesAt);
    expect(isValidReference(after[0].reference)).toBe(true);

    // A second start creates nothing more.
    await tp.stop();
    tp = await start();
    expect(await tp.database.db.select().from(payments).where(eq(payments.registrationId, old.id))).toHaveLength(1);

    const paid = await sendNotification(tp, clock, {
      transactionId: 'OLD-1',
      reference: after[0].reference,
      amount: lot.deposit,
      paidAt: clock.now().toISOString(),
    });
    expect(paid.json.outcome).toBe('accepted');
    expect((await registrationRow(tp, old.id)).status).toBe('approved');
  });
});

describe('the same notification delivered at once several times', () => {
  it('is recorded once, and the others answer its outcome', async () => {
    const { reg } = await lotWithRegistration(tp, clock, manager, await person(tp.idp, undefined));
    const body = {
      transactionId: 'RACE-1',
      reference: reg.payment.reference,
      amount: 1_000_000,
      paidAt: clock.now().toISOString(),
    };
    const answers = await Promise.all(Array.from({ length: 6 }, () => sendNotification(tp, clock, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.filter((a) => !a.json.duplicate)).toHaveLength(1);
    expect(new Set(answers.map((a) => a.json.creditId)).size).toBe(1);
    const credits = await tp.database.db
      .select()
      .from(paymentCredits)
      .where(eq(paymentCredits.transactionId, 'RACE-1'));
    expect(credits).toHaveLength(1);
    expect((await paymentByReference(tp, reg.payment.reference)).received).toBe(1_000_000);
  });

  it('is recorded once for an unknown reference too (no lot lock orders them)', async () => {
    const body = { transactionId: 'RACE-2', reference: 'no reference', amount: 5, paidAt: clock.now().toISOString() };
    const answers = await Promise.all(Array.from({ length: 6 }, () => sendNotification(tp, clock, body)));
    expect(answers.map((a) => a.status)).toEqual(Array(6).fill(200));
    expect(answers.filter((a) => !a.json.duplicate)).toHaveLength(1);
    const credits = await tp.database.db
      .select()
      .from(paymentCredits)
      .where(eq(paymentCredits.transactionId, 'RACE-2'));
    expect(credits).toHaveLength(1);
  });
});
