// Lots of the other auction methods (issue 16) for the browser journeys, made through the API as a
// manager would: the terms of ./lots.ts with a method and its parameters, published, bidders registered
// with their deposits confirmed, and the wait until bidding opens by the server clock.
import { expect } from 'vitest';
import { iso, type Session } from './browser.ts';
import { LOT_TERMS, registerApproved, untilLive } from './lots.ts';

export type MethodTerms =
  | { method: 'descending'; intervalSeconds: number; floorPrice: number }
  | { method: 'sealed'; tieBreak: 'earliest' | 'round'; replaceable: boolean }
  | { method: 'ascending'; rounds: { max: number; seconds: number; triggerSeconds: number } };

/**
 * A published lot of this method whose bidding opens `startIn` ms from now (a descending lot's end
 * is its schedule's; the others end `lasts` ms after the start), with these bidders approved; resolves
 * once bidding is open, with the lot's id and the bidders' codes (in order).
 */
export async function liveMethodLot(
  manager: Session,
  title: string,
  terms: MethodTerms,
  bidders: Session[],
  options: {
    startIn?: number;
    lasts?: number;
    /** Runs once the bidders are registered, before bidding starts (open the pages that must see the start). */
    beforeLive?: (id: number) => Promise<void>;
  } = {},
): Promise<{ id: number; codes: string[]; startsAt: string; endsAt: string }> {
  // Creating, publishing and registering take well under a second: four seconds leave room on a loaded machine.
  const startIn = options.startIn ?? 4_000;
  const created = await manager.api<{ id: number; startsAt: string; endsAt: string; method: string }>(
    'POST',
    '/api/lots',
    {
      title,
      description: 'Lô kiểm thử tự động (phương thức đấu giá).',
      category: 'licence-plate',
      ...LOT_TERMS,
      registrationOpensAt: iso(-60_000),
      registrationClosesAt: iso(startIn),
      startsAt: iso(startIn),
      ...(terms.method === 'descending' ? {} : { endsAt: iso(startIn + (options.lasts ?? 30 * 60_000)) }),
      ...terms,
    },
  );
  expect(created.status, JSON.stringify(created.json)).toBe(201);
  expect(created.json.method).toBe(terms.method);
  const id = created.json.id;
  expect((await manager.api('POST', `/api/lots/${id}/publish`)).status).toBe(200);
  const codes: string[] = [];
  for (const bidder of bidders) codes.push(await registerApproved(manager, bidder, id));
  await options.beforeLive?.(id);
  await untilLive(manager, id);
  return { id, codes, startsAt: created.json.startsAt, endsAt: created.json.endsAt };
}

/** Resolves at `at` (ISO) plus `afterMs`, by this machine's clock (the server's, on one machine). */
export function until(at: string, afterMs = 0): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, Date.parse(at) - Date.now() + afterMs)));
}

/** The digits of a text ("40.000.000 ₫" → 40000000), for comparing amounts shown. */
export const amountIn = (text: string | null): number => Number((text ?? '').replace(/\D/g, ''));
