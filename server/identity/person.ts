// The verified person that handlers receive, and the Hono environment that carries it.
import type { Role } from '../../db/schema.ts';
import type { ProvinceId } from '../auctions/provinces.ts';
import type { AppContext } from '../context.ts';
import type { OrganisationClaim } from './organisation-claim.ts';

export type Level = 1 | 2;

export interface Person {
  /**
   * The person key: the keyed hash of their identification number (server/privacy/personal-data.ts),
   * the value every pid column of the database holds. Never shown to anyone.
   */
  pid: string;
  /** Their own 12-digit personal identification number (the e-ID `sub`), for showing to themselves. */
  idNumber: string;
  name: string | null;
  level: Level;
  roles: Role[];
  /**
   * The auction organisations whose lots the person manages (issue 19): a manager acts on these
   * organisations' lots only. Empty for everyone else.
   */
  organisations: number[];
  /**
   * A regulator's scope (issue 19): null for the whole country, or a province and the ids of the
   * organisations there, whose lots the regulator oversees. Null for everyone who is not a regulator.
   */
  scope: RegulatorScope | null;
  /** How the request was authenticated. */
  via: 'bearer' | 'session';
  /**
   * When the person last authenticated at the e-ID provider: the token's `auth_time`, or the one of
   * the ID token the browser session began with. Absent when the provider did not say.
   */
  authTime?: Date;
  /**
   * The organisation the current credential says the person acts for (issue 19): the bearer token's
   * claims, or those of the ID token the browser session began with. Per credential (never cached
   * with the person's roles), and at level 2 only: a level-1 token's organisation claims are ignored.
   */
  representing?: OrganisationClaim;
}

export interface RegulatorScope {
  province: ProvinceId;
  organisations: number[];
}

/** What a person may do beyond bidding: their roles, organisations and scope (none below level 2). */
export type Access = Pick<Person, 'roles' | 'organisations' | 'scope'>;

export const NO_ACCESS: Access = { roles: [], organisations: [], scope: null };

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
