// The manager's daily work in a real browser (issue 14, item 6), with the browser itself set to
// en-US and New York time, to show that nothing the manager types or reads depends on them: dates
// are typed and shown as dd/mm/yyyy HH:mm in Vietnam time; publishing asks first and says what it
// locks, and the photos are locked after it; registrations appear live on the manager's lot page;
// confirming a deposit asks first, naming the bidder code and the amount; deposits to be refunded
// say honestly that the refund happens outside the portal; and both manager pages fit a 390-px phone
// and are axe clean at both widths (screenshots under test-results/screenshots).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
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
import { formatVnDateTime } from '../../web/lib/vn-datetime.ts';

const run = chromiumAvailable();
let e2e: E2E;
let manager: Session;
let publishedId: number;
let openLotId: number;
const HOUR = 3_600_000;
const DEPOSIT = 8_000_000;
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 50"><rect width="80" height="50" fill="#1f4e8c"/></svg>';

/** Text as a person reads it: every kind of space as one plain space. */
const plain = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

/** Replaces a box's text by typing, key by key, as a person does. */
async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.locator(selector).focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Backspace');
  await page.keyboard.type(text, { delay: 10 });
}

/** How far the page is wider than the screen (0 when it fits). */
const overflow = (page: Page): Promise<number> =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The focused element as "tag:text". */
async function focused(page: Page): Promise<string> {
  const [tag, text] = await page.evaluate(() => [
    document.activeElement?.tagName.toLowerCase() ?? '',
    document.activeElement?.textContent ?? '',
  ]);
  return `${tag}:${plain(text)}`;
}

/** A published lot whose registration is open. */
async function openLot(): Promise<number> {
  const created = await manager.api<{ id: number }>('POST', '/api/lots', {
    title: 'Biển số 29A-135.79',
    description: 'Lô kiểm thử công việc hằng ngày của người quản lý.',
    category: 'licence-plate',
    startingPrice: 40_000_000,
    priceStep: 5_000_000,
    deposit: DEPOSIT,
    registrationOpensAt: iso(-60_000),
    registrationClosesAt: iso(2 * HOUR),
    startsAt: iso(2 * HOUR),
    endsAt: iso(3 * HOUR),
  });
  expect(created.status).toBe(201);
  expect((await manager.api('POST', `/api/lots/${created.json.id}/publish`)).status).toBe(200);
  return created.json.id;
}

describe.runIf(run)('the manager’s daily work in Chromium (browser in en-US, New York time)', () => {
  beforeAll(async () => {
    e2e = await startE2E({ DEMO_DATA: 'false' });
    manager = await newSession(e2e, { pid: PERSONA.manager, locale: 'en-US', timezoneId: 'America/New_York' });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('takes dates typed as dd/mm/yyyy HH:mm in Vietnam time and shows them back the same way', async () => {
    const page = manager.page;
    // The browser really is American: its own formatting says 12/25/2030.
    expect(await page.evaluate(() => new Date(Date.UTC(2030, 11, 25, 12)).toLocaleDateString())).toBe('12/25/2030');
    await page.goto(`${e2e.base}/manage/lots/new`);
    await page.locator('html[data-ready]').waitFor();
    expect(await page.locator('input[type="datetime-local"]').count()).toBe(0);
    expect(await page.locator('#startsAt').getAttribute('placeholder')).toBe('dd/mm/yyyy HH:mm');

    const opens = Math.ceil((Date.now() + 2 * HOUR) / HOUR) * HOUR + 30 * 60_000;
    const times = {
      registrationOpensAt: opens,
      registrationClosesAt: opens + 24 * HOUR,
      startsAt: opens + 24 * HOUR,
      endsAt: opens + 25 * HOUR + 15 * 60_000,
    };
    const text = (f: keyof typeof times): string => formatVnDateTime(times[f]);

    await page.fill('#title', 'Xe bán tải Ford Ranger 2019 (kiểm thử ngày giờ)');
    await page.fill('#description', 'Thanh lý tài sản công.');
    await page.fill('#startingPrice', '500000000');
    await page.fill('#priceStep', '10000000');
    await page.fill('#deposit', '50000000');
    // Digits only: the separators come as they are typed.
    await typeInto(page, '#registrationOpensAt', text('registrationOpensAt').replace(/\D/g, ''));
    expect(await page.locator('#registrationOpensAt').inputValue()).toBe(text('registrationOpensAt'));
    expect(plain(await page.getByTestId('registrationOpensAt-reads').textContent())).toContain(
      `${text('registrationOpensAt')} (giờ Việt Nam)`,
    );
    // With the separators, as written on paper.
    await typeInto(page, '#registrationClosesAt', text('registrationClosesAt'));
    // "lúc 14h30", the way it is often written; shown the one way once the box is left.
    const [d, m, y, hh, mm] = text('startsAt').split(/[/ :]/);
    await typeInto(page, '#startsAt', `${Number(d)}/${Number(m)}/${y} lúc ${Number(hh)}h${mm}`);
    await page.locator('#endsAt').focus();
    expect(await page.locator('#startsAt').inputValue()).toBe(text('startsAt'));
    // The American way is refused, never read as another date; so is a day the month does not have.
    await typeInto(page, '#endsAt', '12/25/2030 02:30 PM');
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect.poll(() => page.locator('#endsAt').getAttribute('aria-invalid')).toBe('true');
    expect(plain(await page.locator('#endsAt-error').textContent())).toContain('ngày/tháng/năm giờ:phút');
    expect(await page.locator('#endsAt').getAttribute('aria-describedby')).toContain('endsAt-error');
    await typeInto(page, '#endsAt', `31/02/${new Date(times.endsAt).getUTCFullYear() + 1} 10:00`);
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect
      .poll(async () => plain(await page.locator('#endsAt-error').textContent()))
      .toBe('Tháng đó không có ngày này.');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'manager-date-entry-errors');

    await typeInto(page, '#endsAt', text('endsAt'));
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/\d+\?created=1$/);
    const draftId = Number(new URL(page.url()).pathname.split('/').pop());
    const lot = await manager.api<Record<keyof typeof times, string>>('GET', `/api/lots/${draftId}`);
    for (const f of Object.keys(times) as (keyof typeof times)[])
      expect(lot.json[f], f).toBe(new Date(times[f]).toISOString());
    // Shown as typed, on the page and back in the edit form.
    expect(plain(await page.getByTestId('registration-window').textContent())).toBe(
      `${text('registrationOpensAt')} – ${text('registrationClosesAt')}`,
    );
    expect(plain(await page.getByTestId('bidding-window').textContent())).toBe(
      `${text('startsAt')} – ${text('endsAt')}`,
    );
    await page.getByRole('button', { name: 'Sửa phiên' }).click();
    for (const f of Object.keys(times) as (keyof typeof times)[])
      expect(await page.locator(`#${f}`).inputValue(), f).toBe(text(f));
    expect(manager.problems).toEqual([]);
  }, 120_000);

  it('asks before publishing, saying what publishing locks, and locks the photos after it', async () => {
    const created = await manager.api<{ id: number }>('POST', '/api/lots', {
      title: 'Máy xúc Komatsu PC200 (kiểm thử công bố)',
      description: 'Thanh lý tài sản công.',
      category: 'equipment',
      startingPrice: 900_000_000,
      priceStep: 10_000_000,
      deposit: 90_000_000,
      registrationOpensAt: iso(2 * HOUR),
      registrationClosesAt: iso(26 * HOUR),
      startsAt: iso(26 * HOUR),
      endsAt: iso(27 * HOUR),
    });
    expect(created.status).toBe(201);
    publishedId = created.json.id;
    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/${publishedId}`);
    await page.locator('html[data-ready]').waitFor();
    const photos = page.locator('section[aria-labelledby="img-title"]');
    expect(plain(await photos.getByTestId('photos-lock').textContent())).toBe(
      'Sau khi công bố sẽ không thêm hoặc xóa được ảnh.',
    );
    await page.setInputFiles('#image-file', { name: 'ford.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG) });
    await page.getByRole('button', { name: 'Tải ảnh lên' }).click();
    await expect.poll(() => page.locator('img[alt="Hình ảnh tài sản 1"]').count()).toBe(1);

    const publish = page.getByRole('button', { name: 'Công bố phiên' });
    await publish.click();
    const dialog = page.getByRole('dialog', { name: 'Công bố phiên đấu giá?' });
    await dialog.waitFor();
    expect(await focused(page)).toBe('button:Quay lại');
    const said = plain(await dialog.textContent());
    const lot = await manager.api<{ registrationOpensAt: string }>('GET', `/api/lots/${publishedId}`);
    expect(said).toContain('Hình ảnh bị khóa: không thêm hoặc xóa ảnh được nữa. Phiên đang có 1 ảnh.');
    expect(said).toContain(
      `vẫn sửa được đến khi mở đăng ký (${formatVnDateTime(lot.json.registrationOpensAt)}); từ lúc đó không sửa được nữa.`,
    );
    expect(said).toContain('chỉ có thể hủy phiên kèm lý do công khai');
    expect(await axeViolations(page)).toEqual([]);
    // Escape changes nothing and gives the focus back.
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toBe('button:Công bố phiên');
    expect((await manager.api<{ status: string }>('GET', `/api/lots/${publishedId}`)).json.status).toBe('draft');

    await publish.click();
    await dialog.getByRole('button', { name: 'Công bố', exact: true }).click();
    await expect.poll(() => page.locator('.meta [data-status]').getAttribute('data-status')).toBe('scheduled');
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toMatch(/^h1:/);
    // The photos are locked, and the panel says why.
    expect(await page.locator('#image-file').count()).toBe(0);
    expect(await photos.getByRole('button').count()).toBe(0);
    expect(plain(await photos.getByTestId('photos-lock').textContent())).toContain(
      'Ảnh đã được khóa từ khi phiên được công bố',
    );
    const refused = await manager.api<{ error: { code: string } }>(
      'DELETE',
      `/api/lots/${publishedId}/images/${(await manager.api<{ items: { id: number }[] }>('GET', `/api/lots/${publishedId}/images`)).json.items[0].id}`,
    );
    expect([refused.status, refused.json.error.code]).toEqual([409, 'INVALID_STATE']);
    expect(manager.problems).toEqual([]);
  }, 90_000);

  it('shows registrations as they come, and asks before confirming a deposit, naming the code and the amount', async () => {
    openLotId = await openLot();
    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/${openLotId}`);
    await page.locator('html[data-ready]').waitFor();
    await expect
      .poll(async () => plain(await page.getByTestId('registrations-live').textContent()))
      .toBe('Danh sách cập nhật trực tiếp khi có người đăng ký.');
    // The page is never reloaded: this mark would be gone.
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));

    const an = await newSession(e2e, { pid: PERSONA.an });
    const reg = await an.api<{ id: number; bidderCode: string }>('POST', `/api/lots/${openLotId}/registrations`, {
      acceptRules: true,
    });
    expect(reg.status).toBe(201);
    const row = page.locator(`tr[data-registration="${reg.json.id}"]`);
    await row.waitFor();
    expect(plain(await row.textContent())).toContain(reg.json.bidderCode);
    expect(plain(await row.textContent())).toContain('Chờ nộp tiền đặt trước');
    expect(plain(await page.getByTestId('registrations-notice').textContent())).toBe(
      `Có người đăng ký mới: ${reg.json.bidderCode}.`,
    );
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    // Before the end, who registered is not on the page.
    expect(await page.content()).not.toContain(PERSONA.an);
    expect(await page.content()).not.toContain('Nguyễn Văn An');

    const approve = page.getByRole('button', { name: `Xác nhận đã nhận tiền: ${reg.json.bidderCode}` });
    await approve.click();
    const dialog = page.getByRole('dialog', { name: 'Xác nhận đã nhận tiền đặt trước' });
    await dialog.waitFor();
    expect(plain(await dialog.getByTestId('confirm-code').textContent())).toBe(reg.json.bidderCode);
    expect(plain(await dialog.getByTestId('confirm-amount').textContent())).toBe('8.000.000 ₫');
    expect(plain(await dialog.textContent())).toContain(
      `khoản chuyển phải ghi mã ${reg.json.bidderCode} và đủ 8.000.000 ₫`,
    );
    expect(await focused(page)).toBe('button:Quay lại');
    await screenshots(manager, 'manager-confirm-deposit');
    expect(await axeViolations(page)).toEqual([]);
    // Going back confirms nothing.
    await dialog.getByRole('button', { name: 'Quay lại' }).click();
    await dialog.waitFor({ state: 'hidden' });
    expect(await focused(page)).toBe('button:Xác nhận đã nhận tiền');
    const list = async (): Promise<string[]> =>
      (
        await manager.api<{ items: { status: string }[] }>('GET', `/api/lots/${openLotId}/registrations`)
      ).json.items.map((r) => r.status);
    expect(await list()).toEqual(['pending_deposit']);

    await approve.click();
    await dialog.getByRole('button', { name: 'Đã nhận đủ, xác nhận' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect.poll(async () => plain(await row.textContent())).toContain('Đã xác nhận');
    expect(await list()).toEqual(['approved']);
    expect(plain(await page.getByTestId('registrations-notice').textContent())).toContain(reg.json.bidderCode);
    // The button is gone with the step: the focus is on the message saying it was done.
    expect(await focused(page)).toBe(`p:Đã xác nhận tiền đặt trước của ${reg.json.bidderCode}.`);

    // Another registrant, live as well.
    const cuc = await newSession(e2e, { pid: PERSONA.cuc });
    const second = await cuc.api<{ id: number; bidderCode: string }>('POST', `/api/lots/${openLotId}/registrations`, {
      acceptRules: true,
    });
    await page.locator(`tr[data-registration="${second.json.id}"]`).waitFor();
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    expect([...manager.problems, ...an.problems, ...cuc.problems]).toEqual([]);
    await an.context.close();
    await cuc.context.close();
  }, 90_000);

  it('says a deposit to be refunded is paid back outside the portal, without offering an action', async () => {
    const lotId = await openLot();
    const duc = await newSession(e2e, { pid: PERSONA.duc });
    const reg = await duc.api<{ id: number }>('POST', `/api/lots/${lotId}/registrations`, { acceptRules: true });
    expect((await manager.api('POST', `/api/lots/${lotId}/registrations/${reg.json.id}/approve`)).status).toBe(200);
    await duc.context.close();
    expect(
      (
        await manager.api('POST', `/api/lots/${lotId}/cancel`, {
          reason: 'Tài sản bị rút khỏi danh mục theo quyết định của cơ quan có thẩm quyền.',
        })
      ).status,
    ).toBe(200);
    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/${lotId}`);
    await page.locator('html[data-ready]').waitFor();
    const regs = page.locator('section[aria-labelledby="regs-title"]');
    expect(plain(await regs.locator('tr', { hasText: 'Đã xác nhận' }).textContent())).toContain(
      'Phải hoàn trả (ngoài cổng)',
    );
    expect(plain(await regs.getByTestId('refund-note').textContent())).toContain(
      'chưa có thao tác ghi nhận việc hoàn trả',
    );
    expect(await regs.getByRole('button').count()).toBe(0);
  }, 60_000);

  it('fits a 390-px phone and is axe clean at both widths: the lot list and a lot with registrations', async () => {
    const page = manager.page;
    for (const [path, name] of [
      ['/manage', 'manager-daily-list'],
      [`/manage/lots/${openLotId}`, 'manager-daily-lot'],
      [`/manage/lots/${publishedId}`, 'manager-daily-published'],
    ] as const) {
      for (const viewport of [
        { width: 1280, height: 900 },
        { width: 390, height: 844 },
        { width: 360, height: 740 },
      ]) {
        await page.setViewportSize(viewport);
        await page.goto(e2e.base + path);
        await page.locator('html[data-ready]').waitFor();
        expect(await overflow(page), `${path} at ${viewport.width} px`).toBe(0);
        // Every cell of every table on screen: tables become cards on phones.
        if (viewport.width < 640) {
          const outside = await page.evaluate(
            () =>
              [...document.querySelectorAll('main td')].filter(
                (td) => td.getBoundingClientRect().right > document.documentElement.clientWidth + 1,
              ).length,
          );
          expect(outside, `${path} at ${viewport.width} px`).toBe(0);
        }
        expect(await axeViolations(page), `${path} at ${viewport.width} px`).toEqual([]);
      }
      await page.setViewportSize({ width: 1280, height: 900 });
      await screenshots(manager, name);
    }
    expect(manager.problems).toEqual([]);
  }, 120_000);
});
