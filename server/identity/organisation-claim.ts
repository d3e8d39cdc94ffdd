// The organisation a person acts for, as their e-ID token says (issue 19): an organisation bids through
// its legal representative or a person it authorised, and the person's token may name it (the
// identifier of its organisation e-ID, or its tax code, and its name) and their role in it. The claim
// names are settings (EID_ORGANISATION_*_CLAIM). Malformed claims never refuse the token: it is still a
// valid personal token, the person just does not act for an organisation by it (they may register for
// one with an authorisation document that the lot's manager approves instead).
import { ORGANISATION_ROLES, type OrganisationRole } from '../../db/schema.ts';
import type { Config } from '../config.ts';

export interface OrganisationClaim {
  /** The organisation's e-ID identifier or tax code, upper-case (`0101234567`, `0101234567-001`). */
  identifier: string;
  name: string;
  role: OrganisationRole;
}

/** An organisation e-ID identifier or tax code such as `0101234567` or `0101234567-001` (one rule, in validation.ts). */
import { ORGANISATION_IDENTIFIER } from '../shared/validation.ts';
export { ORGANISATION_IDENTIFIER };

/** The longest organisation name accepted, in characters. */
export const MAX_ORGANISATION_NAME = 200;

// C0 and C1 control characters and DEL: exactly the Unicode category Cc.
const CONTROL_CHARACTERS = /\p{Cc}/gu;

/**
 * The organisation a token's claims name, with the person's role in it: all three claims present and
 * well-formed, else undefined. A token without any of them names none (nothing logged); one with some
 * missing or malformed names none either, and the log says which claim was at fault (at info).
 */
export function parseOrganisationClaim(
  payload: Record<string, unknown>,
  names: Config['eid']['organisationClaims'],
  log?: { info(details: object, message: string): void },
): OrganisationClaim | undefined {
  const raw = { identifier: payload[names.identifier], name: payload[names.name], role: payload[names.role] };
  if (raw.identifier === undefined && raw.name === undefined && raw.role === undefined) return undefined;

  const identifier = typeof raw.identifier === 'string' ? raw.identifier.trim().toUpperCase() : undefined;
  const name = typeof raw.name === 'string' ? raw.name.replace(CONTROL_CHARACTERS, '').trim() : undefined;
  const role = typeof raw.role === 'string' ? ORGANISATION_ROLES.find((r) => r === raw.role) : undefined;
  const malformed = [
    ...(identifier !== undefined && ORGANISATION_IDENTIFIER.test(identifier) ? [] : [names.identifier]),
    ...(name !== undefined && name.length > 0 && [...name].length <= MAX_ORGANISATION_NAME ? [] : [names.name]),
    ...(role ? [] : [names.role]),
  ];
  if (malformed.length) {
    log?.info(
      { malformed, missing: malformed.filter((claim) => payload[claim] === undefined) },
      'organisation claims ignored: missing or malformed (the token stands for the person alone)',
    );
    return undefined;
  }
  return { identifier: identifier!, name: name!, role: role! };
}
