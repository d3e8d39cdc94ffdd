// The records service: the record of one ended lot as signed JSON, CSV or PDF (each export logged in
// the audit trail), the published keys, and verification against them. A record whose rows contradict
// the audit chain (integrity.ts) is refused, never signed. The JSON and PDF records name the people
// behind the bidder codes: each is an identity read (server/audit/identity-reads.ts) of every
// registrant and everyone who acted for an organisation, names its requester (record version 5), and
// is refused once the lot's identities are past their retention (identity-retention.ts); the ledger
// CSV carries bidder codes only.
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { appendLogLeaf } from '../transparency/log-leaves.ts';
import { documentDigest } from './lot-document-digest.ts';
import { noteIdentityRead } from '../audit/identity-reads.ts';
import { identitiesReadable } from '../audit/identity-retention.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import { managesLot, overseesLot, regulatesLot } from '../auctions/lot-service.ts';
import { toCsv } from './csv.ts';
import { signFlattened, type FlattenedJws, type Jwks } from './jws.ts';
import { renderRecordPdf } from './pdf.ts';
import { auditRefusal, recordIntegrityProblem } from './integrity.ts';
import { findLot, loadDetails } from './queries.ts';
import { buildRecord, recordSubjectKeys } from './record.ts';
import { entryRounds } from './record-methods.ts';
import { isEnded } from '../auctions/rules/index.ts';
import { RECORD_CTY, type AuctionRecord } from './record-format.ts';
import type { SigningKey } from './signing-keys.ts';
import { LEDGER_CSV_COLUMNS } from './verify-export.ts';
import { verifyDocument, type DocumentKind } from './verify-document.ts';
import type { Verdict } from './verify.ts';
import { verifySignedDocument } from './verify-signed.ts';
import { lotMoney } from '../payments/refunds.ts';
import {
  MONEY_TRAIL_CTY,
  MONEY_TRAIL_TYPE,
  MONEY_TRAIL_VERSION,
  type MoneyTrailDocument,
} from './money-trail-format.ts';

export type RecordFormat = 'json' | 'csv' | 'pdf';

/** Where a record request came from, as the browser said (absent for API clients). */
export interface RequestOrigin {
  origin: string | null;
  fetchSite: string | null;
}

export type RecordExport =
  | { format: 'json'; jws: FlattenedJws; filename: string }
  | { format: 'csv' | 'pdf'; bytes: Uint8Array; contentType: string; filename: string };

export interface RecordService {
  key: SigningKey;
  /**
   * The record of an ended lot in the asked format; logs `record.viewed` with where the request came
   * from (JSON and PDF: an identity read, with the purpose stated).
   */
  exportRecord(
    actor: Person,
    lotId: number,
    format: RecordFormat,
    from?: RequestOrigin,
    purpose?: string | null,
  ): Promise<Result<RecordExport>>;
  jwks(): Promise<Jwks>;
  /**
   * The signed money trail of an ended lot (regulators, admins and the lot's manager): a later fact
   * naming the record by its final hash. Refused, and the refusal audited, when the record cannot be
   * issued or the trail does not add up. Logs `record.viewed` with format `money-trail`.
   */
  exportMoneyTrail(actor: Person, lotId: number, from?: RequestOrigin): Promise<Result<FlattenedJws>>;
  verify(bytes: Uint8Array, kind?: DocumentKind): Promise<Verdict>;
  verifyParsed(value: unknown): Promise<Verdict>;
}

/** The role a staff member reads a lot's record in. */
function readerRole(actor: Person, lot: Parameters<typeof managesLot>[1]): 'regulator' | 'manager' | 'admin' {
  return regulatesLot(actor, lot) ? 'regulator' : managesLot(actor, lot) ? 'manager' : 'admin';
}

/**
 * The ledger of one record as CSV: UTF-8 with a byte-order mark so spreadsheet programs read it as
 * UTF-8, every text cell formula-escaped (csv.ts).
 */
export function ledgerCsv(record: AuctionRecord): string {
  const rounds = entryRounds(record);
  const rows = record.ledger.map((e) => ({
    lotId: record.lot.id,
    seq: e.seq,
    placedAt: e.placedAt,
    kind: e.kind,
    amount: e.amount,
    bidderCode: e.bidderCode,
    withdrawsSeq: e.withdrawsSeq ?? '',
    status: e.status,
    method: record.policy.method,
    round: rounds.get(e.seq) ?? '',
    commitment: e.commitment ?? '',
    salt: e.salt ?? '',
    actorNo: e.actorNo ?? '',
    prevHash: e.prevHash,
    hash: e.hash,
  }));
  return toCsv(rows, { header: true, columns: [...LEDGER_CSV_COLUMNS] });
}

/**
 * @param jwks the published keys (signing-keys.ts: the configured and retired keys, or the generated
 *   ones in the demo)
 */
export function createRecordService(ctx: AppContext, key: SigningKey, jwks: () => Promise<Jwks>): RecordService {
  /** The record of an ended lot; `identities`: it will be shown with them (refused past their retention). */
  async function loadRecord(actor: Person, lotId: number, identities: boolean): Promise<Result<AuctionRecord>> {
    const lot = await findLot(ctx.db, lotId);
    if (!lot) return refuse('lot_not_found');
    // Its organisation's managers (the money trail), regulators whose scope covers it, admins (issue 19).
    if (!managesLot(actor, lot) && !overseesLot(actor, lot))
      return refuse('outside_scope', { province: actor.scope?.province ?? null });
    const status = lot.status;
    if (!isEnded(status)) return refuse('record_not_ready', { lotId, status });
    const issuedAt = ctx.clock.now();
    if (identities) {
      const readable = await identitiesReadable(ctx, ctx.db, lot, issuedAt);
      if (!readable.ok) return readable;
    }
    const details = (await loadDetails(ctx.db, [lot.id])).get(lot.id)!;
    const record = buildRecord({ ...lot, status }, details, {
      issuedAt,
      requestedBy: { pid: actor.idNumber, name: actor.name, role: readerRole(actor, lot) },
      issuer: ctx.config.publicOrigin ?? null,
      minBidders: ctx.config.policy.minBidders,
    });
    const reason = recordIntegrityProblem(record, details.events);
    if (reason) {
      await auditRefusal(ctx, { actorPid: actor.pid, lotId, reason, scope: 'lot' });
      return refuse('record_inconsistent', { lotId, detail: reason });
    }
    return ok(record);
  }

  /**
   * A GET of a signed document (the contract): logged as a view, with its origin, never as a deliberate
   * export. A view of the record with identities (JSON, PDF) is an identity read of everyone it names,
   * with the purpose stated (null: none), logged at the record's `issuedAt`.
   */
  async function auditView(
    actor: Person,
    record: AuctionRecord,
    format: RecordFormat | 'money-trail',
    from?: RequestOrigin,
    purpose: string | null = null,
    signed?: { jws: FlattenedJws; kind: 'record' | 'money_trail' },
  ): Promise<void> {
    const data = {
      scope: 'lot',
      format,
      finalHash: record.finalHash,
      kid: key.kid,
      issuedAt: record.issuedAt,
      origin: from?.origin ?? null,
      fetchSite: from?.fetchSite ?? null,
    };
    const base = { actorPid: actor.pid, action: 'record.viewed' as const, lotId: record.lot.id };
    await ctx.db.transaction(async (tx) => {
      if (format === 'json' || format === 'pdf')
        await noteIdentityRead(tx, {
          ...base,
          purpose,
          subjectPids: recordSubjectKeys(record),
          role: record.requestedBy?.role,
          at: new Date(record.issuedAt),
          data,
        });
      else await appendAudit(tx, { ...base, data, at: ctx.clock.now() });
      // A signed document is a leaf of the transparency log, committed with its view (issue 20).
      if (signed)
        await appendLogLeaf(tx, {
          digest: documentDigest(JSON.stringify(signed.jws)),
          kind: signed.kind,
          lotId: record.lot.id,
          at: new Date(record.issuedAt),
        });
    });
  }

  return {
    key,
    jwks,
    async exportRecord(actor, lotId, format, from, purpose) {
      const loaded = await loadRecord(actor, lotId, format !== 'csv');
      if (!loaded.ok) return loaded;
      const record = loaded.value;
      const name = `lot-${record.lot.id}-record`;
      let out: RecordExport;
      if (format === 'json')
        out = {
          format,
          jws: await signFlattened(new TextEncoder().encode(JSON.stringify(record)), key, RECORD_CTY),
          filename: `${name}.json`,
        };
      else if (format === 'csv')
        out = {
          format,
          bytes: new TextEncoder().encode(ledgerCsv(record)),
          contentType: 'text/csv; charset=utf-8',
          filename: `${name}-ledger.csv`,
        };
      else
        out = {
          format,
          bytes: await renderRecordPdf(record, key.kid),
          contentType: 'application/pdf',
          filename: `${name}.pdf`,
        };
      await auditView(
        actor,
        record,
        format,
        from,
        purpose ?? null,
        out.format === 'json' ? { jws: out.jws, kind: 'record' } : undefined,
      );
      return ok(out);
    },
    async exportMoneyTrail(actor, lotId, from) {
      const trail = await lotMoney(ctx, actor, lotId);
      if (!trail.ok) return trail;
      // The money trail names no one (bidder codes only): no identity read, no retention.
      const loaded = await loadRecord(actor, lotId, false);
      if (!loaded.ok) return loaded;
      const record = loaded.value;
      const { lotId: _, ...items } = trail.value;
      if (!items.balanced) {
        const detail = items.problems[0] ?? 'unbalanced';
        ctx.log.error({ lotId, problems: items.problems }, 'money trail refused: it does not add up');
        await ctx.db.transaction((tx) =>
          appendAudit(tx, {
            actorPid: actor.pid,
            action: 'record.refused',
            lotId,
            at: ctx.clock.now(),
            data: { scope: 'money-trail', reason: detail },
          }),
        );
        return refuse('money_trail_unbalanced', { lotId, detail });
      }
      const doc: MoneyTrailDocument = {
        type: MONEY_TRAIL_TYPE,
        version: MONEY_TRAIL_VERSION,
        issuedAt: record.issuedAt,
        issuer: record.issuer,
        lot: { id: record.lot.id, title: record.lot.title, status: record.result.status },
        record: { finalHash: record.finalHash },
        trail: items,
      };
      const jws = await signFlattened(new TextEncoder().encode(JSON.stringify(doc)), key, MONEY_TRAIL_CTY);
      await auditView(actor, record, 'money-trail', from, null, { jws, kind: 'money_trail' });
      return ok(jws);
    },
    async verify(bytes, kind) {
      return verifyDocument(bytes, await jwks(), kind);
    },
    async verifyParsed(value) {
      return verifySignedDocument(value, await jwks());
    },
  };
}
