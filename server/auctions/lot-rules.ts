// The rules text the platform publishes with a lot whose manager gives none: the policy and the lot's
// terms in plain words, written in Vietnamese and in English so that every bidder reads (and accepts)
// them in their own language. Both texts say the same thing; `rules` carries the English one (as it
// always has) and the lot's rulesTranslations the Vietnamese.
import type { Config } from '../config.ts';
import type { LotTerms } from './lot-validation.ts';

export type RulesLanguage = 'vi' | 'en';
export const RULES_LANGUAGES = ['vi', 'en'] as const;

/** 1250000000 → "1,250,000,000 VND" (en) or "1.250.000.000 đồng" (vi). */
function money(n: number, lang: RulesLanguage): string {
  const digits = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'vi' ? '.' : ',');
  return lang === 'vi' ? `${digits} đồng` : `${digits} VND`;
}

function english(policy: Config['policy'], t: LotTerms): string {
  const vnd = (n: number): string => money(n, 'en');
  return [
    'Online ascending auction. The server clock is the official time; a bid that reaches the server at or after the end is rejected.',
    `The first bid is at least the starting price (${vnd(t.startingPrice)}); each next bid is at least the current price plus one step (${vnd(t.priceStep)}).`,
    'The bidder holding the highest bid cannot bid again until outbid. Bidders are known only by an anonymous bidder code.',
    `Only registrations whose deposit (${vnd(t.deposit)}) the organiser confirmed may bid.`,
    'A bidder may withdraw their own standing highest bid before the close: the price returns to the previous standing bid, the bidder is barred from the lot and the deposit is forfeited.',
    t.softClose ? `A bid in the last ${t.softClose.windowSeconds} seconds extends the end to ${t.softClose.extendSeconds} seconds after that bid.` : 'The auction ends at the published time (no extension).',
    `With fewer than ${policy.minBidders} approved bidders, or no bids, the auction fails. The winner's deposit is retained; the others are refunded.`,
  ].join('\n');
}

function vietnamese(policy: Config['policy'], t: LotTerms): string {
  const vnd = (n: number): string => money(n, 'vi');
  return [
    'Đấu giá trực tuyến theo phương thức trả giá lên. Giờ của máy chủ là giờ chính thức; lượt trả giá đến máy chủ vào đúng hoặc sau thời điểm kết thúc sẽ bị từ chối.',
    `Lượt trả giá đầu tiên ít nhất bằng giá khởi điểm (${vnd(t.startingPrice)}); mỗi lượt tiếp theo ít nhất bằng giá hiện tại cộng một bước giá (${vnd(t.priceStep)}).`,
    'Người đang giữ giá cao nhất không được trả giá tiếp cho đến khi có người trả cao hơn. Người trả giá chỉ được biết đến qua mã người trả giá ẩn danh.',
    `Chỉ người đăng ký đã được tổ chức đấu giá xác nhận nộp tiền đặt trước (${vnd(t.deposit)}) mới được trả giá.`,
    'Người trả giá được rút lại lượt trả giá cao nhất của mình trước khi kết thúc: giá trở về lượt trả giá liền trước, người rút giá bị truất quyền tham gia cuộc đấu giá này và không được nhận lại tiền đặt trước.',
    t.softClose ? `Lượt trả giá trong ${t.softClose.windowSeconds} giây cuối kéo dài thời điểm kết thúc đến ${t.softClose.extendSeconds} giây sau lượt trả giá đó.` : 'Cuộc đấu giá kết thúc đúng thời điểm đã công bố (không gia hạn).',
    `Nếu có ít hơn ${policy.minBidders} người được xác nhận đủ điều kiện trả giá, hoặc không có lượt trả giá nào, cuộc đấu giá không thành. Tiền đặt trước của người trúng đấu giá được giữ lại; những người còn lại được hoàn trả.`,
  ].join('\n');
}

/** The platform's rules for a lot, in each language. */
export function generatedRules(policy: Config['policy'], t: LotTerms): Record<RulesLanguage, string> {
  return { en: english(policy, t), vi: vietnamese(policy, t) };
}

/** The English rules text (the lot's `rules`) when the manager gives none. */
export function defaultRules(policy: Config['policy'], t: LotTerms): string {
  return english(policy, t);
}
