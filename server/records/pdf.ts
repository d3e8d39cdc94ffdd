// The printed auction record: a readable Vietnamese PDF (pdfkit) with DejaVu Sans embedded, a font
// that covers every Vietnamese letter with its diacritics (ạ ằ ẵ ệ ỹ đ Đ …), so the text survives
// printing, copying and text extraction. Its words are the web app's (vietnamese.ts). It ends with the
// ledger's final hash and the signing key id, which tie the paper to the signed JSON record, and with
// signature blocks for the organisation's representative and the winner, printed empty, or saying
// when each signed electronically (their confirmation and countersignature: pdf-award.ts).
import { createRequire } from 'node:module';
import PDFDocument from 'pdfkit';
import type { AuctionRecord } from './record-format.ts';
import { fields, heading, MARGIN, table, type Doc } from './pdf-layout.ts';
import { descendingSchedule, methodTerms, roundPeriods, sealedBidsTable } from './pdf-methods.ts';
import { attendanceTable } from './pdf-attendance.ts';
import { awardLines, electronicSignatures } from './pdf-award.ts';
import {
  actionLabel,
  categoryLabel,
  depositLabel,
  entryKindLabel,
  entryStatusLabel,
  formatVnd,
  formatVnTime,
  registrationLabel,
  resultText,
  statusLabel,
  WEB,
} from './vietnamese.ts';

const require = createRequire(import.meta.url);
const FONT_REGULAR = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf');
const FONT_BOLD = require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf');

/**
 * The signature blocks: the auction organisation's representative (the manager who ran the lot) and
 * the winner. The platform prints them empty and says so: signatures are not applied by this print.
 */
function signatureBlocks(doc: Doc, r: AuctionRecord): void {
  if (doc.y > doc.page.height - MARGIN - 190) doc.addPage();
  heading(doc, '10. Chữ ký');
  doc.text(
    'Bản in này được lập tự động từ hồ sơ điện tử và CHƯA có chữ ký: các ô dưới đây để trống. Khi ký, mỗi bên ký tên và ghi rõ họ tên vào ô của mình; chữ ký không làm thay đổi hồ sơ điện tử đã ký số.',
    MARGIN,
  );
  doc.moveDown(0.8);
  const width = (doc.page.width - 2 * MARGIN - 24) / 2;
  const top = doc.y;
  const winner = r.result.winnerBidderCode
    ? `${r.result.winnerName ?? '(không rõ tên)'} — mã ${r.result.winnerBidderCode}`
    : 'Phiên không có người trúng đấu giá';
  const blocks: string[][] = [
    [
      'ĐẠI DIỆN TỔ CHỨC ĐẤU GIÁ TÀI SẢN',
      'Người điều hành phiên',
      `Số định danh: ${r.lot.managerPid}`,
      '(Ký, ghi rõ họ tên)',
    ],
    [WEB.lot.winner.toUpperCase(), winner, ...(r.result.winnerBidderCode ? ['(Ký, ghi rõ họ tên)'] : [])],
  ];
  let bottom = top;
  blocks.forEach(([title, ...lines], i) => {
    const x = MARGIN + i * (width + 24);
    doc.font('Bold').fontSize(10).text(title, x, top, { width, align: 'center' });
    doc.font('Regular').fontSize(9);
    for (const line of lines)
      doc.fillColor(line.startsWith('(') ? '#555555' : 'black').text(line, x, undefined, { width, align: 'center' });
    doc.fillColor('black');
    bottom = Math.max(bottom, doc.y);
  });
  // The space to sign in, then the line the name is written under, level across both blocks; a block
  // signed electronically (issue 18) says so, with when.
  const signed = electronicSignatures(r);
  const marks = [
    signed.countersigned ? `Đã ký điện tử lúc ${formatVnTime(signed.countersigned.at)}` : 'Chưa ký',
    signed.confirmed
      ? `${signed.confirmed.bidderCode}${signed.confirmed.name ? ` (${signed.confirmed.name})` : ''} đã ký điện tử lúc ${formatVnTime(signed.confirmed.at)}`
      : 'Chưa ký',
  ];
  const lineY = bottom + 70;
  blocks.forEach((_, i) => {
    const x = MARGIN + i * (width + 24);
    doc
      .moveTo(x + 20, lineY)
      .lineTo(x + width - 20, lineY)
      .lineWidth(0.5)
      .strokeColor('#999999')
      .stroke();
    doc
      .fillColor('#555555')
      .fontSize(8)
      .text(marks[i], x, lineY + 4, { width, align: 'center' })
      .fillColor('black');
  });
  doc.x = MARGIN;
  doc.fontSize(9.5);
}

function body(doc: Doc, r: AuctionRecord, kid: string): void {
  const L = WEB.lot;
  const M = WEB.manage.fields;
  const winner = r.result.winnerBidderCode
    ? `${r.result.winnerBidderCode} — ${r.result.winnerName ?? '(không rõ tên)'}, số định danh ${r.result.winnerPid ?? '—'}`
    : 'Không có';
  doc.font('Bold').fontSize(15).text('BIÊN BẢN ĐẤU GIÁ TÀI SẢN TRỰC TUYẾN', { align: 'center' });
  doc
    .font('Regular')
    .fontSize(10)
    .text(`Hồ sơ phiên đấu giá số ${r.lot.id} — lập lúc ${formatVnTime(r.issuedAt)} (giờ Việt Nam, UTC+7)`, {
      align: 'center',
    });
  // Version 5 (issue 20): who requested this copy; the read is in the audit log.
  if (r.requestedBy)
    doc.text(`Người yêu cầu: ${r.requestedBy.name ?? '(không rõ tên)'}, số định danh ${r.requestedBy.pid}`, {
      align: 'center',
    });

  heading(doc, '1. Tài sản đấu giá');
  fields(doc, [
    [M.title, r.lot.title],
    [L.description, r.lot.description],
    [M.category, categoryLabel(r.lot.category)],
    ['Người điều hành phiên (số định danh)', r.lot.managerPid],
    [WEB.reg.rules, `phiên bản ${r.lot.rulesVersion}`],
  ]);
  heading(doc, '2. Điều kiện đấu giá');
  fields(doc, [
    [L.startingPrice, formatVnd(r.policy.startingPrice)],
    [L.priceStep, formatVnd(r.policy.priceStep)],
    [L.deposit, formatVnd(r.policy.deposit)],
    ['Số người tham gia tối thiểu', String(r.policy.minBidders)],
  ]);
  methodTerms(doc, r);
  descendingSchedule(doc, r);
  heading(doc, `3. ${L.schedule} (giờ Việt Nam)`);
  fields(doc, [
    [M.registrationOpensAt, formatVnTime(r.times.registrationOpensAt)],
    [M.registrationClosesAt, formatVnTime(r.times.registrationClosesAt)],
    [M.startsAt, formatVnTime(r.times.startsAt)],
    [`${M.endsAt} (theo thông báo)`, formatVnTime(r.times.scheduledEndsAt)],
    [`${M.endsAt} (thực tế)`, formatVnTime(r.times.endsAt)],
    ['Thời điểm chốt kết quả', formatVnTime(r.times.closedAt)],
  ]);
  heading(doc, `4. Người đăng ký tham gia (${r.registrations.length})`);
  if (r.registrations.length === 0) doc.text(WEB.manage.noRegistrations);
  else
    table(
      doc,
      [
        { title: WEB.reg_table.code, width: 52 },
        { title: WEB.regulator.pid, width: 78 },
        { title: WEB.regulator.name, width: 110 },
        { title: WEB.reg_table.status, width: 88 },
        { title: WEB.reg_table.deposit, width: 84 },
        { title: 'Chấp nhận quy chế', width: 87 },
      ],
      r.registrations.map((g) => [
        g.bidderCode,
        g.pid,
        g.name ?? '—',
        registrationLabel(g.status),
        depositLabel(g.depositState),
        `bản ${g.rulesVersion}, ${formatVnTime(g.rulesAcceptedAt)}`,
      ]),
    );
  organisationsList(doc, r);
  attendanceTable(doc, r);
  heading(doc, `5. ${L.feed} (${r.ledger.length} lượt)`);
  if (r.ledger.length === 0) doc.text(L.feedEmpty);
  else
    table(
      doc,
      [
        { title: 'STT', width: 30, align: 'right' },
        { title: L.time, width: 92 },
        { title: WEB.reg_table.code, width: 50 },
        { title: 'Loại', width: 58 },
        { title: L.amount, width: 102, align: 'right' },
        { title: WEB.reg_table.status, width: 62 },
        { title: WEB.regulatorDesk.hash, width: 105 },
      ],
      r.ledger.map((e) => [
        String(e.seq),
        formatVnTime(e.placedAt),
        e.actorNo ? `${e.bidderCode} (${e.actorNo})` : e.bidderCode,
        e.kind === 'withdrawal' ? `${entryKindLabel(e.kind)} #${e.withdrawsSeq}` : entryKindLabel(e.kind),
        formatVnd(e.amount),
        entryStatusLabel(e.status),
        `${e.hash.slice(0, 16)}…`,
      ]),
    );
  sealedBidsTable(doc, r);
  heading(doc, '6. Gia hạn thời gian');
  if (r.extensions.length === 0 && !r.periods) doc.text('Không có lần gia hạn nào.');
  else for (const x of r.extensions) doc.text(`• ${formatVnTime(x.at)}: gia hạn đến ${formatVnTime(x.endsAt)}`);
  roundPeriods(doc, r);
  heading(doc, '7. Diễn biến phiên (nhật ký)');
  if (r.history.length === 0) doc.text('Không có sự kiện.');
  else
    for (const h of r.history)
      doc.text(
        `• ${formatVnTime(h.at)}: ${actionLabel(h.action)}${h.actorPid ? ` (người thực hiện ${h.actorPid})` : ' (hệ thống)'}`,
      );
  heading(doc, `8. ${L.result}`);
  fields(doc, [
    [WEB.catalogue.status, statusLabel(r.result.status)],
    [L.result, resultText(r.result)],
    [L.finalPrice, formatVnd(r.result.finalPrice)],
    [L.winner, winner],
    ['Số lượt trả giá hợp lệ', String(r.result.bidCount)],
    ...(r.result.cancelReason ? ([['Lý do hủy', r.result.cancelReason]] as [string, string][]) : []),
  ]);
  const after = awardLines(r);
  if (after.length) {
    doc.moveDown(0.4).font('Bold').text('Sau khi kết thúc trả giá').font('Regular');
    for (const line of after) doc.text(`• ${line}`);
  }
  heading(doc, '9. Xác thực hồ sơ');
  fields(doc, [
    ['Mã băm cuối của sổ trả giá (SHA-256)', r.finalHash],
    ['Mã khóa ký (kid)', kid],
    [
      'Nơi công bố khóa',
      r.issuer ? `${r.issuer}/api/.well-known/jwks.json` : '/api/.well-known/jwks.json trên máy chủ của nền tảng',
    ],
  ]);
  doc
    .moveDown(0.4)
    .text(
      'Bản điện tử có chữ ký số (JSON) của hồ sơ này được kiểm tra tại trang “Kiểm tra hồ sơ” của nền tảng hoặc ngoại tuyến bằng lệnh "npm run verify-record"; mã băm cuối và mã khóa ký in trên đây phải trùng với bản điện tử.',
    );
  signatureBlocks(doc, r);
}

/** Renders the record as a PDF (A4) and resolves with its bytes. */
export function renderRecordPdf(record: AuctionRecord, kid: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const doc = new PDFDocument({
      size: 'A4',
      margin: MARGIN,
      bufferPages: true,
      info: {
        Title: `Biên bản đấu giá — phiên số ${record.lot.id}`,
        Subject: 'Hồ sơ phiên đấu giá tài sản trực tuyến',
        Author: record.issuer ?? 'Nền tảng đấu giá trực tuyến',
        Keywords: `${record.finalHash} ${kid}`,
      },
      lang: 'vi-VN',
    });
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
      doc
        .font('Regular')
        .fontSize(7.5)
        .fillColor('#555555')
        .text(
          `Phiên số ${record.lot.id} · mã băm cuối ${record.finalHash.slice(0, 16)}… · khóa ${kid.slice(0, 16)} · trang ${i + 1}/${range.count}`,
          MARGIN,
          doc.page.height - MARGIN + 14,
          { width: doc.page.width - 2 * MARGIN, align: 'center', lineBreak: false },
        );
      doc.page.margins.bottom = bottom;
      doc.fillColor('black');
    }
    doc.end();
  });
}

const ORGANISATION_ROLE_VI = {
  legal_representative: 'người đại diện theo pháp luật',
  authorised_person: 'người được ủy quyền',
};
const AUTHORITY_VI = { eid: 'theo định danh điện tử của tổ chức', document: 'theo giấy ủy quyền được duyệt' };

/** Organisations' registrations (record version 4): the organisation and each person who acted for it, by number. */
function organisationsList(doc: Doc, r: AuctionRecord): void {
  const bidders = r.registrations.filter((g) => g.organisation);
  if (bidders.length === 0) return;
  doc
    .moveDown(0.5)
    .text('Tổ chức tham gia (người đăng ký và những người đã trả giá thay mặt tổ chức, theo số thứ tự):');
  for (const g of bidders) {
    const o = g.organisation!;
    doc.text(
      `• ${g.bidderCode}: ${o.name} (mã số ${o.identifier}); ${g.name ?? g.pid} đăng ký với tư cách ${ORGANISATION_ROLE_VI[o.role]}, ${AUTHORITY_VI[o.authority]}.`,
    );
    for (const a of o.actors)
      doc.text(
        `    (${a.actorNo}) ${a.name ?? '—'}, số định danh ${a.pid}, ${ORGANISATION_ROLE_VI[a.role]}, trả giá lần đầu ${formatVnTime(a.firstActedAt)}`,
      );
  }
}
