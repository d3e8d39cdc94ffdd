// Lots for the browser tests, made through the API as a manager would: created, published, bidders
// registered with their deposits confirmed, and (for a live lot) the wait until bidding opens by the
// server clock. Shared by the e2e files so that none keeps its own copy.
import { expect } from 'vitest';
import { iso, type Session } from './browser.ts';

/** When the windows open and close, in ms from now. */
export interface LotTimes {
  opens: number;
  closes: number;
  starts: number;
  ends: number;
}

export const LOT_TERMS = { startingPrice: 40_000_000, priceStep: 5_000_000, deposit: 8_000_000 } as const;

/** A published licence-plate lot (starting price 40.000.000, step 5.000.000, deposit 8.000.000). */
export async function createLot(
  manager: Session,
  title: string,
  times: LotTimes,
  description = 'Lô kiểm thử tự động.',
): Promise<number> {
  const created = await manager.api<{ id: number }>('POST', '/api/lots', {
    title,
    description,
    category: 'licence-plate',
    ...LOT_TERMS,
    registrationOpensAt: iso(times.opens),
    registrationClosesAt: iso(times.closes),
    startsAt: iso(times.starts),
    endsAt: iso(times.ends),
  });
  expect(created.status).toBe(201);
  expect((await manager.api('POST', `/api/lots/${created.json.id}/publish`)).status).toBe(200);
  return created.json.id;
}

/** Registers the bidder and confirms their deposit; returns their bidder code. */
export async function registerApproved(manager: Session, bidder: Session, lotId: number): Promise<string> {
  const reg = await bidder.api<{ id: number; bidderCode: string }>('POST', `/api/lots/${lotId}/registrations`, {
    acceptRules: true,
  });
  expect(reg.status).toBe(201);
  expect((await manager.api('POST', `/api/lots/${lotId}/registrations/${reg.json.id}/approve`)).status).toBe(200);
  return reg.json.bidderCode;
}

/** Resolves once bidding on the lot has opened by the server clock. */
export async function untilLive(session: Session, lotId: number): Promise<void> {
  const lot = await session.api<{ startsAt: string }>('GET', `/api/lots/${lotId}`);
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lot.json.startsAt) - Date.now() + 300)));
}

/**
 * A lot whose bidding opens `startIn` ms from now and lasts `lasts` ms, with these bidders approved;
 * resolves once bidding is open, with the lot's id and the bidders' codes (in order).
 */
export async function liveLot(
  manager: Session,
  title: string,
  bidders: Session[],
  options: { startIn?: number; lasts?: number; description?: string } = {},
): Promise<{ id: number; codes: string[] }> {
  const startIn = options.startIn ?? 8_000;
  const id = await createLot(
    manager,
    title,
    { opens: -60_000, closes: startIn, starts: startIn, ends: startIn + (options.lasts ?? 30 * 60_000) },
    options.description,
  );
  const codes: string[] = [];
  for (const bidder of bidders) codes.push(await registerApproved(manager, bidder, id));
  await untilLive(manager, id);
  return { id, codes };
}
