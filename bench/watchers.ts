// A watcher-pool process: opens many socket.io sockets (WebSocket transport, one connection each,
// spoken by the lean wire client of lib/wire-client.ts), watches the lot, and for every broadcast entry checks that seqs arrive strictly increasing
// without gaps and records the latency from that bid's scheduled send time (recovered from its
// amount, see lib/schedule.ts) to its arrival, per step.
import os from 'node:os';
import { serveIpc } from './lib/ipc.ts';
import { connectWire, type WireSocket } from './lib/wire-client.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './lib/hist.ts';
import { gFromAmount, scheduledAt, stepOf, type ScheduledStep } from './lib/schedule.ts';
import type {
  WatcherConnectReport,
  WatcherInit,
  WatcherProgress,
  WatcherStepReport,
  WatcherTotals,
} from './lib/protocol.ts';

interface Entry {
  lotId: number;
  seq: number;
  amount: number;
  kind?: string;
}
interface Watcher {
  socket: WireSocket;
  /** The seq the watch acknowledgement reported, then the last seq received. */
  firstSeq: number;
  lastSeq: number;
  watching: boolean;
}

let init: WatcherInit;
// The pools stand in for the watchers' own devices: they run at the lowest CPU priority so that,
// sharing the machine, they take what the server, PostgreSQL and the load generators leave. Their
// latency figures include any wait for the CPU, so this can only make them look worse, not better.
os.setPriority(19);
const watchers: Watcher[] = [];
const steps: ScheduledStep[] = [];
/** Per step: the latencies and how many entries were delivered. */
const perStep = new Map<number, { hist: Histogram; items: number }>();
/**
 * Which step an entry belongs to and when it was scheduled, worked out once per entry: every socket of
 * this pool receives the same parsed entry objects (lib/wire-client.ts). null: not a workload amount.
 */
const timings = new WeakMap<Entry, { step: { hist: Histogram; items: number }; scheduled: number } | null>();

function timingOf(e: Entry): { step: { hist: Histogram; items: number }; scheduled: number } | null {
  let t = timings.get(e);
  if (t !== undefined) return t;
  const g = gFromAmount(e.amount, init.rules);
  const step = g === undefined ? undefined : stepOf(steps, g);
  if (g === undefined || !step) t = null;
  else {
    let entry = perStep.get(step.index);
    if (!entry) perStep.set(step.index, (entry = { hist: newHistogram(), items: 0 }));
    t = { step: entry, scheduled: scheduledAt(step, g) };
  }
  timings.set(e, t);
  return t;
}
const totals = { disconnects: 0, gaps: 0, outOfOrder: 0, items: 0, events: 0, unknownAmounts: 0 };
let eventsAtStep = 0;
let cpuAtStep = process.cpuUsage();

function onEntries(w: Watcher, lotId: number, entries: readonly Entry[]): void {
  const now = wallNow();
  totals.events++;
  for (const e of entries) {
    if ((e.lotId ?? lotId) !== init.lotId) continue;
    totals.items++;
    if (e.seq <= w.lastSeq) {
      // Entries already in the watch acknowledgement may legitimately arrive again once.
      if (e.seq > w.firstSeq) totals.outOfOrder++;
      continue;
    }
    if (e.seq > w.lastSeq + 1) totals.gaps += e.seq - w.lastSeq - 1;
    w.lastSeq = e.seq;
    if (e.kind && e.kind !== 'bid') continue;
    const t = timingOf(e);
    if (!t) {
      totals.unknownAmounts++;
      continue;
    }
    recordMs(t.step.hist, now - t.scheduled);
    t.step.items++;
  }
}

async function open(): Promise<Watcher> {
  const w: Watcher = { socket: undefined as unknown as WireSocket, firstSeq: 0, lastSeq: 0, watching: false };
  // Entries broadcast between joining the room and the watch acknowledgement wait for it.
  const early: [number, readonly Entry[]][] = [];
  const receive = (lotId: number, entries: readonly Entry[]): void =>
    w.watching ? onEntries(w, lotId, entries) : void early.push([lotId, entries]);
  w.socket = await connectWire(init.url, {
    timeoutMs: 30_000,
    onDisconnect: () => void (w.watching && totals.disconnects++),
    onEvent: (name, data) => {
      if (name === 'bid') receive((data as Entry).lotId, [data as Entry]);
      else if (name === 'bids') {
        const b = data as { lotId: number; items: Entry[] };
        receive(b.lotId, b.items);
      }
    },
  });
  const ack = await w.socket
    .request<{ lot?: { seq?: number }; error?: { code: string } }>('watch', { lotId: init.lotId }, 30_000)
    .catch((err: Error) => {
      w.socket.close();
      throw err;
    });
  if (!ack?.lot) {
    w.socket.close();
    throw new Error(`watch refused: ${JSON.stringify(ack).slice(0, 200)}`);
  }
  w.firstSeq = w.lastSeq = ack.lot.seq ?? 0;
  w.watching = true;
  for (const [lotId, entries] of early) onEntries(w, lotId, entries);
  return w;
}

async function connectAll(): Promise<WatcherConnectReport> {
  const started = Date.now();
  let failed = 0;
  const failureSamples: string[] = [];
  for (let i = 0; i < init.count; i += init.connectBatch) {
    const batch = Array.from({ length: Math.min(init.connectBatch, init.count - i) }, () => open());
    for (const r of await Promise.allSettled(batch)) {
      if (r.status === 'fulfilled') watchers.push(r.value);
      else {
        failed++;
        if (failureSamples.length < 5) failureSamples.push(String(r.reason?.message ?? r.reason));
      }
    }
  }
  return { connected: watchers.length, failed, failureSamples, ms: Date.now() - started };
}

function seqRange(): { minSeq: number; maxSeq: number } {
  let minSeq = Infinity;
  let maxSeq = 0;
  for (const w of watchers) {
    minSeq = Math.min(minSeq, w.lastSeq);
    maxSeq = Math.max(maxSeq, w.lastSeq);
  }
  return { minSeq: watchers.length ? minSeq : 0, maxSeq };
}

serveIpc({
  init: (payload: WatcherInit) => {
    init = payload;
    return { pid: process.pid };
  },
  connect: () => connectAll(),
  /** The orchestrator announces each step (with its start time) before it runs. */
  step: (step: ScheduledStep) => {
    steps.push(step);
    eventsAtStep = totals.events;
    cpuAtStep = process.cpuUsage();
  },
  progress: (): WatcherProgress => ({ connected: watchers.filter((w) => w.socket.connected).length, ...seqRange() }),
  stepReport: (index: number): WatcherStepReport => {
    const cpu = process.cpuUsage(cpuAtStep);
    const step = perStep.get(index);
    return {
      hist: encodeHistogram(step?.hist ?? newHistogram()),
      items: step?.items ?? 0,
      events: totals.events - eventsAtStep,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  },
  totals: (expectedSeq: number): WatcherTotals => ({
    sockets: watchers.length,
    connected: watchers.filter((w) => w.socket.connected).length,
    complete: watchers.filter((w) => w.lastSeq === expectedSeq).length,
    ...seqRange(),
    ...totals,
  }),
  close: () => {
    for (const w of watchers) w.socket.close();
    watchers.length = 0;
  },
});
