// The e-ID's email claim at sign-in: taken as the address for notices when the person has none, never
// over one they set themselves, and not when the provider says it is unverified or it is malformed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPid, startTestIdp, type TestIdp } from '../support/eid.ts';
import { Browser, startDemoPlatform, type DemoPlatform } from '../identity/support.ts';

let idp: TestIdp;
let platform: DemoPlatform;

beforeAll(async () => {
  idp = await startTestIdp();
  platform = await startDemoPlatform({ env: { ...idp.env(), EID_CLIENT_ID: 'auction-web' } });
});
afterAll(async () => {
  await platform?.stop();
  await idp?.close();
});

/** Signs `who` in through the provider; returns the browser, signed in. */
async function signIn(who: TestIdp['signInAs']): Promise<Browser> {
  idp.signInAs = who;
  const browser = new Browser();
  const start = await browser.request(`${platform.base}/auth/signin?returnTo=/`);
  const back = await browser.request(start.headers.get('location')!);
  const done = await browser.request(back.headers.get('location')!);
  expect(done.status).toBe(303);
  return browser;
}

const emailOf = async (browser: Browser): Promise<unknown> =>
  ((await (await browser.request(`${platform.base}/api/me`)).json()) as { email: unknown }).email;

describe("the e-ID's email claim", () => {
  it('becomes the address when the person has none, and never replaces one they set', async () => {
    const pid = newPid();
    const browser = await signIn({ sub: pid, loa: 2, email: 'tu.tran@example.vn' });
    expect(await emailOf(browser)).toBe('tu.tran@example.vn');
    const me = (await (await browser.request(`${platform.base}/api/me`)).json()) as { csrfToken: string };
    const put = await browser.request(`${platform.base}/api/me/email`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', 'x-csrf-token': me.csrfToken },
      body: JSON.stringify({ email: 'chosen@example.vn' }),
    });
    expect(put.status).toBe(200);
    const again = await signIn({ sub: pid, loa: 2, email: 'tu.tran@example.vn' });
    expect(await emailOf(again)).toBe('chosen@example.vn');
  });

  it('is ignored when unverified or malformed', async () => {
    expect(await emailOf(await signIn({ sub: newPid(), loa: 2, email: 'x@example.vn', email_verified: false }))).toBe(
      null,
    );
    expect(await emailOf(await signIn({ sub: newPid(), loa: 2, email: 'not an address' }))).toBe(null);
    expect(await emailOf(await signIn({ sub: newPid(), loa: 2 }))).toBe(null);
  });
});
