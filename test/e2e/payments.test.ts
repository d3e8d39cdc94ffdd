// Money in a real browser (issue 17, part 6): a newcomer's "my auctions" shows the deposit to pay,
// to which account, with which transfer reference, by when, and its VietQR code drawn on the server,
// and the demo bank pays it;
// the lot's manager sees the reconciliation board, and a regulator the same without its forms.
// Screenshots at desktop and phone width go to test-results/screenshots.
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
import { createLot } from './lots.ts';

const run = chromiumAvailable();
const MIN = 60_000;
let e2e: E2E;
let manager: Session;
let regulator: Session;
let duc: Session;
let lotId: number;
let reference: string;

describe.runIf(run)('payments in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E();
    manager = await newSession(e2e, { pid: PERSONA.manager });
    regulator = await newSession(e2e, { pid: PERSONA.regulator });
    duc = await newSession(e2e, { pid: PERSONA.duc });
    lotId = await createLot(manager, 'Biển số 36A-123.45 (thanh toán)', {
      opens: -MIN,
      closes: 30 * MIN,
      starts: 30 * MIN,
      ends: 90 * MIN,
    });
    const reg = await duc.api<{ payment: { reference: string } }>('POST', `/api/lots/${lotId}/registrations`, {
      acceptRules: true,
    });
    expect(reg.status).toBe(201);
    reference = reg.json.payment.reference;
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it('shows the newcomer the deposit to pay: amount, account, reference, deadline and a VietQR code', async () => {
    const page = duc.page;
    await page.goto(`${e2e.base}/me`);
    const card = page.getByTestId('payment-deposit');
    await card.waitFor();
    expect(await card.getByTestId('payment-reference').textContent()).toBe(reference);
    expect(await card.getByTestId('payment-state').textContent()).toBe('Chưa nhận');
    expect(await card.textContent()).toContain('8.000.000');
    // The code is an SVG in the page itself (no image fetched from anywhere).
    expect(await card.locator('.qr-code svg path').count()).toBeGreaterThan(0);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(duc, 'payments-my-auctions');

    // The demo bank pays it as a signed notification from the provider would.
    await card.getByRole('link', { name: 'Trả bằng ngân hàng giả lập' }).click();
    const bank = page.getByTestId('demo-bank');
    await bank.waitFor();
    expect(await bank.locator('input[name=reference]').inputValue()).toBe(reference);
    expect(await bank.locator('input[name=amount]').inputValue()).toBe('8000000');
    expect(await axeViolations(page)).toEqual([]);
    await bank.getByRole('button', { name: 'Chuyển khoản' }).click();
    await expect.poll(() => page.getByTestId('demo-bank-result').textContent()).toContain('đã ghi nhận');
    await page.goto(`${e2e.base}/me`);
    await page.locator('html[data-ready]').waitFor();
    expect(await page.getByTestId('payment-deposit').count()).toBe(0);
    expect(duc.problems).toEqual([]);
  });

  it("gives the lot's manager the reconciliation board, and a regulator the same read-only", async () => {
    await manager.page.goto(`${e2e.base}/manage/lots/${lotId}`);
    const board = manager.page.getByTestId('money-board');
    await board.waitFor();
    expect(await board.getByTestId('money-expected').textContent()).toContain('8.000.000');
    expect(await board.getByTestId('money-balanced').textContent()).toContain('khớp');
    expect(await board.textContent()).toContain(reference);
    expect(await axeViolations(manager.page)).toEqual([]);
    await screenshots(manager, 'payments-manager-board');

    await regulator.page.goto(`${e2e.base}/regulator/lots/${lotId}`);
    const readOnly = regulator.page.getByTestId('money-board');
    await readOnly.waitFor();
    expect(await readOnly.textContent()).toContain(reference);
    expect(await readOnly.locator('form').count()).toBe(0);
    expect(await axeViolations(regulator.page)).toEqual([]);
    expect([...manager.problems, ...regulator.problems]).toEqual([]);
  });

  it('gives the manager the exceptions queue to decide on and a statement to import; the regulator reads it', async () => {
    // Đức pays a million more than his deposit still owes: held for the manager (already settled when
    // the first test paid it in full, overpaid otherwise).
    const mine = await duc.api<{ items: { lotId: number; payment: { amount: number; received: number } }[] }>(
      'GET',
      '/api/me/registrations',
    );
    const owed = mine.json.items.find((r) => r.lotId === lotId)!.payment;
    const twice = await duc.api<{ outcome: string; holdReason: string; transactionId: string }>(
      'POST',
      '/api/demo/bank/transfers',
      { reference, amount: owed.amount - owed.received + 1_000_000 },
    );
    expect(twice.json.outcome).toBe('held');
    const why = owed.received === owed.amount ? 'khoản phải nộp đã được thanh toán xong' : 'nhiều hơn số còn phải nộp';
    const page = manager.page;
    await page.goto(`${e2e.base}/manage`);
    await page.getByTestId('exceptions-link').click();
    const row = page.getByTestId(`held-${twice.json.transactionId}`);
    await row.waitFor();
    expect(await row.textContent()).toContain(reference);
    expect(await row.textContent()).toContain(why);
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'payments-exceptions');

    // The regulator sees the same queue, without the buttons or the import.
    await regulator.page.goto(`${e2e.base}/payments`);
    const seen = regulator.page.getByTestId(`held-${twice.json.transactionId}`);
    await seen.waitFor();
    expect(await seen.getByRole('button').count()).toBe(0);
    expect(await regulator.page.getByTestId('statement-form').count()).toBe(0);

    // Returned after a confirmation: it leaves the queue and is owed back.
    page.once('dialog', (d) => void d.accept());
    await row.getByRole('button', { name: 'Trả lại' }).click();
    await expect.poll(() => row.count()).toBe(0);
    const money = await manager.api<{ refunds: { reason: string; amount: number; state: string }[] }>(
      'GET',
      `/api/lots/${lotId}/money`,
    );
    expect(money.json.refunds).toContainEqual(
      expect.objectContaining({ reason: 'returned_credit', amount: 1_000_000, state: 'due' }),
    );

    // A statement: a fee (skipped) and a transfer naming no known reference (held), imported once.
    const csv = [
      'SAO KÊ TÀI KHOẢN',
      'STT,Ngày giao dịch,Mã giao dịch,Số tiền ghi nợ,Số tiền ghi có,Số dư,Nội dung',
      '1,01/12/2026 14:55:03,FTE2EFEE1,11.000,,988.989.000,"Phi dich vu"',
      '2,01/12/2026 15:01:12,FTE2EUNKNOWN1,,2.500.000,991.489.000,"chuyen tien khong ro noi dung"',
    ].join('\r\n');
    await page
      .getByTestId('statement-form')
      .locator('input[type=file]')
      .setInputFiles({
        name: 'sao-ke.csv',
        mimeType: 'text/csv',
        buffer: Buffer.from(csv, 'utf8'),
      });
    await page.getByRole('button', { name: 'Nhập', exact: true }).click();
    await expect.poll(() => page.getByTestId('statement-result').textContent()).toContain('1 chờ xử lý');
    expect(await page.getByTestId('statement-result').textContent()).toContain('1 bỏ qua');
    await page.getByTestId('held-FTE2EUNKNOWN1').waitFor();
    expect(await axeViolations(page)).toEqual([]);
    await screenshots(manager, 'payments-statement');
    expect([...manager.problems, ...regulator.problems, ...duc.problems]).toEqual([]);
  });
});
