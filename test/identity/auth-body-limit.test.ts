// /auth/* applies the API's body limit before reading anything (issue 13, item 5): a sign-out with a
// session cookie and a huge form body used to be read whole (60 MB, +230 MB of memory) before the
// CSRF check refused it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, signInAs, startDemoPlatform, type DemoPlatform } from './support.ts';

let demo: DemoPlatform;
let browser: Browser;

beforeAll(async () => {
  demo = await startDemoPlatform();
  ({ browser } = await signInAs(demo.base, '031195000204'));
});
afterAll(async () => demo?.stop());

const meStatus = async (): Promise<number> => (await browser.request(`${demo.base}/api/me`)).status;

/** A form body of `total` bytes, streamed without Content-Length; counts what the server pulled. */
function chunkedForm(total: number): { body: ReadableStream<Uint8Array>; sent: () => number } {
  let sent = 0;
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  const body = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (sent >= total) return controller.close();
      controller.enqueue(chunk);
      sent += chunk.length;
    },
  });
  return { body, sent: () => sent };
}

describe('body limits on /auth', () => {
  it('refuses a sign-out body over the limit with 413 before reading it, and keeps the session', async () => {
    expect(await meStatus()).toBe(200);
    const declared = await browser.request(`${demo.base}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=wrong&pad=${'x'.repeat(1024 * 1024)}`,
    });
    expect(declared.status).toBe(413);
    expect((await declared.json()).error.code).toBe('PAYLOAD_TOO_LARGE');

    const form = chunkedForm(32 * 1024 * 1024);
    const streamed = await browser.request(`${demo.base}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form.body,
      duplex: 'half',
    } as RequestInit);
    expect(streamed.status).toBe(413);
    // Refused near the limit (64 KiB by default), not after the whole 32 MB.
    expect(form.sent()).toBeLessThan(4 * 1024 * 1024);
    expect(await meStatus()).toBe(200);
  });

  it('still signs out with a small form', async () => {
    const csrf = (await (await browser.request(`${demo.base}/api/me`)).json()).csrfToken as string;
    const out = await browser.request(`${demo.base}/auth/signout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `csrf=${csrf}`,
    });
    expect(out.status).toBe(204);
    expect(await meStatus()).toBe(401);
  });
});
