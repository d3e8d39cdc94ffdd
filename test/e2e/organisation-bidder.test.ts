// Organisations as bidders (issue 19, part 2) in a real browser, against the real platform and its
// demo e-ID provider.
// - By document: Cúc registers "Công ty TNHH Thương mại Phú An" for a lot (her e-ID names no
//   organisation): the form asks for the organisation's code, name and her role, each refused on its
//   field first; she uploads the authorisation document (a text file refused, then a PDF). The manager
//   confirms her deposit (API: the registration then waits for the document), opens "Xem giấy ủy
//   quyền", states the purpose, sees the PDF in a frame and rejects it with a reason; Cúc sees the
//   reason and sends a PNG; the manager sees the image and approves it, and the registration may bid.
// - By e-ID: Khoa, legal representative of "Công ty Cổ phần Vận tải Sông Hồng" by his e-ID, registers
//   it (his e-ID authority shown, no document), and himself too; the manager sees "Tổ chức" and the
//   relatedness flag (a representative registered for himself) and clears it. Bidding opens; Khoa's bid
//   panel offers both, the organisation chosen; he types an amount and bids for it: the ledger shows
//   the organisation's code with "người đại diện 1" and the panel "Bạn (Công ty …) đang dẫn đầu". An
//   outbids it; Mai, authorised person of the same organisation, bids for it from her own browser and
//   is representative 2. "My auctions" names the organisation. Axe finds nothing serious on any page;
//   screenshots at desktop and phone width land in test-results/screenshots.
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
import { createLot, LOT_TERMS, registerApproved, untilLive } from './lots.ts';

const run = chromiumAvailable();
/** The demo provider's organisation personas. */
const KHOA = '001079000206';
const MAI = '001092000207';
const SONG_HONG = { identifier: '0101234567', name: 'Công ty Cổ phần Vận tải Sông Hồng' };
const PHU_AN = { identifier: '0312345678', name: 'Công ty TNHH Thương mại Phú An' };

let e2e: E2E;
let manager: Session;
/** Svelte's runtime warnings in any page. */
const svelteWarnings: string[] = [];

/** Text as a person reads it: every kind of space as one plain space. */
const plain = (s: string | null): string => (s ?? '').replace(/\s+/g, ' ').trim();

async function session(pid: string): Promise<Session> {
  const s = await newSession(e2e, { pid });
  s.page.on('console', (m) => {
    if (m.text().includes('[svelte]')) svelteWarnings.push(m.text());
  });
  return s;
}

async function open(s: Session, path: string): Promise<void> {
  await s.page.goto(`${e2e.base}${path}`);
  await s.page.locator('html[data-ready]').waitFor();
}

/** Axe finds nothing serious, the page fits a 390-px phone, and its screenshots are saved. */
async function review(s: Session, name: string): Promise<void> {
  const { page } = s;
  expect(await axeViolations(page)).toEqual([]);
  await screenshots(s, name);
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: 390, height: 844 });
  const extra = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize(original);
  expect(extra, `${name} is wider than a phone`).toBeLessThanOrEqual(0);
}

/** An authorisation letter, drawn by the browser itself as a PDF or a PNG. */
async function letter(kind: 'pdf' | 'png'): Promise<Buffer> {
  const page = await e2e.browser.newPage({ viewport: { width: 640, height: 420 } });
  await page.setContent(
    `<html lang="vi"><body style="font-family:serif;padding:2rem"><h1>GIẤY ỦY QUYỀN</h1>
     <p>${PHU_AN.name} (mã số thuế ${PHU_AN.identifier}) ủy quyền cho bà Lê Thị Cúc, số định danh
     ${PERSONA.cuc}, đăng ký và trả giá tại phiên đấu giá.</p><p>Giám đốc: Bùi Quang Phú</p></body></html>`,
  );
  const bytes = kind === 'pdf' ? await page.pdf({ width: '640px', height: '420px' }) : await page.screenshot();
  await page.close();
  return Buffer.from(bytes);
}

describe.runIf(run)('organisations as bidders in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E({ DEMO_DATA: 'false' });
    manager = await session(PERSONA.manager);
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('registers an organisation by its authorisation document, which the manager reviews', async () => {
    const lotId = await createLot(manager, 'Xe tải Hino 15 tấn (kiểm thử giấy ủy quyền)', {
      opens: -60_000,
      closes: 3600_000,
      starts: 3600_000,
      ends: 7200_000,
    });
    const cuc = await session(PERSONA.cuc);
    const page = cuc.page;
    await open(cuc, `/lots/${lotId}`);
    const form = page.locator('form.reg-form');
    await form.getByLabel('Tổ chức', { exact: true }).check();
    // Her e-ID names no organisation: the organisation's details are asked for, each checked on its field.
    expect(await page.getByTestId('which-organisation').count()).toBe(0);
    expect(plain(await page.getByTestId('document-note').textContent())).toContain('giấy ủy quyền');
    await page.fill('#org-identifier', '12');
    await form.getByRole('checkbox').check();
    await form.getByRole('button', { name: 'Đăng ký tham gia' }).click();
    await expect.poll(() => page.locator('#org-identifier').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#org-identifier-error').textContent()).toContain('mã số thuế');
    expect(await page.locator('#org-name-error').textContent()).toContain('Bắt buộc');
    expect(await page.locator('#org-role-error').textContent()).toContain('Bắt buộc');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('org-identifier');
    await review(cuc, 'organisation-register-errors');

    await page.fill('#org-identifier', PHU_AN.identifier);
    await page.fill('#org-name', PHU_AN.name);
    await page.selectOption('#org-role', 'authorised_person');
    await form.getByRole('button', { name: 'Đăng ký tham gia' }).click();
    await expect.poll(() => page.getByTestId('registered').textContent()).toContain(PHU_AN.name);
    const item = page.getByTestId('my-registration');
    expect(plain(await item.getByTestId('registration-organisation').textContent())).toContain(PHU_AN.name);
    expect(await item.getByTestId('authorisation-state').textContent()).toBe('Chờ nộp giấy ủy quyền');

    // Not a document: refused before sending, in the API's words. Then the PDF.
    await page.setInputFiles('input[type=file]', {
      name: 'ghi-chu.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('không phải giấy ủy quyền'),
    });
    await page.getByRole('button', { name: 'Gửi giấy ủy quyền' }).click();
    await expect.poll(() => page.locator('.auth-doc .field-error').textContent()).toContain('PDF, PNG hoặc JPEG');
    await review(cuc, 'organisation-document-upload');
    await page.setInputFiles('input[type=file]', {
      name: 'giay-uy-quyen.pdf',
      mimeType: 'application/pdf',
      buffer: await letter('pdf'),
    });
    await page.getByRole('button', { name: 'Gửi giấy ủy quyền' }).click();
    await expect.poll(() => item.getByTestId('authorisation-state').textContent()).toBe('Giấy ủy quyền chờ duyệt');
    expect(await page.getByTestId('authorisation-uploaded').textContent()).toContain('Đã gửi giấy ủy quyền');

    // The deposit arrives: the registration waits for the document's approval.
    const mine = await cuc.api<{ items: { id: number; lotId: number; bidderCode: string }[] }>(
      'GET',
      '/api/me/registrations',
    );
    const reg = mine.json.items.find((r) => r.lotId === lotId)!;
    const approved = await manager.api<{ status: string }>(
      'POST',
      `/api/lots/${lotId}/registrations/${reg.id}/approve`,
    );
    expect(approved.json.status).toBe('pending_authorisation');

    // The manager reads the document, stating why, and rejects it.
    const mp = manager.page;
    await open(manager, `/manage/lots/${lotId}`);
    const row = mp.locator(`tr[data-registration="${reg.id}"]`);
    expect(plain(await row.getByTestId('registration-organisation').textContent())).toContain('Tổ chức');
    expect(plain(await row.getByTestId('authorisation-state').textContent())).toBe('Giấy ủy quyền chờ duyệt');
    expect(plain(await row.textContent())).toContain('Chờ chấp nhận giấy ủy quyền');
    await row.getByTestId('view-authorisation').click();
    const dialog = mp.getByTestId('authorisation-review');
    await dialog.waitFor();
    expect(await mp.evaluate(() => document.activeElement?.id)).toBe('auth-purpose');
    await dialog.getByRole('button', { name: 'Xem giấy ủy quyền' }).click();
    expect(await mp.locator('#auth-purpose-error').textContent()).toContain('Bắt buộc');
    await mp.fill('#auth-purpose', 'Duyệt giấy ủy quyền trước phiên đấu giá');
    await dialog.getByRole('button', { name: 'Xem giấy ủy quyền' }).click();
    await dialog.getByTestId('authorisation-pdf').waitFor();
    const facts = plain(await dialog.getByTestId('authorisation-facts').textContent());
    expect(facts).toContain('Lê Thị Cúc');
    expect(facts).toContain(PERSONA.cuc);
    expect(facts).toContain(PHU_AN.name);
    expect(facts).toContain('Người được ủy quyền');
    expect(await dialog.getByTestId('authorisation-pdf').getAttribute('src')).toMatch(/^blob:/);
    expect(await axeViolations(mp)).toEqual([]);
    await screenshots(manager, 'organisation-document-review-pdf');
    await dialog.getByRole('button', { name: 'Từ chối' }).click();
    expect(await mp.locator('#auth-reject-error').textContent()).toContain('Bắt buộc');
    await mp.fill('#auth-reject-reason', 'Giấy ủy quyền chưa có dấu của công ty.');
    await dialog.getByRole('button', { name: 'Từ chối' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => plain(await row.getByTestId('authorisation-state').textContent()))
      .toBe('Giấy ủy quyền bị từ chối');
    expect(await mp.getByTestId('registrations-notice').textContent()).toContain('Đã từ chối giấy ủy quyền');
    // The read was audited with its purpose (the regulator's view of the registration shows it).

    // Cúc sees the reason and sends another document, an image.
    await open(cuc, `/lots/${lotId}`);
    expect(await item.getByTestId('authorisation-state').textContent()).toBe('Giấy ủy quyền bị từ chối');
    await expect
      .poll(() => item.getByTestId('authorisation-reason').textContent())
      .toContain('Giấy ủy quyền chưa có dấu của công ty.');
    await review(cuc, 'organisation-document-rejected');
    await page.setInputFiles('input[type=file]', {
      name: 'giay-uy-quyen.png',
      mimeType: 'image/png',
      buffer: await letter('png'),
    });
    await page.getByRole('button', { name: 'Gửi giấy ủy quyền' }).click();
    await expect.poll(() => item.getByTestId('authorisation-state').textContent()).toBe('Giấy ủy quyền chờ duyệt');

    // The manager sees the image and approves it: the registration may bid.
    await open(manager, `/manage/lots/${lotId}`);
    await row.getByTestId('view-authorisation').click();
    await mp.fill('#auth-purpose', 'Duyệt giấy ủy quyền gửi lại sau khi bị từ chối');
    await dialog.getByRole('button', { name: 'Xem giấy ủy quyền' }).click();
    await dialog.getByTestId('authorisation-image').waitFor();
    await expect
      .poll(() => dialog.getByTestId('authorisation-image').evaluate((img: HTMLImageElement) => img.naturalWidth))
      .toBeGreaterThan(0);
    expect(await axeViolations(mp)).toEqual([]);
    await screenshots(manager, 'organisation-document-review-image');
    await dialog.getByRole('button', { name: 'Chấp nhận giấy ủy quyền' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => plain(await row.getByTestId('authorisation-state').textContent()))
      .toBe('Giấy ủy quyền đã được duyệt');
    expect(plain(await row.textContent())).toContain('Đã xác nhận');
    await review(manager, 'organisation-manager-registrations');
    const after = await cuc.api<{ items: { id: number; status: string; onBehalfOf?: { authorisation: string } }[] }>(
      'GET',
      '/api/me/registrations',
    );
    expect(after.json.items.find((r) => r.id === reg.id)).toMatchObject({
      status: 'approved',
      onBehalfOf: { authorisation: 'approved' },
    });
    expect([...cuc.problems, ...manager.problems]).toEqual([]);
    await cuc.context.close();
  }, 180_000);

  describe('an organisation bidding through its representatives', () => {
    let lotId: number;
    let khoa: Session;
    let mai: Session;
    let an: Session;
    let orgCode: string;
    let anCode: string;

    it('lets the legal representative register the organisation by his e-ID, and himself too', async () => {
      // Bidding opens 40 s from now: time to register in the browser and decide the flag before it.
      lotId = await createLot(manager, 'Biển số 29H-888.66 (kiểm thử tổ chức)', {
        opens: -60_000,
        closes: 40_000,
        starts: 40_000,
        ends: 30 * 60_000,
      });
      khoa = await session(KHOA);
      const page = khoa.page;
      await open(khoa, `/lots/${lotId}`);
      const form = page.locator('form.reg-form');
      await form.getByLabel('Tổ chức', { exact: true }).check();
      // His e-ID says he acts for Sông Hồng: offered by name, on his e-ID's authority, no document.
      const which = page.getByTestId('which-organisation');
      expect(plain(await which.textContent())).toContain(SONG_HONG.name);
      expect(plain(await which.getByTestId('claim-authority').textContent())).toContain(
        'Người đại diện theo pháp luật',
      );
      expect(await which.getByRole('radio').first().isChecked()).toBe(true);
      expect(await page.locator('#org-identifier').count()).toBe(0);
      await review(khoa, 'organisation-register-form');
      await form.getByRole('checkbox').check();
      await form.getByRole('button', { name: 'Đăng ký tham gia' }).click();
      await expect.poll(() => page.getByTestId('registered').textContent()).toContain(SONG_HONG.name);
      const orgItem = page.getByTestId('my-registration');
      orgCode = (await orgItem.getByTestId('my-code').textContent()) ?? '';
      expect(orgCode).toMatch(/^B-/);
      expect(plain(await orgItem.getByTestId('authority').textContent())).toBe('Đã xác minh qua định danh điện tử');
      expect(await orgItem.getByTestId('authorisation').count()).toBe(0);

      // And for himself: the organisation is registered already, so only he is left to choose.
      await page.getByTestId('register-another').click();
      await form.getByLabel('Bản thân', { exact: true }).check();
      await form.getByRole('checkbox').check();
      await form.getByRole('button', { name: 'Đăng ký tham gia' }).click();
      await expect.poll(() => page.getByTestId('my-registration').count()).toBe(2);
      expect(await page.getByTestId('register-another').textContent()).toContain('Đăng ký cho một tổ chức');
      await review(khoa, 'organisation-registered');

      // The manager confirms both deposits (and An's, who bids against them).
      const mine = await khoa.api<{ items: { id: number; lotId: number; onBehalfOf?: object }[] }>(
        'GET',
        '/api/me/registrations',
      );
      for (const r of mine.json.items.filter((x) => x.lotId === lotId))
        expect((await manager.api('POST', `/api/lots/${lotId}/registrations/${r.id}/approve`)).status).toBe(200);
      an = await session(PERSONA.an);
      anCode = await registerApproved(manager, an, lotId);
      expect(khoa.problems).toEqual([]);
    }, 60_000);

    it('shows the manager the organisation and the relatedness flag, which the manager clears', async () => {
      const mp = manager.page;
      await open(manager, `/manage/lots/${lotId}`);
      const orgRow = mp.locator('tr', { hasText: orgCode });
      expect(plain(await orgRow.getByTestId('registration-organisation').textContent())).toContain('Tổ chức');
      expect(plain(await orgRow.getByTestId('authorisation-state').textContent())).toBe(
        'Đã xác minh qua định danh điện tử',
      );
      const flags = mp.getByTestId('relatedness-flags');
      const flag = flags.getByTestId('flag');
      await expect.poll(() => flag.count()).toBe(1);
      expect(plain(await flag.textContent())).toContain('Người đại diện tổ chức cũng đăng ký cho bản thân');
      expect(plain(await flag.textContent())).toContain(orgCode);
      await flag.getByRole('button', { name: 'Bỏ qua dấu hiệu' }).click();
      const dialog = mp.getByRole('dialog', { name: 'Bỏ qua dấu hiệu này?' });
      await dialog.getByRole('button', { name: 'Bỏ qua dấu hiệu' }).click();
      expect(await mp.locator('#flag-reason-error').textContent()).toContain('Bắt buộc');
      expect(await axeViolations(mp)).toEqual([]);
      await mp.fill('#flag-reason', 'Người đại diện và công ty có nguồn tiền riêng, đã kiểm tra.');
      await dialog.getByRole('button', { name: 'Bỏ qua dấu hiệu' }).click();
      await expect.poll(() => flag.getByTestId('flag-decision').textContent()).toContain('Đã bỏ qua');
      await review(manager, 'organisation-manager-flags');
      expect(manager.problems).toEqual([]);
    }, 60_000);

    it('lets the representative type an amount and bid for the organisation', async () => {
      await untilLive(manager, lotId);
      const page = khoa.page;
      await open(khoa, `/lots/${lotId}`);
      await page.locator('button.btn-bid').waitFor();
      // Two registrations: the choice is offered, the organisation's chosen (the only organisation).
      const target = page.getByTestId('bid-target');
      expect(plain(await target.locator('legend').textContent())).toBe('Trả giá cho');
      expect(await target.getByRole('radio', { name: new RegExp(SONG_HONG.name) }).isChecked()).toBe(true);
      expect(await target.getByRole('radio', { name: /Bản thân/ }).isChecked()).toBe(false);
      await review(khoa, 'organisation-bid-panel');

      await page.locator('#bid-amount').fill('');
      await page.locator('#bid-amount').pressSequentially('45 triệu');
      await page.locator('button.btn-bid').click();
      await expect.poll(() => page.getByTestId('bid-feedback').textContent()).toContain(`cho ${SONG_HONG.name}`);
      const row = page.locator('[data-testid=bid-feed] tr[data-seq="1"]');
      await expect.poll(() => row.textContent()).toContain(orgCode);
      expect(plain(await row.getByTestId('actor').textContent())).toBe('người đại diện 1');
      expect(plain(await row.textContent())).toContain('45.000.000');
      await expect
        .poll(() => page.getByTestId('standing').textContent())
        .toContain(`Bạn (${SONG_HONG.name}) đang dẫn đầu`);
      const ledger = await khoa.api<{ items: { bidderCode: string; actorNo?: number; amount: number }[] }>(
        'GET',
        `/api/lots/${lotId}/bids?after=0`,
      );
      expect(ledger.json.items).toEqual([
        expect.objectContaining({
          bidderCode: orgCode,
          actorNo: 1,
          amount: LOT_TERMS.startingPrice + LOT_TERMS.priceStep,
        }),
      ]);
      await review(khoa, 'organisation-bid-leading');
      expect(khoa.problems).toEqual([]);
    }, 60_000);

    it('lets another representative bid for the same organisation from her own browser, as representative 2', async () => {
      // An outbids the organisation.
      const outbid = await an.api(
        'POST',
        `/api/lots/${lotId}/bids`,
        { amount: 50_000_000 },
        { 'idempotency-key': 'org-an-1' },
      );
      expect(outbid.status).toBe(201);
      mai = await session(MAI);
      const page = mai.page;
      await open(mai, `/lots/${lotId}`);
      await page.locator('button.btn-bid').waitFor();
      // Her only registration on the lot is the organisation's (by e-ID authority): said, not asked.
      expect(plain(await page.getByTestId('bid-target').textContent())).toContain(`Trả giá cho: ${SONG_HONG.name}`);
      expect(await page.getByTestId('bid-target').getByRole('radio').count()).toBe(0);
      await page.locator('#bid-amount').fill('55.000.000');
      await page.locator('button.btn-bid').click();
      await expect.poll(() => page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
      const row = page.locator('[data-testid=bid-feed] tr[data-seq="3"]');
      await expect.poll(() => row.textContent()).toContain(orgCode);
      expect(plain(await row.getByTestId('actor').textContent())).toBe('người đại diện 2');
      await expect
        .poll(() => page.getByTestId('standing').textContent())
        .toContain(`Bạn (${SONG_HONG.name}) đang dẫn đầu`);
      // An's row carries no representative.
      expect(await page.locator('[data-testid=bid-feed] tr[data-seq="2"] [data-testid=actor]').count()).toBe(0);
      expect(plain(await page.locator('[data-testid=bid-feed] tr[data-seq="2"]').textContent())).toContain(anCode);
      await review(mai, 'organisation-bid-second-representative');
      // Khoa's page hears it live: representative 2, the organisation still leading.
      await expect
        .poll(() => khoa.page.locator('[data-testid=bid-feed] tr[data-seq="3"] [data-testid=actor]').textContent())
        .toBe('người đại diện 2');
      await expect.poll(() => khoa.page.getByTestId('standing').textContent()).toContain(SONG_HONG.name);
      expect(mai.problems).toEqual([]);
    }, 60_000);

    it('names the organisation on "My auctions"', async () => {
      for (const s of [khoa, mai]) {
        await open(s, '/me');
        const org = s.page.getByTestId('registration-organisation');
        await expect.poll(() => org.count()).toBe(1);
        expect(plain(await org.textContent())).toContain(`Cho tổ chức: ${SONG_HONG.name}`);
        expect(plain(await org.textContent())).toContain('Đã xác minh qua định danh điện tử');
      }
      await review(khoa, 'organisation-my-auctions');
      expect([...khoa.problems, ...mai.problems]).toEqual([]);
      expect(svelteWarnings).toEqual([]);
    }, 60_000);
  });
});
