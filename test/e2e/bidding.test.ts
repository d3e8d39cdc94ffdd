// The public side in a real browser: the catalogue, the live lot room with two bidders against each
// other, bidding with the keyboard alone, a level-1 citizen kept out with a reason, a newcomer's
// first bid in the demo, accessibility (axe-core) and the strict CSP, with screenshots for review.
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
import { createLot, registerApproved, untilLive } from './lots.ts';

const run = chromiumAvailable();
let e2e: E2E;
let manager: Session;
let liveLot: number;
let upcomingLot: number;

describe.runIf(run)('the public site in Chromium', () => {
  let an: Session;
  let cuc: Session;
  let anCode: string;
  let cucCode: string;
  /** An again in a browser context of its own, whose live connection a test cuts; a level-1 citizen. */
  let watcher: Session;
  let citizen: Session;

  beforeAll(async () => {
    e2e = await startE2E();
    manager = await newSession(e2e, { pid: PERSONA.manager });
    an = await newSession(e2e, { pid: PERSONA.an });
    cuc = await newSession(e2e, { pid: PERSONA.cuc });
    const startIn = 8_000;
    liveLot = await createLot(manager, 'Biển số 88A-123.45', {
      opens: -60_000,
      closes: startIn,
      starts: startIn,
      ends: 30 * 60_000,
    });
    upcomingLot = await createLot(manager, 'Biển số 88A-678.90', {
      opens: -60_000,
      closes: 3600_000,
      starts: 3600_000,
      ends: 7200_000,
    });
    anCode = await registerApproved(manager, an, liveLot);
    cucCode = await registerApproved(manager, cuc, liveLot);
    // Bidding opens at startsAt by the server clock; the other sessions sign in meanwhile.
    await Promise.all([
      untilLive(an, liveLot),
      (async () => {
        watcher = await newSession(e2e, { pid: PERSONA.an });
        citizen = await newSession(e2e, { pid: PERSONA.level1 });
      })(),
    ]);
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('shows the catalogue with live, upcoming and finished lots, server-rendered, and passes axe', async () => {
    const visitor = await newSession(e2e);
    const html = await (await fetch(`${e2e.base}/`)).text();
    expect(html).toContain('Biển số 88A-123.45');
    await visitor.page.goto(`${e2e.base}/`);
    await visitor.page.locator('html[data-ready]').waitFor();
    await expect.poll(() => visitor.page.locator('#sec-live').isVisible()).toBe(true);
    expect(await visitor.page.locator('#sec-finished + ul li').count()).toBeGreaterThan(0);
    await visitor.page.fill('#q', '88A-678');
    await visitor.page.getByRole('button', { name: 'Tìm' }).click();
    await visitor.page.waitForURL(/q=88A-678/);
    expect(await visitor.page.locator('article h3').allTextContents()).toEqual(['Biển số 88A-678.90']);
    await visitor.page.goto(`${e2e.base}/`);
    await visitor.page.locator('html[data-ready]').waitFor();
    expect(await axeViolations(visitor.page)).toEqual([]);
    await screenshots(visitor, 'catalogue');
    await visitor.page.goto(`${e2e.base}/signin`);
    await visitor.page.locator('html[data-ready]').waitFor();
    expect(await axeViolations(visitor.page)).toEqual([]);
    await screenshots(visitor, 'signin');
    // English is one click away, and remembered.
    await visitor.page.getByRole('link', { name: 'English' }).click();
    await visitor.page.waitForURL(/\/signin/);
    expect(await visitor.page.locator('html').getAttribute('lang')).toBe('en');
    expect(await visitor.page.locator('h1').textContent()).toBe('Sign in');
    await visitor.page.goto(`${e2e.base}/lots/${liveLot}`);
    await visitor.page.locator('html[data-ready]').waitFor();
    expect(await visitor.page.getByText('Current price', { exact: false }).count()).toBeGreaterThan(0);
    await screenshots(visitor, 'lot-english');
    expect(visitor.problems).toEqual([]);
    await visitor.context.close();
  }, 90_000);

  it('serves the lot page with its title and current price before any script runs', async () => {
    const html = await (await fetch(`${e2e.base}/lots/${liveLot}`)).text();
    expect(html).toContain('Biển số 88A-123.45');
    expect(html).toContain('40.000.000');
  });

  it('lets two bidders bid against each other, each seeing the other’s bid live', async () => {
    await an.page.goto(`${e2e.base}/lots/${liveLot}`);
    await an.page.locator('html[data-ready]').waitFor();
    await cuc.page.goto(`${e2e.base}/lots/${liveLot}`);
    await cuc.page.locator('html[data-ready]').waitFor();
    for (const s of [an, cuc]) await s.page.locator('button.btn-bid').waitFor();
    await expect.poll(() => an.page.locator('#bid-amount').inputValue()).toBe('40.000.000');

    await an.page.locator('button.btn-bid').click();
    await expect.poll(() => an.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
    // Cúc sees An's bid arrive without reloading.
    await expect
      .poll(() => cuc.page.locator('[data-testid=bid-feed] tr[data-seq="1"]').textContent())
      .toContain(anCode);
    await expect.poll(() => cuc.page.getByTestId('current-price').textContent()).toContain('40.000.000');
    await expect.poll(() => cuc.page.locator('#bid-amount').inputValue()).toBe('45.000.000');

    await cuc.page.locator('button.btn-bid').click();
    await expect.poll(() => cuc.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
    await expect
      .poll(() => an.page.locator('[data-testid=bid-feed] tr[data-seq="2"]').textContent())
      .toContain(cucCode);
    await expect.poll(() => an.page.getByTestId('current-price').textContent()).toContain('45.000.000');
    // An is told, in an assertive live region, that they were outbid.
    await expect.poll(() => an.page.getByTestId('alert-announcer').textContent()).toContain('bị trả giá cao hơn');
    await expect.poll(() => an.page.getByTestId('bid-announcer').textContent()).toContain(cucCode);
    expect(await axeViolations(an.page)).toEqual([]);
    await screenshots(an, 'lot-bidder');
  }, 90_000);

  it('takes a bid made with the keyboard alone, with a visible focus', async () => {
    const page = an.page;
    await page.locator('body').focus();
    let found = false;
    for (let i = 0; i < 80 && !found; i++) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.id === 'bid-amount');
    }
    expect(found).toBe(true);
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement!).outlineStyle);
    expect(outline).not.toBe('none');
    // The next quick step button: +2 steps, then Enter in the amount field places the bid.
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#bid-amount').inputValue()).toBe('55.000.000');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('bid-amount');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('bid-feedback').textContent()).toContain('55.000.000');
    await expect
      .poll(() => cuc.page.locator('[data-testid=bid-feed] tr[data-seq="3"]').textContent())
      .toContain(anCode);
  }, 60_000);

  it('asks for confirmation before a large jump', async () => {
    const page = cuc.page;
    await page.fill('#bid-amount', '200000000');
    await page.locator('button.btn-bid').click();
    const dialog = page.getByRole('dialog', { name: 'Xác nhận mức trả giá cao' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Quay lại' }).click();
    expect(await page.getByTestId('bid-feedback').textContent()).not.toContain('200.000.000');
    expect((await cuc.api<{ items: unknown[] }>('GET', `/api/lots/${liveLot}/bids`)).json.items).toHaveLength(3);
  }, 30_000);

  it('shows a banner when the live connection drops, and catches up on the bids missed once it recovers', async () => {
    const page = watcher.page;
    let blocked = false;
    const open: { close(): Promise<void> }[] = [];
    // The page's websocket goes through this route: while blocked, every connection is cut.
    await page.routeWebSocket(/\/socket\.io\//, (ws) => {
      if (blocked) return void ws.close();
      ws.connectToServer();
      open.push(ws);
    });
    await page.goto(`${e2e.base}/lots/${liveLot}`);
    await page.locator('html[data-ready]').waitFor();
    await page.locator('[data-testid=bid-feed] tr[data-seq="3"]').waitFor();
    await expect.poll(() => page.locator('.live-dot.on').count()).toBe(1);
    blocked = true;
    for (const ws of open.splice(0)) await ws.close();
    await page.getByTestId('connection-lost').waitFor();
    // A bid lands while this page is cut off.
    const missed = await cuc.api<{ seq: number }>(
      'POST',
      `/api/lots/${liveLot}/bids`,
      { amount: 60_000_000 },
      { 'idempotency-key': `missed-${Date.now()}` },
    );
    expect(missed.status).toBe(201);
    expect(await page.locator(`[data-testid=bid-feed] tr[data-seq="${missed.json.seq}"]`).count()).toBe(0);
    await screenshots(watcher, 'lot-connection-lost');
    blocked = false;
    await page.getByTestId('connection-recovered').waitFor({ timeout: 30_000 });
    expect(await page.locator(`[data-testid=bid-feed] tr[data-seq="${missed.json.seq}"]`).textContent()).toContain(
      cucCode,
    );
    expect(await page.getByTestId('current-price').textContent()).toContain('60.000.000');
    expect(watcher.problems).toEqual([]);
    await watcher.context.close();
  }, 90_000);

  it('lets the leader withdraw their bid only after a warning about the forfeit', async () => {
    const page = cuc.page;
    await expect.poll(() => page.getByTestId('leader').textContent()).toContain(cucCode);
    await page.getByRole('button', { name: 'Rút lại giá đang dẫn đầu' }).click();
    const dialog = page.getByRole('dialog', { name: 'Rút lại lượt trả giá?' });
    await dialog.waitFor();
    expect(await dialog.textContent()).toContain('MẤT khoản tiền đặt trước 8.000.000');
    await dialog.getByRole('button', { name: 'Tôi hiểu, rút giá' }).click();
    await expect.poll(() => page.getByTestId('bid-feedback').textContent()).toContain('Đã rút lượt trả giá');
    // The price falls back to the previous standing bid, for everyone watching.
    await expect.poll(() => an.page.getByTestId('current-price').textContent()).toContain('55.000.000');
    await expect.poll(() => page.getByTestId('deposit-state').textContent()).toContain('Bị tịch thu');
    expect(await page.locator('button.btn-bid').count()).toBe(0);
  }, 60_000);

  it('tells a level-1 citizen why they cannot register', async () => {
    await citizen.page.goto(`${e2e.base}/lots/${upcomingLot}`);
    await citizen.page.locator('html[data-ready]').waitFor();
    const why = citizen.page.getByTestId('level-too-low');
    await why.waitFor();
    expect(await why.textContent()).toContain('mức 2');
    expect(await citizen.page.getByTestId('level').textContent()).toContain('mức 1');
    const attempt = await citizen.api<{ error: { code: string } }>('POST', `/api/lots/${upcomingLot}/registrations`, {
      acceptRules: true,
    });
    expect(attempt.json.error.code).toBe('LEVEL_TOO_LOW');
    expect(citizen.problems).toEqual([]);
    await citizen.context.close();
  }, 60_000);

  it('lets a newcomer sign in as a demo bidder and bid on a live demo lot', async () => {
    const started = Date.now();
    const newcomer = await newSession(e2e);
    await newcomer.page.goto(`${e2e.base}/`);
    await newcomer.page.locator('html[data-ready]').waitFor();
    await newcomer.page.locator('#sec-live ~ ul a, #sec-live + ul a').filter({ hasNotText: '88A' }).first().click();
    await newcomer.page.waitForURL(/\/lots\/\d+$/);
    const lotPath = new URL(newcomer.page.url()).pathname;
    await newcomer.page.getByRole('link', { name: 'Đăng nhập' }).last().click();
    await newcomer.page.getByRole('link', { name: 'Đăng nhập bằng định danh điện tử' }).click();
    await newcomer.page.locator(`button[data-pid="${PERSONA.duc}"]`).click();
    await newcomer.page.waitForURL((u) => u.pathname === lotPath);
    const me = await newcomer.api<{ csrfToken: string }>('GET', '/api/me');
    newcomer.csrf = me.json.csrfToken;
    for (let attempt = 0; attempt < 3; attempt++) {
      await newcomer.page.locator('button.btn-bid:not([disabled])').click();
      await expect.poll(() => newcomer.page.getByTestId('bid-feedback').textContent()).not.toBe('');
      if ((await newcomer.page.getByTestId('bid-feedback').textContent())?.includes('Đã chấp nhận')) break;
    }
    expect(await newcomer.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
    console.log(`newcomer: from the catalogue to an accepted bid in ${Date.now() - started} ms`);
    await newcomer.page.goto(`${e2e.base}/me`);
    await newcomer.page.locator('html[data-ready]').waitFor();
    expect(await newcomer.page.locator('main table').textContent()).toContain('Đang dẫn đầu');
    await screenshots(newcomer, 'my-auctions');
    expect(await axeViolations(newcomer.page)).toEqual([]);
    expect(newcomer.problems).toEqual([]);
    await newcomer.context.close();
  }, 90_000);

  it('kept the strict content security policy without a violation', () => {
    expect([...an.problems, ...cuc.problems, ...manager.problems]).toEqual([]);
  });
});
