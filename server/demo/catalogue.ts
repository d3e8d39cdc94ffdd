// The demo's assets: Vietnamese licence plates, land-use rights, vehicles and equipment, with their
// prices and a picture drawn by the platform. The keeper cycles through them as lots end.
import { drawEquipment, drawLand, drawPlate, drawVehicle } from '../media/drawings.ts';
import type { ProvinceId } from '../auctions/provinces.ts';
import type { MethodTerms } from '../auctions/lot-method.ts';

export interface DemoAsset {
  title: string;
  description: string;
  category: 'licence-plate' | 'land-use' | 'vehicle' | 'equipment';
  /** Where the asset is (the catalogue's province filter). */
  province: ProvinceId;
  startingPrice: number;
  priceStep: number;
  /** Deposit as a share of the starting price (within the default 5–20% policy). */
  depositPct: number;
  picture: () => string;
  /** Another auction method than the plain ascending one (the demo keeps one lot of each live). */
  terms?: MethodTerms;
}

const M = 1_000_000;

export const DEMO_ASSETS: readonly DemoAsset[] = [
  {
    title: 'Biển số 30K-888.88',
    description:
      'Quyền sử dụng biển số xe ô tô 30K-888.88, đăng ký tại Hà Nội. Người trúng đấu giá được đăng ký biển số cho xe ô tô của mình trong thời hạn 12 tháng kể từ ngày có văn bản xác nhận kết quả.',
    province: 'ha-noi',
    category: 'licence-plate',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    depositPct: 20,
    picture: () => drawPlate('30K-888.88'),
  },
  {
    title: 'Biển số 51K-999.99',
    description:
      'Quyền sử dụng biển số xe ô tô 51K-999.99, đăng ký tại Thành phố Hồ Chí Minh. Biển số nền trắng, chữ đen, dùng cho xe cá nhân.',
    province: 'ho-chi-minh',
    category: 'licence-plate',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    depositPct: 20,
    picture: () => drawPlate('51K-999.99'),
  },
  {
    title: 'Biển số 29H-686.86',
    description: 'Quyền sử dụng biển số xe ô tô kinh doanh vận tải 29H-686.86 (nền vàng), đăng ký tại Hà Nội.',
    province: 'ha-noi',
    category: 'licence-plate',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    depositPct: 20,
    picture: () => drawPlate('29H-686.86', { business: true }),
    // Licence-plate style: extension rounds after the official time.
    terms: { rounds: { max: 5, seconds: 60, triggerSeconds: 20 } },
  },
  {
    title: 'Biển số 43A-555.55',
    description: 'Quyền sử dụng biển số xe ô tô 43A-555.55, đăng ký tại Đà Nẵng.',
    province: 'da-nang',
    category: 'licence-plate',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    depositPct: 20,
    picture: () => drawPlate('43A-555.55'),
  },
  {
    title: 'Biển số 88A-888.88',
    description: 'Quyền sử dụng biển số xe ô tô 88A-888.88, đăng ký tại Phú Thọ.',
    province: 'phu-tho',
    category: 'licence-plate',
    startingPrice: 40 * M,
    priceStep: 5 * M,
    depositPct: 20,
    picture: () => drawPlate('88A-888.88'),
  },
  {
    title: 'Quyền sử dụng đất thửa số 112, tờ bản đồ 27, xã Đông Anh, Hà Nội',
    description:
      'Thửa đất ở nông thôn, diện tích 150 m², mặt tiền 7,5 m, đường bê tông rộng 6 m. Quyền sử dụng đất lâu dài. Hồ sơ pháp lý đầy đủ, đã được Ủy ban nhân dân huyện phê duyệt phương án đấu giá.',
    province: 'ha-noi',
    category: 'land-use',
    startingPrice: 2_850 * M,
    priceStep: 50 * M,
    depositPct: 15,
    picture: () => drawLand('Thửa 112 · Tờ 27', '150 m²'),
  },
  {
    title: 'Quyền sử dụng đất lô LK-08, khu đô thị mới Hòa Xuân, Đà Nẵng',
    description:
      'Lô đất liền kề diện tích 100 m² (5 × 20 m), đất ở đô thị, thời hạn sử dụng lâu dài. Hạ tầng điện, nước, thoát nước hoàn chỉnh.',
    province: 'da-nang',
    category: 'land-use',
    startingPrice: 3_600 * M,
    priceStep: 100 * M,
    depositPct: 15,
    picture: () => drawLand('Lô LK-08', '100 m²'),
  },
  {
    title: 'Xe ô tô Toyota Camry 2.5Q, sản xuất 2019',
    description:
      'Xe ô tô con 5 chỗ đã qua sử dụng, thanh lý tài sản công. Số km đã đi 86.000. Màu đen. Xe đang hoạt động bình thường, có thể xem xe tại kho trong giờ hành chính.',
    province: 'hai-phong',
    category: 'vehicle',
    startingPrice: 620 * M,
    priceStep: 10 * M,
    depositPct: 10,
    picture: () => drawVehicle('Toyota Camry 2.5Q · 2019'),
  },
  {
    title: 'Xe tải Hino 8 tấn, sản xuất 2016 (tài sản tịch thu)',
    description: 'Xe tải thùng kín, tải trọng 8 tấn, tài sản tịch thu sung công quỹ nhà nước. Bán theo hiện trạng.',
    province: 'dong-nai',
    category: 'vehicle',
    startingPrice: 480 * M,
    priceStep: 10 * M,
    depositPct: 10,
    picture: () => drawVehicle('Hino FG 8 tấn · 2016', { truck: true }),
  },
  {
    title: 'Máy xúc đào Komatsu PC200-8, năm 2014',
    description:
      'Máy xúc đào bánh xích, dung tích gầu 0,8 m³, 12.400 giờ hoạt động. Tài sản thanh lý của công ty nhà nước.',
    province: 'quang-ninh',
    category: 'equipment',
    startingPrice: 950 * M,
    priceStep: 20 * M,
    depositPct: 10,
    picture: () => drawEquipment('Komatsu PC200-8 · 2014'),
    // Falls by one step every 2 minutes to 70% of the start: about half an hour.
    terms: { method: 'descending', intervalSeconds: 120, floorPrice: 665 * M },
  },
  {
    title: 'Lô máy phát điện Cummins 250 kVA (02 chiếc)',
    description: 'Hai máy phát điện dự phòng 250 kVA, đã qua sử dụng, thanh lý theo quyết định của cơ quan chủ quản.',
    province: 'can-tho',
    category: 'equipment',
    startingPrice: 310 * M,
    priceStep: 5 * M,
    depositPct: 10,
    picture: () => drawEquipment('Cummins 250 kVA × 2'),
    terms: { method: 'sealed', tieBreak: 'earliest', replaceable: true },
  },
];

/** Demo lots are recognised by their titles: lots a person creates as the demo manager are left alone. */
export const DEMO_TITLES: string[] = DEMO_ASSETS.map((a) => a.title);

/** The demo assets auctioned by another method: one lot of each is kept live. */
export const METHOD_ASSETS: readonly DemoAsset[] = DEMO_ASSETS.filter((a) => a.terms);
