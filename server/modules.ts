// Wires the domain modules (auctions, bidding, records, audit, demo data) into the platform: their
// API routers and their background jobs. To add a domain, add its router to `routers` (one line).
import type { SealedBids } from './realtime/handlers.ts';
import type { AppContext } from './context.ts';
import type { ApiApp } from './http/app.ts';
import type { Identity } from './identity/index.ts';
import type { BidService } from './bidding/types.ts';
import { BidEngine } from './bidding/bid-engine.ts';
import { bidRoutes } from './bidding/bid-routes.ts';
import { lotRoutes } from './auctions/lot-routes.ts';
import { backfillLotSearch } from './auctions/lot-search-columns.ts';
import { registrationRoutes } from './auctions/registration-routes.ts';
import { createScheduler } from './auctions/scheduler.ts';
import { startShedFlush } from './bidding/shed-flush.ts';
import { startPresenceFlush } from './attendance/presence.ts';
import { writeFaultsBeforeClose } from './attendance/no-shows.ts';
import { createBidAdmission, type BidAdmission } from './bidding/admission.ts';

export interface DomainModules {
  routers: { path: string; app: ApiApp }[];
  /** The bid path, shared by the HTTP routes and the socket.io gateway. */
  bids: BidService;
  /** The same engine with withdrawals, exclusive per-lot tasks and batch statistics. */
  engine: BidEngine;
  /** The door new bids pass first, over HTTP and sockets (sheds a share while the process cannot keep up). */
  admission: BidAdmission;
  /** Sealed bids, for the socket.io gateway (the HTTP route is among the routers). */
  sealed: SealedBids;
  /** Starts background jobs (the closing scheduler, the demo keeper) once the server listens. */
  start(): void;
  stop(): Promise<void>;
}

export async function createDomainModules(ctx: AppContext, identity: Identity): Promise<DomainModules> {
  // Lots written before the catalogue search columns existed get them before the catalogue is served.
  await backfillLotSearch(ctx.db, ctx.log);
  // Lot documents signed before the transparency log existed become its first leaves (issue 20).
  await (await import('./transparency/backfill.ts')).backfillLogLeaves(ctx);
  const engine = new BidEngine(ctx);
  const admission = createBidAdmission({ targetLagMs: ctx.config.limits.overloadLagMs, shedLog: engine.shedLog });
  const scheduler = createScheduler(ctx, engine);
  const shedFlush = startShedFlush(ctx, engine.shedLog);
  const presenceFlush = startPresenceFlush(ctx);
  writeFaultsBeforeClose(ctx, () => shedFlush.flush());
  const records = await (await import('./records/index.ts')).createRecords(ctx);
  const jobs = (await import('./jobs/index.ts')).createJobs(ctx);
  const notifications = (await import('./notifications/index.ts')).createNotifications(ctx);
  // Live supervision (issue 20): its routes, and the flush of the client sightings the bid path notes.
  const supervision = (await import('./supervision/index.ts')).createSupervision(ctx);
  // Personal data at rest (issue 20): the shredding sweep, the rewrap after a rotation, the admins' view.
  const privacy = await (await import('./privacy/index.ts')).createPrivacy(ctx);
  const routers: { path: string; app: ApiApp }[] = [
    // Auction organisations as tenants, their managers and regulators' scopes (issue 19).
    {
      path: '/',
      app: (await import('./organisations/organisation-routes.ts')).organisationRoutes(ctx, {
        personCache: identity.personCache,
      }),
    },
    // Organisations as bidders: authorisation documents and relatedness flags (issue 19, part 2).
    { path: '/', app: (await import('./organisations/authorisation-routes.ts')).authorisationRoutes(ctx) },
    { path: '/', app: (await import('./eligibility/eligibility-routes.ts')).eligibilityRoutes(ctx) },
    { path: '/', app: (await import('./eligibility/relatedness-routes.ts')).relatednessRoutes(ctx) },
    { path: '/', app: lotRoutes(ctx) },
    { path: '/', app: registrationRoutes(ctx) },
    { path: '/', app: bidRoutes(ctx, engine) },
    { path: '/', app: (await import('./media/routes.ts')).mediaRoutes(ctx) },
    { path: '/', app: records.app },
    // The transparency log over every signed document's digest (issue 20).
    (await import('./transparency/index.ts')).createTransparency(ctx, records.service.key).router,
    (await import('./sealed/index.ts')).createSealed(ctx, records.service.key),
    // A technical suspension (on the lot's bid queue, signed with the record key) and its re-run (issue 18).
    {
      path: '/',
      app: (await import('./auctions/suspension-routes.ts')).suspensionRoutes(ctx, engine, records.service.key),
    },
    (await import('./results/index.ts')).createResults(ctx, records.service.key),
    await (await import('./payments/index.ts')).createPayments(ctx),
    (await import('./award/index.ts')).createAward(ctx, records.service.key),
    // Attendance and the decision on no-shows held for force majeure (issue 18).
    { path: '/', app: (await import('./attendance/routes.ts')).attendanceRoutes(ctx) },
    { path: '/', app: (await import('./calendar/calendar-routes.ts')).calendarRoutes(ctx) },
    jobs.router,
    // Webhooks to external systems: signed result notices and log digests, with retries (issue 20).
    (await import('./webhooks/index.ts')).createWebhooks(ctx),
    notifications.router,
    { path: '/', app: (await import('./demo/bank.ts')).demoBankRoutes(ctx) },
    supervision.router,
    privacy.router,
    // Who viewed my data: the signed-in person's identity reads by staff (issue 20).
    { path: '/', app: (await import('./identity/data-views-routes.ts')).dataViewRoutes(ctx) },
  ];
  const { submitSealedBid } = await import('./sealed/service.ts');
  const sealed: SealedBids = (person, lotId, amount, onBehalfOf) =>
    submitSealedBid(ctx, records.service.key, person, lotId, amount, onBehalfOf);
  const demo = await (
    await import('./demo/index.ts')
  ).createDemo(ctx, engine, {
    sealed: (c, person, lotId, amount) => submitSealedBid(c, records.service.key, person, lotId, amount),
  });
  return {
    routers,
    bids: engine,
    engine,
    admission,
    sealed,
    start() {
      scheduler.start();
      jobs.start();
      demo.start();
      notifications.start();
    },
    async stop() {
      await demo.stop();
      await jobs.stop();
      await notifications.stop();
      await scheduler.stop();
      await engine.drain();
      admission.close();
      await shedFlush.stop();
      await presenceFlush.stop();
      await supervision.stop();
      await records.close();
    },
  };
}
