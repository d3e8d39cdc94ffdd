import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { personKey } from '../../server/privacy/personal-data.ts';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import vm from 'node:vm';
import { asc, desc, sql } from 'drizzle-orm';
import { auditEvents, lots } from '../../db/schema.ts';
import { auditHashFields } from '../../server/audit/audit-log.ts';
import { auditEventHash, AUDIT_CHAIN_VERSION, GENESIS_HASH } from '../../server/shared/hash-chain.ts';
import { verifyDocument } from '../../server/records/verify-document.ts';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ROOT } from '../support/server-process.ts';
import { addPerson, CONTESTED_BIDS, seedEndedLot } from './factory.ts';
import { fetchJwks, getBytes, personaTokens } from './support.ts';
import { DEFAULT_ORGANISATION_ID } from '../support/organisations.ts';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Lots ending every 104 minutes through the year. Each is read, built into its record and verified,
 * so their number is much of the test's cost; their ~7 KB descriptions keep the export larger than
 * the memory bound (~38 MB), so that an export built in memory could not pass.
 */
const LOTS = 5_000;
/**
 * The most live memory (JS heap and array buffers, after a full GC) may grow while a whole year
 * streams through. Measured with 10,000 lots of ~4 KB descriptions (a ~46 MB export), a version that
 * built it in memory grew by 49 MB (PGlite) and 71 MB (PostgreSQL); this one by 3–14 MB (on PGlite,
 * mostly its WebAssembly memory).
 */
const HEAP_BOUND_MB = 32;

let tp: TestPlatform;
let regulator: string;
let dir: string;

beforeAll(async () => {
  tp = await startTestPlatform();
  regulator = (await personaTokens(tp)).regulator!;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'records-export-'));
  const manager = await addPerson(tp.database.db, { name: 'Lê Thị Quản Lý', roles: ['manager'] });
  // Ended auctions in one statement; each lot carries a ~7 KB Vietnamese description so that
  // buffering the export anywhere would show in live memory.
  await tp.database.db.execute(sql`
    insert into lots (organisation_id, title, description, category, status, starting_price, price_step, deposit,
      registration_opens_at, registration_closes_at, starts_at, ends_at, scheduled_ends_at, rules, manager_pid, closed_at)
    select ${DEFAULT_ORGANISATION_ID}, 'Lô tài sản số ' || g, repeat('Quyền sử dụng đất và tài sản gắn liền với đất tại phường Bến Nghé. ', 70), 'land',
      case when g % 3 = 0 then 'failed' else 'cancelled' end, 1000000000, 50000000, 100000000,
      e - interval '10 days', e - interval '5 days', e - interval '1 day', e, e, 'Quy chế số ' || g, ${personKey(manager)}, e
    from generate_series(1, ${LOTS}) g, lateral (select timestamptz '2025-01-01T00:00:00Z' + (g * interval '104 minutes') as e) t`);
  await chainEndEvents();
}, 300_000);

/**
 * Each lot's end on the audit chain, as the closing scheduler and the cancel path chain it (a record
 * is only issued for a lot whose result agrees with its chained end), inserted in batches.
 */
async function chainEndEvents(): Promise<void> {
  const { db } = tp.database;
  const ended = await db
    .select({ id: lots.id, status: lots.status, closedAt: lots.closedAt })
    .from(lots)
    .orderBy(asc(lots.id));
  const [last] = await db.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.id)).limit(1);
  let prevHash = last?.hash ?? GENESIS_HASH;
  const rows = ended.map((l) => {
    const failed = l.status === 'failed';
    const data = failed
      ? {
          finalPrice: null,
          winnerRegistrationId: null,
          winnerBidderCode: null,
          winnerPersonHash: null,
          reason: 'no bids',
        }
      : { reason: 'Hồ sơ pháp lý chưa đầy đủ' };
    const row = {
      chainVersion: AUDIT_CHAIN_VERSION,
      at: l.closedAt!,
      actorPid: null,
      actorHash: null,
      action: failed ? 'lot.failed' : 'lot.cancelled',
      lotId: l.id,
      subject: null,
      subjectHash: null,
      data,
    };
    const hash = auditEventHash(prevHash, auditHashFields(row));
    const out = { ...row, prevHash, hash };
    prevHash = hash;
    return out;
  });
  for (let i = 0; i < rows.length; i += 1000) await db.insert(auditEvents).values(rows.slice(i, i + 1000));
}
afterAll(async () => {
  await tp?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * Streams a response to a file while sampling live memory (after a full GC) every ~2 MB received and
 * every 20 ms. The server runs in this process, so whatever it holds (rows, strings, encoded chunks
 * queued for the socket) is counted; array buffers count too, because a chunk built whole in memory
 * is an array buffer by the time the socket writes it.
 */
async function streamToFile(
  url: string,
  file: string,
): Promise<{ status: number; bytes: number; lines: number; peakHeapGrowthMb: number }> {
  gc();
  const live = (): number => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const baseline = live();
  let peak = 0;
  const sample = (): void => {
    gc();
    peak = Math.max(peak, live() - baseline);
  };
  const timer = setInterval(sample, 20);
  try {
    return { ...(await consume(url, file, sample)), peakHeapGrowthMb: peak / 1024 / 1024 };
  } finally {
    clearInterval(timer);
  }
}

async function consume(
  url: string,
  file: string,
  sample: () => void,
): Promise<{ status: number; bytes: number; lines: number }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${regulator}` } });
  const fd = fs.openSync(file, 'w');
  let bytes = 0;
  let lines = 0;
  let nextSample = 0;
  const reader = res.body!.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    fs.writeSync(fd, value);
    bytes += value.length;
    for (const b of value) if (b === 10) lines++;
    if (bytes >= nextSample) {
      nextSample = bytes + 2 * 1024 * 1024;
      sample();
    }
  }
  fs.closeSync(fd);
  return { status: res.status, bytes, lines };
}

describe(`a streamed export of ${LOTS} lots`, () => {
  it('streams the year as CSV, one summary row per lot, within the bound', async () => {
    const file = path.join(dir, 'year.csv');
    const r = await streamToFile(`${tp.base}/api/records/lots?from=2025-01-01&to=2026-01-01&format=csv`, file);
    expect(r.status).toBe(200);
    expect(r.lines).toBe(LOTS + 1);
    console.log(
      `CSV export of ${LOTS} lots: ${(r.bytes / 1024 / 1024).toFixed(1)} MB streamed; peak live memory growth ${r.peakHeapGrowthMb.toFixed(1)} MB`,
    );
    expect(r.peakHeapGrowthMb).toBeLessThan(HEAP_BOUND_MB);
    const head = fs.readFileSync(file).subarray(0, 400);
    expect([...head.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(head.toString('utf8')).toContain('lotId,title,category,status');
  }, 300_000);

  it('streams a year of lots as NDJSON within bounded memory, and the export verifies', async () => {
    const file = path.join(dir, 'year.ndjson');
    const r = await streamToFile(`${tp.base}/api/records/lots?from=2025-01-01&to=2026-01-01&format=ndjson`, file);
    console.log(
      `NDJSON export of ${LOTS} lots: ${(r.bytes / 1024 / 1024).toFixed(1)} MB streamed; peak live memory growth ${r.peakHeapGrowthMb.toFixed(1)} MB (bound ${HEAP_BOUND_MB} MB)`,
    );
    expect(r.status).toBe(200);
    expect(r.lines).toBe(LOTS + 2);
    expect(r.bytes).toBeGreaterThan(HEAP_BOUND_MB * 1024 * 1024);
    expect(r.peakHeapGrowthMb).toBeLessThan(HEAP_BOUND_MB);
    // Verified offline, by the CLI in its own process, against the published keys.
    const jwksFile = path.join(dir, 'jwks.json');
    fs.writeFileSync(jwksFile, JSON.stringify(await fetchJwks(tp)));
    const cli = spawnSync(
      process.execPath,
      [path.join(ROOT, 'server/records/verify-cli.ts'), file, '--jwks', jwksFile],
      { encoding: 'utf8' },
    );
    expect(cli.stdout).toContain(`VALID lot export with ${LOTS} lot records`);
    expect(cli.status).toBe(0);
  }, 300_000);

  it('keeps to the period: lots ending outside it are left out', async () => {
    const r = await getBytes(tp, '/api/records/lots?from=2025-01-01&to=2025-01-02&format=csv', regulator);
    // Lots end every 104 minutes from 01:44 on 1 January 2025: 13 of them end that day.
    expect(r.bytes.toString('utf8').trim().split('\r\n')).toHaveLength(1 + 13);
  });
});

describe('a small lot export', () => {
  it('carries full records whose ledgers verify, and detects a changed, removed or reordered line', async () => {
    const { db } = tp.database;
    const a = await seedEndedLot(db, { bids: CONTESTED_BIDS, now: new Date('2030-06-10T00:00:00Z') });
    const b = await seedEndedLot(db, {
      bids: CONTESTED_BIDS.slice(0, 3),
      status: 'cancelled',
      now: new Date('2030-06-11T00:00:00Z'),
    });
    const jwks = await fetchJwks(tp);
    const res = await getBytes(tp, '/api/records/lots?from=2030-06-01&to=2030-07-01', regulator);
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const lines = res.bytes.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(4);
    expect(JSON.parse(lines[1]).lot.id).toBe(a.lotId);
    expect(JSON.parse(lines[2]).result.status).toBe('cancelled');
    expect(JSON.parse(lines[2]).lot.id).toBe(b.lotId);
    expect(await verifyDocument(res.bytes, jwks)).toMatchObject({
      valid: true,
      signed: true,
      kind: 'lot-export',
      details: { lots: 2 },
    });

    const again = (ls: string[]): Uint8Array => new TextEncoder().encode(`${ls.join('\n')}\n`);
    const changed = [...lines];
    changed[1] = changed[1].replace('"amount":65000000', '"amount":66000000');
    expect(await verifyDocument(again(changed), jwks)).toMatchObject({
      valid: false,
      code: 'EXPORT_CONTENT_CHANGED',
      reason: expect.stringMatching(/does not match its seal/),
    });
    expect((await verifyDocument(again([lines[0], lines[2], lines[1], lines[3]]), jwks)).reason).toMatch(
      /does not match its seal/,
    );
    expect((await verifyDocument(again([lines[0], lines[2], lines[3]]), jwks)).reason).toMatch(
      /does not match its seal/,
    );
    expect(await verifyDocument(again(lines.slice(0, 3)), jwks)).toMatchObject({
      valid: false,
      signed: false,
      code: 'EXPORT_SEAL_NOT_LAST',
    });
  });

  it('rejects a bad or missing period with 422 and logs nothing', async () => {
    const before = await tp.database.db.$count(auditEvents);
    for (const q of [
      '',
      '?from=2025-01-01',
      '?from=yesterday&to=2025-01-02',
      '?from=2025-02-01&to=2025-01-01',
      '?from=2025-01-01&to=2025-02-01&format=xlsx',
    ]) {
      const res = await tp.call('GET', `/api/records/lots${q}`, { token: regulator });
      expect(res.status, q).toBe(422);
      expect(res.json.error.code).toBe('VALIDATION_FAILED');
    }
    expect(await tp.database.db.$count(auditEvents)).toBe(before);
  });
});
