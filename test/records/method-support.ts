// Helpers for the records of every auction method: the signed record as the platform served it, an
// insider's re-signed change (the platform's own private key, as someone with database access could
// read it, so only the record's content can give the change away), the ledger chain recomputed as a
// forger would, and the offline verifier run as a regulator runs it.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { importJWK, type CryptoKey, type JWK } from 'jose';
import { signingKeys } from '../../db/schema.ts';
import { signFlattened, type FlattenedJws } from '../../server/records/jws.ts';
import { RECORD_CTY, type AuctionRecord } from '../../server/records/record-format.ts';
import { GENESIS_HASH, ledgerEntryHash } from '../../server/shared/hash-chain.ts';
import type { TestPlatform } from '../support/platform.ts';
import { ROOT } from '../support/server-process.ts';

export const recordOf = (jws: FlattenedJws): AuctionRecord =>
  JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'));

/** The platform's record-signing key, read from its table (the demo keeps it there). */
export async function platformKey(
  tp: TestPlatform,
  kid: string,
): Promise<{ kid: string; alg: 'EdDSA'; privateKey: CryptoKey }> {
  const [row] = await tp.database.db.select().from(signingKeys).where(eq(signingKeys.kid, kid));
  return { kid, alg: 'EdDSA', privateKey: (await importJWK(row.privateJwk as JWK, 'EdDSA')) as CryptoKey };
}

/** The ledger's hashes and the final hash recomputed after a change, as a forger would. */
export function rechain(r: AuctionRecord): void {
  let prev = GENESIS_HASH;
  for (const e of r.ledger) {
    e.prevHash = prev;
    e.hash = ledgerEntryHash(prev, { lotId: r.lot.id, ...e });
    prev = e.hash;
  }
  r.finalHash = prev;
}

/** The record changed by `change`, its chain recomputed and re-signed with the platform's own key. */
export async function insiderEdit(
  tp: TestPlatform,
  original: FlattenedJws,
  change: (r: AuctionRecord) => void,
): Promise<FlattenedJws> {
  const r = recordOf(original);
  change(r);
  rechain(r);
  const kid = JSON.parse(Buffer.from(original.protected, 'base64url').toString()).kid as string;
  return signFlattened(new TextEncoder().encode(JSON.stringify(r)), await platformKey(tp, kid), RECORD_CTY);
}

/** `npm run verify-record`'s script on a file, offline (the key set from a saved file). */
export function verifyOffline(
  dir: string,
  name: string,
  content: string | Uint8Array,
  jwksFile?: string,
): Promise<{
  code: number | null;
  out: string;
  verdict: { valid: boolean; code?: string; details?: Record<string, unknown> };
}> {
  const file = path.join(dir, name);
  fs.writeFileSync(file, content);
  const args = [
    path.join(ROOT, 'server/records/verify-cli.ts'),
    file,
    '--json',
    ...(jwksFile ? ['--jwks', jwksFile] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code) => {
      let verdict = { valid: false };
      try {
        verdict = JSON.parse(out);
      } catch {
        // Left as not valid: `out` says why.
      }
      resolve({ code, out, verdict });
    });
  });
}
