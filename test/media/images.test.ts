// Lot images over real HTTP: managers upload PNG, JPEG, WebP or SVG (the bytes decide the type; an
// SVG is stored as the PNG it draws, see svg-uploads.test.ts), within the size limit; anything else is
// refused and stores nothing; published lots' images are public, drafts' are not; every lot has a
// cover (its first photo, or a drawn placeholder).
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { createLot, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';
import { checkImage, MAX_IMAGE_BYTES } from '../../server/media/image-store.ts';

let tp: TestPlatform;
let manager: Actor;
let otherManager: Actor;
let bidder: Actor;

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#a61b1b"/></svg>';

async function upload(
  lotId: number,
  who: Actor | undefined,
  type: string,
  body: Buffer | string,
): Promise<{ status: number; json: Json }> {
  const headers: Record<string, string> = { 'content-type': type };
  if (who) headers.authorization = `Bearer ${who.token}`;
  const res = await fetch(`${tp.base}/api/lots/${lotId}/images`, {
    method: 'POST',
    headers,
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}
const count = async (lotId: number, who?: Actor): Promise<number> =>
  (await tp.call('GET', `/api/lots/${lotId}/images`, { token: who?.token })).json.items.length;

beforeAll(async () => {
  tp = await startTestPlatform();
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  otherManager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  bidder = await person(tp.idp, undefined);
});
afterAll(async () => tp?.stop());

describe('lot images', () => {
  it('stores a PNG from the lot manager and serves it back unchanged, with a sandboxing policy', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const res = await upload(lot.id, manager, 'image/png', PNG);
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ contentType: 'image/png', bytes: PNG.length, url: `/api/images/${res.json.id}` });
    const image = await fetch(`${tp.base}/api/images/${res.json.id}`, {
      headers: { authorization: `Bearer ${manager.token}` },
    });
    expect(image.headers.get('content-type')).toBe('image/png');
    expect(image.headers.get('content-security-policy')).toContain('sandbox');
    expect(Buffer.from(await image.arrayBuffer()).equals(PNG)).toBe(true);
    expect((await tp.call('GET', `/api/lots/${lot.id}`, { token: manager.token })).json.imageIds).toEqual([
      res.json.id,
    ]);
  });

  it('keeps a draft’s images from the public, and shows them once the lot is published', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const { json } = await upload(lot.id, manager, 'image/svg+xml', SVG);
    expect((await tp.call('GET', `/api/lots/${lot.id}/images`)).status).toBe(404);
    expect((await fetch(`${tp.base}/api/images/${json.id}`)).status).toBe(404);
    expect((await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token })).status).toBe(200);
    expect(await count(lot.id)).toBe(1);
    const cover = await fetch(`${tp.base}/api/lots/${lot.id}/cover`);
    expect(cover.headers.get('content-type')).toBe('image/png');
    expect(cover.headers.get('content-security-policy')).toContain('sandbox');
    expect(
      Buffer.from(await cover.arrayBuffer()).equals(
        Buffer.from(await (await fetch(`${tp.base}${json.url}`)).arrayBuffer()),
      ),
    ).toBe(true);
  });

  it('draws a placeholder cover for a lot without photos', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(Date.now()));
    const cover = await fetch(`${tp.base}/api/lots/${lot.id}/cover`);
    expect(cover.status).toBe(200);
    expect(cover.headers.get('content-type')).toBe('image/svg+xml');
    expect(cover.headers.get('content-security-policy')).toContain('sandbox');
    expect(await cover.text()).toMatch(/^<svg /);
  });

  it('refuses files that are not what they claim, and empty ones, storing nothing', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const cases: [string, Buffer | string, number, string][] = [
      ['image/png', 'not a png at all', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['text/plain', 'hello', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/gif', Buffer.from('GIF89a....'), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/svg+xml', Buffer.from(PNG), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/png', SVG, 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/svg+xml', 'just text', 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['image/png', Buffer.alloc(0), 422, 'VALIDATION_FAILED'],
    ];
    for (const [type, body, status, code] of cases) {
      const res = await upload(lot.id, manager, type, body);
      expect({ type, status: res.status, code: res.json?.error?.code }).toEqual({ type, status, code });
    }
    expect(await count(lot.id, manager)).toBe(0);
  });

  it('accepts an image up to its own size limit, far over the JSON one, and refuses a larger one with 413', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const large = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES - PNG.length)]);
    expect((await upload(lot.id, manager, 'image/png', large)).json).toMatchObject({ bytes: MAX_IMAGE_BYTES });
    const body = Buffer.concat([PNG, Buffer.alloc(MAX_IMAGE_BYTES)]);
    // Its own connection: the server answers before reading the whole body and then closes it.
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        `${tp.base}/api/lots/${lot.id}/images`,
        {
          method: 'POST',
          agent: false,
          headers: {
            'content-type': 'image/png',
            'content-length': body.length,
            authorization: `Bearer ${manager.token}`,
          },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(status).toBe(413);
    expect(await count(lot.id, manager)).toBe(1);
  });

  it('lets only the lot’s own manager add images, and only before bidding', async () => {
    const lot = await publishedLot(tp.call, manager, lotBody(Date.now()));
    expect((await upload(lot.id, undefined, 'image/png', PNG)).status).toBe(401);
    expect((await upload(lot.id, bidder, 'image/png', PNG)).json.error.code).toBe('FORBIDDEN');
    expect((await upload(lot.id, otherManager, 'image/png', PNG)).json.error.code).toBe('FORBIDDEN');
    expect((await upload(999_999, manager, 'image/png', PNG)).status).toBe(404);
    expect(
      (await tp.call('POST', `/api/lots/${lot.id}/cancel`, { token: manager.token, body: { reason: 'test' } })).status,
    ).toBe(200);
    expect((await upload(lot.id, manager, 'image/png', PNG)).json.error.code).toBe('INVALID_STATE');
    expect(await count(lot.id)).toBe(0);
  });

  it('decides who may change photos before it validates the ids', async () => {
    const post = async (who: Actor | undefined) => {
      const res = await fetch(`${tp.base}/api/lots/not-a-lot/images`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', ...(who ? { authorization: `Bearer ${who.token}` } : {}) },
        body: new Uint8Array(PNG),
      });
      return [res.status, (await res.json()).error.code];
    };
    const remove = async (who: Actor | undefined) => {
      const res = await tp.call('DELETE', '/api/lots/0/images/x', { token: who?.token });
      return [res.status, res.json.error.code];
    };
    expect(await post(undefined)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await post(bidder)).toEqual([403, 'FORBIDDEN']);
    expect(await post(manager)).toEqual([422, 'VALIDATION_FAILED']);
    expect(await remove(undefined)).toEqual([401, 'UNAUTHENTICATED']);
    expect(await remove(bidder)).toEqual([403, 'FORBIDDEN']);
    expect(await remove(manager)).toEqual([422, 'VALIDATION_FAILED']);
  });

  it('removes an image for the lot’s manager', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now()));
    const { json } = await upload(lot.id, manager, 'image/png', PNG);
    // Another manager cannot even see a draft.
    expect(
      (await tp.call('DELETE', `/api/lots/${lot.id}/images/${json.id}`, { token: otherManager.token })).status,
    ).toBe(404);
    expect((await tp.call('DELETE', `/api/lots/${lot.id}/images/${json.id}`, { token: manager.token })).status).toBe(
      204,
    );
    expect((await tp.call('DELETE', `/api/lots/${lot.id}/images/${json.id}`, { token: manager.token })).status).toBe(
      404,
    );
    expect(await count(lot.id, manager)).toBe(0);
  });

  it('keeps the ordinary JSON body limit for every other endpoint', async () => {
    const res = await tp.call('POST', '/api/lots', {
      token: manager.token,
      raw: JSON.stringify({ title: 'x'.repeat(100_000) }),
    });
    expect(res.json.error.code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('decides the type by the bytes (unit)', () => {
    expect(checkImage(new Uint8Array(PNG), 'image/png')).toEqual({ ok: true, value: 'image/png' });
    expect(checkImage(new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2]), 'image/jpeg; charset=binary')).toEqual({
      ok: true,
      value: 'image/jpeg',
    });
    expect(checkImage(new Uint8Array(PNG), 'image/jpeg').ok).toBe(false);
    const text = (s: string): Uint8Array => new TextEncoder().encode(s);
    for (const head of [
      SVG,
      `\uFEFF  <?xml version="1.0"?>${SVG}`,
      `<!-- drawn -->${SVG}`,
      `<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">${SVG}`,
    ]) {
      expect(checkImage(text(head), 'image/svg+xml'), head).toEqual({ ok: true, value: 'image/svg+xml' });
    }
  });
});
