// The catalogue at national size (issue 21, part 2): GET /api/lots searched by plate pattern and by
// Vietnamese words with or without diacritics, filtered by status, category, province and start and
// end, paged by keyset cursor beside offset, with a total that is exact up to a bound and an estimate
// beyond it. Runs on PGlite and, with TEST_DATABASE_URL, on PostgreSQL: the same answers on both,
// checked against the platform's own definition of a match (server/shared/search-text.ts).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { onPostgres } from '../support/db.ts';
import { resultRows } from '../../db/client.ts';
import { lots, type LotStatus } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { backfillLotSearch, lotSearchColumns } from '../../server/auctions/lot-search-columns.ts';
import {
  EXACT_TOTAL_UP_TO,
  explainCatalogue,
  searchLots,
  type CatalogueQuery,
  type CatalogueTuning,
  type PlanNode,
} from '../../server/auctions/lot-search.ts';
import { provinceName, type ProvinceId } from '../../server/auctions/provinces.ts';
import { encodeCursor, decodeCursor } from '../../server/auctions/catalogue-cursor.ts';
import {
  matchesLexemes,
  normaliseText,
  searchLexemes,
  searchTerms,
  tsqueryLiteral,
} from '../../server/shared/search-text.ts';
import { createLot, lotBody, person, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
const NOW = clock.now().getTime();
const MIN = 60_000;
const DAY = 86_400_000;
let manager: Actor;
/** A lot row to copy (organisation, manager, terms): written once through the API. */
let template: Omit<typeof lots.$inferInsert, 'id'>;

interface Seeded {
  id: number;
  title: string;
  description: string;
  province: ProvinceId | null;
  category: string;
  status: LotStatus;
  startsAt: number;
  endsAt: number;
}
const seeded: Seeded[] = [];

/** Inserts a lot directly (as the services would write it, search columns included), in a stable state. */
async function insertLot(l: Omit<Seeded, 'id'>): Promise<Seeded> {
  const [{ id }] = await tp.database.db
    .insert(lots)
    .values({
      ...template,
      title: l.title,
      description: l.description,
      category: l.category,
      province: l.province,
      status: l.status,
      registrationOpensAt: new Date(l.startsAt - 3 * DAY),
      registrationClosesAt: new Date(l.startsAt - DAY),
      startsAt: new Date(l.startsAt),
      endsAt: new Date(l.endsAt),
      scheduledEndsAt: new Date(l.endsAt),
      closedAt: ['closed', 'failed', 'cancelled'].includes(l.status) ? new Date(Math.min(l.endsAt, NOW)) : null,
      ...lotSearchColumns(l),
    })
    .returning({ id: lots.id });
  const lot = { id, ...l };
  seeded.push(lot);
  return lot;
}

// Shifts: several lots end together, as in a plate auction session (ties broken by id).
const PAST = (day: number, shift: number): number => NOW - day * DAY + shift * 45 * MIN;
const COMING = (day: number, shift: number): number => NOW + day * DAY + shift * 45 * MIN;

const TEXTS: { title: string; description: string; category: string; province: ProvinceId | null }[] = [
  {
    title: 'Biển số 51K-888.88',
    description: 'Quyền sử dụng biển số xe ô tô 51K-888.88, đăng ký tại Thành phố Hồ Chí Minh.',
    category: 'licence-plate',
    province: 'ho-chi-minh',
  },
  {
    title: 'Biển số 51K-888.12',
    description: 'Quyền sử dụng biển số xe ô tô 51K-888.12.',
    category: 'licence-plate',
    province: 'ho-chi-minh',
  },
  {
    title: 'Biển số 51LD-888.88',
    description: 'Biển số xe của doanh nghiệp có vốn đầu tư nước ngoài.',
    category: 'licence-plate',
    province: 'ho-chi-minh',
  },
  {
    title: 'Biển số 30A-123.45',
    description: 'Quyền sử dụng biển số xe ô tô 30A-123.45, đăng ký tại Hà Nội.',
    category: 'licence-plate',
    province: 'ha-noi',
  },
  {
    title: 'Biển số xe mô tô 29H1-234.56',
    description: 'Quyền sử dụng biển số xe mô tô, xe gắn máy 29H1-234.56.',
    category: 'licence-plate',
    province: 'ha-noi',
  },
  {
    title: 'Biển số 30K-1234',
    description: 'Biển số cũ bốn số.',
    category: 'licence-plate',
    province: 'ha-noi',
  },
  {
    title: 'Quyền sử dụng đất thửa số 112, tờ bản đồ số 27, xã Đông Anh, Hà Nội',
    description: 'Thửa đất ở nông thôn, diện tích 150 m².',
    category: 'land-use',
    province: 'ha-noi',
  },
  {
    // Registered in another province than the one it is sold in: found by that one's name too.
    title: 'Xe ô tô Toyota Camry 2.5Q, sản xuất 2019, biển Hà Nội',
    description: 'Thanh lý tài sản công. Số km đã đi 86.000.',
    category: 'vehicle',
    province: 'da-nang',
  },
  {
    title: 'Trụ sở làm việc cũ của Sở Tài chính',
    description: 'Nhà và đất là tài sản công dôi dư.',
    category: 'state-property',
    province: null,
  },
];

beforeAll(async () => {
  // The scheduler ticks once a minute: the lots written here are in states it would not change anyway.
  tp = await startTestPlatform({ clock, env: { CLOSE_POLL_MS: '60000' } });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  const made = await createLot(tp.call, manager, lotBody(NOW, { title: 'Mẫu', description: 'Mẫu.' }));
  const [row] = await tp.database.db.select().from(lots).where(eq(lots.id, made.id));
  const { id: _id, ...rest } = row;
  template = rest;
  // The template is a draft: out of the public catalogue, so it never shows in what follows.
  const statuses: LotStatus[] = ['scheduled', 'live', 'closed', 'failed', 'cancelled', 'suspended'];
  for (let i = 0; i < 120; i++) {
    const t = TEXTS[i % TEXTS.length];
    const status = statuses[(i * 7) % statuses.length];
    // Ending in one of a few shifts: ties on the end are the rule, not the exception.
    const ends =
      status === 'scheduled'
        ? COMING(1 + (i % 4), i % 3)
        : status === 'live'
          ? NOW + (2 + (i % 3)) * 60 * MIN
          : status === 'cancelled' && i % 2 === 0
            ? COMING(2, i % 2) // cancelled before its end: ended, though its end is still to come
            : PAST(1 + (i % 5), i % 3);
    const starts = status === 'live' ? NOW - 10 * MIN : ends - 25 * MIN;
    await insertLot({
      ...t,
      title: i < TEXTS.length ? t.title : `${t.title} (${i})`,
      status,
      startsAt: starts,
      endsAt: ends,
    });
  }
}, 120_000);
afterAll(async () => tp?.stop());

interface Listed {
  id: number;
  status: string;
  endsAt: string;
  startsAt: string;
  category: string;
  province: string | null;
}
interface Page {
  items: Listed[];
  total: number;
  totalExact: boolean;
  nextCursor: string | null;
  nextOffset: number | null;
}

const list = async (query: string): Promise<Page> => {
  const res = await tp.call('GET', `/api/lots?${query}`);
  expect(res.status, `${query}: ${res.text}`).toBe(200);
  return res.json as Page;
};
const ids = (p: Page): number[] => p.items.map((l) => l.id).sort((a, b) => a - b);
const q = (text: string): string => `q=${encodeURIComponent(text)}&limit=100`;
/** The public lots (drafts are not) whose text matches, by the platform's definition in JavaScript. */
const expected = (text: string): number[] => {
  const terms = searchTerms(text)!;
  return seeded
    .filter((l) => matchesLexemes(searchLexemes(`${l.title}\n${provinceName(l.province) ?? ''}`, l.description), terms))
    .map((l) => l.id)
    .sort((a, b) => a - b);
};
const titled = (...titles: string[]): number[] =>
  seeded
    .filter((l) => titles.some((t) => l.title === t || l.title.startsWith(`${t} (`)))
    .map((l) => l.id)
    .sort((a, b) => a - b);

describe('plates by pattern', () => {
  it.each([
    ['51K-888', ['Biển số 51K-888.88', 'Biển số 51K-888.12']],
    ['51k888', ['Biển số 51K-888.88', 'Biển số 51K-888.12']],
    ['51K 888', ['Biển số 51K-888.88', 'Biển số 51K-888.12']],
    ['51K-888.88', ['Biển số 51K-888.88']],
    ['51k88888', ['Biển số 51K-888.88']],
    ['88888', ['Biển số 51K-888.88', 'Biển số 51LD-888.88']],
    ['888.88', ['Biển số 51K-888.88', 'Biển số 51LD-888.88']],
    ['888.12', ['Biển số 51K-888.12']],
    ['K888', ['Biển số 51K-888.88', 'Biển số 51K-888.12']],
    ['51LD', ['Biển số 51LD-888.88']],
    ['29H1-234.56', ['Biển số xe mô tô 29H1-234.56']],
    ['29h1234', ['Biển số xe mô tô 29H1-234.56']],
    ['23456', ['Biển số xe mô tô 29H1-234.56']],
    ['30A-123.45', ['Biển số 30A-123.45']],
    ['30K-1234', ['Biển số 30K-1234']],
    ['bien so 30a', ['Biển số 30A-123.45']],
  ])('%j finds %j', async (text, titles) => {
    const page = await list(q(text));
    expect(ids(page)).toEqual(titled(...titles));
    // The same answer as the platform's own definition, computed in JavaScript (search-text.ts).
    expect(ids(page)).toEqual(expected(text));
  });

  it('finds no other plate', async () => {
    for (const text of ['51K-999', '88889', '30A-123.46', '52K-888', 'K999'])
      expect(ids(await list(q(text)))).toEqual([]);
  });
});

describe('Vietnamese words, with or without diacritics', () => {
  it.each([
    ['bien so', 'biển số'],
    ['quyen su dung dat', 'quyền sử dụng đất'],
    ['ha noi', 'Hà Nội'],
    ['hanoi', 'HÀ NỘI'],
    ['hochiminh', 'thành phố hồ chí minh'],
    ['dong anh', 'Đông Anh'],
    ['xe mo to', 'xe mô tô'],
    ['tru so', 'trụ sở'],
    ['bie', 'biể'],
    ['toyota 2019', 'Toyota 2019'],
  ])('%j finds what %j finds, and what the platform says matches', async (plain, marked) => {
    const a = await list(q(plain));
    const b = await list(q(marked));
    expect(ids(a)).toEqual(ids(b));
    expect(ids(a)).toEqual(expected(plain));
    expect(a.items.length).toBeGreaterThan(0);
  });

  it('matches the words a lot holds (the last typed may be unfinished), not the middle of a word', async () => {
    // "ien" is inside "biển" but begins no word; "dat" begins "đất" but not "đăng".
    expect(ids(await list(q('ien')))).toEqual([]);
    const dat = ids(await list(q('dat')));
    expect(dat).toEqual(expected('dat'));
    expect(dat).toEqual(
      expect.arrayContaining(titled('Quyền sử dụng đất thửa số 112, tờ bản đồ số 27, xã Đông Anh, Hà Nội')),
    );
    expect(dat).not.toEqual(expect.arrayContaining(titled('Biển số 30A-123.45')));
    // Before the last word, words are whole: "bie so" is not "biển số", "bien so" is.
    expect(ids(await list(q('bie so')))).toEqual([]);
    expect(ids(await list(q('so bie')))).toEqual(expected('bien so'));
  });

  it('looks for nothing in punctuation, and everything without a query', async () => {
    expect((await list(q('%'))).items).toEqual([]);
    expect((await list(q('-.-'))).items).toEqual([]);
    expect((await list(`q=${encodeURIComponent('   ')}&limit=1`)).total).toBe(seeded.length);
  });

  it.runIf(onPostgres())('normalises as PostgreSQL’s unaccent does (the simple configuration’s job)', async () => {
    // The platform normalises in JavaScript (so PGlite, without unaccent, agrees); on the Vietnamese
    // alphabet and the titles here that is exactly lower(unaccent(…)), checked where unaccent exists.
    const letters = 'aàáảãạăằắẳẵặâầấẩẫậeèéẻẽẹêềếểễệiìíỉĩịoòóỏõọôồốổỗộơờớởỡợuùúủũụưừứửữựyỳýỷỹỵđ';
    const texts = [letters, letters.toUpperCase(), letters.normalize('NFD'), ...TEXTS.map((t) => t.title)];
    await tp.database.db
      .transaction(async (tx) => {
        await tx.execute(sql`create extension if not exists unaccent`);
        for (const t of texts) {
          const [{ u }] = resultRows<{ u: string }>(await tx.execute(sql`select lower(unaccent(${t}::text)) as u`));
          expect(u.normalize('NFC')).toBe(normaliseText(t));
        }
        throw new Error('rollback');
      })
      .catch((err: Error) => {
        if (err.message !== 'rollback') throw err;
      });
  });
});

describe('filters', () => {
  it('by status, category and province, with words', async () => {
    const page = await list(`status=closed&category=licence-plate&province=ha-noi&${q('bien so')}`);
    const want = seeded
      .filter((l) => l.status === 'closed' && l.category === 'licence-plate' && l.province === 'ha-noi')
      .filter((l) => expected('bien so').includes(l.id))
      .map((l) => l.id)
      .sort((a, b) => a - b);
    expect(want.length).toBeGreaterThan(0);
    expect(ids(page)).toEqual(want);
  });

  it('by start and end, from inclusive and to exclusive, as dates or instants', async () => {
    const from = COMING(2, 0);
    const to = COMING(3, 0);
    const page = await list(`endsFrom=${new Date(from).toISOString()}&endsTo=${new Date(to).toISOString()}&limit=100`);
    const want = seeded.filter((l) => l.endsAt >= from && l.endsAt < to).map((l) => l.id);
    expect(want.length).toBeGreaterThan(0);
    expect(ids(page)).toEqual(want.sort((a, b) => a - b));
    const day = new Date(NOW - DAY).toISOString().slice(0, 10);
    const started = await list(`startsFrom=${day}&startsTo=${new Date(NOW).toISOString()}&limit=100`);
    const since = Date.parse(`${day}T00:00:00Z`);
    expect(ids(started)).toEqual(
      seeded
        .filter((l) => l.startsAt >= since && l.startsAt < NOW)
        .map((l) => l.id)
        .sort((a, b) => a - b),
    );
  });

  it.each([
    ['startsFrom=yesterday', 'startsFrom'],
    ['endsTo=2026-13-01', 'endsTo'],
    ['startsFrom=2026-12-02&startsTo=2026-12-01', 'startsTo'],
    ['endsFrom=2026-12-02T00:00:00Z&endsTo=2026-12-02T00:00:00Z', 'endsTo'],
    ['cursor=', 'cursor'],
  ])('%s: 422 naming %s, and nothing changes', async (query, field) => {
    const res = await tp.call('GET', `/api/lots?${query}`);
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.json.error.fields)).toEqual([field]);
  });
});

/** Every page by cursor, from the first. */
async function walk(query: string, limit: number, between?: (page: number) => Promise<void>): Promise<Page[]> {
  const pages: Page[] = [];
  let cursor: string | null = null;
  do {
    const page = await list(`${query}&limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    pages.push(page);
    cursor = page.nextCursor;
    if (cursor) expect(page.items).toHaveLength(limit);
    expect(page.nextOffset).toBe(pages.length === 1 && cursor ? limit : null);
    await between?.(pages.length);
  } while (cursor);
  return pages;
}

/** The whole order by offset pages (the reference the cursor walk must agree with). */
async function byOffset(query: string): Promise<number[]> {
  const out: number[] = [];
  for (let offset = 0; ; offset += 100) {
    const page = await list(`${query}&limit=100&offset=${offset}`);
    out.push(...page.items.map((l) => l.id));
    if (page.nextOffset === null) return out;
    expect(page.nextOffset).toBe(offset + 100);
  }
}

describe('keyset paging', () => {
  it.each([
    ['the whole catalogue, open lots first', ''],
    ['by soonest end', 'sort=ending'],
    ['newest first', 'sort=newest'],
    ['words', q('bien so').replace('&limit=100', '')],
    ['words by end', `sort=ending&${q('ha noi').replace('&limit=100', '')}`],
    ['a status', 'status=closed&sort=ending'],
    ['a status among open lots', 'status=scheduled'],
  ])('walks %s: every lot once, in the order offset paging gives', async (_what, query) => {
    const reference = await byOffset(query);
    expect(reference.length).toBeGreaterThan(0);
    for (const limit of [1, 7, 50]) {
      const walked = (await walk(query, limit)).flatMap((p) => p.items.map((l) => l.id));
      expect(walked).toEqual(reference);
    }
  });

  it('orders ties on the end by id, and ended lots after open ones', async () => {
    const items = (await walk('sort=ending', 13)).flatMap((p) => p.items);
    const open = (l: Listed): boolean => ['scheduled', 'live'].includes(l.status) && Date.parse(l.endsAt) > NOW;
    const firstEnded = items.findIndex((l) => !open(l));
    expect(items.slice(firstEnded).every((l) => !open(l))).toBe(true);
    const key = (l: Listed, i: number): number[] =>
      i < firstEnded ? [Date.parse(l.endsAt), l.id] : [-Date.parse(l.endsAt), -l.id];
    for (let i = 1; i < items.length; i++) {
      if (i === firstEnded) continue;
      const [a, b] = [key(items[i - 1], i - 1), key(items[i], i)];
      expect(a[0] < b[0] || (a[0] === b[0] && a[1] < b[1]), `${items[i - 1].id} before ${items[i].id}`).toBe(true);
    }
    // The cancelled lots whose end is still to come are among the ended ones, before the past ones.
    const cancelledAhead = items.filter((l) => l.status === 'cancelled' && Date.parse(l.endsAt) > NOW);
    expect(cancelledAhead.length).toBeGreaterThan(0);
    expect(items.indexOf(cancelledAhead[0])).toBe(firstEnded);
  });

  it('gives every lot once, in order, while new lots are written between pages', async () => {
    for (const query of ['', 'sort=ending', 'sort=newest', q('bien so').replace('&limit=100', '')]) {
      const before = await byOffset(query);
      const added: number[] = [];
      const pages = await walk(query, 9, async (page) => {
        // Lots that sort anywhere: before the walk's position, after it, and tied with others.
        const t = TEXTS[page % TEXTS.length];
        const status: LotStatus = page % 2 ? 'scheduled' : 'closed';
        const ends = status === 'scheduled' ? COMING(1 + (page % 4), page % 3) : PAST(1 + (page % 5), page % 3);
        added.push(
          (
            await insertLot({
              ...t,
              title: `${t.title} (mới ${page})`,
              status,
              startsAt: ends - 25 * MIN,
              endsAt: ends,
            })
          ).id,
        );
      });
      const walked = pages.flatMap((p) => p.items.map((l) => l.id));
      expect(new Set(walked).size, `${query}: a lot on two pages`).toBe(walked.length);
      // Every lot there at the start, exactly once and in its order; new ones at most once.
      expect(walked.filter((id) => before.includes(id))).toEqual(before);
      expect(walked.every((id) => before.includes(id) || added.includes(id))).toBe(true);
    }
  });

  it('refuses a cursor it did not give for this order and these filters: 400, and nothing changes', async () => {
    const first = await list(`sort=ending&${q('bien so').replace('&limit=100', '')}&limit=5`);
    const cursor = first.nextCursor!;
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    const position = decodeCursor(cursor)!;
    const bad = [
      'abc',
      'not a cursor!',
      Buffer.from('[1,"ending"]').toString('base64url'),
      Buffer.from('{"id":1}').toString('base64url'),
      encodeCursor({ ...position, segment: 7 }),
      encodeCursor({ ...position, endsAt: null }),
      encodeCursor({ ...position, id: -1 }),
      encodeCursor({ ...position, filters: '0'.repeat(16) }),
      encodeCursor({ ...position, exactTotal: -1 }),
      Buffer.from(JSON.stringify([2, 'ending', 1, 0, null, 1, 'ab'.repeat(8)])).toString('base64url'),
    ];
    for (const c of bad) {
      const res = await tp.call('GET', `/api/lots?sort=ending&q=bien+so&limit=5&cursor=${encodeURIComponent(c)}`);
      expect(res.status, `${c}: ${res.text}`).toBe(400);
      expect(res.json.error).toMatchObject({ code: 'MALFORMED_REQUEST', reason: 'catalogue_cursor_invalid' });
    }
    // Another order, other words, other filters: the same refusal.
    for (const query of [
      'sort=newest&q=bien+so',
      'sort=ending&q=ha+noi',
      'sort=ending&q=bien+so&status=closed',
      'q=bien+so',
    ]) {
      const res = await tp.call('GET', `/api/lots?${query}&limit=5&cursor=${cursor}`);
      expect(res.status, `${query}: ${res.text}`).toBe(400);
      expect(res.json.error.reason).toBe('catalogue_cursor_invalid');
    }
    // A cursor written before cursors carried the first page's count (version 1) still holds.
    const old = Buffer.from(
      JSON.stringify([
        1,
        position.order,
        position.asOf,
        position.segment,
        position.endsAt,
        position.id,
        position.filters,
      ]),
    ).toString('base64url');
    const fromOld = await tp.call('GET', `/api/lots?sort=ending&q=bien+so&limit=5&cursor=${old}`);
    expect(fromOld.status, fromOld.text).toBe(200);
    expect(fromOld.json.items).toEqual(
      (await tp.call('GET', `/api/lots?sort=ending&q=bien+so&limit=5&cursor=${cursor}`)).json.items,
    );
    // The same words typed otherwise are the same search: the cursor holds.
    const again = await tp.call(
      'GET',
      `/api/lots?sort=ending&q=${encodeURIComponent('BIỂN  SỐ')}&limit=5&cursor=${cursor}`,
    );
    expect(again.status, again.text).toBe(200);
    // A cursor and an offset together: 422 naming offset.
    const both = await tp.call('GET', `/api/lots?sort=ending&q=bien+so&limit=5&offset=5&cursor=${cursor}`);
    expect(both.status).toBe(422);
    expect(Object.keys(both.json.error.fields)).toEqual(['offset']);
  });
});

// The reading a national catalogue gets (a sample, then every match collected or the segments walked
// in order; catalogue-plan.ts) must give exactly the pages the planner's own reading gives: forced
// here on the test's small catalogue, with bounds small enough to take every path.
describe('the large-catalogue reading', () => {
  const queries: Partial<CatalogueQuery>[] = [
    {},
    { q: 'bien so' },
    { q: '88888' },
    { q: 'ha noi', status: 'live' },
    { q: 'xe o to', status: 'closed' },
    { status: 'closed' },
    { status: 'scheduled' },
    { province: 'ha-noi', category: 'licence-plate' },
    { q: 'khong co' },
    // A range of starts or ends bounds a walk by id (idRange); a province, category or status is
    // walked along its own index by id.
    { startsFrom: new Date(NOW - 3 * DAY), startsTo: new Date(NOW - DAY) },
    { q: 'bien so', endsFrom: new Date(NOW - 4 * DAY), endsTo: new Date(NOW + 2 * DAY) },
    { startsFrom: new Date(NOW + 30 * DAY) },
    { province: 'ha-noi', status: 'failed' },
    { category: 'vehicle', status: 'closed' },
    { q: 'bien so', province: 'ho-chi-minh' },
    // And by end, along (province, ends_at, id) and the like.
    { province: 'ha-noi' },
    { category: 'vehicle' },
    { q: 'bien so', status: 'failed' },
    { province: 'ha-noi', endsFrom: new Date(NOW - 2 * DAY) },
    // Words that name a province (every lot of it matches), read in parts: that province's lots along
    // its index, and the others (here: vehicles of Đà Nẵng registered in Hà Nội) by the words.
    { q: 'ha noi' },
    { q: 'han' },
    { q: 'Đà Nẵng' },
  ];
  const large = (exactUpTo: number, walkProbe?: number): CatalogueTuning => ({
    largeFrom: 0,
    exactUpTo,
    sampleRows: 1_000,
    size: seeded.length,
    namedProbe: 0,
    ...(walkProbe === undefined ? {} : { walkProbe }),
  });

  /** Every page by cursor, straight through searchLots. */
  async function pages(
    o: Partial<CatalogueQuery>,
    tuning?: CatalogueTuning,
  ): Promise<{ ids: number[]; total: number; exact: boolean }> {
    const out: number[] = [];
    let cursor: string | undefined;
    let first: { total: number; totalExact: boolean } | undefined;
    do {
      const r = await searchLots(tp.database.db, undefined, { limit: 7, offset: 0, ...o, cursor }, clock.now(), tuning);
      if (!r.ok) throw new Error(r.message);
      first ??= r.value;
      // A later page repeats an exact count (its cursor carries it) rather than counting again.
      if (first.totalExact) expect(r.value).toMatchObject({ total: first.total, totalExact: true });
      out.push(...r.value.rows.map((l) => l.id));
      cursor = r.value.nextCursor ?? undefined;
    } while (cursor);
    return { ids: out, total: first.total, exact: first.totalExact };
  }

  it.each(['default', 'ending', 'newest'] as const)('gives the same pages as the planner, ordered %s', async (sort) => {
    for (const query of queries) {
      const o = { ...query, ...(sort === 'default' ? {} : { sort }) };
      const reference = await pages(o);
      expect(reference.exact).toBe(true);
      // A probing walk of 7 lots: the probe that fills the page, and the one that gives up and collects.
      for (const [bound, walkProbe] of [[3], [40], [1_000], [3, 7], [40, 7]]) {
        const got = await pages(o, large(bound, walkProbe));
        expect(got.ids, `${JSON.stringify(o)} with ${bound}`).toEqual(reference.ids);
        // Exact when every match was collected: few enough, and something an index serves to find
        // them (the bare catalogue and unindexed filters are walked, with the sample's estimate).
        const findable = query.q !== undefined || query.status !== undefined || query.province !== undefined;
        if (reference.total <= bound && findable) expect(got).toMatchObject({ total: reference.total, exact: true });
        else if (got.exact) expect(got.total).toBe(reference.total);
        // The sample is the whole of so small a catalogue: its estimate is the count, scaled by the
        // size given (the template draft aside), within a lot or two.
        else {
          const want = reference.total <= bound ? reference.total : Math.max(reference.total, bound + 1);
          expect(Math.abs(got.total - want), `${got.total} for ${want}`).toBeLessThanOrEqual(2);
        }
        // An offset page is the same slice of the same order.
        const r = await searchLots(
          tp.database.db,
          undefined,
          { limit: 5, offset: 9, ...o },
          clock.now(),
          large(bound, walkProbe),
        );
        expect(r.ok && r.value.rows.map((l) => l.id)).toEqual(reference.ids.slice(9, 14));
      }
    }
  });

  it('collects the matches of a rare search and walks the segments of a frequent one', async () => {
    const statements = async (o: Partial<CatalogueQuery>, bound: number): Promise<string[]> =>
      (await explainCatalogue(tp.database.db, undefined, { limit: 7, offset: 0, ...o }, clock.now(), large(bound))).map(
        (s) => s.statement,
      );
    expect(await statements({ q: '88888' }, 40)).toEqual(['sample', 'collect', 'rows']);
    const frequent = await statements({ q: 'bien so', sort: 'ending' }, 3);
    expect(frequent[0]).toBe('sample');
    expect(frequent).toContain('segment 0 walk');
    // A province's lots are walked along its own index, in the segment's order: by end for open lots
    // (and for every segment of sort=ending), by id for the others in the default order.
    const indexes = async (o: Partial<CatalogueQuery>): Promise<string[]> => {
      const names = (n: PlanNode): string[] => [
        ...(n['Index Name'] ? [n['Index Name']] : []),
        ...(n.Plans ?? []).flatMap(names),
      ];
      const trace = await explainCatalogue(
        tp.database.db,
        undefined,
        { limit: 7, offset: 0, ...o },
        clock.now(),
        large(40),
      );
      return trace.filter((t) => t.statement.includes('walk')).flatMap((t) => names(t.plan));
    };
    expect(await indexes({ province: 'ha-noi' })).toEqual(['lots_province_ends']);
    expect(await indexes({ province: 'ha-noi', sort: 'ending' })).toEqual(['lots_province_ends']);
    expect(await indexes({ province: 'ha-noi', sort: 'newest' })).toEqual(['lots_province']);
    expect(await indexes({ category: 'licence-plate', sort: 'ending' })).toContain('lots_category_ends');
    // A range of ends bounds such a walk where it starts and stops: the category is a list of one value,
    // which the btree takes as an equality (a range of one value leaves it reading every plate's entry).
    // Walked along, whatever the count (walkAlongPast, below).
    const conditions = (n: PlanNode): string[] => [
      ...(n['Index Name'] === 'lots_category_ends' ? [String(n['Index Cond'])] : []),
      ...(n.Plans ?? []).flatMap(conditions),
    ];
    const ranged = await explainCatalogue(
      tp.database.db,
      undefined,
      {
        limit: 7,
        offset: 0,
        category: 'licence-plate',
        endsFrom: new Date(NOW - 3 * DAY),
        endsTo: new Date(NOW - DAY),
        sort: 'ending',
      },
      clock.now(),
      { ...large(1_000), walkAlongPast: 0 },
    );
    const along = ranged.filter((t) => t.statement.includes('walk')).flatMap((t) => conditions(t.plan));
    expect(along.length).toBeGreaterThan(0);
    for (const c of along) expect(c).toMatch(/category = ANY/);
    // Whatever the count, a page that a walk along a status's or province's index fills cheaply is
    // walked when collecting would read many lots (here: any), and its total is the sample's estimate.
    const alongOnly = { ...large(1_000), walkAlongPast: 0 };
    const walkedAlong: Partial<CatalogueQuery>[] = [
      { province: 'ha-noi', status: 'failed' },
      { q: 'bien so', status: 'closed', sort: 'ending' },
      { q: 'xe o to', status: 'cancelled', sort: 'newest' },
    ];
    for (const o of walkedAlong) {
      const reference = await pages(o);
      const got = await pages(o, alongOnly);
      expect(got.ids, JSON.stringify(o)).toEqual(reference.ids);
      expect(got.exact).toBe(false);
      expect(Math.abs(got.total - reference.total)).toBeLessThanOrEqual(2);
      const trace = await explainCatalogue(
        tp.database.db,
        undefined,
        { limit: 7, offset: 0, ...o },
        clock.now(),
        alongOnly,
      );
      expect(trace.map((t) => t.statement)).not.toContain('collect');
    }
    // Words that name a province, many matches nearly all of it: its lots walked along its own index
    // (every one a match), the others (Đà Nẵng's vehicles registered in Hà Nội) collected by the words.
    const named = await explainCatalogue(
      tp.database.db,
      undefined,
      { limit: 7, offset: 0, q: 'ha noi' },
      clock.now(),
      large(40),
    );
    expect(named.map((t) => t.statement)).toEqual([
      'sample',
      'segment start',
      'ha-noi segment 0 walk',
      'others collect',
      'rows',
    ]);
    const walkedBy = (t: { plan: PlanNode }): string[] => [
      ...(t.plan['Index Name'] ? [t.plan['Index Name']] : []),
      ...(t.plan.Plans ?? []).flatMap((n) => walkedBy({ plan: n })),
    ];
    expect(named.filter((t) => t.statement.includes('walk')).flatMap(walkedBy)).toEqual(['lots_province_ends']);
    // Unless a short walk of the order fills the page first (2,000 lots by default).
    const walked = await explainCatalogue(
      tp.database.db,
      undefined,
      { limit: 7, offset: 0, q: 'ha noi' },
      clock.now(),
      { ...large(40), namedProbe: undefined },
    );
    expect(walked.map((t) => t.statement)).not.toContain('others collect');
    // Each statement's plan comes with it, on PGlite as on PostgreSQL.
    const [sample] = await explainCatalogue(tp.database.db, undefined, { limit: 7, offset: 0 }, clock.now(), large(3));
    expect(sample.plan['Node Type']).toBe('Aggregate');
  });
});

describe('total', () => {
  it('is exact for a small catalogue, with totalExact', async () => {
    const page = await list(`${q('bien so').replace('&limit=100', '')}&limit=3`);
    expect(page).toMatchObject({ totalExact: true, total: expected('bien so').length });
    expect(page.items).toHaveLength(3);
  });

  it('has nothing pending to fill after a start, and fills a lot written without its search columns', async () => {
    const copy = {
      ...template,
      title: 'Biển số 36A-686.86',
      description: 'Thanh Hóa.',
      province: 'thanh-hoa' as const,
    };
    const [{ id }] = await tp.database.db
      .insert(lots)
      .values({ ...copy, status: 'scheduled', searchText: null, searchCompact: null, searchVector: null })
      .returning({ id: lots.id });
    expect(ids(await list(q('36A-686')))).toEqual([]);
    expect(await backfillLotSearch(tp.database.db, tp.platform.ctx.log)).toBe(1);
    expect(ids(await list(q('36A-686')))).toEqual([id]);
    expect(ids(await list(q('68686')))).toEqual([id]);
    await tp.database.db.delete(lots).where(eq(lots.id, id));
  });

  it(`is the planner's estimate past ${EXACT_TOTAL_UP_TO} matches, with totalExact false`, async () => {
    // Enough lots in one statement to pass the bound (PostgreSQL's generate_series, on PGlite too).
    const [row] = seeded.filter((l) => l.status === 'closed');
    const n = EXACT_TOTAL_UP_TO + 500;
    await tp.database.db.execute(sql`
      insert into lots (organisation_id, title, description, category, province, status, starting_price, price_step,
                        deposit, registration_opens_at, registration_closes_at, starts_at, ends_at, scheduled_ends_at,
                        rules, manager_pid, closed_at, search_text, search_compact, search_vector)
      select organisation_id, 'Biển số 99A-' || lpad(g::text, 5, '0'), description, category, province, status,
             starting_price, price_step, deposit, registration_opens_at, registration_closes_at, starts_at,
             ends_at, scheduled_ends_at, rules, manager_pid, closed_at, search_text, search_compact, search_vector
        from lots, generate_series(1, ${n}) g
       where id = ${row.id}`);
    await tp.database.db.execute(sql`analyze lots`);
    const [{ count }] = resultRows<{ count: number }>(
      await tp.database.db.execute(sql`select count(*)::int as count from lots where status <> 'draft'`),
    );
    const all = await list('limit=5');
    expect(all.totalExact).toBe(false);
    expect(all.total).toBeGreaterThan(EXACT_TOTAL_UP_TO);
    // An estimate, from the statistics just gathered: near the truth.
    expect(Math.abs(all.total - count) / count).toBeLessThan(0.2);
    // A rarer search among them is still counted exactly.
    const few = await list(`${q('29h1').replace('&limit=100', '')}&limit=5`);
    expect(few).toMatchObject({ totalExact: true, total: expected('29h1').length });
    // And paging by cursor still walks to the end of a search past the bound.
    const closed = await list('status=closed&category=licence-plate&limit=100');
    expect(closed.totalExact).toBe(false);
    expect(closed.nextCursor).not.toBeNull();
    // The search condition itself, as the tsquery the database gets (shown for the reader).
    expect(tsqueryLiteral(searchTerms('51K-888')!)).toBe(`(('51k' & ('888' | '~888')) | '#51k888')`);
    expect(tsqueryLiteral(searchTerms('bien so')!)).toBe(`'bien' & ('so' | '#so')`);
    expect(tsqueryLiteral(searchTerms('toyota cam')!)).toBe(`'toyota' & ('cam' | '~cam')`);
  });
});
