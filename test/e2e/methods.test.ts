// The three other auction methods in a real browser (issue 16), one journey each, with screenshots of
// each method's lot room and of the manager's form at phone and desktop width:
// - descending: the price asked falls on schedule (the floor, the countdown, the next price shown); an
//   acceptance held back until after a fall is refused with the new price; a bidder accepts the price
//   shown and wins; the other is told the lot is sold, and a late acceptance of theirs is refused so;
// - sealed: a bid submitted through the form gives a receipt (commitment, time, the JWS), the other
//   bidder's amount is nowhere on the page, and after the end the reveal shows every commitment
//   checked in the browser and the bidder's own receipt found in the revealed list;
// - extension rounds: a bid in the trigger window opens a round, the indicator names it, and a bidder
//   who did not bid in the official time is refused with NOT_IN_ROUND.
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
import { amountIn, liveMethodLot, until } from './method-lots.ts';
import { formatVnDateTime, readVnDateTime } from '../../web/lib/vn-datetime.ts';

const run = chromiumAvailable();
let e2e: E2E;
let manager: Session;
let an: Session;
let cuc: Session;
let duc: Session;
/** Svelte's runtime warnings in any of the pages (a derived read after its owner was destroyed, ...). */
const svelteWarnings: string[] = [];

async function open(s: Session, id: number): Promise<void> {
  await s.page.goto(`${e2e.base}/lots/${id}`);
  await s.page.locator('html[data-ready]').waitFor();
}

describe.runIf(run)('the auction methods in Chromium', () => {
  beforeAll(async () => {
    // A sealed lot's tie round lasts 10 s here, the least allowed (300 s by default).
    e2e = await startE2E({ SEALED_TIE_ROUND_SECONDS: '10' });
    manager = await newSession(e2e, { pid: PERSONA.manager });
    an = await newSession(e2e, { pid: PERSONA.an });
    cuc = await newSession(e2e, { pid: PERSONA.cuc });
    duc = await newSession(e2e, { pid: PERSONA.duc });
    for (const s of [manager, an, cuc, duc])
      s.page.on('console', (m) => {
        if (m.text().includes('[svelte]')) svelteWarnings.push(m.text());
      });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('shows the manager the method and its parameters, a descending end worked out from the schedule', async () => {
    const { page } = manager;
    await page.goto(`${e2e.base}/manage/lots/new`);
    await page.locator('html[data-ready]').waitFor();
    await page.fill('#title', 'Biển số 51K-246.80 (đặt giá xuống, biểu mẫu)');
    await page.fill('#startingPrice', '40000000');
    await page.fill('#priceStep', '5000000');
    await page.fill('#deposit', '8000000');
    await page.getByLabel('Đặt giá xuống').check();
    expect(await page.locator('#endsAt').count()).toBe(0);
    await page.fill('#intervalSeconds', '60');
    // A floor above the starting price is the form's to refuse beside the field (the server's code).
    await page.fill('#floorPrice', '50000000');
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect.poll(() => page.locator('[id="floorPrice-error"]').textContent()).toContain('giá khởi điểm');
    await page.fill('#floorPrice', '20000000');
    // 40 down to 20 million by 5 million: five prices of a minute each, so the end is five minutes after the start.
    const starts = readVnDateTime(await page.locator('#startsAt').inputValue());
    const startsAt = starts.kind === 'instant' ? Date.parse(starts.iso) : NaN;
    const end = formatVnDateTime(startsAt + 5 * 60_000);
    await expect.poll(() => page.getByTestId('ends-at-schedule').textContent()).toBe(end);
    // The end the server could not work out while the floor was wrong is not another error of the form's.
    expect(await page.locator('[id="endsAt-error"]').count()).toBe(0);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'method-form-descending');
    await page.getByLabel('Bỏ phiếu kín').check();
    await screenshots(manager, 'method-form-sealed');
    await page.getByLabel('Trả giá lên').check();
    await page.getByLabel('Có vòng kéo dài sau thời gian chính thức').check();
    await page.fill('[id="rounds.triggerSeconds"]', '0');
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await expect.poll(() => page.locator('[id="rounds.triggerSeconds-error"]').isVisible()).toBe(true);
    await screenshots(manager, 'method-form-rounds');
    await page.fill('[id="rounds.triggerSeconds"]', '10');
    await page.getByLabel('Đặt giá xuống').check();
    await page.getByRole('button', { name: 'Tạo phiên mới' }).click();
    await page.waitForURL(/\/manage\/lots\/\d+\?created=1/);
    const id = Number(/\/manage\/lots\/(\d+)/.exec(page.url())?.[1]);
    const lot = await manager.api<{
      method: string;
      floorPrice: number;
      intervalSeconds: number;
      rounds: unknown;
      endsAt: string;
    }>('GET', `/api/lots/${id}`);
    expect(lot.json).toMatchObject({ method: 'descending', floorPrice: 20_000_000, intervalSeconds: 60, rounds: null });
    expect(Date.parse(lot.json.endsAt)).toBe(startsAt + 5 * 60_000);
    expect(manager.problems).toEqual([]);
  }, 90_000);

  it('runs a descending lot: the price falls, one bidder accepts and wins, the other is told it is sold', async () => {
    // 40, 35, 30, 25 million, six seconds each. The pages are open before the price starts falling (a
    // loaded machine may take longer than a step to open them).
    const lot = await liveMethodLot(
      manager,
      'Biển số 30L-135.79 (đặt giá xuống)',
      { method: 'descending', intervalSeconds: 6, floorPrice: 25_000_000 },
      [an, cuc],
      {
        startIn: 15_000,
        beforeLive: async (id) => {
          await open(an, id);
          await open(cuc, id);
        },
      },
    );
    const [anCode] = lot.codes;
    const price = (s: Session): Promise<number> => s.page.getByTestId('current-price').textContent().then(amountIn);
    await expect.poll(() => price(an)).toBe(40_000_000);
    expect(amountIn(await an.page.getByTestId('floor-price').textContent())).toBe(25_000_000);
    expect(amountIn(await an.page.getByTestId('next-price').textContent())).toBe(35_000_000);
    await an.page.getByTestId('countdown').waitFor();

    // Cúc accepts 40 million, but the acceptance reaches the server only after the price fell. (Pressed
    // before An's page is checked, so that the press comes well before the fall on a loaded machine.)
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await cuc.page.route('**/api/lots/*/bids', async (route) => {
      await held;
      await route.continue();
    });
    await cuc.page.getByTestId('accept-price').click();
    expect(await axeViolations(an.page)).toEqual([]);
    await screenshots(an, 'method-descending-live');
    await expect.poll(() => price(an), { timeout: 15_000 }).toBe(35_000_000);
    release();
    await expect
      .poll(() => cuc.page.getByTestId('price-changed').textContent())
      .toContain(new Intl.NumberFormat('vi-VN').format(35_000_000));
    await cuc.page.unroute('**/api/lots/*/bids');

    // Cúc presses again, held until An has won: refused, the lot is sold.
    let releaseLate!: () => void;
    const heldLate = new Promise<void>((r) => (releaseLate = r));
    await cuc.page.route('**/api/lots/*/bids', async (route) => {
      await heldLate;
      await route.continue();
    });
    await cuc.page.getByTestId('accept-price').click();

    const shown = Number(await an.page.getByTestId('accept-price').getAttribute('data-amount'));
    await an.page.getByTestId('accept-price').click();
    const final = (): Promise<unknown> => an.api<{ status: string }>('GET', `/api/lots/${lot.id}`).then((r) => r.json);
    await expect
      .poll(final)
      .toMatchObject({ status: 'closed', finalPrice: shown, winnerBidderCode: anCode, method: 'descending' });
    // Cúc's acceptance reaches the server now, within the page's own wait for an answer.
    releaseLate();
    await expect.poll(() => an.page.getByTestId('accepted').isVisible()).toBe(true);
    await expect.poll(() => an.page.getByTestId('won').isVisible()).toBe(true);
    await expect.poll(() => cuc.page.getByTestId('accept-feedback').textContent()).toContain('Người khác đã chấp nhận');
    expect(await cuc.page.getByTestId('sold').isVisible()).toBe(true);
    await expect.poll(() => cuc.page.getByTestId('sold-to').textContent()).toContain(anCode);
    expect(await axeViolations(cuc.page)).toEqual([]);
    await screenshots(cuc, 'method-descending-sold');
    await cuc.page.unroute('**/api/lots/*/bids');
    expect([...an.problems, ...cuc.problems]).toEqual([]);
  }, 120_000);

  it('runs a sealed lot: a receipt for the bid, nothing of the others before the end, then the checked reveal', async () => {
    const lot = await liveMethodLot(
      manager,
      'Biển số 29H-975.31 (bỏ phiếu kín)',
      { method: 'sealed', tieBreak: 'earliest', replaceable: true },
      [an, cuc],
      // What happens before the end takes about 3 s.
      { lasts: 12_000 },
    );
    const [anCode, cucCode] = lot.codes;
    // Cúc bids over the API, more than An will.
    const cucBid = await cuc.api<{ commitment: string }>('POST', `/api/lots/${lot.id}/sealed-bids`, {
      amount: 47_000_000,
    });
    expect(cucBid.status).toBe(201);

    await open(an, lot.id);
    await an.page.getByTestId('sealed-none').waitFor();
    await an.page.fill('#sealed-amount', '45000000');
    await an.page.getByTestId('sealed-submit').click();
    await an.page.getByTestId('sealed-receipt').waitFor();
    const commitment = (await an.page.getByTestId('receipt-commitment').textContent())?.trim() ?? '';
    expect(commitment).toMatch(/^[\w-]{43}$/);
    expect((await an.page.getByTestId('receipt-jws').inputValue()).split('.')).toHaveLength(3);
    expect(amountIn(await an.page.getByTestId('sealed-amount').textContent())).toBe(45_000_000);
    // Nothing of Cúc's amount or commitment anywhere on An's page.
    const body = (await an.page.locator('body').textContent()) ?? '';
    expect(body).not.toContain('47.000.000');
    expect(body).not.toContain(cucBid.json.commitment);
    expect(await axeViolations(an.page)).toEqual([]);
    await screenshots(an, 'method-sealed-submitted');

    // After a reload the bid and its receipt are read back from the server.
    await open(an, lot.id);
    await expect.poll(() => an.page.getByTestId('receipt-commitment').textContent()).toBe(commitment);

    await until(lot.endsAt, 500);
    await an.page.getByTestId('reveal-table').waitFor({ timeout: 20_000 });
    await expect.poll(() => an.page.locator('[data-testid=reveal-table] tbody tr').count()).toBe(2);
    await expect
      .poll(() => an.page.getByTestId('commitment-check').allTextContents())
      .toEqual([expect.stringContaining('✓'), expect.stringContaining('✓')]);
    await expect.poll(() => an.page.getByTestId('receipt-check').textContent()).toContain(commitment);
    expect(await an.page.getByTestId('receipt-check').getAttribute('class')).toContain('ok');
    await expect.poll(() => an.page.getByTestId('reveal-winner').textContent()).toContain(cucCode);
    expect(await an.page.getByTestId('reveal-table').textContent()).toContain(anCode);
    expect(await axeViolations(an.page)).toEqual([]);
    await screenshots(an, 'method-sealed-revealed');
    // A visitor reading it in English: every commitment checked, no receipt of theirs to look up.
    const visitor = await newSession(e2e);
    await open(visitor, lot.id);
    await visitor.page.getByRole('link', { name: 'English' }).click();
    await visitor.page.waitForURL(new RegExp(`/lots/${lot.id}`));
    await visitor.page.getByTestId('reveal-table').waitFor();
    expect(await visitor.page.getByTestId('reveal').textContent()).toContain('Revealed sealed bids');
    expect(await visitor.page.getByTestId('receipt-check').count()).toBe(0);
    await screenshots(visitor, 'method-sealed-revealed-english');
    await visitor.context.close();
    expect(an.problems).toEqual([]);
  }, 120_000);

  it('runs a tie round among the tied sealed bidders, keeping the others out, and reveals it', async () => {
    const lot = await liveMethodLot(
      manager,
      'Biển số 15A-246.24 (bỏ phiếu kín, vòng phụ)',
      { method: 'sealed', tieBreak: 'round', replaceable: false },
      [an, cuc, duc],
      // What happens before the end takes about 2 s.
      { lasts: 8_000 },
    );
    const [anCode, cucCode, ducCode] = lot.codes;
    for (const [s, amount] of [
      [an, 45_000_000],
      [cuc, 45_000_000],
      [duc, 41_000_000],
    ] as const)
      expect((await s.api('POST', `/api/lots/${lot.id}/sealed-bids`, { amount })).status).toBe(201);
    await open(an, lot.id);
    await open(duc, lot.id);
    // Not replaceable: the form is not offered again, the receipt is.
    await an.page.getByTestId('sealed-receipt').waitFor();
    expect(await an.page.getByTestId('sealed-submit').count()).toBe(0);

    await until(lot.endsAt, 300);
    await expect.poll(() => an.page.getByTestId('tie-round').textContent(), { timeout: 20_000 }).toContain('1');
    await expect.poll(() => an.page.locator('[data-testid=reveal-table] tbody tr').count()).toBe(3);
    await expect.poll(() => an.page.getByTestId('receipt-check').first().getAttribute('class')).toContain('ok');
    await expect.poll(() => an.page.locator('#sealed-min').textContent()).toContain('45.000.000');
    await an.page.fill('#sealed-amount', '50000000');
    await an.page.getByTestId('sealed-submit').click();
    await expect.poll(() => an.page.getByTestId('sealed-amount').textContent()).toContain('50.000.000');
    expect(await axeViolations(an.page)).toEqual([]);
    await screenshots(an, 'method-sealed-tie-round');
    // Đức was not tied: the server keeps him out of the tie round.
    await duc.page.getByTestId('tie-round').waitFor();
    await duc.page.fill('#sealed-amount', '60000000');
    await duc.page.getByTestId('sealed-submit').click();
    await expect.poll(() => duc.page.getByTestId('sealed-feedback').textContent()).toContain('vòng phụ thứ 1');
    expect((await cuc.api('POST', `/api/lots/${lot.id}/sealed-bids`, { amount: 48_000_000 })).status).toBe(201);

    const tieEnd = await an.api<{ endsAt: string }>('GET', `/api/lots/${lot.id}`);
    await until(tieEnd.json.endsAt, 300);
    await expect.poll(() => an.page.getByTestId('reveal-winner').textContent(), { timeout: 20_000 }).toContain(anCode);
    await expect.poll(() => an.page.locator('[data-testid=reveal-table] tbody tr').count()).toBe(5);
    await expect
      .poll(() => an.page.getByTestId('commitment-check').allTextContents())
      .toEqual(Array.from({ length: 5 }, () => expect.stringContaining('✓')));
    // Both of An's receipts (the first round's and the tie round's) are in the revealed list.
    await expect.poll(() => an.page.getByTestId('receipt-check').count()).toBe(2);
    for (const cls of await an.page.getByTestId('receipt-check').evaluateAll((els) => els.map((e) => e.className)))
      expect(cls).toContain('ok');
    const table = (await an.page.getByTestId('reveal-table').textContent()) ?? '';
    for (const code of [anCode, cucCode, ducCode]) expect(table).toContain(code);
    await screenshots(an, 'method-sealed-tie-revealed');
  }, 150_000);

  it('runs extension rounds: a bid in the trigger window opens a round, and a bidder without a bid before is kept out', async () => {
    const lot = await liveMethodLot(
      manager,
      'Biển số 88A-999.99 (vòng kéo dài)',
      { method: 'ascending', rounds: { max: 3, seconds: 20, triggerSeconds: 10 } },
      [an, cuc, duc],
      { lasts: 16_000 },
    );
    for (const s of [an, cuc, duc]) await open(s, lot.id);
    await expect.poll(() => an.page.getByTestId('round-indicator').getAttribute('data-round')).toBe('0');
    // An bids early; Cúc bids in the last ten seconds of the official time, which opens round 1.
    await an.page.locator('button.btn-bid').click();
    await expect.poll(() => an.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
    await until(lot.endsAt, -8_000);
    await cuc.page.locator('button.btn-bid').click();
    await expect.poll(() => cuc.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');

    await until(lot.endsAt, 300);
    await expect
      .poll(() => duc.page.getByTestId('round-indicator').getAttribute('data-round'), { timeout: 15_000 })
      .toBe('1');
    expect(await duc.page.getByTestId('round-indicator').textContent()).toContain('Vòng kéo dài 1/3');
    // Đức did not bid in the official time: the server refuses him in round 1.
    await duc.page.locator('button.btn-bid').waitFor();
    await duc.page.locator('button.btn-bid').click();
    await expect.poll(() => duc.page.getByTestId('bid-feedback').textContent()).toContain('vòng kéo dài thứ 1');
    expect(await axeViolations(duc.page)).toEqual([]);
    await screenshots(duc, 'method-rounds-excluded');
    // The lot's manager sees the round in the live monitor.
    await manager.page.goto(`${e2e.base}/manage/lots/${lot.id}`);
    await manager.page.locator('html[data-ready]').waitFor();
    await expect.poll(() => manager.page.getByTestId('round-indicator').getAttribute('data-round')).toBe('1');
    await screenshots(manager, 'method-rounds-manager');
    // An, who bid in the official time, may bid in it.
    await an.page.locator('button.btn-bid').click();
    await expect.poll(() => an.page.getByTestId('bid-feedback').textContent()).toContain('Đã chấp nhận');
    await screenshots(an, 'method-rounds-round');
    expect([...an.problems, ...cuc.problems, ...duc.problems]).toEqual([]);
  }, 120_000);

  it('logs no Svelte warning on any of those pages', () => {
    expect(svelteWarnings).toEqual([]);
  });

  it('shows each method as a badge in the catalogue', async () => {
    const visitor = await newSession(e2e);
    await visitor.page.goto(`${e2e.base}/`);
    await visitor.page.locator('html[data-ready]').waitFor();
    const methods = await visitor.page
      .getByTestId('method-badge')
      .evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
    expect(new Set(methods)).toEqual(new Set(['ascending', 'descending', 'sealed']));
    await screenshots(visitor, 'method-catalogue');
    await visitor.context.close();
  }, 60_000);
});
