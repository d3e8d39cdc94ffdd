// `npm run verify-record -- <file> --jwks <file-or-url> [--json]`: verifies a signed auction record,
// an NDJSON export or a ledger/audit CSV without the platform: the signature against a saved (or
// fetched) JWKS and every hash chain recomputed locally. Exit code 0: valid (a CSV: its chain holds,
// reported as NOT SIGNED, never as plain VALID), 1: invalid, 2: could not check (bad arguments,
// unreadable file, no keys). Invalid verdicts name the same code (VERIFY_CODES) as the API. With
// --inclusion it also checks that the document is in the transparency log (exit 1 when it is not).
import fs from 'node:fs';
import { parseArgs } from 'node:util';
import type { Jwks } from './jws.ts';
import { detectKind, verifyDocument } from './verify-document.ts';
import { readJwsText, type Verdict } from './verify.ts';
import { toFlattened } from './jws.ts';
import type { AuctionRecord } from './record-format.ts';
import { lotFactMismatch, mismatchVerdict } from './verify-lot-fact.ts';
import { checkInclusion } from '../transparency/verify-inclusion.ts';

const USAGE =
  'usage: npm run verify-record -- <record.json | money-trail.json | confirmation.json | countersignature.json | suspension.json | result-notice.json | export.ndjson | file.csv | -> --jwks <jwks.json | https://…/api/.well-known/jwks.json> [--record record.json] [--confirmation confirmation.json] [--inclusion proof.json | URL] [--json]\n(--jwks is not needed for CSV files, which carry no signature; --record checks that a document after the record names it, --confirmation that a countersignature names it, --inclusion that the document is in the transparency log: a proof saved from GET /api/log/proof/inclusion?hash=<digest>, or that URL)';

class CliError extends Error {}

async function readSource(source: string): Promise<Buffer> {
  if (/^https?:\/\//.test(source)) {
    let res: Response;
    try {
      res = await fetch(source, { signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      throw new CliError(`cannot fetch ${source}: ${(err as Error).message}`);
    }
    if (!res.ok) throw new CliError(`cannot fetch ${source}: HTTP ${res.status}`);
    return Buffer.from(await res.arrayBuffer());
  }
  try {
    return source === '-' ? fs.readFileSync(0) : fs.readFileSync(source);
  } catch (err) {
    throw new CliError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function parseJwks(bytes: Buffer, source: string): Jwks {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new CliError(`${source} is not JSON: expected a JWKS ({"keys":[…]})`);
  }
  const keys = (value as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.some((k) => !k || typeof k !== 'object'))
    throw new CliError(`${source} is not a JWKS: expected {"keys":[…]}`);
  return { keys } as Jwks;
}

/** The verdict in one line (two with a note), with the same code the API answers. */
function describe(v: Verdict): string {
  const d = v.details ?? {};
  const what =
    v.kind === 'auction-record'
      ? `auction record of lot ${String(d.lotId)} (${String(d.status)}), ${String(d.entries)} ledger entries, final hash ${String(d.finalHash)}`
      : v.kind === 'money-trail'
        ? `money trail of lot ${String(d.lotId)} (${String(d.status)}): received ${String(d.received)} VND = held ${String(d.held)} + on deposit ${String(d.onDeposit)} + retained ${String(d.retained)} + forfeited ${String(d.forfeited)} + due for refund ${String(d.dueForRefund)} + refunded ${String(d.refunded)} + returned ${String(d.returned)}; for the record with final hash ${String(d.finalHash)}`
        : v.kind === 'confirmation'
          ? `confirmation of lot ${String(d.lotId)}: ${String(d.bidderCode)} signed the record at ${String(d.price)} VND on ${String(d.confirmedAt)}${d.nextBidder ? ' (the next bidder, Art. 51)' : ''}; for the record with final hash ${String(d.finalHash)}; digest ${String(d.digest)}`
          : v.kind === 'countersignature'
            ? `countersignature of lot ${String(d.lotId)} by ${String(d.manager)} on ${String(d.approvedAt)}, of the confirmation ${String(d.confirmationDigest)}; for the record with final hash ${String(d.finalHash)}`
            : v.kind === 'suspension'
              ? `suspension of lot ${String(d.lotId)} on ${String(d.suspendedAt)} (${String(d.reason)}), the ledger at seq ${String(d.seq)} with hash ${String(d.lastHash)}`
              : v.kind === 'result-notice'
                ? `result notice ${String(d.sequence)} of lot ${String(d.lotId)}: ${String(d.status)}, award ${String(d.award)}, price ${String(d.price)}; for the record with final hash ${String(d.finalHash)}`
                : v.kind === 'lot-export'
                  ? `lot export with ${String(d.lots)} lot records`
                  : v.kind === 'audit-export' || v.kind === 'audit-csv'
                    ? `audit log with ${String(d.events)} events${d.fromGenesis ? ' from the start of the log' : `, continuing from ${String(d.previousHash)}`}, last hash ${String(d.lastHash)}`
                    : v.kind === 'ledger-csv'
                      ? `ledger CSV with ${String(d.entries)} entries, final hash ${String(d.finalHash)}`
                      : String(v.kind);
  if (!v.valid) return `INVALID ${v.kind ?? 'document'}: ${v.reason} (code ${v.code})`;
  // A CSV's chain can be recomputed by anyone who edits it: never "VALID" without a signature.
  if (!v.signed) return `CHAIN HOLDS, NOT SIGNED: ${what} (code ${v.code})${d.note ? `\nnote: ${String(d.note)}` : ''}`;
  const signedAt = typeof d.signedAt === 'string' ? `, signed ${d.signedAt}` : '';
  return `VALID ${what}; signature by key ${v.kid} holds${signedAt}`;
}

/**
 * A document after the record, checked against the documents it names that the reader gave: each of
 * them verified first (a forged record proves nothing), then compared.
 */
async function checkNamed(
  fact: Verdict,
  jwks: Jwks,
  recordFile: string | undefined,
  confirmationFile: string | undefined,
): Promise<Verdict> {
  if (!fact.kind || !['confirmation', 'countersignature', 'suspension', 'result-notice'].includes(fact.kind))
    throw new CliError(`--record and --confirmation apply to documents after the record, not to a ${fact.kind}`);
  let record: AuctionRecord | undefined;
  if (recordFile) {
    const bytes = await readSource(recordFile);
    const v = await verifyDocument(bytes, jwks, 'record');
    if (!v.valid || v.kind !== 'auction-record')
      throw new CliError(`${recordFile} is not a valid signed record: ${v.reason ?? v.kind}`);
    const read = readJwsText(bytes.toString('utf8'));
    const jws = read.ok ? toFlattened(read.value) : undefined;
    if (!jws?.ok) throw new CliError(`${recordFile} is not a signed record`);
    record = JSON.parse(Buffer.from(jws.jws.payload, 'base64url').toString('utf8')) as AuctionRecord;
  }
  let confirmation: Verdict | undefined;
  if (confirmationFile) confirmation = await verifyDocument(await readSource(confirmationFile), jwks, 'record');
  const mismatch = lotFactMismatch(fact, { record, confirmation });
  return mismatch ? mismatchVerdict(fact, mismatch) : fact;
}

function parseProof(bytes: Buffer): unknown {
  try {
    return JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new CliError('the inclusion proof is not JSON: save the answer of GET /api/log/proof/inclusion');
  }
}

async function main(argv: string[]): Promise<number> {
  const args = (() => {
    try {
      return parseArgs({
        args: argv,
        options: {
          jwks: { type: 'string' },
          record: { type: 'string' },
          confirmation: { type: 'string' },
          inclusion: { type: 'string' },
          json: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
        },
        allowPositionals: true,
      });
    } catch (err) {
      throw new CliError(`${(err as Error).message}\n${USAGE}`);
    }
  })();
  if (args.values.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.positionals.length !== 1) throw new CliError(USAGE);
  const [file] = args.positionals;
  const bytes = await readSource(file);
  const kind = detectKind(bytes.toString('utf8'));
  let jwks: Jwks = { keys: [] };
  if (kind !== 'csv') {
    // The keys must come from the reader, never from the document: a forged record could name a
    // forger's key set.
    const source = args.values.jwks;
    if (!source)
      throw new CliError(
        'no published keys to check the signature against: pass --jwks <file-or-url> (the platform publishes them at /api/.well-known/jwks.json)',
      );
    jwks = parseJwks(await readSource(source), source);
  }
  let verdict = await verifyDocument(bytes, jwks, kind);
  if (verdict.valid && (args.values.record || args.values.confirmation))
    verdict = await checkNamed(verdict, jwks, args.values.record, args.values.confirmation);
  if (verdict.valid && args.values.inclusion && kind === 'csv')
    throw new CliError('a CSV is not signed and so never logged: --inclusion applies to signed documents');
  const inclusion =
    verdict.valid && args.values.inclusion
      ? await checkInclusion(bytes.toString('utf8'), parseProof(await readSource(args.values.inclusion)), jwks)
      : undefined;
  if (args.values.json) console.log(JSON.stringify(inclusion ? { ...verdict, inclusion } : verdict, null, 2));
  else {
    console.log(describe(verdict));
    if (inclusion?.included)
      console.log(
        `INCLUDED in the transparency log: leaf ${inclusion.leafIndex} of the signed tree head of size ${inclusion.treeHead.treeSize} (root ${inclusion.treeHead.rootHash}, signed ${inclusion.treeHead.timestamp})`,
      );
    else if (inclusion) console.log(`NOT INCLUDED in the transparency log: ${inclusion.reason}`);
  }
  return verdict.valid && inclusion?.included !== false ? 0 : 1;
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (err) {
  if (!(err instanceof CliError)) throw err;
  console.error(`verify-record: ${err.message}`);
  process.exitCode = 2;
}
