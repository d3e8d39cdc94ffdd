// The person's own notices in the app: newest first in pages (a cursor is the last id seen), the unread
// count, and read marks. Every query is scoped to the person, so another person's notice is simply not
// found (404), never shown or marked.
import { and, count, desc, eq, isNull, lt } from 'drizzle-orm';
import { lots, notifications, people } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { noticeText, type NoticeLocale } from './texts.ts';
import type { NotificationItem, NotificationPage } from './schemas.ts';

export async function listNotices(
  ctx: AppContext,
  pid: string,
  page: { cursor?: number; limit: number },
  locale: NoticeLocale,
): Promise<NotificationPage> {
  const rows = await ctx.db
    .select({ n: notifications, lotTitle: lots.title })
    .from(notifications)
    .leftJoin(lots, eq(lots.id, notifications.lotId))
    .where(and(eq(notifications.pid, pid), page.cursor === undefined ? undefined : lt(notifications.id, page.cursor)))
    .orderBy(desc(notifications.id))
    .limit(page.limit + 1);
  const [{ unread }] = await ctx.db
    .select({ unread: count() })
    .from(notifications)
    .where(and(eq(notifications.pid, pid), isNull(notifications.readAt)));
  const items = rows.slice(0, page.limit).map(({ n, lotTitle }) => item(n, lotTitle, locale));
  return {
    items,
    unread: Number(unread),
    nextCursor: rows.length > page.limit ? items[items.length - 1].id : null,
  };
}

function item(n: typeof notifications.$inferSelect, lotTitle: string | null, locale: NoticeLocale): NotificationItem {
  const text = noticeText({ kind: n.kind, lotId: n.lotId, data: n.data, lotTitle }, locale);
  return {
    id: n.id,
    kind: n.kind,
    lotId: n.lotId,
    data: n.data,
    createdAt: n.createdAt.toISOString(),
    readAt: n.readAt?.toISOString() ?? null,
    email: n.emailState,
    subject: text.subject,
    body: text.lines.join('\n'),
  };
}

/** Marks one of the person's notices read (a notice already read keeps its first time). */
export async function markRead(
  ctx: AppContext,
  pid: string,
  id: number,
): Promise<Result<{ id: number; readAt: string }>> {
  const [row] = await ctx.db
    .select({ readAt: notifications.readAt })
    .from(notifications)
    .where(and(eq(notifications.id, id), eq(notifications.pid, pid)));
  if (!row) return refuse('not_found');
  if (row.readAt) return ok({ id, readAt: row.readAt.toISOString() });
  const at = ctx.clock.now();
  const [updated] = await ctx.db
    .update(notifications)
    .set({ readAt: at })
    .where(and(eq(notifications.id, id), eq(notifications.pid, pid), isNull(notifications.readAt)))
    .returning({ readAt: notifications.readAt });
  return ok({ id, readAt: (updated?.readAt ?? at).toISOString() });
}

/** Marks all the person's unread notices read; returns how many. */
export async function markAllRead(ctx: AppContext, pid: string): Promise<{ marked: number }> {
  const rows = await ctx.db
    .update(notifications)
    .set({ readAt: ctx.clock.now() })
    .where(and(eq(notifications.pid, pid), isNull(notifications.readAt)))
    .returning({ id: notifications.id });
  return { marked: rows.length };
}

/** The person's e-mail address, or null. */
export async function emailOf(ctx: AppContext, pid: string): Promise<string | null> {
  const [row] = await ctx.db.select({ email: people.email }).from(people).where(eq(people.pid, pid));
  return row?.email ?? null;
}

/**
 * Sets (or, with null, clears) the person's e-mail address. Notices written from now on are e-mailed
 * to it; one still waiting to be sent goes to the address as it is when sent (none: in-app only).
 */
export async function setEmail(ctx: AppContext, pid: string, email: string | null): Promise<{ email: string | null }> {
  await ctx.db.update(people).set({ email }).where(eq(people.pid, pid));
  return { email };
}
