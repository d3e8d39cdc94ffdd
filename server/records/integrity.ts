// Checks, with the person-hash key, that the database still agrees with its chains before the
// platform signs anything built from it: the ledger chain holds, each chained event's clear actor and
// person subject still hash to what the chain holds, each registration still names the person chained
// when it was made, and each lot's result is still the one its close chained. What fails is refused (records) or
// reported in the export (exports), never signed as if it were true.
import { inArray } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lots, registrations } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import { appendAudit, isPersonSubject } from '../audit/audit-log.ts';
import { readCloseFacts, readRegistrationFacts } from '../audit/chained-facts.ts';
import { CLEAR_PID, isPersonKey, keyOf } from '../privacy/personal-data.ts';
import type { AuditRow } from './queries.ts';
import type { AuctionRecord, IntegrityLine } from './record-format.ts';
import { recordProblem } from './verify.ts';

/**
 * The person key of a person column's value: the key it holds, or the key of a clear 12-digit number
 * (a version-1 event's actor); undefined for anything else (a value rewritten into neither).
 */
function keyIn(value: string): string | undefined {
  return isPersonKey(value) || CLEAR_PID.test(value) ? keyOf(value) : undefined;
}

/** Whether an event's actor and subject columns still hold the people whose keyed hashes its chain covers. */
export function eventIdentityProblem(
  e: Pick<AuditRow, 'id' | 'chainVersion' | 'actorPid' | 'actorHash' | 'subject' | 'subjectHash'>,
): string | undefined {
  if (e.chainVersion < 2) return undefined;
  const actorHolds = e.actorPid === null ? e.actorHash === null : e.actorHash === keyIn(e.actorPid);
  if (!actorHolds)
    return `audit event ${e.id}: its actor is not the person the chain holds (the clear actor column was changed)`;
  const subjectHolds = isPersonSubject(e.subject) ? e.subjectHash === keyIn(e.subject) : e.subjectHash === null;
  if (!subjectHolds)
    return `audit event ${e.id}: its subject is not the person the chain holds (the clear subject column was changed)`;
  return undefined;
}

/**
 * The first reason a record built from the database must not be issued, or undefined: what any
 * verifier would find (its ledger chain, its agreement with the chained history), and what only the
 * key holder can see (clear actors that no longer match their chained hashes).
 */
export function recordIntegrityProblem(record: AuctionRecord, events: AuditRow[]): string | undefined {
  for (const e of events) {
    const problem = eventIdentityProblem(e);
    if (problem) return problem;
  }
  return recordProblem(record)?.reason;
}

/**
 * Logs and audits that a record was not issued because its rows contradict the chain, so the refusal
 * itself is on the chain for regulators (the reason names codes and event ids, never a person).
 */
export async function auditRefusal(
  ctx: AppContext,
  input: { actorPid: string; lotId: number; reason: string; scope: 'lot' | 'period' },
): Promise<void> {
  ctx.log.error(
    { lotId: input.lotId, reason: input.reason },
    'record refused: the database contradicts the audit chain',
  );
  await ctx.db.transaction((tx) =>
    appendAudit(tx, {
      actorPid: input.actorPid,
      action: 'record.refused',
      lotId: input.lotId,
      at: ctx.clock.now(),
      data: { scope: input.scope, reason: input.reason },
    }),
  );
}

/**
 * For one page of an audit export: events whose clear columns, registration or lot row no longer
 * match what the event chained. Reads the registrations and lots the page names, one query each.
 */
export async function auditPageProblems(db: Db, events: AuditRow[]): Promise<IntegrityLine[]> {
  const out: IntegrityLine[] = [];
  const add = (e: AuditRow, reason: string): void =>
    void out.push({ type: 'integrity-problem', eventId: e.id, lotId: e.lotId, reason });
  for (const e of events) {
    const problem = eventIdentityProblem(e);
    if (problem) add(e, problem);
  }
  const registered = events.filter((e) => e.action === 'registration.created' && /^\d+$/.test(e.subject ?? ''));
  const regIds = registered.map((e) => Number(e.subject));
  const regRows = regIds.length
    ? await db
        .select({
          id: registrations.id,
          lotId: registrations.lotId,
          pid: registrations.pid,
          bidderCode: registrations.bidderCode,
          rulesVersion: registrations.rulesVersion,
        })
        .from(registrations)
        .where(inArray(registrations.id, regIds))
    : [];
  const regById = new Map(regRows.map((r) => [r.id, r]));
  for (const e of registered) {
    // Events before issue 13 bind the code in `data.bidderCode` and the person as the actor, in clear.
    const facts = readRegistrationFacts(e.data);
    const code = facts?.bidderCode ?? String(e.data.bidderCode);
    const row = regById.get(Number(e.subject));
    if (!row || row.lotId !== e.lotId)
      add(e, `registration ${e.subject} (${code}) chained by audit event ${e.id} is missing from lot ${e.lotId}`);
    else if (row.bidderCode !== code || (facts && row.rulesVersion !== facts.rulesVersion))
      add(
        e,
        `registration ${row.id} is now ${row.bidderCode} (rules version ${row.rulesVersion}), but audit event ${e.id} chained ${code}${facts ? ` (version ${facts.rulesVersion})` : ''}`,
      );
    // Registration rows hold person keys; the chain the keyed hash (or, before, the clear actor).
    else if (keyIn(row.pid) !== (facts ? facts.personHash : e.actorPid === null ? undefined : keyIn(e.actorPid)))
      add(
        e,
        `registration ${row.id} (${row.bidderCode}) names a different person than the one chained when it was made (audit event ${e.id}): the registration was changed afterwards`,
      );
  }
  const closes = events.filter(
    (e) => (e.action === 'lot.closed' || e.action === 'lot.failed') && e.lotId !== null && readCloseFacts(e.data),
  );
  const lotIds = [...new Set(closes.map((e) => e.lotId!))];
  const lotRows = lotIds.length
    ? await db
        .select({
          id: lots.id,
          status: lots.status,
          finalPrice: lots.finalPrice,
          winnerRegistrationId: lots.winnerRegistrationId,
        })
        .from(lots)
        .where(inArray(lots.id, lotIds))
    : [];
  const winnerIds = lotRows.map((l) => l.winnerRegistrationId).filter((x): x is number => x !== null);
  const winners = winnerIds.length
    ? await db
        .select({ id: registrations.id, pid: registrations.pid, bidderCode: registrations.bidderCode })
        .from(registrations)
        .where(inArray(registrations.id, winnerIds))
    : [];
  const lotById = new Map(lotRows.map((l) => [l.id, l]));
  const winnerById = new Map(winners.map((w) => [w.id, w]));
  for (const e of closes) {
    const facts = readCloseFacts(e.data)!;
    const lot = lotById.get(e.lotId!);
    const winner = lot?.winnerRegistrationId == null ? undefined : winnerById.get(lot.winnerRegistrationId);
    const expected = e.action === 'lot.closed' ? 'closed' : 'failed';
    if (!lot || lot.status !== expected)
      add(e, `lot ${e.lotId} is ${lot?.status ?? 'missing'}, but audit event ${e.id} chained it ${expected}`);
    else if (lot.winnerRegistrationId !== facts.winnerRegistrationId || lot.finalPrice !== facts.finalPrice)
      add(
        e,
        `lot ${lot.id}'s result is now registration ${lot.winnerRegistrationId} at ${lot.finalPrice}, but audit event ${e.id} chained registration ${facts.winnerRegistrationId} at ${facts.finalPrice}`,
      );
    else if (winner && (winner.bidderCode !== facts.winnerBidderCode || keyIn(winner.pid) !== facts.winnerPersonHash))
      add(
        e,
        `lot ${lot.id}'s winner ${winner.bidderCode} is not the person the close chained (audit event ${e.id}): the registration was changed afterwards`,
      );
  }
  return out;
}
