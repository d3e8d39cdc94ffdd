// Photos lock at publication (issue 14, item 6): once a lot has left the draft state, the photos the
// public saw when it was published are the photos it keeps. Uploads and removals are refused with 409
// INVALID_STATE and change nothing, in every later status; an upload that was being drawn while the
// lot was published is refused too (the status is checked again under the lot's lock).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import type { Json } from '../support/json.ts';
import { and, asc, eq } from 'drizzle-orm';
import { auditEvents, lotImages, lots } from '../../db/schema.ts';
import { createLot, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';

let tp: TestPlatform;
let manager: Actor;

// A 1×1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10"><rect width="10" height="10" fill="#a61b1b"/></svg>';

async function upload(
  lotId: number,
  type = 'image/png',
  body: Buffer | string = PNG,
): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${tp.base}/api/lots/${lotId}/images`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${manager.token}` },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: res.status, json: await res.json().catch(() => undefined) };
}
const imageIds = async (lotId: number): Promise<number[]> =>
  (await tp.call('GET', `/api/lots/${lotId}/images`, { token: manager.token })).json.items.map(
    (i: { id: number }) => i.id,
  );
const auditActions = async (lotId: number): Promise<string[]> =>
  (
    await tp.database.db
      .select({ action: auditEvents.action })
      .from(auditEvents)
      .where(eq(auditEvents.lotId, lotId))
      .orderBy(asc(auditEvents.id))
  ).map((r) => r.action);

beforeAll(async () => {
  tp = await startTestPlatform();
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
});
afterAll(async () => tp?.stop());

describe('photos lock at publication', () => {
  it('refuses uploads and removals on a published lot with 409 INVALID_STATE, changing nothing', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    const first = await upload(lot.id);
    expect(first.status).toBe(201);
    expect((await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token })).status).toBe(200);
    const before = await auditActions(lot.id);

    const added = await upload(lot.id);
    expect(added.status).toBe(409);
    expect(added.json.error).toMatchObject({ code: 'INVALID_STATE' });
    expect(added.json.error.message).toMatch(/scheduled/);
    const removed = await tp.call('DELETE', `/api/lots/${lot.id}/images/${first.json.id}`, { token: manager.token });
    expect(removed.status).toBe(409);
    expect(removed.json.error).toMatchObject({ code: 'INVALID_STATE' });
    expect(removed.json.error.message).toMatch(/scheduled/);

    expect(await imageIds(lot.id)).toEqual([first.json.id]);
    expect(await auditActions(lot.id)).toEqual(before);
  });

  it('refuses them in every status after the draft: scheduled, live, cancelled', async () => {
    const scheduled = await publishedLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    // Live as the closing scheduler would make it: the status is what the lock looks at.
    const live = await publishedLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    await tp.database.db.update(lots).set({ status: 'live' }).where(eq(lots.id, live.id));
    const cancelled = await publishedLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    expect(
      (
        await tp.call('POST', `/api/lots/${cancelled.id}/cancel`, {
          token: manager.token,
          body: { reason: 'withdrawn from sale' },
        })
      ).status,
    ).toBe(200);
    for (const lot of [scheduled, live, cancelled]) {
      const res = await upload(lot.id);
      expect({ id: lot.id, status: res.status, code: res.json?.error?.code }).toEqual({
        id: lot.id,
        status: 409,
        code: 'INVALID_STATE',
      });
      expect(await imageIds(lot.id)).toEqual([]);
    }
  });

  it('keeps accepting uploads and removals on a draft', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    const a = await upload(lot.id);
    const b = await upload(lot.id, 'image/svg+xml', SVG);
    expect([a.status, b.status]).toEqual([201, 201]);
    expect((await tp.call('DELETE', `/api/lots/${lot.id}/images/${a.json.id}`, { token: manager.token })).status).toBe(
      204,
    );
    expect(await imageIds(lot.id)).toEqual([b.json.id]);
  });

  it('refuses an upload whose lot was published while the upload was being processed', async () => {
    const lot = await createLot(tp.call, manager, lotBody(Date.now() + 3_600_000));
    // An SVG is drawn before it is stored: publish while it is on its way.
    const big = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 1000 1000">${Array.from({ length: 1500 }, (_, i) => `<circle cx="${i % 1000}" cy="${(i * 7) % 1000}" r="${(i % 40) + 1}" fill="#${((i * 2654435761) % 0xffffff).toString(16).padStart(6, '0')}" opacity="0.5"/>`).join('')}</svg>`;
    const pending = upload(lot.id, 'image/svg+xml', big);
    await new Promise((r) => setTimeout(r, 5));
    const published = await tp.call('POST', `/api/lots/${lot.id}/publish`, { token: manager.token });
    expect(published.status).toBe(200);
    const res = await pending;
    // Either the upload was stored before the lot was published (its draft photo), or refused: never stored after.
    if (res.status === 201) {
      const [image] = await tp.database.db
        .select({ at: lotImages.createdAt })
        .from(lotImages)
        .where(eq(lotImages.id, res.json.id));
      const [publication] = await tp.database.db
        .select({ at: auditEvents.at })
        .from(auditEvents)
        .where(and(eq(auditEvents.lotId, lot.id), eq(auditEvents.action, 'lot.published')));
      expect(image.at.getTime()).toBeLessThanOrEqual(publication.at.getTime());
    } else {
      expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status: 409, code: 'INVALID_STATE' });
      expect(await imageIds(lot.id)).toEqual([]);
    }
  });
});
