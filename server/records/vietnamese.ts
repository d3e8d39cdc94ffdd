// Vietnamese wording and formats for the printed record: money as "1.250.000.000 đồng", times in
// Vietnam time (UTC+7, which has no daylight saving), and labels for every status the record holds.
const VN_OFFSET_MS = 7 * 3600 * 1000;

/** 1250000000 → "1.250.000.000 đồng". */
export function formatVnd(amount: number | null): string {
  if (amount === null) return '—';
  return `${String(amount).replace(/\B(?=(\d{3})+(?!\d))/g, '.')} đồng`;
}

/** An ISO instant as "22/11/2026 16:20:31.123" in Vietnam time. */
export function formatVnTime(iso: string | null): string {
  if (!iso) return '—';
  const d = new Date(Date.parse(iso) + VN_OFFSET_MS);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  return `${p(d.getUTCDate())}/${p(d.getUTCMonth() + 1)}/${d.getUTCFullYear()} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}.${p(d.getUTCMilliseconds(), 3)}`;
}

const label = (table: Record<string, string>) => (value: string): string => table[value] ?? value;

export const resultLabel = label({ closed: 'Đấu giá thành công', failed: 'Đấu giá không thành', cancelled: 'Đã hủy phiên đấu giá' });
export const registrationLabel = label({ pending_deposit: 'Chờ nộp tiền đặt trước', approved: 'Đủ điều kiện trả giá', barred: 'Bị truất quyền', rejected: 'Bị từ chối' });
export const depositLabel = label({ pending: 'Chưa nộp', received: 'Đã nhận', refundable: 'Chờ hoàn trả', refunded: 'Đã hoàn trả', forfeited: 'Không được hoàn trả', retained: 'Chuyển thành tiền đặt cọc' });
export const entryKindLabel = label({ bid: 'Trả giá', withdrawal: 'Rút lại giá' });
export const entryStatusLabel = label({ accepted: 'Hợp lệ', withdrawn: 'Đã bị rút lại', withdrawal: 'Rút lại giá' });
export const actionLabel = label({
  'lot.created': 'Tạo phiên đấu giá',
  'lot.updated': 'Sửa thông tin phiên',
  'lot.published': 'Công bố phiên đấu giá',
  'lot.cancelled': 'Hủy phiên đấu giá',
  'lot.image_added': 'Thêm hình ảnh',
  'lot.extended': 'Gia hạn thời gian trả giá',
  'lot.closed': 'Kết thúc trả giá',
  'lot.failed': 'Phiên đấu giá không thành',
  'registration.created': 'Đăng ký tham gia',
  'registration.approved': 'Xác nhận tiền đặt trước',
  'registration.rejected': 'Từ chối đăng ký',
  'registration.identity_viewed': 'Xem danh tính một người đăng ký (có nêu mục đích)',
  'registrations.viewed': 'Xem danh sách người đăng ký kèm danh tính',
  'deposit.settled': 'Xử lý tiền đặt trước',
  'bid.withdrawn': 'Rút lại giá đã trả',
  'record.exported': 'Xuất hồ sơ',
  'record.viewed': 'Xem hồ sơ',
});

/** The soft-close rule in words. */
export function softCloseText(softClose: { windowSeconds: number; extendSeconds: number } | null): string {
  if (!softClose) return 'Không gia hạn (kết thúc đúng giờ)';
  return `Có: giá trả trong ${softClose.windowSeconds} giây cuối sẽ gia hạn thêm ${softClose.extendSeconds} giây`;
}
