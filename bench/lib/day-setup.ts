// The shift's lots, set up through the platform's real API as the storm's lot is (lib/platform.ts):
// a manager of the first organisation creates and publishes the lots, every person registers on
// their lots with their own token, and the manager approves every deposit; the bidding window starts
// once every lot is live. Registrations happen days before a real shift; here they run at the API's
// pace before the measured parts, with the bench's lifted rate limits (one manager approves
// thousands of deposits a minute).
import { api, inParallel, type Person } from './platform.ts';
import type { DayPlan } from './day-plan.ts';

export interface DaySetup {
  /** Lot ids by plan index. */
  lotIds: number[];
  /** Per lot (plan index): person index → registration id and bidder code. */
  registrations: Map<number, { id: number; bidderCode: string }>[];
  /** The last group's opening time: every lot is live from then on. */
  opensAt: Date;
  ms: { lotsMs: number; registerMs: number; approveMs: number; totalMs: number };
  /** Registrations and approvals per second through the API. */
  perSecond: { register: number; approve: number };
  groups: number;
}

/** Plate series and the province that issues them. */
const SERIES: [string, string][] = [
  ['51K', 'ho-chi-minh'],
  ['30K', 'ha-noi'],
  ['29A', 'ha-noi'],
  ['43A', 'da-nang'],
  ['65A', 'can-tho'],
  ['15K', 'hai-phong'],
  ['36A', 'thanh-hoa'],
];

function plateOf(i: number): { plate: string; province: string } {
  const [series, province] = SERIES[i % SERIES.length];
  const n = String((i * 7919 + 12345) % 100_000).padStart(5, '0');
  return { plate: `${series}-${n.slice(0, 3)}.${n.slice(3)}`, province };
}

/**
 * A call the platform answered 503 UNAVAILABLE (its 5 s request bound passed on a crowded machine, or
 * it shed the request) may or may not have been carried out: after its Retry-After, `recover` looks
 * whether it was (the registration exists, the deposit is approved) and the call is sent again only
 * if not, as a careful client would. Anything else fails the setup.
 */
async function settled<T>(call: () => Promise<T>, recover: () => Promise<T | undefined>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      const e = err as Error & { status?: number; retryAfter?: number };
      if (e.status !== 503 || attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, (e.retryAfter ?? 1) * 1000));
      const done = await recover();
      if (done !== undefined) return done;
    }
  }
}

interface MyRegistration {
  id: number;
  lotId: number;
  bidderCode: string;
  status: string;
}

/**
 * A lot's terms cannot change once its registration opens, so its opening time is fixed before its
 * people register. The lots are set up in groups, each opening a margin after the time its
 * registrations and approvals should take at the pace the API kept so far (`startRate` calls a
 * second for the first group): the last lot opens shortly after the last approval instead of after a
 * guess for the whole setup. Bidding starts only once every lot is live, so lots that opened a few
 * minutes earlier change nothing.
 */
export async function setUpDay(options: {
  base: string;
  plan: DayPlan;
  admin: Person;
  manager: Person;
  people: Person[];
  biddingMinutes: number;
  /** Lots per group. */
  groupSize: number;
  /** Calls (registrations + approvals) per second assumed for the first group. */
  startRate: number;
  width: number;
  log: (line: string) => void;
}): Promise<DaySetup> {
  const { base, plan, admin, manager, people } = options;
  const started = Date.now();
  await api(base, 'GET', '/api/me', manager.token);
  // A manager of the platform's first organisation (issue 19: adding one grants the manager role).
  const [organisation] = (await api<{ items: { id: number }[] }>(base, 'GET', '/api/organisations', undefined)).items;
  await api(base, 'POST', `/api/organisations/${organisation.id}/managers`, admin.token, { pid: manager.pid });

  const lotIds: number[] = new Array(plan.lots.length);
  const registrations = plan.lots.map(() => new Map<number, { id: number; bidderCode: string }>());
  const ms = { lotsMs: 0, registerMs: 0, approveMs: 0, totalMs: 0 };
  let rate = options.startRate;
  let opensAt = new Date();
  let calls = 0;
  let groups = 0;
  for (let first = 0; first < plan.lots.length; first += options.groupSize) {
    const group = plan.lots.slice(first, first + options.groupSize);
    // Round robin over the group's lots: a lot's registrations and approvals take its row lock one at a
    // time, so calls on different lots run side by side and calls on one lot would only queue.
    const pairs: { lot: number; person: number }[] = [];
    for (let r = 0; r < Math.max(...group.map((l) => l.registrants.length)); r++)
      for (const l of group) if (r < l.registrants.length) pairs.push({ lot: l.index, person: l.registrants[r] });
    const windowMs = 15_000 + (1.5 * (2 * pairs.length) * 1000) / rate;
    const lotsStarted = Date.now();
    opensAt = new Date(lotsStarted + windowMs);
    await inParallel(group, 8, async (l) => {
      const { plate, province } = plateOf(l.index);
      // A lot created twice (its first answer lost) leaves an extra lot nobody registers on: harmless.
      const create = (): Promise<{ id: number }> =>
        api<{ id: number }>(base, 'POST', '/api/lots', manager.token, {
          title: `Biển số ${plate} (phiên ${l.cls === 'hot' ? 'sôi động' : l.cls === 'warm' ? 'đều' : 'yên tĩnh'})`,
          description: `Biển số xe ô tô ${plate}: một lô của ca đấu giá trong benchmark (npm run bench -- --scenario day).`,
          category: 'licence-plate',
          province,
          startingPrice: l.rules.startingPrice,
          priceStep: l.rules.priceStep,
          deposit: Math.ceil(l.rules.startingPrice / 10),
          registrationOpensAt: new Date(started - 60_000).toISOString(),
          registrationClosesAt: opensAt.toISOString(),
          startsAt: opensAt.toISOString(),
          endsAt: new Date(opensAt.getTime() + options.biddingMinutes * 60_000).toISOString(),
        });
      const lot = await settled(create, async () => undefined);
      await settled(
        () => api(base, 'POST', `/api/lots/${lot.id}/publish`, manager.token),
        async () => {
          const now = await api<{ status: string }>(base, 'GET', `/api/lots/${lot.id}`, manager.token);
          return now.status === 'draft' ? undefined : now;
        },
      );
      lotIds[l.index] = lot.id;
    });
    ms.lotsMs += Date.now() - lotsStarted;
    const regStarted = Date.now();
    // Each token's first request also creates the person's record.
    const mine = async (lot: number, person: number): Promise<MyRegistration | undefined> =>
      (await api<{ items: MyRegistration[] }>(base, 'GET', '/api/me/registrations', people[person].token)).items.find(
        (r) => r.lotId === lotIds[lot],
      );
    await inParallel(pairs, options.width, async ({ lot, person }) => {
      const r = await settled(
        () =>
          api<{ id: number; bidderCode: string }>(
            base,
            'POST',
            `/api/lots/${lotIds[lot]}/registrations`,
            people[person].token,
            { acceptRules: true },
          ),
        () => mine(lot, person),
      );
      registrations[lot].set(person, { id: r.id, bidderCode: r.bidderCode });
    });
    ms.registerMs += Date.now() - regStarted;
    const approveStarted = Date.now();
    await inParallel(pairs, options.width, async ({ lot, person }) => {
      await settled(
        () =>
          api(
            base,
            'POST',
            `/api/lots/${lotIds[lot]}/registrations/${registrations[lot].get(person)!.id}/approve`,
            manager.token,
          ),
        async () => ((await mine(lot, person))?.status === 'approved' ? true : undefined),
      );
    });
    ms.approveMs += Date.now() - approveStarted;
    if (Date.now() >= opensAt.getTime())
      throw new Error(
        `lots ${first + 1}–${first + group.length} took longer to set up than their registration window (${Math.round(windowMs / 1000)} s): the API answered at ${rate} calls/s before; try a lower --setup-rate`,
      );
    calls += 2 * pairs.length;
    groups++;
    rate = Math.max(1, Math.round((calls / (ms.registerMs + ms.approveMs)) * 1000));
    options.log(
      `  lots ${first + 1}–${first + group.length} of ${plan.lots.length}: ${pairs.length} registrations and approvals (${rate} calls/s so far)`,
    );
  }
  ms.totalMs = Date.now() - started;
  const registrationsTotal = plan.lots.reduce((a, l) => a + l.registrants.length, 0);
  return {
    lotIds,
    registrations,
    opensAt,
    ms,
    perSecond: {
      register: Math.round((registrationsTotal / ms.registerMs) * 1000),
      approve: Math.round((registrationsTotal / ms.approveMs) * 1000),
    },
    groups,
  };
}

/** Waits until every lot reads as live (from startsAt by the server clock). */
export async function waitUntilLive(base: string, lotIds: number[], deadlineMs: number): Promise<void> {
  const deadline = Date.now() + deadlineMs;
  for (const id of lotIds)
    for (;;) {
      const l = await api<{ status: string }>(base, 'GET', `/api/lots/${id}`, undefined);
      if (l.status === 'live') break;
      if (Date.now() > deadline) throw new Error(`lot ${id} is still ${l.status} past its opening`);
      await new Promise((r) => setTimeout(r, 200));
    }
}
