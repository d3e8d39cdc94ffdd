// What a result notice says, in Vietnamese and English words: its outcome (the lot's status and the
// award), and one line per fact, for the Atom feed's entries (feed.ts) and the participants' notice
// (server/notifications/texts.ts). Public text made only from the notice's own fields, so it holds no
// personal data. Money as "4.000.000 đồng" whatever the language (as the law writes amounts), times
// in Vietnam time. Vietnamese is the reference; English has the same keys (its type says so).
import type { AwardState } from '../auctions/award-vocabulary.ts';
import type { ResultNotice } from '../records/lot-fact-format.ts';
import { fill, formatVnd, formatVnTime } from '../records/vietnamese.ts';

export type ResultLocale = 'vi' | 'en';
export const RESULT_LOCALES: readonly ResultLocale[] = ['vi', 'en'];
type NoticeStatus = ResultNotice['status'];

const vi = {
  feedTitle: 'Kết quả đấu giá tài sản trực tuyến',
  feedSubtitle:
    'Thông báo kết quả của mọi phiên đấu giá đã kết thúc, mỗi thông báo có chữ ký số; thông báo mới thay thế thông báo trước của cùng phiên khi kết quả thay đổi. Không chứa dữ liệu cá nhân.',
  author: 'Nền tảng đấu giá trực tuyến',
  entryTitle: 'Thông báo kết quả số {{sequence}}',
  /** The outcome by the lot's status; a closed lot by its award (null: before the award was recorded). */
  status: {
    failed: 'Đấu giá không thành',
    cancelled: 'Phiên đấu giá đã bị hủy',
  } satisfies Record<Exclude<NoticeStatus, 'closed'>, string>,
  award: {
    none: 'Đã có người trả giá cao nhất',
    awaiting_confirmation: 'Đã có người trả giá cao nhất, đang chờ người trúng đấu giá ký biên bản',
    offered_to_next: 'Người trúng đấu giá từ chối kết quả; tài sản được đề nghị cho người trả giá liền kề',
    awarded: 'Đã có người trúng đấu giá (đã ký biên bản đấu giá)',
    failed: 'Đấu giá không thành: không có người ký biên bản đấu giá',
    defaulted: 'Kết quả trúng đấu giá bị hủy do người trúng đấu giá không thanh toán đúng hạn',
  } satisfies Record<AwardState | 'none', string>,
  rerun: 'tổ chức lại thành phiên số {{lot}}',
  field: {
    outcome: 'Kết quả',
    price: 'Giá trúng đấu giá',
    biddingStartedAt: 'Bắt đầu trả giá',
    biddingEndedAt: 'Kết thúc trả giá',
    priceRecordedAt: 'Thời điểm ghi nhận giá trúng',
    sequence: 'Thông báo số',
    supersedes: 'Thay thế thông báo',
    notice: 'Thông báo có chữ ký số',
  },
  time: '{{time}} ngày {{date}}',
  first: 'thông báo đầu tiên',
};

type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<typeof vi> = {
  feedTitle: 'Online asset auctions: results',
  feedSubtitle:
    'The result notice of every ended auction, each one signed; a newer notice supersedes the earlier one of the same lot when its result changes. No personal data.',
  author: 'Online auction platform',
  entryTitle: 'Result notice no. {{sequence}}',
  status: {
    failed: 'The auction failed',
    cancelled: 'The auction was cancelled',
  },
  award: {
    none: 'Won by the highest bidder',
    awaiting_confirmation: 'Won by the highest bidder, awaiting the winner’s signature on the record',
    offered_to_next: 'The winner refused the result; the lot is offered to the next-highest bidder',
    awarded: 'Awarded: the winner signed the auction record',
    failed: 'The auction failed: no one signed the auction record',
    defaulted: 'The award was cancelled: the winner did not pay in time',
  },
  rerun: 're-run as lot {{lot}}',
  field: {
    outcome: 'Result',
    price: 'Winning price',
    biddingStartedAt: 'Bidding started',
    biddingEndedAt: 'Bidding ended',
    priceRecordedAt: 'Winning price recorded',
    sequence: 'Notice no.',
    supersedes: 'Supersedes notice',
    notice: 'Signed notice',
  },
  time: '{{date}} {{time}} (Vietnam time)',
  first: 'the first notice',
};

export const RESULT_WORDS: Record<ResultLocale, Shape<typeof vi>> = { vi, en };

const has = (table: object, key: unknown): key is string => typeof key === 'string' && Object.hasOwn(table, key);

/**
 * The outcome in words, from a notice's status, award and re-run; undefined for a status this version
 * has no words for (a value from elsewhere: the notification's data).
 */
export function outcomeWords(
  status: unknown,
  award: unknown,
  rerunAs: unknown,
  locale: ResultLocale,
): string | undefined {
  const t = RESULT_WORDS[locale];
  let words: string | undefined;
  if (status === 'closed') words = has(t.award, award) ? t.award[award as AwardState] : t.award.none;
  else if (has(t.status, status)) words = t.status[status as Exclude<NoticeStatus, 'closed'>];
  if (words === undefined) return undefined;
  const rerun = typeof rerunAs === 'number' && Number.isSafeInteger(rerunAs) && rerunAs > 0;
  return rerun ? `${words}; ${fill(t.rerun, { lot: rerunAs })}` : words;
}

/** An ISO instant in Vietnam time, in the language's order. */
export function vnTimeWords(iso: string, locale: ResultLocale): string {
  const [date, time] = formatVnTime(iso).split(' ');
  return fill(RESULT_WORDS[locale].time, { date, time: time.slice(0, 5) });
}

/** A notice's facts, one "Label: value" line each, in a fixed order (a fact the notice leaves null is left out). */
export function noticeLines(notice: ResultNotice, locale: ResultLocale, noticeUrl: string): string[] {
  const t = RESULT_WORDS[locale];
  const lines: [string, string][] = [
    [t.field.outcome, outcomeWords(notice.status, notice.award, notice.rerunAs, locale)!],
  ];
  if (notice.price !== null) lines.push([t.field.price, formatVnd(notice.price)]);
  lines.push([t.field.biddingStartedAt, vnTimeWords(notice.biddingStartedAt, locale)]);
  lines.push([t.field.biddingEndedAt, vnTimeWords(notice.biddingEndedAt, locale)]);
  if (notice.priceRecordedAt !== null)
    lines.push([t.field.priceRecordedAt, vnTimeWords(notice.priceRecordedAt, locale)]);
  lines.push([t.field.sequence, String(notice.sequence)]);
  lines.push([t.field.supersedes, notice.supersedes === null ? t.first : String(notice.sequence - 1)]);
  lines.push([t.field.notice, noticeUrl]);
  return lines.map(([label, value]) => `${label}: ${value}`);
}
