// What a notice says, in Vietnamese and English: a subject and a plain-text body made from the notice's
// kind, its `data` (amounts in VND, ISO times, the transfer reference) and its lot (title and link).
// The catalogues are kept as the web's i18n keeps its own (web/lib/i18n/vi.ts, en.ts): Vietnamese is
// the reference, English must have the same keys (its type says so), texts fill {{placeholders}}.
// Money as "4.000.000 đồng" whatever the language (as the law writes amounts), times in Vietnam time.
// Only the fields named here are ever written out, so no personal id can reach a text; a field that is
// missing or malformed is left out rather than written wrong.
import type { NotificationKind } from './outbox.ts';
import type { HoldReason, RefundReason } from '../../db/schema.ts';
import { vi as webVi } from '../../web/lib/i18n/vi.ts';
import { en as webEn } from '../../web/lib/i18n/en.ts';
import { fill, formatVnd, formatVnTime } from '../records/vietnamese.ts';
import { outcomeWords, RESULT_WORDS } from '../results/words.ts';

export type NoticeLocale = 'vi' | 'en';

const vi = {
  subject: {
    deposit_due: 'Tiền đặt trước cần nộp: {{lot}}',
    deposit_received: 'Đã nhận tiền đặt trước: {{lot}}',
    deposit_partial: 'Đã nhận một phần tiền đặt trước: {{lot}}',
    deposit_reversed: 'Khoản tiền đặt trước đã được hủy ghi nhận: {{lot}}',
    payment_held: 'Khoản chuyển khoản đang chờ xem xét',
    payment_late: 'Khoản chuyển khoản đến sau thời hạn',
    refund_due: 'Tiền sẽ được hoàn trả cho bạn: {{lot}}',
    refund_sent: 'Đã hoàn trả tiền cho bạn: {{lot}}',
    balance_due: 'Bạn trúng đấu giá, số tiền cần thanh toán: {{lot}}',
    balance_partial: 'Đã nhận một phần tiền thanh toán: {{lot}}',
    balance_reminder: 'Nhắc hạn thanh toán: {{lot}}',
    balance_received: 'Đã nhận đủ tiền thanh toán: {{lot}}',
    payment_deadline_missed: 'Quá hạn thanh toán: {{lot}}',
    bar_recorded: 'Bạn bị cấm tham gia đấu giá có thời hạn',
    award_offered: 'Đề nghị bạn mua tài sản đấu giá: {{lot}}',
    award_failed: 'Kết quả trúng đấu giá không còn hiệu lực: {{lot}}',
    award_countersign_due: 'Người trúng đấu giá đã ký biên bản, chờ bạn ký xác nhận: {{lot}}',
    lot_rerun: 'Cuộc đấu giá được tổ chức lại: {{lot}}',
    result_published: 'Thông báo kết quả đấu giá: {{lot}}',
    no_show_forfeited: 'Bạn không tham gia cuộc đấu giá, tiền đặt trước không được hoàn trả: {{lot}}',
    no_show_held: 'Bạn không tham gia cuộc đấu giá, tiền đặt trước chờ quyết định: {{lot}}',
    no_show_decision_due: 'Có người không tham gia cuộc đấu giá, chờ bạn quyết định về tiền đặt trước: {{lot}}',
    no_show_excused: 'Việc bạn không tham gia cuộc đấu giá được chấp nhận: {{lot}}',
    authorisation_approved: 'Giấy ủy quyền của bạn đã được chấp nhận: {{lot}}',
    authorisation_rejected: 'Giấy ủy quyền của bạn không được chấp nhận: {{lot}}',
    registration_rejected: 'Đăng ký tham gia đấu giá của bạn bị từ chối: {{lot}}',
  } satisfies Record<NotificationKind, string>,
  lead: {
    deposit_due:
      'Bạn đã đăng ký tham gia phiên đấu giá “{{lot}}”. Vui lòng chuyển tiền đặt trước vào tài khoản của tổ chức đấu giá và ghi đúng nội dung chuyển khoản dưới đây.',
    deposit_received:
      'Tổ chức đấu giá đã nhận đủ tiền đặt trước của bạn cho phiên “{{lot}}”. Bạn đủ điều kiện trả giá khi phiên bắt đầu.',
    deposit_partial:
      'Tổ chức đấu giá đã nhận một phần tiền đặt trước của bạn cho phiên “{{lot}}”. Vui lòng chuyển nốt số còn thiếu trước hạn, với cùng nội dung chuyển khoản.',
    deposit_reversed:
      'Tổ chức đấu giá đã hủy việc ghi nhận tiền đặt trước của bạn cho phiên “{{lot}}”; đăng ký của bạn trở lại trạng thái chờ nộp tiền đặt trước.',
    payment_held:
      'Một khoản chuyển khoản của bạn chưa được ghi nhận tự động và đang chờ tổ chức đấu giá xem xét. Bạn sẽ được báo khi có quyết định.',
    payment_late:
      'Một khoản chuyển khoản của bạn đến sau thời hạn nên không được chấp nhận; số tiền sẽ được trả lại cho bạn.',
    refund_due:
      'Tổ chức đấu giá sẽ hoàn trả cho bạn số tiền dưới đây (phiên “{{lot}}”) chậm nhất vào hạn chót dưới đây.',
    refund_sent: 'Tổ chức đấu giá đã chuyển hoàn cho bạn số tiền dưới đây (phiên “{{lot}}”).',
    balance_due:
      'Chúc mừng bạn đã trúng đấu giá phiên “{{lot}}”. Vui lòng thanh toán số tiền còn lại (đã trừ tiền đặt trước) trước hạn, ghi đúng nội dung chuyển khoản dưới đây.',
    balance_partial:
      'Tổ chức đấu giá đã nhận một phần tiền thanh toán của bạn cho phiên “{{lot}}”. Vui lòng chuyển nốt số còn thiếu trước hạn, với cùng nội dung chuyển khoản.',
    balance_reminder:
      'Sắp đến hạn thanh toán cho phiên “{{lot}}”. Quá hạn mà chưa nộp đủ, kết quả trúng đấu giá bị hủy và bạn không được nhận lại tiền đặt trước.',
    balance_received: 'Tổ chức đấu giá đã nhận đủ tiền thanh toán của bạn cho phiên “{{lot}}”.',
    payment_deadline_missed:
      'Đã quá hạn thanh toán cho phiên “{{lot}}” mà chưa nhận đủ tiền. Kết quả trúng đấu giá bị hủy và tiền đặt trước của bạn không được hoàn trả.',
    bar_recorded:
      'Do không thanh toán đúng hạn, bạn không được tham gia đấu giá loại tài sản dưới đây cho đến hết thời hạn cấm.',
    award_offered:
      'Người trúng đấu giá phiên “{{lot}}” đã từ chối kết quả. Theo Điều 51 Luật Đấu giá tài sản, bạn là người trả giá liền kề và được đề nghị mua tài sản với giá bạn đã trả. Vui lòng chấp nhận hoặc từ chối trước hạn chót.',
    award_failed:
      'Kết quả trúng đấu giá của bạn ở phiên “{{lot}}” không còn hiệu lực (bạn từ chối kết quả hoặc không ký biên bản đúng hạn); tiền đặt trước của bạn không được hoàn trả (Điều 39).',
    award_countersign_due:
      'Người trúng đấu giá phiên “{{lot}}” đã ký biên bản đấu giá. Vui lòng đăng nhập lại bằng định danh điện tử và ký xác nhận biên bản.',
    lot_rerun:
      'Cuộc đấu giá bạn đăng ký đã bị tạm dừng do sự cố kỹ thuật và được tổ chức lại thành phiên “{{lot}}”. Đăng ký và tiền đặt trước của bạn được chuyển sang phiên này; bạn không cần đăng ký hay nộp tiền lại.',
    result_published:
      'Tổ chức đấu giá đã công bố thông báo kết quả phiên “{{lot}}”, có chữ ký số; thông báo này thay thế thông báo trước đó của phiên, nếu có.',
    no_show_forfeited:
      'Bạn đã đăng ký và được xác nhận tham gia phiên “{{lot}}” nhưng không tham gia cuộc đấu giá (không theo dõi, không xem trang phiên và không trả giá trong thời gian trả giá). Theo Điều 39 Luật Đấu giá tài sản, tiền đặt trước của bạn không được hoàn trả.',
    no_show_held:
      'Bạn đã đăng ký và được xác nhận tham gia phiên “{{lot}}” nhưng không tham gia cuộc đấu giá. Vì trong thời gian trả giá nền tảng gặp sự cố kỹ thuật (có thể là trường hợp bất khả kháng), tiền đặt trước của bạn được giữ lại chờ tổ chức đấu giá quyết định; bạn sẽ được báo kết quả.',
    no_show_decision_due:
      'Phiên “{{lot}}” có người đã được xác nhận tham gia nhưng không tham gia cuộc đấu giá, trong khi nền tảng gặp sự cố kỹ thuật trong thời gian trả giá. Tiền đặt trước của họ đang chờ bạn quyết định: không hoàn trả hoặc chấp nhận lý do bất khả kháng và hoàn trả.',
    no_show_excused:
      'Tổ chức đấu giá chấp nhận việc bạn không tham gia phiên “{{lot}}” là do sự cố kỹ thuật (bất khả kháng). Tiền đặt trước của bạn sẽ được hoàn trả như người tham gia không trúng đấu giá.',
    authorisation_approved:
      'Tổ chức đấu giá đã chấp nhận giấy ủy quyền bạn gửi cho đăng ký thay mặt tổ chức tham gia phiên “{{lot}}”. Khi đã nhận đủ tiền đặt trước, đăng ký được xác nhận và bạn được trả giá khi phiên bắt đầu.',
    authorisation_rejected:
      'Tổ chức đấu giá không chấp nhận giấy ủy quyền bạn gửi cho đăng ký thay mặt tổ chức tham gia phiên “{{lot}}”, vì lý do dưới đây. Bạn có thể gửi giấy ủy quyền khác trước khi phiên bắt đầu.',
    registration_rejected:
      'Tổ chức đấu giá đã từ chối đăng ký tham gia phiên “{{lot}}” của bạn, vì lý do dưới đây. Tiền đặt trước đã nộp (nếu có) sẽ được hoàn trả.',
  } satisfies Record<NotificationKind, string>,
  field: {
    amount: 'Số tiền',
    received: 'Đã nhận',
    remaining: 'Còn thiếu',
    transactionId: 'Mã giao dịch ngân hàng',
    holdReason: 'Lý do',
    reason: 'Lý do hoàn trả',
    refundDueAt: 'Hoàn trả chậm nhất',
    reference: 'Nội dung chuyển khoản',
    account: 'Tài khoản nhận',
    dueAt: 'Hạn chót',
    daysLeft: 'Số ngày còn lại',
    paidAt: 'Thời điểm chuyển',
    category: 'Loại tài sản',
    until: 'Bị cấm đến hết',
    startsAt: 'Bắt đầu trả giá',
    outcome: RESULT_WORDS.vi.field.outcome,
    price: RESULT_WORDS.vi.field.price,
    link: 'Xem chi tiết',
    notice: RESULT_WORDS.vi.field.notice,
    decisionReason: 'Lý do',
  },
  holdReason: {
    overpaid: 'số tiền chuyển vượt quá số phải nộp',
    unknown_reference: 'nội dung chuyển khoản không khớp với khoản phải nộp nào',
    lot_closed: 'phiên đấu giá đã kết thúc',
    barred: 'người chuyển đang bị cấm tham gia đấu giá',
    already_settled: 'khoản phải nộp đã được nộp đủ',
  } satisfies Record<HoldReason, string>,
  refundReason: {
    deposit: 'hoàn trả tiền đặt trước',
    late_payment: 'khoản chuyển đến sau thời hạn',
    returned_credit: 'khoản chuyển không được ghi nhận, được trả lại',
    balance: 'phần tiền thanh toán đã nộp, được trả lại do kết quả bị hủy',
  } satisfies Record<RefundReason, string>,
  days: '{{days}} ngày',
  someLot: 'phiên đấu giá',
  footer: 'Thư này được gửi tự động từ {{app}}; vui lòng không trả lời thư này.',
};

type Catalogue = typeof vi;
type Shape<T> = { [K in keyof T]: T[K] extends string ? string : Shape<T[K]> };

const en: Shape<Catalogue> = {
  subject: {
    deposit_due: 'Deposit to pay: {{lot}}',
    deposit_received: 'Deposit received: {{lot}}',
    deposit_partial: 'Part of your deposit received: {{lot}}',
    deposit_reversed: 'Deposit receipt reversed: {{lot}}',
    payment_held: 'A transfer of yours is awaiting review',
    payment_late: 'A transfer of yours arrived after its deadline',
    refund_due: 'Money to be refunded to you: {{lot}}',
    refund_sent: 'Money refunded: {{lot}}',
    balance_due: 'You won the auction; the balance to pay: {{lot}}',
    balance_partial: 'Part of your payment received: {{lot}}',
    balance_reminder: 'Payment reminder: {{lot}}',
    balance_received: 'Payment received in full: {{lot}}',
    payment_deadline_missed: 'Payment deadline missed: {{lot}}',
    bar_recorded: 'You are barred from auctions for a period',
    award_offered: 'You are offered the lot: {{lot}}',
    award_failed: 'Your award no longer stands: {{lot}}',
    award_countersign_due: 'The winner signed the record; your countersignature is awaited: {{lot}}',
    lot_rerun: 'The auction is run again: {{lot}}',
    result_published: 'Auction result notice: {{lot}}',
    no_show_forfeited: 'You did not take part in the auction; your deposit is forfeited: {{lot}}',
    no_show_held: 'You did not take part in the auction; your deposit awaits a decision: {{lot}}',
    no_show_decision_due: 'Bidders did not take part; their deposits await your decision: {{lot}}',
    no_show_excused: 'Your absence from the auction is excused: {{lot}}',
    authorisation_approved: 'Your authorisation document was approved: {{lot}}',
    authorisation_rejected: 'Your authorisation document was not approved: {{lot}}',
    registration_rejected: 'Your registration was rejected: {{lot}}',
  },
  lead: {
    deposit_due:
      'You registered for the auction “{{lot}}”. Please transfer the deposit to the auction house’s account with exactly the transfer reference below.',
    deposit_received: 'The auction house received your deposit in full for “{{lot}}”. You may bid once bidding starts.',
    deposit_partial:
      'The auction house received part of your deposit for “{{lot}}”. Please transfer the rest before the deadline, with the same transfer reference.',
    deposit_reversed:
      'The auction house reversed the receipt of your deposit for “{{lot}}”; your registration awaits its deposit again.',
    payment_held:
      'A transfer of yours was not matched automatically and awaits the auction house’s review. You will be told of the decision.',
    payment_late: 'A transfer of yours arrived after its deadline and was not accepted; it will be returned to you.',
    refund_due: 'The auction house will refund you the amount below (auction “{{lot}}”) by the deadline below.',
    refund_sent: 'The auction house has sent you the refund below (auction “{{lot}}”).',
    balance_due:
      'Congratulations, you won the auction “{{lot}}”. Please pay the balance (the deposit already deducted) before the deadline, with exactly the transfer reference below.',
    balance_partial:
      'The auction house received part of your payment for “{{lot}}”. Please transfer the rest before the deadline, with the same transfer reference.',
    balance_reminder:
      'Your payment for “{{lot}}” is due soon. If it is not paid in full in time, the award is cancelled and your deposit is forfeited.',
    balance_received: 'The auction house received your payment in full for “{{lot}}”.',
    payment_deadline_missed:
      'The payment deadline for “{{lot}}” has passed without full payment. The award is cancelled and your deposit is forfeited.',
    bar_recorded: 'As you did not pay in time, you may not take part in auctions of the kind below until the bar ends.',
    award_offered:
      'The winner of “{{lot}}” refused the result. Under Art. 51 of the Law on Property Auction you, the next-highest bidder, are offered the lot at the price you bid. Please accept or refuse before the deadline.',
    award_failed:
      'Your award of “{{lot}}” no longer stands (you refused the result or did not sign the record in time); your deposit is forfeited (Art. 39).',
    award_countersign_due:
      'The winner of “{{lot}}” signed the auction record. Please sign in again with your e-ID and countersign the record.',
    lot_rerun:
      'The auction you registered for was suspended for a technical fault and is run again as “{{lot}}”. Your registration and deposit were carried over: you need not register or pay again.',
    result_published:
      'The auction house has published a signed result notice for “{{lot}}”; it supersedes any earlier notice of the auction.',
    no_show_forfeited:
      'You were approved to bid on “{{lot}}” but did not take part in the auction (no watching, no view of its page and no bid during the bidding time). Under Art. 39 of the Law on Property Auction your deposit is forfeited.',
    no_show_held:
      'You were approved to bid on “{{lot}}” but did not take part in the auction. As the platform had a technical fault during the bidding time (possibly force majeure), your deposit is held until the auction house decides; you will be told.',
    no_show_decision_due:
      'Approved bidders did not take part in “{{lot}}” while the platform had a technical fault during the bidding time. Their deposits await your decision: forfeit them, or excuse the absence as force majeure and refund them.',
    no_show_excused:
      'The auction house excused your absence from “{{lot}}” as due to a technical fault (force majeure). Your deposit will be refunded like a losing bidder’s.',
    authorisation_approved:
      'The auction house approved the authorisation document you sent for your registration on behalf of an organisation for “{{lot}}”. Once the deposit is received in full the registration is approved and you may bid when bidding starts.',
    authorisation_rejected:
      'The auction house did not approve the authorisation document you sent for your registration on behalf of an organisation for “{{lot}}”, for the reason below. You may send another before bidding starts.',
    registration_rejected:
      'The auction house rejected your registration for “{{lot}}”, for the reason below. A deposit you paid, if any, will be refunded.',
  },
  field: {
    amount: 'Amount',
    received: 'Received',
    remaining: 'Still to pay',
    transactionId: 'Bank transaction',
    holdReason: 'Why',
    reason: 'Refunded because',
    refundDueAt: 'Refund by',
    reference: 'Transfer reference',
    account: 'Pay to',
    dueAt: 'Deadline',
    daysLeft: 'Days left',
    paidAt: 'Transferred at',
    category: 'Kind of asset',
    until: 'Barred until',
    startsAt: 'Bidding starts',
    outcome: RESULT_WORDS.en.field.outcome,
    price: RESULT_WORDS.en.field.price,
    link: 'Details',
    notice: RESULT_WORDS.en.field.notice,
    decisionReason: 'Reason',
  },
  holdReason: {
    overpaid: 'more was transferred than is owed',
    unknown_reference: 'the transfer reference matches nothing owed',
    lot_closed: 'the auction has ended',
    barred: 'the payer is barred from auctions',
    already_settled: 'what was owed has been paid in full',
  },
  refundReason: {
    deposit: 'the deposit is refunded',
    late_payment: 'the transfer arrived after its deadline',
    returned_credit: 'the transfer was not accepted and is returned',
    balance: 'the part of the balance you paid, returned as the result was cancelled',
  },
  days: '{{days}} days',
  someLot: 'an auction',
  footer: 'This message was sent automatically by {{app}}; please do not reply to it.',
};

const CATALOGUES: Record<NoticeLocale, Shape<Catalogue>> = { vi, en };
const WEB = { vi: webVi, en: webEn };

/** The notice as the sender and the in-app list read it. */
export interface NoticeFacts {
  kind: string;
  lotId: number | null;
  data: Record<string, unknown>;
  /** The lot's title, when the notice names a lot. */
  lotTitle: string | null;
}

export interface NoticeText {
  subject: string;
  /** The lead sentence, then one line per known fact ("Label: value"), then the link. */
  lines: string[];
  /** The lot's page, when the notice names a lot and the public origin is known. */
  link: string | null;
}

/** A result notice's path (server/results/notice.ts noticePath). */
const NOTICE_PATH = /^\/api\/results\/\d{1,10}\/notices\/\d{1,10}$/;
const isVnd = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
const isInstant = (v: unknown): v is string => typeof v === 'string' && Number.isFinite(Date.parse(v));
const isText = (v: unknown): v is string => typeof v === 'string' && v.trim().length > 0 && v.length <= 200;

function vnTime(iso: string, locale: NoticeLocale): string {
  const [date, time] = formatVnTime(new Date(Date.parse(iso)).toISOString()).split(' ');
  return locale === 'vi' ? `${time.slice(0, 5)} ngày ${date}` : `${date} ${time.slice(0, 5)} (Vietnam time)`;
}

/** The facts of `data` this text writes out, in a fixed order: label and value. */
function facts(data: Record<string, unknown>, locale: NoticeLocale): [keyof Catalogue['field'], string][] {
  const t = CATALOGUES[locale];
  const out: [keyof Catalogue['field'], string][] = [];
  // A result notice (server/results): the outcome in words, and the price the award stands at.
  const outcome = outcomeWords(data.status, data.award, data.rerunAs, locale);
  if (outcome) out.push(['outcome', outcome]);
  if (isVnd(data.price)) out.push(['price', formatVnd(data.price)]);
  for (const key of ['amount', 'received', 'remaining'] as const) {
    if (isVnd(data[key])) out.push([key, formatVnd(data[key])]);
  }
  // `outstanding` is the payments domain's name for what is still to pay.
  if (!isVnd(data.remaining) && isVnd(data.outstanding)) out.push(['remaining', formatVnd(data.outstanding)]);
  if (isText(data.reference)) out.push(['reference', data.reference]);
  if (isText(data.transactionId)) out.push(['transactionId', data.transactionId]);
  const label = (table: Record<string, string>, key: unknown): string | undefined =>
    typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
  const hold = label(t.holdReason, data.holdReason);
  if (hold) out.push(['holdReason', hold]);
  const refund = label(t.refundReason, data.reason);
  if (refund) out.push(['reason', refund]);
  const account = data.account as { bank?: unknown; number?: unknown; holder?: unknown } | undefined;
  if (account && typeof account === 'object' && isText(account.number)) {
    out.push(['account', [account.holder, account.number, account.bank].filter(isText).join(', ')]);
  }
  if (isInstant(data.dueAt)) out.push(['dueAt', vnTime(data.dueAt, locale)]);
  if (isInstant(data.refundDueAt)) out.push(['refundDueAt', vnTime(data.refundDueAt, locale)]);
  if (typeof data.daysLeft === 'number' && Number.isInteger(data.daysLeft) && data.daysLeft >= 0) {
    out.push(['daysLeft', fill(t.days, { days: data.daysLeft })]);
  }
  if (isInstant(data.paidAt)) out.push(['paidAt', vnTime(data.paidAt, locale)]);
  if (isText(data.category)) {
    const labels = WEB[locale].category as Record<string, string>;
    out.push(['category', Object.hasOwn(labels, data.category) ? labels[data.category] : data.category]);
  }
  if (isInstant(data.until)) out.push(['until', vnTime(data.until, locale)]);
  if (isInstant(data.startsAt)) out.push(['startsAt', vnTime(data.startsAt, locale)]);
  // The lot's manager's stated reason for a decision on the person's registration (issue 19).
  const decisionReason = data.decisionReason;
  if (typeof decisionReason === 'string' && decisionReason.trim() && decisionReason.length <= 500)
    out.push(['decisionReason', decisionReason]);
  return out;
}

/** True for a kind this module has a text for. */
export function isKnownKind(kind: string): kind is NotificationKind {
  return Object.hasOwn(vi.subject, kind);
}

/** The notice's text in one language; `origin` (PUBLIC_ORIGIN) makes the link absolute, else it is a path. */
export function noticeText(notice: NoticeFacts, locale: NoticeLocale, origin = ''): NoticeText {
  const t = CATALOGUES[locale];
  const lot = notice.lotTitle ?? (isText(notice.data.lotTitle) ? notice.data.lotTitle : t.someLot);
  // A kind written by a newer version than this one: said plainly rather than not at all.
  const kind = isKnownKind(notice.kind) ? notice.kind : 'payment_held';
  const link = notice.lotId !== null ? `${origin.replace(/\/+$/, '')}/lots/${notice.lotId}` : null;
  const lines = [
    fill(t.lead[kind], { lot }),
    ...facts(notice.data, locale).map(([key, value]) => `${t.field[key]}: ${value}`),
  ];
  if (link) lines.push(`${t.field.link}: ${link}`);
  // The signed result notice's stable address, written like the lot's link (only beside it).
  const path = notice.data.noticePath;
  if (link && typeof path === 'string' && NOTICE_PATH.test(path))
    lines.push(`${t.field.notice}: ${origin.replace(/\/+$/, '')}${path}`);
  return { subject: fill(t.subject[kind], { lot }), lines, link };
}

export interface EmailText {
  subject: string;
  text: string;
  html: string;
}

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The e-mail of a notice: Vietnamese first, then the same in English (the person's interface language
 * is not stored, so both are sent). The link is written only with an absolute origin (PUBLIC_ORIGIN).
 */
export function noticeEmail(notice: NoticeFacts, origin: string | undefined): EmailText {
  const parts = (['vi', 'en'] as const).map((locale) => {
    const text = noticeText(origin ? notice : { ...notice, lotId: null }, locale, origin);
    const footer = fill(CATALOGUES[locale].footer, { app: WEB[locale].app.short });
    return { locale, ...text, footer };
  });
  const [viText] = parts;
  const text = parts.map((p) => [p.subject, '', ...p.lines, '', p.footer].join('\n')).join('\n\n— English —\n\n');
  const html = parts
    .map(
      (p) =>
        `<div lang="${p.locale}"><p><strong>${escapeHtml(p.subject)}</strong></p><p>${escapeHtml(p.lines[0])}</p>` +
        `<ul>${p.lines
          .slice(1)
          .map((l) => `<li>${escapeHtml(l)}</li>`)
          .join('')}</ul><p><small>${escapeHtml(p.footer)}</small></p></div>`,
    )
    .join('<hr>');
  return { subject: viText.subject, text, html };
}
