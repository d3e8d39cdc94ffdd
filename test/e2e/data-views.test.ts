// "Who viewed my data" in a real browser (issue 20): a regulator opens a lot's record page and states
// why they read its bidders' identities; the citizen, signed in, follows the link from "My auctions" and
// finds that read at once, with the regulator's role and name, the purpose and the lot. Axe at desktop
// and 390 px, no sideways scrolling at 390 px, screenshots at both widths.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  axeViolations,
  chromiumAvailable,
  newSession,
  PERSONA,
  screenshots,
  startE2E,
  type E2E,
  type Session,
} from './browser.ts';

const run = chromiumAvailable();
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 900 };
const PURPOSE = 'Kiểm tra hồ sơ theo kế hoạch thanh tra quý IV';
let e2e: E2E;
let regulator: Session;
let citizen: Session;

describe.runIf(run)('who viewed my data, in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    regulator = await newSession(e2e, { pid: PERSONA.regulator });
    citizen = await newSession(e2e, { pid: PERSONA.an });
  }, 240_000);
  afterAll(async () => e2e?.stop());

  it("lists a regulator's read of the citizen's identity as soon as it happened", async () => {
    const mine = await citizen.api<{ items: { lotId: number; lot: { title: string } }[] }>(
      'GET',
      '/api/me/registrations',
    );
    expect(mine.status).toBe(200);
    const lot = mine.json.items[0];
    if (!lot) throw new Error('the demo persona has no registration');
    const me = await regulator.api<{ name: string | null }>('GET', '/api/me');

    // The regulator states the purpose on the lot's record page; the page reads identities with it.
    const { page } = regulator;
    await page.goto(`${e2e.base}/regulator/lots/${lot.lotId}`);
    await page.locator('html[data-ready]').waitFor();
    await page.fill('#purpose', PURPOSE);
    await page.getByRole('button', { name: 'Ghi mục đích' }).click();
    await page.waitForURL((url) => url.searchParams.get('purpose') === PURPOSE);
    await page.locator('html[data-ready]').waitFor();
    expect(await page.getByTestId('download-json').getAttribute('href')).toContain(
      `purpose=${encodeURIComponent(PURPOSE)}`,
    );

    // The citizen follows the link from "My auctions" and sees the read at the top.
    const view = citizen.page;
    await view.goto(`${e2e.base}/me`);
    await view.locator('html[data-ready]').waitFor();
    await view.getByTestId('data-views-link').click();
    await view.waitForURL((url) => url.pathname === '/me/data-views');
    const row = view.getByTestId('data-views').locator('tbody tr').first();
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('Cơ quan giám sát');
    if (me.json.name) expect(text).toContain(me.json.name);
    expect(text).toContain(PURPOSE);
    expect(text).toContain('Danh sách người đăng ký của phiên, có danh tính');
    expect(text).toContain(lot.lot.title);

    await view.setViewportSize(DESKTOP);
    expect(await axeViolations(view), 'data views at desktop width').toEqual([]);
    await view.setViewportSize(PHONE);
    await view.waitForTimeout(150);
    expect(await axeViolations(view), 'data views at 390 px').toEqual([]);
    expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await view.setViewportSize(DESKTOP);
    await screenshots(citizen, 'me-data-views');
    expect(citizen.problems).toEqual([]);
    expect(regulator.problems).toEqual([]);
  }, 180_000);
});
