// The signed record's shape on the wire: a JWS in flattened JSON serialization. The one definition:
// the routes document it, and jws.ts (which the verifier worker and CLI load) takes its type only.
import { z } from '@hono/zod-openapi';

export const FlattenedJwsSchema = z
  .object({ protected: z.string(), payload: z.string(), signature: z.string() })
  .openapi('SignedRecord', {
    description:
      'A JWS (flattened JSON serialization) whose payload is the auction record as JSON; `cty` is auction-record+json, `kid` names a key in /api/.well-known/jwks.json.',
  });

export type FlattenedJws = z.infer<typeof FlattenedJwsSchema>;
