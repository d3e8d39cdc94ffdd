// Browser sessions: after sign-in, the browser holds 32 random bytes in an httpOnly cookie; the
// database keeps only their SHA-256, with an idle and an absolute expiry and a CSRF token (double
// submit: /api/me tells the page its token, which it sends back as x-csrf-token). An ID token is
// exchanged for a session at most once: its jti and nonce are recorded in used_id_tokens in the same
// transaction that creates the session. Sign-out is published after its commit ('access-changed'),
// so that the realtime gateway disconnects the session's sockets on every process; sockets re-check
// their session on every bid through a short-lived cache of reads (findCached).
import crypto from 'node:crypto';
import { and, eq, inArray, isNull, lt } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import { people, sessions, usedIdTokens } from '../../db/schema.ts';
import { openPersonRow, sealedIdentityColumns } from '../privacy/personal-data.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { fail, ok, type Result } from '../shared/errors.ts';
import { withDeadline } from '../shared/unavailable.ts';
import type { Level } from './person.ts';
import type { VerifiedToken } from './token-verifier.ts';
import { parseOrganisationClaim, type OrganisationClaim } from './organisation-claim.ts';
import { adoptEmail, upsertPerson } from './people.ts';

/** How often at most a session's last-seen time is written (so reads do not each cost a write). */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * How long a session read made for a socket's bid answers the next ones from memory. A sign-out on
 * this process drops it at once; one on another process disconnects the socket anyway, so this is
 * the longest a revoked session can still bid, and only where that disconnection did not arrive.
 */
export const SESSION_CHECK_CACHE_MS = 2_000;
const SESSION_CHECK_CACHE_MAX = 20_000;
/** Sessions read in one statement by liveAmong. */
const LIVE_AMONG_CHUNK = 500;

export function sha256(text: string): string {
  return crypto.createHash('sha256').update(text).digest('hex');
}

/** Constant-time comparison of two strings (CSRF tokens). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/** The column's fields, checked again on the way out, as a token's claims are (undefined if not well-formed). */
const STORED_ORGANISATION = { identifier: 'identifier', name: 'name', role: 'role' };
function storedOrganisation(stored: unknown): OrganisationClaim | undefined {
  return stored && typeof stored === 'object'
    ? parseOrganisationClaim(stored as Record<string, unknown>, STORED_ORGANISATION)
    : undefined;
}

/** Thrown inside the session transaction to roll it back when the ID token was seen before. */
class AlreadyExchanged extends Error {}

export interface ActiveSession {
  idHash: string;
  /** The person key; their number and name, opened from their row. */
  pid: string;
  idNumber: string;
  name: string | null;
  level: Level;
  csrfToken: string;
  /** When the person authenticated at the provider for this session (the ID token's auth_time), if it said. */
  authTime: Date | null;
  /**
   * The organisation the ID token said the person acts for, with their role in it (issue 19); only
   * kept for a level-2 sign-in.
   */
  organisation?: OrganisationClaim;
  /** When the session ends unless it is used again: the earlier of its idle and absolute expiry. */
  endsAt: Date;
}

export interface CreatedSession {
  /** The cookie value: shown once, never stored. */
  id: string;
  expiresAt: Date;
}

export class SessionStore {
  private readonly ctx: AppContext;
  /** Recent findCached answers by id hash (undefined: no live session). */
  private readonly checked = new Map<string, { at: number; session: ActiveSession | undefined }>();
  /** findCached reads in flight, shared by concurrent bids of one session. */
  private readonly checking = new Map<string, Promise<ActiveSession | undefined>>();
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
    const markerExpiry = new Date(
      Math.max(token.expiresAt * 1000, now.getTime()) + this.ctx.config.eid.clockToleranceSeconds * 1000,
    );
    const markers = [token.jti && `jti:${issuer}:${token.jti}`, token.nonce && `nonce:${issuer}:${token.nonce}`].filter(
      (m): m is string => !!m,
    );
    if (!markers.length) return fail('UNAUTHENTICATED', 'The ID token has neither jti nor nonce.');
    const created = await db
      .transaction(async (tx) => {
        const inserted = await tx
          .insert(usedIdTokens)
          .values(markers.map((m) => ({ tokenHash: sha256(m), usedAt: now, expiresAt: markerExpiry })))
          .onConflictDoNothing()
          .returning({ h: usedIdTokens.tokenHash });
        // Any marker already present means this token (or its nonce) was exchanged before.
        if (inserted.length !== markers.length) throw new AlreadyExchanged();
        const key = await upsertPerson(tx, { pid: token.pid, name: token.name, level: token.level }, now);
        // The e-ID's address for money notices, unless the person has one already (PUT /api/me/email).
        if (token.email) await adoptEmail(tx, key, token.email);
        await tx.insert(sessions).values({
          idHash: sha256(id),
          pid: key,
          level: token.level,
          csrfToken: crypto.randomBytes(32).toString('base64url'),
          authTime: token.authTime === undefined ? null : new Date(token.authTime * 1000),
          organisation: token.level === 2 ? (token.organisation ?? null) : null,
          createdAt: now,
          lastSeenAt: now,
          expiresAt,
        });
        await appendAudit(tx, {
          actorPid: key,
          action: 'session.created',
          subject: key,
          data: { level: token.level },
          at: now,
        });
        return true;
      })
      .catch((err: unknown) => {
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
    const [found] = await this.ctx.db
      .select({
        session: sessions,
        ...sealedIdentityColumns,
      })
      .from(sessions)
      .innerJoin(people, eq(people.pid, sessions.pid))
      .where(eq(sessions.idHash, idHash));
    const row = found?.session;
    const endsAt = row && this.endOf(row);
    if (!row || !endsAt || endsAt <= now) return undefined;
    const identity = openPersonRow({ pid: row.pid, ...found });
    // A person whose data key was destroyed has no identity left to act with.
    if (!identity.pid) return undefined;
    let seen = row.lastSeenAt;
    if (now.getTime() - seen.getTime() >= TOUCH_INTERVAL_MS) {
      await this.ctx.db.update(sessions).set({ lastSeenAt: now }).where(eq(sessions.idHash, idHash));
      seen = now;
    }
    return {
      idHash,
      pid: row.pid,
      idNumber: identity.pid,
      name: identity.name,
      level: row.level as Level,
      csrfToken: row.csrfToken,
      authTime: row.authTime,
      ...(row.organisation ? { organisation: storedOrganisation(row.organisation) } : {}),
      endsAt: this.endOf({ ...row, lastSeenAt: seen })!,
    };
  }

  /**
   * find() for a socket's bid: answered from memory for SESSION_CHECK_CACHE_MS, concurrent calls
   * share one read, and the read is bounded by REQUEST_TIMEOUT_MS. A read that failed or timed out is
   * never kept (the caller gets its error); a sign-out through this store drops the entry at once.
   */
  findCached(cookieValue: string): Promise<ActiveSession | undefined> {
    if (!/^[A-Za-z0-9_-]{43}$/.test(cookieValue)) return Promise.resolve(undefined);
    const idHash = sha256(cookieValue);
    const hit = this.checked.get(idHash);
    if (
      hit &&
      Date.now() - hit.at < SESSION_CHECK_CACHE_MS &&
      (!hit.session || hit.session.endsAt > this.ctx.clock.now())
    )
      return Promise.resolve(hit.session);
    let reading = this.checking.get(idHash);
    if (!reading) {
      const read: Promise<ActiveSession | undefined> = withDeadline(
        this.find(cookieValue),
        this.ctx.config.limits.requestTimeoutMs,
        'session read',
      )
        .then((session) => {
          // Not kept when a sign-out dropped this read meanwhile: it may predate the revocation.
          if (this.checking.get(idHash) === read) {
            if (this.checked.size >= SESSION_CHECK_CACHE_MAX) this.checked.clear();
            this.checked.set(idHash, { at: Date.now(), session });
          }
          return session;
        })
        .finally(() => {
          if (this.checking.get(idHash) === read) this.checking.delete(idHash);
        });
      this.checking.set(idHash, read);
      reading = read;
    }
    return reading;
  }

  /**
   * Which of these sessions are live now, with when each ends unless used again; a read only (it does
   * not count as use). For the realtime gateway's sweep of the sessions its sockets stand for.
   */
  async liveAmong(idHashes: string[]): Promise<Map<string, Date>> {
    const now = this.ctx.clock.now();
    const live = new Map<string, Date>();
    for (let i = 0; i < idHashes.length; i += LIVE_AMONG_CHUNK) {
      const rows = await this.ctx.db
        .select({
          idHash: sessions.idHash,
          lastSeenAt: sessions.lastSeenAt,
          expiresAt: sessions.expiresAt,
          revokedAt: sessions.revokedAt,
        })
        .from(sessions)
        .where(inArray(sessions.idHash, idHashes.slice(i, i + LIVE_AMONG_CHUNK)));
      for (const row of rows) {
        const endsAt = this.endOf(row);
        if (endsAt && endsAt > now) live.set(row.idHash, endsAt);
      }
    }
    return live;
  }

  /** When a session ends unless used again; undefined once revoked. */
  private endOf(row: { lastSeenAt: Date; expiresAt: Date; revokedAt: Date | null }): Date | undefined {
    if (row.revokedAt) return undefined;
    return new Date(Math.min(row.expiresAt.getTime(), row.lastSeenAt.getTime() + this.idleMs));
  }

  /** Revokes a session (sign-out); true when it was live. Its sockets are disconnected after the commit. */
  async revoke(session: ActiveSession): Promise<boolean> {
    const now = this.ctx.clock.now();
    const revoked = await this.ctx.db.transaction(async (tx) => {
      const rows = await tx
        .update(sessions)
        .set({ revokedAt: now })
        .where(and(eq(sessions.idHash, session.idHash), isNull(sessions.revokedAt)))
        .returning({ pid: sessions.pid });
      if (!rows.length) return false;
      await appendAudit(tx, { actorPid: session.pid, action: 'session.revoked', subject: session.pid, at: now });
      return true;
    });
    this.checked.delete(session.idHash);
    this.checking.delete(session.idHash);
    if (revoked) this.ctx.events.publish('access-changed', { kind: 'session', idHash: session.idHash });
    return revoked;
  }

  /** Deletes long-dead sessions and replay markers that can no longer matter. */
  private async purge(now: Date): Promise<void> {
    const day = 24 * 3_600_000;
    await this.ctx.db.delete(usedIdTokens).where(lt(usedIdTokens.expiresAt, new Date(now.getTime() - day)));
    await this.ctx.db.delete(sessions).where(lt(sessions.expiresAt, new Date(now.getTime() - 7 * day)));
  }
}
