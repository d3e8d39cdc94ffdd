// The signed money trail's verification (server/records/verify-money-trail.ts), on a constructed trail:
// a winner's deposit retained, a loser's deposit refunded, another's due, a late transfer owed back and
// an overpayment held. The verifier recomputes the totals from the items with the platform's rules
// (server/payments/trail-rules.ts): a trail whose stated totals or items were changed is not valid even
// when it is signed, and the dispatcher still sends records to the record verifier.
import { beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { signCompact, signFlattened, type Jwks } from '../../server/records/jws.ts';
import { MONEY_TRAIL_CTY, type MoneyTrailDocument } from '../../server/records/money-trail-format.ts';
import { RECORD_CTY } from '../../server/records/record-format.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { computeTrail } from '../../server/payments/trail-rules.ts';

let key: { kid: string; alg: 'EdDSA'; privateKey: CryptoKey };
let jwks: Jwks;

beforeAll(async () => {
  const pair = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  key = { kid: 'trail', alg: 'EdDSA', privateKey: pair.privateKey };
  jwks = { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'trail', alg: 'EdDSA', use: 'sig' }] };
});

const at = '2026-12-01T09:00:00.000Z';
const payment = (reference: string, bidderCode: string, received: number, state: string, kind = 'deposit') => ({
  reference,
  kind,
  bidderCode,
  amount: 4_000_000,
  received,
  state,
  dueAt: at,
});
const credit = (
  id: number,
  reference: string,
  amount: number,
  outcome = 'accepted',
  decision: string | null = null,
) => ({
  id,
  source: 'webhook',
  transactionId: `FT${id}`,
  reference,
  amount,
  paidAt: at,
  outcome,
  holdReason: outcome === 'held' ? 'overpaid' : null,
  decision,
});
const refund = (
  id: number,
  reason: string,
  reference: string,
  amount: number,
  state: string,
  creditId: number | null = null,
) => ({
  id,
  reason,
  creditId,
  reference,
  bidderCode: 'B',
  amount,
  dueAt: at,
  state,
  sentAt: state === 'sent' ? at : null,
  bankReference: state === 'sent' ? `OUT${id}` : null,
});

function trailDoc(): MoneyTrailDocument {
  const items = {
    payments: [
      payment('DGWIN000001', 'A1', 4_000_000, 'retained'),
      payment('DGLOS000002', 'B2', 4_000_000, 'refunded'),
      payment('DGLOS000003', 'C3', 4_000_000, 'refund_due'),
    ],
    credits: [
      credit(1, 'DGWIN000001', 4_000_000),
      credit(2, 'DGLOS000002', 4_000_000),
      credit(3, 'DGLOS000003', 1_000_000),
      credit(4, 'DGLOS000003', 3_000_000),
      credit(5, 'DGLOS000003', 500_000, 'late'),
      credit(6, 'DGWIN000001', 2_000_000, 'held'),
    ],
    refunds: [
      refund(1, 'deposit', 'DGLOS000002', 4_000_000, 'sent'),
      refund(2, 'deposit', 'DGLOS000003', 4_000_000, 'due'),
      refund(3, 'late_payment', 'DGLOS000003', 500_000, 'sent', 5),
    ],
  } as unknown as Omit<MoneyTrailDocument['trail'], 'totals' | 'balanced' | 'problems'>;
  const { totals, problems } = computeTrail(items);
  return {
    type: 'money-trail',
    version: 1,
    issuedAt: at,
    issuer: 'https://dau-gia.example',
    lot: { id: 7, title: 'Biển số 30K-999.99', status: 'closed' },
    record: { finalHash: 'a'.repeat(64) },
    trail: { ...items, totals, balanced: problems.length === 0, problems },
  };
}

const verify = async (doc: unknown, cty = MONEY_TRAIL_CTY) =>
  verifyDocument(
    new TextEncoder().encode(
      JSON.stringify(await signFlattened(new TextEncoder().encode(JSON.stringify(doc)), key, cty)),
    ),
    jwks,
  );

describe('a signed money trail', () => {
  it('adds up: received = held + on deposit + retained + forfeited + due + refunded + returned', () => {
    expect(trailDoc().trail).toMatchObject({
      balanced: true,
      problems: [],
      totals: {
        expected: 12_000_000,
        received: 14_500_000,
        held: 2_000_000,
        onDeposit: 0,
        retained: 4_000_000,
        forfeited: 0,
        dueForRefund: 4_000_000,
        refunded: 4_000_000,
        returned: 500_000,
      },
    });
  });

  it('verifies, in every JWS form, naming the lot, the record it belongs to and its totals', async () => {
    const doc = trailDoc();
    const verdict = await verify(doc);
    expect(verdict).toMatchObject({
      valid: true,
      signed: true,
      kind: 'money-trail',
      kid: 'trail',
      details: { lotId: 7, finalHash: 'a'.repeat(64), received: 14_500_000, refunded: 4_000_000, signedAt: at },
    });
    const compact = await signCompact(new TextEncoder().encode(JSON.stringify(doc)), key, MONEY_TRAIL_CTY);
    expect(await verifyDocument(new TextEncoder().encode(compact), jwks)).toMatchObject({ valid: true });
  });

  it('is not valid when a stated total was changed, even signed', async () => {
    const doc = trailDoc();
    doc.trail.totals.refunded -= 1_000_000;
    doc.trail.totals.forfeited += 1_000_000;
    expect(await verify(doc)).toMatchObject({
      valid: false,
      signed: true,
      code: 'MONEY_TRAIL_TOTALS_MISMATCH',
      params: { total: 'forfeited', stated: 1_000_000, computed: 0 },
    });
  });

  it('is not valid when an item was changed so that the money no longer adds up', async () => {
    const short = trailDoc();
    short.trail.refunds[0].amount = 3_000_000;
    short.trail.totals = computeTrail(short.trail).totals;
    expect(await verify(short)).toMatchObject({ valid: false, code: 'MONEY_TRAIL_UNBALANCED' });
    expect((await verify(short)).reason).toContain('DGLOS000002');

    const lateUnreturned = trailDoc();
    lateUnreturned.trail.refunds.pop();
    lateUnreturned.trail.totals = computeTrail(lateUnreturned.trail).totals;
    expect(await verify(lateUnreturned)).toMatchObject({ valid: false, code: 'MONEY_TRAIL_UNBALANCED' });
    expect((await verify(lateUnreturned)).reason).toContain('FT5');

    const creditDropped = trailDoc();
    creditDropped.trail.credits.splice(2, 1);
    creditDropped.trail.totals = computeTrail(creditDropped.trail).totals;
    expect(await verify(creditDropped)).toMatchObject({ valid: false, code: 'MONEY_TRAIL_UNBALANCED' });
  });

  it('is not valid when it says it does not add up, and refuses other content under its type', async () => {
    const doc = trailDoc();
    doc.trail.balanced = false;
    expect(await verify(doc)).toMatchObject({ valid: false, code: 'MONEY_TRAIL_UNBALANCED' });
    expect(await verify({ ...trailDoc(), trail: undefined })).toMatchObject({
      valid: false,
      signed: true,
      code: 'NOT_A_MONEY_TRAIL',
    });
    // Personal data has no place in it: an extra field is refused.
    const withName = trailDoc() as unknown as { trail: { credits: Record<string, unknown>[] } };
    withName.trail.credits[0].payerName = 'NGUYEN VAN A';
    expect(await verify(withName)).toMatchObject({ valid: false, code: 'NOT_A_MONEY_TRAIL' });
  });

  it('cannot pass as a record, nor a record as a money trail', async () => {
    // Signed as a record: the record verifier reads it, and it is no record.
    expect(await verify(trailDoc(), RECORD_CTY)).toMatchObject({ valid: false, code: 'NOT_AN_AUCTION_RECORD' });
  });
});
