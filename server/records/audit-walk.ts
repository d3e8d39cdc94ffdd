// Walking an exported audit chain (NDJSON lines or CSV rows) from the hash it continues: each event
// must link to the one before and hash to its content. Shared by the NDJSON and CSV verifiers.
import { auditEventHash, type AuditHashFields } from '../shared/hash-chain.ts';
import { problem, type Problem } from './verify-codes.ts';

/** One exported line as JSON, or undefined when it is not JSON. */
export function parseLine(line: string): unknown {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** An exported audit event, as its hash sees it. */
export interface AuditLike extends AuditHashFields {
  id: number;
  prevHash: string;
  hash: string;
}

/** Walks an audit chain from `previousHash`; returns the first problem or the last hash. */
export function walkAudit(
  events: AuditLike[],
  previousHash: string,
  where: (i: number) => { text: string; params: { line: number } | { row: number } },
): { problem?: Problem; last: string } {
  let prev = previousHash;
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.prevHash !== prev)
      return {
        problem: problem(
          'AUDIT_LINK_BROKEN',
          `${where(i).text}: audit event ${e.id} does not link to the event before it (prevHash mismatch): events were removed, added or reordered`,
          { eventId: e.id, ...where(i).params },
        ),
        last: prev,
      };
    if (auditEventHash(prev, e) !== e.hash)
      return {
        problem: problem(
          'AUDIT_EVENT_CHANGED',
          `${where(i).text}: audit event ${e.id} was changed: its hash does not match its content`,
          { eventId: e.id, ...where(i).params },
        ),
        last: prev,
      };
    prev = e.hash;
  }
  return { last: prev };
}
