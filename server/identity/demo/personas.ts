// The demo identity provider's citizens and staff. Ids follow the shape of Vietnamese citizen
// identity numbers (province code, a century-and-sex digit, two birth-year digits, six digits), so
// that they pass the same 12-digit check as real ones; none is a real person's number.
import type { Role } from '../../../db/schema.ts';
import type { Level } from '../person.ts';

export interface DemoPersona {
  pid: string;
  name: string;
  level: Level;
  birthdate: string;
  /** Roles granted at start in demo mode. */
  roles: Role[];
  /** What this persona is for, in Vietnamese and English (shown on the persona page). */
  role_vi: string;
  role_en: string;
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
];

export function findPersona(pid: string): DemoPersona | undefined {
  return DEMO_PERSONAS.find((p) => p.pid === pid);
}
