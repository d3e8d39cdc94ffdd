// The API's per-field validation messages (422 `fields`) are written in English; this puts the common
// ones into Vietnamese for the Vietnamese interface. Anything not recognised is shown as the API said it.
import type { Locale } from './i18n/index.ts';

const PATTERNS: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/^must be (\d+)–(\d+)% of the starting price: from ([\d,]+) VND to ([\d,]+) VND$/, (m) => `phải bằng ${m[1]}–${m[2]}% giá khởi điểm: từ ${m[3].replace(/,/g, '.')} đến ${m[4].replace(/,/g, '.')} đồng`],
  [/^must not exceed the starting price$/, () => 'không được lớn hơn giá khởi điểm'],
  [/^must be after registrationOpensAt$/, () => 'phải sau thời điểm mở đăng ký'],
  [/^must not be after startsAt/, () => 'không được sau thời điểm bắt đầu trả giá (đăng ký đóng trước khi trả giá bắt đầu)'],
  [/^must be after startsAt$/, () => 'phải sau thời điểm bắt đầu trả giá'],
  [/^the bidding window must be at least (\d+) minutes$/, (m) => `thời gian trả giá phải kéo dài ít nhất ${m[1]} phút`],
  [/^must be in the future( to publish)?$/, () => 'phải ở thời điểm trong tương lai'],
  [/^a title is required$/, () => 'cần nhập tên tài sản'],
  [/^at most (\d+) characters$/, (m) => `tối đa ${m[1]} ký tự`],
  [/^a positive whole number of VND$/, () => 'phải là số nguyên dương (đồng)'],
  [/^an ISO-8601 date-time/, () => 'cần chọn ngày giờ hợp lệ'],
  [/^windowSeconds must not exceed the bidding window$/, () => 'khoảng gia hạn không được dài hơn thời gian trả giá'],
  [/^from 1 to 3600 seconds$/, () => 'từ 1 đến 3600 giây'],
  [/^a reason is required$/, () => 'cần nêu lý do'],
];

export function localizeFieldMessage(message: string, locale: Locale): string {
  if (locale !== 'vi') return message;
  for (const [re, fn] of PATTERNS) {
    const m = message.match(re);
    if (m) return fn(m);
  }
  return message;
}
