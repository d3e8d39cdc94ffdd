// The searches the catalogue benchmark asks (issue 21), by class: plates typed whole, by their start
// and by their last digits; Vietnamese words with and without diacritics, frequent, middling and rare;
// words with filters; filters alone; the bare catalogue; and pages after the first by cursor. Built
// from a sample of what was seeded, so plates and places exist. Every class mixes the three orders.
import type { SeedAsset } from './catalogue-data.ts';
import { PROVINCE_PLATES } from './catalogue-data.ts';
import { PROVINCES } from '../../server/auctions/provinces.ts';
import { normaliseText } from '../../server/shared/search-text.ts';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

export type Params = Record<string, string>;

export interface QueryClass {
  name: string;
  what: string;
  /** Pages after the first, reached by following nextCursor from a first page of `make`. */
  cursorDepth?: number;
  make(r: Rand): Params;
}

/** Without diacritics, as typed on a keyboard without Vietnamese input (lower case). */
const bare = (s: string): string => normaliseText(s);

/** A plate typed in one of the ways people type it. */
function typedPlate(r: Rand, plate: string): string {
  const compact = plate.replace(/[-.]/g, '');
  switch (int(r, 0, 3)) {
    case 0:
      return plate;
    case 1:
      return compact.toLowerCase();
    case 2:
      return plate.replace('.', '');
    default:
      return compact;
  }
}

function sorted(r: Rand, p: Params): Params {
  const sort = pick(r, [undefined, 'ending', 'newest'] as const);
  return { ...p, limit: '20', ...(sort ? { sort } : {}) };
}

/** Nearly every plate lot holds these. */
const FREQUENT = ['bien so', 'biển số', 'Biển số', 'BIEN SO', 'bienso', 'quyen su dung', 'dang ky tai'];
/** A few percent of lots, or less. */
const MIDDLING = [
  'quyền sử dụng đất',
  'quyen su dung dat',
  'xe o to toyota',
  'toyota camry',
  'ford ranger',
  'xe tải hino',
  'xe tai',
  'máy xúc',
  'may phat dien',
  'trụ sở làm việc',
  'tru so lam viec',
  'dat o do thi',
  'bien so xe mo to',
  'xe gan may',
  'nen vang',
  'thanh ly tai san cong',
  'tich thu',
];

const STATUSES = ['scheduled', 'live', 'closed', 'failed', 'cancelled'] as const;
const CATEGORIES = ['licence-plate', 'land-use', 'vehicle', 'equipment', 'state-property'] as const;
const DAY = 86_400_000;

/** An end (or start) range of a day to a month, in the past three years or the coming nine months. */
function dateRange(r: Rand, now: number, field: 'ends' | 'starts'): Params {
  const from = now + int(r, -3 * 365, 270) * DAY;
  const to = from + int(r, 1, 30) * DAY;
  return { [`${field}From`]: new Date(from).toISOString(), [`${field}To`]: new Date(to).toISOString() };
}

function someFilters(r: Rand, now: number): Params {
  const p: Params = {};
  const n = int(r, 1, 3);
  // The catalogue's filters (issue 21): status, type, province, start and end. (Price bounds are
  // checked on each lot read, no index serving them: the lot's price moves with every bid.)
  const kinds = ['status', 'category', 'province', 'ends', 'starts'];
  for (let i = 0; i < n; i++) {
    const kind = pick(r, kinds);
    if (kind === 'status') p.status = pick(r, STATUSES);
    else if (kind === 'category') p.category = pick(r, CATEGORIES);
    else if (kind === 'province') p.province = pick(r, PROVINCE_PLATES).id;
    else Object.assign(p, dateRange(r, now, kind as 'ends' | 'starts'));
  }
  return p;
}

export function queryClasses(sample: readonly SeedAsset[], now: number): QueryClass[] {
  const plates = sample.filter((a) => a.plate !== null).map((a) => a.plate!);
  const land = sample.filter((a) => a.category === 'land-use');
  const vehicles = sample.filter((a) => a.category === 'vehicle' || a.category === 'equipment');
  const placeWords = PROVINCES.flatMap((p) => [p.name, bare(p.name), bare(p.name).replace(/ /g, '')]);
  return [
    {
      name: 'plate-whole',
      what: 'a seeded plate typed whole ("51K-888.88", "51k88888", "51K-88888")',
      make: (r) => sorted(r, { q: typedPlate(r, pick(r, plates)) }),
    },
    {
      name: 'plate-start',
      what: 'the start of a plate: province code and series, and up to three digits ("51K", "51K-888", "29H1-23")',
      make: (r) => {
        const plate = pick(r, plates);
        const dash = plate.indexOf('-');
        return sorted(r, { q: plate.slice(0, dash + int(r, 0, 3) + (r() < 0.5 ? 1 : 0)).replace(/-$/, '') });
      },
    },
    {
      name: 'plate-ending',
      what: 'the last digits of a plate, lucky ones half the time ("88888", "888.88", "6868", "39.79")',
      make: (r) => {
        const lucky = [
          '88888',
          '888.88',
          '99999',
          '999.99',
          '66666',
          '68.68',
          '6868',
          '39.79',
          '79.79',
          '12345',
          '345.67',
        ];
        if (r() < 0.5) return sorted(r, { q: pick(r, lucky) });
        const digits = pick(r, plates)
          .replace(/\D/g, '')
          .slice(-int(r, 4, 5));
        return sorted(r, { q: r() < 0.5 ? digits : `${digits.slice(0, -2)}.${digits.slice(-2)}` });
      },
    },
    {
      name: 'words-frequent',
      what: 'words nearly every lot holds ("bien so": about 80% of 2.2 million), with and without diacritics',
      make: (r) => sorted(r, { q: pick(r, FREQUENT) }),
    },
    {
      name: 'words-middling',
      what: 'words a few percent of lots or fewer hold ("quyen su dung dat", "toyota camry", "xe tai"), and places ("ha noi", "hanoi", "Đà Nẵng")',
      make: (r) => sorted(r, { q: r() < 0.6 ? pick(r, MIDDLING) : pick(r, placeWords) }),
    },
    {
      name: 'words-rare',
      what: 'a few lots: a land plot by its number and commune, a vehicle by model and year; and words no lot holds',
      make: (r) => {
        const x = r();
        if (x < 0.45 && land.length) {
          const m = /thửa số (\d+), tờ bản đồ số (\d+), xã ([^,]+)/.exec(pick(r, land).title)!;
          return sorted(r, { q: r() < 0.5 ? `thua ${m[1]} ${bare(m[3])}` : `thửa số ${m[1]} tờ bản đồ số ${m[2]}` });
        }
        if (x < 0.85 && vehicles.length) return sorted(r, { q: pick(r, vehicles).title.replace(/,.*$/, '') });
        return sorted(r, { q: pick(r, ['khong co', 'xyzzy', 'biển số 00Z-000.00', 'hochiminh xyz']) });
      },
    },
    {
      name: 'words-filtered',
      what: 'frequent or middling words with one to three filters (status, category, province, start or end range)',
      make: (r) => sorted(r, { q: pick(r, r() < 0.5 ? FREQUENT : MIDDLING), ...someFilters(r, now) }),
    },
    {
      name: 'filters-only',
      what: 'no words: one to three filters',
      make: (r) => sorted(r, someFilters(r, now)),
    },
    {
      name: 'browse',
      what: 'the whole catalogue, no words or filters (the home page), each order',
      make: (r) => sorted(r, {}),
    },
    {
      name: 'cursor-pages',
      what: 'pages 2 to 6 by nextCursor after a first page of frequent words, filters or the whole catalogue',
      cursorDepth: 5,
      make: (r) => {
        const x = r();
        if (x < 0.4) return sorted(r, { q: pick(r, FREQUENT) });
        if (x < 0.7) return sorted(r, someFilters(r, now));
        return sorted(r, {});
      },
    },
  ];
}
