// Shared OpenAPI pieces: the error body schema and error responses by status.
import { z } from '@hono/zod-openapi';
import { ERROR_CODES } from '../shared/errors.ts';

export const ErrorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES as [string, ...string[]]),
      message: z.string(),
      fields: z.record(z.string(), z.string()).optional().openapi({ description: 'For VALIDATION_FAILED: one message per offending field.' }),
    }),
  })
  .openapi('Error');

const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed request',
  401: 'Missing, invalid or expired e-ID token (UNAUTHENTICATED)',
  403: 'Not allowed (FORBIDDEN, LEVEL_TOO_LOW, NOT_APPROVED, BIDDER_BARRED)',
  404: 'Not found',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  422: 'Validation failed (VALIDATION_FAILED, with per-field messages)',
  429: 'Rate limited',
  503: 'Temporarily unavailable',
};

/** Error responses for a route's OpenAPI description. */
export function errorResponses(...statuses: number[]): Record<number, { description: string; content: { 'application/json': { schema: typeof ErrorSchema } } }> {
  return Object.fromEntries(statuses.map((s) => [s, { description: DESCRIPTIONS[s] ?? 'Error', content: { 'application/json': { schema: ErrorSchema } } }]));
}
