// Organisations as bidders, the identity part (issue 19): a person's e-ID token may name the
// organisation they act for (its e-ID identifier and name) and their role in it. The claims are
// parsed leniently (malformed ones are ignored, never a refusal of the token), count at level 2 only,
// are kept per credential (Bearer token or the session's ID token), and /api/me shows them; the demo
// provider's organisation personas carry them through the real OpenID flow and `npm run demo:token`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessions } from '../../db/schema.ts';
import { ConfigError, loadConfig } from '../../server/config.ts';
import type { AppContext } from '../../server/context.ts';
import { createIdentity, type Identity } from '../../server/identity/index.ts';
import {
  ORGANISATION_IDENTIFIER,
  parseOrganisationClaim,
  type OrganisationClaim,
} from '../../server/identity/organisation-claim.ts';
import { DEMO_PERSONAS } from '../../server/identity/demo/personas.ts';
import { systemClock } from '../../server/shared/clock.ts';
import { DomainEvents } from '../../server/shared/events.ts';
import { createLogger } from '../../server/shared/log.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ROOT } from '../support/server-process.ts';
import { Browser, signInAs, startDemoPlatform, type DemoPlatform } from './support.ts';
import { personKey } from '../../server/privacy/personal-data.ts';

const DEFAULT_NAMES = { identifier: 'org_id', name: 'org_name', role: 'org_role' };
const SONG_HONG: OrganisationClaim = {
  identifier: '0101234567',
  name: 'Công ty Cổ phần Vận tải Sông Hồng',
  role: 'legal_representative',
};
const claimsOf = (o: OrganisationClaim): Record<string, unknown> => ({
  org_id: o.identifier,
  org_name: o.name,
  org_role: o.role,
});

/** A logger that keeps what was logged at info. */
function recordingLog(): { info: (obj: object, msg: string) => void; lines: { obj: object; msg: string }[] } {
  const lines: { obj: object; msg: string }[] = [];
  return { lines, info: (obj, msg) => void lines.push({ obj, msg }) };
}

describe('parseOrganisationClaim', () => {
  it('reads the three claims, normalising the identifier and the name', () => {
    expect(parseOrganisationClaim(claimsOf(SONG_HONG), DEFAULT_NAMES)).toEqual(SONG_HONG);
    expect(
      parseOrganisationClaim(
        { org_id: ' 0101234567-001 ', org_name: '  Chi nhánh\u0000 Hà Nội\n ', org_role: 'authorised_person' },
        DEFAULT_NAMES,
      ),
    ).toEqual({ identifier: '0101234567-001', name: 'Chi nhánh Hà Nội', role: 'authorised_person' });
    expect(parseOrganisationClaim({ ...claimsOf(SONG_HONG), org_id: 'abc-123' }, DEFAULT_NAMES)?.identifier).toBe(
      'ABC-123',
    );
  });

  it('names no organisation, silently, when the token carries none of the claims', () => {
    const log = recordingLog();
    expect(parseOrganisationClaim({ sub: '001085000201', loa: 2, name: 'An' }, DEFAULT_NAMES, log)).toBeUndefined();
    expect(log.lines).toEqual([]);
  });

  it.each([
    ['identifier missing', { org_id: undefined }, 'org_id'],
    ['identifier not a string', { org_id: 101234567 }, 'org_id'],
    ['identifier too short', { org_id: '01' }, 'org_id'],
    ['identifier with a space inside', { org_id: '0101 234567' }, 'org_id'],
    ['identifier with a leading dash', { org_id: '-0101234567' }, 'org_id'],
    ['identifier too long', { org_id: '0'.repeat(41) }, 'org_id'],
    ['name missing', { org_name: undefined }, 'org_name'],
    ['name blank', { org_name: ' \u0007 ' }, 'org_name'],
    ['name too long', { org_name: 'x'.repeat(201) }, 'org_name'],
    ['name not a string', { org_name: ['Công ty'] }, 'org_name'],
    ['role missing', { org_role: undefined }, 'org_role'],
    ['role unknown', { org_role: 'director' }, 'org_role'],
    ['role in other case', { org_role: 'LEGAL_REPRESENTATIVE' }, 'org_role'],
  ])('names no organisation when the %s, and logs which claim', (_what, change, claim) => {
    const payload: Record<string, unknown> = { ...claimsOf(SONG_HONG), ...change };
    for (const [k, v] of Object.entries(payload)) if (v === undefined) delete payload[k];
    const log = recordingLog();
    expect(parseOrganisationClaim(payload, DEFAULT_NAMES, log)).toBeUndefined();
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0].obj).toMatchObject({ malformed: [claim] });
  });

  it('accepts names of up to 200 characters (counted as characters, not UTF-16 units)', () => {
    const name = 'Đ'.repeat(199) + '𝔸';
    expect(parseOrganisationClaim({ ...claimsOf(SONG_HONG), org_name: name }, DEFAULT_NAMES)?.name).toBe(name);
  });

  it('matches organisation e-ID identifiers and tax codes', () => {
    for (const ok of ['0101234567', '0101234567-001', 'TC-0001', 'A1B'])
      expect(ORGANISATION_IDENTIFIER.test(ok)).toBe(true);
    for (const bad of ['', '01', 'ab-123', '0101234567 001', '0101234567/001', '-010'])
      expect(ORGANISATION_IDENTIFIER.test(bad)).toBe(false);
  });

  it('reads the claims under the names the settings give', () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      EID_ORGANISATION_ID_CLAIM: 'tochuc_ma',
      EID_ORGANISATION_NAME_CLAIM: 'tochuc_ten',
      EID_ORGANISATION_ROLE_CLAIM: 'tochuc_vaitro',
    });
    const names = config.eid.organisationClaims;
    expect(names).toEqual({ identifier: 'tochuc_ma', name: 'tochuc_ten', role: 'tochuc_vaitro' });
    expect(
      parseOrganisationClaim(
        { tochuc_ma: SONG_HONG.identifier, tochuc_ten: SONG_HONG.name, tochuc_vaitro: SONG_HONG.role },
        names,
      ),
    ).toEqual(SONG_HONG);
    expect(parseOrganisationClaim(claimsOf(SONG_HONG), names)).toBeUndefined();
  });
});

describe('organisation claim settings', () => {
  it('default to org_id, org_name and org_role', () => {
    expect(loadConfig({ NODE_ENV: 'test' }).eid.organisationClaims).toEqual(DEFAULT_NAMES);
  });

  it.each([
    [{ EID_ORGANISATION_ID_CLAIM: 'org id' }, /invalid EID_ORGANISATION_ID_CLAIM="org id": expected a claim name/],
    [{ EID_ORGANISATION_NAME_CLAIM: '1name' }, /invalid EID_ORGANISATION_NAME_CLAIM="1name": expected a claim name/],
    [{ EID_ORGANISATION_ROLE_CLAIM: 'role/x' }, /invalid EID_ORGANISATION_ROLE_CLAIM="role\/x": expected a claim name/],
    [
      { EID_ORGANISATION_ROLE_CLAIM: 'org_id' },
      /EID_ORGANISATION_ID_CLAIM and EID_ORGANISATION_ROLE_CLAIM name the same claim/,
    ],
    [{ EID_ORGANISATION_ID_CLAIM: 'loa' }, /EID_LEVEL_CLAIM and EID_ORGANISATION_ID_CLAIM name the same claim/],
    [{ EID_ORGANISATION_NAME_CLAIM: 'name' }, /EID_ORGANISATION_NAME_CLAIM=name is a standard claim/],
  ])('refuse to start with %o', (env, message) => {
    expect(() => loadConfig({ NODE_ENV: 'test', ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ NODE_ENV: 'test', ...env })).toThrow(message);
  });
});

describe('Bearer tokens naming an organisation', () => {
  let t: TestPlatform;
  let custom: TestPlatform;
  beforeAll(async () => {
    t = await startTestPlatform();
    custom = await startTestPlatform({
      env: {
        EID_ORGANISATION_ID_CLAIM: 'tochuc_ma',
        EID_ORGANISATION_NAME_CLAIM: 'tochuc_ten',
        EID_ORGANISATION_ROLE_CLAIM: 'tochuc_vaitro',
      },
    });
  });
  afterAll(async () => {
    await Promise.all([t?.stop(), custom?.stop()]);
  });

  it('shows the organisation a level-2 token names as representing in /api/me', async () => {
    const pid = newPid();
    const me = await t.call('GET', '/api/me', {
      token: await t.idp.token({ sub: pid, loa: 2, ...claimsOf(SONG_HONG), org_id: ' 0101234567 ' }),
    });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ pid, level: 2, roles: [], representing: SONG_HONG });
  });

  it('keeps it per token: the same person with a plain token represents nobody', async () => {
    const pid = newPid();
    const other = {
      identifier: '0312345678',
      name: 'Công ty TNHH Thương mại Phú An',
      role: 'authorised_person',
    } as const;
    const asOrg = await t.call('GET', '/api/me', { token: await t.idp.token({ sub: pid, ...claimsOf(other) }) });
    const plain = await t.call('GET', '/api/me', { token: await t.idp.token({ sub: pid }) });
    const again = await t.call('GET', '/api/me', { token: await t.idp.token({ sub: pid, ...claimsOf(SONG_HONG) }) });
    expect(asOrg.json).toMatchObject({ pid, representing: other });
    expect(plain.json).toMatchObject({ pid, representing: null });
    expect(again.json).toMatchObject({ pid, representing: SONG_HONG });
  });

  it('ignores the organisation claims of a level-1 token', async () => {
    const pid = newPid();
    const me = await t.call('GET', '/api/me', {
      token: await t.idp.token({ sub: pid, loa: 1, ...claimsOf(SONG_HONG) }),
    });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ pid, level: 1, representing: null });
  });

  it('still signs in the person whose token carries malformed organisation claims', async () => {
    for (const change of [
      { org_id: 'không hợp lệ' },
      { org_role: 'director' },
      { org_name: '' },
      { org_name: undefined },
    ]) {
      const pid = newPid();
      const me = await t.call('GET', '/api/me', {
        token: await t.idp.token({ sub: pid, name: 'Lê Văn Tám', ...claimsOf(SONG_HONG), ...change }),
      });
      expect(me.status).toBe(200);
      expect(me.json).toMatchObject({ pid, name: 'Lê Văn Tám', level: 2, representing: null });
    }
  });

  it('reads the claims under the names the settings give', async () => {
    const pid = newPid();
    const named = await custom.call('GET', '/api/me', {
      token: await custom.idp.token({
        sub: pid,
        tochuc_ma: SONG_HONG.identifier,
        tochuc_ten: SONG_HONG.name,
        tochuc_vaitro: SONG_HONG.role,
      }),
    });
    expect(named.json).toMatchObject({ pid, representing: SONG_HONG });
    const defaults = await custom.call('GET', '/api/me', {
      token: await custom.idp.token({ sub: pid, ...claimsOf(SONG_HONG) }),
    });
    expect(defaults.json).toMatchObject({ pid, representing: null });
  });

  it('documents representing in the OpenAPI document', async () => {
    const doc = (await t.call('GET', '/api/openapi.json')).json as {
      components: { schemas: { Me: { properties: Record<string, unknown> } } };
    };
    expect(doc.components.schemas.Me.properties).toHaveProperty('representing');
  });
});

describe('sessions keep the ID token’s organisation', () => {
  let idp: TestIdp;
  let database: TestDatabase;
  let identity: Identity;
  beforeAll(async () => {
    idp = await startTestIdp();
    database = await openTestDatabase();
    const log = createLogger({ level: 'silent' });
    const ctx: AppContext = {
      config: loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', ...idp.env() }),
      database,
      db: database.db,
      clock: systemClock,
      log,
      events: new DomainEvents(log),
    };
    identity = await createIdentity(ctx);
  });
  afterAll(async () => {
    await identity?.close();
    await database?.close();
    await idp?.close();
  });

  async function signIn(claims: Record<string, unknown>): Promise<string> {
    const verified = await identity.verifier.verify(await idp.token({ nonce: crypto.randomUUID(), ...claims }));
    if (!verified.ok) throw new Error(verified.reason);
    const created = await identity.sessions.create(verified.token, idp.issuer);
    if (!created.ok) throw new Error(created.message);
    return `auction_session=${created.value.id}`;
  }

  it('stores a level-2 ID token’s organisation and gives it to every read of the session', async () => {
    const pid = newPid();
    const cookieHeader = await signIn({ sub: pid, loa: 2, ...claimsOf(SONG_HONG) });
    const [row] = await database.db
      .select()
      .from(sessions)
      .where(eq(sessions.pid, personKey(pid)));
    expect(row.organisation).toEqual(SONG_HONG);
    for (const recheck of [false, true, true]) {
      const result = await identity.authenticateSocket({ cookieHeader }, { recheck });
      expect(result.ok && result.value.person).toMatchObject({
        idNumber: pid,
        via: 'session',
        representing: SONG_HONG,
      });
    }
  });

  it('stores none for a level-1 ID token or one without the claims', async () => {
    const low = newPid();
    const plain = newPid();
    const lowCookie = await signIn({ sub: low, loa: 1, ...claimsOf(SONG_HONG) });
    const plainCookie = await signIn({ sub: plain, loa: 2 });
    for (const [pid, cookieHeader] of [
      [low, lowCookie],
      [plain, plainCookie],
    ]) {
      const [row] = await database.db
        .select()
        .from(sessions)
        .where(eq(sessions.pid, personKey(pid)));
      expect(row.organisation).toBeNull();
      const result = await identity.authenticateSocket({ cookieHeader });
      expect(result.ok && result.value.person?.idNumber).toBe(pid);
      expect(result.ok && result.value.person?.representing).toBeUndefined();
    }
  });
});

describe('the demo provider’s organisation personas', () => {
  let demo: DemoPlatform;
  beforeAll(async () => {
    demo = await startDemoPlatform();
  });
  afterAll(async () => {
    await demo?.stop();
  });

  const khoa = DEMO_PERSONAS.find((p) => p.pid === '001079000206')!;

  it('has the three organisation personas at level 2', () => {
    expect(
      DEMO_PERSONAS.filter((p) => p.organisation).map((p) => [p.pid, p.name, p.level, p.birthdate, p.organisation]),
    ).toEqual([
      ['001079000206', 'Đỗ Văn Khoa', 2, '1979-04-12', SONG_HONG],
      ['001092000207', 'Trịnh Thị Mai', 2, '1992-08-19', { ...SONG_HONG, role: 'authorised_person' }],
      [
        '079083000208',
        'Bùi Quang Phú',
        2,
        '1983-02-25',
        { identifier: '0312345678', name: 'Công ty TNHH Thương mại Phú An', role: 'legal_representative' },
      ],
    ]);
  });

  it('signs Khoa in through the real OpenID flow as the legal representative of his company', async () => {
    const { browser } = await signInAs(demo.base, khoa.pid);
    const me = await browser.request(`${demo.base}/api/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ pid: khoa.pid, name: 'Đỗ Văn Khoa', level: 2, representing: SONG_HONG });
    const [row] = await demo.database.db
      .select()
      .from(sessions)
      .where(eq(sessions.pid, personKey(khoa.pid)));
    expect(row.organisation).toEqual(SONG_HONG);
  });

  it('signs Mai in as a person the same company authorised, and An as himself', async () => {
    const mai = await signInAs(demo.base, '001092000207');
    expect(await (await mai.browser.request(`${demo.base}/api/me`)).json()).toMatchObject({
      pid: '001092000207',
      representing: { ...SONG_HONG, role: 'authorised_person' },
    });
    const an = await signInAs(demo.base, '001085000201');
    expect(await (await an.browser.request(`${demo.base}/api/me`)).json()).toMatchObject({
      pid: '001085000201',
      representing: null,
    });
  });

  it('lists the organisation and role beside each such persona on the persona page', async () => {
    const page = await new Browser().navigate(`${demo.base}/auth/signin`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    const html = await page.text();
    const item = (pid: string): string => html.split('<li>').find((li) => li.includes(`value="${pid}"`)) ?? '';
    expect(item('001079000206')).toContain('Người đại diện theo pháp luật của Công ty Cổ phần Vận tải Sông Hồng');
    expect(item('001079000206')).toContain('legal representative');
    expect(item('001079000206')).toContain('0101234567');
    expect(item('001092000207')).toContain('Người được ủy quyền');
    expect(item('001092000207')).toContain('authorised person');
    expect(item('079083000208')).toContain('Công ty TNHH Thương mại Phú An');
    expect(item('001085000201')).not.toContain('data-organisation');
  });

  function demoToken(args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'server/identity/demo/token-cli.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'test',
        PORT: new URL(demo.base).port,
        PUBLIC_ORIGIN: demo.base,
        DATA_DIR: demo.dataDir,
      },
    });
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
  }

  it('gives the persona’s organisation claims to npm run demo:token tokens, and --org … to anyone', async () => {
    const persona = demoToken(['--pid', '079083000208']);
    expect(persona.status).toBe(0);
    expect(decodeJwt(persona.stdout)).toMatchObject({
      org_id: '0312345678',
      org_name: 'Công ty TNHH Thương mại Phú An',
      org_role: 'legal_representative',
    });
    const phu = await fetch(`${demo.base}/api/me`, { headers: { authorization: `Bearer ${persona.stdout}` } });
    expect(await phu.json()).toMatchObject({ pid: '079083000208', representing: { identifier: '0312345678' } });

    const pid = '012345678901';
    const given = demoToken([
      '--pid',
      pid,
      '--level',
      '2',
      '--org',
      '0101234567-001',
      '--org-name',
      'Chi nhánh Hà Nội',
      '--org-role',
      'authorised_person',
    ]);
    expect(given.status).toBe(0);
    const me = await fetch(`${demo.base}/api/me`, { headers: { authorization: `Bearer ${given.stdout}` } });
    expect(await me.json()).toMatchObject({
      pid,
      representing: { identifier: '0101234567-001', name: 'Chi nhánh Hà Nội', role: 'authorised_person' },
    });

    const plain = demoToken(['--pid', '001085000201']);
    expect(decodeJwt(plain.stdout)).not.toHaveProperty('org_id');
  });

  it('refuses incomplete or malformed --org arguments with a message', () => {
    const partial = demoToken(['--pid', '012345678901', '--level', '2', '--org', '0101234567']);
    expect(partial.status).toBe(2);
    expect(partial.stderr).toMatch(/--org, --org-name and --org-role go together/);
    const bad = demoToken([
      '--pid',
      '012345678901',
      '--level',
      '2',
      '--org',
      '0101234567',
      '--org-name',
      'X',
      '--org-role',
      'director',
    ]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/--org-role legal_representative or authorised_person/);
  });
});
