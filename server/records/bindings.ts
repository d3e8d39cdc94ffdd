// Cross-checks of a record against the lot's chained history (record version 2): every registration
// is the one chained when the person registered (bidder code, person hash, time, rules), every chained
// registration is in the record, every ledger code is registered, and the result is the one the close
// chained and the ledger implies. A database writer who rewrites a registration's person or a lot's
// winner leaves the chain untouched, so the record contradicts it and is reported here. No database
// and no key: the server (before signing) and the offline verifier both call it.
import { readActorFacts, readCloseFacts, readRegistrationFacts } from '../audit/chained-facts.ts';
import type { AuctionRecord, RecordEvent, RecordRegistration } from './record-format.ts';
import { problem, type Problem } from './verify-codes.ts';
import { methodProblem } from './verify-method.ts';

const END_ACTIONS: Record<AuctionRecord['result']['status'], string> = {
  closed: 'lot.closed',
  failed: 'lot.failed',
  cancelled: 'lot.cancelled',
};

/** The bidder code a registration event binds (its facts, or the code events before issue 13 carried). */
function boundCode(ev: RecordEvent): string | undefined {
  const code = readRegistrationFacts(ev.data)?.bidderCode ?? ev.data.bidderCode;
  return typeof code === 'string' ? code : undefined;
}

function registrationProblem(r: RecordRegistration, events: RecordEvent[]): Problem | undefined {
  if (events.length === 0)
    return problem(
      'REGISTRATION_NOT_CHAINED',
      `registration ${r.bidderCode} has no registration event in the lot's chained history: it was not made through the platform`,
      { bidderCode: r.bidderCode },
    );
  if (events.length > 1)
    return problem(
      'REGISTRATION_BOUND_TWICE',
      `bidder code ${r.bidderCode} is bound by ${events.length} registration events (${events.map((e) => e.id).join(', ')}): the chain binds each code once`,
      { bidderCode: r.bidderCode, count: events.length, events: events.map((e) => e.id).join(', ') },
    );
  const ev = events[0];
  const facts = readRegistrationFacts(ev.data);
  const changed = problem(
    'REGISTRATION_PERSON_CHANGED',
    `registration ${r.bidderCode} names a different person than the one chained when it was made (audit event ${ev.id} at ${ev.at}): the registration was changed afterwards`,
    { bidderCode: r.bidderCode, eventId: ev.id, at: ev.at },
  );
  if (facts) {
    if (r.personHash === undefined)
      return problem(
        'REGISTRATION_NO_PERSON_HASH',
        `registration ${r.bidderCode} carries no person hash to compare with the chain`,
        { bidderCode: r.bidderCode },
      );
    if (facts.personHash !== r.personHash) return changed;
    if (facts.rulesVersion !== r.rulesVersion || facts.rulesAcceptedAt !== r.rulesAcceptedAt)
      return problem(
        'REGISTRATION_RULES_CHANGED',
        `registration ${r.bidderCode} accepted rules version ${r.rulesVersion} at ${r.rulesAcceptedAt}, but audit event ${ev.id} chained version ${facts.rulesVersion} at ${facts.rulesAcceptedAt}`,
        {
          bidderCode: r.bidderCode,
          eventId: ev.id,
          rulesVersion: r.rulesVersion,
          at: r.rulesAcceptedAt,
          chainedVersion: facts.rulesVersion,
          chainedAt: facts.rulesAcceptedAt,
        },
      );
  } else if (ev.actorPid !== r.pid) {
    // Registered before the chain carried the binding: the registrant is that event's actor, chained in clear.
    return changed;
  }
  // The organisation (issue 19): the one chained, or none when none was.
  const chainedOrganisation = facts?.organisation;
  const organisation = r.organisation;
  if (
    chainedOrganisation?.identifier !== organisation?.identifier ||
    chainedOrganisation?.role !== organisation?.role ||
    chainedOrganisation?.authority !== organisation?.authority
  )
    return problem(
      'REGISTRATION_ORGANISATION_CHANGED',
      `registration ${r.bidderCode} is for ${organisation ? `organisation ${organisation.identifier}` : 'its person'}, but audit event ${ev.id} chained ${chainedOrganisation ? `organisation ${chainedOrganisation.identifier}` : 'a person’s own registration'}`,
      {
        bidderCode: r.bidderCode,
        eventId: ev.id,
        organisation: organisation?.identifier ?? null,
        chainedOrganisation: chainedOrganisation?.identifier ?? null,
      },
    );
  if (ev.at !== r.registeredAt)
    return problem(
      'REGISTRATION_TIME_CHANGED',
      `registration ${r.bidderCode} says it was made at ${r.registeredAt}, but audit event ${ev.id} chained ${ev.at}`,
      { bidderCode: r.bidderCode, eventId: ev.id, at: r.registeredAt, chainedAt: ev.at },
    );
  return undefined;
}

/** The record's price against the one the close chained (amounts stay numbers for translations). */
function priceProblem(price: number | null, chainedPrice: number | string | null, eventId: number): Problem {
  return problem(
    'RESULT_PRICE_MISMATCH',
    `the record's final price ${price} is not the ${chainedPrice} the close chained (audit event ${eventId})`,
    { price, chainedPrice, eventId },
  );
}

/** The standing highest bid at the end of an ascending ledger: the last bid not withdrawn. */
function standingTop(record: AuctionRecord): { bidderCode: string; amount: number } | undefined {
  const withdrawn = new Set(record.ledger.filter((e) => e.kind === 'withdrawal').map((e) => e.withdrawsSeq));
  return record.ledger.filter((e) => e.kind === 'bid' && !withdrawn.has(e.seq)).at(-1);
}

function resultProblem(record: AuctionRecord): Problem | undefined {
  const { result } = record;
  const ends = record.history.filter((e) => Object.values(END_ACTIONS).includes(e.action));
  if (ends.length !== 1 || ends[0].action !== END_ACTIONS[result.status]) {
    return problem(
      'RESULT_END_MISMATCH',
      `the record says the lot ${result.status === 'closed' ? 'closed' : result.status === 'failed' ? 'failed' : 'was cancelled'}, but its chained history has ${ends.length === 0 ? 'no closing event' : ends.map((e) => `${e.action} (event ${e.id})`).join(', ')}`,
      { status: result.status, chained: ends.map((e) => e.action).join(', ') },
    );
  }
  const end = ends[0];
  const winner =
    result.winnerBidderCode === null
      ? undefined
      : record.registrations.find((r) => r.bidderCode === result.winnerBidderCode);
  if (result.winnerBidderCode !== null && (!winner || winner.pid !== result.winnerPid))
    return problem(
      'RESULT_WINNER_NOT_REGISTERED',
      `the result names winner ${result.winnerBidderCode}, who is not among the record's registrations with that personal id`,
      { bidderCode: result.winnerBidderCode },
    );
  const facts = readCloseFacts(end.data);
  if (facts) {
    if (facts.winnerBidderCode !== result.winnerBidderCode)
      return problem(
        'RESULT_WINNER_MISMATCH',
        `the record names ${result.winnerBidderCode ?? 'no winner'}, but the close chained ${facts.winnerBidderCode ?? 'no winner'} (audit event ${end.id})`,
        { winner: result.winnerBidderCode, chainedWinner: facts.winnerBidderCode, eventId: end.id },
      );
    if (facts.finalPrice !== result.finalPrice) return priceProblem(result.finalPrice, facts.finalPrice, end.id);
    if (winner && facts.winnerPersonHash !== winner.personHash)
      return problem(
        'RESULT_WINNER_PERSON_CHANGED',
        `the winner ${winner.bidderCode} is not the person the close chained (audit event ${end.id}): the registration was changed afterwards`,
        { bidderCode: winner.bidderCode, eventId: end.id },
      );
  } else if (end.action !== 'lot.cancelled' && 'finalPrice' in end.data && end.data.finalPrice !== result.finalPrice) {
    const chained = end.data.finalPrice;
    return priceProblem(
      result.finalPrice,
      typeof chained === 'number' || chained === null ? chained : String(chained),
      end.id,
    );
  }
  if (result.status === 'closed' && record.policy.method === 'ascending') {
    const top = standingTop(record);
    if (!top || top.bidderCode !== result.winnerBidderCode || top.amount !== result.finalPrice)
      return problem(
        'RESULT_NOT_HIGHEST_BID',
        `the result (${result.winnerBidderCode} at ${result.finalPrice}) is not the standing highest bid of the ledger (${top ? `${top.bidderCode} at ${top.amount}` : 'none'})`,
        {
          winner: result.winnerBidderCode,
          price: result.finalPrice,
          topBidder: top?.bidderCode ?? null,
          topPrice: top?.amount ?? null,
        },
      );
  }
  return undefined;
}

/** The first contradiction between a version-2 record and its chained history, or undefined. */
export function bindingProblem(record: AuctionRecord): Problem | undefined {
  if (record.version < 2) return undefined;
  const byCode = new Map<string, RecordEvent[]>();
  for (const ev of record.history) {
    if (ev.action !== 'registration.created') continue;
    const code = boundCode(ev);
    if (code === undefined)
      return problem('REGISTRATION_EVENT_NO_CODE', `registration event ${ev.id} binds no bidder code`, {
        eventId: ev.id,
      });
    byCode.set(code, [...(byCode.get(code) ?? []), ev]);
  }
  for (const r of record.registrations) {
    const problem = registrationProblem(r, byCode.get(r.bidderCode) ?? []);
    if (problem) return problem;
  }
  const listed = new Set(record.registrations.map((r) => r.bidderCode));
  for (const [code, events] of byCode)
    if (!listed.has(code))
      return problem(
        'REGISTRATION_MISSING',
        `bidder code ${code} was registered (audit event ${events[0].id}) but is missing from the record's registrations`,
        { bidderCode: code, eventId: events[0].id },
      );
  for (const e of record.ledger)
    if (!listed.has(e.bidderCode))
      return problem(
        'LEDGER_BIDDER_UNKNOWN',
        `ledger entry seq ${e.seq} is by ${e.bidderCode}, which is not among the record's registrations`,
        { seq: e.seq, bidderCode: e.bidderCode },
      );
  // The method's own rule before the result: a breach explains a result that follows from it.
  return actorProblem(record) ?? methodProblem(record) ?? resultProblem(record);
}

/**
 * Organisations' registrations (version 4): every person who acted for one is the person chained when
 * they first acted (registration.actor_added), and every entry of such a registration names one of them.
 */
function actorProblem(record: AuctionRecord): Problem | undefined {
  const chained = new Map<string, { personHash: string; eventId: number }>();
  for (const ev of record.history) {
    if (ev.action !== 'registration.actor_added') continue;
    const facts = readActorFacts(ev.data);
    if (facts) chained.set(`${facts.bidderCode}#${facts.actorNo}`, { personHash: facts.personHash, eventId: ev.id });
  }
  const actorsOf = new Map<string, Set<number>>();
  for (const r of record.registrations) {
    if (!r.organisation) continue;
    actorsOf.set(r.bidderCode, new Set(r.organisation.actors.map((a) => a.actorNo)));
    for (const a of r.organisation.actors) {
      const link = chained.get(`${r.bidderCode}#${a.actorNo}`);
      if (!link || link.personHash !== a.personHash)
        return problem(
          'ACTOR_NOT_CHAINED',
          `person ${a.actorNo} acting for ${r.bidderCode} (organisation ${r.organisation.identifier}) is not the one the chain bound when they first acted`,
          { bidderCode: r.bidderCode, actorNo: a.actorNo },
        );
    }
  }
  for (const e of record.ledger) {
    const actors = actorsOf.get(e.bidderCode);
    if ((actors === undefined) === (e.actorNo === undefined) && (!actors || actors.has(e.actorNo!))) continue;
    return problem(
      'ENTRY_ACTOR_UNKNOWN',
      actors
        ? `ledger entry seq ${e.seq} of organisation ${e.bidderCode} names no person who acted for it`
        : `ledger entry seq ${e.seq} of ${e.bidderCode}, a person’s own registration, names an acting person`,
      { seq: e.seq, bidderCode: e.bidderCode },
    );
  }
  return undefined;
}
