// Every kind of notice has its text in both languages, with every placeholder filled; only the facts
// the texts name are written out (never a personal id or an unknown field), and a malformed fact is
// left out rather than written wrong.
import { describe, expect, it } from 'vitest';
import { NOTIFICATION_KINDS } from '../../server/notifications/outbox.ts';
import { noticeEmail, noticeText } from '../../server/notifications/texts.ts';

const lot = { lotId: 7, lotTitle: 'Biển số 51K-888.88' };
const data = {
  amount: 1_250_000_000,
  received: 1_000_000,
  remaining: 249_000_000,
  reference: 'DG7ABC123',
  account: { bank: 'Vietcombank', number: '0071001234567', holder: 'CONG TY DAU GIA' },
  dueAt: '2027-02-16T16:59:59.999Z',
  daysLeft: 2,
  paidAt: '2026-12-31T17:30:00Z',
  category: 'licence-plate',
  until: '2027-12-01T16:59:59.999Z',
};

describe('notice texts', () => {
  it('has a subject and a lead for every kind, in Vietnamese and English, with nothing left unfilled', () => {
    for (const kind of NOTIFICATION_KINDS) {
      const vi = noticeText({ kind, data, ...lot }, 'vi', 'https://auction.example.vn');
      const en = noticeText({ kind, data, ...lot }, 'en', 'https://auction.example.vn');
      for (const text of [vi, en]) {
        expect(text.subject.length, kind).toBeGreaterThan(5);
        expect(`${text.subject}\n${text.lines.join('\n')}`, kind).not.toMatch(/\{\{|undefined|null|NaN/);
      }
      expect(vi.subject, kind).not.toBe(en.subject);
      expect(vi.lines[0], kind).not.toBe(en.lines[0]);
    }
  });

  it('writes amounts in đồng, times in Vietnam time, the reference, the account and the link', () => {
    const vi = noticeText({ kind: 'balance_due', data, ...lot }, 'vi', 'https://auction.example.vn/').lines;
    expect(vi).toContain('Số tiền: 1.250.000.000 đồng');
    expect(vi).toContain('Còn thiếu: 249.000.000 đồng');
    expect(vi).toContain('Nội dung chuyển khoản: DG7ABC123');
    expect(vi).toContain('Tài khoản nhận: CONG TY DAU GIA, 0071001234567, Vietcombank');
    expect(vi).toContain('Hạn chót: 23:59 ngày 16/02/2027');
    expect(vi).toContain('Thời điểm chuyển: 00:30 ngày 01/01/2027');
    expect(vi).toContain('Loại tài sản: Biển số xe');
    expect(vi).toContain('Xem chi tiết: https://auction.example.vn/lots/7');
    const partial = noticeText(
      {
        kind: 'deposit_partial',
        data: { amount: 1_000_000, outstanding: 3_000_000, transactionId: 'FT26335' },
        ...lot,
      },
      'vi',
    ).lines;
    expect(partial).toContain('Còn thiếu: 3.000.000 đồng');
    expect(partial).toContain('Mã giao dịch ngân hàng: FT26335');
    const held = noticeText({ kind: 'payment_held', data: { holdReason: 'overpaid' }, ...lot }, 'en').lines;
    expect(held).toContain('Why: more was transferred than is owed');
    const late = noticeText(
      { kind: 'refund_due', data: { reason: 'late_payment', refundDueAt: '2026-12-04T16:59:59.999Z' }, ...lot },
      'vi',
    ).lines;
    expect(late).toContain('Lý do hoàn trả: khoản chuyển đến sau thời hạn');
    expect(late).toContain('Hoàn trả chậm nhất: 23:59 ngày 04/12/2026');
    // A reason this version has no words for is left out, not shown as a code.
    expect(noticeText({ kind: 'payment_held', data: { holdReason: 'new_reason' }, ...lot }, 'vi').lines).toHaveLength(
      2,
    );
    const en = noticeText({ kind: 'balance_due', data, ...lot }, 'en').lines;
    expect(en).toContain('Deadline: 16/02/2027 23:59 (Vietnam time)');
    expect(en).toContain('Details: /lots/7');
  });

  it('writes out no personal id, no unknown field and no malformed fact', () => {
    const text = noticeText(
      {
        kind: 'deposit_received',
        lotId: null,
        lotTitle: null,
        data: { pid: '001085000201', name: 'Trần Thị Bình', amount: -5, reference: 'x'.repeat(300), dueAt: 'soon' },
      },
      'vi',
    );
    const all = `${text.subject}\n${text.lines.join('\n')}`;
    expect(all).not.toContain('001085000201');
    expect(all).not.toContain('Bình');
    expect(text.lines).toHaveLength(1);
    expect(text.link).toBeNull();
    expect(text.subject).toBe('Đã nhận tiền đặt trước: phiên đấu giá');
  });

  it('e-mails both languages, escapes the HTML, and leaves out the link without a public origin', () => {
    const notice = { kind: 'deposit_due', data: { amount: 4_000_000 }, lotId: 7, lotTitle: '<b>Lô & "1"</b>' };
    const mail = noticeEmail(notice, undefined);
    expect(mail.subject).toBe('Tiền đặt trước cần nộp: <b>Lô & "1"</b>');
    expect(mail.text).toContain('Số tiền: 4.000.000 đồng');
    expect(mail.text).toContain('Amount: 4.000.000 đồng');
    expect(mail.text).not.toContain('/lots/7');
    expect(mail.html).toContain('&lt;b&gt;Lô &amp; &quot;1&quot;&lt;/b&gt;');
    expect(mail.html).not.toContain('<b>Lô');
    expect(noticeEmail(notice, 'https://auction.example.vn').text).toContain('https://auction.example.vn/lots/7');
  });
});
