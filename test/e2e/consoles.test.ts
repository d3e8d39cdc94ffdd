// The staff consoles in a real browser: a manager creates a lot through the form (field-level
// messages from the API's 422), uploads a photo (type checked), publishes it, confirms a deposit and
// cancels with a reason; a regulator sees who the bidder codes were, downloads the signed record and
// verifies it by upload; both lot pages show the lot's technical faults (none here); an admin grants
// and revokes a role. Axe checks the manager pages.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
import { formatVnDateTime } from '../../web/lib/vn-datetime.ts';

const run = chromiumAvailable();
let e2e: E2E;
let manager: Session;
let lotId: number;
const TITLE = 'Xe ô tô Ford Ranger 2020 (kiểm thử)';

/** A time minutes from now as the manager types it: dd/mm/yyyy HH:mm in Vietnam time. */
function vnLocal(minutesFromNow: number): string {
  return formatVnDateTime(Date.now() + minutesFromNow * 60_000);
}

const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 80 50"><rect width="80" height="50" fill="#1f4e8c"/><text x="40" y="30" font-size="12" text-anchor="middle" fill="#fff">Ford</text></svg>';

describe.runIf(run)('the staff consoles in Chromium', () => {
  beforeAll(async () => {
    // No demo data here: the consoles are tested on the lot the test creates.
    e2e = await startE2E({ DEMO_DATA: 'false' });
    manager = await newSession(e2e, { pid: PERSONA.manager });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('lets a manager create a lot through the form, with field-level messages, a photo, and publish it', async () => {
    const page = manager.page;
    await page.goto(`${e2e.base}/manage`);
    await page.locator('html[data-ready]').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'manager-console');
    await page.getByRole('link', { name: '+ Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/new$/);
    await page.fill('#title', TITLE);
    await page.fill('#description', 'Xe bán tải đã qua sử dụng, thanh lý tài sản công.');
    await page.selectOption('#category', 'vehicle');
    await page.fill('#startingPrice', '500000000');
    await page.fill('#priceStep', '10000000');
    // 60% of the starting price: outside the deposit policy, so the API answers 422 with a message for this field.
    await page.fill('#deposit', '300000000');
    await page.fill('#registrationOpensAt', vnLocal(-1));
    await page.fill('#registrationClosesAt', vnLocal(120));
    await page.fill('#startsAt', vnLocal(120));
    await page.fill('#endsAt', vnLocal(180));
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect.poll(() => page.locator('#deposit').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#deposit-error').textContent()).toContain('5–20% giá khởi điểm');
    expect(await page.locator('#deposit').getAttribute('aria-describedby')).toContain('deposit-error');
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'manager-new-lot-errors');

    await page.fill('#deposit', '50000000');
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/\d+\?created=1$/);
    lotId = Number(new URL(page.url()).pathname.split('/').pop());
    expect(await page.getByTestId('manage-notice').textContent()).toContain('Đã tạo bản nháp');

    // A file that is not an image is refused before upload; an SVG drawing is stored (as a PNG).
    await page.setInputFiles('#image-file', {
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('not an image'),
    });
    await page.getByRole('button', { name: 'Tải ảnh lên' }).click();
    await expect.poll(() => page.locator('#image-error').textContent()).toContain('Chỉ nhận ảnh');
    await page.setInputFiles('#image-file', { name: 'ford.svg', mimeType: 'image/svg+xml', buffer: Buffer.from(SVG) });
    await page.getByRole('button', { name: 'Tải ảnh lên' }).click();
    await expect.poll(() => page.locator('img[alt="Hình ảnh tài sản 1"]').count()).toBe(1);

    // Edit the draft: the form comes back filled in; the change shows on the page.
    await page.getByRole('button', { name: 'Sửa phiên' }).click();
    expect(await page.locator('#title').inputValue()).toBe(TITLE);
    await page.fill('#priceStep', '20000000');
    await page.getByRole('button', { name: 'Lưu', exact: true }).click();
    await expect.poll(() => page.getByTestId('manage-notice').textContent()).toContain('Đã lưu');
    await expect.poll(() => page.locator('.terms').textContent()).toContain('20.000.000');

    await page.getByRole('button', { name: 'Công bố phiên' }).click();
    await page
      .getByRole('dialog', { name: 'Công bố phiên đấu giá?' })
      .getByRole('button', { name: 'Công bố', exact: true })
      .click();
    await expect.poll(() => page.locator('.meta [data-status]').getAttribute('data-status')).toBe('scheduled');
    expect(await axeViolations(page)).toEqual([]);
    const catalogue = await (await fetch(`${e2e.base}/`)).text();
    expect(catalogue).toContain(TITLE);
    const images = await manager.api<{ items: { contentType: string }[] }>('GET', `/api/lots/${lotId}/images`);
    expect(images.json.items.map((i) => i.contentType)).toEqual(['image/png']);
  }, 120_000);

  it('lets the manager confirm a deposit, then cancel the lot with a stated reason', async () => {
    const bidder = await newSession(e2e, { pid: PERSONA.an });
    const reg = await bidder.api<{ bidderCode: string }>('POST', `/api/lots/${lotId}/registrations`, {
      acceptRules: true,
    });
    expect(reg.status).toBe(201);
    await bidder.page.goto(`${e2e.base}/lots/${lotId}`);
    await bidder.page.locator('html[data-ready]').waitFor();
    expect(await bidder.page.getByTestId('registration-status').textContent()).toContain('Chờ xác nhận tiền đặt trước');

    const page = manager.page;
    await page.goto(`${e2e.base}/manage/lots/${lotId}`);
    await page.locator('html[data-ready]').waitFor();
    // Before the lot has ended the manager sees the bidder code, not who is behind it.
    const registrations = page.locator('section[aria-labelledby="regs-title"]');
    await page.getByTestId('identities-hidden').waitFor();
    expect(await registrations.textContent()).toContain(reg.json.bidderCode);
    expect(await registrations.textContent()).not.toContain('Nguyễn Văn An');
    expect(await page.content()).not.toContain(PERSONA.an);
    await page.getByRole('button', { name: `Xác nhận đã nhận tiền: ${reg.json.bidderCode}` }).click();
    await page
      .getByRole('dialog', { name: 'Xác nhận đã nhận tiền đặt trước' })
      .getByRole('button', { name: 'Đã nhận đủ, xác nhận' })
      .click();
    await expect
      .poll(() => page.locator('main [aria-live] .notice').first().textContent())
      .toContain(reg.json.bidderCode);
    // The bidder's page learns of it live (personal event), or on reload.
    await expect
      .poll(async () => {
        const text = await bidder.page.getByTestId('registration-status').textContent();
        if (!text?.includes('Đã xác nhận')) await bidder.page.reload();
        return text;
      })
      .toContain('Đã xác nhận');
    // Technical faults: no bid of this lot was refused by the platform (503 for its own reasons).
    const faults = page.getByTestId('technical-faults');
    expect(await faults.getByRole('heading', { name: 'Sự cố kỹ thuật' }).count()).toBe(1);
    expect(await faults.getByTestId('faults-summary').textContent()).toContain(
      'Không có lệnh trả giá nào bị nền tảng từ chối',
    );
    await screenshots(manager, 'manager-lot');
    expect(await axeViolations(page)).toEqual([]);

    await page.getByRole('button', { name: 'Hủy phiên' }).click();
    const dialog = page.getByRole('dialog', { name: 'Hủy phiên' });
    await dialog.getByRole('button', { name: 'Xác nhận hủy phiên' }).click();
    expect(await dialog.locator('.field-error').textContent()).toContain('Bắt buộc nhập');
    await dialog
      .getByLabel(/Lý do hủy/)
      .fill('Tài sản bị rút khỏi danh mục theo quyết định của cơ quan có thẩm quyền.');
    await dialog.getByRole('button', { name: 'Xác nhận hủy phiên' }).click();
    await expect.poll(() => page.locator('.meta [data-status]').getAttribute('data-status')).toBe('cancelled');
    expect([...manager.problems, ...bidder.problems]).toEqual([]);
    await bidder.context.close();
  }, 90_000);

  it('lets a regulator find the lot, see who each bidder code was, download the signed record and verify it', async () => {
    const regulator = await newSession(e2e, { pid: PERSONA.regulator });
    const page = regulator.page;
    await page.goto(`${e2e.base}/regulator`);
    await page.locator('html[data-ready]').waitFor();
    await page.selectOption('#status', 'cancelled');
    await page.getByRole('button', { name: 'Tra cứu' }).click();
    await page.waitForURL(/status=cancelled/);
    await page.getByRole('link', { name: TITLE }).click();
    await page.waitForURL(new RegExp(`/regulator/lots/${lotId}$`));
    const identities = await page.getByTestId('identities').textContent();
    expect(identities).toContain('Nguyễn Văn An');
    expect(identities).toContain(PERSONA.an);
    expect(await page.getByTestId('technical-faults').getByTestId('faults-summary').textContent()).toContain(
      'Không có lệnh trả giá nào bị nền tảng từ chối',
    );
    await screenshots(regulator, 'regulator-record');
    expect(await axeViolations(page)).toEqual([]);

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-json').click()]);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'record-')), download.suggestedFilename());
    await download.saveAs(file);
    const record = JSON.parse(fs.readFileSync(file, 'utf8')) as { payload?: string; signature?: string };
    expect(typeof record.payload).toBe('string');
    expect(typeof record.signature).toBe('string');
    for (const format of ['csv', 'pdf'])
      expect((await regulator.api('GET', `/api/records/lots/${lotId}?format=${format}`)).status).toBe(200);

    await page.goto(`${e2e.base}/regulator/verify`);
    await page.locator('html[data-ready]').waitFor();
    await page.setInputFiles('#record-file', file);
    await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('Hồ sơ hợp lệ');
    // A tampered copy is refused.
    const tampered = file.replace(/\.json$/, '') + '-tampered.json';
    fs.writeFileSync(tampered, JSON.stringify({ ...record, payload: `${record.payload!.slice(0, -4)}AAAA` }));
    await page.setInputFiles('#record-file', tampered);
    await page.getByRole('button', { name: 'Kiểm tra', exact: true }).click();
    await expect.poll(() => page.getByTestId('verdict').textContent()).toContain('KHÔNG hợp lệ');
    expect(regulator.problems).toEqual([]);
    await regulator.context.close();
  }, 90_000);

  it('lets an admin grant and revoke a role', async () => {
    const admin = await newSession(e2e, { pid: PERSONA.admin });
    const page = admin.page;
    await page.goto(`${e2e.base}/admin`);
    await page.locator('html[data-ready]').waitFor();
    await page.fill('#pid', '12345');
    await page.getByRole('button', { name: 'Lưu vai trò' }).click();
    expect(await page.locator('#pid-error').textContent()).toContain('12 chữ số');
    await page.fill('#pid', PERSONA.an);
    await page.getByLabel('Giám sát').check();
    await page.getByRole('button', { name: 'Lưu vai trò' }).click();
    await expect.poll(() => page.locator('main table').textContent()).toContain(PERSONA.an);
    expect(
      (await admin.api<{ items: { pid: string; roles: string[] }[] }>('GET', '/api/admin/roles')).json.items.find(
        (h) => h.pid === PERSONA.an,
      )?.roles,
    ).toEqual(['regulator']);
    await screenshots(admin, 'admin-roles');
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('button', { name: 'Sửa: Nguyễn Văn An' }).click();
    await page.getByLabel('Giám sát').uncheck();
    await page.getByRole('button', { name: 'Lưu vai trò' }).click();
    await expect
      .poll(async () =>
        (await admin.api<{ items: { pid: string }[] }>('GET', '/api/admin/roles')).json.items.some(
          (h) => h.pid === PERSONA.an,
        ),
      )
      .toBe(false);
    // Signing out ends the session.
    await page.getByRole('button', { name: 'Đăng xuất' }).click();
    await page.waitForURL(`${e2e.base}/`);
    await page.getByRole('link', { name: 'Đăng nhập' }).first().waitFor();
    expect((await admin.api('GET', '/api/me')).status).toBe(401);
    expect(admin.problems).toEqual([]);
    await admin.context.close();
  }, 60_000);
});
