// The printed record's method parts (record version 3, issue 16), in the web app's words: the method
// and its terms under the conditions, the descending price schedule, the periods of extension rounds
// with who could bid in each, and every sealed bid with its commitment (the salts that open them are
// in the signed JSON record). Records before version 3 print as the ascending method they are.
import { fields, MARGIN, table, type Doc } from './pdf-layout.ts';
import type { AuctionRecord } from './record-format.ts';
import { fill, formatVnd, formatVnTime, softCloseText, WEB } from './vietnamese.ts';

const M = WEB.methods;
/** Schedule rows printed at most (a long schedule keeps its first and last steps). */
const SCHEDULE_ROWS = 40;

/** The method and its terms, in section 2 (conditions). */
export function methodTerms(doc: Doc, r: AuctionRecord): void {
  const { method, rounds, descending, sealed } = r.policy;
  fields(doc, [[M.method, `${M.name[method]}${rounds ? `, ${M.withRounds}` : ''}`]]);
  if (method === 'ascending') {
    doc.text(M.terms.ascending, MARGIN);
    doc.text(
      rounds
        ? fill(M.terms.rounds, { trigger: rounds.triggerSeconds, seconds: rounds.seconds, max: rounds.max })
        : softCloseText(r.policy.softClose),
      MARGIN,
    );
  } else if (method === 'descending' && descending) {
    doc.text(
      fill(M.terms.descending, {
        step: formatVnd(r.policy.priceStep),
        interval: descending.intervalSeconds,
        floor: formatVnd(descending.floorPrice),
      }),
      MARGIN,
    );
  } else if (method === 'sealed' && sealed) {
    doc.text(M.terms.sealed, MARGIN);
    doc.text(sealed.replaceable ? M.terms.replaceable : M.terms.notReplaceable, MARGIN);
    doc.text(sealed.tieBreak === 'round' ? M.terms.tieRound : M.terms.tieEarliest, MARGIN);
  }
}

/** A descending lot's price schedule: each step's price and when it is first asked. */
export function descendingSchedule(doc: Doc, r: AuctionRecord): void {
  const s = r.schedule;
  if (!s) return;
  doc.moveDown(0.4);
  fields(doc, [
    [M.form.floorPrice.replace(/ \(.*\)$/, ''), formatVnd(s.floorPrice)],
    [M.form.endsAt, formatVnTime(s.endsAt)],
  ]);
  const start = Date.parse(s.startsAt);
  const row = (step: number): string[] => [
    String(step + 1),
    formatVnTime(new Date(start + step * s.intervalSeconds * 1000).toISOString()),
    formatVnd(s.startingPrice - step * s.priceStep),
  ];
  const steps = Array.from({ length: s.steps }, (_, i) => i);
  const shown =
    s.steps <= SCHEDULE_ROWS
      ? steps.map(row)
      : [...steps.slice(0, SCHEDULE_ROWS - 5).map(row), ['…', '…', '…'], ...steps.slice(-4).map(row)];
  table(
    doc,
    [
      { title: 'Bước giá', width: 60, align: 'right' },
      { title: 'Giá đưa ra từ lúc', width: 150 },
      { title: M.desc.askedNow, width: 150, align: 'right' },
    ],
    shown,
  );
}

/** The periods of a lot with extension rounds: the official time, then each round and who could bid in it. */
export function roundPeriods(doc: Doc, r: AuctionRecord): void {
  const periods = r.periods;
  if (!periods) return;
  doc.moveDown(0.4).text(`Các giai đoạn trả giá (${periods.length - 1} vòng kéo dài):`, MARGIN);
  table(
    doc,
    [
      { title: 'Giai đoạn', width: 90 },
      { title: 'Bắt đầu', width: 95 },
      { title: 'Kết thúc', width: 95 },
      { title: 'Mở bởi lượt', width: 60, align: 'right' },
      { title: 'Người được trả giá', width: 159 },
    ],
    periods.map((p) => [
      p.round === 0 ? 'Thời gian chính thức' : `Vòng kéo dài ${p.round}`,
      formatVnTime(p.startsAt),
      formatVnTime(p.endsAt),
      p.openedBySeq === null ? '—' : `#${p.openedBySeq}`,
      p.bidders === null ? (p.round === 0 ? 'Mọi người đủ điều kiện' : '—') : p.bidders.join(', ') || 'Không ai',
    ]),
  );
}

/** Every sealed bid submitted, with its commitment and what became of it. */
export function sealedBidsTable(doc: Doc, r: AuctionRecord): void {
  const bids = r.sealedBids;
  if (!bids) return;
  doc.moveDown(0.4).font('Bold').text(`Các phiếu trả giá kín đã nộp (${bids.length})`, MARGIN).font('Regular');
  if (bids.length === 0) {
    doc.text(M.sealed.none.replace('Bạn chưa', 'Không ai'), MARGIN);
    return;
  }
  table(
    doc,
    [
      { title: 'Vòng', width: 34, align: 'right' },
      { title: 'Mã', width: 50 },
      { title: M.sealed.submittedAt, width: 92 },
      { title: M.sealed.commitment, width: 232, oneLine: true },
      { title: 'Trạng thái', width: 91 },
    ],
    bids.map((b) => [
      String(b.round),
      b.bidderCode,
      formatVnTime(b.submittedAt),
      b.commitment,
      b.replacedAt !== null
        ? `Đã thay lúc ${formatVnTime(b.replacedAt)}`
        : b.revealedSeq !== null
          ? `Đã công bố, lượt #${b.revealedSeq}`
          : 'Chưa công bố',
    ]),
  );
  doc.text(
    'Muối (salt) mở từng mã cam kết có trong bản điện tử có chữ ký số (JSON) của hồ sơ, cùng lượt trả giá đã công bố.',
    MARGIN,
  );
}
