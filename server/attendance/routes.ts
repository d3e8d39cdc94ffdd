// HTTP routes for attendance (issue 18): a lot's attendance for its manager, regulators and admins, and
// the manager's (or an admin's) decision on a no-show held for force majeure. Like the other staff
// POSTs of a lot, a cookie-authenticated decision carries the session's CSRF token (the auth
// middleware checks it); access is decided before the body is validated (lot-access.ts).
import { createRoute } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { signedIn } from '../identity/auth-middleware.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import { unwrap } from '../shared/errors.ts';
import { LotIdParam, pathId } from '../shared/validation.ts';
import { decideNoShow, readAttendance } from './service.ts';
import { AttendanceEntrySchema, AttendanceSchema, NoShowDecisionSchema } from './schemas.ts';

const tags = ['attendance'];
const security = [{ eid: [] }];
const NoShowParams = LotIdParam.extend({ rid: pathId('rid') });

export function attendanceRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/attendance',
      ...lotAccess(ctx, 'manager-of-lot|regulator|admin'),
      tags,
      security,
      summary: "A lot's attendance per bidder code (its manager, regulators, admins)",
      description:
        'Every registration by bidder code (never the person): its first and last presence in the bidding window (a signed-in watch of the lot, a view of its page, GET /api/lots/{id}, or a bid; the last within about 30 s), the bids it placed in the public ledger, and, after the close, its no-show state: approved bidders never present are `forfeited` (Art. 39; NO_SHOW_FORFEIT on), `held` when the lot had a technical suspension or shed bids in its window (force majeure: `decisionPending` until the manager decides) or `excused`.',
      request: { params: LotIdParam },
      responses: { 200: json(AttendanceSchema, 'The attendance'), ...errorResponses(401, 403, 404, 422) },
    }),
    async (c) => c.json(unwrap(await readAttendance(ctx, signedIn(c), c.req.valid('param').id)), 200),
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/no-shows/{rid}',
      ...lotAccess(ctx, 'manager-of-lot|admin'),
      tags,
      security,
      summary: 'Decide on a no-show held for force majeure (the lot’s manager or an admin)',
      description:
        '`rid`: the registration. `{decision: "forfeit"}` forfeits the deposit (its payment becomes `forfeited`); `{decision: "excuse"}` excuses the absence and makes the deposit due for refund within REFUND_DEADLINE_WORKING_DAYS working days, like a losing bidder’s. `note` (optional) is written to the audit trail with the decision. 409 `INVALID_STATE` (reason `no_show_not_held`) unless the registration is a held no-show.',
      request: {
        params: NoShowParams,
        body: { required: true, content: { 'application/json': { schema: NoShowDecisionSchema } } },
      },
      responses: {
        200: json(AttendanceEntrySchema, "The registration's attendance after the decision"),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await decideNoShow(ctx, signedIn(c), id, rid, c.req.valid('json'))), 200);
    },
  );

  return app;
}
