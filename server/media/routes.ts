// Lot images: managers upload photos to their lots (types and size checked, an SVG drawn as PNG, stored in
// lot_images); anyone may fetch the images of published lots. GET /api/lots/:id/cover always answers
// with a picture: the first photo, or a drawn placeholder, so catalogue cards never show a broken image.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { errorResponses } from '../http/openapi.ts';
import { requireRole } from '../identity/auth-middleware.ts';
import type { AppEnv, Person } from '../identity/person.ts';
import { LotIdParam, pathId } from '../shared/validation.ts';
import { getLotRow, type LotRow } from '../auctions/public-lot.ts';
import { managesLot, maySeeDraft } from '../auctions/lot-service.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import {
  checkImage,
  getImage,
  listImages,
  photosEditable,
  removeImage,
  storableImage,
  storeImage,
  MAX_IMAGE_BYTES,
  MAX_IMAGES_PER_LOT,
} from './image-store.ts';
import { MAX_ASPECT, MAX_RENDER_CPU_MS, RASTER_SIDE, RENDER_MEMORY_MB } from './svg-raster.ts';
import { drawPlaceholder } from './drawings.ts';

const tags = ['images'];
const security = [{ eid: [] }];
const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});
const ImageSchema = z
  .object({
    id: z.number().int(),
    position: z.number().int(),
    contentType: z.string(),
    bytes: z.number().int(),
    url: z.string(),
  })
  .openapi('LotImage');
const ImageParams = LotIdParam.extend({ imageId: pathId('imageId') });
const ImageIdParam = z.object({ imageId: pathId('imageId') });
const binary = (description: string) => ({
  description,
  content: {
    'image/png': { schema: z.string().openapi({ format: 'binary' }) },
    'image/jpeg': { schema: z.string().openapi({ format: 'binary' }) },
    'image/webp': { schema: z.string().openapi({ format: 'binary' }) },
    'image/svg+xml': { schema: z.string().openapi({ format: 'binary' }) },
  },
});

/** Time kept for storing an upload after drawing it (ms). */
const STORE_MARGIN_MS = 250;

/** How a draft lot's pictures may be cached: by the manager's own browser, briefly, never by a proxy. */
const DRAFT_CACHE = 'private, no-cache';

/** Images are immutable by id. Every answer carries a sandboxing policy: the only SVG served is the
 *  platform's own drawings (and any uploaded before SVG was rasterized), and a policy costs nothing. */
function imageResponse(c: Context<AppEnv>, contentType: string, bytes: Uint8Array, cache: string): Response {
  c.header('content-type', contentType);
  c.header('cache-control', cache);
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  c.header('x-content-type-options', 'nosniff');
  return c.body(bytes as Uint8Array<ArrayBuffer>, 200);
}

export function mediaRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  async function visibleLot(person: Person | undefined, lotId: number): Promise<LotRow> {
    const row = await getLotRow(ctx.db, lotId);
    if (!row || (row.status === 'draft' && !maySeeDraft(person, row))) throw AppError.of('lot_not_found');
    return row;
  }

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/images',
      tags,
      summary: "A lot's images",
      request: { params: LotIdParam },
      responses: {
        200: json(z.object({ items: z.array(ImageSchema) }), 'Images in display order'),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      await visibleLot(c.get('person'), id);
      const items = (await listImages(ctx.db, id)).map((i) => ({
        id: i.id,
        position: i.position,
        contentType: i.contentType,
        bytes: i.bytes,
        url: `/api/images/${i.id}`,
      }));
      return c.json({ items }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/images',
      tags,
      security,
      summary: `Upload an image to a draft lot (PNG, JPEG, WebP or SVG; at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB; the lot's manager)`,
      description: `Photos lock at publication: once the lot is no longer a draft the answer is 409 INVALID_STATE and nothing is stored (also for an upload still being processed when the lot was published). The request body is the image itself, with its Content-Type. The type is checked against the bytes. An SVG is stored as the PNG picture it draws (${RASTER_SIDE} pixels on its longer side; the answer's contentType says image/png): no SVG sent here is ever served. An SVG that is not valid is refused with 415; one more than ${MAX_ASPECT} times as long as it is wide, or that takes over ${MAX_RENDER_CPU_MS / 1000} s of processor time or ${RENDER_MEMORY_MB} MB to draw, with 422; while another SVG is being drawn, or when the server is too busy to draw it within the request's time, the answer is 503 with Retry-After.`,
      request: { params: LotIdParam, body: binary('The image bytes') },
      responses: { 201: json(ImageSchema, 'Stored'), ...errorResponses(401, 403, 404, 409, 413, 415, 422, 503) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id } = c.req.valid('param');
      const row = await visibleLot(person, id);
      if (!managesLot(person, row)) throw AppError.of('not_lot_manager');
      if (!photosEditable(row.status)) throw AppError.of('images_locked', { status: row.status });
      const declared = c.req.header('content-type');
      const length = Number(c.req.header('content-length') ?? '0');
      if (length > MAX_IMAGE_BYTES)
        throw AppError.of('image_too_large', { maxMegabytes: MAX_IMAGE_BYTES / 1024 / 1024 });
      const upload = new Uint8Array(await c.req.arrayBuffer());
      const uploadType = unwrap(checkImage(upload, declared));
      if ((await listImages(ctx.db, id)).length >= MAX_IMAGES_PER_LOT)
        throw AppError.of('too_many_images', { max: MAX_IMAGES_PER_LOT });
      // Drawing an SVG must end in time for the rest of the request (the store) to fit in its bound.
      const left = ctx.config.limits.requestTimeoutMs - (performance.now() - c.get('startedAt')) - STORE_MARGIN_MS;
      const { type, bytes } = unwrap(await storableImage(uploadType, upload, left));
      const now = ctx.clock.now();
      const outcome = await storeImage(ctx.db, { actorPid: person.pid, lotId: id, type, bytes, at: now });
      // Published while the upload was being processed: refused, nothing stored.
      if (!outcome.ok) throw AppError.of('images_locked', { status: outcome.status });
      const imageId = outcome.value;
      const stored = (await listImages(ctx.db, id)).find((i) => i.id === imageId)!;
      return c.json(
        {
          id: imageId,
          position: stored.position,
          contentType: type,
          bytes: bytes.length,
          url: `/api/images/${imageId}`,
        },
        201,
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/lots/{id}/images/{imageId}',
      tags,
      security,
      summary: 'Remove an image from a draft lot (its manager; photos lock at publication: 409 INVALID_STATE after it)',
      request: { params: ImageParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, imageId } = c.req.valid('param');
      const row = await visibleLot(person, id);
      if (!managesLot(person, row)) throw AppError.of('not_lot_manager');
      if (!photosEditable(row.status)) throw AppError.of('images_locked', { status: row.status });
      const removed = await removeImage(ctx.db, { actorPid: person.pid, lotId: id, imageId, at: ctx.clock.now() });
      if (!removed.ok) throw AppError.of('images_locked', { status: removed.status });
      if (!removed.value) throw AppError.of('image_not_found');
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/images/{imageId}',
      tags,
      summary: 'One image',
      request: { params: ImageIdParam },
      responses: { 200: binary('The image'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const image = await getImage(ctx.db, c.req.valid('param').imageId);
      if (!image) throw AppError.of('image_not_found');
      const row = await visibleLot(c.get('person'), image.lotId);
      // A draft's images are for its manager only: no shared cache may keep or serve them.
      return imageResponse(
        c,
        image.contentType,
        image.bytes,
        row.status === 'draft' ? DRAFT_CACHE : 'public, max-age=86400, immutable',
      );
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/cover',
      tags,
      summary: "A lot's cover picture (its first image, or a drawn placeholder)",
      request: { params: LotIdParam },
      responses: { 200: binary('The picture'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const row = await visibleLot(c.get('person'), id);
      const [first] = await listImages(ctx.db, id);
      const image = first ? await getImage(ctx.db, first.id) : undefined;
      const cache = row.status === 'draft' ? DRAFT_CACHE : 'public, max-age=60';
      if (image) return imageResponse(c, image.contentType, image.bytes, cache);
      return imageResponse(c, 'image/svg+xml', new TextEncoder().encode(drawPlaceholder(row.category)), cache);
    },
  );

  return app;
}
