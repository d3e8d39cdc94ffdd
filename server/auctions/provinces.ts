// Vietnam's 34 provinces and centrally-run cities since the merger of 12 June 2025 (Resolution
// 202/2025/QH15): where a lot is. Kept free of imports, since the database schema (a check
// constraint), the lot API (a closed list of values) and the web pages (names for the filter) all
// name them. The id is a stable slug of the name; the name is the official one, with diacritics.
export const PROVINCES = [
  { id: 'ha-noi', name: 'Hà Nội' },
  { id: 'hue', name: 'Huế' },
  { id: 'hai-phong', name: 'Hải Phòng' },
  { id: 'da-nang', name: 'Đà Nẵng' },
  { id: 'ho-chi-minh', name: 'Thành phố Hồ Chí Minh' },
  { id: 'can-tho', name: 'Cần Thơ' },
  { id: 'an-giang', name: 'An Giang' },
  { id: 'bac-ninh', name: 'Bắc Ninh' },
  { id: 'ca-mau', name: 'Cà Mau' },
  { id: 'cao-bang', name: 'Cao Bằng' },
  { id: 'dak-lak', name: 'Đắk Lắk' },
  { id: 'dien-bien', name: 'Điện Biên' },
  { id: 'dong-nai', name: 'Đồng Nai' },
  { id: 'dong-thap', name: 'Đồng Tháp' },
  { id: 'gia-lai', name: 'Gia Lai' },
  { id: 'ha-tinh', name: 'Hà Tĩnh' },
  { id: 'hung-yen', name: 'Hưng Yên' },
  { id: 'khanh-hoa', name: 'Khánh Hòa' },
  { id: 'lai-chau', name: 'Lai Châu' },
  { id: 'lam-dong', name: 'Lâm Đồng' },
  { id: 'lang-son', name: 'Lạng Sơn' },
  { id: 'lao-cai', name: 'Lào Cai' },
  { id: 'nghe-an', name: 'Nghệ An' },
  { id: 'ninh-binh', name: 'Ninh Bình' },
  { id: 'phu-tho', name: 'Phú Thọ' },
  { id: 'quang-ngai', name: 'Quảng Ngãi' },
  { id: 'quang-ninh', name: 'Quảng Ninh' },
  { id: 'quang-tri', name: 'Quảng Trị' },
  { id: 'son-la', name: 'Sơn La' },
  { id: 'tay-ninh', name: 'Tây Ninh' },
  { id: 'thai-nguyen', name: 'Thái Nguyên' },
  { id: 'thanh-hoa', name: 'Thanh Hóa' },
  { id: 'tuyen-quang', name: 'Tuyên Quang' },
  { id: 'vinh-long', name: 'Vĩnh Long' },
] as const;

export type ProvinceId = (typeof PROVINCES)[number]['id'];
export const PROVINCE_IDS = PROVINCES.map((p) => p.id) as unknown as readonly [ProvinceId, ...ProvinceId[]];

const NAMES = new Map<string, string>(PROVINCES.map((p) => [p.id, p.name]));

/** The province's name, or undefined for an id that is not one of them. */
export function provinceName(id: string | null | undefined): string | undefined {
  return id ? NAMES.get(id) : undefined;
}
