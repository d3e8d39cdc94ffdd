// The API reference page (/api/docs) in Chromium, at desktop and phone width, light and dark: it loads
// with every request to another host blocked and recorded (the page's CSP switched off, so that an
// attempt reaches the network layer instead of being stopped by the policy), and none is attempted; no
// AI, deploy or share controls; a language set; axe finds nothing; every operation and model of the
// OpenAPI document is on it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { axeViolations, chromiumAvailable, newSession, screenshots, startE2E, type E2E } from './browser.ts';

const run = chromiumAvailable();
let e2e: E2E;

describe.runIf(run)('the API reference page in Chromium', () => {
  beforeAll(async () => {
    e2e = await startE2E({ DEMO_DATA: 'false' });
  }, 180_000);
  afterAll(async () => {
    await e2e?.stop();
  });

  it.each([
    ['desktop', { width: 1280, height: 900 }],
    ['phone', { width: 390, height: 844 }],
  ] as const)(
    'at %s width: nothing from other hosts, no AI/deploy/share, lang set, axe clean in light and dark',
    async (width, viewport) => {
      const session = await newSession(e2e, { viewport, bypassCSP: true });
      const { page, context } = session;
      const outside: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (new URL(url).origin === e2e.base) return route.continue();
        outside.push(url);
        return route.abort('blockedbyclient');
      });

      const response = await page.goto(`${e2e.base}/api/docs`);
      expect(response?.status()).toBe(200);
      await page.waitForLoadState('networkidle');
      expect(outside).toEqual([]);
      expect(session.problems).toEqual([]);

      expect(await page.getAttribute('html', 'lang')).toBe('en');
      for (const name of [/ask ai/i, /deploy/i, /share/i, /agent/i]) {
        expect(await page.getByRole('button', { name }).count()).toBe(0);
        expect(await page.getByRole('link', { name }).count()).toBe(0);
      }

      // Every operation and every model of the OpenAPI document is on the page.
      const doc = (await (await fetch(`${e2e.base}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, unknown>>;
        components: { schemas: Record<string, unknown> };
      };
      const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
      );
      const headings = (await page.locator('main article h3').allTextContents()).map((t) =>
        t.replace(/\s+/g, ' ').trim(),
      );
      expect(headings.sort()).toEqual(operations.sort());
      expect((await page.locator('#models h3').allTextContents()).sort()).toEqual(
        Object.keys(doc.components.schemas).sort(),
      );
      // Every in-page link leads somewhere.
      const targets = await page
        .locator('a[href^="#"]')
        .evaluateAll((links) =>
          links.map((a) => a.getAttribute('href')!.slice(1)).filter((id) => !document.getElementById(id)),
        );
      expect(targets).toEqual([]);

      // Nothing wider than the screen on a phone.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      // The first Tab reaches the skip link.
      await page.keyboard.press('Tab');
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to the reference');

      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(await axeViolations(page), `${width}, ${colorScheme}`).toEqual([]);
      }
      await page.emulateMedia({ colorScheme: 'light' });
      if (width === 'desktop') await screenshots(session, 'api-docs', { fullPage: false });
      expect(outside).toEqual([]);
      await context.close();
    },
    120_000,
  );

  it('is served with a CSP that allows no script and no other host, and the browser reports no violation', async () => {
    const session = await newSession(e2e);
    const response = await session.page.goto(`${e2e.base}/api/docs`);
    const policy = response?.headers()['content-security-policy'] ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toMatch(/script-src|https?:|\*/);
    await session.page.waitForLoadState('networkidle');
    expect(session.problems).toEqual([]);
    await session.context.close();
  }, 60_000);
});
