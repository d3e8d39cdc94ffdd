// The catalogue in Chromium as a visitor uses it (issue 14 item 7): searching without diacritics, a
// licence plate typed in another format, the province filter, a price typed as people say it, one
// message for an empty result, and upcoming cards that say when registration closes (Vietnamese
// date format, Vietnam time). Axe-clean and no wider than the screen at desktop and at 390 px, with
// screenshots of both. The lots are the test's own (no demo data), created through the API.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  chromiumAvailable,
  iso,
  newSession,
  PERSONA,
  screenshots,
  startE2E,
  type E2E,
  type Session,
} from './browser.ts';

const run = chromiumAvailable();
const HOUR = 3_600_000;
const M = 1_000_000;
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };

const LOTS = {
  plate30K: {
    title: 'Biển số 30K-888.88',
    description: 'Quyền sử dụng biển số xe ô tô 30K-888.88, đăng ký tại Hà Nội.',
    category: 'licence-plate',
    province: 'ha-noi',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    deposit: 8 * M,
  },
  plate51K: {
    title: 'Biển số 51K-999.99',
    description: 'Biển số nền trắng, đăng ký tại Thành phố Hồ Chí Minh.',
    category: 'licence-plate',
    province: 'ho-chi-minh',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    deposit: 8 * M,
  },
  land: {
    title: 'Quyền sử dụng đất thửa 112, xã Đông Anh',
    description: 'Thửa đất ở nông thôn, diện tích 150 m².',
    category: 'land-use',
    province: 'ha-noi',
    startingPrice: 2_850 * M,
    priceStep: 50 * M,
    deposit: 300 * M,
  },
  truck: {
    title: 'Xe tải Hino 8 tấn',
    description: 'Tài sản tịch thu, bán theo hiện trạng.',
    category: 'vehicle',
    province: 'hai-phong',
    startingPrice: 480 * M,
    priceStep: 10 * M,
    deposit: 48 * M,
  },
} as const;

describe.runIf(run)('the catalogue in Chromium', () => {
  let e2e: E2E;
  let visitor: Session;
  const closes: Record<string, string> = {};

  beforeAll(async () => {
    e2e = await startE2E({ DEMO_DATA: 'false' });
    const manager = await newSession(e2e, { pid: PERSONA.manager });
    let hours = 2;
    for (const [key, lot] of Object.entries(LOTS)) {
      closes[key] = iso(hours++ * HOUR);
      const created = await manager.api<{ id: number }>('POST', '/api/lots', {
        ...lot,
        registrationOpensAt: iso(-60_000),
        registrationClosesAt: closes[key],
        startsAt: closes[key],
        endsAt: iso(hours * HOUR + HOUR),
      });
      expect(created.status, JSON.stringify(created.json)).toBe(201);
      expect((await manager.api('POST', `/api/lots/${created.json.id}/publish`)).status).toBe(200);
    }
    await manager.context.close();
    visitor = await newSession(e2e);
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  const titles = async (): Promise<string[]> =>
    (await visitor.page.locator('.lot-card h3').allTextContents()).map((t) => t.trim()).sort();
  const expected = (...keys: (keyof typeof LOTS)[]): string[] => keys.map((k) => LOTS[k].title).sort();

  /** Fills the search box (and the other fields given) and submits the form, as a person does. */
  async function searchFor(fields: {
    q?: string;
    province?: string;
    minPrice?: string;
    maxPrice?: string;
  }): Promise<void> {
    const { page } = visitor;
    const values = { q: '', province: '', minPrice: '', maxPrice: '', ...fields };
    await page.fill('#q', values.q);
    await page.selectOption('#province', values.province);
    await page.fill('#minPrice', values.minPrice);
    await page.fill('#maxPrice', values.maxPrice);
    await page.getByRole('button', { name: 'Tìm', exact: true }).click();
    // The GET form navigates (in the page, or by a full load): the address carries what was typed once the results are in.
    await page.waitForURL(
      (u) => u.pathname === '/' && Object.entries(values).every(([k, v]) => (u.searchParams.get(k) ?? '') === v),
    );
    await page.locator('html[data-ready]').waitFor();
  }

  it('finds lots without diacritics and a plate typed in another format', async () => {
    const { page } = visitor;
    await page.goto(`${e2e.base}/`);
    await page.locator('html[data-ready]').waitFor();
    await expect.poll(titles).toEqual(expected('plate30K', 'plate51K', 'land', 'truck'));

    await searchFor({ q: 'bien so' });
    await expect.poll(titles).toEqual(expected('plate30K', 'plate51K'));
    await searchFor({ q: 'dong anh' });
    await expect.poll(titles).toEqual(expected('land'));
    for (const plate of ['30K88888', '30k-888.88', '30K 888', '88888']) {
      await searchFor({ q: plate });
      await expect.poll(titles, { message: plate }).toEqual(expected('plate30K'));
    }
    expect(await page.inputValue('#q')).toBe('88888');
  });

  it('filters by province, and by a price typed as people say it', async () => {
    const { page } = visitor;
    await searchFor({ province: 'ha-noi' });
    await expect.poll(titles).toEqual(expected('plate30K', 'land'));
    expect(await page.locator('#province option:checked').textContent()).toBe('Hà Nội');
    expect(await page.locator('.lot-card').first().textContent()).toContain('Hà Nội');

    await searchFor({ q: 'ha noi', province: 'ha-noi', maxPrice: '500tr' });
    await expect.poll(titles).toEqual(expected('plate30K'));
    await searchFor({ minPrice: '400 triệu', maxPrice: '1 tỷ' });
    await expect.poll(titles).toEqual(expected('truck'));

    // A price that cannot be read is shown back with its reason, and not applied.
    await searchFor({ maxPrice: 'rẻ' });
    await expect.poll(titles).toEqual(expected('plate30K', 'plate51K', 'land', 'truck'));
    expect(await page.getAttribute('#maxPrice', 'aria-invalid')).toBe('true');
    expect(await page.locator('#maxPrice-error').textContent()).toContain('Chưa đọc được số tiền');
    expect(await page.getAttribute('#maxPrice', 'aria-describedby')).toContain('maxPrice-error');
    expect(await axeViolations(page)).toEqual([]);
  });

  it('says once that nothing matches', async () => {
    const { page } = visitor;
    await searchFor({ q: 'ha long' });
    await expect.poll(titles).toEqual([]);
    const text = (await page.locator('main').textContent()) ?? '';
    expect(text.split('Không tìm thấy tài sản nào phù hợp.').length - 1).toBe(1);
    expect(text).not.toContain('Không có tài sản nào phù hợp.');
    expect(await page.locator('main h2').count()).toBe(0);
    expect(await page.getByRole('status').filter({ hasText: 'Không tìm thấy' }).count()).toBe(1);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(visitor, 'catalogue-empty');
  });

  it('shows when registration closes on upcoming cards, in Vietnam time', async () => {
    const { page } = visitor;
    await page.goto(`${e2e.base}/?q=${encodeURIComponent('30K88888')}`);
    const card = page.locator('.lot-card', { hasText: LOTS.plate30K.title });
    const when = new Intl.DateTimeFormat('vi-VN', {
      timeZone: 'Asia/Ho_Chi_Minh',
      day: '2-digit',
      month: '2-digit',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hour12: false,
    }).format(new Date(closes.plate30K));
    expect(when).toMatch(/^\d{2}:\d{2} \d{2}\/\d{2}\/\d{4}$/);
    expect(await card.getByTestId('registration-closes').locator('dt').textContent()).toBe('Hạn đăng ký');
    expect(await card.getByTestId('registration-closes').locator('dd').textContent()).toBe(when);
  });

  it('fits a 390-px phone and a desktop, axe clean at both', async () => {
    const { page } = visitor;
    for (const viewport of [DESKTOP, PHONE]) {
      await page.setViewportSize(viewport);
      await page.goto(`${e2e.base}/?q=${encodeURIComponent('bien so')}&province=ha-noi&maxPrice=500tr&sort=ending`);
      await page.locator('html[data-ready]').waitFor();
      await expect.poll(titles).toEqual(expected('plate30K'));
      expect(
        await page.evaluate(() => document.documentElement.scrollWidth),
        `at ${viewport.width} px`,
      ).toBeLessThanOrEqual(viewport.width);
      // Every control of the form is on screen, and tall enough to use with a thumb.
      for (const id of ['#q', '#status', '#category', '#province', '#minPrice', '#maxPrice', '#sort']) {
        const box = await page.locator(id).boundingBox();
        expect(
          box && box.x >= 0 && box.x + box.width <= viewport.width && box.height >= 32,
          `${id} at ${viewport.width} px: ${JSON.stringify(box)}`,
        ).toBe(true);
      }
      expect(await axeViolations(page), `at ${viewport.width} px`).toEqual([]);
    }
    await screenshots(visitor, 'catalogue-search');
    expect(visitor.problems).toEqual([]);
  });
});
