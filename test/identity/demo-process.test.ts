// `npm start` with no configuration: the platform process runs the built-in demo e-ID provider, a
// person signs in through its persona page, `npm run demo:token` (a separate process) prints tokens
// the platform accepts, and the provider's key survives a restart.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, freePort, startServerProcess, type ServerProcess } from '../support/server-process.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { Browser, signInAs } from './support.ts';

let server: ServerProcess;
let port: number;
let env: Record<string, string>;
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'identity-proc-'));
let dropDb = async (): Promise<void> => {};

function demoToken(
  args: string[],
  extraEnv: Record<string, string> = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'server/identity/demo/token-cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '', PORT: String(port), DATA_DIR: dataDir, ...extraEnv },
  });
  return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr };
}

beforeAll(async () => {
  port = await freePort();
  env = { DATA_DIR: dataDir };
  if (onPostgres()) {
    const pg = await createPostgresDatabase();
    // A DATABASE_URL is a sign of a deployment, which turns the demo off unless asked for by name.
    env.DATABASE_URL = pg.url;
    env.DEMO = 'true';
    dropDb = pg.drop;
  }
  server = await startServerProcess(env, { port });
}, 90_000);
afterAll(async () => {
  await server?.stop('SIGKILL');
  await dropDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('the zero-configuration demo identity provider', () => {
  it('says at start that the demo runs', () => {
    expect(server.output()).toMatch(
      /Mode: demo \(NODE_ENV=test; (zero-config start on this machine|DEMO=true although DATABASE_URL is set)\): built-in demo e-ID provider/,
    );
  });

  it('is a real OpenID provider at /demo-idp publishing only a public ES256 key', async () => {
    const doc = await (await fetch(`${server.base}/demo-idp/.well-known/openid-configuration`)).json();
    expect(doc.issuer).toBe(`http://localhost:${port}/demo-idp`);
    expect(doc.id_token_signing_alg_values_supported).toContain('ES256');
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = await (await fetch(`${server.base}/demo-idp/jwks`)).json();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('lists the demo personas in Vietnamese and signs a level-1 citizen in', async () => {
    const browser = new Browser();
    const page = await browser.navigate(`${server.base}/auth/signin`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('Đăng nhập bằng định danh điện tử');
    for (const pid of [
      '079301000101',
      '001085000201',
      '079190000202',
      '048088000203',
      '031195000204',
      '001180000301',
      '001075000401',
      '001082000501',
    ])
      expect(html).toContain(pid);
    const { browser: signedIn } = await signInAs(server.base, '079301000101', browser);
    const me = await (await signedIn.request(`${server.base}/api/me`)).json();
    expect(me).toMatchObject({ pid: '079301000101', name: 'Trần Thị Bình', level: 1, roles: [] });
  });

  it('prints Bearer tokens with npm run demo:token that the running platform accepts, with persona roles', async () => {
    const bidder = demoToken(['--pid', '001085000201', '--level', '2']);
    expect(bidder.status).toBe(0);
    const me = await (
      await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${bidder.stdout}` } })
    ).json();
    expect(me).toMatchObject({ pid: '001085000201', name: 'Nguyễn Văn An', level: 2, roles: [] });
    // Staff personas hold their roles from the start (manager and regulator: signin.test.ts).
    const admin = demoToken(['--pid', '001082000501', '--level', '2']);
    expect(
      (await (await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${admin.stdout}` } })).json())
        .roles,
    ).toEqual(['admin']);
    // The demo's second auction organisation (issue 19): its manager persona manages it, not the default one.
    const thu = demoToken(['--pid', '079185000302', '--level', '2']).stdout;
    const thuMe = await (await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${thu}` } })).json();
    expect(thuMe.roles).toEqual(['manager']);
    expect(thuMe.organisations).toHaveLength(1);
    const houses = await (
      await fetch(`${server.base}/api/organisations`, { headers: { authorization: `Bearer ${admin.stdout}` } })
    ).json();
    const saigon = houses.items.find((o: { taxCode: string }) => o.taxCode === '0309876543');
    expect(saigon).toMatchObject({ name: 'Công ty Đấu giá Hợp danh Sài Gòn', province: 'ho-chi-minh' });
    expect(thuMe.organisations.map((o: { id: number } | number) => (typeof o === 'number' ? o : o.id))).toEqual([
      saigon.id,
    ]);
    const stranger = demoToken(['--pid', '012345678901', '--level', '1', '--name', 'Khách Thử']);
    expect(
      await (await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${stranger.stdout}` } })).json(),
    ).toMatchObject({ pid: '012345678901', name: 'Khách Thử', level: 1 });
  });

  it('refuses bad demo:token arguments and non-demo configurations with a message', () => {
    for (const [args, extra] of [
      [['--pid', '123', '--level', '2'], {}],
      [['--pid', '001085000201', '--level', '2'], { EID_ISSUER: 'https://eid.example.vn', EID_AUDIENCE: 'x' }],
    ] as const) {
      const r = demoToken([...args], extra);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr).toMatch(/usage: npm run demo:token/);
    }
  });

  it('keeps the demo signing key across a restart, so earlier tokens stay valid', async () => {
    const token = demoToken(['--pid', '048088000203', '--level', '2']).stdout;
    const stopped = await server.stop('SIGTERM');
    expect(stopped.code).toBe(0);
    server = await startServerProcess(env, { port });
    const res = await fetch(`${server.base}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    expect((await res.json()).name).toBe('Phạm Minh Đức');
  }, 90_000);
});
