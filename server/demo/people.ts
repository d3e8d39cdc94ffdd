// Who acts in the demo: the demo organiser (the manager persona of the demo e-ID provider), the
// level-2 citizen personas a newcomer can sign in as, and "robot" citizens who keep auctions moving.
// Robots are not personas: nobody signs in as them, so a newcomer is never the robot's bidder.
import type { AppContext } from '../context.ts';
import { NO_ACCESS, type Access, type Person } from '../identity/person.ts';
import { upsertPerson, upsertPersonAndLoadAccess } from '../identity/people.ts';
import { DEMO_PERSONAS } from '../identity/demo/personas.ts';
import { personKey } from '../privacy/personal-data.ts';

const ROBOTS = [
  { pid: '001199000901', name: 'Trịnh Văn Khoa' },
  { pid: '079199000902', name: 'Đỗ Thị Mai' },
  { pid: '036199000903', name: 'Phan Thanh Nam' },
  { pid: '092199000904', name: 'Lý Thị Oanh' },
  { pid: '046199000905', name: 'Vũ Đức Quang' },
  { pid: '075199000906', name: 'Hồ Ngọc Sương' },
];

export interface DemoCast {
  manager: Person;
  /** Level-2 personas without roles: the newcomer's bidders. */
  citizens: Person[];
  robots: Person[];
}

const asPerson = (p: { pid: string; name: string }, access: Access = NO_ACCESS): Person => ({
  pid: personKey(p.pid),
  idNumber: p.pid,
  name: p.name,
  level: 2,
  ...access,
  via: 'bearer',
});

/** Makes sure every demo person exists (registrations reference people). */
export async function loadCast(ctx: AppContext): Promise<DemoCast | undefined> {
  const managerPersona = DEMO_PERSONAS.find((p) => p.roles.includes('manager') && p.level === 2 && !p.manages);
  if (!managerPersona) return undefined;
  const now = ctx.clock.now();
  const managerAccess = await upsertPersonAndLoadAccess(
    ctx.db,
    { pid: personKey(managerPersona.pid), idNumber: managerPersona.pid, name: managerPersona.name, level: 2 },
    now,
  );
  if (!managerAccess.roles.includes('manager') || managerAccess.organisations.length === 0) return undefined;
  // Citizens bid in their own name; the organisation personas are left for a newcomer to try.
  const citizens = DEMO_PERSONAS.filter((p) => p.level === 2 && p.roles.length === 0 && !p.organisation);
  for (const p of [...citizens, ...ROBOTS]) await upsertPerson(ctx.db, { pid: p.pid, name: p.name, level: 2 }, now);
  return {
    manager: asPerson(managerPersona, managerAccess),
    citizens: citizens.map((p) => asPerson(p)),
    robots: ROBOTS.map((p) => asPerson(p)),
  };
}

export function isRobot(cast: DemoCast, pid: string): boolean {
  return cast.robots.some((r) => r.pid === pid);
}
