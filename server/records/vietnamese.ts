// Vietnamese wording and formats for the printed record. The words are the web app's own (its
// catalogue, web/lib/i18n/vi.ts: category names, statuses, field names), so paper and screen say the
// same thing: "Biển số xe", never "licence-plate". Money as "1.250.000.000 đồng", times in Vietnam
// time (UTC+7, which has no daylight saving). Only the audit actions, which no page shows, are worded
// here.
import type { AuditAction } from '../audit/audit-log.ts';
import { vi } from '../../web/lib/i18n/vi.ts';

const VN_OFFSET_MS = 7 * 3600 * 1000;

/** The web's words (its Vietnamese catalogue). */
export const WEB = vi;

/** 1250000000 → "1.250.000.000 đồng". */
export function formatVnd(amount: number | null): string {
  if (amount === null) return '—';
  return `${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đồng`;
}

/** An ISO instant as "22/11/2026 16:20:31" in Vietnam time. */
export function formatVnTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(Date.parse(iso) + VN_OFFSET_MS);
  const p = (n: number): string => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`;
}

/** Fills a catalogue text's {{placeholders}}. */
export function fill(text: string, values: Record<string, string | number>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}

const label =
  (table: Record<string, string>) =>
  (value: string): string =>
    Object.prototype.hasOwnProperty.call(table, value) ? table[value] : value;

export const categoryLabel = label(vi.category);
export const statusLabel = label(vi.status);
export const registrationLabel = label(vi.regStatus);
export const depositLabel = label(vi.reg.deposit);
export const entryKindLabel = label({ bid: vi.bid.title, withdrawal: vi.lot.withdrawal });
export const entryStatusLabel = label({
  accepted: 'Hợp lệ',
  withdrawn: vi.lot.withdrawn,
  withdrawal: vi.lot.withdrawal,
});
export const actionLabel = label({
  'lot.created': 'Tạo phiên đấu giá',
  'lot.updated': 'Sửa thông tin phiên',
  'lot.published': 'Công bố phiên đấu giá',
  'lot.cancelled': 'Hủy phiên đấu giá',
  'lot.image_added': 'Thêm hình ảnh',
  'lot.extended': 'Gia hạn thời gian trả giá',
  'lot.accepted': 'Chấp nhận giá đang đưa ra (đặt giá xuống)',
  'lot.round_opened': 'Mở vòng kéo dài',
  'lot.round_ended': 'Kết thúc một giai đoạn trả giá',
  'lot.round_started': 'Bắt đầu vòng kéo dài',
  'sealed_bid.submitted': 'Nộp phiếu trả giá kín',
  'sealed.revealed': 'Công bố các phiếu trả giá kín',
  'sealed.tie_round': 'Mở vòng phân định giữa những người bằng giá',
  'lot.closed': 'Kết thúc trả giá',
  'lot.failed': 'Phiên đấu giá không thành',
  'registration.created': 'Đăng ký tham gia',
  'registration.actor_added': 'Người đại diện tổ chức trả giá lần đầu',
  'authorisation.document_uploaded': 'Nộp giấy ủy quyền',
  'authorisation.document_viewed': 'Xem giấy ủy quyền',
  'authorisation.approved': 'Chấp thuận giấy ủy quyền',
  'authorisation.rejected': 'Không chấp thuận giấy ủy quyền',
  'registration.flag_decided': 'Quyết định về dấu hiệu liên quan',
  'registration.approved': 'Xác nhận tiền đặt trước',
  'registration.rejected': 'Từ chối đăng ký',
  'registration.identity_viewed': 'Xem danh tính một người đăng ký (có nêu mục đích)',
  'registrations.viewed': 'Xem danh sách người đăng ký kèm danh tính',
  'deposit.settled': 'Xử lý tiền đặt trước',
  'bid.withdrawn': 'Rút lại giá đã trả',
  'record.exported': 'Xuất hồ sơ',
  'record.viewed': 'Xem hồ sơ',
  'record.refused': 'Từ chối xem hồ sơ',
  'role.granted': 'Cấp quyền',
  'role.revoked': 'Thu hồi quyền',
  'organisation.created': 'Tạo tổ chức đấu giá',
  'organisation.updated': 'Sửa thông tin tổ chức đấu giá',
  'organisation.manager_added': 'Thêm người quản lý của tổ chức',
  'organisation.manager_removed': 'Bỏ người quản lý khỏi tổ chức',
  'regulator.scope_set': 'Đặt phạm vi giám sát',
  'exclusion.added': 'Thêm một người vào danh sách không được tham gia đấu giá',
  'exclusion.lifted': 'Gỡ một người khỏi danh sách không được tham gia đấu giá',
  'lot_exclusion.added': 'Ghi nhận người không được tham gia đấu giá tài sản theo người có tài sản',
  'lot_exclusion.removed': 'Bỏ ghi nhận người không được tham gia đấu giá tài sản theo người có tài sản',
  'session.created': 'Đăng nhập',
  'session.revoked': 'Đăng xuất hoặc thu hồi phiên đăng nhập',
  'audit.exported': 'Xuất nhật ký kiểm tra',
  'calendar.day_added': 'Thêm ngày nghỉ hoặc ngày làm bù vào lịch làm việc',
  'calendar.day_removed': 'Bỏ một ngày khỏi lịch làm việc',
  'payment.credited': 'Ghi nhận một khoản tiền chuyển đến',
  'payment.decided': 'Quyết định về khoản tiền đang chờ xem xét',
  'payment.reversed': 'Hủy ghi nhận khoản tiền nhập tay',
  'registration.deposit_reversed': 'Đăng ký trở lại chờ nộp tiền đặt trước',
  'statement.imported': 'Nhập sao kê ngân hàng',
  'refund.sent': 'Đã chuyển hoàn tiền',
  'award.defaulted': 'Hủy kết quả trúng đấu giá do không thanh toán đúng hạn',
  'bar.recorded': 'Cấm tham gia đấu giá có thời hạn',
  'award.confirmed': 'Người trúng đấu giá ký biên bản',
  'award.countersigned': 'Đấu giá viên ký xác nhận biên bản',
  'award.refused': 'Người trúng đấu giá từ chối kết quả',
  'award.offered': 'Đề nghị người trả giá liền kề mua tài sản (Điều 51)',
  'award.offer_accepted': 'Người trả giá liền kề chấp nhận mua tài sản',
  'award.offer_refused': 'Người trả giá liền kề từ chối mua tài sản',
  'award.offer_missed': 'Người trả giá liền kề không trả lời đúng hạn',
  'award.confirmation_missed': 'Người trúng đấu giá không ký biên bản đúng hạn',
  'attendance.no_show': 'Người đăng ký không tham gia cuộc đấu giá',
  'attendance.no_show_decided': 'Quyết định về tiền đặt trước của người không tham gia',
  'lot.suspended': 'Tạm dừng cuộc đấu giá do sự cố kỹ thuật',
  'lot.rerun_scheduled': 'Lên lịch tổ chức lại cuộc đấu giá',
  'result.published': 'Công bố kết quả đấu giá',
  'supervision.lot_viewed': 'Giám sát trực tiếp cuộc đấu giá kèm danh tính người trả giá',
  'supervision.signal_dismissed': 'Bỏ qua một tín hiệu bất thường khi giám sát',
  'supervision.signal_escalated': 'Chuyển xử lý một tín hiệu bất thường khi giám sát',
  'webhook.retried': 'Gửi lại một thông báo webhook tới hệ thống bên ngoài',
  'personal_data.shredded': 'Hủy khóa dữ liệu cá nhân của những người đã hết thời hạn lưu trữ',
} satisfies Record<AuditAction, string>);

/** The soft-close rule in the lot page's words. */
export function softCloseText(softClose: { windowSeconds: number; extendSeconds: number } | null): string {
  if (!softClose) return vi.lot.hardClose;
  return fill(vi.lot.softClose, { window: softClose.windowSeconds, extend: softClose.extendSeconds });
}

/** The outcome in the lot page's words. */
export function resultText(result: {
  status: string;
  finalPrice: number | null;
  winnerBidderCode: string | null;
  cancelReason: string | null;
}): string {
  if (result.status === 'closed')
    return fill(vi.lot.resultClosed, { price: formatVnd(result.finalPrice), code: result.winnerBidderCode ?? '—' });
  if (result.status === 'cancelled') return fill(vi.lot.resultCancelled, { reason: result.cancelReason ?? '—' });
  return vi.lot.resultFailed;
}
