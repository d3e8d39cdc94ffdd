// HTTP routes for registrations: register for a lot, the manager's approval (deposit received), the
// lot's registration list for its manager and regulators (identities to the manager only once the
// lot has ended), the manager's explicit, audited read of one identity, and a person's own
// registrations.
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { fieldCode, fieldErrorsOf } from '../shared/field-errors.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { OptionalPurposeQuery, PurposeQuery as IdentityQuery, sameSiteOnly } from '../http/same-site.ts';
import { access, requireRole, signedIn } from '../identity/auth-middleware.ts';
import { lotAccess } from './lot-access.ts';
import { AppError, invalid, unwrap } from '../shared/errors.ts';
import { LotIdParam, OrganisationIdentifier, pathId, RowId } from '../shared/validation.ts';
import { ORGANISATION_ROLES } from '../../db/schema.ts';
import { approve, markRefunded, register } from './registration-service.ts';
import { listLotRegistrations, myRegistrations } from './registration-reads.ts';
import { readRegistrationIdentity } from './registration-identity.ts';
import { rejectRegistration } from './registration-rejection.ts';
import { StatedReason } from '../organisations/authorisation-schemas.ts';
import { ManualDepositBodySchema } from '../payments/payment-schemas.ts';
import {
  DepositReceivedSchema,
  LotRegistrationListSchema,
  MyRegistrationListSchema,
  RegistrationIdentitySchema,
  RegistrationSchema,
} from './registration-schemas.ts';

const tags = ['registrations'];
const security = [{ eid: [] }];

const RegisterBody = z
  .object({
    acceptRules: z
      .literal(true)
      .optional()
      .openapi({ description: 'Registering means accepting the published rules: send true.' }),
    rulesVersion: RowId()
      .optional()
      .openapi({ description: 'The version of the rules the person read; refused if the rules changed since.' }),
    onBehalfOf: z
      .object({
        identifier: OrganisationIdentifier(),
        name: z
          .string()
          .trim()
          .min(1)
          .max(200)
          // eslint-disable-next-line no-control-regex -- control characters are what it refuses
          .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), fieldCode('CONTAINS_CONTROL'))
          .optional(),
        role: z.enum(ORGANISATION_ROLES).optional(),
      })
      .strict()
      .optional()
      .openapi({
        description:
          'Register an organisation (issue 19), by its e-ID identifier (tax code). When the person’s e-ID token says they act for it (organisation claims), that is the authority; otherwise give `name` and `role` and upload an authorisation document for the lot’s manager to approve (PUT …/registrations/{rid}/authorisation).',
      }),
  })
  .strict()
  .openapi('RegisterForLot');
const RegParams = LotIdParam.extend({ rid: pathId('rid') });
const RejectBody = z.object({ reason: StatedReason() }).strict().openapi('RejectRegistration');

export function registrationRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations',
      ...access('level-2'),
      tags,
      security,
      summary: 'Register for a lot (level 2), accepting its published rules',
      request: { params: LotIdParam },
      description:
        'Optional body: `{acceptRules: true, rulesVersion}` (RegisterForLot); with rulesVersion, refused when the rules changed since.',
      responses: {
        201: json(RegistrationSchema, 'Registered; the deposit is pending'),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      // The body is optional (an empty POST registers too), so it is parsed here rather than by the route.
      const text = await c.req.text();
      let raw: unknown = {};
      if (text.trim()) {
        try {
          raw = JSON.parse(text);
        } catch {
          throw AppError.of('body_not_json');
        }
      }
      const parsed = RegisterBody.safeParse(raw);
      if (!parsed.success) throw AppError.from(invalid(fieldErrorsOf(parsed.error, raw)));
      return c.json(unwrap(await register(ctx, person, c.req.valid('param').id, parsed.data)), 201);
    },
  );

  // The approve route's optional body is parsed in the handler (a v1 client sends none): documented by name.
  app.openAPIRegistry.register('ManualDeposit', ManualDepositBodySchema);
  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/approve',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: "The lot's manager records the deposit received; received in full, the registration may bid",
      description:
        'Body (ManualDeposit): `{amount, bankReference, paidAt?, confirm: true}`: the amount the bank credited and its reference, recorded as a `manual` credit and matched like a bank notification (accepted toward the deposit, held for overpayment or a barred payer, late with a paidAt after the due time). Without `confirm: true` the answer is 422 `confirmation_required` saying what would be recorded, and nothing is. The same bankReference again answers the first outcome. An empty body keeps the v1 meaning: the outstanding deposit received, without a bank reference. A manual entry can be reversed until bidding starts: POST /api/payments/credits/{id}/reversal.',
      request: { params: RegParams },
      responses: {
        200: json(DepositReceivedSchema, 'Recorded; the registration with its payment, and the credit'),
        ...errorResponses(400, 401, 403, 404, 409, 422),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      // The body is optional (a v1 client sends none), so it is parsed here rather than by the route.
      const text = await c.req.text();
      if (!text.trim()) return c.json(unwrap(await approve(ctx, person, id, rid)), 200);
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        throw AppError.of('body_not_json');
      }
      // `{}` is how some clients send "no body": the v1 meaning too.
      if (raw && typeof raw === 'object' && !Array.isArray(raw) && Object.keys(raw).length === 0)
        return c.json(unwrap(await approve(ctx, person, id, rid)), 200);
      const parsed = ManualDepositBodySchema.safeParse(raw);
      if (!parsed.success) throw AppError.from(invalid(fieldErrorsOf(parsed.error, raw)));
      const { paidAt, ...details } = parsed.data;
      return c.json(
        unwrap(await approve(ctx, person, id, rid, { ...details, ...(paidAt ? { paidAt: new Date(paidAt) } : {}) })),
        200,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/refund',
      ...lotAccess(ctx, 'manager-of-lot'),
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
    createRoute({
      method: 'post',
      path: '/lots/{id}/registrations/{rid}/reject',
      ...lotAccess(ctx, 'manager-of-lot'),
      tags,
      security,
      summary: "The lot's manager rejects a registration, stating why (before bidding starts)",
      description:
        'Body `{reason}` (10–500 characters). Only before bidding starts, for a registration pending its deposit or authorisation, or approved (else 409 `registration_not_rejectable` with its `status`). A deposit received is due for refund as a losing bidder’s is. Audited (`registration.rejected`); the registrant is told.',
      request: {
        params: RegParams,
        body: { required: true, content: { 'application/json': { schema: RejectBody } } },
      },
      responses: { 200: json(RegistrationSchema, 'Rejected'), ...errorResponses(400, 401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await rejectRegistration(ctx, person, id, rid, c.req.valid('json').reason)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/registrations',
      tags,
      security,
      ...lotAccess(ctx, 'manager-of-lot|regulator', sameSiteOnly()),
      summary: "A lot's registrations (its manager, regulators)",
      description:
        'Regulators get every registration with the person behind the bidder code (`pid`, `name`) and the manager\'s explicit identity reads, in every lot status. The lot\'s manager gets the bidder code, status, deposit state and `payment` only (`identities: "hidden"`; the payment’s `reference` identifies the deposit transfer) until the lot has ended (`closed`, `failed` or `cancelled`), and identities after that. Every read that shows identities is written to the audit log (actor, lot, the optional `purpose` stated, null when none, and every person shown, who see it in GET /api/me/data-views). Once the lot\'s records are final (`retention.finalAt`) identities stay readable for IDENTITY_RETENTION_DAYS (until `retention.identitiesReadableUntil`); after that everyone gets bidder codes only (`identities: "hidden"`). Cross-site browser requests are refused (403).',
      request: { params: LotIdParam, query: OptionalPurposeQuery },
      responses: {
        200: json(LotRegistrationListSchema, 'Registrations; identities as described'),
        ...errorResponses(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const person = signedIn(c);
      const { purpose } = c.req.valid('query');
      return c.json(unwrap(await listLotRegistrations(ctx, person, c.req.valid('param').id, purpose ?? null)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/registrations/{rid}/identity',
      tags,
      security,
      ...lotAccess(ctx, 'manager-of-lot', sameSiteOnly()),
      summary: "The lot's manager reads one registration's identity, stating why (audited)",
      description:
        "Before a lot has ended its manager sees bidder codes only. Where the manager must know who one registration is (reviewing an authorisation document, an eligibility question), this reads that one registration's `pid` and `name`. `purpose` (10–500 characters, no control characters) is required (422 without it); the read is written to the audit log (actor, registration, purpose, time) in the same transaction, and regulators see it in the lot's registrations (`identityReads`), its audit history and its record. Only the lot's manager (other managers and every other role: 403). Cross-site browser requests are refused (403).",
      request: { params: RegParams, query: IdentityQuery },
      responses: {
        200: json(RegistrationIdentitySchema, 'The identity, as audited'),
        ...errorResponses(401, 403, 404, 422),
      },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, rid } = c.req.valid('param');
      return c.json(unwrap(await readRegistrationIdentity(ctx, person, id, rid, c.req.valid('query').purpose)), 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/me/registrations',
      ...access('signed-in'),
      tags,
      security,
      summary: 'My registrations, bids and outcomes',
      responses: { 200: json(MyRegistrationListSchema, 'Newest first'), ...errorResponses(401) },
    }),
    async (c) => c.json({ items: await myRegistrations(ctx, signedIn(c)) }, 200),
  );
  return app;
}
