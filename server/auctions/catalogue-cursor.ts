// The catalogue's keyset cursor (issue 21): where a page ended, so the next page starts right after it
// through an index instead of counting past every lot before it (OFFSET). Opaque to clients: base64url
// of a small JSON array. It names the order it belongs to, the instant that order split open lots
// from ended ones at the first page (so later pages split them the same way), the part of the order
// (segment) and the last lot's position in it (its end to the microsecond, and id), and a digest of
// the filters, so a cursor is never read under another order or other filters by mistake; and the
// first page's total when it was exact, which later pages repeat instead of counting every match again.
import { createHash } from 'node:crypto';

export const CATALOGUE_ORDERS = ['default', 'ending', 'newest'] as const;
export type CatalogueOrder = (typeof CATALOGUE_ORDERS)[number];

export interface CursorPosition {
  order: CatalogueOrder;
  /** The instant (ms) the first page split open lots from ended ones by. */
  asOf: number;
  /** Which part of the order the last lot was in (lot-search.ts SEGMENTS). */
  segment: number;
  /** The last lot's end as PostgreSQL keeps it (microseconds, UTC), or null in an order by id. */
  endsAt: string | null;
  id: number;
  /** Digest of the filters the cursor was made under. */
  filters: string;
  /** The first page's exact total, when it had one (version 2). */
  exactTotal?: number;
}

/** Version 1: no total; still read, so a cursor given before it keeps working. */
const VERSION = 2;
/** A timestamp exactly as the page query prints it: microseconds, UTC. */
const MICROS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]{1,400}$/;

export function encodeCursor(p: CursorPosition): string {
  const fields = [VERSION, p.order, p.asOf, p.segment, p.endsAt, p.id, p.filters, p.exactTotal ?? null];
  return Buffer.from(JSON.stringify(fields), 'utf8').toString('base64url');
}

/** The position a cursor names, or undefined for anything this platform did not write. */
export function decodeCursor(cursor: string): CursorPosition | undefined {
  if (!BASE64URL.test(cursor)) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value)) return undefined;
  const [version, order, asOf, segment, endsAt, id, filters, exactTotal = null] = value as unknown[];
  if (!((version === 1 && value.length === 7) || (version === VERSION && value.length === 8))) return undefined;
  if (exactTotal !== null && (!Number.isSafeInteger(exactTotal) || (exactTotal as number) < 0)) return undefined;
  if (typeof order !== 'string' || !(CATALOGUE_ORDERS as readonly string[]).includes(order)) return undefined;
  if (!Number.isSafeInteger(asOf) || (asOf as number) < 0) return undefined;
  if (!Number.isInteger(segment) || (segment as number) < 0 || (segment as number) > 2) return undefined;
  if (endsAt !== null && (typeof endsAt !== 'string' || !MICROS.test(endsAt) || Number.isNaN(Date.parse(endsAt))))
    return undefined;
  if (!Number.isSafeInteger(id) || (id as number) < 1 || (id as number) > 2_147_483_647) return undefined;
  if (typeof filters !== 'string' || !/^[0-9a-f]{16}$/.test(filters)) return undefined;
  return {
    order: order as CatalogueOrder,
    asOf: asOf as number,
    segment: segment as number,
    endsAt: endsAt as string | null,
    id: id as number,
    filters,
    ...(exactTotal === null ? {} : { exactTotal: exactTotal as number }),
  };
}

/** A digest of the filters (any JSON value, its keys in a fixed order by the caller). */
export function filtersDigest(filters: unknown): string {
  return createHash('sha256').update(JSON.stringify(filters)).digest('hex').slice(0, 16);
}
