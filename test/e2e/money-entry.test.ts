// Typing money in a real browser (issue 14, item 1): the bid box on the live lot page and the
// manager's price fields take amounts as people type, paste, delete and select them; what was typed
// is never changed (no snapping to the minimum, no digits appended to a restored value); the amount
// is shown in words; and every refusal gives its real reason, before sending and from the server's
// answer. Screenshots at desktop and phone width go to test-results/screenshots.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
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
import { liveLot } from './lots.ts';

const run = chromiumAvailable();
let e2e: E2E;
let manager: Session;
let an: Session;
let cuc: Session;
let duc: Session;
let lotId: number;

/** Text as a person reads it: every kind of space as one plain space. */
const plain = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

async function bidsOnLot(): Promise<number[]> {
  const res = await manager.api<{ items: { amount: number }[] }>('GET', `/api/lots/${lotId}/bids`);
  return res.json.items.map((b) => b.amount);
}

/** Puts text on the clipboard and pastes it over the whole box, as Ctrl+A, Ctrl+V does. */
async function pasteOver(page: Page, text: string): Promise<void> {
  await page.evaluate((t) => navigator.clipboard.writeText(t), text);
  await page.locator('#bid-amount').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Control+V');
}

async function typeOver(page: Page, text: string): Promise<void> {
  await page.locator('#bid-amount').focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text, { delay: 15 });
}

describe.runIf(run)('typing money in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    manager = await newSession(e2e, { pid: PERSONA.manager });
    an = await newSession(e2e, { pid: PERSONA.an });
    cuc = await newSession(e2e, { pid: PERSONA.cuc });
    duc = await newSession(e2e, { pid: PERSONA.duc });
    ({ id: lotId } = await liveLot(manager, 'Biển số 51K-246.80', [an, cuc, duc], {
      description: 'Lô kiểm thử nhập số tiền.',
    }));
    await an.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.base });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('takes a bid typed, pasted, deleted and selected as people do, never changing it, and explains each refusal before sending', async () => {
    const page = an.page;
    await page.goto(`${e2e.base}/lots/${lotId}`);
    await page.locator('html[data-ready]').waitFor();
    const box = page.locator('#bid-amount');
    const button = page.locator('button.btn-bid');
    const words = page.getByTestId('bid-amount-words');
    const feedback = page.getByTestId('bid-feedback');
    await button.waitFor();
    await expect.poll(() => box.inputValue()).toBe('40.000.000');
    expect(plain(await words.textContent())).toBe('Bằng chữ: bốn mươi triệu đồng');

    // Select all and type: the partial amounts (3, 30, 300 …) stay as typed, separators come by themselves.
    await typeOver(page, '300000000');
    expect(await box.inputValue()).toBe('300.000.000');
    expect(plain(await button.textContent())).toBe('Trả giá 300.000.000 ₫');
    expect(plain(await words.textContent())).toBe('Bằng chữ: ba trăm triệu đồng');

    // Cleared, the box stays empty: the minimum does not come back, and new digits are not appended to it.
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Backspace');
    await page.waitForTimeout(300);
    expect(await box.inputValue()).toBe('');
    expect(plain(await button.textContent())).toBe('Trả giá');
    await page.keyboard.type('5');
    expect(await box.inputValue()).toBe('5');
    expect(plain(await button.textContent())).toBe('Trả giá 5 ₫');
    await page.keyboard.type('00000000');
    expect(await box.inputValue()).toBe('500.000.000');

    // The caret stays among the same digits; deleting a separator deletes the digit beside it.
    await page.keyboard.press('Home');
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Backspace');
    expect(await box.inputValue()).toBe('50.000.000');
    expect(await box.evaluate((el: HTMLInputElement) => el.selectionStart)).toBe(2);
    await page.keyboard.type('7');
    expect(await box.inputValue()).toBe('507.000.000');
    await page.keyboard.press('End');
    await page.keyboard.press('Backspace');
    expect(await box.inputValue()).toBe('50.700.000');

    // "500.000.000" typed with its dots is 500 million, not 22.5 billion.
    await typeOver(page, '500.000.000');
    expect(await box.inputValue()).toBe('500.000.000');
    expect(plain(await button.textContent())).toBe('Trả giá 500.000.000 ₫');

    // Below the minimum, pasted: kept as pasted, explained, NOT placed.
    await pasteOver(page, '35.000.000');
    expect(await box.inputValue()).toBe('35.000.000');
    expect(plain(await button.textContent())).toBe('Trả giá 35.000.000 ₫');
    await button.click();
    await expect
      .poll(async () => plain(await feedback.textContent()))
      .toBe('Giá quá thấp. Mức tối thiểu hiện tại là 40.000.000 ₫.');
    expect(await box.inputValue()).toBe('35.000.000');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    expect(await bidsOnLot()).toEqual([]);

    // Units: "1,5 tỷ" pasted and "300tr" typed, each read exactly and shown in words.
    await pasteOver(page, '1,5 tỷ');
    expect(await box.inputValue()).toBe('1,5 tỷ');
    expect(plain(await words.textContent())).toBe('Bằng chữ: một tỷ năm trăm triệu đồng');
    expect(plain(await button.textContent())).toBe('Trả giá 1.500.000.000 ₫');
    await screenshots(an, 'money-entry-bid-words');
    // A jump of more than five steps still asks first.
    await button.click();
    const dialog = page.getByRole('dialog', { name: 'Xác nhận mức trả giá cao' });
    await dialog.waitFor();
    expect(plain(await dialog.textContent())).toContain('1.500.000.000 ₫');
    await dialog.getByRole('button', { name: 'Quay lại' }).click();
    expect(await bidsOnLot()).toEqual([]);
    await typeOver(page, '300tr');
    expect(await box.inputValue()).toBe('300tr');
    expect(plain(await words.textContent())).toBe('Bằng chữ: ba trăm triệu đồng');
    expect(plain(await button.textContent())).toBe('Trả giá 300.000.000 ₫');

    // Absurdly large: refused as too large (the platform's limit), not for a reason about the step.
    await typeOver(page, '99999999999999999');
    expect(await box.inputValue()).toBe('99.999.999.999.999.999');
    expect(plain(await words.textContent())).toBe('Số tiền quá lớn: tối đa 9.007.199.254.740.991 ₫.');
    await button.click();
    await expect
      .poll(async () => plain(await feedback.textContent()))
      .toBe('Số tiền quá lớn: tối đa 9.007.199.254.740.991 ₫.');
    expect(plain(await feedback.textContent())).not.toMatch(/bước/);

    // Not an amount, and a part of a đồng: each with its own reason.
    await typeOver(page, 'abc');
    await button.click();
    await expect.poll(async () => plain(await feedback.textContent())).toContain('Chưa đọc được số tiền');
    await typeOver(page, '1,5');
    await button.click();
    await expect.poll(async () => plain(await feedback.textContent())).toContain('không có phần lẻ');
    expect(await bidsOnLot()).toEqual([]);
    await screenshots(an, 'money-entry-bid-refused');
    expect(await axeViolations(page)).toEqual([]);

    // And a bid typed as an amount is placed as typed.
    await typeOver(page, '40000000');
    await button.click();
    await expect
      .poll(async () => plain(await feedback.textContent()))
      .toContain('Đã chấp nhận lượt trả giá 40.000.000 ₫');
    expect(await bidsOnLot()).toEqual([40_000_000]);
    expect(an.problems).toEqual([]);
  }, 120_000);

  it('words a too-low answer from the server with the server’s minimum, even before the page has heard of the bid that beat it', async () => {
    const page = cuc.page;
    let hold = false;
    const held: (() => void)[] = [];
    // The page's socket stays up, but while `hold` is on, what the server sends is kept back.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      const server = ws.connectToServer();
      server.onMessage((message) => {
        if (hold) held.push(() => ws.send(message));
        else ws.send(message);
      });
    });
    await page.goto(`${e2e.base}/lots/${lotId}`);
    await page.locator('html[data-ready]').waitFor();
    await expect.poll(() => page.locator('.live-dot.on').count()).toBe(1);
    await expect.poll(() => page.locator('#bid-amount').inputValue()).toBe('45.000.000');

    hold = true;
    const beat = await duc.api<{ seq: number }>(
      'POST',
      `/api/lots/${lotId}/bids`,
      { amount: 50_000_000 },
      { 'idempotency-key': `beat-${Date.now()}` },
    );
    expect(beat.status).toBe(201);
    await page.locator('button.btn-bid').click();
    await expect
      .poll(async () => plain(await page.getByTestId('bid-feedback').textContent()))
      .toBe('Giá quá thấp. Mức tối thiểu hiện tại là 55.000.000 ₫.');
    // The page itself had not heard of the 50 million bid yet.
    expect(plain(await page.getByTestId('current-price').textContent())).toBe('40.000.000 ₫');
    expect(await page.locator('#bid-amount').inputValue()).toBe('45.000.000');
    hold = false;
    for (const send of held.splice(0)) send();
    await expect.poll(async () => plain(await page.getByTestId('current-price').textContent())).toBe('50.000.000 ₫');
    expect(await bidsOnLot()).toEqual([40_000_000, 50_000_000]);
    expect(cuc.problems).toEqual([]);
  }, 60_000);

  it('shows the amount in words in English too', async () => {
    const page = an.page;
    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(new RegExp(`/lots/${lotId}$`));
    await page.locator('html[data-ready]').waitFor();
    await typeOver(page, '300tr');
    expect(plain(await page.getByTestId('bid-amount-words').textContent())).toBe(
      'In words: three hundred million dong',
    );
    await typeOver(page, '1');
    await page.locator('button.btn-bid').click();
    await expect
      .poll(async () => plain(await page.getByTestId('bid-feedback').textContent()))
      .toBe('Too low. The minimum is now 55.000.000 ₫.');
  }, 60_000);

  it('takes the manager’s prices in the same box, with a reason for each field it cannot read', async () => {
    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/new`);
    await page.locator('html[data-ready]').waitFor();
    await page.fill('#title', 'Biển số 51K-135.79');
    await page.locator('#startingPrice').focus();
    await page.keyboard.type('300tr', { delay: 15 });
    expect(plain(await page.getByTestId('startingPrice-words').textContent())).toBe('Bằng chữ: ba trăm triệu đồng');
    await page.locator('#priceStep').focus();
    await page.keyboard.type('5000000', { delay: 15 });
    expect(await page.locator('#priceStep').inputValue()).toBe('5.000.000');
    await page.locator('#deposit').focus();
    await page.keyboard.type('1,5', { delay: 15 });
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect
      .poll(async () => plain(await page.locator('#deposit-error').textContent()))
      .toContain('không có phần lẻ');
    expect(await page.locator('#deposit').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#deposit').inputValue()).toBe('1,5');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'money-entry-lot-form');
    await page.locator('#deposit').focus();
    await page.keyboard.press('Control+A');
    await page.keyboard.type('30 triệu', { delay: 15 });
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/\d+\?created=1/);
    const id = Number(new URL(page.url()).pathname.split('/').pop());
    const lot = await manager.api<{ startingPrice: number; priceStep: number; deposit: number }>(
      'GET',
      `/api/lots/${id}`,
    );
    expect([lot.json.startingPrice, lot.json.priceStep, lot.json.deposit]).toEqual([
      300_000_000, 5_000_000, 30_000_000,
    ]);
    expect(manager.problems).toEqual([]);
  }, 90_000);
});
