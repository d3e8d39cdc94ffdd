// Support for storm and crash tests against real server processes: a prepared database (PGlite data
// directory or a fresh PostgreSQL database) with a manager granted before the server starts, a
// client that fires bids over real HTTP, and the ledger checks every storm ends with.
import type { Json } from '../support/json.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { expect } from 'vitest';
import { openDatabase } from '../../db/client.ts';
import { organisationManagers, people, roleGrants } from '../../db/schema.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';
import { firstBrokenLink, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { newPid, type TestIdp } from '../support/eid.ts';
import { sealPerson } from '../../server/privacy/personal-data.ts';
import type { Actor, Call } from '../auctions/factories.ts';

export interface PreparedDb {
  env: Record<string, string>;
  manager: Actor;
  drop(): Promise<void>;
}

/** A migrated database for server processes, with one manager already granted. */
export async function prepareDatabase(idp: TestIdp): Promise<PreparedDb> {
  const pid = newPid();
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  if (onPostgres()) {
    const pg = await createPostgresDatabase();
    env = { DATABASE_URL: pg.url };
    drop = pg.drop;
  } else {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'auction-storm-'));
    env = { DATA_DIR: dataDir };
    drop = async () => fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const database = await openDatabase(
    env.DATABASE_URL
      ? { url: env.DATABASE_URL, poolSize: 1 }
      : { dataDir: env.DATA_DIR, loadDataDir: new Blob([fs.readFileSync(inject('pgliteSnapshot'))]) },
  );
  await database.migrate();
  // The manager's row under their person key, their number and name sealed (the token names the 12 digits).
  const sealed = sealPerson({ pid, name: 'Manager' });
  await database.db.insert(people).values({ ...sealed, level: 2 });
  await database.db.insert(roleGrants).values({ pid: sealed.pid, role: 'manager' });
  await database.db.insert(organisationManagers).values({ organisationId: DEFAULT_ORGANISATION_ID, pid: sealed.pid });
  await database.close();
  return {
    env: { ...idp.env(), CLOSE_POLL_MS: '200', ...env },
    manager: { pid, token: await idp.token({ sub: pid, loa: 2 }) },
    drop,
  };
}

export { caller } from '../support/http.ts';

export interface StormOutcome {
  accepted: { seq: number; amount: number; bidderCode: string }[];
  refused: Record<string, number>;
  /** Requests that got no answer (the server was killed). */
  unanswered: number;
}

/**
 * Each bidder fires `bidsEach` bids one after another, all bidders at once; each bid is 1–20 steps
 * above the highest accepted amount this client has seen, so many race and some are refused.
 * `bases` spreads bidders over several servers. `stopWhen` ends the storm early (crash tests).
 */
export async function storm(options: {
  bases: string[];
  lotId: number;
  bidders: Actor[];
  bidsEach: number;
  start: number;
  step: number;
  onAccepted?: (n: number) => void;
}): Promise<StormOutcome> {
  const out: StormOutcome = { accepted: [], refused: {}, unanswered: 0 };
  const started = performance.now();
  let highest = options.start - options.step;
  await Promise.all(
    options.bidders.map(async (b, i) => {
      const base = options.bases[i % options.bases.length];
      for (let n = 0; n < options.bidsEach; n++) {
        // Spread over a range of steps, as competing people would, so a batch accepts several.
        const amount = highest + options.step * (1 + Math.floor(Math.random() * 20));
        let res: Response;
        try {
          res = await fetch(`${base}/api/lots/${options.lotId}/bids`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${b.token}`,
              'content-type': 'application/json',
              'idempotency-key': crypto.randomUUID(),
            },
            body: JSON.stringify({ amount }),
          });
        } catch {
          out.unanswered++;
          return;
        }
        const json = (await res.json().catch(() => undefined)) as Json;
        if (res.status === 201) {
          out.accepted.push({ seq: json.seq, amount: json.amount, bidderCode: json.bidderCode });
          highest = Math.max(highest, json.amount);
          options.onAccepted?.(out.accepted.length);
        } else {
          const code = json?.error?.code ?? `HTTP ${res.status}`;
          out.refused[code] = (out.refused[code] ?? 0) + 1;
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `storm: ${options.bidders.length * options.bidsEach} bids in ${seconds.toFixed(1)} s over ${options.bases.length} process(es): ${out.accepted.length} accepted, refused ${JSON.stringify(out.refused)}, unanswered ${out.unanswered}`,
  );
  return out;
}

/** Reads the whole public ledger of a lot page by page. */
export async function ledgerOf(call: Call, lotId: number): Promise<Json[]> {
  const all: Json[] = [];
  for (let after = 0; ;) {
    const res = await call('GET', `/api/lots/${lotId}/bids?after=${after}&limit=1000`);
    expect(res.status).toBe(200);
    if (res.json.items.length === 0) return all;
    all.push(...res.json.items);
    after = res.json.items.at(-1).seq;
  }
}

/** The invariants of DESIGN.md §3 on a storm's ledger; `exact` when no answer was lost. */
export async function expectSoundLedger(
  call: Call,
  lotId: number,
  outcome: StormOutcome,
  options: { exact: boolean },
): Promise<Json[]> {
  const ledger = await ledgerOf(call, lotId);
  const bySeq = new Map(ledger.map((e) => [e.seq, e]));
  for (const a of outcome.accepted)
    expect(bySeq.get(a.seq), `accepted bid ${a.seq} is in the ledger`).toMatchObject({
      amount: a.amount,
      bidderCode: a.bidderCode,
      kind: 'bid',
    });
  if (options.exact) expect(ledger).toHaveLength(outcome.accepted.length);
  else expect(ledger.length - outcome.accepted.length).toBeLessThanOrEqual(outcome.unanswered);
  expect(ledger.map((e) => e.seq)).toEqual(ledger.map((_, i) => i + 1));
  for (let i = 1; i < ledger.length; i++) expect(ledger[i].amount).toBeGreaterThan(ledger[i - 1].amount);
  expect(
    firstBrokenLink(ledger, (prev, e) => ledgerEntryHash(prev, { ...e, withdrawsSeq: e.withdrawsSeq ?? null })),
  ).toBe(-1);
  const lot = (await call('GET', `/api/lots/${lotId}`)).json;
  expect(lot.currentPrice).toBe(ledger.at(-1)?.amount ?? null);
  expect(lot.seq).toBe(ledger.length);
  return ledger;
}

/**
 * Registers and approves bidders concurrently, a few at a time. Resolves false when registration
 * closed before all of them were in (a machine too loaded for the lot's window: try a longer one).
 */
export async function registerMany(call: Call, manager: Actor, lotId: number, bidders: Actor[]): Promise<boolean> {
  let closed = false;
  for (let i = 0; i < bidders.length && !closed; i += 10) {
    await Promise.all(
      bidders.slice(i, i + 10).map(async (b) => {
        const reg = await call('POST', `/api/lots/${lotId}/registrations`, { token: b.token, body: {} });
        if (reg.status === 409 && reg.json?.error?.reason === 'registration_closed') {
          closed = true;
          return;
        }
        expect(reg.status, reg.text).toBe(201);
        const ok = await call('POST', `/api/lots/${lotId}/registrations/${reg.json.id}/approve`, {
          token: manager.token,
        });
        expect(ok.status, ok.text).toBe(200);
      }),
    );
  }
  return !closed;
}

export const sleepUntil = (at: number): Promise<void> =>
  new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));
