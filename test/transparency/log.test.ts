// The transparency log in a running platform (issue 20): every signed document the platform issues is
// a leaf; the public routes serve a signed tree head, inclusion proofs that verify against it (by the
// RFC's algorithm, with jose checking the signature against the published keys), consistency proofs
// between heads, and the leaves; bad queries get clear refusals. The monitor (npm run monitor) passes
// on a consistent log and catches a leaf rewritten directly in the database, as a function and as the
// command an outsider runs.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asc, sql } from 'drizzle-orm';
import { startTestPlatform, type TestPlatform } from '../support/platform.ts';
import { ManualClock } from '../../server/shared/clock.ts';
import { logLeaves } from '../../db/schema.ts';
import { eventually, lotBody, person, publishedLot, type Actor } from '../auctions/factories.ts';
import type { Json } from '../support/json.ts';
import { leafHash, rootOf, verifyConsistency, verifyInclusion } from '../../server/transparency/merkle.ts';
import { decodeHash, encodeHash, verifyTreeHead } from '../../server/transparency/tree-head.ts';
import { monitorOnce, type MonitorState } from '../../server/transparency/monitor.ts';
import type { Jwks } from '../../server/records/jws.ts';

const run = promisify(execFile);
const clock = new ManualClock(Date.parse('2026-12-01T02:00:00Z'));
let tp: TestPlatform;
let manager: Actor;
let jwks: Jwks;

beforeAll(async () => {
  tp = await startTestPlatform({ clock });
  manager = await person(tp.idp, tp.database.db, { roles: ['manager'] });
  jwks = (await tp.call('GET', '/api/.well-known/jwks.json')).json as Jwks;
});
afterAll(async () => {
  await tp?.stop();
});

const leafCount = async () => (await tp.database.db.select({ idx: logLeaves.idx }).from(logLeaves)).length;

/** Lots that end unsold: each one's result notice, signed at the close, becomes a leaf. */
async function endLots(count: number): Promise<Json[]> {
  const before = await leafCount();
  const lots: Json[] = [];
  for (let i = 0; i < count; i++)
    lots.push(await publishedLot(tp.call, manager, lotBody(clock.now(), { title: `Lô ${i}` })));
  clock.advance(71 * 60_000);
  await eventually(async () => ((await leafCount()) >= before + count ? true : undefined), `${count} new leaves`);
  return lots;
}

/** The digest of a lot's latest result notice, as the published feed states it. */
const noticeDigest = async (lotId: number): Promise<string> =>
  eventually(async () => {
    const res = await tp.call('GET', `/api/results/${lotId}`);
    return res.status === 200 ? (res.json.notices[0].digest as string) : undefined;
  }, `lot ${lotId}'s notice`);

const sth = async () => {
  const res = await tp.call('GET', '/api/log/sth');
  expect(res.status).toBe(200);
  const checked = await verifyTreeHead(res.json, jwks);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.head;
};

describe('the transparency log', () => {
  let lots: Json[];

  beforeAll(async () => {
    lots = await endLots(5);
  });

  it('signs a tree head over every leaf, with the root the RFC defines over the stored digests', async () => {
    const head = await sth();
    const rows = await tp.database.db.select().from(logLeaves).orderBy(asc(logLeaves.idx));
    expect(head.treeSize).toBe(rows.length);
    expect(rows.map((r) => r.idx)).toEqual(rows.map((_, i) => i));
    expect(rows.every((r) => r.kind === 'result_notice')).toBe(true);
    expect(head.rootHash).toBe(encodeHash(rootOf(rows.map((r) => leafHash(decodeHash(r.digest)!)))));
    // Asked again without new leaves: the same head, not a new signature.
    expect((await tp.call('GET', '/api/log/sth')).json).toEqual(head);
    // A tampered head does not verify.
    expect((await verifyTreeHead({ ...head, treeSize: head.treeSize + 1 }, jwks)).ok).toBe(false);
  });

  it("proves each result notice's inclusion, against the latest head and against a head named by size", async () => {
    const first = await sth();
    for (const lot of lots) {
      const digest = await noticeDigest(lot.id);
      const res = await tp.call('GET', `/api/log/proof/inclusion?hash=${digest}`);
      expect(res.status).toBe(200);
      const p = res.json;
      expect(p).toMatchObject({ digest, kind: 'result_notice', lotId: lot.id, treeSize: first.treeSize });
      expect((await verifyTreeHead(p.treeHead, jwks)).ok).toBe(true);
      expect(
        verifyInclusion(
          leafHash(decodeHash(digest)!),
          p.leafIndex,
          p.treeSize,
          p.auditPath.map(decodeHash),
          decodeHash(p.treeHead.rootHash)!,
        ),
      ).toBe(true);
      // By the leaf hash too.
      expect((await tp.call('GET', `/api/log/proof/inclusion?hash=${p.leafHash}`)).json.leafIndex).toBe(p.leafIndex);
    }
    await endLots(3);
    const digest = await noticeDigest(lots[0].id);
    const named = await tp.call('GET', `/api/log/proof/inclusion?hash=${digest}&treeSize=${first.treeSize}`);
    expect(named.status).toBe(200);
    expect(named.json.treeHead).toEqual(first);
    const latest = await tp.call('GET', `/api/log/proof/inclusion?hash=${digest}`);
    expect(latest.json.treeSize).toBeGreaterThan(first.treeSize);
    expect(
      verifyInclusion(
        leafHash(decodeHash(digest)!),
        latest.json.leafIndex,
        latest.json.treeSize,
        latest.json.auditPath.map(decodeHash),
        decodeHash(latest.json.treeHead.rootHash)!,
      ),
    ).toBe(true);
  });

  it('proves every later head consistent with an earlier one, and pages the leaves', async () => {
    const a = await sth();
    await endLots(2);
    const b = await sth();
    const res = await tp.call('GET', `/api/log/proof/consistency?first=${a.treeSize}&second=${b.treeSize}`);
    expect(res.status).toBe(200);
    expect(
      verifyConsistency(
        a.treeSize,
        b.treeSize,
        decodeHash(a.rootHash)!,
        decodeHash(b.rootHash)!,
        res.json.consistency.map(decodeHash),
      ),
    ).toBe(true);
    const page = await tp.call('GET', `/api/log/leaves?start=1&end=${b.treeSize + 50}`);
    expect(page.status).toBe(200);
    expect(page.json.start).toBe(1);
    expect(page.json.end).toBe(b.treeSize);
    expect(page.json.leaves.map((l: Json) => l.index)).toEqual(Array.from({ length: b.treeSize - 1 }, (_, i) => i + 1));
    expect(Object.keys(page.json.leaves[0]).sort()).toEqual([
      'createdAt',
      'digest',
      'index',
      'kind',
      'leafHash',
      'lotId',
    ]);
    // Never personal data: no personal id (12 digits) anywhere in the public log.
    expect(page.text).not.toMatch(/(?<![0-9A-Za-z_-])\d{12}(?![0-9A-Za-z_-])/);
  });

  it('refuses bad queries clearly and answers 404 for what it does not hold', async () => {
    const head = await sth();
    const cases: [string, number, string][] = [
      ['/api/log/proof/inclusion?hash=abc', 422, 'VALIDATION_FAILED'],
      ['/api/log/proof/inclusion', 422, 'VALIDATION_FAILED'],
      [`/api/log/proof/inclusion?hash=${'A'.repeat(43)}`, 404, 'leaf_not_found'],
      [`/api/log/proof/inclusion?hash=${await noticeDigest(lots[0].id)}&treeSize=999999`, 404, 'tree_head_not_found'],
      ['/api/log/sth?treeSize=999999', 404, 'tree_head_not_found'],
      ['/api/log/sth?treeSize=-1', 422, 'VALIDATION_FAILED'],
      [`/api/log/proof/consistency?first=${head.treeSize}&second=1`, 422, 'tree_sizes_out_of_order'],
      [`/api/log/proof/consistency?first=1&second=${head.treeSize + 1}`, 404, 'tree_size_unknown'],
      ['/api/log/proof/consistency?first=x&second=2', 422, 'VALIDATION_FAILED'],
      ['/api/log/leaves?start=5&end=5', 422, 'tree_sizes_out_of_order'],
      ['/api/log/leaves?start=0', 422, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, what] of cases) {
      const res = await tp.call('GET', url);
      expect(res.status, url).toBe(status);
      expect([res.json.error.code, res.json.error.reason], url).toContain(what);
    }
  });
});

describe("a signed record's inclusion, checked offline", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'inclusion-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const verify = (...args: string[]) =>
    run(process.execPath, ['server/records/verify-cli.ts', ...args], { timeout: 60_000 }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );

  it('logs each record as served, names its digest beside it, and the verifier checks its inclusion', async () => {
    const [lot] = await endLots(1);
    const regulator = await person(tp.idp, tp.database.db, { roles: ['regulator'] });
    const res = await tp.call('GET', `/api/records/lots/${lot.id}?format=json`, { token: regulator.token });
    expect(res.status).toBe(200);
    const digest = res.headers.get('transparency-log-digest')!;
    expect(digest).toBe(
      encodeHash(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(res.text)))),
    );
    expect(res.headers.get('link')).toContain(`/api/log/proof/inclusion?hash=${digest}`);
    const proof = await tp.call('GET', `/api/log/proof/inclusion?hash=${digest}`);
    expect(proof.status).toBe(200);
    expect(proof.json).toMatchObject({ kind: 'record', lotId: lot.id, digest });

    const files = {
      record: path.join(dir, 'record.json'),
      jwks: path.join(dir, 'jwks.json'),
      proof: path.join(dir, 'proof.json'),
    };
    fs.writeFileSync(files.record, res.text);
    fs.writeFileSync(files.jwks, JSON.stringify(jwks));
    fs.writeFileSync(files.proof, proof.text);
    const ok = await verify(files.record, '--jwks', files.jwks, '--inclusion', files.proof);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toContain(`INCLUDED in the transparency log: leaf ${proof.json.leafIndex} of the signed tree head`);
    // Straight from the platform's URL as well.
    const url = await verify(
      files.record,
      '--jwks',
      files.jwks,
      '--inclusion',
      `${tp.base}/api/log/proof/inclusion?hash=${digest}`,
    );
    expect(url.code, url.out).toBe(0);

    // A proof moved to another leaf, a forged tree head, a proof for another document: all refused.
    const tampered = [
      { ...proof.json, leafIndex: proof.json.leafIndex === 0 ? 1 : 0 },
      { ...proof.json, treeHead: { ...proof.json.treeHead, rootHash: encodeHash(new Uint8Array(32)) } },
      { ...proof.json, digest: encodeHash(new Uint8Array(32).fill(1)) },
    ];
    for (const bad of tampered) {
      fs.writeFileSync(files.proof, JSON.stringify(bad));
      const no = await verify(files.record, '--jwks', files.jwks, '--inclusion', files.proof);
      expect(no.code, no.out).toBe(1);
      expect(no.out).toContain('NOT INCLUDED in the transparency log');
    }
  });
});

describe('the monitor', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'monitor-'));
  const stateFile = path.join(dir, 'state.json');
  const cli = (base: string, ...args: string[]) =>
    run(process.execPath, ['server/transparency/monitor-cli.ts', '--url', base, '--state', stateFile, ...args], {
      timeout: 60_000,
    }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('follows a consistent log from run to run, checking only the new leaves', async () => {
    await endLots(1);
    const first = await monitorOnce({ url: tp.base, state: undefined });
    expect(first).toMatchObject({ ok: true, previous: null });
    if (!first.ok) return;
    expect(first.leavesChecked).toBe(first.treeHead.treeSize);
    await endLots(2);
    const second = await monitorOnce({ url: tp.base, state: first.state });
    expect(second).toMatchObject({ ok: true, previous: first.treeHead.treeSize });
    if (!second.ok) return;
    expect(second.leavesChecked).toBe(second.treeHead.treeSize - first.treeHead.treeSize);
    expect((await monitorOnce({ url: tp.base, state: second.state, full: true })).ok).toBe(true);

    const cliRun = await cli(tp.base);
    expect(cliRun.code, cliRun.out).toBe(0);
    expect(cliRun.out).toMatch(/^CONSISTENT: \d+ leaves/);
  });

  it('catches a leaf rewritten in the database: by spot checks and --full at once, and by consistency in a process started after', async () => {
    const before = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as MonitorState;
    // The operator rewrites leaf 2 directly in the database (the append-only trigger switched off).
    const forged = encodeHash(new Uint8Array(32).fill(7));
    await tp.database.db.transaction(async (tx) => {
      await tx.execute(sql`alter table log_leaves disable trigger user`);
      await tx.execute(
        sql`update log_leaves set digest = ${forged}, leaf_hash = ${encodeHash(leafHash(decodeHash(forged)!))} where idx = 2`,
      );
      await tx.execute(sql`alter table log_leaves enable trigger user`);
    });

    // The process still serves the roots it computed before: the next run's spot checks of earlier
    // leaves catch the rewrite by its failing inclusion proof, and --full by recomputing the root.
    const plain = await cli(tp.base);
    expect(plain.code, plain.out).toBe(1);
    expect(plain.out).toContain('leaf 2, as the log serves it now');
    const full = await cli(tp.base, '--full');
    expect(full.code, full.out).toBe(1);
    expect(full.out).toContain('INCONSISTENT');
    expect(full.out).toContain('a leaf was rewritten');
    // The state file is kept as evidence.
    expect(JSON.parse(fs.readFileSync(stateFile, 'utf8'))).toEqual(before);

    // A second process starts over the rewritten table (a restart, or one more process behind the
    // balancer) and more documents are logged: its tree heads' roots come from the rewritten leaves,
    // and no consistency proof joins them to the head the monitor saw before.
    const second = await startTestPlatform({ clock, database: tp.database, idp: tp.idp });
    try {
      // The same log at another loopback port (a deployment keeps its origin): the state follows it.
      fs.writeFileSync(stateFile, JSON.stringify({ ...before, url: second.base }));
      const lot = await publishedLot(second.call, manager, lotBody(clock.now()));
      const count = await leafCount();
      clock.advance(71 * 60_000);
      await eventually(async () => ((await leafCount()) > count ? true : undefined), `lot ${lot.id}'s notice`);
      const incremental = await cli(second.base);
      expect(incremental.code, incremental.out).toBe(1);
      expect(incremental.out).toMatch(/INCONSISTENT: the tree of \d+ leaves does not extend the tree of \d+ leaves/);
    } finally {
      await second.stop();
    }
  });
});
