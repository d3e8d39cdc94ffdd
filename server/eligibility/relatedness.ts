// Relatedness flags (issue 19; Law on Property Auction): registrations on one lot that look related are
// flagged for the lot's manager to decide on, never refused. Computed on read from the lot's standing
// registrations (all but rejected ones) and who is known to act for which organisation
// (organisation_representatives: e-ID claims seen, authorisation documents approved):
//   - `same_organisation`: one organisation reached through two or more people: its registration, and
//     the registrations of people known to act for it;
//   - `one_person_two_organisations`: one person registered for two or more organisations;
//   - `representative_personal`: one person registered both for an organisation and for themselves.
// A flag's key is its kind and its sorted bidder codes, so a decision stays with the same set of
// registrations. The manager clears a flag (the registrations stay) or rejects one of its registrations
// (server/auctions/registration-rejection.ts); either is audited. The manager's flags name bidder codes
// only; regulators also see the organisations and the people (a read audited like the registration list).
import { and, asc, eq, inArray } from 'drizzle-orm';
import type { Db, Tx } from '../../db/client.ts';
import {
  bidderOrganisations,
  organisationRepresentatives,
  registrationFlagDecisions,
  registrations,
} from '../../db/schema.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import { revealPeople } from '../privacy/personal-data.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import { getLotRow } from '../auctions/public-lot.ts';
import { lockLot, managesLot, regulatesLot, visibleTo } from '../auctions/lot-service.ts';
import { rejectRegistrationIn } from '../auctions/registration-rejection.ts';
import type { PersonalNotice } from '../payments/matching.ts';
import {
  FLAG_KINDS,
  type FlagDecisionInput,
  type FlagKind,
  type RegistrationFlagsView,
  type RegistrationFlagView,
} from './relatedness-schemas.ts';

/** The purpose written to the audit log for a regulator's read of the flags (they name people). */
export const FLAGS_READ_PURPOSE = 'registration flags viewed';

/** A registration as the flags read it. */
export interface FlagRegistration {
  id: number;
  pid: string;
  bidderCode: string;
  organisationId: number | null;
  status: string;
}

/** A flag as computed: its registrations and, for regulators, the organisations it concerns. */
export interface Flag {
  key: string;
  kind: FlagKind;
  registrations: FlagRegistration[];
  organisationIds: number[];
}

const byNumber = (a: number, b: number): number => a - b;
const distinct = <T>(xs: T[]): T[] => [...new Set(xs)];

export function flagKey(kind: FlagKind, codes: string[]): string {
  return `${kind}:${[...codes].sort().join(',')}`;
}

function flagOf(kind: FlagKind, regs: FlagRegistration[], organisationIds: number[]): Flag {
  const sorted = [...regs].sort((a, b) => (a.bidderCode < b.bidderCode ? -1 : a.bidderCode > b.bidderCode ? 1 : 0));
  return {
    key: flagKey(
      kind,
      sorted.map((r) => r.bidderCode),
    ),
    kind,
    registrations: sorted,
    organisationIds: distinct(organisationIds).sort(byNumber),
  };
}

/**
 * The flags of a lot's registrations, given who is known to act for which organisation (`acts`: pairs
 * of organisation id and pid). Rejected registrations are left out. Pure.
 */
export function computeFlags(all: FlagRegistration[], acts: { organisationId: number; pid: string }[]): Flag[] {
  const regs = all.filter((r) => r.status !== 'rejected');
  const flags = new Map<string, Flag>();
  const add = (flag: Flag): void => {
    const known = flags.get(flag.key);
    flags.set(
      flag.key,
      known
        ? { ...known, organisationIds: distinct([...known.organisationIds, ...flag.organisationIds]).sort(byNumber) }
        : flag,
    );
  };
  // One organisation through two or more people.
  const candidates = distinct([
    ...regs.flatMap((r) => (r.organisationId === null ? [] : [r.organisationId])),
    ...acts.map((a) => a.organisationId),
  ]);
  for (const org of candidates) {
    const representatives = new Set(acts.filter((a) => a.organisationId === org).map((a) => a.pid));
    const reached = regs.filter((r) => r.organisationId === org || representatives.has(r.pid));
    if (distinct(reached.map((r) => r.pid)).length >= 2) add(flagOf('same_organisation', reached, [org]));
  }
  const byPerson = new Map<string, FlagRegistration[]>();
  for (const r of regs) byPerson.set(r.pid, [...(byPerson.get(r.pid) ?? []), r]);
  for (const own of byPerson.values()) {
    const forOrganisations = own.filter((r) => r.organisationId !== null);
    const organisations = distinct(forOrganisations.map((r) => r.organisationId!));
    // One person for two or more organisations.
    if (organisations.length >= 2) add(flagOf('one_person_two_organisations', forOrganisations, organisations));
    // One person for an organisation and for themselves.
    if (forOrganisations.length && own.some((r) => r.organisationId === null))
      add(flagOf('representative_personal', own, organisations));
  }
  return [...flags.values()].sort(
    (a, b) => FLAG_KINDS.indexOf(a.kind) - FLAG_KINDS.indexOf(b.kind) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/**
 * A decided flag no longer computed (one of its registrations was rejected), rebuilt from its key:
 * the kind and the codes, which stay the registrations' on the lot.
 */
function flagFromKey(
  key: string,
  all: FlagRegistration[],
  acts: { organisationId: number; pid: string }[],
): Flag | undefined {
  const [kind, codes] = key.split(':', 2) as [FlagKind, string | undefined];
  if (!FLAG_KINDS.includes(kind) || !codes) return undefined;
  const regs = codes.split(',').map((c) => all.find((r) => r.bidderCode === c));
  if (regs.some((r) => !r)) return undefined;
  const found = regs as FlagRegistration[];
  const own = found.flatMap((r) => (r.organisationId === null ? [] : [r.organisationId]));
  // The organisation every registration of a same-organisation flag reaches.
  const shared =
    kind === 'same_organisation'
      ? distinct([...own, ...acts.map((a) => a.organisationId)]).filter((org) =>
          found.every((r) => r.organisationId === org || acts.some((a) => a.organisationId === org && a.pid === r.pid)),
        )
      : own;
  return flagOf(kind, found, shared);
}

export interface LotFlags {
  flags: Flag[];
  decisions: Map<string, typeof registrationFlagDecisions.$inferSelect>;
}

/** The lot's flags: computed now, then the decided ones no longer computed (also live supervision's related_bidders). */
export async function lotFlags(q: Db | Tx, lotId: number): Promise<LotFlags> {
  const all = await q
    .select({
      id: registrations.id,
      pid: registrations.pid,
      bidderCode: registrations.bidderCode,
      organisationId: registrations.bidderOrganisationId,
      status: registrations.status,
    })
    .from(registrations)
    .where(eq(registrations.lotId, lotId))
    .orderBy(asc(registrations.id));
  const pids = distinct(all.map((r) => r.pid));
  const acts = pids.length
    ? await q
        .select({
          organisationId: organisationRepresentatives.bidderOrganisationId,
          pid: organisationRepresentatives.pid,
        })
        .from(organisationRepresentatives)
        .where(inArray(organisationRepresentatives.pid, pids))
    : [];
  const decided = await q.select().from(registrationFlagDecisions).where(eq(registrationFlagDecisions.lotId, lotId));
  const decisions = new Map(decided.map((d) => [d.flagKey, d]));
  const flags = computeFlags(all, acts);
  const computed = new Set(flags.map((f) => f.key));
  for (const d of decided) {
    if (computed.has(d.flagKey)) continue;
    const rebuilt = flagFromKey(d.flagKey, all, acts);
    if (rebuilt) flags.push(rebuilt);
  }
  return { flags, decisions };
}

function flagView(flag: Flag, decisions: LotFlags['decisions']): RegistrationFlagView {
  const d = decisions.get(flag.key);
  return {
    key: flag.key,
    kind: flag.kind,
    bidderCodes: flag.registrations.map((r) => r.bidderCode),
    registrationIds: flag.registrations.map((r) => r.id),
    decision: d ? { decision: d.decision, reason: d.reason, decidedAt: d.decidedAt.toISOString() } : null,
  };
}

/**
 * A lot's relatedness flags for its manager (bidder codes only) or a regulator whose scope covers it
 * (with the organisations and the people, the read audited in the same transaction).
 */
export async function listRegistrationFlags(
  ctx: AppContext,
  person: Person,
  lotId: number,
): Promise<Result<RegistrationFlagsView>> {
  const lot = await getLotRow(ctx.db, lotId);
  const regulator = !!lot && regulatesLot(person, lot);
  const manager = !!lot && managesLot(person, lot);
  if (!lot || (!visibleTo(person, lot) && !regulator)) return refuse('lot_not_found');
  if (!manager && !regulator) return refuse('not_lot_manager_or_regulator');
  if (!regulator) {
    const { flags, decisions } = await lotFlags(ctx.db, lotId);
    return ok({ identities: 'hidden', items: flags.map((f) => flagView(f, decisions)) });
  }
  const now = ctx.clock.now();
  const items = await ctx.db.transaction(async (tx) => {
    const { flags, decisions } = await lotFlags(tx, lotId);
    const orgIds = distinct(flags.flatMap((f) => f.organisationIds));
    const orgs = orgIds.length
      ? await tx
          .select({
            id: bidderOrganisations.id,
            identifier: bidderOrganisations.identifier,
            name: bidderOrganisations.name,
          })
          .from(bidderOrganisations)
          .where(inArray(bidderOrganisations.id, orgIds))
      : [];
    // The people behind the flags' registrations, revealed in one batch.
    const who = await revealPeople(
      tx,
      flags.flatMap((f) => f.registrations.map((r) => r.pid)),
    );
    if (flags.length)
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'registrations.viewed',
        lotId,
        at: now,
        data: { purpose: FLAGS_READ_PURPOSE, role: 'regulator', lotStatus: lot.status, count: flags.length },
      });
    return flags.map((f): RegistrationFlagView => ({
      ...flagView(f, decisions),
      organisations: f.organisationIds.flatMap((id) => {
        const o = orgs.find((x) => x.id === id);
        return o ? [{ identifier: o.identifier, name: o.name }] : [];
      }),
      // One entry per person ('' for one whose identity has been shredded), sorted by number.
      pids: distinct(f.registrations.map((r) => r.pid))
        .map((key) => who.get(key)?.pid ?? '')
        .sort(),
    }));
  });
  return ok({ identities: 'shown', items });
}

/**
 * The lot's manager decides a flag: `cleared` (the registrations stay) or `rejected` (the named
 * registration, one of the flag's, is rejected as by POST …/reject). Once per flag; audited.
 */
export async function decideRegistrationFlag(
  ctx: AppContext,
  person: Person,
  lotId: number,
  key: string,
  input: FlagDecisionInput,
): Promise<Result<RegistrationFlagView>> {
  if (input.decision === 'rejected' && input.registrationId === undefined)
    return invalid({ registrationId: fieldError('REQUIRED') });
  const now = ctx.clock.now();
  const outcome = await ctx.db.transaction(
    async (tx): Promise<Result<{ view: RegistrationFlagView; personal?: PersonalNotice }>> => {
      const lot = await lockLot(tx, lotId);
      if (!lot || !visibleTo(person, lot)) return refuse('lot_not_found');
      if (!managesLot(person, lot)) return refuse('not_lot_manager');
      const { flags, decisions } = await lotFlags(tx, lotId);
      if (decisions.has(key)) return refuse('flag_already_decided');
      const flag = flags.find((f) => f.key === key);
      if (!flag) return refuse('flag_not_found');
      let personal: PersonalNotice | undefined;
      if (input.decision === 'rejected') {
        const target = flag.registrations.find((r) => r.id === input.registrationId);
        if (!target)
          return invalid({
            registrationId: fieldError('NOT_ONE_OF', { options: flag.registrations.map((r) => String(r.id)) }),
          });
        const [reg] = await tx
          .select()
          .from(registrations)
          .where(and(eq(registrations.id, target.id), eq(registrations.lotId, lotId)));
        const rejected = await rejectRegistrationIn(ctx, tx, person.pid, lot, reg, input.reason, now);
        if (!rejected.ok) return rejected;
        personal = rejected.value.personal;
      }
      const [row] = await tx
        .insert(registrationFlagDecisions)
        .values({
          lotId,
          flagKey: key,
          decision: input.decision,
          reason: input.reason,
          decidedBy: person.pid,
          decidedAt: now,
        })
        .returning();
      const bidderCodes = flag.registrations.map((r) => r.bidderCode);
      await appendAudit(tx, {
        actorPid: person.pid,
        action: 'registration.flag_decided',
        lotId,
        subject: key,
        at: now,
        data: {
          key,
          kind: flag.kind,
          bidderCodes,
          decision: input.decision,
          reason: input.reason,
          ...(input.decision === 'rejected' ? { registrationId: input.registrationId } : {}),
        },
      });
      return ok({ view: flagView(flag, new Map([[key, row]])), personal });
    },
  );
  if (!outcome.ok) return outcome;
  if (outcome.value.personal) ctx.events.publish('personal', outcome.value.personal);
  return ok(outcome.value.view);
}
