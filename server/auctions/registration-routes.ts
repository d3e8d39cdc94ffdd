// HTTP routes for registrations: register for a lot, the manager's approval (deposit received), the
// lot's registration list for its manager and regulators, and a person's own registrations.
import { createRoute, z } from '@hono/zod-openapi';
import { DEPOSIT_STATES, LOT_STATUSES, REGISTRATION_STATUSES } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { createRouter, fieldErrors, type ApiApp } from '../http/app.ts';
import { errorResponses } from '../http/openapi.ts';
import { requireLevel2, requireRole, signedIn } from '../identity/auth-middleware.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { LotIdParam, MAX_INT32 } from './lot-schemas.ts';
import { approve, markRefunded, register } from './registration-service.ts';
import { listLotRegistrations, myRegistrations } from './registration-reads.ts';

const json = <T extends z.ZodType>(schema: T, description: string) => ({ description, content: { 'application/json': { schema } } });
const tags = ['registrations'];
const security = [{ eid: [] }];

const RegistrationSchema = z
  .object({ id: z.number().int(), lotId: z.number().int(), bidderCode: z.string(), status: z.enum(REGISTRATION_STATUSES), depositState: z.enum(DEPOSIT_STATES), rulesVersion: z.number().int(), rulesAcceptedAt: z.string() })
  .openapi('Registration');
const RegisterBody = z
  .object({
    acceptRules: z.literal(true, { error: 'registering means accepting the published rules: send true' }).optional(),
    rulesVersion: z.number().int('a rules version').positive('a rules version').max(MAX_INT32, 'a rules version').optional().openapi({ description: 'The version of the rules the person read; refused if the rules changed since.' }),
  })
  .strict()
  .openapi('RegisterForLot');
const RegParams = LotIdParam.extend({
  rid: z.coerce.number({ error: 'a registration id' }).int('a registration id').positive('a registration id').max(MAX_INT32, 'a registration id').openapi({ param: { name: 'rid', in: 'path' }, example: 1 }),
});
const LotRegistrationList = z
  .object({
    items: z.array(
      RegistrationSchema.omit({ lotId: true }).extend({ pid: z.string(), name: z.string().nullable(), createdAt: z.string(), approvedAt: z.string().nullable() }),
    ),
  })
  .openapi('LotRegistrations');
const MyRegistrationList = z
  .object({
    items: z.array(
      RegistrationSchema.extend({
        lot: z.object({ id: z.number().int(), title: z.string(), status: z.enum(LOT_STATUSES), startsAt: z.string(), endsAt: z.string(), currentPrice: z.number().int().nullable(), finalPrice: z.number().int().nullable() }),
        leading: z.boolean(),
        outcome: z.enum(['won', 'lost', 'cancelled']).nullable(),
        bids: z.array(z.object({ seq: z.number().int(), amount: z.number().int(), placedAt: z.string(), status: z.enum(['accepted', 'withdrawn']) })),
      }),
    ),
  })
  .openapi('MyRegistrations');

export function registrationRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations',
      tags,
      security,
      summary: 'Register for a lot (level 2), accepting its published rules',
      request: { params: LotIdParam },
      description: 'Optional body: `{acceptRules: true, rulesVersion}` (RegisterForLot); with rulesVersion, refused when the rules changed since.',
      responses: { 201: json(RegistrationSchema, 'Registered; the deposit is pending'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireLevel2(c);
      // The body is optional (an empty POST registers too), so it is parsed here rather than by the route.
      const text = await c.req.text();
      let raw: unknown = {};
      if (text.trim()) {
        try {
          raw = JSON.parse(text);
        } catch {
          throw new AppError('MALFORMED_REQUEST', 'The request body is not valid JSON.');
        }
      }
      const parsed = RegisterBody.safeParse(raw);
      if (!parsed.success) {
        const fields = fieldErrors(parsed.error);
        throw new AppError('VALIDATION_FAILED', `Invalid ${Object.keys(fields).join(', ')}.`, { fields });
      }
      return c.json(unwrap(await register(ctx, person, c.req.valid('param').id, parsed.data)), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/approve',
      tags,
      security,
      summary: "The lot's manager confirms the deposit; the registration may bid",
      request: { params: RegParams },
      responses: { 200: json(RegistrationSchema, 'Approved'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await approve(ctx, person, id, rid)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/refund',
      tags,
      security,
      summary: "The lot's manager records that a refundable deposit was paid back",
      request: { params: RegParams },
      responses: { 200: json(RegistrationSchema, 'Deposit refunded'), ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await markRefunded(ctx, person, id, rid)), 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/lots/{id}/registrations', tags, security, summary: "A lot's registrations (its manager, regulators)", request: { params: LotIdParam }, responses: { 200: json(LotRegistrationList, 'Registrations with personal ids'), ...errorResponses(401, 403, 404, 422) } }),
    async (c) => {
      const person = signedIn(c);
      return c.json({ items: unwrap(await listLotRegistrations(ctx, person, c.req.valid('param').id)) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/me/registrations', tags, security, summary: 'My registrations, bids and outcomes', responses: { 200: json(MyRegistrationList, 'Newest first'), ...errorResponses(401) } }),
    async (c) => c.json({ items: await myRegistrations(ctx, signedIn(c)) }, 200),
  );
  return app;
}
