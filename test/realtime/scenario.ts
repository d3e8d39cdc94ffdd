// Builds a biddable lot the way the platform's users do, over the HTTP API: an admin (ADMIN_PIDS)
// grants the manager role, the manager creates and publishes a lot, bidders register, the manager
// confirms their deposits, and bidding opens at startsAt.
import type { Json } from '../support/json.ts';
import type { TestIdp } from '../support/eid.ts';
import { newPid } from '../support/eid.ts';
import { caller, type CallOptions } from '../support/http.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

export interface HttpAnswer {
  status: number;
  json: Json;
}

/** Calls the platform's API at `base` as an outside client would. */
export function call(base: string, method: string, path: string, options: CallOptions = {}): Promise<HttpAnswer> {
  return caller(base)(method, path, options);
}

async function expectStatus(answer: Promise<HttpAnswer>, status: number, what: string): Promise<Json> {
  const a = await answer;
  if (a.status !== status) throw new Error(`${what}: expected ${status}, got ${a.status} ${JSON.stringify(a.json)}`);
  return a.json;
}

export interface Bidder {
  pid: string;
  token: string;
  bidderCode: string;
}

export interface LotScenario {
  lotId: number;
  managerToken: string;
  bidders: Bidder[];
  startingPrice: number;
  priceStep: number;
  startsAt: Date;
  endsAt: Date;
}

export interface ScenarioOptions {
  /** The platform's admin (one of its ADMIN_PIDS). */
  adminPid: string;
  bidders: number;
  /** Time from now until bidding starts: registration must be done before then. */
  registrationMs: number;
  /** Length of the bidding window. */
  biddingMs: number;
  /** The platform's clock now (a test clock in-process; the system clock for server processes). */
  now?: Date;
  /** More approved bidders than bid (the minimum number of bidders); defaults to none. */
  extraBidders?: number;
  /** The lot's soft-close rule; defaults to a hard close. */
  softClose?: { windowSeconds: number; extendSeconds: number };
}

/** A lot with approved bidders; bidding starts `registrationMs` after `now`. */
export async function setUpLot(base: string, idp: TestIdp, o: ScenarioOptions): Promise<LotScenario> {
  const now = o.now ?? new Date();
  const admin = await idp.token({ sub: o.adminPid });
  const managerPid = newPid();
  const managerToken = await idp.token({ sub: managerPid });
  // A manager of the default organisation (issue 19: added by an admin, which grants the role).
  await expectStatus(call(base, 'GET', '/api/me', { token: managerToken }), 200, 'manager /me');
  await expectStatus(
    call(base, 'POST', `/api/organisations/${DEFAULT_ORGANISATION_ID}/managers`, {
      token: admin,
      body: { pid: managerPid },
    }),
    200,
    'add the manager to the organisation',
  );
  const startingPrice = 40_000_000;
  const priceStep = 5_000_000;
  const startsAt = new Date(now.getTime() + o.registrationMs);
  const endsAt = new Date(startsAt.getTime() + o.biddingMs);
  const lot = await expectStatus(
    call(base, 'POST', '/api/lots', {
      token: managerToken,
      body: {
        title: 'Licence plate 51K-888.88',
        description: 'Realtime test lot',
        startingPrice,
        priceStep,
        deposit: 5_000_000,
        registrationOpensAt: new Date(now.getTime() - 60_000).toISOString(),
        registrationClosesAt: startsAt.toISOString(),
        startsAt: startsAt.toISOString(),
        endsAt: endsAt.toISOString(),
        ...(o.softClose ? { softClose: o.softClose } : {}),
      },
    }),
    201,
    'create lot',
  );
  await expectStatus(call(base, 'POST', `/api/lots/${lot.id}/publish`, { token: managerToken }), 200, 'publish');
  const bidders: Bidder[] = [];
  for (let i = 0; i < o.bidders + (o.extraBidders ?? 0); i++) {
    const pid = newPid();
    const token = await idp.token({ sub: pid, loa: 2 });
    const reg = await expectStatus(
      call(base, 'POST', `/api/lots/${lot.id}/registrations`, { token, body: { acceptRules: true } }),
      201,
      'register',
    );
    await expectStatus(
      call(base, 'POST', `/api/lots/${lot.id}/registrations/${reg.id}/approve`, { token: managerToken }),
      200,
      'approve',
    );
    bidders.push({ pid, token, bidderCode: reg.bidderCode });
  }
  return {
    lotId: lot.id,
    managerToken,
    bidders: bidders.slice(0, o.bidders),
    startingPrice,
    priceStep,
    startsAt,
    endsAt,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits (real time) until the given instant has passed. */
export async function waitUntil(at: Date): Promise<void> {
  const ms = at.getTime() - Date.now();
  if (ms > 0) await sleep(ms + 20);
}

/** Reads the whole ledger over HTTP, page by page, as the public contract describes. */
export async function readLedger(
  base: string,
  lotId: number,
): Promise<{ seq: number; amount: number; bidderCode: string; placedAt: string }[]> {
  const all: { seq: number; amount: number; bidderCode: string; placedAt: string }[] = [];
  for (;;) {
    const page = await expectStatus(
      call(base, 'GET', `/api/lots/${lotId}/bids?after=${all.at(-1)?.seq ?? 0}&limit=1000`),
      200,
      'ledger page',
    );
    if (page.items.length === 0) return all;
    all.push(...page.items);
  }
}
