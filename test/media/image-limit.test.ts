// A lot has at most 12 images (MAX_IMAGES_PER_LOT). The 13th upload is refused with 409 INVALID_STATE
// and stores nothing, also when several uploads arrive at once: the count is checked under the lot
// row's lock, in the transaction that stores the image, so concurrent uploads cannot each see room
// for one more.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, eq } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { auditEvents, lotImages } from '../../db/schema.ts';
import { createLot, lotBody, person, type Actor } from '../auctions/factories.ts';
import { MAX_IMAGES_PER_LOT } from '../../server/media/image-store.ts';

let tp: TestPlatform;
let manager: Actor;

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);

async function upload(lotId: number): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${tp.base}/api/lots/${lotId}/images`, {
    method: 'POST',
    headers: { 'content-type': 'image/png', authorization: `Bearer ${manager.token}` },
    body: new Uint8Array(PNG),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}
const imageCount = async (lotId: number): Promise<number> =>
  (await tp.call('GET', `/api/lots/${lotId}/images`, { token: manager.token })).json.items.length;
const imagesAudited = async (lotId: number): Promise<number> =>
  (
    await tp.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lotId))
      .orderBy(asc(auditEvents.id))
  )
    .map((r) => r.action)
    .filter((a) => a === 'lot.image_added').length;

/** A draft lot with `n` images, uploaded one by one or (`direct`) written straight to the table. */
async function lotWithImages(n: number, options: { direct?: boolean } = {}): Promise<number> {
  const lot = await createLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
  if (options.direct)
    await tp.database.db
      .insert(lotImages)
      .values(
        Array.from({ length: n }, (_, position) => ({ lotId: lot.id, position, contentType: 'image/png', bytes: PNG })),
      );
  else for (let i = 0; i < n; i++) expect((await upload(lot.id)).status).toBe(201);
  return lot.id;
}

beforeAll(async () => {
  tp = await startTestPlatform();
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

describe('at most 12 images per lot', () => {
  it('refuses the 13th image with 409 INVALID_STATE, storing nothing', async () => {
    expect(MAX_IMAGES_PER_LOT).toBe(12);
    const lotId = await lotWithImages(12);
    const res = await upload(lotId);
    expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
    expect(res.json.error.message).toMatch(/at most 12 images/);
    expect(await imageCount(lotId)).toBe(12);
    expect(await imagesAudited(lotId)).toBe(12);
  });

  it('accepts exactly one of several uploads sent at once to a lot with 11 images', async () => {
    // Several lots at once, so the race has room to show: each lot gets 10 uploads at the same time.
    const lotIds = await Promise.all(Array.from({ length: 5 }, () => lotWithImages(11, { direct: true })));
    const results = await Promise.all(
      lotIds.map((lotId) => Promise.all(Array.from({ length: 10 }, () => upload(lotId)))),
    );
    for (const [i, lotId] of lotIds.entries()) {
      const answers = results[i].map((r) => `${r.status} ${r.json?.error?.code ?? ''}`.trim()).sort();
      expect({ lotId, answers }).toEqual({ lotId, answers: ['201', ...Array(9).fill('409 INVALID_STATE')] });
      expect({ lotId, images: await imageCount(lotId), audited: await imagesAudited(lotId) }).toEqual({
        lotId,
        images: 12,
        audited: 1,
      });
    }
  });
});
