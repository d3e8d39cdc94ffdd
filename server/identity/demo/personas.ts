// The demo identity provider's citizens and staff. Ids follow the shape of Vietnamese citizen
// identity numbers (province code, a century-and-sex digit, two birth-year digits, six digits), so
// that they pass the same 12-digit check as real ones; none is a real person's number.
import type { OrganisationRole, Role } from '../../../db/schema.ts';
import type { Level } from '../person.ts';
import type { ProvinceId } from '../../auctions/provinces.ts';
import type { OrganisationClaim } from '../organisation-claim.ts';

export interface DemoPersona {
  pid: string;
  name: string;
  level: Level;
  birthdate: string;
  /** Roles granted at start in demo mode. */
  roles: Role[];
  /** A manager persona of an auction organisation other than the default one: created at start in demo mode. */
  manages?: DemoOrganisation;
  /** What this persona is for, in Vietnamese and English (shown on the persona page). */
  role_vi: string;
  role_en: string;
  /**
   * The organisation this persona acts for (issue 19): their tokens carry it as the organisation
   * claims (EID_ORGANISATION_*_CLAIM), as a representative's e-ID would.
   */
  organisation?: OrganisationClaim;
}

const SONG_HONG = { identifier: '0101234567', name: 'Công ty Cổ phần Vận tải Sông Hồng' };

/** An auction organisation a demo manager persona belongs to (issue 19). */
export interface DemoOrganisation {
  name: string;
  licenceNumber: string;
  taxCode: string;
  province: ProvinceId;
}

export const DEMO_PERSONAS: readonly DemoPersona[] = [
  {
    pid: '079301000101',
    name: 'Trần Thị Bình',
    level: 1,
    birthdate: '2001-03-14',
    roles: [],
    role_vi: 'Công dân, định danh mức 1 (chỉ xem)',
    role_en: 'citizen, level 1 (may browse, may not bid)',
  },
  {
    pid: '001085000201',
    name: 'Nguyễn Văn An',
    level: 2,
    birthdate: '1985-07-02',
    roles: [],
    role_vi: 'Công dân, định danh mức 2',
    role_en: 'citizen, level 2 bidder',
  },
  {
    pid: '079190000202',
    name: 'Lê Thị Cúc',
    level: 2,
    birthdate: '1990-11-23',
    roles: [],
    role_vi: 'Công dân, định danh mức 2',
    role_en: 'citizen, level 2 bidder',
  },
  {
    pid: '048088000203',
    name: 'Phạm Minh Đức',
    level: 2,
    birthdate: '1988-01-30',
    roles: [],
    role_vi: 'Công dân, định danh mức 2',
    role_en: 'citizen, level 2 bidder',
  },
  {
    pid: '031195000204',
    name: 'Hoàng Thu Hà',
    level: 2,
    birthdate: '1995-05-09',
    roles: [],
    role_vi: 'Công dân, định danh mức 2',
    role_en: 'citizen, level 2 bidder',
  },
  {
    pid: '092080000205',
    name: 'Võ Quốc Hùng',
    level: 2,
    birthdate: '1980-09-17',
    roles: [],
    role_vi: 'Công dân, định danh mức 2',
    role_en: 'citizen, level 2 bidder',
  },
  {
    pid: '001180000301',
    name: 'Đặng Thị Lan',
    level: 2,
    birthdate: '1980-04-12',
    roles: ['manager'],
    role_vi: 'Cán bộ tổ chức đấu giá',
    role_en: 'auction manager',
  },
  {
    pid: '079185000302',
    name: 'Võ Thị Thu',
    level: 2,
    birthdate: '1985-09-03',
    roles: ['manager'],
    role_vi: 'Cán bộ tổ chức đấu giá thứ hai (TP. Hồ Chí Minh)',
    role_en: 'auction manager of a second organisation (Hồ Chí Minh City)',
    manages: {
      name: 'Công ty Đấu giá Hợp danh Sài Gòn',
      licenceNumber: '41/TP-ĐKHĐ',
      taxCode: '0309876543',
      province: 'ho-chi-minh',
    },
  },
  {
    pid: '001075000401',
    name: 'Bùi Văn Minh',
    level: 2,
    birthdate: '1975-12-01',
    roles: ['regulator'],
    role_vi: 'Thanh tra, cơ quan quản lý',
    role_en: 'regulator',
  },
  {
    pid: '001082000501',
    name: 'Ngô Thanh Phong',
    level: 2,
    birthdate: '1982-06-25',
    roles: ['admin'],
    role_vi: 'Quản trị hệ thống',
    role_en: 'administrator (grants roles)',
  },
  {
    pid: '001079000206',
    name: 'Đỗ Văn Khoa',
    level: 2,
    birthdate: '1979-04-12',
    roles: [],
    role_vi: 'Người đại diện theo pháp luật của tổ chức, định danh mức 2',
    role_en: "an organisation's legal representative, level 2",
    organisation: { ...SONG_HONG, role: 'legal_representative' },
  },
  {
    pid: '001092000207',
    name: 'Trịnh Thị Mai',
    level: 2,
    birthdate: '1992-08-19',
    roles: [],
    role_vi: 'Người được tổ chức ủy quyền, định danh mức 2',
    role_en: 'a person an organisation authorised, level 2',
    organisation: { ...SONG_HONG, role: 'authorised_person' },
  },
  {
    pid: '079083000208',
    name: 'Bùi Quang Phú',
    level: 2,
    birthdate: '1983-02-25',
    roles: [],
    role_vi: 'Người đại diện theo pháp luật của tổ chức, định danh mức 2',
    role_en: "an organisation's legal representative, level 2",
    organisation: { identifier: '0312345678', name: 'Công ty TNHH Thương mại Phú An', role: 'legal_representative' },
  },
];

/** How a persona's role in their organisation reads on the persona page and in demo:token's usage. */
export const ORGANISATION_ROLE_LABELS: Record<OrganisationRole, { vi: string; en: string }> = {
  legal_representative: { vi: 'Người đại diện theo pháp luật', en: 'legal representative' },
  authorised_person: { vi: 'Người được ủy quyền', en: 'authorised person' },
};

export function findPersona(pid: string): DemoPersona | undefined {
  return DEMO_PERSONAS.find((p) => p.pid === pid);
}
