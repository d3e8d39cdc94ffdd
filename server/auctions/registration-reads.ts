// Reading registrations: the lot's manager and regulators see who registered (personal id and name);
// a person sees their own registrations with the lot, their bids and the outcome ("my auctions").
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { ledgerEntries, lots, people, registrations, type DepositState, type LotStatus, type RegistrationStatus } from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { fail, ok, type Result } from '../shared/errors.ts';
import { effectiveStatus, getLotRow } from './public-lot.ts';
import { managesLot } from './lot-service.ts';

export interface LotRegistrationItem {
  id: number;
  bidderCode: string;
  pid: string;
  name: string | null;
  status: RegistrationStatus;
  depositState: DepositState;
  rulesVersion: number;
  rulesAcceptedAt: string;
  createdAt: string;
  approvedAt: string | null;
}

export async function listLotRegistrations(ctx: AppContext, person: Person, lotId: number): Promise<Result<LotRegistrationItem[]>> {
  const lot = await getLotRow(ctx.db, lotId);
  const regulator = person.roles.includes('regulator');
  if (!lot || (lot.status === 'draft' && !managesLot(person, lot) && !regulator)) return fail('NOT_FOUND', 'No such lot.');
  if (!managesLot(person, lot) && !regulator) return fail('FORBIDDEN', "Only this lot's manager or a regulator may see its registrations.");
  const rows = await ctx.db
    .select({ r: registrations, name: people.name })
    .from(registrations)
    .innerJoin(people, eq(people.pid, registrations.pid))
    .where(eq(registrations.lotId, lotId))
    .orderBy(asc(registrations.id));
  return ok(
    rows.map(({ r, name }) => ({
      id: r.id,
      bidderCode: r.bidderCode,
      pid: r.pid,
      name,
      status: r.status,
      depositState: r.depositState,
      rulesVersion: r.rulesVersion,
      rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
      createdAt: r.createdAt.toISOString(),
      approvedAt: r.approvedAt?.toISOString() ?? null,
    })),
  );
}

export interface MyRegistration {
  id: number;
  lotId: number;
  lot: { id: number; title: string; status: LotStatus; startsAt: string; endsAt: string; currentPrice: number | null; finalPrice: number | null };
  bidderCode: string;
  status: RegistrationStatus;
  depositState: DepositState;
  rulesVersion: number;
  rulesAcceptedAt: string;
  leading: boolean;
  outcome: 'won' | 'lost' | 'cancelled' | null;
  bids: { seq: number; amount: number; placedAt: string; status: 'accepted' | 'withdrawn' }[];
}

export async function myRegistrations(ctx: AppContext, person: Person): Promise<MyRegistration[]> {
  const now = ctx.clock.now();
  const rows = await ctx.db.select({ r: registrations, l: lots }).from(registrations).innerJoin(lots, eq(lots.id, registrations.lotId)).where(eq(registrations.pid, person.pid)).orderBy(desc(registrations.id)).limit(500);
  const ids = rows.map((x) => x.r.id);
  const entries = ids.length
    ? await ctx.db
        .select({ registrationId: ledgerEntries.registrationId, seq: ledgerEntries.seq, kind: ledgerEntries.kind, amount: ledgerEntries.amount, placedAt: ledgerEntries.placedAt, withdrawsSeq: ledgerEntries.withdrawsSeq })
        .from(ledgerEntries)
        .where(and(inArray(ledgerEntries.registrationId, ids)))
        .orderBy(asc(ledgerEntries.seq))
    : [];
  return rows.map(({ r, l }) => {
    const mine = entries.filter((e) => e.registrationId === r.id);
    const withdrawn = new Set(mine.filter((e) => e.kind === 'withdrawal').map((e) => e.withdrawsSeq));
    const status = effectiveStatus(l, now);
    const outcome = status === 'cancelled' ? 'cancelled' : status === 'closed' || status === 'failed' ? (l.winnerRegistrationId === r.id ? 'won' : 'lost') : null;
    return {
      id: r.id,
      lotId: l.id,
      lot: { id: l.id, title: l.title, status, startsAt: l.startsAt.toISOString(), endsAt: l.endsAt.toISOString(), currentPrice: l.currentPrice, finalPrice: l.finalPrice },
      bidderCode: r.bidderCode,
      status: r.status,
      depositState: r.depositState,
      rulesVersion: r.rulesVersion,
      rulesAcceptedAt: r.rulesAcceptedAt.toISOString(),
      leading: l.leaderRegistrationId === r.id,
      outcome,
      bids: mine.filter((e) => e.kind === 'bid').map((e) => ({ seq: e.seq, amount: e.amount, placedAt: e.placedAt.toISOString(), status: withdrawn.has(e.seq) ? ('withdrawn' as const) : ('accepted' as const) })),
    };
  });
}
