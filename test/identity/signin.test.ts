import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
});
