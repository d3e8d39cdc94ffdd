// Pages degrade, they do not hang (issue 12, item 5). The real platform runs as a server process on
// PostgreSQL through a fault-injection TCP proxy; the test cuts and stalls the database there (never
// the machine's shared PostgreSQL) and checks, over plain HTTP and in Chromium:
// - `/`, `/lots/:id` and a signed-in page answer within a few seconds with 503, Retry-After and the
//   "temporarily unavailable, your bids are safe" page (Vietnamese, or English by the `lang` cookie),
//   never a 500, a hang or a trip to the sign-in page; and normally again after the restore;
// - the degraded page reloads itself into the real page once the database is back;
// - the live lot page shows the outage, tells a bidder whether their bid was placed, heals by itself,
//   and its retry reuses the bid's Idempotency-Key, so the bid is in the ledger exactly once.
// Needs PostgreSQL (TEST_DATABASE_URL): embedded PGlite has no connection to cut. Skipped with the
// reason printed without it; under CI the CI job provides it.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { chromium, type Page, type Response } from 'playwright-core';
import { createPostgresDatabase, onPostgres } from '../support/db.ts';
import { startServerProcess } from '../support/server-process.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import {
  CHROMIUM,
  CHROMIUM_ARGS,
  chromiumAvailable,
  iso,
  newSession,
  PERSONA,
  screenshots,
  type E2E,
  type Session,
} from './browser.ts';

const missing = onPostgres()
  ? undefined
  : 'the database is cut through a TCP proxy, which needs PostgreSQL (set TEST_DATABASE_URL); embedded PGlite has no connection to cut';
if (missing) console.log(`Skipping the degraded-pages tests: ${missing}`);
const browserToo = !missing && chromiumAvailable();

/** "Your bids are safe", as each language of the degraded page says it. */
const SAFE = {
  vi: 'Lượt trả giá của bạn vẫn an toàn: mọi lượt trả giá đã được chấp nhận đều đã được lưu giữ.',
  en: 'Your bids are safe: every accepted bid is stored.',
};
const TITLE = { vi: 'Hệ thống tạm thời gián đoạn', en: 'Temporarily unavailable' };
/** The longest a page may take to answer while the database is cut or stalled. */
const DEGRADED_WITHIN_MS = 5_000;
/** How long the pages may take to come back after the database does: as long as the API takes (its own fault tests hold it to the 5 s of issue 12), generously. */
const RECOVERY_WITHIN_MS = 30_000;

describe.skipIf(Boolean(missing))('pages while the database is down', () => {
  let e2e: E2E;
  let proxy: TcpProxy;
  let drop = async (): Promise<void> => {};
  let manager: Session;
  let bidder: Session;
  let lotId: number;
  const lotTitle = 'Biển số 51K-246.80';

  beforeAll(async () => {
    const pg = await createPostgresDatabase();
    drop = pg.drop;
    const url = new URL(pg.url);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    url.host = proxy.host;
    const server = await startServerProcess(
      { DATABASE_URL: url.toString(), DEMO: 'true', DEMO_DATA: 'true', AUCTION_MIN_BIDDERS: '1', LOG_LEVEL: 'warn' },
      { timeoutMs: 120_000 },
    );
    const browser = browserToo
      ? await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
      : (undefined as never);
    e2e = {
      server,
      browser,
      base: server.base,
      async stop() {
        await browser?.close().catch(() => {});
        await server.stop('SIGTERM');
      },
    };
    if (!browserToo) return;
    manager = await newSession(e2e, { pid: PERSONA.manager });
    bidder = await newSession(e2e, { pid: PERSONA.duc });
    const startIn = 6_000;
    const created = await manager.api<{ id: number }>('POST', '/api/lots', {
      title: lotTitle,
      description: 'Lô kiểm thử: trang khi cơ sở dữ liệu gián đoạn.',
      category: 'licence-plate',
      startingPrice: 40_000_000,
      priceStep: 5_000_000,
      deposit: 8_000_000,
      registrationOpensAt: iso(-60_000),
      registrationClosesAt: iso(startIn),
      startsAt: iso(startIn),
      endsAt: iso(30 * 60_000),
    });
    expect(created.status).toBe(201);
    lotId = created.json.id;
    expect((await manager.api('POST', `/api/lots/${lotId}/publish`)).status).toBe(200);
    const reg = await bidder.api<{ id: number }>('POST', `/api/lots/${lotId}/registrations`, { acceptRules: true });
    expect(reg.status).toBe(201);
    expect((await manager.api('POST', `/api/lots/${lotId}/registrations/${reg.json.id}/approve`)).status).toBe(200);
    const lot = await bidder.api<{ startsAt: string }>('GET', `/api/lots/${lotId}`);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(lot.json.startsAt) - Date.now() + 300)));
  }, 180_000);

  afterAll(async () => {
    proxy?.restore();
    await e2e?.stop();
    await proxy?.close();
    await drop();
  });

  /** A lot to look at: the one made for the browser tests, or a demo lot. */
  async function someLot(): Promise<number> {
    if (lotId) return lotId;
    const lots = (await (await fetch(`${e2e.base}/api/lots`)).json()) as { items: { id: number }[] };
    lotId = lots.items[0].id;
    return lotId;
  }

  async function get(
    path: string,
    headers: Record<string, string> = {},
  ): Promise<{ status: number; ms: number; body: string; headers: Headers }> {
    const started = Date.now();
    const res = await fetch(e2e.base + path, { headers, redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    const body = await res.text();
    return { status: res.status, ms: Date.now() - started, body, headers: res.headers };
  }

  function expectDegraded(answer: Awaited<ReturnType<typeof get>>, lang: 'vi' | 'en'): void {
    expect(answer.status).toBe(503);
    expect(answer.ms).toBeLessThan(DEGRADED_WITHIN_MS);
    expect(Number(answer.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(answer.headers.get('cache-control')).toContain('no-store');
    expect(answer.body).toContain(TITLE[lang]);
    expect(answer.body).toContain(SAFE[lang]);
    expect(answer.body).toMatch(/<meta http-equiv="refresh" content="\d+"/);
  }

  /** Polls until every path answers 200; returns how long that took (and when the API's readiness did). */
  async function recovered(paths: string[]): Promise<{ ms: number; healthMs: number }> {
    const started = Date.now();
    let healthMs = -1;
    for (;;) {
      const [health, ...answers] = await Promise.all(['/api/health', ...paths].map((p) => get(p)));
      if (healthMs < 0 && health.status === 200) healthMs = Date.now() - started;
      if (answers.every((a) => a.status === 200)) return { ms: Date.now() - started, healthMs };
      for (const a of answers) expect([200, 503]).toContain(a.status);
      if (Date.now() - started > RECOVERY_WITHIN_MS)
        throw new Error(
          `pages still ${answers.map((a) => a.status).join(', ')} ${RECOVERY_WITHIN_MS} ms after the restore`,
        );
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  it('serves the pages normally while the database answers', async () => {
    const id = await someLot();
    for (const path of ['/', `/lots/${id}`]) expect((await get(path)).status).toBe(200);
  });

  it('answers 503 quickly with "your bids are safe" while the database is cut, and normally after', async () => {
    const id = await someLot();
    const cookie = browserToo ? (await bidder.context.cookies()).map((c) => `${c.name}=${c.value}`).join('; ') : '';
    proxy.cut();
    try {
      for (const path of ['/', `/lots/${id}`]) {
        expectDegraded(await get(path), 'vi');
        expectDegraded(await get(path, { cookie: 'lang=en' }), 'en');
      }
      if (cookie) {
        // Signed in: still the degraded page, not the sign-in page (the person cannot be looked up).
        expectDegraded(await get('/me', { cookie }), 'vi');
        expectDegraded(await get(`/lots/${id}`, { cookie }), 'vi');
      }
    } finally {
      proxy.restore();
    }
    const { ms, healthMs } = await recovered(['/', `/lots/${id}`]);
    console.log(
      `after the cut database came back: pages normal within ${ms} ms, /api/health 200 within ${healthMs} ms`,
    );
  }, 60_000);

  it('answers 503 within the page timeout while the database stalls, and normally after', async () => {
    const id = await someLot();
    proxy.stall();
    try {
      const answers = await Promise.all(['/', `/lots/${id}`].map((p) => get(p)));
      for (const a of answers) expectDegraded(a, 'vi');
    } finally {
      proxy.restore();
    }
    const { ms, healthMs } = await recovered(['/', `/lots/${id}`]);
    console.log(
      `after the stalled database came back: pages normal within ${ms} ms, /api/health 200 within ${healthMs} ms`,
    );
  }, 60_000);

  describe.runIf(browserToo)('in Chromium', () => {
    // Each test starts with the database back and the platform serving pages normally again.
    beforeEach(async () => {
      proxy.restore();
      await recovered(['/', `/lots/${lotId}`]);
    }, 30_000);

    /** page.goto, again if the degraded page's own reload (its meta refresh) cut the navigation short. */
    async function goto(page: Page, url: string): Promise<Response | null> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await page.goto(url);
        } catch (err) {
          if (attempt >= 2 || !/ERR_ABORTED|interrupted by another navigation/.test(String(err))) throw err;
        }
      }
    }

    it('shows the degraded page, which reloads itself into the lot page once the database is back', async () => {
      const visitor = await newSession(e2e);
      const { page } = visitor;
      proxy.cut();
      try {
        const res = await goto(page, `${e2e.base}/lots/${lotId}`);
        expect(res?.status()).toBe(503);
        await page.getByTestId('unavailable').waitFor();
        expect(await page.locator('h1').textContent()).toBe(TITLE.vi);
        expect(await page.getByTestId('unavailable').textContent()).toContain(SAFE.vi);
        await screenshots(visitor, 'degraded-lot');
        await goto(page, `${e2e.base}/lang?to=en&next=/`);
        await page.getByTestId('unavailable').waitFor();
        expect(await page.getByTestId('unavailable').textContent()).toContain(SAFE.en);
        await screenshots(visitor, 'degraded-catalogue-english');
        await goto(page, `${e2e.base}/lots/${lotId}`);
        await page.getByTestId('unavailable').waitFor();
      } finally {
        proxy.restore();
      }
      // No click: the page reloads itself after Retry-After and becomes the lot page.
      await page.locator('h1', { hasText: lotTitle }).waitFor({ timeout: 30_000 });
      expect(visitor.problems).toEqual([]);
      await visitor.context.close();
    }, 90_000);

    it('shows the outage on the live lot page, says the bid was not placed or may have been, heals, and a retry places it exactly once', async () => {
      const { page } = bidder;
      const keys: string[] = [];
      page.on('request', (req) => {
        if (req.method() === 'POST' && req.url().endsWith(`/api/lots/${lotId}/bids`))
          keys.push(req.headers()['idempotency-key'] ?? '');
      });
      const answers: string[] = [];
      page.on('requestfailed', (req) => {
        if (req.method() === 'POST' && req.url().endsWith(`/api/lots/${lotId}/bids`))
          answers.push(`no answer: ${req.failure()?.errorText}`);
      });
      page.on('response', (res) => {
        if (res.request().method() === 'POST' && res.url().endsWith(`/api/lots/${lotId}/bids`))
          void res.text().then(
            (t) => answers.push(`${res.status()} ${t}`),
            () => answers.push(`${res.status()}`),
          );
      });
      await page.goto(`${e2e.base}/lots/${lotId}`);
      await page.locator('html[data-ready]').waitFor();
      await expect.poll(() => page.locator('.live-dot.on').count(), { timeout: 15_000 }).toBe(1);
      await page.locator('button.btn-bid').waitFor();
      // The box shows the amount grouped ("45.000.000").
      const amount = Number((await page.locator('#bid-amount').inputValue()).replaceAll('.', ''));
      proxy.cut();
      try {
        const started = Date.now();
        await page.locator('button.btn-bid').click();
        await expect
          .poll(() => page.getByTestId('bid-feedback').textContent(), { timeout: 15_000 })
          .toMatch(/CHƯA được ghi nhận|chưa biết lượt này đã được ghi nhận hay chưa/);
        await expect.poll(() => answers.length).toBeGreaterThan(0);
        console.log(
          `a bid during the outage was answered on the page in ${Date.now() - started} ms (the API said: ${answers.join('; ')}): ${await page.getByTestId('bid-feedback').textContent()}`,
        );
        await page.getByTestId('connection-unavailable').waitFor();
        await page.getByTestId('bid-retry').waitFor();
        await screenshots(bidder, 'lot-service-unavailable');
      } finally {
        proxy.restore();
      }
      // The room heals by itself: watch + sync succeed again.
      await page.getByTestId('connection-recovered').waitFor({ timeout: 30_000 });
      await page.getByTestId('bid-retry').click();
      await expect
        .poll(() => page.getByTestId('bid-feedback').textContent(), { timeout: 15_000 })
        .toContain('Đã chấp nhận');
      expect(await page.getByTestId('bid-retry').count()).toBe(0);
      expect(keys.length).toBe(2);
      expect(keys[1]).toBe(keys[0]);
      const ledger = await bidder.api<{ items: { amount: number; kind?: string }[] }>('GET', `/api/lots/${lotId}/bids`);
      expect(ledger.json.items.filter((e) => e.amount === amount)).toHaveLength(1);
      expect(bidder.problems).toEqual([]);
    }, 120_000);
  });
});
