// A signed document of the platform, whatever it is: a lot's record, its money trail, or another later
// fact naming the record (confirmation, countersignature, suspension, result notice). The JWS's claimed content type picks the verifier; that verifier then checks the
// header, the signature and the content in full, so a claim that lies only fails.
import { claimedContentType, type Jwks } from './jws.ts';
import { MONEY_TRAIL_CTY } from './money-trail-format.ts';
import { verifySignedMoneyTrail } from './verify-money-trail.ts';
import { verifySignedRecord, type Verdict } from './verify.ts';
import { lotFactTypeOf, verifySignedLotFact } from './verify-lot-fact.ts';

export async function verifySignedDocument(input: unknown, jwks: Jwks): Promise<Verdict> {
  const cty = claimedContentType(input);
  if (cty === MONEY_TRAIL_CTY) return verifySignedMoneyTrail(input, jwks);
  const fact = lotFactTypeOf(cty);
  if (fact) return verifySignedLotFact(input, jwks, fact);
  return verifySignedRecord(input, jwks);
}
