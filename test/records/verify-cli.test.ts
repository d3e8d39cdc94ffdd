import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ROOT } from '../support/server-process.ts';
import { CONTESTED_BIDS, seedEndedLot, type SeededLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens } from './support.ts';

let tp: TestPlatform;
let regulator: string;
let lot: SeededLot;
let dir: string;
let recordFile: string;
let jwksFile: string;

/** Runs the verifier: through `npm run verify-record -- …` as a regulator would, or its script directly (faster). */
function run(viaNpm: boolean, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = viaNpm
      ? spawn('npm', ['run', '--silent', 'verify-record', '--', ...args], {
          cwd: ROOT,
          env: { ...process.env, CI: 'true' },
        })
      : spawn(process.execPath, [path.join(ROOT, 'server/records/verify-cli.ts'), ...args], { cwd: ROOT });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}
const verifyRecord = (...args: string[]): ReturnType<typeof run> => run(false, args);

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  lot = await seedEndedLot(tp.database.db, { bids: CONTESTED_BIDS });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-cli-'));
  recordFile = path.join(dir, 'record.json');
  fs.writeFileSync(recordFile, (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=json`, regulator)).bytes);
  jwksFile = path.join(dir, 'jwks.json');
  fs.writeFileSync(jwksFile, JSON.stringify(await fetchJwks(tp)));
});
afterAll(async () => {
  await tp?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('npm run verify-record', () => {
  it('reports a genuine record valid offline, from a saved key set', async () => {
    const r = await run(true, [recordFile, '--jwks', jwksFile]);
    expect(r.out).toContain(
      `VALID auction record of lot ${lot.lotId} (closed), 7 ledger entries, final hash ${lot.finalHash}`,
    );
    expect(r.out).toMatch(/signature by key \S+ holds, signed \d{4}-\d{2}-\d{2}T/);
    expect(r.code).toBe(0);
  }, 90_000);

  it('fetches the key set from a URL when given one', async () => {
    const r = await verifyRecord(recordFile, '--jwks', `${tp.base}/api/.well-known/jwks.json`, '--json');
    expect(JSON.parse(r.out)).toMatchObject({
      valid: true,
      signed: true,
      kind: 'auction-record',
      details: { lotId: lot.lotId, entries: 7, finalHash: lot.finalHash },
    });
    expect(r.code).toBe(0);
  }, 90_000);

  it('reports a record with a changed byte invalid, with the reason, and exits 1', async () => {
    const jws = JSON.parse(fs.readFileSync(recordFile, 'utf8'));
    const record = JSON.parse(Buffer.from(jws.payload, 'base64url').toString());
    record.ledger.splice(1, 1);
    const tampered = path.join(dir, 'tampered.json');
    fs.writeFileSync(
      tampered,
      JSON.stringify({ ...jws, payload: Buffer.from(JSON.stringify(record)).toString('base64url') }),
    );
    const r = await verifyRecord(tampered, '--jwks', jwksFile);
    expect(r.out).toMatch(/^INVALID auction-record: the signature does not verify.*\(code SIGNATURE_INVALID\)$/m);
    expect(r.code).toBe(1);
  }, 90_000);

  it('reports a record checked against another key set invalid', async () => {
    const other = path.join(dir, 'other-jwks.json');
    fs.writeFileSync(
      other,
      JSON.stringify({
        keys: [
          {
            kty: 'OKP',
            crv: 'Ed25519',
            x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo',
            kid: 'someone-else',
            alg: 'EdDSA',
            use: 'sig',
          },
        ],
      }),
    );
    const r = await verifyRecord(recordFile, '--jwks', other);
    expect(r.out).toMatch(/not among the platform's published keys.*\(code UNKNOWN_KEY\)/);
    expect(r.code).toBe(1);
  }, 90_000);

  it('verifies a ledger CSV by its chain alone and reports it NOT SIGNED, never plain VALID', async () => {
    const csv = path.join(dir, 'ledger.csv');
    fs.writeFileSync(csv, (await getBytes(tp, `/api/records/lots/${lot.lotId}?format=csv`, regulator)).bytes);
    const r = await verifyRecord(csv);
    expect(r.out).toContain(
      `CHAIN HOLDS, NOT SIGNED: ledger CSV with 7 entries, final hash ${lot.finalHash} (code NOT_SIGNED)`,
    );
    expect(r.out).toContain('CSV carries no signature');
    expect(r.out).not.toMatch(/^VALID/m);
    expect(r.code).toBe(0);
    const json = await verifyRecord(csv, '--json');
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, signed: false, code: 'NOT_SIGNED', kind: 'ledger-csv' });
  }, 90_000);

  it('explains bad arguments, a missing file or a bad key set, and exits 2', async () => {
    const none = await run(true, []);
    expect(none.err).toContain('usage: npm run verify-record');
    expect(none.code).toBe(2);
    const missing = await verifyRecord(path.join(dir, 'nope.json'), '--jwks', jwksFile);
    expect(missing.err).toContain('cannot read');
    expect(missing.code).toBe(2);
    const badJwks = path.join(dir, 'bad-jwks.json');
    fs.writeFileSync(badJwks, '[1,2');
    const bad = await verifyRecord(recordFile, '--jwks', badJwks);
    expect(bad.err).toContain('is not JSON');
    expect(bad.code).toBe(2);
    const noKeys = await verifyRecord(recordFile);
    expect(noKeys.err).toContain('pass --jwks');
    expect(noKeys.code).toBe(2);
  }, 90_000);
});
