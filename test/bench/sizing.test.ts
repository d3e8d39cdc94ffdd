// The sizing model's arithmetic (bench/lib/sizing.ts): a workload and costs small enough to work out
// by hand, and the README's rendering of it.
import { describe, expect, it } from 'vitest';
import {
  bidsPerSecOnOnePrimary,
  estimate,
  signInsPerSecOnOnePrimary,
  SOCKETS_PER_PROCESS,
  type MeasuredCosts,
  type Workload,
} from '../../bench/lib/sizing.ts';
import { renderSizing } from '../../bench/lib/sizing-report.ts';

const costs: MeasuredCosts = {
  cpuMsPerBid: 10,
  cpuUsPerDelivery: 100,
  cpuMsPerThousandSocketsPerSec: 2,
  cpuMsPerPerson: 30,
  cpuMsPerPage: 10,
  mibPerThousandSockets: 20,
  mibPerProcess: 300,
  commitsPerBid: 4,
  walSyncsPerBid: 2,
  commitsPerPerson: 20,
  commitsPerPage: 2,
  backgroundCommitsPerSec: 10,
  pgbenchTps: 8_000,
  hotLotBidsPerSec: 2_000,
};

// 10 lots: 1 hot (1 bid/s), 3 warm (0.5/s), 6 quiet (0.1/s); weights 4 : 2 : 1, so with 1,600
// watchers the sum of weights is 4 + 6 + 6 = 16: 400 on the hot lot, 200 on each warm, 100 each quiet.
const workload: Workload = {
  lots: 10,
  hot: 1,
  warm: 3,
  bidsPerSec: { hot: 1, warm: 0.5, quiet: 0.1 },
  watcherWeights: { hot: 4, warm: 2, quiet: 1 },
  registrants: 600,
  rushSeconds: 60,
};

describe('the sizing model', () => {
  it('costs bids, deliveries, sockets and the opening from the measured unit costs', () => {
    const e = estimate(costs, workload, 1_600);
    expect(e.bidsPerSec).toBeCloseTo(1 + 1.5 + 0.6);
    // 1 × 400 + 3 × 0.5 × 200 + 6 × 0.1 × 100 = 400 + 300 + 60.
    expect(e.deliveriesPerSec).toBeCloseTo(760);
    expect(e.cores.bids).toBeCloseTo(0.031);
    expect(e.cores.deliveries).toBeCloseTo(0.076);
    expect(e.cores.sockets).toBeCloseTo(0.0032);
    expect(e.cores.steady).toBeCloseTo(0.031 + 0.076 + 0.0032);
    // 10 sign-ins/s × 30 ms + 26.67 pages/s × 10 ms, and the sockets.
    expect(e.cores.rush).toBeCloseTo(0.3 + 0.26667 + 0.0032, 4);
    expect(e.processes).toEqual({ steady: 1, rush: 2, bySockets: 1, needed: 2 });
    expect(e.memoryGiB).toBeCloseTo((2 * 300 + 1.6 * 20) / 1024);
    expect(e.redis).toEqual({ publishesPerSec: e.bidsPerSec, messagesOutPerSec: e.bidsPerSec * 2 });
    expect(e.db.steadyCommitsPerSec).toBeCloseTo(3.1 * 4 + 20);
    expect(e.db.rushCommitsPerSec).toBeCloseTo(10 * 20 + (1_600 / 60) * 2 + 20);
    expect(e.db.walSyncsPerSec).toBeCloseTo(6.2);
    expect(e.db.onePrimaryEnough).toBe(true);
  });

  it('needs a process per so many sockets, and says when one primary no longer carries the opening', () => {
    const e = estimate(costs, workload, 10 * SOCKETS_PER_PROCESS);
    expect(e.processes.bySockets).toBe(10);
    expect(e.processes.needed).toBeGreaterThanOrEqual(10);
    // 150,000 pages in a minute at 2 commits each: 5,000/s, over half of pgbench's 8,000.
    expect(e.db.rushShareOfPgbench).toBeGreaterThan(0.5);
    expect(e.db.onePrimaryEnough).toBe(false);
    expect(bidsPerSecOnOnePrimary(costs)).toBe(1_000);
    expect(signInsPerSecOnOnePrimary(costs)).toBe(200);
  });

  it('costs a watcher’s page as a sign-in and a page when spectators were not measured', () => {
    const unmeasured = { ...costs, cpuMsPerPage: null, commitsPerPage: null };
    const e = estimate(unmeasured, workload, 1_600);
    expect(e.cores.rush).toBeCloseTo(((600 + 1_600) / 60) * 0.03 + 0.0032, 4);
  });

  it('renders the measured figures apart from the extrapolated ones', () => {
    const md = renderSizing({
      costs,
      workload,
      sources: { day: 'bench/results/day-2proc.md', dayOne: null, storm: 'bench/results/storm.md' },
      oneProcess: null,
    });
    expect(md).toContain('| measured | value | from |');
    expect(md).toContain('| extrapolated | 10,000 watchers | 100,000 watchers | 1,000,000 watchers |');
    expect(md).toContain('8,000 tx/s');
    expect(md).toContain('**1,000 bids/s**');
    expect(md).toContain('Assumptions');
  });
});
