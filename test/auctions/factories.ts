// Factories for auction tests: people with roles, lots in any state, registrations and approvals,
// all through the public API except role grants (written directly, as an admin's grant would be).
import type { Json } from '../support/json.ts';
import { eq } from 'drizzle-orm';
import { lots, organisationManagers, organisations, people, roleGrants, type Role } from '../../db/schema.ts';
import type { ProvinceId } from '../../server/auctions/provinces.ts';
import { firstBrokenLink, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { Db } from '../../db/client.ts';
import { newPid } from '../support/eid.ts';
import { personKey, sealPerson } from '../../server/privacy/personal-data.ts';
import type { TestIdp } from '../support/eid.ts';

export type { Call } from '../support/http.ts';
import type { Call } from '../support/http.ts';

export interface Actor {
  /** The clear 12-digit personal id (the token's subject; what API responses show). */
  pid: string;
  /** The person key (`personKey(pid)`), what every pid column of the database holds (set by `person`). */
  key?: string;
  token: string;
}

/** An actor made by `person`, whose person key is known. */
export type KeyedActor = Actor & { key: string };

/** A person with a fresh personal id, a valid token, and optional roles granted in the database. */
export async function person(
  idp: TestIdp,
  db: Db | undefined,
  options: { level?: 1 | 2; roles?: Role[]; name?: string; organisation?: number } = {},
): Promise<KeyedActor> {
  const pid = newPid();
  const key = personKey(pid);
  if (options.roles?.length) {
    if (!db) throw new Error('roles need database access');
    await db
      .insert(people)
      .values({
        ...sealPerson({ pid, name: options.name ?? 'Staff' }),
        level: options.level ?? 2,
        firstSignInAt: new Date(),
      })
      .onConflictDoNothing();
    await db.insert(roleGrants).values(options.roles.map((role) => ({ pid: key, role })));
    // A manager manages one organisation's lots (issue 19): the one named, else an organisation of
    // their own, so that two managers made here never share lots unless a test says so.
    if (options.roles.includes('manager'))
      await db
        .insert(organisationManagers)
        .values({ organisationId: options.organisation ?? (await newOrganisation(db)), pid: key });
  }
  return {
    pid,
    key,
    token: await idp.token({ sub: pid, loa: options.level ?? 2, ...(options.name ? { name: options.name } : {}) }),
  };
}

/** A new auction organisation (issue 19) in Hà Nội, with the platform's account, for a test's own manager. */
export async function newOrganisation(db: Db, province: ProvinceId = 'ha-noi'): Promise<number> {
  const n = String(Math.floor(Math.random() * 1e10)).padStart(10, '0');
  const [row] = await db
    .insert(organisations)
    .values({ name: `Tổ chức thử ${n}`, licenceNumber: `TEST-${n}`, taxCode: n, province })
    .onConflictDoNothing()
    .returning({ id: organisations.id });
  return row ? row.id : newOrganisation(db, province);
}

const MIN = 60_000;

/** A valid lot body whose registration opens at `now` and bidding runs [now+10m, now+70m). */
export function lotBody(now: Date | number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = typeof now === 'number' ? now : now.getTime();
  return {
    title: 'Licence plate 51K-888.88',
    description: 'A sought-after plate number.',
    category: 'licence-plate',
    startingPrice: 40_000_000,
    priceStep: 5_000_000,
    deposit: 4_000_000,
    registrationOpensAt: new Date(t).toISOString(),
    registrationClosesAt: new Date(t + 10 * MIN).toISOString(),
    startsAt: new Date(t + 10 * MIN).toISOString(),
    endsAt: new Date(t + 70 * MIN).toISOString(),
    ...overrides,
  };
}

export async function createLot(call: Call, manager: Actor, body: Record<string, unknown>): Promise<Json> {
  const res = await call('POST', '/api/lots', { token: manager.token, body });
  if (res.status !== 201) throw new Error(`create lot: ${res.status} ${res.text}`);
  return res.json;
}

export async function publishedLot(call: Call, manager: Actor, body: Record<string, unknown>): Promise<Json> {
  const lot = await createLot(call, manager, body);
  const res = await call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token });
  if (res.status !== 200) throw new Error(`publish: ${res.status} ${res.text}`);
  return res.json;
}

export interface Registered extends Actor {
  registrationId: number;
  bidderCode: string;
}

/** Registers each bidder and has the manager approve them (deposit received). */
export async function registerAndApprove(
  call: Call,
  manager: Actor,
  lotId: number,
  bidders: Actor[],
  options: { approve?: boolean } = {},
): Promise<Registered[]> {
  const out: Registered[] = [];
  for (const b of bidders) {
    const reg = await call('POST', `/api/lots/${lotId}/registrations`, { token: b.token, body: { acceptRules: true } });
    if (reg.status !== 201) throw new Error(`register: ${reg.status} ${reg.text}`);
    if (options.approve !== false) {
      const ok = await call('POST', `/api/lots/${lotId}/registrations/${reg.json.id}/approve`, {
        token: manager.token,
      });
      if (ok.status !== 200) throw new Error(`approve: ${ok.status} ${ok.text}`);
    }
    out.push({ ...b, registrationId: reg.json.id, bidderCode: reg.json.bidderCode });
  }
  return out;
}

/** Reads the whole public ledger of a lot, page by page. */
export async function readLedger(call: Call, lotId: number, pageSize = 200): Promise<Json[]> {
  const all: Json[] = [];
  for (let after = 0; ;) {
    const res = await call('GET', `/api/lots/${lotId}/bids?after=${after}&limit=${pageSize}`);
    if (res.status !== 200) throw new Error(`ledger: ${res.status} ${res.text}`);
    if (res.json.items.length === 0) return all;
    all.push(...res.json.items);
    after = res.json.items.at(-1).seq;
  }
}

/**
 * A lot that is live by the controlled clock: created and published at `clock.now()`, the bidders
 * registered and approved, then the clock moved to the start of bidding.
 */
export async function liveLot(
  t: { call: Call; clock: { now(): Date; advance(ms: number): void } },
  manager: Actor,
  bidders: Actor[],
  overrides: Record<string, unknown> = {},
): Promise<{ lot: Json; bidders: Registered[] }> {
  const lot = await publishedLot(t.call, manager, lotBody(t.clock.now(), overrides));
  const registered = await registerAndApprove(t.call, manager, lot.id, bidders);
  t.clock.advance(Date.parse(lot.startsAt) - t.clock.now().getTime());
  return { lot, bidders: registered };
}

/** Polls until `check` returns a value (the scheduler works in the background). */
export async function eventually<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The index of the ledger's first broken hash link, by the platform's own entry hash; -1 when it holds. */
export const brokenLink = (ledger: Json[]): number =>
  firstBrokenLink(ledger, (prev, e) => ledgerEntryHash(prev, { ...e, withdrawsSeq: e.withdrawsSeq ?? null }));

/** A lot's standing state as its row holds it (what a bid batch writes). */
export async function lotStanding(db: Db, lotId: number) {
  const [row] = await db
    .select({
      seq: lots.seq,
      bidCount: lots.bidCount,
      currentPrice: lots.currentPrice,
      leader: lots.leaderRegistrationId,
      lastHash: lots.lastHash,
      endsAt: lots.endsAt,
    })
    .from(lots)
    .where(eq(lots.id, lotId));
  return row;
}
