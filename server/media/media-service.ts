// Lot images as a domain: who may see a lot's pictures, who may change them and when, the order of the
// checks on an upload, and every change written in one transaction with its audit event under the lot
// row's lock (the lock publication also takes, so no photo changes after a lot is published). The
// HTTP routes (routes.ts) only authorise the role, validate ids and turn these results into answers.
import type { Db, Tx } from '../../db/client.ts';
import type { AppContext } from '../context.ts';
import type { Person } from '../identity/person.ts';
import { appendAudit } from '../audit/audit-log.ts';
import type { LotRow } from '../auctions/public-lot.ts';
import { lockLot, managesLot } from '../auctions/lot-service.ts';
import { visibleLotRow } from '../auctions/lot-reads.ts';
import { photosEditable } from '../auctions/rules/index.ts';
import { ok, refuse, type Result } from '../shared/errors.ts';
import {
  checkImage,
  countImages,
  deleteImage,
  getImage,
  insertImage,
  listImages,
  storableImage,
  MAX_IMAGE_BYTES,
  MAX_IMAGES_PER_LOT,
  type ImageType,
} from './image-store.ts';
import { drawPlaceholder } from './drawings.ts';
import type { LotImage } from './media-schemas.ts';

/** A picture to serve; `draft` when its lot is a draft (for its manager's eyes only, never a shared cache). */
export interface Picture {
  contentType: string;
  bytes: Uint8Array;
  draft: boolean;
}

/** An upload as the request carries it: the declared type and length, and its body, read on demand. */
export interface Upload {
  declaredType: string | undefined;
  declaredLength: number;
  read(): Promise<Uint8Array>;
  /** When the request started (performance.now()): drawing an SVG must leave time to store it. */
  startedAt: number;
}

/** Time kept for storing an upload after drawing it (ms). */
const STORE_MARGIN_MS = 250;

const imageUrl = (imageId: number): string => `/api/images/${imageId}`;

/** The lot, if this person may change its photos now: its manager, while it is a draft. */
async function editableLot(ctx: AppContext, person: Person, lotId: number): Promise<Result<LotRow>> {
  const row = await visibleLotRow(ctx, person, lotId);
  if (!row.ok) return row;
  if (!managesLot(person, row.value)) return refuse('not_lot_manager');
  if (!photosEditable(row.value.status)) return refuse('images_locked', { status: row.value.status });
  return row;
}

export async function listLotImages(
  ctx: AppContext,
  person: Person | undefined,
  lotId: number,
): Promise<Result<LotImage[]>> {
  const lot = await visibleLotRow(ctx, person, lotId);
  if (!lot.ok) return lot;
  return ok(
    (await listImages(ctx.db, lotId)).map((i) => ({
      id: i.id,
      position: i.position,
      contentType: i.contentType,
      bytes: i.bytes,
      url: imageUrl(i.id),
    })),
  );
}

/**
 * Adds an image to a draft lot: who and when first, then the declared size before the body is read,
 * the bytes' type, the count (so a full lot's SVG is not drawn for nothing), the drawing of an SVG
 * (within what is left of the request's bound), and the store, which checks the status and the count
 * again under the lot's lock.
 */
export async function uploadImage(
  ctx: AppContext,
  person: Person,
  lotId: number,
  upload: Upload,
): Promise<Result<LotImage>> {
  const lot = await editableLot(ctx, person, lotId);
  if (!lot.ok) return lot;
  if (upload.declaredLength > MAX_IMAGE_BYTES)
    return refuse('image_too_large', { maxMegabytes: MAX_IMAGE_BYTES / 1024 / 1024 });
  const bytes = await upload.read();
  const uploadType = checkImage(bytes, upload.declaredType);
  if (!uploadType.ok) return uploadType;
  const room = await roomForImage(ctx.db, lotId);
  if (!room.ok) return room;
  const left = ctx.config.limits.requestTimeoutMs - (performance.now() - upload.startedAt) - STORE_MARGIN_MS;
  const stored = await storableImage(uploadType.value, bytes, left);
  if (!stored.ok) return stored;
  const { type } = stored.value;
  const added = await addImage(ctx, { actorPid: person.pid, lotId, type, bytes: stored.value.bytes });
  if (!added.ok) return added;
  const { id, position } = added.value;
  return ok({ id, position, contentType: type, bytes: stored.value.bytes.length, url: imageUrl(id) });
}

/**
 * Stores an image with its audit event in one transaction, if the lot is still a draft with room for
 * one more image: both checked under the lot's lock, so an upload still being processed when the lot
 * was published is refused (409 INVALID_STATE) rather than stored after the publication, and uploads
 * arriving together cannot each see room for the last image. The bytes are stored as given: the
 * upload's checks are uploadImage's; the demo stores the pictures the platform draws itself.
 */
export async function addImage(
  ctx: AppContext,
  input: { actorPid: string; lotId: number; type: ImageType; bytes: Uint8Array },
): Promise<Result<{ id: number; position: number }>> {
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<{ id: number; position: number }>> => {
    const locked = await lockedEditable(tx, input.lotId);
    if (!locked.ok) return locked;
    const room = await roomForImage(tx, input.lotId);
    if (!room.ok) return room;
    const image = await insertImage(tx, input.lotId, input.type, input.bytes, at);
    await appendAudit(tx, {
      actorPid: input.actorPid,
      action: 'lot.image_added',
      lotId: input.lotId,
      subject: String(image.id),
      at,
      data: { contentType: input.type, bytes: input.bytes.length },
    });
    return ok(image);
  });
}

/** Removes an image from a draft lot with its audit event (under the lot's lock, as addImage). */
export async function removeLotImage(
  ctx: AppContext,
  person: Person,
  lotId: number,
  imageId: number,
): Promise<Result<null>> {
  const lot = await editableLot(ctx, person, lotId);
  if (!lot.ok) return lot;
  const at = ctx.clock.now();
  return ctx.db.transaction(async (tx): Promise<Result<null>> => {
    const locked = await lockedEditable(tx, lotId);
    if (!locked.ok) return locked;
    if (!(await deleteImage(tx, lotId, imageId))) return refuse('image_not_found');
    await appendAudit(tx, {
      actorPid: person.pid,
      action: 'lot.updated',
      lotId,
      subject: String(imageId),
      at,
      data: { imageRemoved: imageId },
    });
    return ok(null);
  });
}

/** Locks the lot row; refused (with the status it has now) unless it is still a draft. */
async function lockedEditable(tx: Tx, lotId: number): Promise<Result<LotRow>> {
  const lot = await lockLot(tx, lotId);
  if (!lot || !photosEditable(lot.status)) return refuse('images_locked', { status: lot?.status ?? 'cancelled' });
  return ok(lot);
}

/** Refused when the lot already has MAX_IMAGES_PER_LOT images (decisive only under the lot's lock). */
async function roomForImage(db: Db | Tx, lotId: number): Promise<Result<null>> {
  if ((await countImages(db, lotId)) >= MAX_IMAGES_PER_LOT)
    return refuse('too_many_images', { max: MAX_IMAGES_PER_LOT });
  return ok(null);
}

/** One image, if its lot is visible to this person. */
export async function imagePicture(
  ctx: AppContext,
  person: Person | undefined,
  imageId: number,
): Promise<Result<Picture>> {
  const image = await getImage(ctx.db, imageId);
  if (!image) return refuse('image_not_found');
  const lot = await visibleLotRow(ctx, person, image.lotId);
  if (!lot.ok) return lot;
  return ok({ contentType: image.contentType, bytes: image.bytes, draft: lot.value.status === 'draft' });
}

/** A lot's cover: its first image, or a placeholder drawn for its category, so a card never shows a broken image. */
export async function coverPicture(
  ctx: AppContext,
  person: Person | undefined,
  lotId: number,
): Promise<Result<Picture>> {
  const lot = await visibleLotRow(ctx, person, lotId);
  if (!lot.ok) return lot;
  const draft = lot.value.status === 'draft';
  const [first] = await listImages(ctx.db, lotId);
  const image = first ? await getImage(ctx.db, first.id) : undefined;
  if (image) return ok({ contentType: image.contentType, bytes: image.bytes, draft });
  return ok({
    contentType: 'image/svg+xml',
    bytes: new TextEncoder().encode(drawPlaceholder(lot.value.category)),
    draft,
  });
}
