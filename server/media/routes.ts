// Lot images: managers upload photos to their lots (types and size checked, an SVG drawn as PNG, stored in
// lot_images); anyone may fetch the images of published lots. GET /api/lots/:id/cover always answers
// with a picture: the first photo, or a drawn placeholder, so catalogue cards never show a broken image.
// Handlers only authorise the role (before anything else is validated), validate ids, call the media
// service (media-service.ts) and turn its results into answers.
import { createRoute, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { AppContext } from '../context.ts';
import { createRouter, type ApiApp } from '../http/app.ts';
import { declareBodyLimit } from '../http/body-limits.ts';
import { errorResponses, json } from '../http/openapi.ts';
import { access, requireRole } from '../identity/auth-middleware.ts';
import { lotAccess } from '../auctions/lot-access.ts';
import type { AppEnv } from '../identity/person.ts';
import { LotIdParam, pathId } from '../shared/validation.ts';
import { AppError, unwrap } from '../shared/errors.ts';
import { MAX_IMAGE_BYTES } from './image-store.ts';
import { LotImageSchema, LotImagesSchema } from './media-schemas.ts';
import {
  coverPicture,
  imagePicture,
  listLotImages,
  removeLotImage,
  uploadImage,
  type Picture,
} from './media-service.ts';
import { MAX_ASPECT, MAX_RENDER_CPU_MS, RASTER_SIDE, RENDER_MEMORY_MB } from './svg-raster.ts';

const tags = ['images'];
const security = [{ eid: [] }];
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

/** How a draft lot's pictures may be cached: by the manager's own browser, briefly, never by a proxy. */
const DRAFT_CACHE = 'private, no-cache';

/** Images are immutable by id. Every answer carries a sandboxing policy: the only SVG served is the
 *  platform's own drawings (and any uploaded before SVG was rasterized), and a policy costs nothing. */
function imageResponse(c: Context<AppEnv>, picture: Picture, publicCache: string): Response {
  c.header('content-type', picture.contentType);
  // A draft's pictures are for its manager only: no shared cache may keep or serve them.
  c.header('cache-control', picture.draft ? DRAFT_CACHE : publicCache);
  c.header('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'; sandbox");
  c.header('x-content-type-options', 'nosniff');
  return c.body(picture.bytes as Uint8Array<ArrayBuffer>, 200);
}

export function mediaRoutes(ctx: AppContext): ApiApp {
  const app = createRouter();

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/images',
      ...access('anyone'),
      tags,
      summary: "A lot's images",
      request: { params: LotIdParam },
      responses: {
        200: json(LotImagesSchema, 'Images in display order'),
        ...errorResponses(404, 422),
      },
    }),
    async (c) => c.json({ items: unwrap(await listLotImages(ctx, c.get('person'), c.req.valid('param').id)) }, 200),
  );

  // An upload's body is the image: its own limit, larger than a JSON body's.
  declareBodyLimit(app, {
    path: '/lots/:id{[0-9]+}/images',
    maxBytes: MAX_IMAGE_BYTES,
    tooLarge: (maxBytes) => AppError.of('image_too_large', { maxMegabytes: maxBytes / 1024 / 1024 }),
  });
  app.openapi(
    createRoute({
      method: 'post',
      path: '/lots/{id}/images',
      tags,
      security,
      summary: `Upload an image to a draft lot (PNG, JPEG, WebP or SVG; at most ${MAX_IMAGE_BYTES / 1024 / 1024} MB; the lot's manager)`,
      description: `Photos lock at publication: once the lot is no longer a draft the answer is 409 INVALID_STATE and nothing is stored (also for an upload still being processed when the lot was published). The request body is the image itself, with its Content-Type. The type is checked against the bytes. An SVG is stored as the PNG picture it draws (${RASTER_SIDE} pixels on its longer side; the answer's contentType says image/png): no SVG sent here is ever served. An SVG that is not valid is refused with 415; one more than ${MAX_ASPECT} times as long as it is wide, or that takes over ${MAX_RENDER_CPU_MS / 1000} s of processor time or ${RENDER_MEMORY_MB} MB to draw, with 422; while another SVG is being drawn, or when the server is too busy to draw it within the request's time, the answer is 503 with Retry-After.`,
      ...lotAccess(ctx, 'manager-of-lot'),
      request: { params: LotIdParam, body: binary('The image bytes') },
      responses: { 201: json(LotImageSchema, 'Stored'), ...errorResponses(401, 403, 404, 409, 413, 415, 422, 503) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const image = await uploadImage(ctx, person, c.req.valid('param').id, {
        declaredType: c.req.header('content-type'),
        declaredLength: Number(c.req.header('content-length') ?? '0'),
        read: async () => new Uint8Array(await c.req.arrayBuffer()),
        startedAt: c.get('startedAt'),
      });
      return c.json(unwrap(image), 201);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/lots/{id}/images/{imageId}',
      tags,
      security,
      summary: 'Remove an image from a draft lot (its manager; photos lock at publication: 409 INVALID_STATE after it)',
      ...lotAccess(ctx, 'manager-of-lot'),
      request: { params: ImageParams },
      responses: { 204: { description: 'Removed' }, ...errorResponses(401, 403, 404, 409, 422) },
    }),
    async (c) => {
      const person = requireRole(c, 'manager');
      const { id, imageId } = c.req.valid('param');
      unwrap(await removeLotImage(ctx, person, id, imageId));
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/images/{imageId}',
      ...access('anyone'),
      tags,
      summary: 'One image',
      request: { params: ImageIdParam },
      responses: { 200: binary('The image'), ...errorResponses(404, 422) },
    }),
    async (c) => {
      const picture = unwrap(await imagePicture(ctx, c.get('person'), c.req.valid('param').imageId));
      return imageResponse(c, picture, 'public, max-age=86400, immutable');
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/lots/{id}/cover',
      ...access('anyone'),
      tags,
      summary: "A lot's cover picture (its first image, or a drawn placeholder)",
      request: { params: LotIdParam },
      responses: { 200: binary('The picture'), ...errorResponses(404, 422) },
    }),
    async (c) =>
      imageResponse(c, unwrap(await coverPicture(ctx, c.get('person'), c.req.valid('param').id)), 'public, max-age=60'),
  );

  return app;
}
