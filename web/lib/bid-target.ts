// Whom a person bids for (issue 19): a person may hold their own registration on a lot and the
// registrations of organisations they act for (made by them, or by e-ID authority by another of the
// organisation's representatives). The bid panel offers the registrations that can still bid and
// sends the organisation's identifier as `onBehalfOf`; these helpers decide which registrations are
// offered, which is chosen first, and how each is named. The server decides whether the bid is taken.
import type { Registration } from './api/types.ts';
import type { Translate } from './i18n/index.ts';

export type OnBehalfOf = NonNullable<Registration['onBehalfOf']>;
export type Authorisation = OnBehalfOf['authorisation'];
export type OrganisationRole = OnBehalfOf['role'];

/** The registration is an organisation's. */
export const isOrganisation = (r: Pick<Registration, 'onBehalfOf'>): boolean => r.onBehalfOf !== undefined;

/** What the bid is sent with: the organisation's identifier, or nothing for the person's own registration. */
export function onBehalfOfParam(r: Pick<Registration, 'onBehalfOf'>): string | undefined {
  return r.onBehalfOf?.identifier;
}

/** The organisation's name as the page shows it (its identifier when the name is withheld). */
export function organisationName(o: Pick<OnBehalfOf, 'name' | 'identifier'>): string {
  return o.name ?? o.identifier ?? '—';
}

/**
 * The registrations a person may choose to bid for, in the order shown: their own first, then the
 * organisations' by name. Rejected registrations are left out (they can never bid).
 */
export function bidTargets<R extends Registration>(registrations: readonly R[]): R[] {
  const kept = registrations.filter((r) => r.status !== 'rejected');
  const own = kept.filter((r) => !isOrganisation(r));
  const orgs = kept
    .filter(isOrganisation)
    .sort((a, b) => organisationName(a.onBehalfOf!).localeCompare(organisationName(b.onBehalfOf!), 'vi'));
  return [...own, ...orgs];
}

/**
 * The registration chosen when the panel opens, among those that can bid now (approved) if any, else
 * among all offered: the organisation's when it is the only organisation (a representative came to
 * bid for it), else the person's own. Undefined when it is not clear (several organisations and no
 * registration of their own): the person chooses, rather than bidding for the wrong one.
 */
export function defaultTarget<R extends Registration>(registrations: readonly R[]): R | undefined {
  const offered = bidTargets(registrations);
  const approved = offered.filter((r) => r.status === 'approved');
  const pool = approved.length ? approved : offered;
  if (pool.length <= 1) return pool[0];
  const orgs = pool.filter(isOrganisation);
  if (orgs.length === 1) return orgs[0];
  return pool.find((r) => !isOrganisation(r));
}

/** The one registration shown for the lot's other panels and results: the own one if any, else the first that can bid. */
export function primaryRegistration<R extends Registration>(registrations: readonly R[]): R | null {
  const offered = bidTargets(registrations);
  return offered.find((r) => !isOrganisation(r)) ?? offered[0] ?? registrations[0] ?? null;
}

/** Whom a registration bids for, in the person's words: "Bản thân" or the organisation's name. */
export function targetLabel(t: Translate, r: Pick<Registration, 'onBehalfOf'>): string {
  return r.onBehalfOf ? organisationName(r.onBehalfOf) : t('orgBidder.self');
}

/** The standing message when one of the person's registrations leads: theirs, or "you (the organisation)". */
export function leadingText(t: Translate, r: Pick<Registration, 'onBehalfOf'>): string {
  return r.onBehalfOf ? t('orgBidder.leadingFor', { organisation: organisationName(r.onBehalfOf) }) : t('bid.leading');
}

/** The state of an organisation's authority, in the person's words. */
export function authorisationText(t: Translate, o: Pick<OnBehalfOf, 'authority' | 'authorisation'>): string {
  return o.authority === 'eid'
    ? t('orgBidder.authorisation.verified')
    : t(`orgBidder.authorisation.${o.authorisation}`);
}
