// Test support for identity: a platform in demo mode (the built-in provider under /demo-idp) on a
// known loopback port, and a cookie-keeping client that walks redirects like a browser, so sign-in
// runs through the real demo provider over real HTTP.
import { GENEROUS_BOUNDS } from '../support/bounds.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../server/config.ts';
import { createPlatform, type Platform } from '../../server/platform.ts';
import { createLogger } from '../../server/shared/log.ts';
import type { Clock } from '../../server/shared/clock.ts';
import { openTestDatabase, type TestDatabase } from '../support/db.ts';
import { freePort } from '../support/server-process.ts';

export interface DemoPlatform {
  platform: Platform;
  database: TestDatabase;
  base: string;
  dataDir: string;
  stop(): Promise<void>;
}

export async function startDemoPlatform(
  options: { env?: Record<string, string>; clock?: Clock; dataDir?: string } = {},
): Promise<DemoPlatform> {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'identity-demo-'));
  const database = await openTestDatabase();
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: String(port),
    PUBLIC_ORIGIN: base,
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    DEMO_DATA: 'false',
    AUCTION_MIN_BIDDING_MINUTES: '0',
    ...GENEROUS_BOUNDS,
    ...options.env,
  });
  const platform = await createPlatform(config, {
    database,
    clock: options.clock,
    pages: false,
    log: createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
  });
  await platform.listen(port, '127.0.0.1');
  return {
    platform,
    database,
    base,
    dataDir,
    async stop() {
      await platform.stop();
      await database.close();
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

let browsers = 0;

/** A minimal browser: keeps cookies (by name; the tests use one host) and follows redirects. */
export class Browser {
  readonly cookies = new Map<string, string>();
  /** Every URL visited, in order, for assertions about the redirect chain. */
  readonly visited: string[] = [];
  /** This browser's address as a trusting proxy would report it (used when TRUST_PROXY is on). */
  readonly ip = `203.0.${113 + Math.floor(++browsers / 250)}.${(browsers % 250) + 1}`;

  cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  private keep(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      const expired = attrs.some(
        (a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]) < Date.now()),
      );
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }

  /** One request, no redirect following. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    this.visited.push(url);
    const headers = new Headers(init.headers);
    if (this.cookies.size) headers.set('cookie', this.cookieHeader());
    if (!headers.has('x-forwarded-for')) headers.set('x-forwarded-for', this.ip);
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.keep(res);
    return res;
  }

  /** Follows redirects (GET after 302/303) until a non-redirect answer. */
  async navigate(url: string, init: RequestInit = {}): Promise<Response> {
    let res = await this.request(url, init);
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 15; hops++) {
      const next = new URL(res.headers.get('location')!, url).href;
      await res.arrayBuffer();
      url = next;
      res = await this.request(url, { headers: { accept: 'text/html' } });
    }
    return res;
  }
}

/** Signs in through the demo provider as a persona: start, pick on the persona page, callback. */
export async function signInAs(
  base: string,
  pid: string,
  browser = new Browser(),
): Promise<{ browser: Browser; final: Response }> {
  const page = await browser.navigate(`${base}/auth/signin`, { headers: { accept: 'text/html' } });
  const html = await page.text();
  if (page.status !== 200) throw new Error(`persona page answered ${page.status}: ${html.slice(0, 300)}`);
  const action = /action="([^"]+\/login)"/.exec(html)?.[1];
  if (!action) throw new Error('no persona form on the page');
  const final = await browser.navigate(new URL(action, page.url || base).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
    body: new URLSearchParams({ pid }).toString(),
  });
  return { browser, final };
}
