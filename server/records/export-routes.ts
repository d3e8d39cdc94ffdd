// HTTP routes for the streamed bulk exports (regulators only): every ended lot of a period, and the
// audit log. Each export is itself an audit event, written before the first byte is sent: an identity
// read (issue 20) with the purpose stated (optional), under which the people of each page sent are
// indexed, so each of them sees the export in "who viewed my data".
import { createRoute, z } from '@hono/zod-openapi';
import type { AppContext } from '../context.ts';
import type { AuditAction } from '../audit/audit-log.ts';
import { appendIdentityRead } from '../audit/identity-reads.ts';
import { OptionalPurposeQuery } from '../http/same-site.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses } from '../http/openapi.ts';
import { access, requireRole } from '../identity/auth-middleware.ts';
import type { Person } from '../identity/person.ts';
import { auditExport, exportRequester, lotsExport, type ExportFormat, type ExportRequest } from './exports.ts';
import { sameSiteOnly } from './routes.ts';
import type { SigningKey } from './signing-keys.ts';
import { isOrderedWindow, periodBound } from '../shared/validation.ts';
import { refuse, unwrap } from '../shared/errors.ts';

const format = z
  .enum(['ndjson', 'csv'], { error: 'ndjson or csv' })
  .default('ndjson')
  .openapi({ param: { name: 'format', in: 'query' } });

const LotsQuery = z
  .object({ from: periodBound('from'), to: periodBound('to'), format, ...OptionalPurposeQuery.shape })
  .refine(isOrderedWindow, { message: 'must be after from', path: ['to'] });
const AuditQuery = z
  .object({
    from: periodBound('from').optional(),
    to: periodBound('to').optional(),
    format,
    ...OptionalPurposeQuery.shape,
  })
  .refine(isOrderedWindow, { message: 'must be after from', path: ['to'] });

const streamed = {
  description: 'The export, streamed',
  content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } },
};

const CONTENT_TYPE: Record<ExportFormat, string> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export function exportRoutes(ctx: AppContext, key: SigningKey): ApiApp {
  const app = createRouter();
  /** The export's identity read, before the first byte: who, why, when; its people are indexed as pages go. */
  const logExport = async (
    actor: Person,
    action: AuditAction,
    purpose: string | undefined,
    data: Record<string, unknown>,
    at: Date,
  ): Promise<ExportRequest> => {
    const requestedBy = exportRequester(actor, 'regulator');
    const read = await ctx.db.transaction((tx) =>
      appendIdentityRead(tx, {
        actorPid: actor.pid,
        action,
        lotId: null,
        purpose: purpose ?? null,
        subjectPids: [],
        streamed: true,
        role: 'regulator',
        at,
        data,
      }),
    );
    return { exportedAt: at, requestedBy, readId: read.id };
  };
  const stamp = (d: Date): string => d.toISOString().slice(0, 10);

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/lots',
      // Who may export is decided before what was asked for: an anonymous request with a bad period
      // is 401, not 422.
      ...access({ roles: ['regulator'] }, sameSiteOnly()),
      tags: ['records'],
      summary: 'Every ended lot of a period (regulators, streamed)',
      description:
        'Lots that closed, failed or were cancelled and whose bidding window ended in [from, to). `ndjson`: a header line, one full auction record per lot (same shape as the signed record), and a signed seal line covering every byte before it; `csv`: one summary row per lot with its final hash (UTF-8 with BOM). Streamed page by page. Before a lot is exported its registrations and result are checked against the audit chain: a lot whose rows contradict it (a registration that no longer names the person chained when it was made, a result other than the one its close chained) is exported as `{"type":"record-refused","lotId","reason"}` (NDJSON; verification then reports the export invalid) or with `integrity` = `refused: …` and no winner (CSV), and the refusal is written to the audit log as `record.refused`. Issue 20: the header (version 2) and the seal name who requested the export (`requestedBy`) and when (`exportedAt`), and every record names its requester too; the export is written to the audit log before the first byte (`record.exported`, with the optional `purpose`, null when not stated) and each person the sent records name (the CSV: each winner) sees it in GET /api/me/data-views. A lot whose people are past their identity retention (IDENTITY_RETENTION_DAYS after its records became final) is exported as `{"type":"record-withheld","lotId","reason":"identity_retention_expired","finalAt"}` (the export stays valid) or as a CSV row without the winner (`integrity` = `withheld: …`).',
      security: [{ eid: [] }],
      request: { query: LotsQuery },
      responses: { 200: streamed, ...errorResponses(401, 403, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'regulator');
      const q = c.req.valid('query');
      const at = ctx.clock.now();
      const request = await logExport(
        person,
        'record.exported',
        q.purpose,
        { scope: 'period', from: q.from.toISOString(), to: q.to.toISOString(), format: q.format },
        at,
      );
      c.header('content-disposition', `attachment; filename="lots-${stamp(q.from)}-${stamp(q.to)}.${q.format}"`);
      c.header('cache-control', 'no-store');
      const scope = person.scope?.organisations ?? null;
      return c.body(lotsExport(ctx, key, { from: q.from, to: q.to }, q.format, request, scope), 200, {
        'content-type': CONTENT_TYPE[q.format],
      }) as never;
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/records/audit',
      ...access({ roles: ['regulator'] }, sameSiteOnly()),
      tags: ['records'],
      summary: 'The audit log (regulators, streamed)',
      description:
        'Every audit event (optionally those of a period, as one contiguous stretch of the chain) with its hash chain. `ndjson` starts with a header whose `previousHash` is the hash the first event links to (the genesis hash when the export starts at the beginning) and ends with a signed seal; `csv` has one row per event (UTF-8 with BOM). Events of chain version 2 (`v: 2`) chain keyed hashes of the people involved (`actorHash`, `subjectHash`: HMAC-SHA256 under the platform\'s person-hash key), never their personal ids: the clear `actorPid` and `subject` beside them are for regulators and are not covered by the chain. The NDJSON export also checks the database against the chain while it is written: after each page of events, a line `{"type":"integrity-problem","eventId","lotId","reason"}` names every registration, lot result or clear actor that no longer matches what an event chained, and verification reports such an export invalid. The header (version 2) and the seal name who requested the export (`requestedBy`) and when; the export is an identity read (`audit.exported`, with the optional `purpose`) and every person whose personal id the sent events show sees it in GET /api/me/data-views. Verify either with POST /api/records/verify or `npm run verify-record`.',
      security: [{ eid: [] }],
      request: { query: AuditQuery },
      responses: { 200: streamed, ...errorResponses(401, 403, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'regulator');
      // The audit log is one chain for the whole platform: only a country-wide regulator exports it.
      if (person.scope) unwrap(refuse('outside_scope', { province: person.scope.province }));
      const q = c.req.valid('query');
      const at = ctx.clock.now();
      const request = await logExport(
        person,
        'audit.exported',
        q.purpose,
        { from: q.from?.toISOString() ?? null, to: q.to?.toISOString() ?? null, format: q.format },
        at,
      );
      c.header('content-disposition', `attachment; filename="audit-log-${stamp(at)}.${q.format}"`);
      c.header('cache-control', 'no-store');
      const stream = await auditExport(ctx, key, { from: q.from, to: q.to }, q.format, request);
      return c.body(stream, 200, { 'content-type': CONTENT_TYPE[q.format] }) as never;
    },
  );
  return app;
}
