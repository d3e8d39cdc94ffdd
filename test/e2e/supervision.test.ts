// Live supervision in a real browser (issue 20): a regulator opens the live lots in their scope,
// opens one, is asked why before any identity is shown, states a purpose, and sees who each bidder
// code is (the page states the look was logged with that purpose: test/identity/data-views.test.ts and
// test/e2e/data-views.test.ts show the citizen's side), the ledger so far and the signals, and it keeps
// working after the navigation that states the purpose. Axe at desktop and 390 px, no sideways
// scrolling at 390 px, screenshots.
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
const PURPOSE = 'Giám sát trực tiếp phiên theo kế hoạch thanh tra';
let e2e: E2E;
let regulator: Session;

describe.runIf(run)('live supervision, in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    regulator = await newSession(e2e, { pid: PERSONA.regulator });
  }, 240_000);
  afterAll(async () => e2e?.stop());

  it('asks for a purpose first, then shows identities, ledger and signals', async () => {
    const { page } = regulator;
    await page.setViewportSize(DESKTOP);
    await page.goto(`${e2e.base}/regulator/live`);
    await page.locator('html[data-ready]').waitFor();
    const links = page.locator('a[href^="/regulator/live/"]');
    expect(await links.count()).toBeGreaterThan(0);
    expect(await axeViolations(page), 'live lots at desktop width').toEqual([]);

    // A live demo lot with bids: its page asks why before it shows anyone.
    const live = await regulator.api<{ items: { id: number; bidCount: number }[] }>('GET', '/api/supervision/lots');
    expect(live.status).toBe(200);
    const lot = live.json.items.find((l) => l.bidCount > 0) ?? live.json.items[0]!;
    await page.goto(`${e2e.base}/regulator/live/${lot.id}`);
    await page.locator('html[data-ready]').waitFor();
    await expect(page.getByTestId('supervision-registrations').count()).resolves.toBe(0);
    const form = page.getByTestId('supervision-purpose');
    await form.locator('textarea, input').first().fill(PURPOSE);
    await form.getByRole('button').click();
    await page.waitForURL((url) => url.searchParams.get('purpose') === PURPOSE);
    await page.locator('html[data-ready]').waitFor();

    await page.getByTestId('supervision-registrations').waitFor();
    const rows = page.getByTestId('supervision-registrations').locator('tbody tr');
    expect(await rows.count()).toBeGreaterThan(0);
    expect((await rows.first().textContent()) ?? '').toMatch(/\d{12}/);
    await expect(page.getByTestId('supervision-viewed').textContent()).resolves.toContain(PURPOSE);
    await page.getByTestId('supervision-signals').waitFor();
    await page.getByTestId('supervision-ledger').waitFor();
    expect(await axeViolations(page), 'a live lot at desktop width').toEqual([]);
    await page.setViewportSize(PHONE);
    await page.waitForTimeout(150);
    expect(await axeViolations(page), 'a live lot at 390 px').toEqual([]);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await page.setViewportSize(DESKTOP);
    await screenshots(regulator, 'regulator-live-lot');

    expect(regulator.problems).toEqual([]);
  }, 180_000);
});
