// The e-mail sender: a background loop in every process that e-mails pending notices through SMTP
// (nodemailer). A notice is claimed before it is sent: one UPDATE … RETURNING over a row taken with
// FOR UPDATE SKIP LOCKED moves its `email_next_at` a lease ahead and counts the attempt, so no other
// process takes it while it is being sent, and a process that dies mid-send leaves it to be tried
// again when the lease ends. A sent notice is marked `sent`; a failed try waits out a back-off and is
// tried again, up to maxAttempts, then marked `failed` with the error (at once when the server refused
// the recipient or the message for good). A person with no e-mail address gets none (`none`). Every
// step is bounded: a database that does not answer or an SMTP server that hangs fails the step, and
// the next tick carries on. With SMTP_URL unset the loop only marks pending notices in-app only (`none`).
import { and, eq, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import { lots, notifications, people } from '../../db/schema.ts';
import { resultRows } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { withDeadline } from '../shared/unavailable.ts';
import { backgroundLoop, type BackgroundLoop } from '../shared/background-loop.ts';
import { noticeEmail, type EmailText } from './texts.ts';

/** One message to one address; resolves once the SMTP server accepted it. */
export type SendMail = (message: { from: string; to: string } & EmailText) => Promise<unknown>;

export interface SenderOptions {
  /** How often the loop looks for pending notices (ms). */
  pollMs?: number;
  /** Longest wait for one message, connection and greeting included (ms). */
  sendTimeoutMs?: number;
  /** Tries before a notice is marked failed. */
  maxAttempts?: number;
  /** The wait after the n-th failed try (ms). */
  backoffMs?: (attempts: number) => number;
  /** Messages sent per tick at most, so one tick stays bounded. */
  batch?: number;
  /** The transport (tests); default: nodemailer over SMTP_URL. */
  send?: SendMail;
}

export const DEFAULT_SENDER = {
  pollMs: 5_000,
  sendTimeoutMs: 20_000,
  maxAttempts: 6,
  /** 30 s, 1 min, 2 min, … at most an hour. */
  backoffMs: (attempts: number): number => Math.min(30_000 * 2 ** (attempts - 1), 3_600_000),
  batch: 20,
};

export interface EmailSender {
  start(): void;
  /** One pass now: sends what is due (tests); resolves with the number of notices handled. */
  tick(): Promise<number>;
  stop(): Promise<void>;
}

interface Claimed {
  id: number;
  kind: string;
  lotId: number | null;
  data: Record<string, unknown>;
  attempts: number;
  email: string | null;
  lotTitle: string | null;
}

/** The SMTP transport for SMTP_URL, with its own connection, greeting and socket timeouts. */
export function smtpTransport(url: string, timeoutMs: number): { send: SendMail; close(): void } {
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  } as Parameters<typeof nodemailer.createTransport>[0]);
  return { send: (message) => transport.sendMail(message), close: () => transport.close() };
}

/**
 * True when trying again will not help this message: the server refused the recipient or the message
 * for good (5xx to RCPT TO or DATA), or the address cannot be sent to at all. A 5xx to anything else
 * (AUTH, MAIL FROM: the platform's own settings) and every 4xx or network failure is worth retrying.
 */
function permanent(err: unknown): boolean {
  const { responseCode, command, code } = err as { responseCode?: unknown; command?: unknown; code?: unknown };
  if (code === 'EENVELOPE' && command === 'API') return true;
  return (
    typeof responseCode === 'number' &&
    responseCode >= 500 &&
    responseCode < 600 &&
    (command === 'RCPT TO' || command === 'DATA')
  );
}

/**
 * A Drizzle query as a promise that runs it once. A query builder runs its statement on every `then`,
 * and withDeadline subscribes twice (to race it and to swallow a late rejection): given the builder
 * itself, the statement would run twice, the second copy still holding the row when the next claim
 * looks at it.
 */
const once = <T>(query: PromiseLike<T>): Promise<T> => Promise.resolve(query);

/** The error's message for the log and the row, without the recipient's address (personal data). */
const describe = (err: unknown, address: string): string =>
  (err instanceof Error ? err.message : String(err)).split(address).join('<recipient>').slice(0, 500);

export function createEmailSender(ctx: AppContext, options: SenderOptions = {}): EmailSender {
  const o = { ...DEFAULT_SENDER, ...options };
  const smtpUrl = ctx.config.money.smtpUrl;
  const transport = !o.send && smtpUrl ? smtpTransport(smtpUrl, o.sendTimeoutMs) : undefined;
  const send = o.send ?? transport?.send;
  const bound = ctx.config.limits.requestTimeoutMs;
  // The lease outlasts the send's own bound and the marking after it.
  const leaseMs = o.sendTimeoutMs + 2 * bound + 10_000;

  /** Claims the oldest due notice, if any: its attempt counted, its lease taken. */
  const claim = async (): Promise<Claimed | undefined> => {
    const now = ctx.clock.now();
    const rows = resultRows<{ id: number | string; email_attempts: number }>(
      await ctx.db.execute(sql`
        update ${notifications} set email_attempts = email_attempts + 1,
          email_next_at = ${new Date(now.getTime() + leaseMs).toISOString()}::timestamptz
        where id = (
          select id from ${notifications}
          where email_state = 'pending' and (email_next_at is null or email_next_at <= ${now.toISOString()}::timestamptz)
          order by id limit 1
          for update skip locked)
        returning id, email_attempts`),
    );
    if (!rows[0]) return undefined;
    const id = Number(rows[0].id);
    const [notice] = await ctx.db
      .select({
        kind: notifications.kind,
        lotId: notifications.lotId,
        data: notifications.data,
        email: people.email,
        lotTitle: lots.title,
      })
      .from(notifications)
      .innerJoin(people, eq(people.pid, notifications.pid))
      .leftJoin(lots, eq(lots.id, notifications.lotId))
      .where(eq(notifications.id, id));
    return { id, attempts: Number(rows[0].email_attempts), ...notice };
  };

  /** Writes the outcome, only while the notice is still pending (a later state is never overwritten). */
  const mark = (id: number, set: Partial<typeof notifications.$inferInsert>) =>
    withDeadline(
      once(
        ctx.db
          .update(notifications)
          .set(set)
          .where(and(eq(notifications.id, id), eq(notifications.emailState, 'pending'))),
      ),
      bound,
      'marking a notice',
    );

  const deliver = async (notice: Claimed): Promise<void> => {
    if (!notice.email) {
      // The address was cleared after the notice was written: in-app only.
      await mark(notice.id, { emailState: 'none', emailNextAt: null });
      return;
    }
    try {
      const message = noticeEmail(notice, ctx.config.publicOrigin);
      await withDeadline(
        send!({ from: ctx.config.money.smtpFrom, to: notice.email, ...message }),
        o.sendTimeoutMs,
        'sending an e-mail',
      );
    } catch (err) {
      const giveUp = permanent(err) || notice.attempts >= o.maxAttempts;
      const error = describe(err, notice.email);
      ctx.log.warn(
        { notificationId: notice.id, attempts: notice.attempts, err: error },
        giveUp ? 'e-mail failed; not trying again' : 'e-mail failed; trying again later',
      );
      await mark(
        notice.id,
        giveUp
          ? { emailState: 'failed', emailError: error, emailNextAt: null }
          : {
              emailError: error,
              emailNextAt: new Date(ctx.clock.now().getTime() + o.backoffMs(notice.attempts)),
            },
      );
      return;
    }
    await mark(notice.id, { emailState: 'sent', emailSentAt: ctx.clock.now(), emailError: null, emailNextAt: null });
  };

  const runTick = async (): Promise<number> => {
    if (!send) {
      // In-app only: nothing waits to be e-mailed, and turning SMTP on later sends no old notices.
      const rows = await withDeadline(
        once(
          ctx.db
            .update(notifications)
            .set({ emailState: 'none', emailNextAt: null })
            .where(eq(notifications.emailState, 'pending'))
            .returning({ id: notifications.id }),
        ),
        bound,
        'marking notices in-app only',
      );
      return rows.length;
    }
    let handled = 0;
    while (handled < o.batch && !loop.stopped) {
      const notice = await withDeadline(claim(), bound, 'claiming a notice');
      if (!notice) break;
      await deliver(notice);
      handled++;
    }
    return handled;
  };

  const loop: BackgroundLoop<number> = backgroundLoop(ctx, {
    name: 'notification sender',
    everyMs: o.pollMs,
    idle: 0,
    run: runTick,
  });
  return {
    start: loop.start,
    tick: loop.tick,
    async stop() {
      await loop.stop();
      transport?.close();
    },
  };
}
