// What the server says, in the person's language, in a real browser (issue 14 item 2): a Vietnamese
// manager's form shows the API's refusal of a field in Vietnamese with the amounts in đồng; a
// Vietnamese admin reads "no such person yet" and "no connection" in Vietnamese, never the server's
// or the browser's English; the rules a bidder accepts are in the person's language, marked with it;
// and an English bidder's quick buttons say "+1 step". Screenshots under test-results/screenshots.
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
let e2e: E2E;
let manager: Session;
let admin: Session;
let an: Session;

/** Text as a person reads it: every kind of space as one plain space. */
const plain = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

describe.runIf(run)('server texts in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    manager = await newSession(e2e, { pid: PERSONA.manager });
    admin = await newSession(e2e, { pid: PERSONA.admin });
    an = await newSession(e2e, { pid: PERSONA.an });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('shows a Vietnamese manager the API’s refusal of a field in Vietnamese, with the limits in đồng', async () => {
    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/new`);
    await page.locator('html[data-ready]').waitFor();
    await page.fill('#title', 'Biển số 51K-777.77');
    for (const [field, amount] of [
      ['startingPrice', '40000000'],
      ['priceStep', '5000000'],
      ['deposit', '100000'],
    ] as const) {
      await page.locator(`#${field}`).focus();
      await page.keyboard.type(amount, { delay: 10 });
    }
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/lots') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    // The API refused it (the page has no rule of its own for the deposit's share)…
    const body = (await (await answer).json()) as {
      error: { fields: Record<string, string>; fieldErrors: Record<string, { code: string }> };
    };
    expect(body.error.fieldErrors.deposit.code).toBe('DEPOSIT_OUT_OF_RANGE');
    expect(body.error.fields.deposit).toMatch(/^must be 5–20% of the starting price/);
    // …and the page says why in Vietnamese, next to the field.
    await expect
      .poll(async () => plain(await page.locator('#deposit-error').textContent()))
      .toBe('Phải bằng 5–20% giá khởi điểm: từ 2.000.000 ₫ đến 8.000.000 ₫.');
    expect(await page.locator('#deposit').getAttribute('aria-invalid')).toBe('true');
    expect(plain(await page.locator('main').textContent())).not.toMatch(/must be|starting price/);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'server-text-lot-form');
    expect(manager.problems).toEqual([]);
  }, 90_000);

  it('shows a Vietnamese admin the API’s and the browser’s troubles in Vietnamese', async () => {
    const page = admin.page;
    await page.goto(`${e2e.base}/admin`);
    await page.locator('html[data-ready]').waitFor();
    // The admin's own number without the admin role: a refusal the API words (own_admin_role).
    await page.fill('#pid', PERSONA.admin);
    await page.getByLabel('Quản lý phiên').check();
    await page.getByRole('button', { name: 'Lưu vai trò' }).click();
    const alert = page.locator('.notice.err');
    await expect
      .poll(async () => plain(await alert.textContent()))
      .toBe('Bạn không thể tự thu hồi vai trò quản trị của mình; hãy nhờ một quản trị viên khác.');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(admin, 'server-text-admin');
    // Offline: the browser's own failure, in words too.
    await admin.context.setOffline(true);
    await page.getByRole('button', { name: 'Lưu vai trò' }).click();
    await expect
      .poll(async () => plain(await alert.textContent()))
      .toBe('Không kết nối được với máy chủ. Hãy kiểm tra kết nối mạng rồi thử lại.');
    await admin.context.setOffline(false);
    expect(admin.problems).toEqual([]);
  }, 60_000);

  it('shows the rules a bidder accepts in the person’s language, marked with it', async () => {
    const openLot = async (rules?: string): Promise<number> => {
      const created = await manager.api<{ id: number }>('POST', '/api/lots', {
        title: 'Máy phát điện 250 kVA',
        description: 'Lô kiểm thử quy chế.',
        category: 'equipment',
        startingPrice: 120_000_000,
        priceStep: 2_000_000,
        deposit: 12_000_000,
        registrationOpensAt: iso(-60_000),
        registrationClosesAt: iso(60 * 60_000),
        startsAt: iso(60 * 60_000),
        endsAt: iso(120 * 60_000),
        ...(rules ? { rules } : {}),
      });
      expect(created.status).toBe(201);
      expect((await manager.api('POST', `/api/lots/${created.json.id}/publish`)).status).toBe(200);
      return created.json.id;
    };
    const id = await openLot();
    const own = await openLot('Quy chế riêng: người trả giá tự chịu chi phí vận chuyển.');
    const page = an.page;
    await page.goto(`${e2e.base}/lots/${id}`);
    await page.locator('html[data-ready]').waitFor();
    const rules = page.getByTestId('rules-text');
    expect(await rules.getAttribute('lang')).toBe('vi');
    expect(plain(await rules.textContent())).toContain(
      'Lượt trả giá đầu tiên ít nhất bằng giá khởi điểm (120.000.000 đồng)',
    );
    expect(await page.getByTestId('rules-language').count(), 'no note when the rules are in the page’s language').toBe(
      0,
    );
    await page.locator('details.rules summary').click();
    await screenshots(an, 'server-text-rules-vi');
    await page.goto(`${e2e.base}/lang?to=en&next=/lots/${id}`);
    await page.locator('html[data-ready]').waitFor();
    expect(await page.getByTestId('rules-text').getAttribute('lang')).toBe('en');
    expect(plain(await page.getByTestId('rules-text').textContent())).toContain(
      'The first bid is at least the starting price (120,000,000 VND)',
    );
    // A manager's own Vietnamese text stays Vietnamese, marked so, with a note saying in which language.
    await page.goto(`${e2e.base}/lots/${own}`);
    await page.locator('html[data-ready]').waitFor();
    expect(plain(await page.getByTestId('rules-text').textContent())).toBe(
      'Quy chế riêng: người trả giá tự chịu chi phí vận chuyển.',
    );
    expect(await page.getByTestId('rules-text').getAttribute('lang')).toBe('vi');
    expect(plain(await page.getByTestId('rules-language').textContent())).toBe(
      'The auction organiser wrote these rules in Vietnamese.',
    );
    expect(await axeViolations(page)).toEqual([]);
    await page.goto(`${e2e.base}/lang?to=vi&next=/`);
    expect(an.problems).toEqual([]);
  }, 90_000);

  it('says "+1 step" in English, "+1 bước" in Vietnamese', async () => {
    const live = await an.api<{ items: { id: number }[] }>('GET', '/api/lots?status=live');
    const id = live.json.items[0]?.id;
    expect(id, 'the demo has live lots, on which every demo citizen may bid').toBeDefined();
    const page = an.page;
    await page.goto(`${e2e.base}/lang?to=en&next=/lots/${id}`);
    await page.locator('html[data-ready]').waitFor();
    const quick = page.locator('.quick button');
    await quick.first().waitFor();
    expect(plain(await quick.nth(0).textContent())).toMatch(/^\+1 step(?!s)/);
    expect(plain(await quick.nth(1).textContent())).toMatch(/^\+2 steps/);
    await page.goto(`${e2e.base}/lang?to=vi&next=/lots/${id}`);
    await page.locator('html[data-ready]').waitFor();
    expect(plain(await page.locator('.quick button').nth(0).textContent())).toMatch(/^\+1 bước/);
  }, 60_000);
});
