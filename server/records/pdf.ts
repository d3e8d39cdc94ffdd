// The printed auction record: a readable Vietnamese PDF (pdfkit) with DejaVu Sans embedded, a font
// that covers every Vietnamese letter with its diacritics (ạ ằ ẵ ệ ỹ đ Đ …), so the text survives
// printing, copying and text extraction. It ends with the ledger's final hash and the signing key id,
// which tie the paper to the signed JSON record.
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { AuctionRecord } from './record-format.ts';
import { actionLabel, depositLabel, entryKindLabel, entryStatusLabel, formatVnd, formatVnTime, registrationLabel, resultLabel, softCloseText } from './vietnamese.ts';

const require = createRequire(import.meta.url);
const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

type Doc = InstanceType<typeof PDFDocument>;
interface Column {
  title: string;
  width: number;
  align?: 'left' | 'right';
}

const MARGIN = 48;

function heading(doc: Doc, text: string): void {
  if (doc.y > doc.page.height - MARGIN - 60) doc.addPage();
  doc.moveDown(0.6).font('Bold').fontSize(11.5).text(text, MARGIN).moveDown(0.3).font('Regular').fontSize(9.5);
}

/** "Label: value" lines, the label in bold. */
function fields(doc: Doc, rows: [string, string][]): void {
  for (const [k, v] of rows) doc.font('Bold').text(`${k}: `, MARGIN, undefined, { continued: true }).font('Regular').text(v);
}

/** A simple table that breaks across pages and repeats its header. */
function table(doc: Doc, columns: Column[], rows: string[][]): void {
  const bottom = (): number => doc.page.height - MARGIN - 20;
  const drawRow = (cells: string[], bold: boolean): void => {
    doc.font(bold ? 'Bold' : 'Regular').fontSize(8);
    const height = Math.max(...cells.map((c, i) => doc.heightOfString(c, { width: columns[i].width - 4 }))) + 4;
    if (doc.y + height > bottom()) {
      doc.addPage();
      if (!bold) drawRow(columns.map((c) => c.title), true);
      doc.font(bold ? 'Bold' : 'Regular').fontSize(8);
    }
    const y = doc.y;
    let x = MARGIN;
    cells.forEach((c, i) => {
      doc.text(c, x + 2, y + 2, { width: columns[i].width - 4, align: columns[i].align ?? 'left' });
      x += columns[i].width;
    });
    doc.moveTo(MARGIN, y + height).lineTo(x, y + height).lineWidth(bold ? 0.8 : 0.3).strokeColor('#999999').stroke();
    doc.x = MARGIN;
    doc.y = y + height;
  };
  drawRow(columns.map((c) => c.title), true);
  for (const r of rows) drawRow(r, false);
  doc.fontSize(9.5).font('Regular');
}

function body(doc: Doc, r: AuctionRecord, kid: string): void {
  const winner = r.result.winnerBidderCode ? `${r.result.winnerBidderCode} — ${r.result.winnerName ?? '(không rõ tên)'}, số định danh ${r.result.winnerPid ?? '—'}` : 'Không có';
  doc.font('Bold').fontSize(15).text('BIÊN BẢN ĐẤU GIÁ TÀI SẢN TRỰC TUYẾN', { align: 'center' });
  doc.font('Regular').fontSize(10).text(`Hồ sơ phiên đấu giá số ${r.lot.id} — lập lúc ${formatVnTime(r.issuedAt)} (giờ Việt Nam, UTC+7)`, { align: 'center' });

  heading(doc, '1. Tài sản đấu giá');
  fields(doc, [
    ['Tên tài sản', r.lot.title],
    ['Mô tả', r.lot.description],
    ['Loại tài sản', r.lot.category],
    ['Người điều hành (số định danh)', r.lot.managerPid],
    ['Quy chế cuộc đấu giá', `phiên bản ${r.lot.rulesVersion}`],
  ]);
  heading(doc, '2. Điều kiện đấu giá');
  fields(doc, [
    ['Phương thức', 'Trả giá lên'],
    ['Giá khởi điểm', formatVnd(r.policy.startingPrice)],
    ['Bước giá', formatVnd(r.policy.priceStep)],
    ['Tiền đặt trước', formatVnd(r.policy.deposit)],
    ['Gia hạn khi trả giá cuối giờ', softCloseText(r.policy.softClose)],
    ['Số người tham gia tối thiểu', String(r.policy.minBidders)],
  ]);
  heading(doc, '3. Thời gian (giờ Việt Nam)');
  fields(doc, [
    ['Mở đăng ký', formatVnTime(r.times.registrationOpensAt)],
    ['Đóng đăng ký', formatVnTime(r.times.registrationClosesAt)],
    ['Bắt đầu trả giá', formatVnTime(r.times.startsAt)],
    ['Kết thúc theo thông báo', formatVnTime(r.times.scheduledEndsAt)],
    ['Kết thúc thực tế', formatVnTime(r.times.endsAt)],
    ['Thời điểm chốt kết quả', formatVnTime(r.times.closedAt)],
  ]);
  heading(doc, `4. Người đăng ký tham gia (${r.registrations.length})`);
  if (r.registrations.length === 0) doc.text('Không có người đăng ký.');
  else
    table(
      doc,
      [{ title: 'Mã', width: 52 }, { title: 'Số định danh', width: 78 }, { title: 'Họ và tên', width: 110 }, { title: 'Tình trạng', width: 88 }, { title: 'Tiền đặt trước', width: 84 }, { title: 'Chấp nhận quy chế', width: 87 }],
      r.registrations.map((g) => [g.bidderCode, g.pid, g.name ?? '—', registrationLabel(g.status), depositLabel(g.depositState), `bản ${g.rulesVersion}, ${formatVnTime(g.rulesAcceptedAt)}`]),
    );
  heading(doc, `5. Diễn biến trả giá (${r.ledger.length} lượt)`);
  if (r.ledger.length === 0) doc.text('Không có lượt trả giá nào.');
  else
    table(
      doc,
      [{ title: 'STT', width: 30, align: 'right' }, { title: 'Thời điểm', width: 92 }, { title: 'Mã', width: 50 }, { title: 'Loại', width: 62 }, { title: 'Số tiền', width: 102, align: 'right' }, { title: 'Tình trạng', width: 70 }, { title: 'Mã băm', width: 93 }],
      r.ledger.map((e) => [String(e.seq), formatVnTime(e.placedAt), e.bidderCode, e.kind === 'withdrawal' ? `${entryKindLabel(e.kind)} #${e.withdrawsSeq}` : entryKindLabel(e.kind), formatVnd(e.amount), entryStatusLabel(e.status), `${e.hash.slice(0, 16)}…`]),
    );
  heading(doc, '6. Gia hạn thời gian');
  if (r.extensions.length === 0) doc.text('Không có lần gia hạn nào.');
  else for (const x of r.extensions) doc.text(`• ${formatVnTime(x.at)}: gia hạn đến ${formatVnTime(x.endsAt)}`);
  heading(doc, '7. Diễn biến phiên (nhật ký)');
  if (r.history.length === 0) doc.text('Không có sự kiện.');
  else for (const h of r.history) doc.text(`• ${formatVnTime(h.at)}: ${actionLabel(h.action)}${h.actorPid ? ` (người thực hiện ${h.actorPid})` : ' (hệ thống)'}`);
  heading(doc, '8. Kết quả');
  fields(doc, [
    ['Kết quả', resultLabel(r.result.status)],
    ['Giá trúng đấu giá', formatVnd(r.result.finalPrice)],
    ['Người trúng đấu giá', winner],
    ['Số lượt trả giá hợp lệ', String(r.result.bidCount)],
    ...(r.result.cancelReason ? ([['Lý do hủy', r.result.cancelReason]] as [string, string][]) : []),
  ]);
  heading(doc, '9. Xác thực hồ sơ');
  fields(doc, [
    ['Mã băm cuối của sổ trả giá (SHA-256)', r.finalHash],
    ['Mã khóa ký (kid)', kid],
    ['Nơi công bố khóa', r.issuer ? `${r.issuer}/api/.well-known/jwks.json` : '/api/.well-known/jwks.json trên máy chủ của nền tảng'],
  ]);
  doc.moveDown(0.4).text('Bản điện tử có chữ ký số (JSON/JWS) của hồ sơ này được kiểm tra bằng lệnh "npm run verify-record"; mã băm cuối và mã khóa ký in trên đây phải trùng với bản điện tử.');
}

/** Renders the record as a PDF (A4) and resolves with its bytes. */
export function renderRecordPdf(record: AuctionRecord, kid: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({ size: 'A4', margin: MARGIN, bufferPages: true, info: { Title: `Biên bản đấu giá — phiên số ${record.lot.id}`, Subject: 'Hồ sơ phiên đấu giá tài sản trực tuyến', Author: record.issuer ?? 'Nền tảng đấu giá trực tuyến', Keywords: `${record.finalHash} ${kid}` }, lang: 'vi-VN' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
    doc.registerFont('Regular', FONT_REGULAR);
    doc.registerFont('Bold', FONT_BOLD);
    body(doc, record, kid);
    const range = doc.bufferedPageRange();
    for (let i = range.start; i < range.start + range.count; i++) {
      doc.switchToPage(i);
      // Writing into the bottom margin must not start a new page.
      const bottom = doc.page.margins.bottom;
      doc.page.margins.bottom = 0;
      doc.font('Regular').fontSize(7.5).fillColor('#555555').text(`Phiên số ${record.lot.id} · mã băm cuối ${record.finalHash.slice(0, 16)}… · khóa ${kid.slice(0, 16)} · trang ${i + 1}/${range.count}`, MARGIN, doc.page.height - MARGIN + 14, { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false });
      doc.page.margins.bottom = bottom;
      doc.fillColor('black');
    }
    doc.end();
  });
}
