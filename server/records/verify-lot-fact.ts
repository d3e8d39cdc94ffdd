// Verification of the signed documents issued after a lot's record (issue 18: confirmation,
// countersignature, suspension, result notice): the signature against the published keys, the
// document's shape for its content type, and, when the reader has them, the documents it names: the
// record (same lot, same final hash of the ledger; a suspension names the ledger as it stood, which
// the record's ledger must hold at that seq) and, for a countersignature, the confirmation (its
// digest). No database: the server route and the offline CLI share it.
import type { ZodType } from 'zod';
import { toFlattened, type Jwks } from './jws.ts';
import { documentDigest } from './lot-document-digest.ts';
import { LOT_FACT_SCHEMAS, LOT_FACTS, type LotFact, type LotFactType } from './lot-fact-format.ts';
import type { AuctionRecord } from './record-format.ts';
import { problem, type Problem } from './verify-codes.ts';
import { invalidVerdict, readSigned, type Verdict } from './verify.ts';

/** The document type a JWS content type stands for, if it is one of the lot facts. */
export function lotFactTypeOf(cty: string | undefined): LotFactType | undefined {
  return (Object.keys(LOT_FACTS) as LotFactType[]).find((t) => LOT_FACTS[t].cty === cty);
}

/** What the verdict says about a fact, besides its validity. */
function detailsOf(d: LotFact, digest: string | null): Record<string, unknown> {
  const base = { lotId: d.lot.id, title: d.lot.title, signedAt: d.issuedAt, digest };
  switch (d.type) {
    case 'confirmation':
      return {
        ...base,
        finalHash: d.record.finalHash,
        bidderCode: d.bidderCode,
        price: d.price,
        confirmedAt: d.confirmedAt,
        nextBidder: d.nextBidder,
      };
    case 'countersignature':
      return {
        ...base,
        finalHash: d.record.finalHash,
        confirmationDigest: d.confirmation.digest,
        bidderCode: d.confirmation.bidderCode,
        price: d.confirmation.price,
        manager: d.manager.name,
        approvedAt: d.approvedAt,
      };
    case 'suspension':
      return {
        ...base,
        seq: d.ledger.seq,
        lastHash: d.ledger.lastHash,
        suspendedAt: d.suspendedAt,
        reason: d.reason,
      };
    case 'result-notice':
      return {
        ...base,
        finalHash: d.record.finalHash,
        sequence: d.sequence,
        status: d.status,
        award: d.award,
        price: d.price,
        supersedes: d.supersedes,
      };
  }
}

/** The digest other documents name this one by, when it is read in the form it was issued (flattened JSON). */
function digestOf(input: unknown): string | null {
  const read = toFlattened(input);
  if (!read.ok || typeof input === 'string') return null;
  const { protected: p, payload, signature } = read.jws;
  return documentDigest(JSON.stringify({ protected: p, payload, signature }));
}

export async function verifySignedLotFact(input: unknown, jwks: Jwks, type: LotFactType): Promise<Verdict> {
  const read = await readSigned(input, jwks, {
    kind: type,
    cty: LOT_FACTS[type].cty,
    schema: LOT_FACT_SCHEMAS[type] as ZodType<LotFact>,
    notCode: 'NOT_A_LOT_DOCUMENT',
    what: LOT_FACTS[type].what,
  });
  if (!read.ok) return read.verdict;
  return { valid: true, ...read.signed, kind: type, details: detailsOf(read.value, digestOf(input)) };
}

/**
 * Checks a valid fact against the documents it names, when the reader has them: a record (verified
 * already) of the same lot whose ledger ends (or, for a suspension, stands at the suspension's seq)
 * with the hash the fact names, and the confirmation a countersignature names. The first problem, or
 * undefined when everything given agrees.
 */
export function lotFactMismatch(
  fact: Verdict,
  given: { record?: AuctionRecord; confirmation?: Verdict },
): Problem | undefined {
  const d = fact.details ?? {};
  const { record, confirmation } = given;
  if (record) {
    if (record.lot.id !== d.lotId)
      return problem(
        'DOCUMENT_RECORD_MISMATCH',
        `the document is about lot ${String(d.lotId)}, the record about lot ${record.lot.id}`,
        {
          detail: 'lot',
        },
      );
    if (fact.kind === 'suspension') {
      const seq = Number(d.seq);
      const at = seq === 0 ? undefined : record.ledger[seq - 1];
      const held =
        seq === 0 ? record.ledger.length === 0 || record.ledger[0].prevHash === d.lastHash : at?.hash === d.lastHash;
      if (!held || record.ledger.length !== seq)
        return problem(
          'DOCUMENT_RECORD_MISMATCH',
          `the suspension names the ledger at seq ${seq} with hash ${String(d.lastHash)}; the record's ledger does not end there`,
          { detail: 'ledger' },
        );
    } else if (record.finalHash !== d.finalHash)
      return problem(
        'DOCUMENT_RECORD_MISMATCH',
        `the document names the record with final hash ${String(d.finalHash)}, this record's is ${record.finalHash}`,
        { detail: 'finalHash' },
      );
  }
  if (confirmation && fact.kind === 'countersignature') {
    const c = confirmation.details ?? {};
    if (confirmation.kind !== 'confirmation' || !confirmation.valid || c.digest !== d.confirmationDigest)
      return problem(
        'COUNTERSIGNATURE_CONFIRMATION_MISMATCH',
        `the countersignature names the confirmation ${String(d.confirmationDigest)}, the one given is ${String(c.digest ?? 'not a valid confirmation')}`,
        {},
      );
  }
  return undefined;
}

/** A verdict turned invalid by a mismatch with the documents it names. */
export function mismatchVerdict(fact: Verdict, p: Problem): Verdict {
  return invalidVerdict(fact.kind ?? 'document', p, { signed: fact.signed, kid: fact.kid, details: fact.details });
}
