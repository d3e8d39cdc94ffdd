// The auction day's smoke mode (`npm run bench -- --scenario day --smoke`) run end to end, so the
// scenario cannot rot: real platform processes and PostgreSQL, the opening rush through the real
// OpenID Connect flow, watchers, the bidding window and the checks, at tiny scale; once on one
// process and once on two behind HAProxy (sharing Redis). Only that every part produced its figures
// and the correctness checks are asserted, never timings (the machine is shared).
import { describe, expect, it } from 'vitest';
import type { DayReport } from '../../bench/lib/day-report.ts';
import { LOT_CLASSES } from '../../bench/lib/day-plan.ts';
import { haproxyPath } from '../../bench/lib/balancer.ts';
import {
  benchAdminUrl,
  benchRedisUrl,
  postgresProblem,
  redisProblem,
  requireOrSkip,
  runBenchSmoke,
} from '../support/bench-smoke.ts';

const WHO = "the day benchmark's smoke run";

async function smoke(extra: string[]): Promise<void> {
  const run = await runBenchSmoke<DayReport>(['--scenario', 'day', '--smoke', ...extra], {
    REDIS_URL: benchRedisUrl(),
  });
  const { code, output } = run;
  expect(code, output).toBe(0);
  expect(run.report, output).toBeDefined();
  expect(run.markdown).toBe(true);
  const r = run.report!;
  expect(r.correctness, output).toMatchObject({ ok: true, problems: [] });

  // The rush: everyone signed in through the provider and got their own lot page, signed in.
  expect(r.rush.people).toBe(r.plan.people);
  expect(r.rush.signIns).toMatchObject({ ok: r.plan.people, failed: 0 });
  expect(r.rush.pages).toMatchObject({ ok: r.plan.people * r.shape.rushPages, failed: 0 });
  expect(r.rush.pages.showedBidder).toBe(r.rush.pages.ok);
  expect(r.rush.signIns.latency?.count).toBe(r.plan.people);
  expect(r.rush.pages.latency).not.toBeNull();
  expect(r.rush.signIns.perSec).toBeGreaterThan(0);
  expect(r.rush.serverCpuMsPerPerson).toBeGreaterThan(0);
  expect(r.rush.idpRequests).toEqual({ authorize: r.plan.people, token: r.plan.people });
  expect(r.rush.loop).toHaveLength(r.processes);

  // Spectators: lot pages without a sign-in, their cost measured apart.
  expect(r.spectators!.pages.ok).toBeGreaterThan(0);
  expect(r.spectators!.pages.failed).toBe(0);
  expect(r.spectators!.serverCpuMsPerPage).toBeGreaterThan(0);

  // Watchers: every socket connected; memory and idle cost measured.
  expect(r.memory.connected).toBe(r.plan.watchersTotal);
  expect(r.memory.rssAfterMiB).toBeGreaterThan(0);
  expect(Number.isFinite(r.memory.perThousandMiB)).toBe(true);
  expect(Number.isFinite(r.idle.serverCpuMsPerThousandSocketsPerSec)).toBe(true);
  expect(r.idle.background.seconds).toBeGreaterThan(0);

  // Bidding: every class bid, was acknowledged and reached its watchers; costs were measured.
  for (const c of LOT_CLASSES) {
    const x = r.steady.byClass[c];
    expect(x.sent, c).toBe(r.plan.bids[c]);
    expect(x.accepted, c).toBeGreaterThan(0);
    expect(x.errors, c).toBe(0);
    expect(x.ack?.count, c).toBe(x.accepted);
    expect(x.watcher, c).not.toBeNull();
    expect(x.deliveries, c).toBeGreaterThan(0);
  }
  expect(r.steady.drained).toBe(true);
  expect(r.steady.cpu.serverMsPerBid).toBeGreaterThan(0);
  expect(r.steady.cpu.serverUsPerMessage).toBeGreaterThan(0);
  expect(r.steady.db.commits).toBeGreaterThan(0);
  expect(r.steady.loop).toHaveLength(r.processes);

  // Every acknowledged bid is in its lot's ledger; every watcher saw its lot's seqs in order.
  expect(r.correctness.ledger).toMatchObject({ acknowledgedMissing: 0, lotsIntact: r.shape.lots });
  expect(r.correctness.ledger.acknowledged).toBe(r.steady.accepted);
  expect(r.correctness.watchers).toMatchObject({
    sockets: r.plan.watchersTotal,
    complete: r.plan.watchersTotal,
    gaps: 0,
    outOfOrder: 0,
    disconnects: 0,
    unknownAmounts: 0,
  });
}

describe('the auction day benchmark, smoke run', () => {
  it('runs every part on one platform process with all correctness checks passing', async (t) => {
    const url = benchAdminUrl();
    requireOrSkip(t, await postgresProblem(url), `PostgreSQL at ${url}`, WHO);
    await smoke([]);
  }, 300_000);

  it('runs every part on two processes behind HAProxy, sharing Redis', async (t) => {
    const url = benchAdminUrl();
    requireOrSkip(t, await postgresProblem(url), `PostgreSQL at ${url}`, WHO);
    requireOrSkip(t, haproxyPath() ? null : 'not installed (Debian: apt-get install haproxy)', 'HAProxy', WHO);
    requireOrSkip(t, await redisProblem(benchRedisUrl()), `Redis at ${benchRedisUrl()}`, WHO);
    await smoke(['--processes', '2']);
  }, 300_000);
});
