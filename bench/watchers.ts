// A watcher-pool process: opens many socket.io-client sockets (websocket transport, one connection
// each), watches the lot, and for every broadcast entry checks that seqs arrive strictly increasing
// without gaps and records the latency from that bid's scheduled send time (recovered from its
// amount, see lib/schedule.ts) to its arrival, per step.
import { io, type Socket } from 'socket.io-client';
import { serveIpc } from './lib/ipc.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './lib/hist.ts';
import { gFromAmount, scheduledAt, stepOf, type ScheduledStep } from './lib/schedule.ts';
import type { WatcherConnectReport, WatcherInit, WatcherProgress, WatcherStepReport, WatcherTotals } from './lib/protocol.ts';

interface Entry {
  lotId: number;
  seq: number;
  amount: number;
  kind?: string;
}
interface Watcher {
  socket: Socket;
  /** The seq the watch acknowledgement reported, then the last seq received. */
  firstSeq: number;
  lastSeq: number;
  watching: boolean;
}

let init: WatcherInit;
const watchers: Watcher[] = [];
const steps: ScheduledStep[] = [];
const hists = new Map<number, Histogram>();
const stepItems = new Map<number, number>();
const totals = { disconnects: 0, gaps: 0, outOfOrder: 0, items: 0, events: 0, unknownAmounts: 0 };
let eventsAtStep = 0;
let cpuAtStep = process.cpuUsage();

function onEntries(w: Watcher, entries: Entry[]): void {
  const now = wallNow();
  totals.events++;
  for (const e of entries) {
    if (e.lotId !== init.lotId) continue;
    totals.items++;
    if (e.seq <= w.lastSeq) {
      // Entries already in the watch acknowledgement may legitimately arrive again once.
      if (e.seq > w.firstSeq) totals.outOfOrder++;
      continue;
    }
    if (e.seq > w.lastSeq + 1) totals.gaps += e.seq - w.lastSeq - 1;
    w.lastSeq = e.seq;
    if (e.kind && e.kind !== 'bid') continue;
    const g = gFromAmount(e.amount, init.rules);
    const step = g === undefined ? undefined : stepOf(steps, g);
    if (g === undefined || !step) {
      totals.unknownAmounts++;
      continue;
    }
    let h = hists.get(step.index);
    if (!h) hists.set(step.index, (h = newHistogram()));
    recordMs(h, now - scheduledAt(step, g));
    stepItems.set(step.index, (stepItems.get(step.index) ?? 0) + 1);
  }
}

function open(): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const socket = io(init.url, { transports: ['websocket'], forceNew: true, reconnection: true, timeout: 30_000 });
    const w: Watcher = { socket, firstSeq: 0, lastSeq: 0, watching: false };
    let settled = false;
    const watch = (): void => {
      socket.timeout(30_000).emit('watch', { lotId: init.lotId }, (err: Error | null, ack: { lot?: { seq?: number }; error?: { code: string } }) => {
        if (err || !ack?.lot) {
          if (!settled) {
            settled = true;
            socket.close();
            reject(new Error(err ? err.message : `watch refused: ${JSON.stringify(ack).slice(0, 200)}`));
          }
          return;
        }
        const seq = ack.lot.seq ?? 0;
        // On a reconnect the watcher resumes from the seq it had; a real client would sync the rest.
        if (!w.watching) w.firstSeq = w.lastSeq = seq;
        w.watching = true;
        if (!settled) {
          settled = true;
          resolve(w);
        }
      });
    };
    socket.on('connect', watch);
    socket.on('disconnect', (reason) => void (w.watching && reason !== 'io client disconnect' && totals.disconnects++));
    socket.on('connect_error', (err) => {
      if (!settled) {
        settled = true;
        socket.close();
        reject(err);
      }
    });
    socket.on('bid', (e: Entry) => onEntries(w, [e]));
    socket.on('bids', (b: { lotId: number; items: Entry[] }) => onEntries(w, b.items.map((i) => ({ ...i, lotId: i.lotId ?? b.lotId }))));
  });
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
    return { hist: encodeHistogram(hists.get(index) ?? newHistogram()), items: stepItems.get(index) ?? 0, events: totals.events - eventsAtStep, cpuSeconds: (cpu.user + cpu.system) / 1e6 };
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
