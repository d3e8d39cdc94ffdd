// Verification of a signed money trail (issue 17): the signature against the published keys, the
// document's shape, then its arithmetic recomputed from its own items with the platform's rules
// (server/payments/trail-rules.ts): every total must be what the items give, and the trail must add up
// (received = held + onDeposit + retained + forfeited + dueForRefund + refunded + returned, payment by
// payment too). No database: the server route and the offline CLI share it.
import { computeTrail, TRAIL_TOTAL_KEYS } from '../payments/trail-rules.ts';
import { verifyJws, type Jwks } from './jws.ts';
import { MONEY_TRAIL_CTY, MoneyTrailDocumentSchema } from './money-trail-format.ts';
import { problem } from './verify-codes.ts';
import { describeIssues, invalidVerdict, parseJsonBytes, type Verdict } from './verify.ts';

export async function verifySignedMoneyTrail(input: unknown, jwks: Jwks): Promise<Verdict> {
  const kind = 'money-trail';
  const sig = await verifyJws(input, jwks, MONEY_TRAIL_CTY);
  if (!sig.ok) return invalidVerdict(kind, sig);
  const signed = { signed: true, kid: sig.kid };
  const parsed = parseJsonBytes(sig.payload);
  if (!parsed.ok) return invalidVerdict(kind, problem('PAYLOAD_NOT_JSON', 'the signed payload is not JSON'), signed);
  const doc = MoneyTrailDocumentSchema.safeParse(parsed.value);
  if (!doc.success) {
    const issues = describeIssues(doc.error.issues);
    return invalidVerdict(
      kind,
      problem('NOT_A_MONEY_TRAIL', `the signed payload is not a money trail (${issues})`, { issues }),
      signed,
    );
  }
  const d = doc.data;
  const details = {
    lotId: d.lot.id,
    title: d.lot.title,
    status: d.lot.status,
    finalHash: d.record.finalHash,
    kid: sig.kid,
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
