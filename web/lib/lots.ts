// Small pure helpers about lots shared by pages: categories, accent-blind search, and where a lot's
// pictures are. (The next minimum bid is the server's `minNextBid`, never worked out here.)
import type { Lot } from './api/types.ts';
import type { ProvinceId } from '../../server/auctions/provinces.ts';
import type { CatalogueSort } from '../../server/auctions/lot-search.ts';
import type { EndedStatus } from '../../server/auctions/rules/status.ts';
import { vi } from './i18n/vi.ts';

export type { ProvinceId, CatalogueSort };

export const CATEGORIES = ['licence-plate', 'land-use', 'vehicle', 'equipment', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

/**
 * The provinces a lot may be in, in the order the filter lists them (the six centrally-run cities,
 * then the provinces A–Z). The list is the API's (server/auctions/provinces.ts); its names are
 * interface texts, and the catalogue's `province` section must name every one (checked by its type).
 */
export const PROVINCE_IDS = Object.keys(vi.province) as ProvinceId[];

/** The catalogue's orders besides the default (GET /api/lots `sort`). */
export const CATALOGUE_SORTS = ['ending', 'newest'] as const satisfies readonly CatalogueSort[];

/** Every lot status in the order filters list them: a Record, so the API's enum is listed in full. */
const STATUS_ORDER: Record<Lot['status'], true> = {
  draft: true,
  scheduled: true,
  live: true,
  suspended: true,
  closed: true,
  failed: true,
  cancelled: true,
};
export const LOT_STATUSES = Object.keys(STATUS_ORDER) as Lot['status'][];

/**
 * The statuses whose end is final, for the catalogue's "finished" filter: the server's set
 * (server/auctions/rules), listed in full by its type. Pages ask the lot itself (`ended`).
 */
const ENDED: Record<EndedStatus, true> = { closed: true, failed: true, cancelled: true };
export const ENDED_STATUSES = Object.keys(ENDED) as EndedStatus[];

export function categoryOf(lot: Pick<Lot, 'category'>): Category {
  return (CATEGORIES as readonly string[]).includes(lot.category ?? '') ? (lot.category as Category) : 'other';
}

export function matchesSearch(lot: Lot, q: string): boolean {
  if (!q) return true;
  const norm = (s: string): string =>
    s
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .replace(/đ/g, 'd')
      .replace(/Đ/g, 'D')
      .toLowerCase();
  const needle = norm(q.trim());
  return norm(`${lot.title} ${lot.description}`).includes(needle);
}

/** The picture for a lot: served by the platform's media endpoint (a drawn placeholder if none). */
export function coverUrl(lotId: number): string {
  return `/api/lots/${lotId}/cover`;
}

export function imageUrl(imageId: number): string {
  return `/api/images/${imageId}`;
}
