// The record's attendance part (issue 18): per bidder code, the first and last presence in the bidding
// window (a signed-in watch, page view or bid), the bids placed and the no-show state. Optional, like
// the technical faults: records issued before it existed carry none and verify as they were issued.
// Verification (attendanceProblem) needs nothing but the record: every registration listed once, the
// bids counted as the ledger holds them, every bid inside the presence it implies, no presence before
// the bidding started, a no-show never present, and each no-show state the one the lot's chained
// history gives (the close's `attendance.no_show`, then the manager's `attendance.no_show_decided`).
// Free of database imports, like record-format.ts, for the offline verifier.
import { z } from 'zod';
import type { NoShowState } from '../../db/schema.ts';
import { problem, type Problem } from './verify-codes.ts';

const iso = z.iso.datetime({ offset: true });

/** The no-show states (db/schema.ts NO_SHOW_STATES), here without the database's imports. */
export const RECORD_NO_SHOW_STATES = ['forfeited', 'held', 'excused'] as const satisfies readonly NoShowState[];

export const RecordAttendanceSchema = z.strictObject({
  bidderCode: z.string(),
  /** The first and last presence in the bidding window (null: never present); the last within about 30 s. */
  firstSeenAt: iso.nullable(),
  lastSeenAt: iso.nullable(),
  /** Bids in the ledger by this code (withdrawn ones included, withdrawals not). */
  bidsPlaced: z.number().int().nonnegative(),
  /** Approved but never present at the close: what became of the deposit; null otherwise. */
  noShow: z.enum(RECORD_NO_SHOW_STATES).nullable(),
});
export type RecordAttendance = z.infer<typeof RecordAttendanceSchema>;

/** What attendanceProblem reads of a record. */
interface AttendanceParts {
  attendance?: RecordAttendance[];
  registrations: { bidderCode: string }[];
  ledger: { kind: string; bidderCode: string; placedAt: string }[];
  history: { action: string; data: Record<string, unknown> }[];
  times: { startsAt: string };
}

/** The no-show state of each bidder code as the chained history gives it. */
export function chainedNoShows(history: AttendanceParts['history']): Map<string, string> {
  const states = new Map<string, string>();
  for (const ev of history) {
    if (ev.action === 'attendance.no_show' && Array.isArray(ev.data.bidderCodes))
      for (const code of ev.data.bidderCodes) states.set(String(code), String(ev.data.state));
    if (ev.action === 'attendance.no_show_decided' && typeof ev.data.bidderCode === 'string')
      states.set(ev.data.bidderCode, String(ev.data.state));
  }
  return states;
}

const at = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** The first way the record's attendance contradicts the record itself or its history, or undefined. */
export function attendanceProblem(r: AttendanceParts): Problem | undefined {
  if (!r.attendance) return undefined;
  const registered = new Set(r.registrations.map((g) => g.bidderCode));
  const listed = new Set<string>();
  for (const a of r.attendance) {
    if (!registered.has(a.bidderCode) || listed.has(a.bidderCode))
      return problem(
        'ATTENDANCE_REGISTRATIONS_MISMATCH',
        `the attendance lists ${a.bidderCode} ${listed.has(a.bidderCode) ? 'twice' : 'but it is not among the registrations'}`,
        { bidderCode: a.bidderCode },
      );
    listed.add(a.bidderCode);
  }
  for (const code of registered)
    if (!listed.has(code))
      return problem('ATTENDANCE_REGISTRATIONS_MISMATCH', `the attendance leaves out registration ${code}`, {
        bidderCode: code,
      });
  const bids = new Map<string, { count: number; first: number; last: number }>();
  for (const e of r.ledger) {
    if (e.kind !== 'bid') continue;
    const t = Date.parse(e.placedAt);
    const b = bids.get(e.bidderCode);
    if (b) {
      b.count++;
      b.first = Math.min(b.first, t);
      b.last = Math.max(b.last, t);
    } else bids.set(e.bidderCode, { count: 1, first: t, last: t });
  }
  const chained = chainedNoShows(r.history);
  const startsAt = Date.parse(r.times.startsAt);
  for (const a of r.attendance) {
    const b = bids.get(a.bidderCode);
    const code = a.bidderCode;
    if (a.bidsPlaced !== (b?.count ?? 0))
      return problem(
        'ATTENDANCE_BIDS_MISMATCH',
        `the attendance counts ${a.bidsPlaced} bids by ${code}, the ledger holds ${b?.count ?? 0}`,
        { bidderCode: code, counted: a.bidsPlaced, held: b?.count ?? 0 },
      );
    const first = at(a.firstSeenAt);
    const last = at(a.lastSeenAt);
    const timesHold =
      (first === null) === (last === null) &&
      (first === null || last === null || (startsAt <= first && first <= last)) &&
      (!b || (first !== null && last !== null && first <= b.first && b.last <= last));
    if (!timesHold)
      return problem(
        'ATTENDANCE_TIMES_INVALID',
        `the presence of ${code} (${a.firstSeenAt ?? 'none'} to ${a.lastSeenAt ?? 'none'}) is not within the bidding time or does not cover its bids`,
        { bidderCode: code },
      );
    if (a.noShow !== null && first !== null)
      return problem('ATTENDANCE_NO_SHOW_PRESENT', `${code} is a no-show (${a.noShow}) but was present`, {
        bidderCode: code,
      });
    const said = chained.get(code) ?? null;
    if (a.noShow !== said)
      return problem(
        'ATTENDANCE_NO_SHOW_NOT_CHAINED',
        `the attendance says ${code} is ${a.noShow ?? 'not a no-show'}, its chained history says ${said ?? 'not a no-show'}`,
        { bidderCode: code, noShow: a.noShow, chained: said },
      );
  }
  return undefined;
}
