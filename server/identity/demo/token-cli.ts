// `npm run demo:token -- --pid <12 digits> --level 2 [--name "…"] [--minutes 60]` prints a Bearer token
// signed by the built-in demo identity provider's key (kept in DATA_DIR), for calling the API of a
// platform running in demo mode. Run it with the same PORT / PUBLIC_ORIGIN / DATA_DIR as the platform,
// so the issuer and the key match. A persona who acts for an organisation gets its claims (issue 19);
// `--org <identifier> --org-name "…" --org-role <legal_representative|authorised_person>` gives any
// person such claims (all three together).
import crypto from 'node:crypto';
import { parseArgs } from 'node:util';
import { importJWK, SignJWT } from 'jose';
import { loadConfig, ConfigError } from '../../config.ts';
import { PID_PATTERN } from '../person.ts';
import { ORGANISATION_ROLES } from '../../../db/schema.ts';
import { parseOrganisationClaim, type OrganisationClaim } from '../organisation-claim.ts';
import { loadOrCreateDemoKeys } from './keys.ts';
import { findPersona, DEMO_PERSONAS, ORGANISATION_ROLE_LABELS } from './personas.ts';
import { demoIssuer } from './provider.ts';

function usage(message: string): never {
  console.error(
    `${message}\n\nusage: npm run demo:token -- --pid <12 digits> --level <1|2> [--name "Nguyễn Văn An"] [--minutes 60]\n` +
      `                          [--org <identifier> --org-name "Công ty …" --org-role <${ORGANISATION_ROLES.join('|')}>]\n\n` +
      `demo personas:\n${DEMO_PERSONAS.map((p) => `  ${p.pid}  level ${p.level}  ${p.name} (${p.role_en})${p.organisation ? `, ${ORGANISATION_ROLE_LABELS[p.organisation.role].en} of ${p.organisation.identifier} ${p.organisation.name}` : ''}`).join('\n')}`,
  );
  process.exit(2);
}

async function main(): Promise<void> {
  let values: {
    pid?: string;
    level?: string;
    name?: string;
    minutes?: string;
    org?: string;
    'org-name'?: string;
    'org-role'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      options: {
        pid: { type: 'string' },
        level: { type: 'string' },
        name: { type: 'string' },
        minutes: { type: 'string' },
        org: { type: 'string' },
        'org-name': { type: 'string' },
        'org-role': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    usage((err as Error).message);
  }
  if (values.help) usage('Prints a Bearer e-ID token from the built-in demo provider.');
  const config = (() => {
    try {
      return loadConfig();
    } catch (err) {
      if (err instanceof ConfigError) usage(`Configuration error: ${err.message}`);
      throw err;
    }
  })();
  if (!config.eid.demo)
    usage('demo:token works only with the built-in demo identity provider (EID_ISSUER must be unset).');
  const pid = values.pid ?? '';
  if (!PID_PATTERN.test(pid)) usage('--pid must be a 12-digit personal identification number.');
  const persona = findPersona(pid);
  const level = values.level ?? String(persona?.level ?? '');
  if (level !== '1' && level !== '2') usage('--level must be 1 or 2.');
  const minutes = Number(values.minutes ?? Math.floor(config.eid.maxTokenAgeSeconds / 60));
  if (!Number.isInteger(minutes) || minutes < 1 || minutes * 60 > config.eid.maxTokenAgeSeconds)
    usage(
      `--minutes must be a whole number from 1 to ${Math.floor(config.eid.maxTokenAgeSeconds / 60)} (EID_MAX_TOKEN_AGE).`,
    );

  const names = config.eid.organisationClaims;
  const given = [values.org, values['org-name'], values['org-role']];
  let organisation: OrganisationClaim | undefined = persona?.organisation;
  if (given.some((v) => v !== undefined)) {
    if (given.some((v) => v === undefined)) usage('--org, --org-name and --org-role go together.');
    organisation = parseOrganisationClaim(
      { [names.identifier]: values.org, [names.name]: values['org-name'], [names.role]: values['org-role'] },
      names,
    );
    if (!organisation)
      usage(
        `--org must be an organisation e-ID identifier or tax code (0101234567, 0101234567-001), --org-name 1 to 200 characters, --org-role ${ORGANISATION_ROLES.join(' or ')}.`,
      );
  }

  const keys = await loadOrCreateDemoKeys(config.dataDir);
  const key = await importJWK(keys.signing, 'ES256');
  const now = Math.floor(Date.now() / 1000);
  const token = await new SignJWT({
    [config.eid.levelClaim]: Number(level),
    // The persona authenticates now, as at a real provider: such a token is a fresh sign-in (signing
    // the record after the close needs one) for FRESH_SIGNIN_MAX_AGE_SECONDS.
    auth_time: now,
    ...((values.name ?? persona?.name) ? { name: values.name ?? persona?.name } : {}),
    ...(organisation
      ? {
          [names.identifier]: organisation.identifier,
          [names.name]: organisation.name,
          [names.role]: organisation.role,
        }
      : {}),
  })
    .setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: keys.signing.kid })
    .setIssuer(demoIssuer(config))
    .setAudience(config.eid.audience)
    .setSubject(pid)
    .setIssuedAt(now)
    .setExpirationTime(now + minutes * 60)
    .setJti(crypto.randomUUID())
    .sign(key);
  process.stdout.write(`${token}\n`);
}

await main();
