// The media answers as zod schemas: the one definition of each shape. The routes validate and document
// with them (/api/openapi.json) and the media service's types are inferred from them.
import { z } from '@hono/zod-openapi';

/** One image of a lot. */
export const LotImageSchema = z
  .object({
    id: z.number().int(),
    position: z.number().int(),
    contentType: z.string(),
    bytes: z.number().int(),
    url: z.string(),
  })
  .openapi('LotImage');
export type LotImage = z.infer<typeof LotImageSchema>;

/** A lot's images in display order. */
export const LotImagesSchema = z.object({ items: z.array(LotImageSchema) });
