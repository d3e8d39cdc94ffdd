// The notification outbox (issue 17): a notice is written in the same transaction as the change it
// tells of, so a committed change always has its notice and a rolled-back one never does. The person
// sees it in the app; a background sender e-mails it when SMTP is configured (server/notifications).
import { sql } from 'drizzle-orm';
import { notifications, people, type EmailState } from '../../db/schema.ts';
import type { Db, Tx } from '../../db/client.ts';

/** What a notice is about; each has its own text (in-app and e-mail). */
export const NOTIFICATION_KINDS = [
  'deposit_due',
  'deposit_received',
  'deposit_partial',
  'deposit_reversed',
  'payment_held',
  'payment_late',
  'refund_due',
  'refund_sent',
  'balance_due',
  'balance_partial',
  'balance_reminder',
  'balance_received',
  'payment_deadline_missed',
  'bar_recorded',
  // After the hammer (issue 18): Art. 51's offer to the next bidder, an award that fell, a confirmation to countersign.
  'award_offered',
  'award_failed',
  'award_countersign_due',
  // A technical suspension's re-run: the registration and deposit carried to it.
  'lot_rerun',
  // A lot's public result notice published, or superseded by a newer one (server/results).
  'result_published',
  // Attendance (issue 18, server/attendance): a no-show's deposit forfeited, held for force majeure (the
  // manager told a decision is due), or the absence excused.
  'no_show_forfeited',
  'no_show_held',
  'no_show_decision_due',
  'no_show_excused',
  // Organisations as bidders (issue 19): the lot's manager's decision on an authorisation document, and
  // a registration rejected (its deposit, if received, then refunded).
  'authorisation_approved',
  'authorisation_rejected',
  'registration_rejected',
] as const;
export type NotificationKind = (typeof NOTIFICATION_KINDS)[number];

export interface Notice {
  pid: string;
  kind: NotificationKind;
  lotId?: number;
  /** The facts the text is made from (amounts in VND, dates as ISO strings, the transfer reference). */
  data: Record<string, unknown>;
  at: Date;
}

/**
 * Writes notices into the outbox, inside the caller's transaction. A notice to a person with an e-mail
 * address is marked to be e-mailed (`pending`); the sender (./sender.ts) sends it, or, with SMTP_URL
 * unset, marks it in-app only.
 */
export async function notify(q: Db | Tx, ...notices: Notice[]): Promise<void> {
  if (notices.length === 0) return;
  const hasEmail = (pid: string) =>
    sql<EmailState>`case when exists (select 1 from ${people} where ${people.pid} = ${pid} and ${people.email} is not null) then 'pending' else 'none' end`;
  await q.insert(notifications).values(
    notices.map((n) => ({
      pid: n.pid,
      kind: n.kind,
      lotId: n.lotId ?? null,
      data: n.data,
      createdAt: n.at,
      emailState: hasEmail(n.pid),
    })),
  );
}
