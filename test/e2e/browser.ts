// End-to-end support: the real platform as a server process (demo e-ID provider and demo data on),
// Debian's Chromium through playwright-core (never a downloaded browser), sign-in through the demo
// provider's persona page, API calls made with a signed-in browser context's own session, axe-core
// injected into pages, and screenshots under test-results/screenshots.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startServerProcess, ROOT, type ServerProcess } from '../support/server-process.ts';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
export const SCREENSHOTS = path.join(ROOT, 'test-results', 'screenshots');

/** The demo e-ID provider's personas used by the tests. */
export const PERSONA = {
  level1: '079301000101',
  an: '001085000201',
  cuc: '079190000202',
  duc: '048088000203',
  manager: '001180000301',
  regulator: '001075000401',
  admin: '001082000501',
} as const;

/** Whether this machine can run the browser tests; under CI a missing browser is a failure. */
export function chromiumAvailable(): boolean {
  if (fs.existsSync(CHROMIUM)) return true;
  if (process.env.CI === 'true')
    throw new Error(`${CHROMIUM} is missing (CI installs it with apt-get install chromium)`);
  console.log(`skipping browser tests: ${CHROMIUM} is not installed (apt-get install chromium)`);
  return false;
}

export interface E2E {
  server: ServerProcess;
  browser: Browser;
  base: string;
  stop(): Promise<void>;
}

export async function startE2E(env: Record<string, string> = {}): Promise<E2E> {
  const extra: Record<string, string> = { DEMO_DATA: 'true', AUCTION_MIN_BIDDERS: '1', LOG_LEVEL: 'warn', ...env };
  let drop = async (): Promise<void> => {};
  if (onPostgres()) {
    const pg = await createPostgresDatabase();
    // A DATABASE_URL turns the demo off unless asked for by name.
    extra.DATABASE_URL = pg.url;
    extra.DEMO = 'true';
    drop = pg.drop;
  }
  const server = await startServerProcess(extra, { timeoutMs: 120_000 });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  return {
    server,
    browser,
    base: server.base,
    async stop() {
      await browser.close().catch(() => {});
      await server.stop('SIGTERM');
      await drop();
    },
  };
}

export interface Session {
  context: BrowserContext;
  page: Page;
  /** Content-Security-Policy violations and page errors seen so far. */
  problems: string[];
  csrf: string;
  /** JSON API call with this browser's session cookie and CSRF token. */
  api<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<{ status: number; json: T }>;
}

export interface SessionOptions {
  viewport?: { width: number; height: number };
  pid?: string;
  colorScheme?: 'light' | 'dark';
  /** Ignore the pages' CSP, so that every request a page attempts reaches the network (and context.route). */
  bypassCSP?: boolean;
  /** The browser's own language and time zone (default vi-VN in Asia/Ho_Chi_Minh), to prove pages do not depend on them. */
  locale?: string;
  timezoneId?: string;
}

export async function newSession(e2e: E2E, options: SessionOptions = {}): Promise<Session> {
  const context = await e2e.browser.newContext({
    viewport: options.viewport ?? { width: 1280, height: 900 },
    locale: options.locale ?? 'vi-VN',
    timezoneId: options.timezoneId ?? 'Asia/Ho_Chi_Minh',
    acceptDownloads: true,
    colorScheme: options.colorScheme,
    bypassCSP: options.bypassCSP,
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  const session: Session = {
    context,
    page,
    problems,
    csrf: '',
    async api(method, p, body, headers = {}) {
      const res = await context.request.fetch(e2e.base + p, {
        method,
        headers: {
          'x-csrf-token': session.csrf,
          ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        data: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = text;
      }
      return { status: res.status(), json: json as never };
    },
  };
  if (options.pid) await signIn(e2e, session, options.pid);
  return session;
}

/** Signs in through the sign-in page and the demo provider's persona page, as a person would. */
export async function signIn(e2e: E2E, session: Session, pid: string, next = '/'): Promise<void> {
  const { page } = session;
  await page.goto(`${e2e.base}/signin?next=${encodeURIComponent(next)}`);
  await page.getByRole('link', { name: /Đăng nhập bằng định danh điện tử|Sign in with e-ID/ }).click();
  await page.waitForURL(/\/demo-idp\//);
  await page.locator(`button[data-pid="${pid}"]`).click();
  await page.waitForURL((url) => url.pathname === next);
  const me = await session.api<{ pid: string; csrfToken?: string }>('GET', '/api/me');
  if (me.status !== 200 || me.json.pid !== pid) throw new Error(`sign-in as ${pid} failed: ${me.status}`);
  session.csrf = me.json.csrfToken ?? '';
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** Runs axe-core in the page (evaluated through the DevTools protocol, so the page's CSP stays on). */
export async function axeViolations(
  page: Page,
): Promise<{ id: string; impact: string | null; help: string; nodes: string[] }[]> {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => {
    const axe = (
      globalThis as unknown as {
        axe: {
          run: (
            ctx: Document,
            opts: object,
          ) => Promise<{
            violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
          }>;
        };
      }
    ).axe;
    const r = await axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.join(' ')),
    }));
  });
  return result.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/**
 * Saves a full-page screenshot at desktop width and at phone width (or of the viewport only, for a
 * page as long as the API reference, whose full-page capture takes Chromium tens of seconds).
 */
export async function screenshots(session: Session, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  const fullPage = options.fullPage ?? true;
  fs.mkdirSync(SCREENSHOTS, { recursive: true });
  const { page } = session;
  const original = page.viewportSize() ?? { width: 1280, height: 900 };
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-desktop.png`), fullPage });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(150);
  await page.screenshot({ path: path.join(SCREENSHOTS, `${name}-phone.png`), fullPage });
  await page.setViewportSize(original);
}

export const iso = (msFromNow: number): string => new Date(Date.now() + msFromNow).toISOString();
