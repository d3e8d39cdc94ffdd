// Auction organisations as tenants (issue 19) in a real browser: an admin creates an organisation
// through its form (per-field messages, a taken tax code on its field), adds a manager by
// identification number before that person ever signed in (shown as such), adds and removes another
// (each confirmed), and edits the organisation; the new manager signs in, sees their organisation,
// creates a lot (no organisation to choose: they manage one) and publishes it; the manager, public and
// regulator lot pages name the organisation; a manager of two organisations chooses one, a manager of
// none is told an admin must add them; an admin sets a regulator's scope to a province and the
// regulator's console shows it. Axe checks and screenshots every new page.
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
/** Demo citizens (level 2) who have not signed in: no demo data here, so nobody has yet. */
const HA = '031195000204';
const HUNG = '092080000205';
const ORG_NAME = 'Công ty Đấu giá Hợp danh Sông Hàn (kiểm thử)';
const ORG_RENAMED = 'Công ty Đấu giá Hợp danh Sông Hàn';
const LOT_TITLE = 'Máy xúc Komatsu PC200 (kiểm thử tổ chức)';

let e2e: E2E;
let admin: Session;
let orgId: number;
let lotId: number;

function vnLocal(minutesFromNow: number): string {
  return formatVnDateTime(Date.now() + minutesFromNow * 60_000);
}

/** Axe finds nothing serious, the page fits a 390-px phone, and its screenshots are saved. */
async function review(session: Session, name: string): Promise<void> {
  const { page } = session;
  expect(await axeViolations(page)).toEqual([]);
  await screenshots(session, name);
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: 390, height: 844 });
  const extra = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize(original);
  expect(extra, `${name} is wider than a phone`).toBeLessThanOrEqual(0);
}

async function ready(session: Session, path: string): Promise<void> {
  await session.page.goto(`${e2e.base}${path}`);
  await session.page.locator('html[data-ready]').waitFor();
}

describe.runIf(run)('auction organisations in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E({ DEMO_DATA: 'false' });
    admin = await newSession(e2e, { pid: PERSONA.admin });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('lets an admin create an organisation, with a message on each field', async () => {
    const page = admin.page;
    await ready(admin, '/admin');
    await page.getByTestId('organisations-link').click();
    await page.waitForURL(/\/admin\/organisations$/);
    await page.locator('html[data-ready]').waitFor();
    // The default organisation that existing data migrated into is listed.
    expect(await page.getByTestId('organisations').textContent()).toContain('Tổ chức đấu giá mặc định');

    // Checked before sending: required fields, the tax code's shape, a province, a bank account in full.
    await page.fill('#new-org-name', ORG_NAME);
    await page.fill('#new-org-taxCode', '12345');
    await page.fill('#new-org-bank-bank', 'Ngân hàng Đà Nẵng');
    await page.getByRole('button', { name: 'Thêm tổ chức' }).click();
    await expect.poll(() => page.locator('#new-org-taxCode').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-org-taxCode-error').textContent()).toContain('10 chữ số');
    expect(await page.locator('#new-org-licenceNumber-error').textContent()).toContain('Bắt buộc nhập');
    expect(await page.locator('#new-org-province-error').textContent()).toContain('tỉnh, thành phố');
    expect(await page.locator('#new-org-bank-bin-error').textContent()).toContain('bốn thông tin');
    expect(await page.locator('#new-org-taxCode').getAttribute('aria-describedby')).toContain('new-org-taxCode-error');
    // Focus goes to the first field in error.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new-org-licenceNumber');

    // The API's refusal of a taken tax code (the default organisation's) lands on that field.
    await page.fill('#new-org-licenceNumber', 'ĐN-77/TP-ĐKHĐ');
    await page.fill('#new-org-taxCode', '0000000000');
    await page.selectOption('#new-org-province', 'da-nang');
    await page.fill('#new-org-bank-bin', '970499');
    await page.fill('#new-org-bank-number', '0123456789');
    await page.fill('#new-org-bank-holder', 'CONG TY DAU GIA SONG HAN');
    await page.getByRole('button', { name: 'Thêm tổ chức' }).click();
    await expect.poll(() => page.locator('#new-org-taxCode-error').textContent()).toContain('Đã có tổ chức');
    expect(await page.locator('#new-org-province').getAttribute('aria-invalid')).toBeNull();
    await review(admin, 'admin-organisations-errors');

    await page.fill('#new-org-taxCode', '0401234567-001');
    await page.getByRole('button', { name: 'Thêm tổ chức' }).click();
    await page.waitForURL(/\/admin\/organisations\/\d+\?created=1$/);
    orgId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.locator('html[data-ready]').waitFor();
    expect(await page.getByTestId('organisation-created').textContent()).toContain('Đã thêm tổ chức');
    expect(await page.locator('h1').textContent()).toBe(ORG_NAME);
    const org = await admin.api<{ taxCode: string; province: string; bankAccount: { bin: string } | null }>(
      'GET',
      `/api/organisations/${orgId}`,
    );
    expect(org.json).toMatchObject({ taxCode: '0401234567-001', province: 'da-nang', bankAccount: { bin: '970499' } });

    await ready(admin, '/admin/organisations');
    expect(await page.getByTestId('organisations').textContent()).toContain(ORG_NAME);
    await review(admin, 'admin-organisations');
    expect(admin.problems).toEqual([]);
  }, 120_000);

  it('lets the admin add managers by identification number before they sign in, remove one, and edit it', async () => {
    const page = admin.page;
    await ready(admin, `/admin/organisations/${orgId}`);
    expect(await page.getByText('Tổ chức chưa có người quản lý nào.').count()).toBe(1);

    await page.fill('#manager-pid', '12345');
    await page.getByRole('button', { name: 'Thêm người quản lý' }).click();
    expect(await page.locator('#manager-pid-error').textContent()).toContain('12 chữ số');

    for (const pid of [HA, HUNG]) {
      await page.fill('#manager-pid', pid);
      await page.getByRole('button', { name: 'Thêm người quản lý' }).click();
      const dialog = page.getByRole('dialog', { name: 'Thêm người quản lý?' });
      expect(await dialog.textContent()).toContain(pid);
      // Opening the dialog focuses the safe choice.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Quay lại');
      await dialog.getByRole('button', { name: 'Thêm', exact: true }).click();
      await expect.poll(() => page.getByTestId('managers-notice').textContent()).toContain(pid);
      await page.getByTestId(`manager-${pid}`).waitFor();
    }
    // Neither has signed in: the membership waits against their identification number.
    for (const pid of [HA, HUNG])
      expect(await page.getByTestId(`manager-${pid}`).textContent()).toContain(
        'Được thêm trước lần đăng nhập đầu tiên',
      );
    await review(admin, 'admin-organisation');

    // Removing one is confirmed first; going back leaves them.
    await page.getByRole('button', { name: `Gỡ người quản lý: ${HUNG}` }).click();
    const remove = page.getByRole('dialog', { name: 'Gỡ người quản lý?' });
    await remove.getByRole('button', { name: 'Quay lại' }).click();
    expect(await page.getByTestId(`manager-${HUNG}`).count()).toBe(1);
    await page.getByRole('button', { name: `Gỡ người quản lý: ${HUNG}` }).click();
    expect(await axeViolations(page)).toEqual([]);
    await remove.getByRole('button', { name: 'Gỡ khỏi tổ chức' }).click();
    await expect.poll(() => page.getByTestId(`manager-${HUNG}`).count()).toBe(0);
    expect(await page.getByTestId('managers-notice').textContent()).toContain(HUNG);
    const managers = await admin.api<{ items: { pid: string; signedIn: boolean }[] }>(
      'GET',
      `/api/organisations/${orgId}/managers`,
    );
    expect(managers.json.items).toEqual([expect.objectContaining({ pid: HA, signedIn: false })]);

    // Edit: only the changed name is sent; the page shows it.
    await page.fill('#edit-org-name', ORG_RENAMED);
    await page.getByRole('button', { name: 'Lưu thông tin' }).click();
    await expect.poll(() => page.getByTestId('organisation-saved').textContent()).toContain('Đã lưu');
    await expect.poll(() => page.locator('h1').textContent()).toBe(ORG_RENAMED);
    expect(admin.problems).toEqual([]);
  }, 120_000);

  it('lets the new manager sign in and create a lot under the organisation, which its pages name', async () => {
    const ha = await newSession(e2e, { pid: HA });
    const page = ha.page;
    await ready(ha, '/manage');
    expect(await page.getByTestId('my-organisations').textContent()).toContain(ORG_RENAMED);
    expect(await page.getByTestId('no-organisation').count()).toBe(0);
    await review(ha, 'manager-console-organisation');

    // Once signed in, the admin sees them as such.
    await ready(admin, `/admin/organisations/${orgId}`);
    expect(await admin.page.getByTestId(`manager-${HA}`).textContent()).toContain('Đã đăng nhập');

    await page.getByRole('link', { name: '+ Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/new$/);
    await page.locator('html[data-ready]').waitFor();
    // One organisation: nothing to choose.
    expect(await page.locator('#organisationId').count()).toBe(0);
    await page.fill('#title', LOT_TITLE);
    await page.fill('#description', 'Máy xúc đào bánh xích đã qua sử dụng, thanh lý tài sản công.');
    await page.selectOption('#category', 'equipment');
    await page.fill('#startingPrice', '500000000');
    await page.fill('#priceStep', '10000000');
    await page.fill('#deposit', '50000000');
    await page.fill('#registrationOpensAt', vnLocal(-1));
    await page.fill('#registrationClosesAt', vnLocal(120));
    await page.fill('#startsAt', vnLocal(120));
    await page.fill('#endsAt', vnLocal(180));
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/\d+\?created=1$/);
    lotId = Number(new URL(page.url()).pathname.split('/').pop());
    await page.locator('html[data-ready]').waitFor();
    expect(await page.getByTestId('lot-organisation').textContent()).toBe(ORG_RENAMED);
    const lot = await ha.api<{ organisationId: number }>('GET', `/api/lots/${lotId}`);
    expect(lot.json.organisationId).toBe(orgId);

    await page.getByRole('button', { name: 'Công bố phiên' }).click();
    await page
      .getByRole('dialog', { name: 'Công bố phiên đấu giá?' })
      .getByRole('button', { name: 'Công bố', exact: true })
      .click();
    await expect.poll(() => page.locator('.meta [data-status]').getAttribute('data-status')).toBe('scheduled');
    await review(ha, 'manager-lot-organisation');
    expect(ha.problems).toEqual([]);
    await ha.context.close();

    // The public lot page names the organisation running it.
    const visitor = await newSession(e2e);
    await ready(visitor, `/lots/${lotId}`);
    expect(await visitor.page.getByTestId('lot-organisation').textContent()).toContain(ORG_RENAMED);
    await review(visitor, 'lot-page-organisation');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  }, 120_000);

  it('asks a manager of several organisations which one; tells a manager of none to ask an admin', async () => {
    // The demo manager manages the default organisation; the admin adds them to the new one too.
    expect((await admin.api('POST', `/api/organisations/${orgId}/managers`, { pid: PERSONA.manager })).status).toBe(
      200,
    );
    const lan = await newSession(e2e, { pid: PERSONA.manager });
    await ready(lan, '/manage/lots/new');
    const options = await lan.page.locator('#organisationId option').allTextContents();
    expect(options).toEqual(['Chọn tổ chức', 'Tổ chức đấu giá mặc định', ORG_RENAMED]);
    await lan.page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect.poll(() => lan.page.locator('#organisationId').getAttribute('aria-invalid')).toBe('true');
    expect(await lan.page.locator('#organisationId-error').textContent()).toContain('Bạn quản lý 2 tổ chức');
    await review(lan, 'manager-new-lot-organisations');
    expect(lan.problems).toEqual([]);
    await lan.context.close();

    // Removed from their only organisation, Hùng keeps the manager role but manages no lots.
    const hung = await newSession(e2e, { pid: HUNG });
    await ready(hung, '/manage');
    expect(await hung.page.getByTestId('no-organisation').textContent()).toContain(
      'Quản trị viên cần thêm bạn vào một tổ chức',
    );
    expect(await hung.page.getByRole('link', { name: '+ Tạo phiên mới' }).count()).toBe(0);
    await review(hung, 'manager-no-organisation');
    await ready(hung, '/manage/lots/new');
    expect(await hung.page.getByTestId('no-organisation').count()).toBe(1);
    expect(await hung.page.locator('form.lot-form').count()).toBe(0);
    expect(hung.problems).toEqual([]);
    await hung.context.close();
  }, 120_000);

  it('lets the admin set a regulator scope to a province, which the regulator console shows', async () => {
    const page = admin.page;
    await ready(admin, '/admin');
    await page.fill('#scope-pid', '123');
    await page.getByRole('button', { name: 'Lưu phạm vi' }).click();
    expect(await page.locator('#scope-pid-error').textContent()).toContain('12 chữ số');
    // The regulator's row fills in their number.
    await page.getByRole('button', { name: 'Đặt phạm vi: Bùi Văn Minh' }).click();
    expect(await page.locator('#scope-pid').inputValue()).toBe(PERSONA.regulator);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('scope-pid');
    await page.selectOption('#scope-province', 'da-nang');
    await page.getByRole('button', { name: 'Lưu phạm vi' }).click();
    await expect.poll(() => page.getByTestId('scope-notice').textContent()).toContain('Đà Nẵng');
    // The roles table shows it too (and that the demo regulator has never signed in here).
    await expect.poll(() => page.getByTestId('holder-scope').first().textContent()).toBe('Phạm vi giám sát: Đà Nẵng');
    expect(await page.getByTestId('not-signed-in').first().textContent()).toBe(
      'Được thêm trước lần đăng nhập đầu tiên',
    );
    await review(admin, 'admin-roles-scope');

    const regulator = await newSession(e2e, { pid: PERSONA.regulator });
    await ready(regulator, '/regulator');
    expect(await regulator.page.getByTestId('regulator-scope').textContent()).toBe('Phạm vi giám sát: Đà Nẵng');
    await review(regulator, 'regulator-scope-province');
    // The organisation's lot is in scope (the organisation is registered in Đà Nẵng).
    await regulator.page.getByRole('link', { name: LOT_TITLE }).click();
    await regulator.page.waitForURL(new RegExp(`/regulator/lots/${lotId}$`));
    await regulator.page.locator('html[data-ready]').waitFor();
    expect(await regulator.page.getByTestId('lot-organisation').textContent()).toBe(ORG_RENAMED);
    await review(regulator, 'regulator-lot-organisation');

    // Back to the whole country.
    await page.getByRole('button', { name: 'Đặt phạm vi: Bùi Văn Minh' }).click();
    await page.selectOption('#scope-province', '');
    await page.getByRole('button', { name: 'Lưu phạm vi' }).click();
    await expect.poll(() => page.getByTestId('scope-notice').textContent()).toContain('Toàn quốc');
    await ready(regulator, '/regulator');
    expect(await regulator.page.getByTestId('regulator-scope').textContent()).toBe('Phạm vi giám sát: Toàn quốc');
    await review(regulator, 'regulator-scope');
    expect([...admin.problems, ...regulator.problems]).toEqual([]);
    await regulator.context.close();
  }, 120_000);
});
