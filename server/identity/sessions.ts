// Browser sessions: after sign-in, the browser holds 32 random bytes in an httpOnly cookie; the
// database keeps only their SHA-256, with an idle and an absolute expiry and a CSRF token (double
// submit: /api/me tells the page its token, which it sends back as x-csrf-token). An ID token is
// exchanged for a session at most once: its jti and nonce are recorded in used_id_tokens in the same
// transaction that creates the session.
import crypto from 'node:crypto';
import { and, eq, isNull, lt } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { sessions, usedIdTokens } from '../../db/schema.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { fail, ok, type Result } from '../shared/errors.ts';
import type { Level } from './person.ts';
import type { VerifiedToken } from './token-verifier.ts';
import { upsertPerson } from './people.ts';

/** How often at most a session's last-seen time is written (so reads do not each cost a write). */
const TOUCH_INTERVAL_MS = 60_000;

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two strings (CSRF tokens). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** Thrown inside the session transaction to roll it back when the ID token was seen before. */
class AlreadyExchanged extends Error {}

export interface ActiveSession {
  idHash: string;
  pid: string;
  name: string | null;
  level: Level;
  csrfToken: string;
}

export interface CreatedSession {
  /** The cookie value: shown once, never stored. */
  id: string;
  expiresAt: Date;
}

export class SessionStore {
  private readonly ctx: AppContext;
  constructor(ctx: AppContext) {
    this.ctx = ctx;
  }

  private get idleMs(): number {
    return this.ctx.config.session.idleMinutes * 60_000;
  }

  /** Exchanges a verified ID token for a new session; refuses a token already exchanged. */
  async create(token: VerifiedToken, issuer: string): Promise<Result<CreatedSession>> {
    const { db, clock } = this.ctx;
    const now = clock.now();
    const id = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(now.getTime() + this.ctx.config.session.maxHours * 3_600_000);
    // Replay markers are kept until the token could no longer be accepted anyway.
    const markerExpiry = new Date(Math.max(token.expiresAt * 1000, now.getTime()) + this.ctx.config.eid.clockToleranceSeconds * 1000);
    const markers = [token.jti && `jti:${issuer}:${token.jti}`, token.nonce && `nonce:${issuer}:${token.nonce}`].filter((m): m is string => !!m);
    if (!markers.length) return fail('UNAUTHENTICATED', 'The ID token has neither jti nor nonce.');
    const created = await db.transaction(async (tx) => {
      const inserted = await tx
        .insert(usedIdTokens)
        .values(markers.map((m) => ({ tokenHash: sha256(m), usedAt: now, expiresAt: markerExpiry })))
        .onConflictDoNothing()
        .returning({ h: usedIdTokens.tokenHash });
      // Any marker already present means this token (or its nonce) was exchanged before.
      if (inserted.length !== markers.length) throw new AlreadyExchanged();
      await upsertPerson(tx, { pid: token.pid, name: token.name, level: token.level }, now);
      await tx.insert(sessions).values({ idHash: sha256(id), pid: token.pid, level: token.level, name: token.name, csrfToken: crypto.randomBytes(32).toString('base64url'), createdAt: now, lastSeenAt: now, expiresAt });
      await appendAudit(tx, { actorPid: token.pid, action: 'session.created', subject: token.pid, data: { level: token.level }, at: now });
      return true;
    }).catch((err: unknown) => {
      if (err instanceof AlreadyExchanged) return false;
      throw err;
    });
    if (!created) return fail('UNAUTHENTICATED', 'This ID token was already used to sign in.');
    await this.purge(now);
    return ok({ id, expiresAt });
  }

  /** The live session for a cookie value, or undefined (unknown, revoked, idle too long or expired). */
  async find(cookieValue: string): Promise<ActiveSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return undefined;
    const idHash = sha256(cookieValue);
    const now = this.ctx.clock.now();
    const [row] = await this.ctx.db.select().from(sessions).where(eq(sessions.idHash, idHash));
    if (!row || row.revokedAt || row.expiresAt <= now || row.lastSeenAt.getTime() + this.idleMs <= now.getTime()) return undefined;
    if (now.getTime() - row.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.ctx.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
    }
    return { idHash, pid: row.pid, name: row.name, level: row.level as Level, csrfToken: row.csrfToken };
  }

  /** Revokes a session (sign-out); true when it was live. */
  async revoke(session: ActiveSession): Promise<boolean> {
    const now = this.ctx.clock.now();
    return this.ctx.db.transaction(async (tx) => {
      const rows = await tx.update(sessions).set({ revokedAt: now }).where(and(eq(sessions.idHash, session.idHash), isNull(sessions.revokedAt))).returning({ pid: sessions.pid });
      if (!rows.length) return false;
      await appendAudit(tx, { actorPid: session.pid, action: 'session.revoked', subject: session.pid, at: now });
      return true;
    });
  }

  /** Deletes long-dead sessions and replay markers that can no longer matter. */
  private async purge(now: Date): Promise<void> {
    const day = 24 * 3_600_000;
    await this.ctx.db.delete(usedIdTokens).where(lt(usedIdTokens.expiresAt, new Date(now.getTime() - day)));
    await this.ctx.db.delete(sessions).where(lt(sessions.expiresAt, new Date(now.getTime() - 7 * day)));
  }
}
