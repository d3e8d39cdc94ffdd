// The verified person that handlers receive, and the Hono environment that carries it.
import type { Role } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';

export type Level = 1 | 2;

export interface Person {
  /** The 12-digit personal identification number (the e-ID `sub`). */
  pid: string;
  name: string | null;
  level: Level;
  roles: Role[];
  /** How the request was authenticated. */
  via: 'bearer' | 'session';
  /**
   * When the person last authenticated at the e-ID provider: the token's `auth_time`, or the one of
   * the ID token the browser session began with. Absent when the provider did not say.
   */
  authTime?: Date;
}

export interface AppEnv {
  Variables: {
    ctx: AppContext;
    requestId: string;
    /** performance.now() when the API began handling the request (request deadlines count from it). */
    startedAt: number;
    person?: Person;
    /** Set by the session middleware when a browser session authenticated the request. */
    sessionIdHash?: string;
    /** The session's CSRF token (double submit), for GET /api/me to hand to the page. */
    csrfToken?: string;
  };
}

export const PID_PATTERN = /^\d{12}$/;
