// A watcher pool of the day scenario (a child process of bench/day.ts): many sockets, each watching
// one lot of the shift, spoken by the lean socket.io wire client (lib/wire-client.ts). For every bid
// entry a socket receives it checks that its lot's seqs arrive strictly increasing without gaps, and
// records the time from the bid's planned send (told by its amount: lib/day-plan.ts) to its arrival,
// per lot class. Runs at the lowest CPU priority, as the storm's pools do (bench/watchers.ts): the
// pools stand in for the watchers' own devices, and their figures include any wait for the CPU.
import os from 'node:os';
import { serveIpc } from './ipc.ts';
import { connectWire, type WireSocket } from './wire-client.ts';
import { encodeHistogram, newHistogram, recordMs, wallNow, type Histogram } from './hist.ts';
import { bidIndexOf, LOT_CLASSES, type LotClass } from './day-plan.ts';
import type { DayWatcherInit, DayWatcherProgress, DayWatcherReport, LotSchedule } from './day-protocol.ts';

interface Entry {
  lotId: number;
  seq: number;
  amount: number;
  kind?: string;
}
interface Watcher {
  lot: LotSchedule;
  socket: WireSocket;
  /** The seq the watch acknowledgement reported, then the last seq received. */
  firstSeq: number;
  lastSeq: number;
  watching: boolean;
}

let init: DayWatcherInit;
os.setPriority(19);
const watchers: Watcher[] = [];
let startAt = 0;
const perClass = new Map<LotClass, { hist: Histogram; deliveries: number }>(
  LOT_CLASSES.map((c) => [c, { hist: newHistogram(), deliveries: 0 }]),
);
const totals = { disconnects: 0, gaps: 0, outOfOrder: 0, unknownAmounts: 0, frames: 0 };
let cpuAtStart = process.cpuUsage();
/**
 * An entry's class and planned send time, worked out once: the pool's sockets on one lot receive the
 * same parsed entry object (lib/wire-client.ts). null: not a planned bid of its lot.
 */
const timings = new WeakMap<Entry, { cls: LotClass; planned: number } | null>();

function timingOf(e: Entry, lot: LotSchedule): { cls: LotClass; planned: number } | null {
  let t = timings.get(e);
  if (t !== undefined) return t;
  const k = bidIndexOf(e.amount, lot.rules, lot.bids.length);
  t = k === undefined ? null : { cls: lot.cls, planned: startAt + lot.bids[k] };
  timings.set(e, t);
  return t;
}

function onEntries(w: Watcher, entries: readonly Entry[]): void {
  const now = wallNow();
  for (const e of entries) {
    if ((e.lotId ?? w.lot.lotId) !== w.lot.lotId) continue;
    if (e.seq <= w.lastSeq) {
      // Entries already in the watch acknowledgement may legitimately arrive again once.
      if (e.seq > w.firstSeq) totals.outOfOrder++;
      continue;
    }
    if (e.seq > w.lastSeq + 1) totals.gaps += e.seq - w.lastSeq - 1;
    w.lastSeq = e.seq;
    if (e.kind && e.kind !== 'bid') continue;
    const t = timingOf(e, w.lot);
    if (!t) {
      totals.unknownAmounts++;
      continue;
    }
    const c = perClass.get(t.cls)!;
    recordMs(c.hist, now - t.planned);
    c.deliveries++;
  }
}

async function open(lot: LotSchedule): Promise<Watcher> {
  const w: Watcher = { lot, socket: undefined as unknown as WireSocket, firstSeq: 0, lastSeq: 0, watching: false };
  // Entries broadcast between joining the room and the watch acknowledgement wait for it.
  const early: (readonly Entry[])[] = [];
  const receive = (entries: readonly Entry[]): void => (w.watching ? onEntries(w, entries) : void early.push(entries));
  w.socket = await connectWire(init.url, {
    timeoutMs: 30_000,
    onDisconnect: () => void (w.watching && totals.disconnects++),
    onEvent: (name, data) => {
      totals.frames++;
      if (name === 'bid') receive([data as Entry]);
      else if (name === 'bids') receive((data as { items: Entry[] }).items);
    },
  });
  const ack = await w.socket
    .request<{ lot?: { seq?: number }; error?: { code: string } }>('watch', { lotId: lot.lotId }, 30_000)
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
  for (const entries of early) onEntries(w, entries);
  return w;
}

async function connectAll(): Promise<{ connected: number; failed: number; failureSamples: string[]; ms: number }> {
  const started = Date.now();
  // The lots' sockets interleaved, so that every lot has watchers early (as people arrive).
  const queue: LotSchedule[] = [];
  const left = init.lots.map((l) => l.sockets);
  for (let more = true; more;) {
    more = false;
    init.lots.forEach((l, i) => {
      if (left[i] > 0) {
        queue.push(l);
        left[i]--;
        more = true;
      }
    });
  }
  let failed = 0;
  const failureSamples: string[] = [];
  for (let i = 0; i < queue.length; i += init.connectBatch) {
    const batch = queue.slice(i, i + init.connectBatch).map((l) => open(l));
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

serveIpc({
  init: (payload: DayWatcherInit) => {
    init = payload;
    return { pid: process.pid };
  },
  connect: () => connectAll(),
  /** The window opens at startAt: planned send times count from it. */
  start: (payload: { startAt: number }) => {
    startAt = payload.startAt;
    cpuAtStart = process.cpuUsage();
  },
  progress: (): DayWatcherProgress => {
    const minSeq: Record<number, number> = {};
    for (const w of watchers) minSeq[w.lot.lotId] = Math.min(minSeq[w.lot.lotId] ?? Infinity, w.lastSeq);
    return { connected: watchers.filter((w) => w.socket.connected).length, minSeq };
  },
  report: (payload: { finalSeqs: Record<number, number> }): DayWatcherReport => {
    const cpu = process.cpuUsage(cpuAtStart);
    const byClass = {} as DayWatcherReport['byClass'];
    for (const [c, v] of perClass) byClass[c] = { deliveries: v.deliveries, hist: encodeHistogram(v.hist) };
    return {
      sockets: watchers.length,
      connected: watchers.filter((w) => w.socket.connected).length,
      disconnects: totals.disconnects,
      gaps: totals.gaps,
      outOfOrder: totals.outOfOrder,
      complete: watchers.filter((w) => w.lastSeq === payload.finalSeqs[w.lot.lotId]).length,
      unknownAmounts: totals.unknownAmounts,
      byClass,
      frames: totals.frames,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
  },
  close: () => {
    for (const w of watchers) w.socket.close();
    watchers.length = 0;
  },
});
