// The national catalogue the catalogue benchmark seeds (issue 21): licence plates with real province
// codes and series (cars "51K-888.88", motorbikes "29H1-234.56", a share of lucky numbers), land-use
// rights, vehicles, equipment and state property, with Vietnamese titles and descriptions, over the
// 34 provinces by size. Written as catalogues are published and loaded: session by session in date
// order (three years of past sessions, nine months of coming ones, eight shifts a day, the lots of a
// shift sharing their end), each session a batch of one province and one kind of asset (a series of
// plates in number order, a commune's plots, an agency's vehicles), so the table's physical order is
// a real one's, not a shuffle. Deterministic for a seed, so the benchmark can ask for what it seeded.
// Rows come out as lines of PostgreSQL's COPY text format, with the search columns made by the
// platform's own function (lotSearchColumns).
import { lotSearchColumns } from '../../server/auctions/lot-search-columns.ts';
import { provinceName, type ProvinceId } from '../../server/auctions/provinces.ts';
import type { LotStatus } from '../../db/schema.ts';

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

/**
 * The 34 provinces since the 2025 merger, with the two-digit plate codes of the provinces merged into
 * each (Circular 24/2023/TT-BCA) and a weight for their share of the catalogue (roughly vehicles).
 */
export const PROVINCE_PLATES: readonly { id: ProvinceId; codes: readonly number[]; weight: number }[] = [
  { id: 'ha-noi', codes: [29, 30, 31, 32, 33, 40], weight: 16 },
  { id: 'ho-chi-minh', codes: [41, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 61, 72], weight: 20 },
  { id: 'hai-phong', codes: [15, 16, 34], weight: 4 },
  { id: 'da-nang', codes: [43, 92], weight: 3 },
  { id: 'hue', codes: [75], weight: 1.2 },
  { id: 'can-tho', codes: [65, 83, 95], weight: 2.5 },
  { id: 'an-giang', codes: [67, 68], weight: 2.5 },
  { id: 'bac-ninh', codes: [98, 99], weight: 3 },
  { id: 'ca-mau', codes: [69, 94], weight: 1.5 },
  { id: 'cao-bang', codes: [11], weight: 0.5 },
  { id: 'dak-lak', codes: [47, 78], weight: 2.2 },
  { id: 'dien-bien', codes: [27], weight: 0.4 },
  { id: 'dong-nai', codes: [60, 93], weight: 3.5 },
  { id: 'dong-thap', codes: [63, 66], weight: 2.2 },
  { id: 'gia-lai', codes: [77, 81], weight: 2 },
  { id: 'ha-tinh', codes: [38], weight: 1 },
  { id: 'hung-yen', codes: [17, 89], weight: 2 },
  { id: 'khanh-hoa', codes: [79, 85], weight: 1.6 },
  { id: 'lai-chau', codes: [25], weight: 0.3 },
  { id: 'lam-dong', codes: [48, 49, 86], weight: 2.2 },
  { id: 'lang-son', codes: [12], weight: 0.6 },
  { id: 'lao-cai', codes: [21, 24], weight: 0.9 },
  { id: 'nghe-an', codes: [37], weight: 2.5 },
  { id: 'ninh-binh', codes: [18, 35, 90], weight: 2.2 },
  { id: 'phu-tho', codes: [19, 28, 88], weight: 2.5 },
  { id: 'quang-ngai', codes: [76, 82], weight: 1.3 },
  { id: 'quang-ninh', codes: [14], weight: 1.6 },
  { id: 'quang-tri', codes: [73, 74], weight: 1 },
  { id: 'son-la', codes: [26], weight: 0.6 },
  { id: 'tay-ninh', codes: [62, 70], weight: 2.2 },
  { id: 'thai-nguyen', codes: [20, 97], weight: 1.3 },
  { id: 'thanh-hoa', codes: [36], weight: 2.8 },
  { id: 'tuyen-quang', codes: [22, 23], weight: 0.8 },
  { id: 'vinh-long', codes: [64, 71, 84], weight: 2.2 },
];

const TOTAL_WEIGHT = PROVINCE_PLATES.reduce((a, p) => a + p.weight, 0);
function pickProvince(r: Rand): (typeof PROVINCE_PLATES)[number] {
  let x = r() * TOTAL_WEIGHT;
  for (const p of PROVINCE_PLATES) if ((x -= p.weight) < 0) return p;
  return PROVINCE_PLATES[0];
}

/** Car series (A private, C trucks, D vans, H transport businesses, K and the rest as issued, LD joint ventures). */
const CAR_SERIES = ['A', 'A', 'A', 'K', 'K', 'H', 'C', 'D', 'E', 'F', 'G', 'LD'] as const;
const MOTO_SERIES = [
  'B1',
  'C1',
  'D1',
  'E1',
  'F1',
  'G1',
  'H1',
  'K1',
  'L1',
  'M1',
  'N1',
  'P1',
  'S1',
  'T1',
  'X1',
  'X3',
  'Y1',
  'Z1',
];

/** The numbers people pay for: five of a kind, straights, four of a kind, "lộc phát" 68/86, "thần tài" 39/79. */
function luckyNumber(r: Rand): string {
  const d = String(int(r, 0, 9));
  const e = String(int(r, 0, 9));
  switch (int(r, 0, 6)) {
    case 0:
      return d.repeat(5);
    case 1: {
      const s = int(r, 0, 5);
      return [0, 1, 2, 3, 4].map((i) => s + i).join('');
    }
    case 2:
      return e + d.repeat(4);
    case 3:
      return `${e}${d}${pick(r, ['68', '86'])}${pick(r, ['6', '8'])}`;
    case 4:
      return `${int(r, 100, 999)}${pick(r, ['39', '79'])}`;
    case 5:
      return `${e}${d}${d}${d}${e}`;
    default:
      return `${e}${d}${e}${d}${e}`;
  }
}

const COMMUNES = [
  'Đông Anh',
  'Hòa Xuân',
  'Tân Phú',
  'An Khánh',
  'Phước Long',
  'Thạnh Mỹ',
  'Bình Chánh',
  'Cẩm Lệ',
  'Thủy Nguyên',
  'Gia Lâm',
  'Sóc Sơn',
  'Long Biên',
  'Nhơn Trạch',
  'Củ Chi',
  'Hóc Môn',
  'Tam Kỳ',
  'Điện Bàn',
  'Quỳnh Lưu',
  'Yên Phong',
  'Kim Thành',
  'Tiên Du',
  'Đức Hòa',
  'Cái Răng',
  'Phong Điền',
];
const STREETS = [
  'Lê Lợi',
  'Trần Phú',
  'Nguyễn Huệ',
  'Hùng Vương',
  'Quang Trung',
  'Lý Thường Kiệt',
  'Hai Bà Trưng',
  'Điện Biên Phủ',
];
const CAR_MODELS = [
  'Toyota Camry 2.5Q',
  'Toyota Innova',
  'Toyota Fortuner',
  'Ford Ranger',
  'Ford Everest',
  'Kia Morning',
  'Hyundai Accent',
  'Mitsubishi Pajero',
  'Mazda CX-5',
  'Honda CR-V',
  'Isuzu D-Max',
  'Nissan Navara',
];
const TRUCKS = ['Hino FG 8 tấn', 'Isuzu QKR 2,4 tấn', 'Hyundai HD120', 'Thaco Ollin 5 tấn', 'Dongfeng 9 tấn'];
const EQUIPMENT = [
  'Máy xúc đào Komatsu PC200-8',
  'Máy phát điện Cummins 250 kVA',
  'Máy lu rung Sakai SV512',
  'Máy ủi Caterpillar D6R',
  'Cần cẩu Tadano 25 tấn',
  'Máy biến áp 560 kVA',
  'Hệ thống máy chủ Dell PowerEdge',
];
const AGENCIES = [
  'Sở Tài chính',
  'Ủy ban nhân dân phường',
  'Chi cục Thuế',
  'Bưu điện',
  'Trường Trung học cơ sở',
  'Kho bạc Nhà nước',
  'Công ty Thủy lợi',
];
const COLOURS = ['đen', 'trắng', 'bạc', 'xám', 'đỏ', 'xanh'];

export type SeedCategory = 'licence-plate' | 'land-use' | 'vehicle' | 'equipment' | 'state-property';

export interface SeedAsset {
  title: string;
  description: string;
  category: SeedCategory;
  province: ProvinceId;
  /** The plate, for plate lots: what the benchmark searches by. */
  plate: string | null;
  startingPrice: number;
  priceStep: number;
}

const M = 1_000_000;

/** The kinds of asset, with their share of the catalogue's sessions. */
const KINDS = [
  ['car-plate', 0.56],
  ['moto-plate', 0.24],
  ['land', 0.08],
  ['vehicle', 0.06],
  ['equipment', 0.03],
  ['state-property', 0.03],
] as const;
type Kind = (typeof KINDS)[number][0];

function pickKind(r: Rand): Kind {
  let x = r();
  for (const [k, share] of KINDS) if ((x -= share) < 0) return k;
  return 'car-plate';
}

/** A session's batch: one province, one kind of asset, and for plates one code and series. */
interface Batch {
  province: (typeof PROVINCE_PLATES)[number];
  kind: Kind;
  code: number;
  series: string;
}

function plateOf(b: Batch, n: string): string {
  return `${b.code}${b.series}-${n.slice(0, 3)}.${n.slice(3)}`;
}

/** One asset of a batch; plates take their numbers in order from `numbers`. */
function batchAsset(r: Rand, b: Batch, number: string): SeedAsset {
  const place = provinceName(b.province.id)!;
  const province = b.province.id;
  if (b.kind === 'car-plate') {
    const plate = plateOf(b, number);
    const kind =
      b.series === 'H'
        ? 'xe ô tô kinh doanh vận tải (nền vàng, chữ đen)'
        : pick(r, ['xe ô tô con', 'xe ô tô', 'xe ô tô cá nhân (nền trắng, chữ đen)']);
    return {
      title: `Biển số ${plate}`,
      description: `Quyền sử dụng biển số ${kind} ${plate}, đăng ký tại ${place}. Người trúng đấu giá được đăng ký biển số cho xe của mình trong thời hạn 12 tháng kể từ ngày có văn bản xác nhận kết quả.`,
      category: 'licence-plate',
      province,
      plate,
      startingPrice: 40 * M,
      priceStep: 5 * M,
    };
  }
  if (b.kind === 'moto-plate') {
    const plate = plateOf(b, number);
    return {
      title: `Biển số xe mô tô ${plate}`,
      description: `Quyền sử dụng biển số xe mô tô, xe gắn máy ${plate}, đăng ký tại ${place}.`,
      category: 'licence-plate',
      province,
      plate,
      startingPrice: 5 * M,
      priceStep: M,
    };
  }
  if (b.kind === 'land') {
    const commune = pick(r, COMMUNES);
    const area = int(r, 60, 400);
    return {
      title: `Quyền sử dụng đất thửa số ${int(r, 1, 2000)}, tờ bản đồ số ${int(r, 1, 80)}, xã ${commune}, ${place}`,
      description: `Thửa đất ở ${pick(r, ['nông thôn', 'đô thị'])}, diện tích ${area} m², mặt tiền ${int(r, 4, 12)} m. Quyền sử dụng đất lâu dài, hồ sơ pháp lý đầy đủ.`,
      category: 'land-use',
      province,
      plate: null,
      startingPrice: area * int(r, 8, 60) * M,
      priceStep: 50 * M,
    };
  }
  if (b.kind === 'vehicle') {
    const truck = r() < 0.3;
    const model = truck ? pick(r, TRUCKS) : pick(r, CAR_MODELS);
    const year = int(r, 2008, 2023);
    return {
      title: `${truck ? 'Xe tải' : 'Xe ô tô'} ${model}, sản xuất ${year}`,
      description: `${truck ? 'Xe tải thùng kín' : 'Xe ô tô con'} đã qua sử dụng, ${pick(r, ['thanh lý tài sản công', 'tài sản tịch thu sung công quỹ nhà nước'])}. Số km đã đi ${int(r, 20, 400)}.000. Màu ${pick(r, COLOURS)}. Bán theo hiện trạng.`,
      category: 'vehicle',
      province,
      plate: null,
      startingPrice: int(r, 100, 900) * M,
      priceStep: 10 * M,
    };
  }
  if (b.kind === 'equipment') {
    const item = pick(r, EQUIPMENT);
    return {
      title: `${item}, năm ${int(r, 2005, 2022)}`,
      description: `Tài sản thanh lý của ${pick(r, AGENCIES)} ${place}, đã qua sử dụng, ${int(r, 1000, 20000)} giờ hoạt động.`,
      category: 'equipment',
      province,
      plate: null,
      startingPrice: int(r, 50, 2000) * M,
      priceStep: 5 * M,
    };
  }
  return {
    title: `Trụ sở làm việc cũ của ${pick(r, AGENCIES)}, số ${int(r, 1, 400)} đường ${pick(r, STREETS)}, ${place}`,
    description: `Nhà và đất là tài sản công dôi dư sau sắp xếp lại, diện tích đất ${int(r, 100, 3000)} m², diện tích sàn ${int(r, 100, 5000)} m².`,
    category: 'state-property',
    province,
    plate: null,
    startingPrice: int(r, 5, 200) * 100 * M,
    priceStep: 100 * M,
  };
}

/** `count` distinct plate numbers of a series in number order, a share of them lucky. */
function plateNumbers(r: Rand, count: number): string[] {
  const numbers = new Set<string>();
  while (numbers.size < Math.min(count, 90_000))
    numbers.add(r() < 0.08 ? luckyNumber(r) : String(int(r, 0, 99_999)).padStart(5, '0'));
  return [...numbers].sort();
}

const MIN = 60_000;
const DAY = 86_400_000;
/** Eight shifts a day, 45 minutes apart from 08:00 Vietnam time (01:00 UTC); plates bid for 25 minutes. */
const SHIFTS_UTC = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => 60 * MIN + i * 45 * MIN);
/** Days of past sessions, and of coming ones (from the day after tomorrow: the run changes none). */
const PAST_DAYS = 3 * 365;
const COMING_DAYS = 270;

/** The lot's columns for COPY, in COPY_COLUMNS order. */
export interface SeedRow {
  asset: SeedAsset;
  status: LotStatus;
  values: (string | number | null)[];
}

export const COPY_COLUMNS = [
  'organisation_id',
  'title',
  'description',
  'category',
  'province',
  'status',
  'starting_price',
  'price_step',
  'deposit',
  'registration_opens_at',
  'registration_closes_at',
  'starts_at',
  'ends_at',
  'scheduled_ends_at',
  'rules',
  'rules_language',
  'manager_pid',
  'seq',
  'bid_count',
  'current_price',
  'closed_at',
  'final_price',
  'cancel_reason',
  'suspended_at',
  'suspension_reason',
  'search_text',
  'search_compact',
  'search_vector',
  'created_at',
  'updated_at',
] as const;

export interface SeedContext {
  organisationId: number;
  managerPid: string;
  /** The instant the catalogue is seeded as of: past lots ended before it, coming ones start after it. */
  now: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** A lot's status by when its session is: past ones mostly sold or failed, coming ones scheduled. */
function statusOf(r: Rand, when: 'past' | 'live' | 'coming', draftBatch: boolean): LotStatus {
  if (when === 'live') return 'live';
  const x = r();
  if (when === 'coming') return draftBatch ? 'draft' : x < 0.02 ? 'cancelled' : 'scheduled';
  return x < 0.7 ? 'closed' : x < 0.97 ? 'failed' : x < 0.995 ? 'cancelled' : 'suspended';
}

/** One lot: its asset, status and schedule consistent with `now`. */
function seedRow(r: Rand, ctx: SeedContext, asset: SeedAsset, status: LotStatus, session: number): SeedRow {
  const minutes = asset.category === 'licence-plate' ? 25 : int(r, 4, 12) * 15;
  const live = status === 'live';
  // Live lots started a little ago and end hours from now: the scheduler leaves them alone during the run.
  const startsAt = live ? ctx.now - int(r, 1, 20) * MIN : session;
  const endsAt = live ? ctx.now + (int(r, 3, 30) * 60 + int(r, 0, 59)) * MIN : startsAt + minutes * MIN;
  const opens = startsAt - int(r, 20, 45) * DAY;
  const closes = startsAt - int(r, 1, 3) * DAY;
  const deposit = Math.ceil(asset.startingPrice * 0.2);
  const bids = status === 'closed' ? int(r, 1, 120) : live ? int(r, 0, 40) : 0;
  const price = bids ? asset.startingPrice + (bids - 1) * asset.priceStep : null;
  const closedAt =
    status === 'closed' || status === 'failed' ? endsAt : status === 'cancelled' ? Math.min(closes, ctx.now) : null;
  const search = lotSearchColumns(asset);
  const created = Math.min(opens - int(r, 1, 30) * DAY, ctx.now);
  return {
    asset,
    status,
    values: [
      ctx.organisationId,
      asset.title,
      asset.description,
      asset.category,
      asset.province,
      status,
      asset.startingPrice,
      asset.priceStep,
      deposit,
      iso(opens),
      iso(closes),
      iso(startsAt),
      iso(endsAt),
      iso(endsAt),
      'Quy chế cuộc đấu giá do tổ chức đấu giá tài sản ban hành, niêm yết tại trụ sở và trên trang thông tin điện tử.',
      'vi',
      ctx.managerPid,
      bids,
      bids,
      price,
      closedAt === null ? null : iso(closedAt),
      status === 'closed' ? price : null,
      status === 'cancelled' ? 'Người có tài sản rút lại tài sản đấu giá.' : null,
      status === 'suspended' ? iso(startsAt) : null,
      status === 'suspended' ? 'Sự cố kỹ thuật của hệ thống đấu giá trực tuyến.' : null,
      search.searchText,
      search.searchCompact,
      search.searchVector,
      iso(created),
      iso(created),
    ],
  };
}

/**
 * The catalogue, `total` lots, session by session in date order. Half the lots are in past sessions
 * and half in coming ones (coming catalogues are the large ones: a plate session lists hundreds of
 * thousands), a few hundred lots a session; 0.4% are live now, in today's sessions.
 */
export function* seedCatalogueRows(r: Rand, ctx: SeedContext, total: number): Generator<SeedRow> {
  const today = Math.floor(ctx.now / DAY) * DAY;
  const live = Math.round(total * 0.004);
  const past = Math.round((total - live) / 2);
  const plan: { days: number[]; lots: number; when: 'past' | 'live' | 'coming' }[] = [
    { days: Array.from({ length: PAST_DAYS }, (_, i) => today - (PAST_DAYS + 1 - i) * DAY), lots: past, when: 'past' },
    { days: [today], lots: live, when: 'live' },
    {
      days: Array.from({ length: COMING_DAYS }, (_, i) => today + (2 + i) * DAY),
      lots: total - past - live,
      when: 'coming',
    },
  ];
  for (const { days, lots, when } of plan) {
    const sessions = days.flatMap((d) => SHIFTS_UTC.map((s) => d + s));
    let left = lots;
    for (let i = 0; i < sessions.length && left > 0; i++) {
      // Even batches on average, each between half and one and a half times the mean.
      const mean = left / (sessions.length - i);
      const size = i === sessions.length - 1 ? left : Math.min(left, Math.max(1, Math.round(mean * (0.5 + r()))));
      left -= size;
      const province = pickProvince(r);
      const kind = pickKind(r);
      const series = kind === 'moto-plate' ? pick(r, MOTO_SERIES) : pick(r, CAR_SERIES);
      const batch: Batch = { province, kind, code: pick(r, province.codes), series };
      // A series in number order (a session is far smaller than a series' 100,000 numbers).
      const numbers = kind.endsWith('plate') ? plateNumbers(r, size) : [];
      // A coming session now and then still a draft: its organisation has not published it.
      const draftBatch = when === 'coming' && r() < 0.01;
      for (let j = 0; j < size; j++) {
        const asset = batchAsset(r, batch, numbers[j % Math.max(1, numbers.length)] ?? '');
        yield seedRow(r, ctx, asset, statusOf(r, when, draftBatch), sessions[i]);
      }
    }
  }
}

/** One line of COPY's text format: tab-separated, \N for null, backslash, tab and newlines escaped. */
export function copyLine(values: readonly (string | number | null)[]): string {
  return (
    values
      .map((v) =>
        v === null
          ? '\\N'
          : typeof v === 'number'
            ? String(v)
            : v.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r')),
      )
      .join('\t') + '\n'
  );
}
