// Worker thread entry for SVG rasterization (see svg-raster.ts): one job per worker, given in
// workerData. It posts 'started' once resvg is loaded (the render's own time limit runs from there),
// then one reply, and is then terminated. A first parse reads the drawing's own size (and refuses
// what is not SVG); the second draws it RASTER_SIDE pixels on its longer side.
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
    if (!(shorter > 0) || longer / shorter > job.maxAspect) return { ok: false, reason: 'shape', detail: `${round(width)} × ${round(height)}` };
    const family = job.fontFamily;
    const drawing = new Resvg(job.svg, {
      fitTo: width >= height ? { mode: 'width', value: job.side } : { mode: 'height', value: job.side },
      font: { fontBuffers: job.fonts, defaultFontFamily: family, sansSerifFamily: family, serifFamily: family, monospaceFamily: family, cursiveFamily: family, fantasyFamily: family },
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

const job = workerData as RasterJob;
await initWasm(job.module);
parentPort?.postMessage('started');
const reply = rasterize(job);
parentPort?.postMessage(reply, reply.ok ? [reply.png.buffer as ArrayBuffer] : []);
