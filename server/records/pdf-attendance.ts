// The printed record's attendance (issue 18): "Danh sách người tham gia", per bidder code the first and
// last presence in the bidding window, the bids placed and what became of a no-show's deposit.
// Records issued before attendance was recorded print nothing here.
import type { AuctionRecord } from './record-format.ts';
import type { RecordAttendance } from './attendance-format.ts';
import { MARGIN, table, type Doc } from './pdf-layout.ts';
import { formatVnTime, WEB } from './vietnamese.ts';

const NO_SHOW: Record<NonNullable<RecordAttendance['noShow']>, string> = {
  forfeited: 'Không tham gia: không được hoàn trả tiền đặt trước',
  held: 'Không tham gia: tiền đặt trước chờ quyết định (có sự cố kỹ thuật)',
  excused: 'Không tham gia: được chấp nhận, hoàn trả tiền đặt trước',
};

/** What the last column says of one bidder. */
function presenceText(a: RecordAttendance): string {
  if (a.noShow) return NO_SHOW[a.noShow];
  return a.firstSeenAt ? 'Có tham gia' : 'Không có mặt';
}

export function attendanceTable(doc: Doc, r: AuctionRecord): void {
  const rows = r.attendance;
  if (!rows) return;
  doc.moveDown(0.4).font('Bold').text(`Danh sách người tham gia (${rows.length})`, MARGIN).font('Regular');
  doc.text(
    'Có mặt: theo dõi phiên khi đã đăng nhập, xem trang phiên hoặc trả giá trong thời gian trả giá (giờ Việt Nam); lần cuối chính xác đến khoảng 30 giây.',
    MARGIN,
  );
  if (rows.length === 0) {
    doc.text(WEB.manage.noRegistrations, MARGIN);
    return;
  }
  table(
    doc,
    [
      { title: WEB.reg_table.code, width: 62 },
      { title: 'Có mặt lần đầu', width: 100 },
      { title: 'Có mặt lần cuối', width: 100 },
      { title: 'Số lượt trả giá', width: 62, align: 'right' },
      { title: 'Tình trạng tham gia', width: 175 },
    ],
    rows.map((a) => [
      a.bidderCode,
      formatVnTime(a.firstSeenAt),
      formatVnTime(a.lastSeenAt),
      String(a.bidsPlaced),
      presenceText(a),
    ]),
  );
}
