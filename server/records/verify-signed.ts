// A signed document of the platform, whatever it is: a lot's record or its money trail (a later fact
// naming the record). The JWS's claimed content type picks the verifier; that verifier then checks the
// header, the signature and the content in full, so a claim that lies only fails.
import { claimedContentType, type Jwks } from './jws.ts';
import { MONEY_TRAIL_CTY } from './money-trail-format.ts';
import { verifySignedMoneyTrail } from './verify-money-trail.ts';
import { verifySignedRecord, type Verdict } from './verify.ts';

export async function verifySignedDocument(input: unknown, jwks: Jwks): Promise<Verdict> {
  if (claimedContentType(input) === MONEY_TRAIL_CTY) return verifySignedMoneyTrail(input, jwks);
  return verifySignedRecord(input, jwks);
}
