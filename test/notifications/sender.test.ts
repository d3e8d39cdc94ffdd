// The e-mail sender against a real SMTP server in the test process: a notice written by notify is
// e-mailed once (also with two senders running at once on one database, each on its own connection
// pool when the run targets PostgreSQL), its text carries the amount, the reference, the lot's title
// and link and no personal id; a person without an address gets none; a refusal is retried after the
// back-off, a permanent one or too many fail; a server that hangs times out and the loop carries on;
// with SMTP_URL unset notices stay in-app only.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { lots, notifications, people } from '../../db/schema.ts';
import { openDatabase, type Database } from '../../db/client.ts';
import { loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { DomainEvents } from '../../server/shared/events.ts';
import { createLogger } from '../../server/shared/log.ts';
import { notify, type Notice } from '../../server/notifications/outbox.ts';
import { createEmailSender, type SenderOptions } from '../../server/notifications/sender.ts';
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import { onPostgres, openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid } from '../support/eid.ts';
import { sealPerson } from '../../server/privacy/personal-data.ts';
import { startTestSmtp, type TestSmtp } from './smtp.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

const ORIGIN = 'https://auction.example.vn';
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let database: TestDatabase;
let smtp: TestSmtp;
let lotId: number;

function contextOf(db: Database, smtpUrl: string | undefined): AppContext {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DEMO_DATA: 'false', ...GENEROUS_BOUNDS });
  return {
    config: { ...config, publicOrigin: ORIGIN, money: { ...config.money, smtpUrl } },
    database: db,
    db: db.db,
    clock,
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    events: new DomainEvents(),
  };
}

const fast: SenderOptions = { sendTimeoutMs: 2_000, backoffMs: () => 60_000, maxAttempts: 3 };

/** The clear personal ids of the people made here, by person key. */
const clearPids = new Map<string, string>();

/** A person with this address; returns their person key (what notices and the database carry). */
async function personWith(email: string | null): Promise<string> {
  const pid = newPid();
  const sealed = sealPerson({ pid, name: 'Nguyễn Văn An' });
  await database.db.insert(people).values({ ...sealed, level: 2, email });
  clearPids.set(sealed.pid, pid);
  return sealed.pid;
}

async function write(...list: Omit<Notice, 'at'>[]): Promise<number[]> {
  await database.db.transaction((tx) => notify(tx, ...list.map((n) => ({ ...n, at: clock.now() }))));
  const rows = await database.db
    .select({ id: notifications.id })
    .from(notifications)
    .where(
      inArray(
        notifications.pid,
        list.map((n) => n.pid),
      ),
    );
  return rows.map((r) => r.id).sort((a, b) => a - b);
}

const rowOf = async (id: number) => (await database.db.select().from(notifications).where(eq(notifications.id, id)))[0];

beforeAll(async () => {
  database = await openTestDatabase();
  smtp = await startTestSmtp();
  const manager = await personWith(null);
  const at = clock.now();
  [{ id: lotId }] = await database.db
    .insert(lots)
    .values({
      organisationId: DEFAULT_ORGANISATION_ID,
      title: 'Biển số 51K-888.88',
      description: 'Biển số đẹp',
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 4_000_000,
      registrationOpensAt: new Date(at.getTime() - 3_600_000),
      registrationClosesAt: at,
      startsAt: at,
      endsAt: new Date(at.getTime() + 3_600_000),
      scheduledEndsAt: new Date(at.getTime() + 3_600_000),
      rules: 'Rules',
      managerPid: manager,
    })
    .returning({ id: lots.id });
});
afterAll(async () => {
  await smtp?.close();
  await database?.close();
});
beforeEach(() => {
  smtp.messages.length = 0;
  smtp.refuseNext(0);
  smtp.hang(false);
});

describe('the e-mail sender', () => {
  it('e-mails a notice once, with the amount, the reference, the lot and its link, and no personal id', async () => {
    const pid = await personWith('an.nguyen@example.vn');
    const [id] = await write({
      pid,
      kind: 'deposit_received',
      lotId,
      data: { amount: 4_000_000, reference: 'DG51K88888A', paidAt: '2026-12-01T03:15:00Z' },
    });
    expect((await rowOf(id)).emailState).toBe('pending');
    const sender = createEmailSender(contextOf(database, smtp.url), fast);
    expect(await sender.tick()).toBe(1);
    expect(await sender.tick()).toBe(0);
    await sender.stop();

    expect(smtp.messages).toHaveLength(1);
    const [mail] = smtp.messages;
    expect(mail.to).toEqual(['an.nguyen@example.vn']);
    expect(mail.subject).toBe('Đã nhận tiền đặt trước: Biển số 51K-888.88');
    expect(mail.text).toContain('Số tiền: 4.000.000 đồng');
    expect(mail.text).toContain('Nội dung chuyển khoản: DG51K88888A');
    expect(mail.text).toContain('Thời điểm chuyển: 10:15 ngày 01/12/2026');
    expect(mail.text).toContain(`${ORIGIN}/lots/${lotId}`);
    expect(mail.text).toContain('Deposit received: Biển số 51K-888.88');
    expect(mail.text).toContain('Amount: 4.000.000 đồng');
    expect(mail.raw).not.toContain(pid);
    expect(mail.raw).not.toContain(clearPids.get(pid)!);
    const row = await rowOf(id);
    expect(row).toMatchObject({ emailState: 'sent', emailAttempts: 1, emailError: null, emailNextAt: null });
    expect(row.emailSentAt).toEqual(clock.now());
  });

  it('sends each notice exactly once with two senders running at once on one database', async () => {
    // On PostgreSQL the second sender has its own connection pool, as another process would.
    const second = onPostgres() ? await openDatabase({ url: database.url!, poolSize: 4 }) : database;
    const addresses = Array.from({ length: 24 }, (_, i) => `bidder${i}@example.vn`);
    const pids = await Promise.all(addresses.map((a) => personWith(a)));
    const ids = await write(
      ...pids.map((pid, i) => ({ pid, kind: 'refund_sent' as const, lotId, data: { amount: 1_000_000 + i } })),
    );
    const senders = [
      createEmailSender(contextOf(database, smtp.url), { ...fast, batch: 5 }),
      createEmailSender(contextOf(second, smtp.url), { ...fast, batch: 5 }),
    ];
    for (let round = 0; round < 20; round++) {
      const handled = await Promise.all(senders.map((s) => s.tick()));
      if (handled.every((n) => n === 0)) break;
    }
    await Promise.all(senders.map((s) => s.stop()));
    if (second !== database) await second.close();

    expect(smtp.messages.map((m) => m.to[0]).sort()).toEqual([...addresses].sort());
    const rows = await database.db.select().from(notifications).where(inArray(notifications.id, ids));
    expect(rows.every((r) => r.emailState === 'sent' && r.emailAttempts === 1)).toBe(true);
  });

  it('e-mails nobody without an address: in-app only from the start, or once the address is cleared', async () => {
    const without = await personWith(null);
    const cleared = await personWith('later.cleared@example.vn');
    const [first] = await write({ pid: without, kind: 'refund_due', lotId, data: { amount: 4_000_000 } });
    const [second] = await write({ pid: cleared, kind: 'refund_due', lotId, data: { amount: 4_000_000 } });
    expect((await rowOf(first)).emailState).toBe('none');
    expect((await rowOf(second)).emailState).toBe('pending');
    await database.db.update(people).set({ email: null }).where(eq(people.pid, cleared));
    const sender = createEmailSender(contextOf(database, smtp.url), fast);
    await sender.tick();
    await sender.stop();
    expect(smtp.messages).toHaveLength(0);
    expect((await rowOf(second)).emailState).toBe('none');
  });

  it('tries a refused message again after the back-off, and it is delivered once the server accepts', async () => {
    const pid = await personWith('retry@example.vn');
    const [id] = await write({ pid, kind: 'balance_due', lotId, data: { amount: 36_000_000, reference: 'DG9X' } });
    smtp.refuseNext(1, 451);
    const sender = createEmailSender(contextOf(database, smtp.url), fast);
    expect(await sender.tick()).toBe(1);
    let row = await rowOf(id);
    expect(row).toMatchObject({ emailState: 'pending', emailAttempts: 1 });
    expect(row.emailError).toMatch(/Try again later/);
    expect(row.emailNextAt).toEqual(new Date(clock.now().getTime() + 60_000));
    // Within the back-off nothing is tried.
    expect(await sender.tick()).toBe(0);
    clock.advance(60_000);
    expect(await sender.tick()).toBe(1);
    await sender.stop();
    row = await rowOf(id);
    expect(row).toMatchObject({ emailState: 'sent', emailAttempts: 2, emailError: null });
    expect(smtp.messages.map((m) => m.to[0])).toEqual(['retry@example.vn']);
    expect(smtp.messages[0].text).toContain('36.000.000 đồng');
  });

  it('marks a notice failed, with the error, after its last try or at once on a permanent refusal', async () => {
    const pid = await personWith('refused@example.vn');
    const [id] = await write({ pid, kind: 'payment_late', data: { amount: 5_000_000, reference: 'DG1' } });
    const sender = createEmailSender(contextOf(database, smtp.url), fast);
    smtp.refuseNext(3, 451);
    for (let i = 0; i < 3; i++) {
      expect(await sender.tick()).toBe(1);
      clock.advance(60_000);
    }
    expect(await rowOf(id)).toMatchObject({ emailState: 'failed', emailAttempts: 3, emailNextAt: null });
    expect((await rowOf(id)).emailError).toMatch(/Try again later/);

    const other = await personWith('no.such.mailbox@example.vn');
    const [permanent] = await write({ pid: other, kind: 'payment_late', data: { amount: 5_000_000 } });
    smtp.refuseNext(1, 550);
    expect(await sender.tick()).toBe(1);
    expect(await sender.tick()).toBe(0);
    await sender.stop();
    expect(await rowOf(permanent)).toMatchObject({ emailState: 'failed', emailAttempts: 1 });
    // The recipient's address is personal data: kept out of the error (and the log).
    expect((await rowOf(permanent)).emailError).toMatch(/550 Mailbox <recipient> unavailable/);
    expect(smtp.messages).toHaveLength(0);
  });

  it('retries, and does not fail, a notice the SMTP server would not take for a reason of the platform (login refused)', async () => {
    const pid = await personWith('wrong.password@example.vn');
    const [id] = await write({ pid, kind: 'refund_sent', lotId, data: { amount: 4_000_000 } });
    const url = smtp.url.replace('smtp://', 'smtp://platform:wrong@');
    const sender = createEmailSender(contextOf(database, url), fast);
    expect(await sender.tick()).toBe(1);
    await sender.stop();
    const row = await rowOf(id);
    expect(row).toMatchObject({ emailState: 'pending', emailAttempts: 1 });
    expect(row.emailError).toMatch(/535/);
    expect(smtp.messages).toHaveLength(0);
    // The right settings deliver it after the back-off.
    clock.advance(60_000);
    const fixed = createEmailSender(contextOf(database, smtp.url), fast);
    expect(await fixed.tick()).toBe(1);
    await fixed.stop();
    expect(await rowOf(id)).toMatchObject({ emailState: 'sent', emailAttempts: 2 });
  });

  it('gives up on an SMTP server that hangs within its bound, and sends once it answers again', async () => {
    const pid = await personWith('patient@example.vn');
    const [id] = await write({ pid, kind: 'balance_reminder', lotId, data: { daysLeft: 3, amount: 1 } });
    smtp.hang(true);
    const sender = createEmailSender(contextOf(database, smtp.url), { ...fast, sendTimeoutMs: 500 });
    const started = performance.now();
    expect(await sender.tick()).toBe(1);
    expect(performance.now() - started).toBeLessThan(5_000);
    const row = await rowOf(id);
    expect(row).toMatchObject({ emailState: 'pending', emailAttempts: 1 });
    expect(row.emailError).toMatch(/greeting|timeout|did not finish/i);
    smtp.hang(false);
    clock.advance(60_000);
    expect(await sender.tick()).toBe(1);
    await sender.stop();
    expect(await rowOf(id)).toMatchObject({ emailState: 'sent', emailAttempts: 2 });
    expect(smtp.messages[0].text).toContain('Số ngày còn lại: 3 ngày');
  });

  it('with SMTP_URL unset, leaves notices in-app only and sends nothing', async () => {
    const before = smtp.attempts;
    const pid = await personWith('in.app.only@example.vn');
    const [id] = await write({ pid, kind: 'deposit_due', lotId, data: { amount: 4_000_000, reference: 'DG2' } });
    expect((await rowOf(id)).emailState).toBe('pending');
    const sender = createEmailSender(contextOf(database, undefined), fast);
    await sender.tick();
    await sender.stop();
    expect(await rowOf(id)).toMatchObject({ emailState: 'none', emailAttempts: 0 });
    expect(smtp.messages).toHaveLength(0);
    expect(smtp.attempts).toBe(before);
  });
});
