// Verification of a signed money trail (issue 17): the signature against the published keys, the
// document's shape, then its arithmetic recomputed from its own items with the platform's rules
// (server/payments/trail-rules.ts): every total must be what the items give, and the trail must add up
// (received = held + onDeposit + retained + forfeited + dueForRefund + refunded + returned, payment by
// payment too). No database: the server route and the offline CLI share it.
import { computeTrail, TRAIL_TOTAL_KEYS } from '../payments/trail-rules.ts';
import type { Jwks } from './jws.ts';
import { MONEY_TRAIL_CTY, MoneyTrailDocumentSchema } from './money-trail-format.ts';
import { problem } from './verify-codes.ts';
import { invalidVerdict, readSigned, type Verdict } from './verify.ts';

export async function verifySignedMoneyTrail(input: unknown, jwks: Jwks): Promise<Verdict> {
  const kind = 'money-trail';
  const read = await readSigned(input, jwks, {
    kind,
    cty: MONEY_TRAIL_CTY,
    schema: MoneyTrailDocumentSchema,
    notCode: 'NOT_A_MONEY_TRAIL',
    what: 'a money trail',
  });
  if (!read.ok) return read.verdict;
  const { value: d, signed, kid } = read;
  const details = {
    lotId: d.lot.id,
    title: d.lot.title,
    status: d.lot.status,
    finalHash: d.record.finalHash,
    kid,
    signedAt: d.issuedAt,
    ...d.trail.totals,
  };
  const { totals, problems } = computeTrail(d.trail);
  for (const key of TRAIL_TOTAL_KEYS) {
    if (totals[key] !== d.trail.totals[key])
      return invalidVerdict(
        kind,
        problem(
          'MONEY_TRAIL_TOTALS_MISMATCH',
          `the trail states ${key} = ${d.trail.totals[key]} VND, its items give ${totals[key]} VND`,
          { total: key, stated: d.trail.totals[key], computed: totals[key] },
        ),
        { ...signed, details },
      );
  }
  if (problems.length > 0 || !d.trail.balanced || d.trail.problems.length > 0)
    return invalidVerdict(
      kind,
      problem(
        'MONEY_TRAIL_UNBALANCED',
        `the money trail does not add up: ${problems[0] ?? d.trail.problems[0] ?? 'it says it is not balanced'}`,
        { detail: problems[0] ?? d.trail.problems[0] ?? null },
      ),
      { ...signed, details },
    );
  return { valid: true, ...signed, kind, details };
}
