// Types shared by the SvelteKit app: what hooks put on each request.
import type { Locale } from '#lib/i18n/index.ts';
import type { Me } from '#lib/api/types.ts';

declare global {
  namespace App {
    interface Locals {
      locale: Locale;
      /** The signed-in person (from GET /api/me with the request's cookie), or null. */
      me: Me | null;
    }
    interface Error {
      message: string;
      code?: string;
      /** For 503 UNAVAILABLE: seconds after which the page tries again (also its Retry-After header). */
      retryAfter?: number;
    }
  }
}

export {};
