// Factories for sealed-lot tests: a sealed lot created and published through the API, its bidders
// registered and approved; the clock moved to its start and past its end; receipts verified.
import { eq } from 'drizzle-orm';
import { createLocalJWKSet, compactVerify } from 'jose';
import { lots } from '../../db/schema.ts';
import type { Db } from '../../db/client.ts';
import { CLOSE_GRACE_MS } from '../../server/auctions/closing.ts';
import type { ManualClock } from '../../server/shared/clock.ts';
import {
  eventually,
  lotBody,
  publishedLot,
  registerAndApprove,
  type Actor,
  type Registered,
} from '../auctions/factories.ts';
import type { Answer, Call } from '../support/http.ts';
import type { Json } from '../support/json.ts';

export interface SealedOptions {
  tieBreak?: 'earliest' | 'round';
  replaceable?: boolean;
  /** Fields of the lot body (lotBody). */
  body?: Record<string, unknown>;
  /** Bidders registered but not approved. */
  pending?: Actor[];
}

interface World {
  call: Call;
  clock: ManualClock;
  db: Db;
}

/** A published sealed lot (bidding not yet open), its bidders registered and approved. */
export async function sealedLot(
  t: World,
  manager: Actor,
  bidders: Actor[],
  options: SealedOptions = {},
): Promise<{ lot: Json; bidders: Registered[]; pending: Registered[] }> {
  const lot = await publishedLot(
    t.call,
    manager,
    lotBody(t.clock.now(), {
      method: 'sealed',
      tieBreak: options.tieBreak ?? 'earliest',
      replaceable: options.replaceable ?? false,
      ...options.body,
    }),
  );
  const registered = await registerAndApprove(t.call, manager, lot.id, bidders);
  const pending = await registerAndApprove(t.call, manager, lot.id, options.pending ?? [], { approve: false });
  return { lot, bidders: registered, pending };
}

/** Moves the clock to the start of bidding. */
export function openBidding(clock: ManualClock, lot: Json): void {
  clock.set(Date.parse(lot.startsAt));
}

export function sealedBid(call: Call, bidder: Actor, lotId: number, amount: number): Promise<Answer> {
  return call('POST', `/api/lots/${lotId}/sealed-bids`, { token: bidder.token, body: { amount } });
}

/** The lot's end as the server holds it now (a tie round moves it). */
export async function endsAtOf(db: Db, lotId: number): Promise<Date> {
  const [row] = await db.select({ endsAt: lots.endsAt }).from(lots).where(eq(lots.id, lotId));
  return row.endsAt;
}

/**
 * Moves the clock past the lot's end and its grace and waits until the scheduler has acted: the lot
 * closed or failed, or (`until: 'round'`) the next tie round opened.
 */
export async function passTheEnd(t: World, lotId: number, until: 'end' | { round: number } = 'end'): Promise<Json> {
  const endsAt = await endsAtOf(t.db, lotId);
  t.clock.set(endsAt.getTime() + CLOSE_GRACE_MS + 1);
  return eventually(async () => {
    const [row] = await t.db.select().from(lots).where(eq(lots.id, lotId));
    if (until === 'end') return row.status === 'closed' || row.status === 'failed' ? row : undefined;
    return row.round >= until.round ? row : undefined;
  }, `lot ${lotId} past its end`);
}

/** Verifies a receipt with the platform's published keys; returns its payload. */
export async function verifyReceipt(call: Call, receipt: string): Promise<{ payload: Json; cty: unknown }> {
  const jwks = await call('GET', '/api/.well-known/jwks.json');
  const { payload, protectedHeader } = await compactVerify(receipt, createLocalJWKSet(jwks.json));
  return { payload: JSON.parse(new TextDecoder().decode(payload)), cty: protectedHeader.cty };
}
