// Issuing a lot's public result notice (issue 18, publication; DESIGN.md §8): the job of kind
// RESULT_NOTICE_JOB (schedule.ts), asked for by whatever ends a lot or changes its award, reads the lot
// as it stands under its row lock and, when what a notice states differs from the lot's latest notice,
// issues a new one: sequence one more, naming the previous one's digest, signed with the record-signing
// key and stored in lot_documents (server/records/lot-documents.ts), written to the audit chain
// (`result.published`, with its digest) and told to every registrant of the lot through the outbox (in
// the app, and by e-mail). All of it in the job's own transaction: the notice, its audit entry, its
// notices to people and "done" commit together, once; a duplicate job finds nothing new and issues nothing.
// A notice holds no personal data: the outcome, the price and the times, never a person or a bidder code.
import { and, desc, eq } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import { ledgerEntries, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { lockLot } from '../auctions/lot-lock.ts';
import { isEnded, type LotRow } from '../auctions/rules/status.ts';
import type { Job, JobHandler } from '../jobs/index.ts';
import { notify } from '../notifications/outbox.ts';
import {
  documentPayload,
  issueLotDocument,
  latestLotDocument,
  recordFinalHash,
  type LotDocumentRow,
} from '../records/lot-documents.ts';
import { LOT_FACT_VERSION, ResultNoticeSchema, type ResultNotice } from '../records/lot-fact-format.ts';
import type { SigningKey } from '../records/signing-keys.ts';
import { isRowId } from '../shared/validation.ts';

/** What a notice states about its lot: the fields that, when any changes, call for a new notice. */
export type NoticeStatement = Pick<
  ResultNotice,
  'record' | 'status' | 'award' | 'price' | 'biddingStartedAt' | 'biddingEndedAt' | 'priceRecordedAt' | 'rerunAs'
>;

/** The stable path of a lot's notice (the signed document itself). */
export function noticePath(lotId: number, sequence: number): string {
  return `/api/results/${lotId}/notices/${sequence}`;
}

/** The statement of an ended lot as it stands: its status, award, price and times (no person named). */
export async function statementOf(
  tx: Db | Tx,
  lot: LotRow & { status: ResultNotice['status'] },
): Promise<NoticeStatement> {
  const price = lot.status === 'closed' ? (lot.awardPrice ?? lot.finalPrice) : null;
  // The award names the winner, or the next bidder offered the lot at their own bid (Art. 51).
  const holder = lot.awardRegistrationId ?? lot.winnerRegistrationId;
  let priceRecordedAt: string | null = null;
  if (price !== null && holder !== null) {
    // The holder's bid at that price that stands last in the ledger: the entry that set the price.
    const [entry] = await tx
      .select({ placedAt: ledgerEntries.placedAt })
      .from(ledgerEntries)
      .where(
        and(
          eq(ledgerEntries.lotId, lot.id),
          eq(ledgerEntries.kind, 'bid'),
          eq(ledgerEntries.registrationId, holder),
          eq(ledgerEntries.amount, price),
        ),
      )
      .orderBy(desc(ledgerEntries.seq))
      .limit(1);
    priceRecordedAt = entry?.placedAt.toISOString() ?? null;
  }
  return {
    record: { finalHash: recordFinalHash(lot) },
    status: lot.status,
    award: lot.status === 'closed' ? lot.awardState : null,
    price,
    biddingStartedAt: lot.startsAt.toISOString(),
    biddingEndedAt: (lot.closedAt ?? lot.endsAt).toISOString(),
    priceRecordedAt,
    rerunAs: lot.rerunAs,
  };
}

/** True when the two state the same thing (a duplicate job, or a change no notice tells). */
export function sameStatement(a: NoticeStatement, b: NoticeStatement): boolean {
  return (
    a.record.finalHash === b.record.finalHash &&
    a.status === b.status &&
    a.award === b.award &&
    a.price === b.price &&
    a.biddingStartedAt === b.biddingStartedAt &&
    a.biddingEndedAt === b.biddingEndedAt &&
    a.priceRecordedAt === b.priceRecordedAt &&
    a.rerunAs === b.rerunAs
  );
}

export interface Issued {
  notice: ResultNotice;
  row: LotDocumentRow;
}

/**
 * Issues the lot's next notice in `tx` if what it would state differs from its latest one; the lot
 * must be locked by the caller. Returns the notice issued, or undefined when there was nothing new
 * (or the lot has not ended).
 */
export async function issueResultNotice(
  ctx: AppContext,
  key: SigningKey,
  tx: Tx,
  lot: LotRow,
): Promise<Issued | undefined> {
  if (!isEnded(lot.status)) return undefined;
  const statement = await statementOf(tx, { ...lot, status: lot.status });
  const previous = await latestLotDocument(tx, lot.id, 'result_notice');
  const before = previous ? documentPayload<ResultNotice>(previous) : undefined;
  if (before && sameStatement(before, statement)) return undefined;
  const now = ctx.clock.now();
  // Checked against its format before it is signed: a notice that would not verify is never issued.
  const notice = ResultNoticeSchema.parse({
    type: 'result-notice',
    version: LOT_FACT_VERSION,
    issuedAt: now.toISOString(),
    issuer: ctx.config.publicOrigin ?? null,
    lot: { id: lot.id, title: lot.title },
    sequence: (before?.sequence ?? 0) + 1,
    supersedes: previous?.digest ?? null,
    ...statement,
  } satisfies ResultNotice);
  const { row } = await issueLotDocument(tx, key, notice, { at: now });
  await appendAudit(tx, {
    actorPid: null,
    action: 'result.published',
    lotId: lot.id,
    at: now,
    data: {
      digest: row.digest,
      sequence: notice.sequence,
      supersedes: notice.supersedes,
      status: notice.status,
      award: notice.award,
      price: notice.price,
    },
  });
  // Every registrant learns of it, whatever became of their registration: in the app and by e-mail.
  const people = await tx
    .selectDistinct({ pid: registrations.pid })
    .from(registrations)
    .where(eq(registrations.lotId, lot.id));
  await notify(
    tx,
    ...people.map(({ pid }) => ({
      pid,
      kind: 'result_published' as const,
      lotId: lot.id,
      data: {
        status: notice.status,
        award: notice.award,
        price: notice.price,
        rerunAs: notice.rerunAs,
        sequence: notice.sequence,
        noticePath: noticePath(lot.id, notice.sequence),
      },
      at: now,
    })),
  );
  return { notice, row };
}

/**
 * The handler of RESULT_NOTICE_JOB: the lot locked and read as it stands, a notice issued when it
 * states something new. A job naming no lot (a malformed payload) or a lot that does not exist is
 * done with nothing issued, and logged: trying it again could not help.
 */
export function resultNoticeHandler(key: SigningKey): JobHandler {
  return async (ctx: AppContext, job: Job, tx: Tx) => {
    const lotId = job.payload.lotId;
    if (!isRowId(lotId)) {
      ctx.log.warn({ job: job.id, payload: job.payload }, 'result notice job without a lot id: nothing issued');
      return;
    }
    const lot = await lockLot(tx, lotId);
    if (!lot) {
      ctx.log.warn({ job: job.id, lotId }, 'result notice job for a lot that does not exist: nothing issued');
      return;
    }
    const issued = await issueResultNotice(ctx, key, tx, lot);
    if (issued)
      ctx.log.info({ lotId, sequence: issued.notice.sequence, digest: issued.row.digest }, 'result notice published');
  };
}
