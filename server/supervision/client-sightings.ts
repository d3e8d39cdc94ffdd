// Clients seen per registration (issue 20, item 2: the `shared_client` signal's data). The bid path
// is hot (thousands of bids a second), so a sighting costs a map lookup where it happens (the HTTP bid
// route, the socket's bid and watch) and nothing else: each distinct (lot, person, whom they act for,
// address, device) is noted once, written with the others of its batch by a background flush, and
// not noted again for SIGHTING_REFRESH_MS after it was written. Repeated bids from one client make no
// database write at all. The flush resolves each sighting to the registrations it belongs to (a bid
// for oneself: the person's own registration; for an organisation: that organisation's registration,
// which the person registered or acted for; a watch: every registration of the lot the person
// registered or acted for) and upserts one row per registration, kind (address, device), client hash
// and person, moving first/last seen. A sighting that matches no registration (someone not
// registered) stores nothing and is noted again after its next sighting, at most once a flush.
// Only keyed hashes reach memory's batches and the database (./client-hash.ts).
import { requeueSpans, startPeriodicFlush, type PeriodicFlush } from '../shared/periodic-flush.ts';
import { sql } from 'drizzle-orm';
import { resultRows, type Db } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import { keyOf } from '../privacy/personal-data.ts';
import { isRowId } from '../shared/validation.ts';
import { hashClient, type ClientSeen } from './client-hash.ts';

/** How often the pending sightings are written. */
export const SIGHTING_FLUSH_MS = 2_000;
/** A sighting written is not noted again for this long (its last_seen_at is that coarse). */
export const SIGHTING_REFRESH_MS = 5 * 60_000;
/** Sightings kept in memory while the database cannot take them. */
const MAX_PENDING = 100_000;

/** Whom the person acted as: themselves (`own`), an organisation (its e-ID identifier), or unknown (a watch). */
export type ActingAs = { as: 'own' } | { as: 'organisation'; identifier: string } | { as: 'any' };

interface Sighting {
  lotId: number;
  pid: string;
  acting: ActingAs;
  address: string;
  device: string | null;
  first: number;
  last: number;
}

const actingKey = (a: ActingAs): string => (a.as === 'organisation' ? `o:${a.identifier}` : a.as);

export class SightingLog {
  private pending = new Map<string, Sighting>();
  /** Sightings written, by key → when (ms): not noted again until SIGHTING_REFRESH_MS later. */
  private readonly written = new Map<string, number>();
  private dropped = 0;
  /** Sightings queued for writing since the start (a repeated sighting queues nothing). */
  private noted = 0;

  /** Notes that a signed-in person bid or watched on a lot from a client (cheap: hashes and a map lookup). */
  seen(lotId: number, pid: string, acting: ActingAs, client: ClientSeen, at: Date): void {
    if (!isRowId(lotId)) return;
    const hashes = hashClient(lotId, client);
    const key = `${lotId}|${pid}|${actingKey(acting)}|${hashes.address}|${hashes.device ?? ''}`;
    const t = at.getTime();
    const p = this.pending.get(key);
    if (p) {
      p.first = Math.min(p.first, t);
      p.last = Math.max(p.last, t);
      return;
    }
    const last = this.written.get(key);
    if (last !== undefined && t >= last && t - last < SIGHTING_REFRESH_MS) return;
    if (this.pending.size >= MAX_PENDING) {
      this.dropped++;
      return;
    }
    this.noted++;
    this.pending.set(key, {
      lotId,
      pid,
      acting,
      address: hashes.address,
      device: hashes.device ?? null,
      first: t,
      last: t,
    });
  }

  /** Sightings waiting to be written, queued since the start, and lost because memory was full (logs and tests). */
  stats(): { pending: number; noted: number; dropped: number } {
    return { pending: this.pending.size, noted: this.noted, dropped: this.dropped };
  }

  /** Writes every pending sighting in one statement; on failure they are kept for the next flush. */
  async flush(db: Db, now: Date): Promise<number> {
    if (this.pending.size === 0) return 0;
    const batch = [...this.pending];
    this.pending = new Map();
    let stored: Set<number>;
    try {
      stored = await writeSightings(
        db,
        batch.map(([, s]) => s),
      );
    } catch (err) {
      requeueSpans(this.pending, batch);
      throw err;
    }
    batch.forEach(([key, s], i) => {
      if (stored.has(i)) this.written.set(key, Math.max(s.last, this.written.get(key) ?? 0));
    });
    const horizon = now.getTime() - SIGHTING_REFRESH_MS;
    for (const [key, t] of this.written) if (t < horizon) this.written.delete(key);
    return batch.length;
  }
}

/**
 * One statement: each sighting onto the registrations it belongs to, for the address and (when the
 * client had one) the device. Returns the indexes of the sightings that matched a registration.
 */
async function writeSightings(db: Db, rows: Sighting[]): Promise<Set<number>> {
  const json = JSON.stringify(
    rows.map((s, i) => ({
      i,
      lot_id: s.lotId,
      pid: s.pid,
      person_hash: keyOf(s.pid),
      acting: s.acting.as,
      organisation: s.acting.as === 'organisation' ? s.acting.identifier : null,
      address: s.address,
      device: s.device,
      first: new Date(s.first).toISOString(),
      last: new Date(s.last).toISOString(),
    })),
  );
  const result = await db.execute(sql`
    with p as (
      select * from jsonb_to_recordset(${json}::jsonb) as p(i integer, lot_id integer, pid text, person_hash text,
        acting text, organisation text, address text, device text, first timestamptz, last timestamptz)
    ), matched as (
      select p.*, r.id as registration_id
        from p
        join registrations r on r.lot_id = p.lot_id
       where case p.acting
               when 'own' then r.pid = p.pid and r.bidder_organisation_id is null
               else (r.pid = p.pid
                     or exists (select 1 from registration_actors a where a.registration_id = r.id and a.pid = p.pid))
                    and (p.acting = 'any'
                         or r.bidder_organisation_id = (select o.id from bidder_organisations o where o.identifier = p.organisation))
             end
    ), clients as (
      select lot_id, registration_id, 'address' as kind, address as client_hash, person_hash, first, last from matched
      union all
      select lot_id, registration_id, 'device', device, person_hash, first, last from matched where device is not null
    ), stored as (
      insert into client_sightings (lot_id, registration_id, kind, client_hash, person_hash, first_seen_at, last_seen_at)
      select lot_id, registration_id, kind, client_hash, person_hash, min(first), max(last)
        from clients
       group by lot_id, registration_id, kind, client_hash, person_hash
      on conflict (registration_id, kind, client_hash, person_hash) do update set
        first_seen_at = least(client_sightings.first_seen_at, excluded.first_seen_at),
        last_seen_at = greatest(client_sightings.last_seen_at, excluded.last_seen_at)
      returning 1
    )
    select distinct i from matched`);
  return new Set(resultRows<{ i: number }>(result).map((r) => Number(r.i)));
}

const logs = new WeakMap<AppContext, SightingLog>();

/** The sighting log of this platform (one per context: the HTTP routes and the socket gateway share it). */
export function sightingsOf(ctx: AppContext): SightingLog {
  let log = logs.get(ctx);
  if (!log) logs.set(ctx, (log = new SightingLog()));
  return log;
}

/** Notes a sighting for supervision; never throws into the bid path (a failure is logged and forgotten). */
export function noteClient(ctx: AppContext, lotId: number, pid: string, acting: ActingAs, client: ClientSeen): void {
  try {
    sightingsOf(ctx).seen(lotId, pid, acting, client, ctx.clock.now());
  } catch (err) {
    ctx.log.warn({ err, lotId }, 'supervision: a client sighting could not be noted');
  }
}

/** Writes the pending sightings every SIGHTING_FLUSH_MS while the database answers, and once more at stop. */
export function startSightingFlush(ctx: AppContext): PeriodicFlush {
  const log = sightingsOf(ctx);
  return startPeriodicFlush(ctx, {
    name: 'sighting flush',
    everyMs: SIGHTING_FLUSH_MS,
    write: () => log.flush(ctx.db, ctx.clock.now()),
    stats: () => log.stats(),
    failed: 'supervision: client sightings not written yet; kept for the next flush',
  });
}
