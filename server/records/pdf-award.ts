// The printed record's account of the award after the hammer (issue 18), read from the lot's own
// history in the record (the audit chain's award entries): who signed the record and when, with which
// e-ID sign-in; a refusal and Art. 51's offer to the next bidder, its answer; missed deadlines; the
// manager's countersignature. The signature blocks use it to say who signed electronically.
import type { AuctionRecord } from './record-format.ts';
import { formatVnd, formatVnTime } from './vietnamese.ts';

type Event = AuctionRecord['history'][number];

/** The award's events of a record, oldest first. */
export function awardEvents(r: AuctionRecord): Event[] {
  return r.history.filter((h) => h.action.startsWith('award.'));
}

/** The electronic signatures on the record: the bidder's confirmation and the manager's countersignature. */
export function electronicSignatures(r: AuctionRecord): {
  confirmed?: { at: string; bidderCode: string; name: string | null; authTime: string | null };
  countersigned?: { at: string; authTime: string | null };
} {
  const events = awardEvents(r);
  const confirmed = events.findLast((e) => e.action === 'award.confirmed');
  const countersigned = events.findLast((e) => e.action === 'award.countersigned');
  const code = typeof confirmed?.data.bidderCode === 'string' ? confirmed.data.bidderCode : null;
  const authTime = (e: Event | undefined) => (typeof e?.data.authTime === 'string' ? e.data.authTime : null);
  return {
    confirmed:
      confirmed && code
        ? {
            at: confirmed.at,
            bidderCode: code,
            name: r.registrations.find((g) => g.bidderCode === code)?.name ?? null,
            authTime: authTime(confirmed),
          }
        : undefined,
    countersigned: countersigned ? { at: countersigned.at, authTime: authTime(countersigned) } : undefined,
  };
}

const vnd = (v: unknown) => (typeof v === 'number' ? formatVnd(v) : '—');
const text = (v: unknown) => (typeof v === 'string' && v.trim() ? v : '—');

/** One line per award event, in Vietnamese. */
export function awardLines(r: AuctionRecord): string[] {
  return awardEvents(r).map((e) => {
    const d = e.data;
    const when = formatVnTime(e.at);
    switch (e.action) {
      case 'award.confirmed':
        return `${when}: ${text(d.bidderCode)} ký biên bản bằng định danh điện tử (đăng nhập lại lúc ${typeof d.authTime === 'string' ? formatVnTime(d.authTime) : '—'}), giá ${vnd(d.price)}${d.nextBidder ? ' — người trả giá liền kề (Điều 51)' : ''}.`;
      case 'award.refused':
        return `${when}: ${text(d.bidderCode)} từ chối kết quả${typeof d.reason === 'string' && d.reason ? ` (“${d.reason}”)` : ''}; tiền đặt trước ${vnd(d.forfeited)} không được hoàn trả (Điều 39).`;
      case 'award.offered':
        return `${when}: đề nghị ${text(d.bidderCode)} (người trả giá liền kề) mua tài sản với giá ${vnd(d.price)}, trả lời trước ${typeof d.deadline === 'string' ? formatVnTime(d.deadline) : '—'} (Điều 51).`;
      case 'award.offer_accepted':
        return `${when}: ${text(d.bidderCode)} chấp nhận mua tài sản với giá ${vnd(d.price)}.`;
      case 'award.offer_refused':
        return `${when}: ${text(d.bidderCode)} từ chối mua tài sản; cuộc đấu giá không thành.`;
      case 'award.offer_missed':
        return `${when}: ${text(d.bidderCode)} không trả lời đề nghị đúng hạn; cuộc đấu giá không thành.`;
      case 'award.confirmation_missed':
        return `${when}: ${text(d.bidderCode)} không ký biên bản đúng hạn; cuộc đấu giá không thành (Điều 52), tiền đặt trước không được hoàn trả (Điều 39).`;
      case 'award.countersigned':
        return `${when}: người điều hành phiên ký xác nhận biên bản bằng định danh điện tử.`;
      case 'award.defaulted':
        return `${when}: ${text(d.bidderCode)} không thanh toán đủ đúng hạn; kết quả trúng đấu giá bị hủy, tiền đặt trước không được hoàn trả.`;
      default:
        return `${when}: ${e.action}`;
    }
  });
}
