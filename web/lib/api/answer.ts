// What an openapi-fetch call resolves to, and the error it carries, for the browser's client
// (./client.ts) and the pages' server-side one (./server.ts).
import type { ApiError } from './types.ts';

/** An openapi-fetch answer: the data of a 2xx, or the parsed error body, and the response. */
export type Answer<D> = Promise<{ data?: D; error?: unknown; response: Response }>;

/** The `error` of an API error body, or UNAVAILABLE when the body is not one (a proxy's page). */
export function errorOf(body: unknown, status: number): ApiError {
  const error = (body as { error?: ApiError } | undefined)?.error;
  return error && typeof error === 'object' && typeof error.code === 'string'
    ? error
    : { code: 'UNAVAILABLE', message: `HTTP ${status}` };
}
