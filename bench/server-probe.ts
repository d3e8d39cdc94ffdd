// A bench-only preload (`node --import ./bench/server-probe.ts server/main.ts`): measures the event
// loop delay of the process under test with monitorEventLoopDelay and answers `probe:read` requests
// from the orchestrator over the IPC channel. It changes nothing in the server; without an IPC
// channel it does nothing at all.
import { monitorEventLoopDelay } from 'node:perf_hooks';

export interface ProbeReading {
  /** Event-loop delay percentiles over the interval since the last reset, in ms. */
  p50: number;
  p99: number;
  max: number;
  mean: number;
  rss: number;
  heapUsed: number;
  cpuSeconds: number;
}

if (process.send) {
  const h = monitorEventLoopDelay({ resolution: 5 });
  h.enable();
  process.on('message', (m: { id?: number; type?: string; payload?: { reset?: boolean } }) => {
    if (m?.type !== 'probe:read') return;
    const mem = process.memoryUsage();
    const cpu = process.cpuUsage();
    const ms = (ns: number): number => Math.round(ns / 1e3) / 1e3;
    const value: ProbeReading = {
      p50: ms(h.percentile(50)),
      p99: ms(h.percentile(99)),
      max: ms(h.max),
      mean: ms(h.mean),
      rss: mem.rss,
      heapUsed: mem.heapUsed,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
    };
    if (m.payload?.reset) h.reset();
    process.send?.({ id: m.id, ok: true, value });
  });
  // The channel must not keep the server alive on its own.
  process.channel?.unref();
}
