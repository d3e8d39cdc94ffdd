// A draft lot's images are visible to its manager only, so they must never be kept by a shared
// cache (issue 13, item 9): served private, not public/immutable. Published lots' images stay public.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { createLot, lotBody, person, type Actor } from '../auctions/factories.ts';

let tp: TestPlatform;
let manager: Actor;
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

beforeAll(async () => {
  tp = await startTestPlatform();
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

async function uploadTo(lotId: number): Promise<string> {
  const res = await fetch(`${tp.base}/api/lots/${lotId}/images`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${manager.token}` },
    body: new Uint8Array(PNG),
  });
  expect(res.status).toBe(201);
  return (await res.json()).url;
}
const cacheOf = async (path: string): Promise<string | null> => {
  const res = await fetch(tp.base + path, { headers: { authorization: `Bearer ${manager.token}` } });
  expect(res.status, path).toBe(200);
  return res.headers.get('cache-control');
};

describe('image caching', () => {
  it('serves a draft lot’s images and cover as private, never public or immutable', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const url = await uploadTo(lot.id);
    for (const path of [url, `/api/lots/${lot.id}/cover`]) {
      const cache = await cacheOf(path);
      expect(cache, path).toMatch(/\bprivate\b/);
      expect(cache, path).not.toMatch(/public|immutable/);
    }
  });

  it('keeps published lots’ images public', async () => {
    // Photos are added to the draft (they lock at publication), then the lot is published.
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const url = await uploadTo(lot.id);
    expect((await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token })).status).toBe(200);
    expect(await cacheOf(url)).toBe('public, max-age=86400, immutable');
  });
});
