// Worker thread entry for SVG rasterization (see svg-raster.ts): one job per worker, given in
// workerData. It posts { started } once resvg is loaded, with where its thread's CPU time can be read
// (the drawing's CPU budget counts from there), then one reply, and is then terminated. A first parse reads the drawing's own size (and refuses
// what is not SVG); the second draws it RASTER_SIDE pixels on its longer side.
import { readFileSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { initWasm, Resvg } from '@resvg/resvg-wasm';

export interface RasterJob {
  /** resvg compiled once by the main thread, with its memory capped. */
  module: WebAssembly.Module;
  /** The only fonts text can use (nothing is loaded from the system). */
  fonts: Uint8Array[];
  fontFamily: string;
  svg: Uint8Array;
  /** Pixels on the picture's longer side. */
  side: number;
  /** The most the longer side may be of the shorter. */
  maxAspect: number;
}

/** First message: the /proc file with this thread's CPU time (Linux), or undefined where there is none. */
export interface RasterStarted {
  started: string | undefined;
}

export type RasterReply =
  | { ok: true; png: Uint8Array; width: number; height: number }
  /** invalid: not an SVG resvg can read; shape: sides out of proportion; aborted: resvg stopped (an
   *  allocation past the memory cap, or a panic, both abort WebAssembly code). */
  | { ok: false; reason: 'invalid' | 'shape' | 'aborted'; detail: string };

function rasterize(job: RasterJob): RasterReply {
  try {
    const probe = new Resvg(job.svg, { font: { fontBuffers: [] } });
    const { width, height } = probe;
    probe.free();
    const longer = Math.max(width, height);
    const shorter = Math.min(width, height);
    if (!(shorter > 0) || longer / shorter > job.maxAspect)
      return { ok: false, reason: 'shape', detail: `${round(width)} × ${round(height)}` };
    const family = job.fontFamily;
    const drawing = new Resvg(job.svg, {
      fitTo: width >= height ? { mode: 'width', value: job.side } : { mode: 'height', value: job.side },
      font: {
        fontBuffers: job.fonts,
        defaultFontFamily: family,
        sansSerifFamily: family,
        serifFamily: family,
        monospaceFamily: family,
        cursiveFamily: family,
        fantasyFamily: family,
      },
    });
    const image = drawing.render();
    return { ok: true, png: image.asPng(), width: image.width, height: image.height };
  } catch (err) {
    // A trap is resvg aborting (out of memory, or a panic); any other error is resvg refusing the document.
    if (err instanceof WebAssembly.RuntimeError) return { ok: false, reason: 'aborted', detail: err.message };
    return { ok: false, reason: 'invalid', detail: err instanceof Error ? err.message : String(err) };
  }
}

const round = (n: number): string => String(Math.round(n * 100) / 100);

function cpuStatPath(): string | undefined {
  try {
    return `/proc/self/task/${readFileSync('/proc/thread-self/stat', 'utf8').split(' ', 1)[0]}/stat`;
  } catch {
    return undefined;
  }
}

const job = workerData as RasterJob;
await initWasm(job.module);
parentPort?.postMessage({ started: cpuStatPath() } satisfies RasterStarted);
const reply = rasterize(job);
parentPort?.postMessage(reply, reply.ok ? [reply.png.buffer as ArrayBuffer] : []);
