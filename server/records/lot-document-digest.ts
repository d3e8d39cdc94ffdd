// The digest by which a signed document is named by others (a countersignature names its confirmation,
// a result notice the one it supersedes) and by the transparency log: base64url SHA-256 of the
// document's text as issued (the flattened JWS JSON). Free of database imports: the verifier loads it.
import { createHash } from 'node:crypto';

export function documentDigest(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('base64url');
}
