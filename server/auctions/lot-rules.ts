// A lot's rules, which every bidder accepts when registering, in the person's language. When the
// manager gives none the platform writes them from the policy and the lot's terms, in Vietnamese and in
// English (both say the same thing; `rules` carries the English one, as it always has, and
// rulesTranslations the Vietnamese), and writes them again when the terms change before registration
// opens. A manager's own text is published in the language it is written in, marked with it.
import type { Config } from '../config.ts';
import type { RulesLanguage } from '../../db/schema.ts';
import type { LotRow } from './public-lot.ts';
import type { LotTerms } from './lot-validation.ts';

export type { RulesLanguage };

/** 1250000000 → "1,250,000,000 VND" (en) or "1.250.000.000 đồng" (vi). */
function money(n: number, lang: RulesLanguage): string {
  const digits = String(n).replace(/\B(?=(\d{3})+(?!\d))/g, lang === 'vi' ? '.' : ',');
  return lang === 'vi' ? `${digits} đồng` : `${digits} VND`;
}

function english(policy: Config['policy'], t: LotTerms): string {
  const vnd = (n: number): string => money(n, 'en');
  const approved = `Only registrations whose deposit (${vnd(t.deposit)}) the organiser confirmed may bid. Bidders are known only by an anonymous bidder code.`;
  const settled = "The winner's deposit is retained; the others are refunded.";
  if (t.method === 'descending')
    return [
      'Online descending auction. The server clock is the official time.',
      `The price asked starts at the starting price (${vnd(t.startingPrice)}) and falls by one step (${vnd(t.priceStep)}) every ${t.intervalSeconds} seconds, down to the floor price (${vnd(t.floorPrice ?? t.startingPrice)}).`,
      'The first approved bidder to accept the price asked wins at that price, and the auction ends at once. An acceptance names the price asked at the moment it reaches the server; any other amount is refused.',
      approved,
      'An acceptance cannot be withdrawn.',
      `If nobody accepts down to the floor price, or with fewer than ${policy.minBidders} approved bidders, the auction fails. ${settled}`,
    ].join('\n');
  if (t.method === 'sealed')
    return [
      'Online sealed-bid auction. The server clock is the official time; a sealed bid that reaches the server at or after the end is rejected.',
      `Each approved bidder submits one sealed bid of at least the starting price (${vnd(t.startingPrice)}) within the bidding time. ${t.replaceable ? 'A bidder may replace their sealed bid until the end; only the last one counts.' : 'A sealed bid cannot be changed or withdrawn.'}`,
      'Nobody, the organiser included, can see any amount before the end: each bidder receives a signed receipt holding a commitment to their amount. At the end every sealed bid is revealed at once, with what opens its commitment, and the highest wins.',
      t.tieBreak === 'round'
        ? 'If the highest bids are equal, the tied bidders submit a further sealed bid of at least that amount; after three such rounds the earliest submission wins.'
        : 'Between equal highest bids, the earliest submission wins.',
      approved,
      `With fewer than ${policy.minBidders} approved bidders, or no sealed bids, the auction fails. ${settled}`,
    ].join('\n');
  return [
    'Online ascending auction. The server clock is the official time; a bid that reaches the server at or after the end is rejected.',
    `The first bid is at least the starting price (${vnd(t.startingPrice)}); each next bid is at least the current price plus one step (${vnd(t.priceStep)}).`,
    'The bidder holding the highest bid cannot bid again until outbid. Bidders are known only by an anonymous bidder code.',
    `Only registrations whose deposit (${vnd(t.deposit)}) the organiser confirmed may bid.`,
    'A bidder may withdraw their own standing highest bid before the close: the price returns to the previous standing bid, the bidder is barred from the lot and the deposit is forfeited.',
    t.rounds
      ? `Extension rounds of ${t.rounds.seconds} seconds may follow the official end, at most ${t.rounds.max}: a valid bid in the last ${t.rounds.triggerSeconds} seconds of the official time or of a round opens the next round, and only bidders with a valid bid in the period before may bid in it.`
      : t.softClose
        ? `A bid in the last ${t.softClose.windowSeconds} seconds extends the end to ${t.softClose.extendSeconds} seconds after that bid.`
        : 'The auction ends at the published time (no extension).',
    `With fewer than ${policy.minBidders} approved bidders, or no bids, the auction fails. ${settled}`,
  ].join('\n');
}

function vietnamese(policy: Config['policy'], t: LotTerms): string {
  const vnd = (n: number): string => money(n, 'vi');
  const approved = `Chỉ người đăng ký đã được tổ chức đấu giá xác nhận nộp tiền đặt trước (${vnd(t.deposit)}) mới được trả giá. Người trả giá chỉ được biết đến qua mã người trả giá ẩn danh.`;
  const settled = 'Tiền đặt trước của người trúng đấu giá được giữ lại; những người còn lại được hoàn trả.';
  if (t.method === 'descending')
    return [
      'Đấu giá trực tuyến theo phương thức đặt giá xuống. Giờ của máy chủ là giờ chính thức.',
      `Giá đưa ra bắt đầu từ giá khởi điểm (${vnd(t.startingPrice)}) và giảm một bước giá (${vnd(t.priceStep)}) sau mỗi ${t.intervalSeconds} giây, đến giá sàn (${vnd(t.floorPrice ?? t.startingPrice)}).`,
      'Người trả giá đủ điều kiện đầu tiên chấp nhận mức giá đang đưa ra là người trúng đấu giá theo mức giá đó, và cuộc đấu giá kết thúc ngay. Lượt chấp nhận phải đúng mức giá đang đưa ra khi đến máy chủ; mức khác bị từ chối.',
      approved,
      'Không được rút lại lượt chấp nhận giá.',
      `Nếu không ai chấp nhận giá cho đến giá sàn, hoặc có ít hơn ${policy.minBidders} người được xác nhận đủ điều kiện trả giá, cuộc đấu giá không thành. ${settled}`,
    ].join('\n');
  if (t.method === 'sealed')
    return [
      'Đấu giá trực tuyến theo hình thức bỏ phiếu kín. Giờ của máy chủ là giờ chính thức; phiếu trả giá đến máy chủ vào đúng hoặc sau thời điểm kết thúc sẽ bị từ chối.',
      `Mỗi người trả giá đủ điều kiện nộp một phiếu trả giá kín, ít nhất bằng giá khởi điểm (${vnd(t.startingPrice)}), trong thời gian trả giá. ${t.replaceable ? 'Người trả giá được thay phiếu cho đến khi kết thúc; chỉ phiếu cuối cùng có giá trị.' : 'Phiếu trả giá kín không được sửa hay rút lại.'}`,
      'Trước khi kết thúc, không ai, kể cả tổ chức đấu giá, xem được mức giá nào: mỗi người trả giá nhận một biên nhận có chữ ký chứa cam kết về mức giá của mình. Khi kết thúc, mọi phiếu được công bố cùng lúc, kèm dữ liệu mở cam kết, và phiếu cao nhất trúng đấu giá.',
      t.tieBreak === 'round'
        ? 'Nếu các phiếu cao nhất bằng nhau, những người đó bỏ thêm một phiếu kín ít nhất bằng mức giá đó; sau ba vòng như vậy, phiếu nộp sớm nhất trúng đấu giá.'
        : 'Giữa các phiếu cao nhất bằng nhau, phiếu nộp sớm nhất trúng đấu giá.',
      approved,
      `Nếu có ít hơn ${policy.minBidders} người được xác nhận đủ điều kiện trả giá, hoặc không có phiếu nào, cuộc đấu giá không thành. ${settled}`,
    ].join('\n');
  return [
    'Đấu giá trực tuyến theo phương thức trả giá lên. Giờ của máy chủ là giờ chính thức; lượt trả giá đến máy chủ vào đúng hoặc sau thời điểm kết thúc sẽ bị từ chối.',
    `Lượt trả giá đầu tiên ít nhất bằng giá khởi điểm (${vnd(t.startingPrice)}); mỗi lượt tiếp theo ít nhất bằng giá hiện tại cộng một bước giá (${vnd(t.priceStep)}).`,
    'Người đang giữ giá cao nhất không được trả giá tiếp cho đến khi có người trả cao hơn. Người trả giá chỉ được biết đến qua mã người trả giá ẩn danh.',
    `Chỉ người đăng ký đã được tổ chức đấu giá xác nhận nộp tiền đặt trước (${vnd(t.deposit)}) mới được trả giá.`,
    'Người trả giá được rút lại lượt trả giá cao nhất của mình trước khi kết thúc: giá trở về lượt trả giá liền trước, người rút giá bị truất quyền tham gia cuộc đấu giá này và không được nhận lại tiền đặt trước.',
    t.rounds
      ? `Sau thời điểm kết thúc chính thức có thể có tối đa ${t.rounds.max} vòng kéo dài, mỗi vòng ${t.rounds.seconds} giây: lượt trả giá hợp lệ trong ${t.rounds.triggerSeconds} giây cuối của thời gian chính thức hoặc của một vòng mở vòng tiếp theo, và chỉ người đã trả giá hợp lệ ở vòng liền trước được trả giá ở vòng đó.`
      : t.softClose
        ? `Lượt trả giá trong ${t.softClose.windowSeconds} giây cuối kéo dài thời điểm kết thúc đến ${t.softClose.extendSeconds} giây sau lượt trả giá đó.`
        : 'Cuộc đấu giá kết thúc đúng thời điểm đã công bố (không gia hạn).',
    `Nếu có ít hơn ${policy.minBidders} người được xác nhận đủ điều kiện trả giá, hoặc không có lượt trả giá nào, cuộc đấu giá không thành. ${settled}`,
  ].join('\n');
}

/** The platform's rules for a lot, in each language. */
export function generatedRules(policy: Config['policy'], t: LotTerms): Record<RulesLanguage, string> {
  return { en: english(policy, t), vi: vietnamese(policy, t) };
}

/** Letters only Vietnamese uses among the platform's two languages. */
const VIETNAMESE_LETTERS = /[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ]/i;

/** The language of a manager's text given without one: Vietnamese when it uses Vietnamese letters. */
export function guessRulesLanguage(text: string): RulesLanguage {
  return VIETNAMESE_LETTERS.test(text.normalize('NFC')) ? 'vi' : 'en';
}

/** The rules columns of a lot. */
export type RulesColumns = Pick<LotRow, 'rules' | 'rulesLanguage' | 'rulesTranslations' | 'rulesGenerated'>;

/** The platform's rules for these terms, as the lot's columns. */
export function platformRules(policy: Config['policy'], t: LotTerms): RulesColumns {
  const { en, vi } = generatedRules(policy, t);
  return { rules: en, rulesLanguage: 'en', rulesTranslations: { vi }, rulesGenerated: true };
}

/** A manager's own rules, in the language they say (or the one their letters show). */
export function managerRules(text: string, language: RulesLanguage | undefined): RulesColumns {
  return {
    rules: text,
    rulesLanguage: language ?? guessRulesLanguage(text),
    rulesTranslations: null,
    rulesGenerated: false,
  };
}

/**
 * The rules after an edit before registration opens: the manager's new text (a new version when it
 * differs), a new language for their own text, or the platform's rules written again for the edited
 * terms (a new version when they read differently). Undefined when the rules stay as they are.
 */
export function rulesAfterEdit(
  policy: Config['policy'],
  row: RulesColumns & Pick<LotRow, 'rulesVersion'>,
  terms: LotTerms,
  input: { rules?: string; rulesLanguage?: RulesLanguage },
): (RulesColumns & Pick<LotRow, 'rulesVersion'>) | undefined {
  let next: RulesColumns;
  if (input.rules !== undefined) next = managerRules(input.rules, input.rulesLanguage);
  else if (input.rulesLanguage !== undefined && !row.rulesGenerated)
    next = { ...row, rulesLanguage: input.rulesLanguage };
  else if (row.rulesGenerated) next = platformRules(policy, terms);
  else return undefined;
  const { rules, rulesLanguage, rulesTranslations, rulesGenerated } = next;
  return {
    rules,
    rulesLanguage,
    rulesTranslations,
    rulesGenerated,
    rulesVersion: rules === row.rules ? row.rulesVersion : row.rulesVersion + 1,
  };
}
