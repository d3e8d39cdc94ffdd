// Lot images in the database (lot_images): checks on what may be stored, and the queries (the
// transactions that change a lot's photos, with their audit events, are media-service.ts's). Types are
// decided by the bytes (magic numbers), never by the declared header alone. An uploaded SVG is stored
// as the PNG it draws (svg-raster.ts), so no uploaded SVG is ever served; the only SVG the platform
// serves is what it draws itself (drawings.ts).
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.ts';
import { lotImages } from '../../db/schema.ts';
import { invalid, ok, refuse, type Result } from '../shared/errors.ts';
import { fieldError } from '../shared/field-errors.ts';
import { rasterizeSvg } from './svg-raster.ts';

export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/svg+xml'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];
/** The largest accepted image (bytes). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024;
/** The most images one lot may have. */
export const MAX_IMAGES_PER_LOT = 12;

function sniff(bytes: Uint8Array): ImageType | undefined {
  const b = bytes;
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'image/png';
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'image/jpeg';
  if (
    b.length > 12 &&
    String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' &&
    String.fromCharCode(...b.subarray(8, 12)) === 'WEBP'
  )
    return 'image/webp';
  // XML that may be SVG (a declaration, a comment, a doctype or the <svg> element first): the renderer,
  // which must read it, decides whether it is.
  const head = new TextDecoder('utf-8', { fatal: false }).decode(b.subarray(0, 512)).trimStart();
  if (/^<(\?xml\s|!--|!doctype\s|svg[\s>/])/i.test(head)) return 'image/svg+xml';
  return undefined;
}

/** Checks an upload: size, declared type, and the type the bytes really are. */
export function checkImage(bytes: Uint8Array, declaredType: string | undefined): Result<ImageType> {
  if (bytes.length === 0) return invalid({ image: fieldError('IMAGE_REQUIRED') }, refuse('image_empty'));
  if (bytes.length > MAX_IMAGE_BYTES) return refuse('image_too_large', { maxMegabytes: MAX_IMAGE_BYTES / 1024 / 1024 });
  const declared = (declaredType ?? '').split(';')[0].trim().toLowerCase();
  if (!(IMAGE_TYPES as readonly string[]).includes(declared)) return refuse('image_type', { types: [...IMAGE_TYPES] });
  const actual = sniff(bytes);
  if (actual !== declared) return refuse('image_not_of_type', { type: declared });
  return ok(actual);
}

/**
 * What is stored for a checked upload: the bytes as sent, except an SVG, which becomes the PNG it
 * draws (within `timeoutMs`, what is left of the request's bound).
 */
export async function storableImage(
  type: ImageType,
  bytes: Uint8Array,
  timeoutMs: number,
): Promise<Result<{ type: ImageType; bytes: Uint8Array }>> {
  if (type !== 'image/svg+xml') return ok({ type, bytes });
  const raster = await rasterizeSvg(bytes, timeoutMs);
  if (!raster.ok) return raster;
  const { png, width, height } = raster.value;
  if (png.length > MAX_IMAGE_BYTES)
    return invalid(
      { image: fieldError('IMAGE_TOO_LARGE_DRAWN') },
      refuse('svg_too_large_drawn', { width, height, maxMegabytes: MAX_IMAGE_BYTES / 1024 / 1024 }),
    );
  return ok({ type: 'image/png', bytes: png });
}

export interface ImageMeta {
  id: number;
  lotId: number;
  position: number;
  contentType: string;
  bytes: number;
}

export async function listImages(db: Db, lotId: number): Promise<ImageMeta[]> {
  return db
    .select({
      id: lotImages.id,
      lotId: lotImages.lotId,
      position: lotImages.position,
      contentType: lotImages.contentType,
      bytes: sql<number>`octet_length(${lotImages.bytes})`.mapWith(Number),
    })
    .from(lotImages)
    .where(eq(lotImages.lotId, lotId))
    .orderBy(asc(lotImages.position), asc(lotImages.id));
}

/** How many images a lot has (what MAX_IMAGES_PER_LOT bounds). */
export async function countImages(db: Db, lotId: number): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)`.mapWith(Number) })
    .from(lotImages)
    .where(eq(lotImages.lotId, lotId));
  return row.n;
}

export async function getImage(
  db: Db,
  imageId: number,
): Promise<{ lotId: number; contentType: string; bytes: Uint8Array } | undefined> {
  const [row] = await db
    .select({ lotId: lotImages.lotId, contentType: lotImages.contentType, bytes: lotImages.bytes })
    .from(lotImages)
    .where(eq(lotImages.id, imageId))
    .limit(1);
  return row;
}

export async function insertImage(
  db: Db,
  lotId: number,
  contentType: ImageType,
  bytes: Uint8Array,
  at: Date,
): Promise<{ id: number; position: number }> {
  const [row] = await db
    .insert(lotImages)
    .values({
      lotId,
      contentType,
      bytes,
      position: sql`coalesce((select max(position) + 1 from lot_images where lot_id = ${lotId}), 0)`,
      createdAt: at,
    })
    .returning({ id: lotImages.id, position: lotImages.position });
  return row;
}

export async function deleteImage(db: Db, lotId: number, imageId: number): Promise<boolean> {
  const rows = await db
    .delete(lotImages)
    .where(and(eq(lotImages.id, imageId), eq(lotImages.lotId, lotId)))
    .returning({ id: lotImages.id });
  return rows.length > 0;
}
