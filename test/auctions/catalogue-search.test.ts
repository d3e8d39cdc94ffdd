// The catalogue search as people type (issue 14 item 7): GET /api/lots finds lots without diacritics
// and licence plates in any format, filters by province and price range, sorts by the soonest end,
// and refuses malformed parameters with a 422 naming the field. Runs on PGlite and, with
// TEST_DATABASE_URL, on PostgreSQL (the same full-text index on both: issue 21, migration 0017).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { resultRows } from '../../db/client.ts';
import { lots } from '../../db/schema.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { backfillLotSearch } from '../../server/auctions/lot-search-columns.ts';
import { createLot, lotBody, person, publishedLot, type Actor } from './factories.ts';

let tp: TestPlatform;
const clock = new ManualClock(Date.parse('2026-12-01T08:00:00Z'));
let manager: Actor;
const MIN = 60_000;
const M = 1_000_000;
const ids: Record<string, number> = {};

/** A lot whose bidding runs [now + start, now + end) minutes. */
const body = (
  title: string,
  description: string,
  extra: Record<string, unknown>,
  start = 10,
  end = 70,
): Record<string, unknown> => {
  const t = clock.now().getTime();
  return lotBody(t, {
    title,
    description,
    registrationClosesAt: new Date(t + start * MIN).toISOString(),
    startsAt: new Date(t + start * MIN).toISOString(),
    endsAt: new Date(t + end * MIN).toISOString(),
    ...extra,
  });
};

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  const make = async (key: string, b: Record<string, unknown>): Promise<void> => {
    ids[key] = (await publishedLot(tp.call, manager, b)).id;
  };
  await make(
    'plate30K',
    body(
      'Biển số 30K-888.88',
      'Quyền sử dụng biển số xe ô tô 30K-888.88, đăng ký tại Hà Nội.',
      { province: 'ha-noi', startingPrice: 40 * M, priceStep: 5 * M, deposit: 4 * M },
      10,
      40,
    ),
  );
  await make(
    'plate51K',
    body(
      'Biển số 51K-999.99',
      'Biển số nền trắng, chữ đen, đăng ký tại Thành phố Hồ Chí Minh.',
      { province: 'ho-chi-minh', startingPrice: 40 * M, priceStep: 5 * M, deposit: 4 * M },
      10,
      30,
    ),
  );
  await make(
    'land',
    body(
      'Quyền sử dụng đất thửa 112, xã Đông Anh, Hà Nội',
      'Thửa đất ở nông thôn, diện tích 150 m².',
      { category: 'land-use', province: 'ha-noi', startingPrice: 2_850 * M, priceStep: 50 * M, deposit: 300 * M },
      10,
      90,
    ),
  );
  // Its text names no place: the province's name is searchable all the same.
  await make(
    'truck',
    body(
      'Xe tải Hino 8 tấn',
      'Tài sản tịch thu, bán theo hiện trạng.',
      { category: 'vehicle', province: 'hai-phong', startingPrice: 480 * M, priceStep: 10 * M, deposit: 48 * M },
      10,
      60,
    ),
  );
  await make(
    'noProvince',
    body(
      'Máy phát điện Cummins 250 kVA',
      'Hai máy đã qua sử dụng.',
      { category: 'equipment', startingPrice: 310 * M, priceStep: 5 * M, deposit: 31 * M },
      10,
      50,
    ),
  );
});
afterAll(async () => tp?.stop());

const found = async (query: string, token?: string): Promise<number[]> => {
  const res = await tp.call('GET', `/api/lots?${query}&limit=100`, { token });
  expect(res.status, `${query}: ${res.text}`).toBe(200);
  return res.json.items.map((l: { id: number }) => l.id);
};
const search = (q: string): Promise<number[]> => found(`q=${encodeURIComponent(q)}`);
const sorted = (keys: string[]): number[] => keys.map((k) => ids[k]).sort((a, b) => a - b);

describe('searching as people type', () => {
  it.each([
    ['bien so', ['plate30K', 'plate51K']],
    ['BIEN SO', ['plate30K', 'plate51K']],
    ['Biển số', ['plate30K', 'plate51K']],
    ['ha noi', ['plate30K', 'land']],
    ['noi ha', ['plate30K', 'land']],
    ['dong anh', ['land']],
    ['ĐÔNG ANH', ['land']],
    ['quyen su dung dat', ['land']],
    ['hai phong', ['truck']],
    ['bienso', ['plate30K', 'plate51K']],
  ])('%s finds what was written with diacritics', async (q, keys) => {
    expect((await search(q)).sort((a, b) => a - b)).toEqual(sorted(keys));
  });

  it.each(['30K88888', '30k-888.88', '30K 888', '30K-888.88', '88888', '30k.888-88', ' 30 K 888 88 '])(
    'the plate 30K-888.88 is found as %j',
    async (q) => {
      expect(await search(q)).toEqual([ids.plate30K]);
    },
  );

  it('finds nothing for text that is not there, and treats LIKE wildcards as text', async () => {
    expect(await search('ha long')).toEqual([]);
    expect(await search('30K-999')).toEqual([]);
    expect(await search('%')).toEqual([]);
    expect(await search('_')).toEqual([]);
  });

  it('follows an edit of the title, description, category or province', async () => {
    const draft = await createLot(
      tp.call,
      manager,
      body('Xe ô tô Toyota Camry', 'Màu đen.', { category: 'vehicle', province: 'can-tho' }),
    );
    const mine = (q: string): Promise<number[]> => found(`mine=true&q=${encodeURIComponent(q)}`, manager.token);
    expect(await mine('can tho')).toContain(draft.id);
    const res = await tp.call('PATCH', `/api/lots/${draft.id}`, {
      token: manager.token,
      body: { title: 'Xe ô tô Ford Ranger', province: 'hue' },
    });
    expect(res.status, res.text).toBe(200);
    expect(res.json.province).toBe('hue');
    expect(await mine('ford ranger')).toContain(draft.id);
    expect(await mine('hue')).toContain(draft.id);
    expect(await mine('camry')).not.toContain(draft.id);
    expect(await mine('can tho')).not.toContain(draft.id);
    // With words, the category and province are read from the lot's lexemes too (migration 0018):
    // they follow the edit.
    const faceted = (filters: string): Promise<number[]> => found(`mine=true&q=ford&${filters}`, manager.token);
    expect(await faceted('province=hue&category=vehicle')).toContain(draft.id);
    expect(await faceted('province=can-tho')).not.toContain(draft.id);
    const recategorised = await tp.call('PATCH', `/api/lots/${draft.id}`, {
      token: manager.token,
      body: { category: 'equipment' },
    });
    expect(recategorised.status, recategorised.text).toBe(200);
    expect(await faceted('category=equipment&province=hue')).toContain(draft.id);
    expect(await faceted('category=vehicle')).not.toContain(draft.id);
    expect(await found('mine=true&category=equipment&province=hue', manager.token)).toContain(draft.id);
    const cleared = await tp.call('PATCH', `/api/lots/${draft.id}`, { token: manager.token, body: { province: null } });
    expect(cleared.json.province).toBeNull();
    expect(await mine('hue')).not.toContain(draft.id);
  });
});

describe('filters and order', () => {
  it('filters by province', async () => {
    expect((await found('province=ha-noi')).sort((a, b) => a - b)).toEqual(sorted(['plate30K', 'land']));
    expect(await found('province=hai-phong')).toEqual([ids.truck]);
    expect(await found('province=ca-mau')).toEqual([]);
    expect(await found(`province=ha-noi&q=${encodeURIComponent('bien so')}`)).toEqual([ids.plate30K]);
    const lot = (await tp.call('GET', `/api/lots/${ids.land}`)).json;
    expect(lot.province).toBe('ha-noi');
    expect((await tp.call('GET', `/api/lots/${ids.noProvince}`)).json.province).toBeNull();
  });

  it('filters by a price range on the standing price, bounds included', async () => {
    expect((await found(`minPrice=${400 * M}&maxPrice=${1_000 * M}`)).sort((a, b) => a - b)).toEqual(sorted(['truck']));
    expect((await found(`maxPrice=${40 * M}`)).sort((a, b) => a - b)).toEqual(sorted(['plate30K', 'plate51K']));
    expect((await found(`minPrice=${2_850 * M}`)).sort((a, b) => a - b)).toEqual(sorted(['land']));
    expect(await found(`minPrice=${2_850 * M + 1}`)).toEqual([]);
    expect(await found(`minPrice=${40 * M}&maxPrice=${40 * M}&province=ho-chi-minh`)).toEqual([ids.plate51K]);
  });

  it('sorts by the soonest end with sort=ending, ended lots after', async () => {
    const ended = await publishedLot(
      tp.call,
      manager,
      body('Biển số 43A-555.55', 'Đà Nẵng.', { province: 'da-nang' }, 1, 2),
    );
    clock.advance(3 * MIN);
    try {
      const items = (await tp.call('GET', '/api/lots?sort=ending&limit=100')).json.items as {
        id: number;
        endsAt: string;
      }[];
      const open = items.filter((l) => Date.parse(l.endsAt) > clock.now().getTime());
      expect(open.map((l) => l.id).slice(0, 5)).toEqual([
        ids.plate51K,
        ids.plate30K,
        ids.noProvince,
        ids.truck,
        ids.land,
      ]);
      expect(items.indexOf(items.find((l) => l.id === ended.id)!)).toBeGreaterThanOrEqual(open.length);
      // Without sort the order is as it was: open lots by their end, then the rest newest first.
      const plain = (await tp.call('GET', '/api/lots?status=scheduled&limit=100')).json.items.map(
        (l: { id: number }) => l.id,
      );
      expect(plain.slice(0, 5)).toEqual([ids.plate51K, ids.plate30K, ids.noProvince, ids.truck, ids.land]);
      const newest = (await tp.call('GET', '/api/lots?sort=newest&limit=100')).json.items.map(
        (l: { id: number }) => l.id,
      );
      expect(newest).toEqual([...newest].sort((a: number, b: number) => b - a));
    } finally {
      clock.advance(-3 * MIN);
    }
  });
});

describe('refusing malformed parameters', () => {
  it.each([
    ['province=atlantis', 'province'],
    ['province=Ha%20Noi', 'province'],
    ['province=', 'province'],
    ['minPrice=-1', 'minPrice'],
    ['minPrice=1.5', 'minPrice'],
    ['minPrice=abc', 'minPrice'],
    ['minPrice=1e9', 'minPrice'],
    ['minPrice=', 'minPrice'],
    ['maxPrice=500tr', 'maxPrice'],
    ['maxPrice=99999999999999999', 'maxPrice'],
    ['minPrice=2000&maxPrice=1000', 'maxPrice'],
    ['sort=cheapest', 'sort'],
  ])('%s: 422 naming %s', async (query, field) => {
    const res = await tp.call('GET', `/api/lots?${query}`);
    expect(res.status, res.text).toBe(422);
    expect(res.json.error.code).toBe('VALIDATION_FAILED');
    expect(Object.keys(res.json.error.fields)).toEqual([field]);
  });

  it('refuses a lot with an unknown province, and creates nothing', async () => {
    const before = (await tp.database.db.select({ n: sql<number>`count(*)::int` }).from(lots))[0].n;
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      body: body('Biển số 99A-999.99', 'x', { province: 'sai-gon' }),
    });
    expect(res.status).toBe(422);
    expect(Object.keys(res.json.error.fields)).toEqual(['province']);
    const edit = await tp.call('PATCH', `/api/lots/${ids.plate30K}`, {
      token: manager.token,
      body: { province: 'ha-tay' },
    });
    expect(edit.status).toBe(422);
    expect((await tp.database.db.select({ n: sql<number>`count(*)::int` }).from(lots))[0].n).toBe(before);
    expect((await tp.call('GET', `/api/lots/${ids.plate30K}`)).json.province).toBe('ha-noi');
  });
});

describe('the stored search text', () => {
  it('is filled at start for lots written without it', async () => {
    const [{ id }] = await tp.database.db
      .insert(lots)
      .values({
        ...(await lotRowFrom(ids.plate51K)),
        title: 'Biển số 36A-123.45',
        description: 'Đăng ký tại Thanh Hóa.',
        province: 'thanh-hoa',
        searchText: null,
        searchCompact: null,
      })
      .returning({ id: lots.id });
    expect(await search('36A12345')).not.toContain(id);
    await backfillLotSearch(tp.database.db, tp.platform.ctx.log);
    expect(await search('36A12345')).toEqual([id]);
    expect(await search('thanh hoa')).toEqual([id]);
    const [row] = await tp.database.db
      .select({ t: lots.searchText, c: lots.searchCompact })
      .from(lots)
      .where(eq(lots.id, id));
    expect(row).toEqual({
      t: 'bien so 36a-123.45 dang ky tai thanh hoa. thanh hoa',
      c: 'bienso36a12345dangkytaithanhhoathanhhoa',
    });
    // Lots still to fill are found through a partial index, not a scan of every lot at each start.
    const pending = resultRows<{ indexdef: string }>(
      await tp.database.db.execute(sql`select indexdef from pg_indexes where indexname = 'lots_search_pending'`),
    );
    expect(pending.map((r) => r.indexdef.replace(/"/g, ''))).toEqual([
      expect.stringMatching(/\(id\) WHERE \(search_text IS NULL\)$/),
    ]);
  });

  // Issue 21: full-text search over search_vector, on PGlite and PostgreSQL alike (the trigram indexes
  // of migration 0005 served the LIKEs this search no longer runs; migration 0017 drops them).
  it('has one GIN index over the search lexemes and no trigram index', async () => {
    const rows = resultRows<{ indexname: string; indexdef: string }>(
      await tp.database.db.execute(
        sql`select indexname, indexdef from pg_indexes where tablename = 'lots' and (indexdef like '%gin%') order by indexname`,
      ),
    );
    expect(rows.map((r) => [r.indexname, r.indexdef.replace(/"/g, '').replace(/^.* USING /, '')])).toEqual([
      ['lots_search_vector', 'gin (search_vector)'],
    ]);
  });
});

/** A copy of a lot's row to insert as another lot (without its id or identity columns). */
async function lotRowFrom(id: number): Promise<Omit<typeof lots.$inferInsert, 'id'>> {
  const [row] = await tp.database.db.select().from(lots).where(eq(lots.id, id));
  const { id: _id, ...rest } = row;
  return rest;
}
