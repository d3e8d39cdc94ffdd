import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { createPlatform } from '../../server/platform.ts';
import { createLogger } from '../../server/shared/log.ts';
import { startDemoPlatform, Browser, signInAs, type DemoPlatform } from './support.ts';

let demo: DemoPlatform;
beforeAll(async () => {
  demo = await startDemoPlatform();
});
afterAll(async () => {
  await demo?.stop();
});

describe('browser sign-in through the built-in demo provider', () => {
  it('shows the persona page and signs a level-2 citizen in with a session cookie', async () => {
    const { browser } = await signInAs(demo.base, '001085000201');
    expect(browser.visited.some((u) => u.startsWith(`${demo.base}/auth/callback?`))).toBe(true);
    expect(browser.visited.at(-1)).toBe(`${demo.base}/`);
    expect([...browser.cookies.keys()]).toContain('auction_session');
    const me = await browser.request(`${demo.base}/api/me`);
    expect(me.status).toBe(200);
    const body = await me.json();
    expect(body).toMatchObject({ pid: '001085000201', name: 'Nguyễn Văn An', level: 2, roles: [] });
    expect(body.csrfToken).toMatch(/^[\w-]{43}$/);
  });

  it('signs the regulator persona in with the regulator role granted at start', async () => {
    const { browser } = await signInAs(demo.base, '001075000401');
    expect(await (await browser.request(`${demo.base}/api/me`)).json()).toMatchObject({
      name: 'Bùi Văn Minh',
      level: 2,
      roles: ['regulator'],
    });
  });

  it('finishes a sign-in begun before a restart (the provider keeps its state in the database)', async () => {
    const browser = new Browser();
    const page = await browser.navigate(`${demo.base}/auth/signin`);
    const action = /action="([^"]+\/login)"/.exec(await page.text())![1];
    const port = Number(new URL(demo.base).port);
    await demo.platform.stop();
    // Lets the client notice its kept-alive connections to the old server were closed.
    await new Promise((r) => setTimeout(r, 200));
    const again = await createPlatform(
      loadConfig({
        NODE_ENV: 'test',
        PORT: String(port),
        PUBLIC_ORIGIN: demo.base,
        DATA_DIR: demo.dataDir,
        LOG_LEVEL: 'silent',
        DEMO_DATA: 'false',
      }),
      { database: demo.database, pages: false, log: createLogger({ level: 'silent' }) },
    );
    await again.listen(port, '127.0.0.1');
    demo.platform = again;
    await browser.navigate(new URL(action, demo.base).href, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'pid=001180000301',
    });
    const me = await (await browser.request(`${demo.base}/api/me`)).json();
    expect(me).toMatchObject({ pid: '001180000301', name: 'Đặng Thị Lan', roles: ['manager'] });
  });
});
