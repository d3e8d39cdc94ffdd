// A lot's auction method and its parameters (issue 16; DESIGN.md §8) as the API names them (`method`,
// `rounds`, `intervalSeconds`, `floorPrice`, `tieBreak`, `replaceable`) and as the lots row stores
// them: validated at creation and edit (one field code per offending field), turned into columns, and
// read back for the public view. The rules of each method are in rules/ (descending.ts, rounds.ts,
// sealed.ts); this module only carries the terms.
import type { LotMethod, TieBreak } from '../../db/schema.ts';
import { fieldError, type FieldErrorMap } from '../shared/field-errors.ts';
import {
  descendingEnd,
  descendingTermsProblem,
  roundsOf,
  roundsPolicyProblem,
  type LotRow,
  type RoundsPolicy,
} from './rules/index.ts';

/** The method fields of a lot's terms, as the API sends them (absent: ascending, no rounds). */
export interface MethodTerms {
  method?: LotMethod;
  rounds?: RoundsPolicy | null;
  intervalSeconds?: number | null;
  floorPrice?: number | null;
  tieBreak?: TieBreak | null;
  replaceable?: boolean | null;
}

/** The method columns of a lots row. */
export type MethodColumns = Pick<
  LotRow,
  | 'method'
  | 'roundsMax'
  | 'roundsSeconds'
  | 'roundsTriggerSeconds'
  | 'intervalSeconds'
  | 'floorPrice'
  | 'tieBreak'
  | 'sealedReplaceable'
>;

/** Which fields each method takes (the others must be absent or null). */
const FIELDS_OF: Record<LotMethod, readonly (keyof MethodTerms)[]> = {
  ascending: ['rounds'],
  descending: ['intervalSeconds', 'floorPrice'],
  sealed: ['tieBreak', 'replaceable'],
};
const METHOD_FIELDS = ['rounds', 'intervalSeconds', 'floorPrice', 'tieBreak', 'replaceable'] as const;

/**
 * Checks the method fields against each other and the price terms: fields of another method are
 * refused, a descending lot needs its interval and floor (at or below the starting price), rounds a
 * sound policy and no soft close (the rounds are the extension), and neither descending nor sealed
 * takes a soft close.
 */
export function validateMethodTerms(
  t: MethodTerms & { startingPrice: number; priceStep: number; softClose?: unknown },
): FieldErrorMap {
  const fields: FieldErrorMap = {};
  const method = t.method ?? 'ascending';
  for (const name of METHOD_FIELDS)
    if (t[name] !== undefined && t[name] !== null && !FIELDS_OF[method].includes(name))
      fields[name] = fieldError('NOT_FOR_METHOD', { method });
  if (method !== 'ascending' && t.softClose) fields.softClose = fieldError('NOT_FOR_METHOD', { method });
  if (method === 'ascending' && t.rounds) {
    if (t.softClose) fields.softClose = fieldError('NOT_FOR_METHOD', { method: 'rounds' });
    const problem = roundsPolicyProblem(t.rounds);
    if (problem === 'rounds_trigger') fields['rounds.triggerSeconds'] = fieldError('TRIGGER_LONGER_THAN_ROUND');
  }
  if (method === 'descending') {
    if (t.intervalSeconds == null) fields.intervalSeconds = fieldError('REQUIRED');
    if (t.floorPrice == null) fields.floorPrice = fieldError('REQUIRED');
    if (t.intervalSeconds != null && t.floorPrice != null) {
      const problem = descendingTermsProblem({
        startingPrice: t.startingPrice,
        priceStep: t.priceStep,
        intervalSeconds: t.intervalSeconds,
        floorPrice: t.floorPrice,
      });
      if (problem === 'floor_above_start') fields.floorPrice = fieldError('FLOOR_ABOVE_START');
    }
  }
  return fields;
}

/** The columns for these terms (sealed defaults: the earliest submission breaks a tie; no replacing). */
export function methodColumns(t: MethodTerms): MethodColumns {
  const method = t.method ?? 'ascending';
  const rounds = method === 'ascending' ? (t.rounds ?? null) : null;
  return {
    method,
    roundsMax: rounds?.max ?? null,
    roundsSeconds: rounds?.seconds ?? null,
    roundsTriggerSeconds: rounds?.triggerSeconds ?? null,
    intervalSeconds: method === 'descending' ? (t.intervalSeconds ?? null) : null,
    floorPrice: method === 'descending' ? (t.floorPrice ?? null) : null,
    tieBreak: method === 'sealed' ? (t.tieBreak ?? 'earliest') : null,
    sealedReplaceable: method === 'sealed' ? (t.replaceable ?? false) : null,
  };
}

/** The method terms of a row, as the API names them. */
export function methodTermsOf(row: MethodColumns): Required<MethodTerms> {
  return {
    method: row.method,
    rounds: roundsOf(row) ?? null,
    intervalSeconds: row.intervalSeconds,
    floorPrice: row.floorPrice,
    tieBreak: row.tieBreak,
    replaceable: row.sealedReplaceable,
  };
}

/**
 * A descending lot's end: when its schedule ends (nobody accepted down to the floor). Undefined when
 * the terms are not those of a sound descending lot (validation says why).
 */
export function scheduledDescendingEnd(
  t: MethodTerms & { startsAt: Date; startingPrice: number; priceStep: number },
): Date | undefined {
  if (t.method !== 'descending' || t.intervalSeconds == null || t.floorPrice == null) return undefined;
  const terms = { ...t, intervalSeconds: t.intervalSeconds, floorPrice: t.floorPrice };
  if (descendingTermsProblem(terms)) return undefined;
  return descendingEnd(terms);
}
