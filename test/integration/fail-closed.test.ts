// Fail closed (issue 13, item 8): a process that shows any sign of a deployment and names no e-ID
// provider refuses to start with a clear message instead of serving the demo provider (where anyone
// may sign in as the admin persona); production refuses plain-http URLs; an https deployment sends
// HSTS on pages too, and pages may connect only to their own origin.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../support/eid.ts';
import { ROOT, startServerProcess, type ServerProcess } from '../support/server-process.ts';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fail-closed-'));

/** Starts server/main.ts as an operator would (NODE_ENV unset) and returns how it ended, if it did at once. */
function start(env: Record<string, string>): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [path.join(ROOT, 'server', 'main.ts')], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 20_000,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: '0', ...env },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('a deployment without an e-ID provider', () => {
  it('does not start the demo provider when DATABASE_URL is set, and says why and what to do', () => {
    const r = start({ DATABASE_URL: 'postgres://127.0.0.1:1/nowhere' });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /Configuration error: No e-ID provider: set EID_ISSUER and EID_AUDIENCE\. This looks like a deployment \(DATABASE_URL is set\).*set DEMO=true/,
    );
    expect(r.output).not.toMatch(/listening/);
  });

  it('does not start the demo provider behind a public origin', () => {
    const r = start({ PUBLIC_ORIGIN: 'https://auction.example.vn' });
    expect(r.status).toBe(1);
    expect(r.output).toMatch(
      /No e-ID provider.*PUBLIC_ORIGIN https:\/\/auction\.example\.vn is not a loopback address/,
    );
  });

  it('refuses plain-http provider URLs in production', () => {
    const r = start({
      NODE_ENV: 'production',
      PUBLIC_ORIGIN: 'https://auction.example.vn',
      EID_ISSUER: 'http://eid.example.vn',
      EID_AUDIENCE: 'a',
    });
    expect(r.status).toBe(1);
    expect(r.output).toContain('EID_ISSUER must be an https:// URL in production (got http://eid.example.vn)');
  });
});

describe('pages of an https deployment', () => {
  let idp: TestIdp;
  let server: ServerProcess;
  beforeAll(async () => {
    idp = await startTestIdp();
    server = await startServerProcess(
      { PUBLIC_ORIGIN: 'https://auction.example.vn', ...idp.env() },
      { timeoutMs: 120_000 },
    );
  }, 150_000);
  afterAll(async () => {
    await server?.stop('SIGKILL');
    await idp?.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('sends HSTS on pages, not only on the API', async () => {
    const page = await fetch(`${server.base}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('strict-transport-security')).toBe('max-age=31536000; includeSubDomains');
    expect((await fetch(`${server.base}/api/health`)).headers.get('strict-transport-security')).toBe(
      'max-age=31536000; includeSubDomains',
    );
    expect(server.output()).toMatch(
      /Mode: test \(e-ID provider http:\/\/127\.0\.0\.1:\d+; demo identity provider off; no demo data\)/,
    );
  });

  it('lets pages connect only to their own origin', async () => {
    const csp = (await fetch(`${server.base}/`)).headers.get('content-security-policy') ?? '';
    const connect = /connect-src ([^;]+)/.exec(csp)?.[1]?.trim();
    expect(connect).toBe("'self'");
  });
});
