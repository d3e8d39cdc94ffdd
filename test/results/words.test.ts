// A result notice's words (server/results/words.ts) and the participants' notice made from them
// (server/notifications/texts.ts): every outcome has its own words in Vietnamese and English, a
// re-run is named, a value this version does not know is left out; the signed notice's address is
// written only beside the lot's link and only when it is a notice's path.
import { describe, expect, it } from 'vitest';
import { AWARD_STATES } from '../../server/auctions/award-vocabulary.ts';
import { noticeEmail, noticeText } from '../../server/notifications/texts.ts';
import type { ResultNotice } from '../../server/records/lot-fact-format.ts';
import { noticeLines, outcomeWords } from '../../server/results/words.ts';

describe('the outcome in words', () => {
  it('has words of its own for every status and award, in both languages', () => {
    for (const locale of ['vi', 'en'] as const) {
      const all = [
        ...AWARD_STATES.map((a) => outcomeWords('closed', a, null, locale)),
        outcomeWords('closed', null, null, locale),
        outcomeWords('failed', null, null, locale),
        outcomeWords('cancelled', null, null, locale),
      ];
      expect(
        all.every((w) => typeof w === 'string' && w.length > 5),
        locale,
      ).toBe(true);
      expect(new Set(all).size, locale).toBe(all.length);
    }
    expect(outcomeWords('closed', 'awarded', null, 'vi')).not.toBe(outcomeWords('closed', 'awarded', null, 'en'));
  });

  it('names a re-run, and leaves out what it does not know', () => {
    expect(outcomeWords('cancelled', null, 42, 'vi')).toBe('Phiên đấu giá đã bị hủy; tổ chức lại thành phiên số 42');
    expect(outcomeWords('cancelled', null, 42, 'en')).toBe('The auction was cancelled; re-run as lot 42');
    expect(outcomeWords('live', null, null, 'vi')).toBeUndefined();
    expect(outcomeWords(undefined, undefined, undefined, 'en')).toBeUndefined();
    expect(outcomeWords('cancelled', null, -1, 'en')).toBe('The auction was cancelled');
  });

  it("writes a notice's facts in Vietnam time, money in đồng, leaving out what it leaves null", () => {
    const notice: ResultNotice = {
      type: 'result-notice',
      version: 1,
      issuedAt: '2026-12-01T03:00:00.000Z',
      issuer: null,
      lot: { id: 7, title: 'Biển số 51K-888.88' },
      record: { finalHash: '0'.repeat(64) },
      sequence: 2,
      supersedes: 'A'.repeat(43),
      status: 'closed',
      award: 'awarded',
      price: 1_250_000_000,
      biddingStartedAt: '2026-12-01T02:00:00.000Z',
      biddingEndedAt: '2026-12-01T02:30:00.000Z',
      priceRecordedAt: '2026-12-01T02:29:59.000Z',
      rerunAs: null,
    };
    expect(noticeLines(notice, 'vi', 'https://x.vn/n')).toEqual([
      'Kết quả: Đã có người trúng đấu giá (đã ký biên bản đấu giá)',
      'Giá trúng đấu giá: 1.250.000.000 đồng',
      'Bắt đầu trả giá: 09:00 ngày 01/12/2026',
      'Kết thúc trả giá: 09:30 ngày 01/12/2026',
      'Thời điểm ghi nhận giá trúng: 09:29 ngày 01/12/2026',
      'Thông báo số: 2',
      'Thay thế thông báo: 1',
      'Thông báo có chữ ký số: https://x.vn/n',
    ]);
    const failed = noticeLines(
      { ...notice, status: 'failed', award: null, price: null, priceRecordedAt: null, sequence: 1, supersedes: null },
      'en',
      '/n',
    );
    expect(failed).toEqual([
      'Result: The auction failed',
      'Bidding started: 01/12/2026 09:00 (Vietnam time)',
      'Bidding ended: 01/12/2026 09:30 (Vietnam time)',
      'Notice no.: 1',
      'Supersedes notice: the first notice',
      'Signed notice: /n',
    ]);
  });
});

describe("the participants' notice", () => {
  const facts = {
    kind: 'result_published',
    lotId: 7,
    lotTitle: 'Biển số 51K-888.88',
    data: { status: 'closed', award: 'failed', price: 50_000_000, sequence: 2, noticePath: '/api/results/7/notices/2' },
  };

  it('says the outcome, the price and where the signed notice is', () => {
    const vi = noticeText(facts, 'vi', 'https://auction.example.vn');
    expect(vi.subject).toBe('Thông báo kết quả đấu giá: Biển số 51K-888.88');
    expect(vi.lines).toEqual([
      expect.stringContaining('đã công bố thông báo kết quả phiên “Biển số 51K-888.88”'),
      'Kết quả: Đấu giá không thành: không có người ký biên bản đấu giá',
      'Giá trúng đấu giá: 50.000.000 đồng',
      'Xem chi tiết: https://auction.example.vn/lots/7',
      'Thông báo có chữ ký số: https://auction.example.vn/api/results/7/notices/2',
    ]);
  });

  it('writes no address without a public origin in an e-mail, and none that is not a notice path', () => {
    expect(noticeEmail(facts, undefined).text).not.toContain('/api/results/');
    expect(noticeEmail(facts, 'https://auction.example.vn').text).toContain(
      'Signed notice: https://auction.example.vn/api/results/7/notices/2',
    );
    const odd = noticeText({ ...facts, data: { ...facts.data, noticePath: 'https://evil.example/x' } }, 'en');
    expect(odd.lines.join('\n')).not.toContain('evil');
    expect(odd.lines.join('\n')).not.toContain('Signed notice');
  });
});
